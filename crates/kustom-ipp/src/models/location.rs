use serde::{Deserialize, Serialize};
use specta::Type;

use super::Timestamp;

/// A store, pop-up or event where devices take payments. Read-only through the API [DOC §8].
///
/// The item schema is shown as "any" [DOC §8.1] (the documented page holds `{}` items); the
/// third-party client reads `id`, `name`, `city` [3P] and the simulator adds an address and
/// `created_at` [INF]. So nothing is required here: an item without an id parses, and callers skip
/// what they cannot refer to (see [`Location::is_usable`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct Location {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

impl Location {
    /// Whether the location can be referred to (it has an id).
    pub fn is_usable(&self) -> bool {
        !self.id.trim().is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct Address {
    #[serde(default)]
    pub street_address: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
}
