//! Typed models of the `/ipp/v1` resources.
//!
//! Parsing is tolerant, because Kustom may add fields and values at any time: unknown fields are
//! ignored, unknown enum values land in an `Unknown(String)` variant, and optional fields the
//! documentation does not promise are `Option`. Amounts are integers in minor units; `tax_rate` is
//! in basis points (`2500` = 25 %).

mod callback;
mod device;
mod enrollment;
mod location;
mod page;
mod session;

pub use callback::*;
pub use device::*;
pub use enrollment::*;
pub use location::*;
pub use page::*;
pub use session::*;

use std::collections::BTreeMap;

/// Free-form string → string metadata on enrollments and devices [DOC §3.4].
pub type Metadata = BTreeMap<String, String>;

/// ISO-8601 UTC timestamps; Kustom sends seconds or nanoseconds precision [DOC §3.1].
pub type Timestamp = chrono::DateTime<chrono::Utc>;
