//! What happened to the fleet: a device's history, the activity log, the stale-device report,
//! their CSV exports, and whether the log's chain holds.

use fleet_core::AppError;
use fleet_core::audit::{ActivityFilter, ActivityPage, ChainReport};
use fleet_core::history::stale::StaleReport;
use fleet_core::history::timeline::DeviceHistory;
use fleet_core::locale::dialog_text::{SaveTitle, save_title};
use tauri::AppHandle;

use super::DeskState;
use crate::save_dialog::{self, Exported};

/// A window of one device's history, newest first.
#[tauri::command]
#[specta::specta]
pub async fn device_history(
    desk: DeskState<'_>,
    device_id: String,
    offset: u32,
    limit: u32,
) -> Result<DeviceHistory, AppError> {
    let desk = desk.get().await?;
    desk.device_history(&device_id, offset, limit).await
}

/// A page of the active profile's activity log, newest first, older than `before`.
#[tauri::command]
#[specta::specta]
pub async fn activity_log(
    desk: DeskState<'_>,
    filter: ActivityFilter,
    before: Option<i64>,
    limit: u32,
) -> Result<ActivityPage, AppError> {
    let desk = desk.get().await?;
    desk.activity_log(&filter, before, limit).await
}

/// What the check of the activity log's chain found (`None` until it has run).
#[tauri::command]
#[specta::specta]
pub async fn activity_chain(desk: DeskState<'_>) -> Result<Option<ChainReport>, AppError> {
    let desk = desk.get().await?;
    Ok(desk.chain_status())
}

/// The devices with no activity for `days` days, per store.
#[tauri::command]
#[specta::specta]
pub async fn stale_report(desk: DeskState<'_>, days: u32) -> Result<StaleReport, AppError> {
    let desk = desk.get().await?;
    desk.stale_report(days).await
}

/// Asks where to save (in Rust) and writes the log entries `filter` matches as CSV.
#[tauri::command]
#[specta::specta]
pub async fn export_activity_csv(
    app: AppHandle,
    desk: DeskState<'_>,
    filter: ActivityFilter,
) -> Result<Exported, AppError> {
    let desk = desk.get().await?;
    let title = save_title(SaveTitle::ActivityCsv, desk.locale().await?.language);
    let Some(path) = save_dialog::ask(&app, title, "activity.csv", ("CSV", &["csv"])).await? else {
        return Ok(Exported::Cancelled);
    };
    let count = desk.export_activity_csv(&path, &filter).await?;
    Ok(Exported::Saved {
        file_name: save_dialog::file_name(&path),
        count,
    })
}

/// Asks where to save (in Rust) and writes the stale-device report as CSV.
#[tauri::command]
#[specta::specta]
pub async fn export_stale_csv(
    app: AppHandle,
    desk: DeskState<'_>,
    days: u32,
) -> Result<Exported, AppError> {
    let desk = desk.get().await?;
    let title = save_title(SaveTitle::StaleCsv, desk.locale().await?.language);
    let Some(path) = save_dialog::ask(&app, title, "stale-devices.csv", ("CSV", &["csv"])).await?
    else {
        return Ok(Exported::Cancelled);
    };
    let count = desk.export_stale_csv(&path, days).await?;
    Ok(Exported::Saved {
        file_name: save_dialog::file_name(&path),
        count,
    })
}
