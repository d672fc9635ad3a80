//! Locations of the active profile (read-only in the API).

use fleet_core::AppError;
use kustom_ipp::{Location, PagingOptions, fetch_all};

use super::DeskState;

/// Every location of the active profile.
#[tauri::command]
#[specta::specta]
pub async fn list_locations(desk: DeskState<'_>) -> Result<Vec<Location>, AppError> {
    let desk = desk.get().await?;
    let (_, client) = desk.active_client().await?;
    let locations = fetch_all(
        |page| {
            let client = client.clone();
            async move { client.list_locations(page).await }
        },
        PagingOptions::default(),
        |_| {},
    )
    .await?;
    Ok(locations)
}
