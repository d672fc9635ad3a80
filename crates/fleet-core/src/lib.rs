//! Fleetdesk's application logic.
//!
//! Everything the desktop app does that is not drawing pixels lives here, in plain Rust that tests
//! drive without a window: the error type that crosses the IPC boundary, profiles and the
//! keychain, the local database and audit log, the embedded local playground, and the [`Desk`]
//! facade the Tauri commands call. The Tauri crate is a thin adapter over this one.

mod api_error;
pub mod audit;
pub mod card_text;
pub mod confirmation;
pub mod desk;
pub mod device_edits;
mod device_rows;
pub mod dialog_text;
pub mod enrollments;
pub mod error;
pub mod fleet_cache;
pub mod fleet_index;
pub mod freed_memory;
pub mod key_check;
pub mod locale;
pub mod metadata_rules;
pub mod name_order;
pub mod pacing;
pub mod pairing_card;
pub mod playground;
pub mod private_files;
pub mod profile;
pub mod retention;
pub mod rollout;
pub mod sessions;
pub mod store;
pub mod vault;

pub use desk::{ConnectionReport, Desk, StoreKeyOutcome};
pub use error::AppError;
