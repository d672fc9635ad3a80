//! The Fleetdesk desktop shell: a thin Tauri adapter over `fleet-core`.
//!
//! Commands live in [`commands`] and are short adapters; the typed IPC surface is assembled in
//! [`ipc`] so that a test can export (and check) the TypeScript bindings without opening a window.

mod commands;
mod data_dir;
mod events;
pub mod ipc;
mod logging;
mod startup;

use std::sync::Arc;

use fleet_core::Desk;
use fleet_core::vault;
use tauri::{Manager, RunEvent};

/// Builds and runs the app until its last window closes.
pub fn run() {
    startup::mark_process_start();
    let ipc = ipc::builder();

    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(ipc.invoke_handler())
        .setup(move |app| {
            ipc.mount_events(app);
            let data_dir = data_dir::resolve(app.handle())?;
            logging::init(&data_dir.join("logs"))?;
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "Fleetdesk starting");
            let keychain = vault::install_os_store();
            let desk = tauri::async_runtime::block_on(Desk::open(&data_dir, keychain))?;
            app.manage(Arc::new(desk));
            Ok(())
        })
        .build(tauri::generate_context!());

    let app = match app {
        Ok(app) => app,
        Err(err) => {
            eprintln!("Fleetdesk could not start: {err}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            if let Some(desk) = handle.try_state::<Arc<Desk>>() {
                tauri::async_runtime::block_on(desk.shutdown());
            }
        }
    });
}
