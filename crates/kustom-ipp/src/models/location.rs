use serde::{Deserialize, Serialize};
use specta::Type;

use super::Timestamp;

/// A store, pop-up or event where devices take payments. Read-only through the API [DOC §8].
///
/// The item schema is shown as "any" [DOC §8.1]; the third-party client reads `id`, `name`,
/// `city` [3P] and the simulator adds an address and `created_at` [INF]. A location Fleetdesk can
/// use has an id; list items are read leniently ([`LocationItem`]) and those without one skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct Location {
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

/// A location list item as received: nothing is required, because the documented page holds
/// `{}` items [DOC §8.1]. [`LocationItem::usable`] keeps the ones that can be referred to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct LocationItem {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
}

impl LocationItem {
    /// The location, if it has an id.
    pub fn usable(self) -> Option<Location> {
        let id = self.id.filter(|id| !id.trim().is_empty())?;
        Some(Location {
            id,
            name: self.name.unwrap_or_default(),
            city: self.city,
            address: self.address,
            created_at: self.created_at,
        })
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
