//! Where exported files go, and which file a list is read from: dialogs opened from Rust.
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

/// Which file dialog to open.
enum Asking<'a> {
    Save { suggested_name: &'a str },
    Open,
}

/// Opens a native file dialog and waits for the user's choice; `None` when they cancel.
async fn choose(
    app: &AppHandle,
    title: &str,
    filter: (&str, &[&str]),
    asking: Asking<'_>,
) -> Result<Option<PathBuf>, AppError> {
    let (chosen, answer) = tokio::sync::oneshot::channel();
    let dialog = app
        .dialog()
        .file()
        .set_title(title)
        .add_filter(filter.0, filter.1);
    let send = move |path| {
        let _ = chosen.send(path);
    };
    match asking {
        Asking::Save { suggested_name } => dialog.set_file_name(suggested_name).save_file(send),
        Asking::Open => dialog.pick_file(send),
    }
    let path = answer
        .await
        .map_err(|_| AppError::internal("the file dialog closed without an answer"))?;
    path.map(|p| {
        p.into_path()
            .map_err(|err| AppError::internal(format!("the chosen file is not a path: {err}")))
    })
    .transpose()
}

/// Asks where to save; `None` when the user cancels.
pub async fn ask(
    app: &AppHandle,
    title: &str,
    suggested_name: &str,
    filter: (&str, &[&str]),
) -> Result<Option<PathBuf>, AppError> {
    choose(app, title, filter, Asking::Save { suggested_name }).await
}

/// Asks for a file to open; `None` when the user cancels.
pub async fn ask_open(
    app: &AppHandle,
    title: &str,
    filter: (&str, &[&str]),
) -> Result<Option<PathBuf>, AppError> {
    choose(app, title, filter, Asking::Open).await
}

/// The file name of a path, for messages.
pub fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
