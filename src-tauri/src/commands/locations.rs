//! Locations of the active profile (read-only in the API).

use fleet_core::AppError;
use kustom_ipp::Location;

use super::DeskState;

/// Every location of the active profile, fetched fresh (and kept for the other views).
#[tauri::command]
#[specta::specta]
pub async fn list_locations(desk: DeskState<'_>) -> Result<Vec<Location>, AppError> {
    let desk = desk.get().await?;
    desk.list_locations().await
}
