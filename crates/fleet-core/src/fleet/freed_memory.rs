//! Giving the system back memory the program has freed.
//!
//! A fleet sync decodes and encodes every device once — ~150 MB at 100,000 devices, all freed when
//! the sync ends. glibc's malloc keeps what was freed inside its arenas for reuse and returns only
//! the top of each heap, so the app stayed about half as large again as what it held after a
//! sync. `malloc_trim(0)` gives the free pages of every
//! arena back. macOS's and Windows' allocators return large blocks themselves; there it does
//! nothing.

/// The malloc arenas glibc may keep. By default it opens more (up to eight per core) as threads
/// contend, and each arena keeps, fragmented, what its threads freed. The desk's many short-lived
/// threads (the async runtime's blocking pool, SQLite's work on it, the freeing thread) spread
/// over a dozen arenas: in a 30-minute soak its Rust heap held 5–7 MiB throughout while its
/// resident memory grew from ~63 to ~77 MiB in twenty minutes, in the main heap and fifteen
/// thread arenas of 2–5 MiB each.
const ARENAS: i32 = 2;

/// Blocks from this size up get pages of their own from the system, given back the moment they
/// are freed. It is glibc's default, but glibc raises it (up to 32 MiB) each time such a block is
/// freed, so after the first few response bodies (a page of 100 devices is ~150 KB of JSON) every
/// later one was carved from the arenas, and what the arenas kept grew in a long run while the
/// heap did not. Setting it explicitly turns that adjustment off (mallopt(3)).
const MMAP_THRESHOLD: i32 = 128 * 1024;

/// Free memory at the top of an arena beyond this is given back at once (glibc's default, which
/// its adjustment would otherwise raise with [`MMAP_THRESHOLD`]).
const TRIM_THRESHOLD: i32 = 128 * 1024;

/// Sets glibc's malloc up for a long-running app whose bursts (a sync, a bulk change) free far
/// more than it keeps: [`ARENAS`] arenas, so what one thread frees serves the next allocation
/// whichever thread makes it; large blocks always from and back to the system
/// ([`MMAP_THRESHOLD`], [`TRIM_THRESHOLD`]). Called first thing at start, by the app (and by the
/// soak that stands in for it).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn configure_allocator() {
    // SAFETY: `mallopt` takes no pointers; these options only bound how later allocations are
    // served, under glibc's own locks.
    let set = unsafe {
        [
            libc::mallopt(libc::M_ARENA_MAX, ARENAS),
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        ]
    };
    tracing::debug!(
        ?set,
        arenas = ARENAS,
        mmap_threshold = MMAP_THRESHOLD,
        "configured malloc"
    );
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn configure_allocator() {}

/// How often freed memory is given back while the app runs, besides after each sync. A bulk
/// change or a round of watched sessions frees ~15 MB within seconds: given back every 30 s, the
/// soak's resident memory swung between ~19 and ~35 MiB with the moment it was sampled.
const RELEASE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Gives freed memory back every [`RELEASE_EVERY`], on a thread of its own, for as long as the
/// process runs (what jemalloc's background thread does for it). glibc returns only the top of a
/// heap by itself: in a 30-minute soak its main heap held 14 MB free in a dozen large chunks below
/// live blocks, resident, against ~8 MB in use. A release walks the free lists under the arenas'
/// locks, a pause of its own length for an allocation made meanwhile. (mimalloc and jemalloc as
/// the global allocator, which return freed pages themselves, held more in the same soak: 67–98
/// and 23–48 MiB.) Called at start, with [`configure_allocator`].
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_periodically() {
    let started = std::thread::Builder::new()
        .name("fleet-release".to_owned())
        .spawn(|| {
            loop {
                std::thread::sleep(RELEASE_EVERY);
                release();
            }
        });
    if let Err(err) = started {
        tracing::warn!(%err, "freed memory is given back only after syncs");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_periodically() {}

/// Returns the allocator's free pages to the system. It walks and locks every arena, so it is
/// called after a burst and every [`RELEASE_EVERY`], off the async workers.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn release() {
    // SAFETY: `malloc_trim` takes no pointers and only rearranges glibc's own free lists, under
    // the same locks every allocation takes.
    let released = unsafe { libc::malloc_trim(0) } == 1;
    tracing::debug!(released, "gave freed memory back to the system");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release() {}

/// Drops `value` on a short-lived thread of its own, so that the caller does not wait while it is
/// freed (100,000 devices are over a million heap blocks), and then gives the freed pages back
/// ([`release`]). Where no thread can be started, the standard library drops it here instead,
/// with the closure that held it.
pub fn drop_elsewhere<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("fleet-free".to_owned())
        .spawn(move || {
            drop(value);
            release();
        });
}

#[cfg(test)]
mod tests {
    /// Tells which thread it was dropped on.
    struct Noted(std::sync::mpsc::Sender<std::thread::ThreadId>);

    impl Drop for Noted {
        fn drop(&mut self) {
            let _ = self.0.send(std::thread::current().id());
        }
    }

    #[test]
    fn what_is_dropped_elsewhere_is_dropped_on_another_thread() {
        let (sender, dropped) = std::sync::mpsc::channel();
        super::drop_elsewhere(Noted(sender));
        let on = dropped
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the value was never dropped");
        assert_ne!(on, std::thread::current().id());
    }

    #[test]
    fn releasing_after_a_burst_keeps_what_is_still_held() {
        let kept: Vec<String> = (0..1000).map(|i| format!("device {i}")).collect();
        let burst: Vec<Vec<u8>> = (0..2000)
            .map(|i| vec![(i % 251) as u8; 16 * 1024])
            .collect();
        drop(burst);
        super::release();
        assert_eq!(kept[999], "device 999");
        assert_eq!(kept.len(), 1000);
    }
}
