//! Giving the system back memory the program has freed.
//!
//! A fleet sync decodes and encodes every device once — ~150 MB at 100,000 devices, all freed when
//! the sync ends. glibc's malloc keeps what was freed inside its arenas for reuse and returns only
//! the top of each heap, so the app stayed ~130 MB above what it held (window bench: ~380 MB
//! after a sync against ~250 MB of live data). `malloc_trim(0)` gives the free pages of every
//! arena back. macOS's and Windows' allocators return large blocks themselves; there it does
//! nothing.

/// Returns the allocator's free pages to the system. It walks and locks every arena, so it is
/// called once after a burst, off the async workers.
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

#[cfg(test)]
mod tests {
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
