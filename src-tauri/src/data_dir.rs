//! Where the window keeps its data: `--data-dir <path>` on the command line (which the
//! end-to-end suite uses to give every launch a fresh start), else as `fleet-core` decides for
//! every front-end (`FLEETDESK_DATA_DIR`, else the OS's application data folder).

use std::path::PathBuf;

use fleet_core::storage::data_dir;

pub fn resolve() -> Result<PathBuf, fleet_core::AppError> {
    data_dir::resolve(from_arguments())
}

/// The folder given on the command line or in the environment, if any.
pub fn explicit() -> Option<PathBuf> {
    from_arguments().or_else(data_dir::from_environment)
}

fn from_arguments() -> Option<PathBuf> {
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
    None
}

#[cfg(test)]
mod tests {
    /// The window and the command line find the same data only while fleet-core's identifier is
    /// the one Tauri builds its app data folder from.
    #[test]
    fn fleet_core_uses_the_apps_identifier() {
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).expect("tauri.conf.json");
        assert_eq!(
            config["identifier"].as_str(),
            Some(fleet_core::storage::data_dir::APP_IDENTIFIER)
        );
    }
}
