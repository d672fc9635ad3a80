//! `fleetdesk jobs`: the profile's jobs (from the app or from `apply`), one job's results, and
//! pause, resume, cancel. A job is named by its id or the id's first characters.

use std::io::IsTerminal;
use std::time::Duration;

use fleet_core::jobs::{JobDevice, JobOutcome, JobRowFilter, JobState};
use fleet_core::{AppError, Desk};

use super::usage;
use crate::args::{Format, JobsCommand};
use crate::exit::DONE;
use crate::output;

/// A job's full id from its id or the id's first characters.
async fn find(desk: &Desk, named: &str) -> Result<String, AppError> {
    let jobs = desk.jobs().await?;
    let matching: Vec<&str> = jobs
        .iter()
        .map(|view| view.job.id.as_str())
        .filter(|id| id.starts_with(named.trim()))
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(usage(
            "job",
            format!(
                "No job of this profile starts with “{named}”: `fleetdesk jobs list` shows them."
            ),
        )),
        _ => Err(usage(
            "job",
            format!("Several jobs start with “{named}”: give more of the id."),
        )),
    }
}

fn state_text(state: JobState) -> &'static str {
    match state {
        JobState::Running => "running",
        JobState::Paused => "paused",
        JobState::Cancelled => "cancelled",
        JobState::Finished => "finished",
    }
}

/// What happened to a device, in words.
pub fn outcome_text(outcome: Option<&JobOutcome>) -> (String, String) {
    match outcome {
        None => ("not done yet".into(), String::new()),
        Some(JobOutcome::Changed) => ("changed".into(), String::new()),
        Some(JobOutcome::SettledAfterLostAnswer) => {
            ("changed".into(), "confirmed after a lost answer".into())
        }
        Some(JobOutcome::AlreadyAsAsked) => ("already so".into(), "nothing sent".into()),
        Some(JobOutcome::Gone) => ("gone".into(), "no longer exists; nothing sent".into()),
        Some(JobOutcome::ChangedElsewhere { now }) => (
            "changed elsewhere".into(),
            format!(
                "left as someone else set it: {}",
                now.as_deref().unwrap_or("nothing")
            ),
        ),
        Some(JobOutcome::Cancelled) => ("cancelled".into(), "the job was cancelled first".into()),
        Some(JobOutcome::Failed { error }) => ("failed".into(), error.to_string()),
    }
}

/// Every device of a job `filter` keeps, with its result, to stdout.
pub async fn report(
    desk: &Desk,
    job_id: &str,
    filter: JobRowFilter,
    format: Format,
) -> Result<(), AppError> {
    let mut rows: Vec<JobDevice> = Vec::new();
    loop {
        let page = desk
            .job_devices(job_id, filter, rows.len() as u32, 1000)
            .await?;
        let last = page.rows.is_empty() || rows.len() + page.rows.len() >= page.total as usize;
        rows.extend(page.rows);
        if last {
            break;
        }
    }
    output::listing(
        format,
        &rows,
        &["DEVICE", "ID", "RESULT", "DETAIL"],
        |row| {
            let (result, detail) = outcome_text(row.outcome.as_ref());
            vec![row.name.clone(), row.device_id.clone(), result, detail]
        },
    )
}

/// Prints how far the job has come, until it is settled.
async fn follow(desk: &Desk, job_id: &str) -> Result<(), AppError> {
    let interactive = std::io::stderr().is_terminal();
    let mut last_line = std::time::Instant::now() - Duration::from_secs(60);
    loop {
        let view = desk.job(job_id).await?;
        let job = &view.job;
        let settled = job.total - job.waiting;
        if interactive {
            eprint!(
                "\r{settled} of {} · {} failed · {} left as they were   ",
                job.total, job.failed, job.skipped
            );
        } else if last_line.elapsed() >= Duration::from_secs(10) {
            eprintln!(
                "{settled} of {} · {} failed · {} left as they were",
                job.total, job.failed, job.skipped
            );
            last_line = std::time::Instant::now();
        }
        if matches!(
            job.state,
            JobState::Finished | JobState::Cancelled | JobState::Paused
        ) {
            if interactive {
                eprintln!();
            }
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Works a job through in this process, progress on stderr, until it is finished, cancelled or
/// paused; if another runner (the app) holds it, follows it until then.
pub async fn work(desk: &Desk, job_id: &str) -> Result<(), AppError> {
    let progress = follow(desk, job_id);
    let work = async {
        loop {
            match desk.run_job(job_id).await? {
                JobState::Finished | JobState::Cancelled => return Ok::<_, AppError>(()),
                JobState::Paused | JobState::Running => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    match desk.job(job_id).await?.job.state {
                        JobState::Paused => {
                            eprintln!(
                                "\nThe job is paused (resume it with: fleetdesk jobs resume {job_id})."
                            );
                            return Ok(());
                        }
                        JobState::Finished | JobState::Cancelled => return Ok(()),
                        JobState::Running => {}
                    }
                }
            }
        }
    };
    let (worked, followed) = tokio::join!(work, progress);
    worked?;
    followed
}

pub async fn run(desk: &Desk, command: JobsCommand) -> Result<u8, AppError> {
    match command {
        JobsCommand::List { format } => {
            let jobs: Vec<_> = desk.jobs().await?.into_iter().map(|v| v.job).collect();
            output::listing(
                format,
                &jobs,
                &[
                    "ID", "STATE", "JOB", "DONE", "FAILED", "LEFT", "NOT YET", "STARTED", "BY",
                ],
                |job| {
                    vec![
                        job.id.chars().take(8).collect(),
                        state_text(job.state).to_owned(),
                        job.label.clone(),
                        job.done.to_string(),
                        job.failed.to_string(),
                        job.skipped.to_string(),
                        job.waiting.to_string(),
                        job.created_at.format("%Y-%m-%d %H:%M").to_string(),
                        job.created_by.clone(),
                    ]
                },
            )?;
        }
        JobsCommand::Show {
            job,
            failed,
            format,
        } => {
            let id = find(desk, &job).await?;
            let view = desk.job(&id).await?;
            let job = &view.job;
            eprintln!(
                "{} — {} · {} of {} settled: {} done, {} failed, {} left as they were",
                job.label,
                state_text(job.state),
                job.total - job.waiting,
                job.total,
                job.done,
                job.failed,
                job.skipped
            );
            let filter = if failed {
                JobRowFilter::Failed
            } else {
                JobRowFilter::All
            };
            report(desk, &id, filter, format).await?;
        }
        JobsCommand::Pause { job } => {
            set(desk, &job, JobState::Paused).await?;
        }
        JobsCommand::Resume { job, format } => {
            let id = set(desk, &job, JobState::Running).await?;
            work(desk, &id).await?;
            report(desk, &id, JobRowFilter::All, format).await?;
            let done = desk.job(&id).await?.job;
            return Ok(if done.failed > 0 {
                crate::exit::FAILED
            } else {
                DONE
            });
        }
        JobsCommand::Cancel { job } => {
            set(desk, &job, JobState::Cancelled).await?;
        }
    }
    Ok(DONE)
}

async fn set(desk: &Desk, named: &str, state: JobState) -> Result<String, AppError> {
    let id = find(desk, named).await?;
    let view = desk.set_job_state(&id, state).await?;
    eprintln!("Job {} is {}.", view.job.id, state_text(view.job.state));
    Ok(id)
}
