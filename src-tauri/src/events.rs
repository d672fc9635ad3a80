//! Typed events from Rust to the UI.

use fleet_core::profiles::ActiveProfileSummary;
use serde::Serialize;
use specta::Type;
use tauri_specta::Event;

/// The active profile changed (switched, renamed, or deleted and replaced by the playground).
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct ProfileChanged {
    pub active: ActiveProfileSummary,
}

/// A rollout batch made progress.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct RolloutProgress {
    pub batch_id: String,
    pub progress: fleet_core::enrollments::rollout::BatchProgress,
}

/// How far the fleet sync has come (sent as pages arrive, at most ten times a second).
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct FleetSyncProgress {
    pub pages_done: u32,
    pub pages_total: u32,
}

/// A job moved (devices settled, paused, resumed, finished): sent at most four times a second
/// for each job; the page reads what it shows again.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct JobProgressed {
    pub job_id: String,
    /// It stopped changing devices (finished, paused, cancelled): what shows the fleet reloads
    /// now, not at its next throttled refresh.
    pub stopped: bool,
}

/// A tracked session changed (from a callback or a poll); pushed without any click.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct SessionChanged {
    pub view: fleet_core::desk::SessionView,
    pub entry: Option<fleet_core::sessions::TimelineEntry>,
}
