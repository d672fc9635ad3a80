//! What a change Fleetdesk made to one device leaves in the activity log: one entry per field
//! that changed (name, store, metadata), or its deregistration, with the value before and after.

use kustom_ipp::{Device, Metadata};

use crate::audit::{NewEntry, Source};
use crate::profiles::Profile;

/// One device before a change and after it (`None`: deregistered).
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    pub before: Device,
    pub after: Option<Device>,
}

/// `metadata` as `key=value` lines, in key order.
pub fn metadata_lines(metadata: &Metadata) -> String {
    metadata
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The entries for `changed`, made by `source` on `profile` (in `job`, if it was part of one).
pub fn entries(
    changed: &Changed,
    source: Source,
    profile: &Profile,
    job: Option<&str>,
) -> Vec<NewEntry> {
    let before = &changed.before;
    let entry = |action: &str, location: Option<&str>| {
        NewEntry::new(source, action, &before.name)
            .profile(Some(profile))
            .device(&before.id, &before.hardware_id, location)
            .job(job)
    };
    let Some(after) = &changed.after else {
        return vec![
            entry("device.deregister", before.location_id.as_deref())
                .change(Some(&before.name), None),
        ];
    };
    let mut out = Vec::new();
    if before.name != after.name {
        let mut renamed = entry("device.rename", after.location_id.as_deref())
            .change(Some(&before.name), Some(&after.name));
        renamed.target = after.name.clone();
        out.push(renamed);
    }
    if before.location_id != after.location_id {
        out.push(
            entry("device.move", after.location_id.as_deref())
                .change(before.location_id.as_deref(), after.location_id.as_deref()),
        );
    }
    if before.metadata != after.metadata {
        let differing = |side: &Metadata, other: &Metadata| {
            let lines: Metadata = side
                .iter()
                .filter(|(key, value)| other.get(*key) != Some(*value))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Some(metadata_lines(&lines)).filter(|l| !l.is_empty())
        };
        out.push(
            entry("device.metadata", after.location_id.as_deref()).change(
                differing(&before.metadata, &after.metadata).as_deref(),
                differing(&after.metadata, &before.metadata).as_deref(),
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use kustom_ipp::Platform;

    use super::*;
    use crate::profiles::Environment;

    fn device(name: &str, location: Option<&str>, tags: &[(&str, &str)]) -> Device {
        Device {
            id: "d1".into(),
            hardware_id: "HW1".into(),
            merchant_id: "m".into(),
            location_id: location.map(str::to_owned),
            name: name.into(),
            platform: Platform::Ios,
            metadata: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            created_at: Utc::now(),
            open_cash_register_id: None,
            unique_id: None,
        }
    }

    fn profile() -> Profile {
        Profile {
            id: "p1".into(),
            name: "Stores SE".into(),
            environment: Environment::KustomPlayground,
            base_url: Environment::KustomPlayground.default_base_url().into(),
            merchant_id: "DM1".into(),
            created_at: Utc::now(),
            last_used_at: None,
            api_key_kind: None,
            production: false,
        }
    }

    #[test]
    fn each_changed_field_is_an_entry_with_before_and_after() {
        let changed = Changed {
            before: device("Till 1", Some("s1"), &[("k", "1"), ("old", "x")]),
            after: Some(device("Till 9", Some("s2"), &[("k", "2")])),
        };
        let written = entries(&changed, Source::App, &profile(), Some("job-1"));
        let summary: Vec<(&str, Option<&str>, Option<&str>)> = written
            .iter()
            .map(|e| {
                (
                    e.action.as_str(),
                    e.old_value.as_deref(),
                    e.new_value.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("device.rename", Some("Till 1"), Some("Till 9")),
                ("device.move", Some("s1"), Some("s2")),
                ("device.metadata", Some("k=1\nold=x"), Some("k=2")),
            ]
        );
        assert!(written.iter().all(|e| e.device_id.as_deref() == Some("d1")
            && e.hardware_id.as_deref() == Some("HW1")
            && e.job_id.as_deref() == Some("job-1")
            && e.profile_id.as_deref() == Some("p1")));
        // Nothing changed, nothing written; a deregistration is one entry.
        let same = Changed {
            before: device("Till 1", Some("s1"), &[]),
            after: Some(device("Till 1", Some("s1"), &[])),
        };
        assert!(entries(&same, Source::App, &profile(), None).is_empty());
        let gone = Changed {
            before: device("Till 1", Some("s1"), &[]),
            after: None,
        };
        let written = entries(&gone, Source::Cli, &profile(), None);
        assert_eq!(written.len(), 1);
        assert_eq!(written[0].action, "device.deregister");
        assert_eq!(written[0].source, Source::Cli);
    }
}
