//! The shell: start-up facts, first paint, appearance.

use fleet_core::AppError;
use fleet_core::locale::{LanguageChoice, LocaleInfo};
use fleet_core::profiles::ActiveProfileSummary;
use serde::Serialize;
use specta::Type;

use super::DeskState;
use crate::boot::{BootFile, BootInfo};
use crate::prefs::{MAX_UI_PREF, THEME, Theme, UiPref, UiPrefs, theme};

/// What the shell shows in its header and about box.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AppInfo {
    pub version: String,
    pub active_profile: ActiveProfileSummary,
    /// Why the OS keychain cannot be used, if it cannot (shown as a banner).
    pub keychain_problem: Option<String>,
    /// The local database was damaged and set aside at start (shown as a banner).
    pub damaged_database: Option<fleet_core::storage::DamagedDatabase>,
    /// Why callbacks cannot be received, if they cannot (shown as a banner).
    pub receiver_problem: Option<String>,
    pub theme: Theme,
    /// The language and date formats in force.
    pub locale: LocaleInfo,
    /// What the UI asked to remember between runs.
    pub ui_prefs: UiPrefs,
}

/// What the first view paints with, answered without waiting for the data (see [`crate::boot`]).
#[tauri::command]
#[specta::specta]
pub fn boot_info(boot: tauri::State<'_, BootFile>) -> BootInfo {
    boot.info()
}

/// Facts the shell needs once the data is open. Also brings `boot.json` up to date with them.
#[tauri::command]
#[specta::specta]
pub async fn app_info(
    desk: DeskState<'_>,
    boot: tauri::State<'_, BootFile>,
) -> Result<AppInfo, AppError> {
    let desk = desk.get().await?;
    let info = AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        active_profile: desk.active_summary().await?,
        keychain_problem: desk.keychain_problem().map(ToString::to_string),
        damaged_database: desk.damaged_database().cloned(),
        receiver_problem: desk.receiver_problem().map(str::to_owned),
        theme: theme(&desk).await?,
        locale: desk.locale().await?,
        ui_prefs: UiPrefs {
            last_view: desk.setting(UiPref::LastView.key()).await?,
            device_columns: desk.setting(UiPref::DeviceColumns.key()).await?,
        },
    };
    boot.update(|remembered| {
        remembered.theme = info.theme;
        remembered.language = info.locale.choice;
        remembered.last_view = info.ui_prefs.last_view.clone();
        remembered.device_columns = info.ui_prefs.device_columns.clone();
        remembered.active_profile = Some(info.active_profile.clone());
    });
    Ok(info)
}

/// Remembers a small UI choice for the next run.
#[tauri::command]
#[specta::specta]
pub async fn set_ui_pref(
    desk: DeskState<'_>,
    boot: tauri::State<'_, BootFile>,
    pref: UiPref,
    value: String,
) -> Result<(), AppError> {
    if value.len() > MAX_UI_PREF {
        return Err(AppError::invalid_field(
            "value",
            "This preference is too long to keep.",
        ));
    }
    let desk = desk.get().await?;
    desk.set_setting(pref.key(), &value).await?;
    boot.update(|remembered| match pref {
        UiPref::LastView => remembered.last_view = Some(value),
        UiPref::DeviceColumns => remembered.device_columns = Some(value),
    });
    Ok(())
}

/// Saves the language choice; the answer says which language and formats are now in force.
#[tauri::command]
#[specta::specta]
pub async fn set_language(
    desk: DeskState<'_>,
    boot: tauri::State<'_, BootFile>,
    choice: LanguageChoice,
) -> Result<LocaleInfo, AppError> {
    let desk = desk.get().await?;
    let locale = desk.set_language(choice).await?;
    boot.update(|remembered| remembered.language = choice);
    Ok(locale)
}

/// What the command palette finds for `text`.
#[tauri::command]
#[specta::specta]
pub async fn palette_search(
    desk: DeskState<'_>,
    text: String,
) -> Result<fleet_core::desk::PaletteResults, AppError> {
    let desk = desk.get().await?;
    desk.palette_search(&text).await
}

/// Called by the UI once its first view has painted; records the start-up time and when the page
/// reached each step of its start.
#[tauri::command]
#[specta::specta]
pub fn report_first_paint(view: String, marks: crate::startup::PageMarks) -> Result<(), AppError> {
    crate::startup::first_paint(&view, &marks);
    Ok(())
}

/// Saves the theme choice.
#[tauri::command]
#[specta::specta]
pub async fn set_theme(
    desk: DeskState<'_>,
    boot: tauri::State<'_, BootFile>,
    theme: Theme,
) -> Result<Theme, AppError> {
    let desk = desk.get().await?;
    let value = match theme {
        Theme::System => "system",
        Theme::Light => "light",
        Theme::Dark => "dark",
    };
    desk.set_setting(THEME, value).await?;
    boot.update(|remembered| remembered.theme = theme);
    Ok(theme)
}
