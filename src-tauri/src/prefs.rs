//! The window's own choices, kept between runs: the colour theme, the view open last and the
//! device table's columns. The boot file copies them so the first view paints with them.

use fleet_core::AppError;
use serde::{Deserialize, Serialize};
use specta::Type;

/// Small UI choices kept between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Type)]
pub struct UiPrefs {
    /// The view open when Fleetdesk was last used.
    pub last_view: Option<String>,
    /// The device table's columns (widths and hidden ones), as the UI wrote them.
    pub device_columns: Option<String>,
}

/// What the `set_ui_pref` command may store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum UiPref {
    LastView,
    DeviceColumns,
}

impl UiPref {
    pub fn key(self) -> &'static str {
        match self {
            UiPref::LastView => "ui.last_view",
            UiPref::DeviceColumns => "ui.device_columns",
        }
    }
}

/// The longest value a UI preference may hold (a column layout is a few hundred bytes).
pub const MAX_UI_PREF: usize = 4096;

/// The colour theme: follow the OS, or a fixed choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    System,
    Light,
    Dark,
}

pub const THEME: &str = "theme";

pub async fn theme(desk: &fleet_core::Desk) -> Result<Theme, AppError> {
    Ok(match desk.setting(THEME).await?.as_deref() {
        Some("light") => Theme::Light,
        Some("dark") => Theme::Dark,
        _ => Theme::System,
    })
}
