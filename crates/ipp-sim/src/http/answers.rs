//! How resources are written on the wire, in both of the simulator's readings of the docs.
//!
//! Convenient (the default): every field the simulator knows, documented or not. Docs-minimal:
//! exactly the fields Kustom's docs promise for each object (API.md §5.1, §7.1, §8, §9.1), so a
//! client that leans on anything more fails against the simulator as it would against Kustom.
//! The lists below are the docs' fields, not the simulator's: each says where it comes from.

use kustom_ipp::{Device, Enrollment, Location, Page, Session};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The enrollment object [DOC §5.1]: five fields. `location_id`, `created_at` and the consuming
/// `device_id` are not promised [GAP].
const ENROLLMENT: &[&str] = &[
    "enrollment_id",
    "enrollment_code",
    "expires_at",
    "status",
    "metadata",
];

/// The device object [DOC §7.1], without the deprecated `unique_id` (a client must not need it)
/// and without `credentials`, which only the registration answer carries.
const DEVICE: &[&str] = &[
    "id",
    "hardware_id",
    "merchant_id",
    "location_id",
    "name",
    "platform",
    "metadata",
    "created_at",
    "open_cash_register_id",
];

/// A location: the reference shows its item schema as "any" [DOC §8.1]; the help centre says a
/// location has a name [DOC]. `city` is what one third-party client reads [3P], the address's
/// shape and `created_at` are the simulator's [INF].
const LOCATION: &[&str] = &["id", "name"];

/// The session object [DOC §9.1] up to `merchant_reference1`, where the reference page was cut:
/// `merchant_reference2` [INF] and `merchant_data` [3P] are not promised.
const SESSION: &[&str] = &[
    "session_id",
    "status",
    "device_id",
    "order_id",
    "order_amount",
    "purchase_currency",
    "purchase_started_at",
    "purchase_completed_at",
    "order_tax_amount",
    "order_items",
    "merchant_reference1",
];

/// Writes resources for one simulator instance.
#[derive(Debug, Clone, Copy)]
pub struct Answers {
    pub docs_minimal: bool,
}

impl Answers {
    fn shaped(&self, value: &impl Serialize, promised: &[&str]) -> Value {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        match value {
            Value::Object(fields) if self.docs_minimal => Value::Object(
                fields
                    .into_iter()
                    .filter(|(name, _)| promised.contains(&name.as_str()))
                    .collect::<Map<String, Value>>(),
            ),
            other => other,
        }
    }

    pub fn enrollment(&self, enrollment: &Enrollment) -> Value {
        self.shaped(enrollment, ENROLLMENT)
    }

    /// A device; `simulated` says whether it was made by `/dev/devices`, whose devices carry
    /// `metadata.simulated` = boolean `true` [DOC §7.1, §11.1] (other metadata is text [DOC §3.4]).
    pub fn device(&self, device: &Device, simulated: bool) -> Value {
        let mut value = self.shaped(device, DEVICE);
        if simulated
            && let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut)
            && metadata.get("simulated").and_then(Value::as_str) == Some("true")
        {
            metadata.insert("simulated".to_owned(), Value::Bool(true));
        }
        value
    }

    pub fn location(&self, location: &Location) -> Value {
        self.shaped(location, LOCATION)
    }

    pub fn session(&self, session: &Session) -> Value {
        self.shaped(session, SESSION)
    }

    /// A page object [DOC §3.3] whose items are written by `item`.
    pub fn page<T>(&self, page: &Page<T>, item: impl Fn(&T) -> Value) -> Value {
        json!({
            "content": page.content.iter().map(item).collect::<Vec<_>>(),
            "total_elements": page.total_elements,
            "total_pages": page.total_pages,
            "page_number": page.page_number,
            "page_size": page.page_size,
            "first": page.first,
            "last": page.last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_minimal_keeps_only_the_promised_fields_and_simulated_is_a_boolean() {
        let device: Device = serde_json::from_value(json!({
            "id": "d", "hardware_id": "h", "merchant_id": "m", "name": "n", "platform": "IOS",
            "metadata": {"simulated": "true", "store": "1"}, "created_at": "2024-01-15T10:30:00Z",
            "unique_id": "h"
        }))
        .unwrap_or_else(|err| panic!("{err}"));
        let minimal = Answers { docs_minimal: true }.device(&device, true);
        assert!(minimal.get("unique_id").is_none());
        assert_eq!(minimal["metadata"]["simulated"], Value::Bool(true));
        assert_eq!(minimal["metadata"]["store"], "1");
        let full = Answers {
            docs_minimal: false,
        }
        .device(&device, false);
        assert_eq!(full["unique_id"], "h");
        assert_eq!(full["metadata"]["simulated"], "true");
    }
}
