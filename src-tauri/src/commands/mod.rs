//! Tauri commands: short adapters from the UI onto `fleet-core`.
//!
//! Every command returns `Result<_, AppError>` so the UI always gets `{ code, message }`. None of
//! them takes a secret back out: keys go in, only their state comes out.

pub mod enrollments;
pub mod locations;
pub mod profiles;
pub mod shell;

use std::sync::Arc;

use fleet_core::Desk;

/// The managed state every command reaches `fleet-core` through.
pub type DeskState<'a> = tauri::State<'a, Arc<Desk>>;
