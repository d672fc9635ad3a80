//! Tauri commands: short adapters from the UI onto `fleet-core`.
//!
//! Every command returns `Result<_, AppError>` so the UI always gets `{ code, message }`.

use fleet_core::AppError;
use fleet_core::profile::ActiveProfileSummary;
use serde::Serialize;
use specta::Type;

/// What the shell shows in its header and about box.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AppInfo {
    pub version: String,
    pub active_profile: ActiveProfileSummary,
}

/// Facts the shell needs once at start-up.
#[tauri::command]
#[specta::specta]
pub fn app_info() -> Result<AppInfo, AppError> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        // Until profiles exist the app always runs on the built-in local playground.
        active_profile: ActiveProfileSummary::local_playground(),
    })
}

/// Called by the UI once its first view has painted; records the start-up time.
#[tauri::command]
#[specta::specta]
pub fn report_first_paint(view: String) -> Result<(), AppError> {
    crate::startup::first_paint(&view);
    Ok(())
}
