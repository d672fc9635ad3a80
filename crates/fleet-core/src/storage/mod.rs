//! Where Fleetdesk keeps things on disk: the SQLite database and its migrations, how much
//! history it keeps, and how its own files are written (private to the user, atomically).

pub mod data_dir;
mod database;
mod migrations;
pub mod private_files;
pub mod retention;

pub use database::{Checkpoint, DamagedDatabase, JOURNAL_SIZE_LIMIT, Store};
pub(crate) use database::{in_transaction, release_cache, storage};
