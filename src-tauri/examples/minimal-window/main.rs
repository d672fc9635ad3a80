//! The bench baseline: a bare Tauri window built from the same dependency set as Fleetdesk.
//!
//! It loads a one-heading page that reports its first paint through the same command and stdout
//! line as the app, so `cargo xtask bench` can compare start-up time and memory as ratios.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// When the process began, on the monotonic clock and on the wall clock (the page's
/// `performance.timeOrigin` is a wall-clock time).
struct Started {
    at: Instant,
    unix_ms: f64,
}

#[tauri::command]
fn report_first_paint(
    view: String,
    time_origin: f64,
    painted: f64,
    started: tauri::State<'_, Started>,
) {
    println!(
        "FLEETDESK_READY {} {view}",
        started.at.elapsed().as_millis()
    );
    let navigation = time_origin - started.unix_ms;
    println!(
        "FLEETDESK_PAGE navigation={navigation:.0} painted={:.0}",
        navigation + painted
    );
}

fn main() {
    let started = Started {
        at: Instant::now(),
        unix_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or_default(),
    };
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
