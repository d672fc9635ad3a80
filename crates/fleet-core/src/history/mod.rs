//! What happened to each device: its history, its last activity, and which devices have gone
//! quiet. Read from the activity log ([`crate::audit`]), the payment sessions Fleetdesk followed
//! and the fleet itself; nothing here is asked of Kustom, whose API keeps no history [GAP].
//!
//! - [`changes`]: the log entries a change made from Fleetdesk leaves, one per field, old → new;
//! - [`timeline`]: one device's history, linked across enrolments by hardware id;
//! - [`last_activity`]: each device's latest pairing, payment or change, and the table's buckets;
//! - [`stale`]: the devices quiet for N days, per store;
//! - [`export`]: the log and the report as CSV, in the UI's language.

pub mod changes;
pub mod export;
pub mod last_activity;
pub mod stale;
pub mod timeline;
