//! Start-up timing: from process start to the first painted view.
//!
//! `cargo xtask bench` reads the `FLEETDESK_READY` line this prints on stdout, the same line the
//! minimal-window baseline prints, so both are measured the same way.

use std::sync::OnceLock;
use std::time::Instant;

static PROCESS_START: OnceLock<Instant> = OnceLock::new();
static FIRST_PAINT: OnceLock<()> = OnceLock::new();

/// Remembers when `main` began. Called first thing in `run`.
pub fn mark_process_start() {
    let _ = PROCESS_START.get_or_init(Instant::now);
}

/// Records the first paint once; later calls (view switches, reloads) are ignored.
pub fn first_paint(view: &str) {
    if FIRST_PAINT.set(()).is_err() {
        return;
    }
    let elapsed = PROCESS_START
        .get()
        .map(Instant::elapsed)
        .unwrap_or_default();
    tracing::info!(
        view,
        elapsed_ms = elapsed.as_millis() as u64,
        "first view painted"
    );
    println!("FLEETDESK_READY {}", elapsed.as_millis());
}

/// Records when the data (database, keychain, local playground) was ready. The bench reads the
/// `FLEETDESK_DESK` line to time the Rust side apart from the page.
pub fn desk_ready() {
    let elapsed = PROCESS_START
        .get()
        .map(Instant::elapsed)
        .unwrap_or_default();
    tracing::info!(
        elapsed_ms = elapsed.as_millis() as u64,
        "data and local playground ready"
    );
    println!("FLEETDESK_DESK {}", elapsed.as_millis());
}
