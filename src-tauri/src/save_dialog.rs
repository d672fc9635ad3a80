//! Where exported files go: a save dialog opened from Rust.
//!
//! No command takes a path from the webview. A command that writes a file asks the user here, in
//! the native dialog, and writes only where the user chose; a compromised or buggy page cannot
//! name a path of its own.

use std::path::PathBuf;

use fleet_core::AppError;
use serde::Serialize;
use specta::Type;
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

/// What an export did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Exported {
    /// Written; `file_name` is the chosen file's name (the UI shows it, not a full path).
    Saved { file_name: String, count: u32 },
    /// The user closed the dialog.
    Cancelled,
}

/// Asks where to save; `None` when the user cancels.
pub async fn ask(
    app: &AppHandle,
    title: &str,
    suggested_name: &str,
    filter: (&str, &[&str]),
) -> Result<Option<PathBuf>, AppError> {
    let (chosen, answer) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(title)
        .set_file_name(suggested_name)
        .add_filter(filter.0, filter.1)
        .save_file(move |path| {
            let _ = chosen.send(path);
        });
    let path = answer
        .await
        .map_err(|_| AppError::internal("the save dialog closed without an answer"))?;
    path.map(|p| {
        p.into_path()
            .map_err(|err| AppError::internal(format!("the chosen file is not a path: {err}")))
    })
    .transpose()
}

/// The file name of a path, for messages.
pub fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
