//! The device fleet: every device of a profile cached locally, found in milliseconds, and changed
//! safely.
//!
//! - [`sync`]: the one sync loop — the API's pages into the cache and the next index as they come;
//! - [`bounds`]: what a server may send in a fleet, and no more;
//! - [`cache`]: the fleet in SQLite, with changes on top between syncs; `generations`: how a
//!   sync's pages are written and made current in one flip; `page_lines`: what a stored page is;
//! - [`index`] over [`rows`]: the fleet in memory, with posting lists for the filter bar;
//! - [`name_order`]: the order names are listed in;
//! - [`edits`]: read-modify-write changes to one device, and bulk actions;
//! - [`metadata_rules`]: what metadata a user may type;
//! - [`export`]: the fleet as CSV;
//! - [`locations`]: per-store counts for the location panel;
//! - [`pacing`], [`freed_memory`]: progress reports and memory after a large sync.

pub mod bounds;
pub mod cache;
pub mod edits;
pub mod export;
pub mod freed_memory;
mod generations;
pub mod index;
pub mod locations;
pub mod metadata_rules;
pub mod name_order;
pub mod pacing;
pub(crate) mod page_lines;
pub mod rename_pattern;
pub mod rows;
pub mod sync;
mod views;

pub use cache::{FleetCache, SyncInfo};
pub use generations::{PastTheLimits, SyncWriter};
pub use index::{FleetIndex, FleetQuery, LocationFilter, RegisterFilter, Sort, SortColumn};
