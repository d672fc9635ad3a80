//! What each command does, on the desk [`crate::open`] opened. Each gives back its exit code.

pub mod apply;
pub mod codes;
pub mod devices;
pub mod filters;
pub mod jobs;
pub mod profiles;
pub mod rollout;
pub mod sessions;

use fleet_core::{AppError, Desk};

use crate::args::Command;

/// Runs `command` on `desk`.
pub async fn run(desk: &Desk, command: Command) -> Result<u8, AppError> {
    match command {
        Command::Profiles(command) => profiles::run(desk, command).await,
        Command::Devices(command) => devices::run(desk, command).await,
        Command::Apply(args) => apply::run(desk, args).await,
        Command::Codes(command) => codes::run(desk, command).await,
        Command::Rollout(command) => rollout::run(desk, command).await,
        Command::Sessions(command) => sessions::run(desk, command).await,
        Command::Jobs(command) => jobs::run(desk, command).await,
        // Answered before any desk is opened (see main).
        Command::Completions { .. } | Command::Man => Ok(crate::exit::DONE),
    }
}

/// A usage problem in what was typed: exit code 2.
pub fn usage(field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid_field(field, message)
}
