// Keep a console window from appearing next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// Rust's allocations go to jemalloc, which gives freed pages back to the system after a few
/// seconds and keeps a long run's heap compact. glibc's malloc keeps freed memory below any block
/// still in use: over a 30-minute soak the desk's resident memory swung between ~19 and ~35 MiB
/// around a 4–7 MiB heap and crept up by 3–4 MiB (docs/performance.md). SQLite and WebKit keep
/// glibc's malloc (`fleet::freed_memory`).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    fleetdesk_lib::run();
}
