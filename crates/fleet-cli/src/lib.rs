//! `fleetdesk`: Fleetdesk from a terminal, for the IT people who script a chain's tills. The same
//! core as the window — its profiles, keychain entries, database, fleet cache and jobs — opened
//! without a window and without the services only one process may run (the callback receiver,
//! the local playground's server): safe to run while the app is open.
//!
//! - [`args`]: the commands and their options (also the man page and shell completions);
//! - [`open`]: the desk opened for one command;
//! - [`output`]: tables, JSON, CSV and NDJSON on stdout;
//! - [`exit`]: errors on stderr (`--json`: `{code, message}`) and exit codes;
//! - [`commands`]: what each command does.

pub mod args;
pub mod commands;
pub mod exit;
pub mod open;
pub mod output;

pub use args::Cli;
