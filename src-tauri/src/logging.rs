//! The app's log: stderr plus `fleetdesk.log` in the OS log directory.
//!
//! Nothing secret is ever logged: keys, tokens and webhook secrets are wrapped in redacting types
//! before they reach any code that could log them.

use std::fs::{self, File, OpenOptions};
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Installs the global subscriber. Safe to call once; a second call is reported as an error.
pub fn init(log_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    fs::create_dir_all(log_dir)?;
    let file: File = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_dir.join("fleetdesk.log"))?;
    let writer = std::io::stderr.and(Mutex::new(file));
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_ansi(false)
        .with_writer(writer)
        .try_init()
        .map_err(|err| err as Box<dyn std::error::Error>)?;
    Ok(())
}
