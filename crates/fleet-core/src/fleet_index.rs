//! The fleet index: every cached device of a profile in memory, with posting lists so that a
//! filter bar query (metadata AND, location, platform, free text) answers in milliseconds at
//! 100,000 devices.
//!
//! Metadata, location and platform filters intersect sorted posting lists, smallest first; the
//! free text (over name, id, hardware id and metadata values, case-insensitive) is checked only on
//! what survives. Results are in name order unless asked otherwise.

use std::collections::{BTreeMap, HashMap};

use kustom_ipp::{Device, DeviceQuery, MetadataFilter};
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

/// A filter bar query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct FleetQuery {
    /// `key = value` chips, all must match.
    pub metadata: Vec<(String, String)>,
    pub location: LocationFilter,
    /// A platform wire value (`IOS`, `ANDROID`, `TERMINAL`), or none.
    pub platform: Option<String>,
    pub text: String,
}

impl FleetQuery {
    pub fn all() -> Self {
        Self {
            metadata: Vec::new(),
            location: LocationFilter::Any,
            platform: None,
            text: String::new(),
        }
    }

    /// The same question in the API's terms, when the API can answer it: at most five metadata
    /// filters with distinct keys and at most one location, nothing else [DOC §3.4; INF §7.2].
    pub fn as_api_query(&self) -> Option<DeviceQuery> {
        if !self.text.trim().is_empty()
            || self.platform.is_some()
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

/// Postings: sorted row numbers.
type Postings = Vec<u32>;

#[derive(Debug, Default)]
pub struct FleetIndex {
    /// In name order.
    devices: Vec<Device>,
    /// Lowercased name, id, hardware id and metadata values, per row.
    haystacks: Vec<String>,
    by_pair: HashMap<(String, String), Postings>,
    by_location: HashMap<Option<String>, Postings>,
    by_platform: HashMap<String, Postings>,
    by_id: HashMap<String, u32>,
}

impl FleetIndex {
    pub fn build(mut devices: Vec<Device>) -> Self {
        devices.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.id.cmp(&b.id))
        });
        let mut index = Self {
            haystacks: Vec::with_capacity(devices.len()),
            ..Self::default()
        };
        for (row, device) in devices.iter().enumerate() {
            let row = row as u32;
            let mut haystack = format!(
                "{}\u{1}{}\u{1}{}",
                device.name, device.id, device.hardware_id
            );
            for (key, value) in &device.metadata {
                index
                    .by_pair
                    .entry((key.clone(), value.clone()))
                    .or_default()
                    .push(row);
                haystack.push('\u{1}');
                haystack.push_str(value);
            }
            index.haystacks.push(haystack.to_lowercase());
            index
                .by_location
                .entry(device.location_id.clone())
                .or_default()
                .push(row);
            index
                .by_platform
                .entry(device.platform.as_str().to_owned())
                .or_default()
                .push(row);
            index.by_id.insert(device.id.clone(), row);
        }
        index.devices = devices;
        index
    }

    pub fn len(&self) -> usize {
        self.devices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    pub fn device(&self, row: u32) -> Option<&Device> {
        self.devices.get(row as usize)
    }

    pub fn get(&self, id: &str) -> Option<&Device> {
        self.by_id.get(id).and_then(|row| self.device(*row))
    }

    /// Rows matching `query`, in name order.
    pub fn find(&self, query: &FleetQuery) -> Vec<u32> {
        let mut lists: Vec<&Postings> = Vec::new();
        let empty = Postings::new();
        for pair in &query.metadata {
            lists.push(self.by_pair.get(pair).unwrap_or(&empty));
        }
        match &query.location {
            LocationFilter::Any => {}
            LocationFilter::Unassigned => lists.push(self.by_location.get(&None).unwrap_or(&empty)),
            LocationFilter::At(id) => {
                lists.push(self.by_location.get(&Some(id.clone())).unwrap_or(&empty))
            }
        }
        if let Some(platform) = &query.platform {
            lists.push(self.by_platform.get(platform).unwrap_or(&empty));
        }
        lists.sort_by_key(|l| l.len());
        let mut rows: Vec<u32> = match lists.split_first() {
            None => (0..self.devices.len() as u32).collect(),
            Some((first, rest)) => first
                .iter()
                .copied()
                .filter(|row| rest.iter().all(|list| list.binary_search(row).is_ok()))
                .collect(),
        };
        let needle = query.text.trim().to_lowercase();
        if !needle.is_empty() {
            rows.retain(|row| self.haystacks[*row as usize].contains(&needle));
        }
        rows
    }

    /// Reorders rows by a column (rows come in name order already).
    pub fn sort(&self, rows: &mut [u32], sort: Sort, location_names: &HashMap<String, String>) {
        let device = |row: &u32| &self.devices[*row as usize];
        match sort.column {
            SortColumn::Name => {}
            SortColumn::Location => rows.sort_by_cached_key(|row| {
                device(row)
                    .location_id
                    .as_ref()
                    .and_then(|id| location_names.get(id))
                    .map(|n| n.to_lowercase())
                    .unwrap_or_else(|| "\u{10ffff}".to_owned())
            }),
            SortColumn::Platform => {
                rows.sort_by_cached_key(|row| device(row).platform.as_str().to_owned())
            }
            SortColumn::CreatedAt => rows.sort_by_key(|row| device(row).created_at),
            SortColumn::HardwareId => {
                rows.sort_by_cached_key(|row| device(row).hardware_id.clone())
            }
        }
        if sort.descending {
            rows.reverse();
        }
    }

    /// Device counts per location (`None` = unassigned).
    pub fn location_counts(&self) -> BTreeMap<Option<String>, u32> {
        self.by_location
            .iter()
            .map(|(k, v)| (k.clone(), v.len() as u32))
            .collect()
    }

    /// How many devices matching `query`, whatever its location, are at each location (the panel's
    /// counts while other filters are set).
    pub fn location_counts_for(&self, query: &FleetQuery) -> BTreeMap<Option<String>, u32> {
        let anywhere = FleetQuery {
            location: LocationFilter::Any,
            ..query.clone()
        };
        let mut counts: BTreeMap<Option<String>, u32> = BTreeMap::new();
        for row in self.find(&anywhere) {
            if let Some(device) = self.device(row) {
                *counts.entry(device.location_id.clone()).or_default() += 1;
            }
        }
        counts
    }

    /// Metadata keys with their values and how often each occurs (for suggestions).
    pub fn metadata_values(&self) -> BTreeMap<String, BTreeMap<String, u32>> {
        let mut out: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
        for ((key, value), rows) in &self.by_pair {
            out.entry(key.clone())
                .or_default()
                .insert(value.clone(), rows.len() as u32);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use kustom_ipp::{Metadata, Platform};

    use super::*;

    fn device(
        id: &str,
        name: &str,
        location: Option<&str>,
        platform: Platform,
        metadata: &[(&str, &str)],
    ) -> Device {
        Device {
            id: id.into(),
            hardware_id: format!("HW-{id}"),
            merchant_id: "m".into(),
            location_id: location.map(str::to_owned),
            name: name.into(),
            platform,
            metadata: metadata
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Metadata>(),
            created_at: Utc::now(),
            open_cash_register_id: None,
            unique_id: None,
        }
    }

    fn index() -> FleetIndex {
        FleetIndex::build(vec![
            device(
                "d1",
                "Malmö Till 2",
                Some("mmx"),
                Platform::Ios,
                &[("region", "Syd"), ("terminal_type", "checkout")],
            ),
            device(
                "d2",
                "Malmö Till 1",
                Some("mmx"),
                Platform::Android,
                &[("region", "Syd"), ("terminal_type", "handheld")],
            ),
            device(
                "d3",
                "Oslo Till 1",
                Some("osl"),
                Platform::Ios,
                &[("region", "Østlandet"), ("terminal_type", "checkout")],
            ),
            device(
                "d4",
                "Spare Till",
                None,
                Platform::Terminal,
                &[("terminal_type", "checkout")],
            ),
        ])
    }

    fn names(index: &FleetIndex, rows: &[u32]) -> Vec<String> {
        rows.iter()
            .filter_map(|r| index.device(*r))
            .map(|d| d.name.clone())
            .collect()
    }

    fn query() -> FleetQuery {
        FleetQuery::all()
    }

    #[test]
    fn filters_combine_with_and_in_name_order() {
        let index = index();
        assert_eq!(
            names(&index, &index.find(&query())),
            ["Malmö Till 1", "Malmö Till 2", "Oslo Till 1", "Spare Till"]
        );
        let q = FleetQuery {
            metadata: vec![("terminal_type".into(), "checkout".into())],
            ..query()
        };
        assert_eq!(
            names(&index, &index.find(&q)),
            ["Malmö Till 2", "Oslo Till 1", "Spare Till"]
        );
        let q = FleetQuery {
            metadata: vec![
                ("terminal_type".into(), "checkout".into()),
                ("region".into(), "Syd".into()),
            ],
            ..query()
        };
        assert_eq!(names(&index, &index.find(&q)), ["Malmö Till 2"]);
        let q = FleetQuery {
            location: LocationFilter::Unassigned,
            ..query()
        };
        assert_eq!(names(&index, &index.find(&q)), ["Spare Till"]);
        let q = FleetQuery {
            platform: Some("IOS".into()),
            location: LocationFilter::At("osl".into()),
            ..query()
        };
        assert_eq!(names(&index, &index.find(&q)), ["Oslo Till 1"]);
        let q = FleetQuery {
            metadata: vec![("region".into(), "Nowhere".into())],
            ..query()
        };
        assert!(index.find(&q).is_empty());
    }

    #[test]
    fn text_matches_name_id_hardware_id_and_metadata_values_case_insensitively() {
        let index = index();
        for (text, expected) in [
            ("malmö", 2),
            ("HW-D3", 1),
            ("d4", 1),
            ("østlandet", 1),
            ("handheld", 1),
            ("nothing", 0),
        ] {
            let q = FleetQuery {
                text: text.into(),
                ..query()
            };
            assert_eq!(index.find(&q).len(), expected, "{text}");
        }
    }

    #[test]
    fn api_queries_only_when_the_api_can_answer() {
        let fits = FleetQuery {
            metadata: vec![("region".into(), "Syd".into())],
            location: LocationFilter::At("mmx".into()),
            ..query()
        };
        assert!(fits.as_api_query().is_some());
        assert!(
            FleetQuery {
                text: "till".into(),
                ..query()
            }
            .as_api_query()
            .is_none()
        );
        assert!(
            FleetQuery {
                location: LocationFilter::Unassigned,
                ..query()
            }
            .as_api_query()
            .is_none()
        );
        let six = FleetQuery {
            metadata: (0..6).map(|i| (format!("k{i}"), "v".to_owned())).collect(),
            ..query()
        };
        assert!(six.as_api_query().is_none());
    }

    #[test]
    fn counts_and_suggestions() {
        let index = index();
        let counts = index.location_counts();
        assert_eq!(counts.get(&Some("mmx".to_owned())), Some(&2));
        assert_eq!(counts.get(&None), Some(&1));
        let values = index.metadata_values();
        assert_eq!(values["terminal_type"]["checkout"], 3);
    }
    mod against_a_scan {
        use proptest::prelude::*;

        use super::*;

        /// Short words from a small alphabet (with Nordic letters and a space), so that needles
        /// often hit, often miss, and trigrams often occur apart from each other.
        fn word() -> impl Strategy<Value = String> {
            proptest::string::string_regex("[abÅåøØ1 -]{0,7}").expect("a valid pattern")
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            /// Whatever the fleet and the text, the index finds exactly the devices a plain
            /// case-insensitive substring scan over name, id, hardware id and metadata values finds.
            #[test]
            fn the_trigram_index_agrees_with_a_scan(
                names in proptest::collection::vec((word(), word()), 0..40),
                needle in word(),
            ) {
                let devices: Vec<Device> = names
                    .iter()
                    .enumerate()
                    .map(|(i, (name, value))| device(&format!("id{i}"), name, None, Platform::Ios, &[("k", value.as_str())]))
                    .collect();
                let index = FleetIndex::build(devices.clone());
                let wanted = needle.trim().to_lowercase();
                let mut expected: Vec<String> = devices
                    .iter()
                    .filter(|d| {
                        [d.name.as_str(), d.id.as_str(), d.hardware_id.as_str()]
                            .into_iter()
                            .chain(d.metadata.values().map(String::as_str))
                            .any(|field| field.to_lowercase().contains(&wanted))
                    })
                    .map(|d| d.id.clone())
                    .collect();
                let query = FleetQuery { text: needle.clone(), ..FleetQuery::all() };
                let mut found: Vec<String> = index
                    .find(&query)
                    .into_iter()
                    .filter_map(|row| index.device(row).map(|d| d.id.clone()))
                    .collect();
                expected.sort();
                found.sort();
                prop_assert_eq!(found, expected);
            }
        }
    }
}
