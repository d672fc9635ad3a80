//! The questions the fleet index answers: a filter bar query, and the order of its rows.

use kustom_ipp::{DeviceQuery, MetadataFilter};

pub use crate::history::last_activity::ActivityBucket;
use serde::{Deserialize, Serialize};
use specta::Type;

/// Which location a query wants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum LocationFilter {
    Any,
    /// Devices not assigned to any location.
    Unassigned,
    At(String),
}

/// Whether a query wants devices with a cash register open on them (`open_cash_register_id`
/// [DOC §7.1]; a register serves one device at a time [DOC help centre]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum RegisterFilter {
    #[default]
    Any,
    /// A register is open on the device.
    Open,
    /// No register is open on it.
    NoneOpen,
}

/// A filter bar query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct FleetQuery {
    /// `key = value` chips, all must match.
    pub metadata: Vec<(String, String)>,
    pub location: LocationFilter,
    /// A platform wire value (`IOS`, `ANDROID`, `TERMINAL`), or none.
    pub platform: Option<String>,
    /// (Saved views from before this filter read as `Any`.)
    #[serde(default)]
    pub register: RegisterFilter,
    /// How recently devices were active. The index does not know it (it comes from the history):
    /// [`super::FleetIndex::find`] leaves it to its caller — the Desk narrows the rows by it.
    #[serde(default)]
    pub activity: ActivityBucket,
    pub text: String,
}

impl FleetQuery {
    pub fn all() -> Self {
        Self {
            metadata: Vec::new(),
            location: LocationFilter::Any,
            platform: None,
            register: RegisterFilter::Any,
            activity: ActivityBucket::Any,
            text: String::new(),
        }
    }

    /// The same question in the API's terms, when the API can answer it: at most five metadata
    /// filters with distinct keys and at most one location, nothing else [DOC §3.4; INF §7.2].
    pub fn as_api_query(&self) -> Option<DeviceQuery> {
        if !self.text.trim().is_empty()
            || self.platform.is_some()
            || self.register != RegisterFilter::Any
            || self.activity != ActivityBucket::Any
            || self.location == LocationFilter::Unassigned
        {
            return None;
        }
        let metadata = MetadataFilter::from_pairs(self.metadata.iter().cloned()).ok()?;
        Some(DeviceQuery {
            location_id: match &self.location {
                LocationFilter::At(id) => Some(id.clone()),
                _ => None,
            },
            metadata,
        })
    }
}

/// Columns the list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    Name,
    Location,
    Platform,
    CreatedAt,
    HardwareId,
    /// From the history, not the index: [`super::FleetIndex::sort`] leaves it to its caller.
    LastActivity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

impl FleetQuery {
    /// Whether one device answers this query, read on its own (what a command line streaming a
    /// fleet without an index asks; the index answers the same, see its tests). The activity
    /// bucket is not the device's to say: the caller narrows by it.
    pub fn matches(&self, device: &kustom_ipp::Device) -> bool {
        let metadata = self
            .metadata
            .iter()
            .all(|(key, value)| device.metadata.get(key) == Some(value));
        let location = match &self.location {
            LocationFilter::Any => true,
            LocationFilter::Unassigned => device.location_id.is_none(),
            LocationFilter::At(id) => device.location_id.as_deref() == Some(id.as_str()),
        };
        let platform = self
            .platform
            .as_deref()
            .is_none_or(|wanted| device.platform.as_str() == wanted);
        let register = match self.register {
            RegisterFilter::Any => true,
            RegisterFilter::Open => device.open_cash_register_id.is_some(),
            RegisterFilter::NoneOpen => device.open_cash_register_id.is_none(),
        };
        let needle = search_text(&self.text);
        let text = needle.is_empty()
            || [&device.id, &device.name, &device.hardware_id]
                .into_iter()
                .chain(device.metadata.values())
                .any(|field| {
                    field
                        .to_lowercase()
                        .replace(['\u{0}', '\u{1}'], "")
                        .contains(&needle)
                });
        metadata && location && platform && register && text
    }
}

/// What the search box's text is looked for as: trimmed, lowercased, without the separators the
/// index puts between fields and rows.
pub(super) fn search_text(typed: &str) -> String {
    typed.trim().to_lowercase().replace(['\u{0}', '\u{1}'], "")
}
