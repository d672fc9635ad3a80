//! The device fleet: sync, find, one device's detail and edits, export, views (bulk changes are
//! jobs: `commands::jobs`).

use std::time::Instant;

use fleet_core::AppError;
use fleet_core::desk::{DeviceRow, FleetOverview, FleetPage, LocationCount};
use fleet_core::fleet::cache::SyncInfo;
use fleet_core::fleet::edits::DeviceChange;
use fleet_core::fleet::index::{FleetQuery, Sort};
use fleet_core::fleet::pacing::{PROGRESS_INTERVAL, Pacer};
use tauri::AppHandle;
use tauri_specta::Event;

use super::DeskState;
use crate::events::FleetSyncProgress;
use crate::save_dialog::{self, Exported};
use fleet_core::locale::dialog_text::{SaveTitle, save_title};

#[tauri::command]
#[specta::specta]
pub async fn fleet_overview(desk: DeskState<'_>) -> Result<FleetOverview, AppError> {
    let desk = desk.get().await?;
    desk.fleet_overview().await
}

/// Where the devices matching a query (apart from its location) are, per location.
#[tauri::command]
#[specta::specta]
pub async fn location_counts(
    desk: DeskState<'_>,
    query: FleetQuery,
) -> Result<Vec<LocationCount>, AppError> {
    let desk = desk.get().await?;
    desk.location_counts(&query).await
}

/// Fetches the whole fleet into the local cache, emitting `FleetSyncProgress` as pages arrive
/// (paced: the first, the last, and at most ten a second).
#[tauri::command]
#[specta::specta]
pub async fn sync_fleet(app: AppHandle, desk: DeskState<'_>) -> Result<SyncInfo, AppError> {
    let desk = desk.get().await?;
    let mut pacer = Pacer::new(PROGRESS_INTERVAL);
    desk.sync_fleet(|progress| {
        if !pacer.admit(Instant::now(), progress.pages_done >= progress.pages_total) {
            return;
        }
        let event = FleetSyncProgress {
            pages_done: progress.pages_done,
            pages_total: progress.pages_total,
        };
        if let Err(err) = event.emit(&app) {
            tracing::warn!(%err, "could not report sync progress");
        }
    })
    .await
}

/// A window of the devices matching `query` (the table asks for the rows it shows).
#[tauri::command]
#[specta::specta]
pub async fn find_devices(
    desk: DeskState<'_>,
    query: FleetQuery,
    sort: Sort,
    offset: u32,
    limit: u32,
) -> Result<FleetPage, AppError> {
    let desk = desk.get().await?;
    desk.find_devices(&query, sort, offset, limit).await
}

#[tauri::command]
#[specta::specta]
pub async fn device_detail(desk: DeskState<'_>, device_id: String) -> Result<DeviceRow, AppError> {
    let desk = desk.get().await?;
    desk.device_detail(&device_id).await
}

/// One edit, applied read-modify-write.
#[tauri::command]
#[specta::specta]
pub async fn change_device(
    desk: DeskState<'_>,
    device_id: String,
    change: DeviceChange,
) -> Result<DeviceRow, AppError> {
    let desk = desk.get().await?;
    let device = desk.change_device(&device_id, &change).await?;
    Ok(desk.device_row(device).await)
}

/// Deregisters a device. On production, Rust asks first in a native dialog.
#[tauri::command]
#[specta::specta]
pub async fn deregister_device(desk: DeskState<'_>, device_id: String) -> Result<(), AppError> {
    let desk = desk.get().await?;
    desk.deregister_device(&device_id).await
}

/// Asks where to save (a dialog opened here, in Rust) and writes the matching devices as CSV.
#[tauri::command]
#[specta::specta]
pub async fn export_devices_csv(
    app: AppHandle,
    desk: DeskState<'_>,
    query: FleetQuery,
    sort: Sort,
) -> Result<Exported, AppError> {
    let desk = desk.get().await?;
    let title = save_title(SaveTitle::DevicesCsv, desk.locale().await?.language);
    let Some(path) = save_dialog::ask(&app, title, "devices.csv", ("CSV", &["csv"])).await? else {
        return Ok(Exported::Cancelled);
    };
    let count = desk.export_devices_csv(&path, &query, sort).await?;
    Ok(Exported::Saved {
        file_name: save_dialog::file_name(&path),
        count,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn save_view(
    desk: DeskState<'_>,
    name: String,
    query: FleetQuery,
) -> Result<(), AppError> {
    let desk = desk.get().await?;
    desk.save_view(&name, &query).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_view(desk: DeskState<'_>, name: String) -> Result<(), AppError> {
    let desk = desk.get().await?;
    desk.delete_view(&name).await
}
