//! The bench baseline: a bare Tauri window built from the same dependency set as Fleetdesk.
//!
//! It loads a one-heading page that reports its first paint through the same command and stdout
//! line as the app, so `cargo xtask bench` can compare start-up time and memory as ratios.

use std::time::Instant;

#[tauri::command]
fn report_first_paint(view: String, started: tauri::State<'_, Instant>) {
    println!("FLEETDESK_READY {} {view}", started.elapsed().as_millis());
}

fn main() {
    let started = Instant::now();
    let result = tauri::Builder::default()
        .manage(started)
        .invoke_handler(tauri::generate_handler![report_first_paint])
        .run(tauri::generate_context!(
            "examples/minimal-window/tauri.conf.json"
        ));
    if let Err(err) = result {
        eprintln!("minimal window could not start: {err}");
        std::process::exit(1);
    }
}
