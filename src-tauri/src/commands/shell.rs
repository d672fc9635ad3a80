//! The shell: start-up facts, first paint, appearance.

use fleet_core::AppError;
use fleet_core::profile::ActiveProfileSummary;
use serde::{Deserialize, Serialize};
use specta::Type;

use super::DeskState;

/// What the shell shows in its header and about box.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AppInfo {
    pub version: String,
    pub active_profile: ActiveProfileSummary,
    /// Why the OS keychain cannot be used, if it cannot (shown as a banner).
    pub keychain_problem: Option<String>,
    /// The local database was damaged and set aside at start (shown as a banner).
    pub damaged_database: Option<fleet_core::store::DamagedDatabase>,
    /// Why callbacks cannot be received, if they cannot (shown as a banner).
    pub receiver_problem: Option<String>,
    pub theme: Theme,
}

/// The colour theme: follow the OS, or a fixed choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    System,
    Light,
    Dark,
}

const THEME: &str = "theme";

async fn theme(desk: &fleet_core::Desk) -> Result<Theme, AppError> {
    Ok(match desk.setting(THEME).await?.as_deref() {
        Some("light") => Theme::Light,
        Some("dark") => Theme::Dark,
        _ => Theme::System,
    })
}

/// Facts the shell needs once at start-up.
#[tauri::command]
#[specta::specta]
pub async fn app_info(desk: DeskState<'_>) -> Result<AppInfo, AppError> {
    let desk = desk.get().await?;
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        active_profile: desk.active_summary().await?,
        keychain_problem: desk.keychain_problem().map(ToString::to_string),
        damaged_database: desk.damaged_database().cloned(),
        receiver_problem: desk.receiver_problem().map(str::to_owned),
        theme: theme(&desk).await?,
    })
}

/// Called by the UI once its first view has painted; records the start-up time.
#[tauri::command]
#[specta::specta]
pub fn report_first_paint(view: String) -> Result<(), AppError> {
    crate::startup::first_paint(&view);
    Ok(())
}

/// Saves the theme choice.
#[tauri::command]
#[specta::specta]
pub async fn set_theme(desk: DeskState<'_>, theme: Theme) -> Result<Theme, AppError> {
    let desk = desk.get().await?;
    let value = match theme {
        Theme::System => "system",
        Theme::Light => "light",
        Theme::Dark => "dark",
    };
    desk.set_setting(THEME, value).await?;
    Ok(theme)
}
