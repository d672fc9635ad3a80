//! The app's log: stderr plus daily files in the app's `logs` folder, a week of them kept, each
//! at most [`MAX_BYTES_A_DAY`]: however chatty a bad day gets, the folder stays under a week of
//! that. Lines past a day's limit are dropped, with one line saying so.
//!
//! Nothing secret is ever logged: keys, tokens and webhook secrets are wrapped in redacting types
//! before they reach any code that could log them. The folder is private to the user.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::{MakeWriter, MakeWriterExt};

/// Log files kept: today's and the six before.
const KEEP_FILES: usize = 7;
/// The most a day's file grows.
pub const MAX_BYTES_A_DAY: u64 = 20 * 1024 * 1024;

/// How much of today's limit is used.
struct Budget {
    day: chrono::NaiveDate,
    written: u64,
    told: bool,
}

/// A writer that passes lines on to `inner` until the day's budget is spent.
#[derive(Clone)]
pub struct Bounded<W> {
    inner: W,
    budget: Arc<Mutex<Budget>>,
    limit: u64,
}

impl<W> Bounded<W> {
    pub fn new(inner: W, limit: u64) -> Self {
        Self {
            inner,
            budget: Arc::new(Mutex::new(Budget {
                day: chrono::Utc::now().date_naive(),
                written: 0,
                told: false,
            })),
            limit,
        }
    }
}

/// One line on its way through [`Bounded`].
pub struct BoundedLine<W> {
    inner: W,
    budget: Arc<Mutex<Budget>>,
    limit: u64,
}

impl<W: Write> Write for BoundedLine<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut budget = self.budget.lock();
        let today = chrono::Utc::now().date_naive();
        if budget.day != today {
            *budget = Budget {
                day: today,
                written: 0,
                told: false,
            };
        }
        if budget.written + buf.len() as u64 > self.limit {
            if !budget.told {
                budget.told = true;
                let _ = self.inner.write_all(
                    b"... the log reached its size for today; lines are dropped until tomorrow\n",
                );
            }
            // Taken, not written: the caller must not retry.
            return Ok(buf.len());
        }
        budget.written += buf.len() as u64;
        drop(budget);
        self.inner.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<'a, W: MakeWriter<'a>> MakeWriter<'a> for Bounded<W> {
    type Writer = BoundedLine<W::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        BoundedLine {
            inner: self.inner.make_writer(),
            budget: self.budget.clone(),
            limit: self.limit,
        }
    }
}

/// Installs the global subscriber. Safe to call once; a second call is reported as an error.
pub fn init(log_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    fleet_core::storage::private_files::create_private_dir(log_dir)?;
    let files = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("fleetdesk")
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(log_dir)?;
    let writer = std::io::stderr.and(Bounded::new(files, MAX_BYTES_A_DAY));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what reaches it.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Sink {
        type Writer = Sink;
        fn make_writer(&'a self) -> Sink {
            self.clone()
        }
    }

    #[test]
    fn a_day_of_log_stops_at_its_limit_and_says_so_once() {
        let sink = Sink::default();
        let bounded = Bounded::new(sink.clone(), 1_000);
        for _ in 0..500 {
            let mut line = bounded.make_writer();
            assert_eq!(
                line.write(b"a line of forty bytes, give or take.....\n")
                    .ok(),
                Some(41)
            );
        }
        let written = sink.0.lock().clone();
        let text = String::from_utf8_lossy(&written);
        assert!(written.len() < 1_200, "{} bytes", written.len());
        assert_eq!(text.matches("dropped until tomorrow").count(), 1);
    }
}
