//! Switches a debug build takes on the command line, for tests that drive the real window; a
//! release build has none of them (a user cannot start the app in a test mode by accident).

/// `--playground-docs-minimal`: the local playground's simulator answers with only what Kustom's
/// docs promise (the end-to-end suite's docs-minimal run).
pub fn docs_minimal_playground() -> bool {
    cfg!(debug_assertions)
        && std::env::args()
            .skip(1)
            .any(|arg| arg == "--playground-docs-minimal")
}
