//! Tauri commands: short adapters from the UI onto `fleet-core`.
//!
//! Every command returns `Result<_, AppError>` so the UI always gets `{ code, message }`. None of
//! them takes a secret back out: keys go in, only their state comes out.

pub mod enrollments;
pub mod fleet;
pub mod history;
pub mod jobs;
pub mod locations;
pub mod profiles;
pub mod sessions;
pub mod shell;

use std::sync::Arc;

use fleet_core::{AppError, Desk};
use futures::future::{BoxFuture, Shared};

/// The [`Desk`], opened in the background so the window paints at once; commands wait for it.
#[derive(Clone)]
pub struct DeskCell(Shared<BoxFuture<'static, Result<Arc<Desk>, AppError>>>);

impl DeskCell {
    pub fn new(opening: BoxFuture<'static, Result<Arc<Desk>, AppError>>) -> Self {
        Self(futures::FutureExt::shared(opening))
    }

    /// The open desk (waiting for it the first time), or why it could not open.
    pub async fn get(&self) -> Result<Arc<Desk>, AppError> {
        self.0.clone().await
    }
}

/// The managed state every command reaches `fleet-core` through.
pub type DeskState<'a> = tauri::State<'a, DeskCell>;
