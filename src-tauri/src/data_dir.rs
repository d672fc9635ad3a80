//! Where Fleetdesk keeps its data: the OS app-data dir, or `--data-dir <path>` (also
//! `FLEETDESK_DATA_DIR`), which the end-to-end suite uses to give every launch a fresh start.

use std::path::PathBuf;

use tauri::{AppHandle, Manager};

pub fn resolve(app: &AppHandle) -> Result<PathBuf, Box<dyn std::error::Error>> {
    match explicit() {
        Some(path) => Ok(path),
        None => Ok(app.path().app_data_dir()?),
    }
}

/// The folder given on the command line or in the environment, if any.
pub fn explicit() -> Option<PathBuf> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            if let Some(path) = args.next() {
                return Some(PathBuf::from(path));
            }
        } else if let Some(path) = arg.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("FLEETDESK_DATA_DIR").map(PathBuf::from)
}
