//! Bulk work as durable jobs: a change to any number of devices — every device matching a filter,
//! or a pasted list — planned, written to SQLite, and worked through in the background within the
//! account's request budget, surviving a quit, a crash, a sleep or a lost network, with a true
//! result for every device.
//!
//! - [`targets`]: a pasted or uploaded list matched against the fleet, every problem named;
//! - [`store`]: jobs and their devices in SQLite, the runner's lease;
//! - [`liveness`]: which process runs a job, and whether it still lives;
//! - [`outcome`]: what happened to one device, kept as data and worded where it is shown;
//! - [`plan_file`]: a plan written to a file and applied later, exactly (the command line);
//! - [`report`]: a job's report as CSV;
//! - [`runner`]: settling one device: read first, never twice, never over someone else's change.
//!
//! The [`crate::desk`] plans jobs, runs them (one worker per job, the process holding its lease)
//! and records each device's change in the activity log with the job's id.

pub mod liveness;
pub mod outcome;
pub mod plan_file;
pub mod report;
pub mod runner;
pub mod store;
pub mod targets;

pub use outcome::{DeviceState, JobOutcome};
pub use store::{JobDevice, JobRowFilter, JobState, JobSummary, Jobs, PlannedDevice};
pub use targets::{AmbiguousLine, ListMatch};
