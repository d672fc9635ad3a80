//! Fleetdesk's application logic.
//!
//! Everything the desktop app does that is not drawing pixels lives here, in plain Rust that tests
//! can drive without a window: the error type that crosses the IPC boundary, profiles and their
//! environments, and (as the app grows) the local store, fleet index, session watcher and pairing
//! cards. The Tauri crate is a thin adapter over this one.

pub mod error;
pub mod profile;

pub use error::AppError;
