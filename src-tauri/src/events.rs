//! Typed events from Rust to the UI.

use fleet_core::profile::ActiveProfileSummary;
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
    pub progress: fleet_core::rollout::BatchProgress,
}
