//! Fleetdesk's application logic.
//!
//! Everything the desktop app and the command line do that is not drawing pixels lives here, in
//! plain Rust that tests drive without a window, one folder per domain:
//!
//! - [`profiles`]: accounts, environments, the keychain and the production guard;
//! - [`storage`]: the SQLite database, its migrations, retention and private files;
//! - [`fleet`]: the device fleet — sync, cache, index, filters, edits;
//! - [`enrollments`]: pairing codes, rollouts and pairing cards;
//! - [`sessions`]: the callback receiver, the watcher and session timelines;
//! - [`audit`]: the activity log, tamper-evident;
//! - [`history`]: each device's history, last activity, and the devices gone quiet;
//! - [`jobs`]: bulk work as durable jobs, within the account's request budget;
//! - [`locale`]: languages, formats and the few words Rust itself shows;
//! - [`playground`]: the embedded local simulator;
//! - [`desk`]: composes them into the services a front-end asks for, and nothing else.
//!
//! [`AppError`] is the one error type that crosses to a front-end.

pub mod audit;
pub mod desk;
pub mod enrollments;
pub mod error;
pub mod fleet;
pub mod history;
pub mod jobs;
pub mod locale;
pub mod playground;
pub mod profiles;
pub mod sessions;
pub mod storage;

pub use desk::{ConnectionReport, Desk, StoreKeyOutcome};
pub use error::AppError;
