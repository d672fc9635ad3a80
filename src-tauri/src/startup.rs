//! Start-up timing: from process start to the first painted view.
//!
//! `cargo xtask bench` reads the `FLEETDESK_READY` line this prints on stdout, the same line the
//! minimal-window baseline prints, so both are measured the same way.

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use specta::Type;

static PROCESS_START: OnceLock<Instant> = OnceLock::new();
/// The same moment on the wall clock, to place the page's own marks (which count from the page's
/// `performance.timeOrigin`, a wall-clock time) on the process's time line.
static PROCESS_START_UNIX_MS: OnceLock<f64> = OnceLock::new();

/// When the page reached each step of its start, as the page measured it.
#[derive(Debug, Clone, Copy, Deserialize, Type)]
pub struct PageMarks {
    /// `performance.timeOrigin`: when the page's navigation began, in ms since the Unix epoch.
    pub time_origin: f64,
    /// The rest are ms after the time origin. The HTML was parsed (`domInteractive`).
    pub html_parsed: f64,
    /// Every module of the app was evaluated and its entry point began.
    pub script: f64,
    /// The shell was mounted.
    pub mounted: f64,
    /// The remembered choices (`boot_info`) arrived.
    pub boot: f64,
    /// The first view was mounted and two frames have passed.
    pub painted: f64,
}
static FIRST_PAINT: OnceLock<()> = OnceLock::new();

/// Remembers when `main` began. Called first thing in `run`.
pub fn mark_process_start() {
    let _ = PROCESS_START.get_or_init(Instant::now);
    let _ = PROCESS_START_UNIX_MS.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or_default()
    });
}

/// Records the first paint once; later calls (view switches, reloads) are ignored.
pub fn first_paint(view: &str, marks: &PageMarks) {
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
    // The page's steps on the process's time line, for the bench's start-up breakdown.
    if let Some(start) = PROCESS_START_UNIX_MS.get() {
        let navigation = marks.time_origin - start;
        println!(
            "FLEETDESK_PAGE navigation={navigation:.0} html_parsed={:.0} script={:.0} mounted={:.0} boot={:.0} painted={:.0}",
            navigation + marks.html_parsed,
            navigation + marks.script,
            navigation + marks.mounted,
            navigation + marks.boot,
            navigation + marks.painted,
        );
    }
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
