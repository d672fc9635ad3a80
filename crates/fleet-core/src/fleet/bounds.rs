//! What Fleetdesk accepts from a server in a fleet: each text of a device no longer than a limit,
//! and a whole sync no larger than a limit. Kustom's devices are far inside these (ids are
//! UUIDs, names and metadata short); a server that sends more is refused with an error naming the
//! limit, before anything it sent reaches the cache or the index.

use kustom_ipp::Device;

/// The longest id (device, location, merchant) accepted.
pub const MAX_ID_CHARS: usize = 128;
/// The longest name or hardware id accepted.
pub const MAX_NAME_CHARS: usize = 500;
/// The most metadata entries one device may have.
pub const MAX_METADATA_ENTRIES: usize = 100;
/// The longest metadata key accepted.
pub const MAX_METADATA_KEY_CHARS: usize = 256;
/// The longest metadata value accepted.
pub const MAX_METADATA_VALUE_CHARS: usize = 1_000;
/// The most bytes one sync may bring (every page as sent): a hundred times a 100,000-device
/// fleet's ~40 MB.
pub const MAX_SYNC_BYTES: u64 = 4 * 1024 * 1024 * 1024 / 8;

fn over(text: &str, limit: usize) -> bool {
    // Bytes first: a text cannot have more characters than bytes.
    text.len() > limit && text.chars().count() > limit
}

/// `Err` with a sentence naming the first limit `device` is past.
pub fn check_device(device: &Device) -> Result<(), String> {
    let short = |text: &str| kustom_ipp::text::cut(text, 40);
    let id = short(&device.id);
    let texts = [
        ("an id", device.id.as_str(), MAX_ID_CHARS),
        ("a merchant id", device.merchant_id.as_str(), MAX_ID_CHARS),
        (
            "a location id",
            device.location_id.as_deref().unwrap_or(""),
            MAX_ID_CHARS,
        ),
        ("a name", device.name.as_str(), MAX_NAME_CHARS),
        ("a hardware id", device.hardware_id.as_str(), MAX_NAME_CHARS),
        (
            "a unique id",
            device.unique_id.as_deref().unwrap_or(""),
            MAX_NAME_CHARS,
        ),
        ("a platform", device.platform.as_str(), MAX_ID_CHARS),
    ];
    for (what, text, limit) in texts {
        if over(text, limit) {
            return Err(format!(
                "device {id} has {what} of {} characters; Fleetdesk reads at most {limit}",
                text.chars().count()
            ));
        }
    }
    if device.metadata.len() > MAX_METADATA_ENTRIES {
        return Err(format!(
            "device {id} has {} metadata entries; Fleetdesk reads at most {MAX_METADATA_ENTRIES}",
            device.metadata.len()
        ));
    }
    for (key, value) in &device.metadata {
        if over(key, MAX_METADATA_KEY_CHARS) {
            return Err(format!(
                "device {id} has a metadata key of {} characters; Fleetdesk reads at most \
                 {MAX_METADATA_KEY_CHARS}",
                key.chars().count()
            ));
        }
        if over(value, MAX_METADATA_VALUE_CHARS) {
            return Err(format!(
                "device {id} has a metadata value of {} characters; Fleetdesk reads at most \
                 {MAX_METADATA_VALUE_CHARS}",
                value.chars().count()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use kustom_ipp::{Metadata, Platform};

    use super::*;

    fn device() -> Device {
        Device {
            id: "550e8400-e29b-41d4-a716-446655440000".into(),
            hardware_id: "R58M12345".into(),
            merchant_id: "DM1".into(),
            location_id: Some("loc".into()),
            name: "Kassa 1".into(),
            platform: Platform::Android,
            metadata: Metadata::from([("region".into(), "Väst".into())]),
            created_at: Utc::now(),
            open_cash_register_id: None,
            unique_id: None,
        }
    }

    #[test]
    fn a_device_past_a_limit_is_named_with_the_limit() {
        assert!(check_device(&device()).is_ok());
        let at_limit = Device {
            name: "å".repeat(MAX_NAME_CHARS),
            ..device()
        };
        assert!(check_device(&at_limit).is_ok(), "characters, not bytes");
        let long_name = Device {
            name: "x".repeat(MAX_NAME_CHARS + 1),
            ..device()
        };
        let refused = check_device(&long_name).err().unwrap_or_default();
        assert!(refused.contains("a name of 501 characters") && refused.contains("at most 500"));
        let mut many = device();
        for n in 0..=MAX_METADATA_ENTRIES {
            many.metadata.insert(format!("k{n}"), "v".into());
        }
        assert!(check_device(&many).is_err_and(|e| e.contains("metadata entries")));
        let mut long_value = device();
        long_value
            .metadata
            .insert("notes".into(), "y".repeat(MAX_METADATA_VALUE_CHARS + 1));
        assert!(check_device(&long_value).is_err_and(|e| e.contains("metadata value")));
    }
}
