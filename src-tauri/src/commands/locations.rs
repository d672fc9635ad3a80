//! Locations of the active profile (read-only in the API), kept in Rust: reading them asks the API
//! only the first time; a fleet sync or `reload_locations` fetches them again.

use fleet_core::AppError;
use kustom_ipp::Location;

use super::DeskState;

/// Every location of the active profile, by name, as Rust keeps them.
#[tauri::command]
#[specta::specta]
pub async fn list_locations(desk: DeskState<'_>) -> Result<Vec<Location>, AppError> {
    let desk = desk.get().await?;
    desk.list_locations().await
}

/// The locations fetched again from Kustom (a store added in the Portal), by name.
#[tauri::command]
#[specta::specta]
pub async fn reload_locations(desk: DeskState<'_>) -> Result<Vec<Location>, AppError> {
    let desk = desk.get().await?;
    desk.reload_locations().await
}
