//! Paths inside the repository, resolved from xtask's own manifest so tasks work from any cwd.

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

pub fn ui_dir() -> PathBuf {
    root().join("ui")
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Where xtask installs its own tools (tauri-driver), so nothing goes into the user's ~/.cargo.
pub fn tools_root() -> PathBuf {
    target_dir().join("tools")
}

pub fn screenshots_dir() -> PathBuf {
    target_dir().join("e2e-screens")
}
