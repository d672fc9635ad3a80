//! Store rollouts: many pairing codes at once, from a CSV file or "N codes for location X".
//!
//! A batch and each of its rows are saved in SQLite before anything is sent, and every code is
//! tagged with metadata naming its batch and row (`fleetdesk_batch`, `fleetdesk_row`). Before a
//! row is created again — after a crash, a timeout or a failure whose outcome is unknown — the
//! API is asked for an enrollment with that row's tag. So a row never gets a second code, however
//! often the batch is resumed or retried.
//!
//! - [`preview`]: a rollout file read and checked (or "N codes for this store" generated);
//! - [`batches`]: batches and their rows in SQLite, and the lock that keeps one run per batch;
//! - [`run`]: creating each row's code exactly once, and reconciling with what the API lists.

mod batches;
mod preview;
mod run;

pub use batches::{
    BatchDetail, BatchProgress, BatchRow, BatchSummary, Rollouts, RowState, row_token, tag,
};
pub use preview::{PreviewRow, RolloutPreview, generate, parse_csv};

pub const BATCH_KEY: &str = "fleetdesk_batch";
pub const ROW_KEY: &str = "fleetdesk_row";
/// The most rows one batch may have.
pub const MAX_ROWS: usize = 2_000;
/// The largest rollout file read (2,000 rows of generous width fit ten times over).
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;
/// The longest device label (as the create form allows).
pub const MAX_LABEL_CHARS: usize = 60;
