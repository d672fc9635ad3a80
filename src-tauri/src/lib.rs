//! The Fleetdesk desktop shell: a thin Tauri adapter over `fleet-core`.
//!
//! Commands live in [`commands`] and are short adapters; the typed IPC surface is assembled in
//! [`ipc`] so that a test can export (and check) the TypeScript bindings without opening a window.

mod commands;
pub mod ipc;
mod logging;
mod startup;

use tauri::Manager;

/// Builds and runs the app until its last window closes.
pub fn run() {
    startup::mark_process_start();
    let ipc = ipc::builder();

    let result = tauri::Builder::default()
        .invoke_handler(ipc.invoke_handler())
        .setup(move |app| {
            ipc.mount_events(app);
            let log_dir = app.path().app_log_dir()?;
            logging::init(&log_dir)?;
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "Fleetdesk starting");
            Ok(())
        })
        .run(tauri::generate_context!());

    if let Err(err) = result {
        eprintln!("Fleetdesk could not start: {err}");
        std::process::exit(1);
    }
}
