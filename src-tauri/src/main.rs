// Keep a console window from appearing next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// Rust's allocations go to mimalloc, which gives freed pages back to the system within moments.
/// glibc's malloc keeps freed memory below any block still in use: over a 30-minute soak the
/// desk's resident memory swung between ~19 and ~37 MiB and crept up while its heap held 4–7 MiB
/// (docs/performance.md). C libraries (SQLite, WebKit) keep glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    fleetdesk_lib::run();
}
