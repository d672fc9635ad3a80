//! `fleetdesk rollout run file.csv`: the app's rollouts from a terminal — the CSV checked (every
//! problem named by row), the batch created and worked through; a batch stopped half-way is run
//! again from where it was by running the same command on it (`fleetdesk rollout run` resumes
//! the batch of the same name).

use fleet_core::{AppError, Desk};

use super::codes::expiry;
use super::usage;
use crate::args::RolloutCommand;
use crate::exit::{DONE, FAILED};
use crate::output;

pub async fn run(desk: &Desk, command: RolloutCommand) -> Result<u8, AppError> {
    let RolloutCommand::Run {
        file,
        name,
        expiry: chosen,
        format,
    } = command;
    let text = std::fs::read_to_string(&file)
        .map_err(|err| usage("file", format!("Could not read {}: {err}", file.display())))?;
    let name = name.unwrap_or_else(|| {
        file.file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| "Rollout".to_owned())
    });
    // A batch of this name not finished yet is resumed, not made again.
    let unfinished = desk
        .rollouts()
        .await?
        .into_iter()
        .find(|batch| batch.name == name && batch.waiting > 0);
    let batch_id = match unfinished {
        Some(batch) => {
            eprintln!("Resuming “{name}”: {} codes still to make.", batch.waiting);
            batch.id
        }
        None => {
            let draft = desk.preview_rollout_csv(&text).await?;
            if draft.preview.invalid > 0 {
                for row in draft.preview.rows.iter().filter(|r| !r.errors.is_empty()) {
                    eprintln!("  row {}: {}", row.row_number, row.errors.join("; "));
                }
                return Err(usage(
                    "file",
                    format!(
                        "{} of {} rows cannot be made: fix them and run again.",
                        draft.preview.invalid,
                        draft.preview.rows.len()
                    ),
                ));
            }
            desk.create_rollout(&draft.plan_id, &name, expiry(chosen))
                .await?
        }
    };
    let detail = desk
        .run_rollout(&batch_id, |progress| {
            eprint!("\r{} of {} codes made", progress.done, progress.total);
        })
        .await?;
    eprintln!();
    output::listing(
        format,
        &detail.rows,
        &["ROW", "STORE", "DEVICE", "CODE", "EXPIRES", "PROBLEM"],
        |row| {
            vec![
                row.row_number.to_string(),
                row.location_name.clone(),
                row.device_label.clone().unwrap_or_default(),
                row.code.clone().unwrap_or_default(),
                row.expires_at
                    .map(|at| at.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                row.error.clone().unwrap_or_default(),
            ]
        },
    )?;
    Ok(if detail.summary.failed > 0 {
        FAILED
    } else {
        DONE
    })
}
