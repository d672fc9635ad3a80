//! Where Fleetdesk keeps its data, decided here so that the window and the command line find the
//! same folder: a folder given explicitly (`--data-dir`, or `FLEETDESK_DATA_DIR`), else the OS's
//! per-user application data folder under the app's identifier — the path Tauri's
//! `app_data_dir()` gives (`~/.local/share/se.fleetdesk.desktop` on Linux, `~/Library/Application
//! Support/…` on macOS, `%APPDATA%\…` on Windows).

use std::path::PathBuf;

use crate::AppError;

/// The app's identifier, as `tauri.conf.json` has it (a test in the window crate checks they
/// agree).
pub const APP_IDENTIFIER: &str = "se.fleetdesk.desktop";

/// The environment variable that names the data folder.
pub const DATA_DIR_VAR: &str = "FLEETDESK_DATA_DIR";

/// The data folder: `explicit` if given, else `FLEETDESK_DATA_DIR`, else the OS's.
pub fn resolve(explicit: Option<PathBuf>) -> Result<PathBuf, AppError> {
    if let Some(dir) = explicit.or_else(from_environment) {
        return Ok(dir);
    }
    default_dir().ok_or_else(|| AppError::Storage {
        message: format!(
            "This computer has no folder for application data (no home folder?); start \
             Fleetdesk with --data-dir <folder> or set {DATA_DIR_VAR}."
        ),
    })
}

/// The folder named in `FLEETDESK_DATA_DIR`, if set and not empty.
pub fn from_environment() -> Option<PathBuf> {
    std::env::var_os(DATA_DIR_VAR)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

/// The OS's per-user data folder for Fleetdesk.
pub fn default_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join(APP_IDENTIFIER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_folder_wins_and_the_default_is_under_the_identifier() {
        let chosen = PathBuf::from("/tmp/fleetdesk-chosen");
        assert_eq!(resolve(Some(chosen.clone())).ok(), Some(chosen));
        if let Some(default) = default_dir() {
            assert!(default.ends_with(APP_IDENTIFIER), "{}", default.display());
        }
    }
}
