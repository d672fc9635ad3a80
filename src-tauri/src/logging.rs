//! The app's log: stderr plus daily files in the app's `logs` folder, a week of them kept.
//!
//! Nothing secret is ever logged: keys, tokens and webhook secrets are wrapped in redacting types
//! before they reach any code that could log them. The folder is private to the user.

use std::path::Path;

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Log files kept: today's and the six before.
const KEEP_FILES: usize = 7;

/// Installs the global subscriber. Safe to call once; a second call is reported as an error.
pub fn init(log_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    fleet_core::storage::private_files::create_private_dir(log_dir)?;
    let files = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("fleetdesk")
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(log_dir)?;
    let writer = std::io::stderr.and(files);
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
