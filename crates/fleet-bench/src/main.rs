//! Benchmarks that need no window, run by `cargo xtask bench` in release mode. Each prints its
//! figures, and ratios against a baseline measured in the same run on the same machine.

mod cli;
mod figures;
mod fleet;
mod history;
mod jobs;
mod paging;
mod sessions;
mod sim_process;
mod soak;

use std::time::Duration;

use anyhow::{Result, bail};

/// The system allocator, counting the bytes held: memory figures are then the heap a structure
/// holds, not resident pages (glibc keeps freed pages resident, so those would count whatever
/// was freed before).
#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// Heap bytes held by the process right now.
pub fn heap_bytes() -> usize {
    ALLOCATOR.allocated()
}

#[tokio::main]
async fn main() -> Result<()> {
    let which = std::env::args().nth(1).unwrap_or_default();
    match which.as_str() {
        "paging" => paging::run().await,
        "fleet" => match fleet::run().await? {
            Some(sync_100k) => history::run(sync_100k),
            None => Ok(()),
        },
        "sessions" => sessions::run().await,
        "jobs" => jobs::run().await,
        "cli" => cli::run().await,
        // Not a bench: the long run `cargo xtask soak` starts (`soak [minutes]`).
        "soak" => {
            let minutes = std::env::args()
                .nth(2)
                .and_then(|m| m.parse().ok())
                .unwrap_or(10);
            soak::run(minutes).await
        }
        other => bail!("unknown bench {other:?}; known: paging, fleet, sessions, jobs, cli, soak"),
    }
}

/// The median of some durations.
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// Milliseconds with one decimal.
pub fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}
