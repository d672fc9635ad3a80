//! Bulk jobs: planned from the fleet's selection or a list, started (on production only once
//! confirmed in Rust's own dialog), watched, paused, resumed, cancelled, retried, exported; and
//! the request budget each profile keeps to.

use fleet_core::AppError;
use fleet_core::desk::{JobDevicesPage, JobPlan, JobTargets, JobView};
use fleet_core::fleet::edits::BulkAction;
use fleet_core::jobs::{JobRowFilter, JobState, JobSummary, ListMatch, targets};
use fleet_core::locale::dialog_text::{SaveTitle, save_title};
use tauri::AppHandle;

use super::DeskState;
use crate::save_dialog::{self, Exported};

/// What a pasted list of device ids, names or hardware ids matches, before anything runs.
#[tauri::command]
#[specta::specta]
pub async fn match_device_list(desk: DeskState<'_>, text: String) -> Result<ListMatch, AppError> {
    let desk = desk.get().await?;
    desk.match_device_list(&text).await
}

/// Asks for a list file (a dialog opened here, in Rust: the page names no path) and gives back its
/// text, to be matched and planned like a pasted list. `None` when the dialog was cancelled.
#[tauri::command]
#[specta::specta]
pub async fn open_device_list(
    app: AppHandle,
    desk: DeskState<'_>,
) -> Result<Option<String>, AppError> {
    let desk = desk.get().await?;
    let title = save_title(SaveTitle::DeviceList, desk.locale().await?.language);
    let Some(path) = save_dialog::ask_open(&app, title, ("CSV, text", &["csv", "txt"])).await?
    else {
        return Ok(None);
    };
    let bytes = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let file = std::fs::File::open(&path)
            .map_err(|err| AppError::invalid_field("list", format!("Could not open it: {err}")))?;
        // Read one byte past the limit, to tell a file that is too large without reading it all.
        let mut bytes = Vec::new();
        file.take(targets::MAX_FILE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| AppError::invalid_field("list", format!("Could not read it: {err}")))?;
        Ok::<_, AppError>(bytes)
    })
    .await
    .map_err(|err| AppError::internal(err.to_string()))??;
    targets::decode_list_file(&bytes).map(Some)
}

/// A job's plan: every device's change and the counts per store, kept in Rust under its id.
#[tauri::command]
#[specta::specta]
pub async fn plan_job(
    desk: DeskState<'_>,
    action: BulkAction,
    targets: JobTargets,
) -> Result<JobPlan, AppError> {
    let desk = desk.get().await?;
    desk.plan_job(&action, &targets).await
}

/// Starts a planned job (once). On production, Rust asks first in a native dialog.
#[tauri::command]
#[specta::specta]
pub async fn start_job(desk: DeskState<'_>, plan_id: String) -> Result<JobSummary, AppError> {
    let desk = desk.get().await?;
    desk.start_job(&plan_id).await
}

/// The active profile's jobs, newest first, with what the running ones are doing.
#[tauri::command]
#[specta::specta]
pub async fn list_jobs(desk: DeskState<'_>) -> Result<Vec<JobView>, AppError> {
    let desk = desk.get().await?;
    desk.jobs().await
}

#[tauri::command]
#[specta::specta]
pub async fn job(desk: DeskState<'_>, job_id: String) -> Result<JobView, AppError> {
    let desk = desk.get().await?;
    desk.job(&job_id).await
}

/// A window of a job's devices with their results, in plan order.
#[tauri::command]
#[specta::specta]
pub async fn job_devices(
    desk: DeskState<'_>,
    job_id: String,
    filter: JobRowFilter,
    offset: u32,
    limit: u32,
) -> Result<JobDevicesPage, AppError> {
    let desk = desk.get().await?;
    desk.job_devices(&job_id, filter, offset, limit).await
}

/// Pauses, resumes or cancels a job.
#[tauri::command]
#[specta::specta]
pub async fn set_job_state(
    desk: DeskState<'_>,
    job_id: String,
    state: JobState,
) -> Result<JobView, AppError> {
    let desk = desk.get().await?;
    desk.set_job_state(&job_id, state).await
}

/// Sends a job's failed devices again.
#[tauri::command]
#[specta::specta]
pub async fn retry_failed_job(desk: DeskState<'_>, job_id: String) -> Result<JobView, AppError> {
    let desk = desk.get().await?;
    desk.retry_failed_job(&job_id).await
}

/// Asks where to save (in Rust) and writes a job's report as CSV.
#[tauri::command]
#[specta::specta]
pub async fn export_job_csv(
    app: AppHandle,
    desk: DeskState<'_>,
    job_id: String,
) -> Result<Exported, AppError> {
    let desk = desk.get().await?;
    // The job is looked up first: no dialog for a job that is not this profile's.
    desk.job(&job_id).await?;
    let title = save_title(SaveTitle::JobReport, desk.locale().await?.language);
    let Some(path) = save_dialog::ask(&app, title, "job-report.csv", ("CSV", &["csv"])).await?
    else {
        return Ok(Exported::Cancelled);
    };
    let count = desk.export_job_csv(&path, &job_id).await?;
    Ok(Exported::Saved {
        file_name: save_dialog::file_name(&path),
        count,
    })
}

/// Requests a second a profile may send (everything it sends, jobs and clicks alike).
#[tauri::command]
#[specta::specta]
pub async fn request_rate(desk: DeskState<'_>, profile_id: String) -> Result<u32, AppError> {
    let desk = desk.get().await?;
    desk.request_rate(&profile_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_request_rate(
    desk: DeskState<'_>,
    profile_id: String,
    per_second: u32,
) -> Result<(), AppError> {
    let desk = desk.get().await?;
    desk.set_request_rate(&profile_id, per_second).await
}
