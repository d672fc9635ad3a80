//! The Fleetdesk desktop shell: a thin Tauri adapter over `fleet-core`.
//!
//! Commands live in [`commands`] and are short adapters; the typed IPC surface is assembled in
//! [`ipc`] so that a test can export (and check) the TypeScript bindings without opening a window.

mod boot;
mod commands;
mod data_dir;
mod dev_flags;
mod events;
pub mod ipc;
mod logging;
mod notifications;
mod prefs;
mod production_dialog;
pub mod rendering;
mod save_dialog;
mod startup;

use std::sync::Arc;

use commands::DeskCell;
use fleet_core::Desk;
use fleet_core::profiles::vault;
use tauri::{Manager, RunEvent};

/// Pushes every session change to the UI as a typed event.
/// Tells the page which jobs moved, at most four times a second for each (a job settles devices
/// far faster than a page needs to redraw); a job that stopped is told at once.
async fn forward_job_updates(app: tauri::AppHandle, desk: Arc<Desk>) {
    use std::collections::{HashMap, HashSet};
    use std::time::{Duration, Instant};

    use tauri_specta::Event;
    const EVERY: Duration = Duration::from_millis(250);
    let mut updates = desk.job_updates();
    let mut sent: HashMap<String, Instant> = HashMap::new();
    // Jobs that moved since they were last announced, announced at the next tick.
    let mut owed: HashSet<String> = HashSet::new();
    let mut tick = tokio::time::interval(EVERY);
    let emit = |job_id: String, stopped: bool| {
        if let Err(err) = (events::JobProgressed { job_id, stopped }).emit(&app) {
            tracing::warn!(%err, "could not push a job's progress");
        }
    };
    loop {
        tokio::select! {
            update = updates.recv() => match update {
                Ok(moved) => {
                    let due = moved.stopped
                        || sent.get(&moved.job_id).is_none_or(|at| at.elapsed() >= EVERY);
                    if due {
                        sent.insert(moved.job_id.clone(), Instant::now());
                        owed.remove(&moved.job_id);
                        emit(moved.job_id, moved.stopped);
                    } else {
                        owed.insert(moved.job_id);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            },
            _ = tick.tick() => {
                for job_id in std::mem::take(&mut owed) {
                    sent.insert(job_id.clone(), Instant::now());
                    emit(job_id, false);
                }
                sent.retain(|_, at| at.elapsed() < Duration::from_secs(60));
            }
        }
    }
}

async fn forward_session_updates(app: tauri::AppHandle, desk: Arc<Desk>) {
    use tauri_specta::Event;
    let mut updates = desk.watcher().subscribe();
    loop {
        match updates.recv().await {
            Ok(update) => {
                let view = match desk.session_view(update.session).await {
                    Ok(view) => view,
                    Err(err) => {
                        tracing::warn!(%err, "could not describe a session change");
                        continue;
                    }
                };
                if let Some(entry) = &update.entry {
                    notifications::payment(&app, &desk, &view, entry).await;
                }
                let event = events::SessionChanged {
                    view,
                    entry: update.entry,
                };
                if let Err(err) = event.emit(&app) {
                    tracing::warn!(%err, "could not push a session change");
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "the UI fell behind on session changes");
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Remembers the window's size, position and maximised state between runs — next to the rest of
/// the data when a data folder is given (so each end-to-end launch starts from the defaults).
fn window_state() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let builder = tauri_plugin_window_state::Builder::default();
    match data_dir::explicit() {
        // An absolute file name replaces the plugin's own folder.
        Some(dir) => builder
            .with_filename(dir.join("window-state.json").to_string_lossy())
            .build(),
        None => builder.build(),
    }
}

/// The main window, as `tauri.conf.json` describes it (`create: false` there: it is made here,
/// with the boot facts as its first script).
fn open_main_window(app: &tauri::App, boot_script: String) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|window| window.label == "main")
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
        .initialization_script(boot_script)
        .build()?;
    Ok(())
}

/// How long closing may wait for the background work to stop.
const SHUTDOWN_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// Builds and runs the app until its last window closes. `main` calls it before anything else.
pub fn run() {
    startup::mark_process_start();
    fleet_core::fleet::freed_memory::configure_allocator();
    // SAFETY: the first thing the process does (see above): no other thread exists yet.
    #[allow(unsafe_code)]
    let raster = unsafe { rendering::choose_for_this_machine() };
    // Only now: the choice above sets the environment, which no other thread may read meanwhile.
    fleet_core::fleet::freed_memory::release_periodically();
    let ipc = ipc::builder();

    let app = tauri::Builder::default()
        // First: a second start of Fleetdesk brings this window forward and exits, instead of a
        // second app sharing the database, the playground and the callback port.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tracing::info!("another start of Fleetdesk was redirected to this window");
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .plugin(window_state())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(ipc.invoke_handler())
        .setup(move |app| {
            ipc.mount_events(app);
            let data_dir = data_dir::resolve()?;
            logging::init(&data_dir.join("logs"))?;
            tracing::info!(
                version = env!("CARGO_PKG_VERSION"),
                ?raster,
                "Fleetdesk starting"
            );
            // The first view paints with these, before the data below is open: they are in the
            // page before its scripts run.
            let boot = boot::BootFile::load(&data_dir);
            open_main_window(app, boot::initialization_script(&boot.info()))?;
            app.manage(boot);
            // Open the desk (database, keychain, local playground) in the background: the window
            // paints meanwhile, and commands wait for it.
            let handle = app.handle().clone();
            let opening = async move {
                let keychain = tokio::task::spawn_blocking(vault::install_os_store)
                    .await
                    .unwrap_or_else(|err| Err(fleet_core::AppError::internal(err.to_string())));
                let desk = Desk::builder(&data_dir)
                    .keychain(keychain)
                    .services(fleet_core::desk::Services::WINDOW)
                    .confirmer(Arc::new(production_dialog::NativeDialog::new(
                        handle.clone(),
                    )))
                    .docs_minimal_playground(dev_flags::docs_minimal_playground())
                    .open()
                    .await;
                match &desk {
                    Ok(_) => startup::desk_ready(),
                    Err(err) => tracing::error!(%err, "Fleetdesk could not open its data"),
                }
                let desk = desk.map(Arc::new)?;
                tokio::spawn(forward_session_updates(handle.clone(), desk.clone()));
                tokio::spawn(forward_job_updates(handle.clone(), desk.clone()));
                tokio::spawn(notifications::forward(handle, desk.clone()));
                // Jobs left running by the last run (a quit, a crash) go on by themselves.
                fleet_core::desk::spawn_job_runner(&desk);
                {
                    // Sessions left unfinished by the last run are followed again.
                    let desk = desk.clone();
                    tokio::spawn(async move {
                        match desk.resume_watching().await {
                            Ok(0) => {}
                            Ok(followed) => {
                                tracing::info!(followed, "following unfinished sessions again")
                            }
                            Err(err) => {
                                tracing::warn!(%err, "could not follow unfinished sessions again")
                            }
                        }
                    });
                }
                Ok(desk)
            };
            let cell = DeskCell::new(Box::pin(opening));
            let started = cell.clone();
            tauri::async_runtime::spawn(async move { started.get().await.map(|_| ()) });
            app.manage(cell);
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
        if let RunEvent::Exit = event
            && let Some(cell) = handle.try_state::<DeskCell>()
        {
            tauri::async_runtime::block_on(async {
                // Bounded: the window is already gone, and the single-instance plugin has
                // already given up its claim (it does so on this same event, first), so a
                // new start of the app runs beside this one while it finishes. The desk
                // frees the callback port before anything else, and the playground's state
                // is saved before this waits on anything.
                let shutdown = async {
                    if let Ok(desk) = cell.get().await {
                        desk.shutdown().await;
                    }
                };
                if tokio::time::timeout(SHUTDOWN_PATIENCE, shutdown)
                    .await
                    .is_err()
                {
                    tracing::warn!(
                        seconds = SHUTDOWN_PATIENCE.as_secs(),
                        "Fleetdesk did not shut down in time and exits anyway"
                    );
                }
            });
        }
    });
}
