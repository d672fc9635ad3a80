//! `fleetdesk apply plan.json`: the job a plan describes, started (on production once the
//! account's name is typed or passed with `--confirm`) and worked through here, progress on
//! stderr, each device's result on stdout. Exit code 1 when any device failed.

use fleet_core::jobs::JobRowFilter;
use fleet_core::jobs::plan_file::PlanFile;
use fleet_core::{AppError, Desk};

use super::jobs::{report, work};
use super::usage;
use crate::args::ApplyArgs;
use crate::exit::{DONE, FAILED};

/// The largest plan file read (100,000 devices, each with its before and after).
const MAX_PLAN_BYTES: u64 = 256 * 1024 * 1024;

fn read_plan(path: &std::path::Path) -> Result<PlanFile, AppError> {
    let size = std::fs::metadata(path)
        .map_err(|err| usage("plan", format!("Could not read {}: {err}", path.display())))?
        .len();
    if size > MAX_PLAN_BYTES {
        return Err(usage("plan", "That file is far larger than any plan."));
    }
    let bytes = std::fs::read(path)
        .map_err(|err| usage("plan", format!("Could not read {}: {err}", path.display())))?;
    serde_json::from_slice(&bytes).map_err(|err| {
        usage(
            "plan",
            format!("{} is not a Fleetdesk plan: {err}", path.display()),
        )
    })
}

pub async fn run(desk: &Desk, args: ApplyArgs) -> Result<u8, AppError> {
    let plan = read_plan(&args.plan)?;
    let job = desk.apply_plan_file(&plan).await?;
    eprintln!(
        "Started job {} — “{}” on {} devices.",
        job.id, job.label, job.total
    );
    work(desk, &job.id).await?;
    let done = desk.job(&job.id).await?.job;
    report(desk, &job.id, JobRowFilter::All, args.format).await?;
    eprintln!(
        "{} done, {} failed, {} left as they were.",
        done.done, done.failed, done.skipped
    );
    Ok(if done.failed > 0 { FAILED } else { DONE })
}
