//! Where Fleetdesk keeps its data: the OS app-data dir, or `--data-dir <path>` (also
//! `FLEETDESK_DATA_DIR`), which the end-to-end suite uses to give every launch a fresh start.

use std::path::PathBuf;

use tauri::{AppHandle, Manager};

pub fn resolve(app: &AppHandle) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            if let Some(path) = args.next() {
                return Ok(PathBuf::from(path));
            }
        } else if let Some(path) = arg.strip_prefix("--data-dir=") {
            return Ok(PathBuf::from(path));
        }
    }
    if let Some(path) = std::env::var_os("FLEETDESK_DATA_DIR") {
        return Ok(PathBuf::from(path));
    }
    Ok(app.path().app_data_dir()?)
}
