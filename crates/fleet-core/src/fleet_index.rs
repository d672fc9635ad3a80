//! The fleet index: every cached device of a profile in memory, with posting lists so that a
//! filter bar query (metadata AND, location, platform, free text) answers in milliseconds at
//! 100,000 devices.
//!
//! Metadata, location and platform filters intersect sorted posting lists, smallest first; the
//! free text (over name, id, hardware id and metadata values, case-insensitive) is checked only on
//! what survives. Results are in name order unless asked otherwise.
//!
//! Names, ids and hardware ids live in one lowercased buffer, row after row, so that a text-only
//! query is a single SIMD substring search (`memchr::memmem`) over ~7 MB at 100,000 devices
//! rather than 100,000 separate searches; after a hit the search resumes at the next row.
//! Metadata values repeat across a fleet (`region = Väst` on thousands of devices), so each
//! distinct value is searched once and its devices come from its posting list. (A trigram index
//! was tried and measured slower: building it cost 2.1 s and its candidate lists still had to be
//! checked.)

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

// The posting maps are keyed by text from the API (metadata, locations, platforms), hashed once
// per device during a build: foldhash is much cheaper than std's SipHash on short keys (10,000
// devices: index build ~25 → ~22 ms) and still seeded per process, so a server cannot pick keys
// that all collide.
use fixedbitset::FixedBitSet;
use foldhash::HashMap as FastMap;

use kustom_ipp::{Device, DeviceQuery, MetadataFilter};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::device_rows::{DeviceRows, FleetTooLarge, narrow, push_lowercase};
use crate::name_order;

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

/// What the search box's text is looked for as: trimmed, lowercased, without the separators the
/// index puts between fields and rows.
fn search_text(typed: &str) -> String {
    typed.trim().to_lowercase().replace(['\u{0}', '\u{1}'], "")
}

/// Postings: sorted row numbers.
type Postings = Vec<u32>;

/// Every entry of `text` whose bytes contain `needle`, in order. The entries lie one after
/// another, entry `i` from `starts[i]` to `starts[i + 1]` (`starts` ends with the text's end).
/// One SIMD pass over the whole buffer; after a hit the search resumes at the next entry.
fn entries_containing(text: &[u8], starts: &[u32], needle: &[u8]) -> Vec<u32> {
    let finder = memchr::memmem::Finder::new(needle);
    let count = starts.len().saturating_sub(1);
    let mut entries = Vec::new();
    let mut entry = 0;
    while entry < count {
        let from = starts[entry] as usize;
        let Some(found) = finder.find(&text[from..]) else {
            break;
        };
        // The entry holding the hit. Hits only move forward, so walk on from the last entry
        // rather than search (cheaper when most entries match, as for a single letter).
        while starts[entry + 1] as usize <= from + found {
            entry += 1;
        }
        entries.push(entry as u32);
        entry += 1;
    }
    entries
}

#[derive(Debug, Default)]
pub struct FleetIndex {
    /// In name order, kept compactly (see [`DeviceRows`]).
    devices: DeviceRows,
    /// Metadata key → value → the pair's number in `pair_rows`.
    by_pair: FastMap<String, FastMap<String, u32>>,
    /// The rows of each distinct metadata (key, value) pair.
    pair_rows: Vec<Postings>,
    /// Each pair's value lowercased, in pair order, each ended by U+0000, with `pair_starts` as
    /// in `DeviceRows::search_text`. The free text is looked for in a fleet's few hundred
    /// distinct values once, not in a copy of them in every row's text (2.5 MB at 100,000
    /// devices).
    pair_text: String,
    pair_starts: Vec<u32>,
    by_location: FastMap<Option<String>, Postings>,
    /// Every distinct location (`None` = unassigned), and for each row the position of its own
    /// in that list: the panel's counts are then one array increment per matching row.
    locations: Vec<Option<String>>,
    row_location: Vec<u32>,
    by_platform: FastMap<String, Postings>,
    /// Every row, in id order (a device is looked up by id with a binary search: no second copy
    /// of 100,000 ids).
    by_id: Vec<u32>,
}

/// An index made while a sync's pages arrive: each page's devices are copied into compact rows
/// as it comes, beside the pages still in flight (copying was two thirds of an index build, and
/// the pages came on a network's schedule with cores to spare), so that once the last page is
/// in, [`FleetIndexBuilder::build`] has only to order the rows and make the posting lists.
#[derive(Default)]
pub struct FleetIndexBuilder {
    rows: DeviceRows,
    /// Each row's name sort key (`name_order`), one after another, and where each ends.
    keys: Vec<u8>,
    key_ends: Vec<usize>,
    /// The page each row came on.
    pages: Vec<i32>,
}

impl FleetIndexBuilder {
    pub fn with_capacity(devices: usize) -> Self {
        Self {
            rows: DeviceRows::with_capacity(devices),
            keys: Vec::with_capacity(devices * 24),
            key_ends: Vec::with_capacity(devices),
            pages: Vec::with_capacity(devices),
        }
    }

    /// Copies in the devices of page `page`, in any order of pages.
    pub fn add_page(&mut self, page: i32, devices: &[Device]) -> Result<(), FleetTooLarge> {
        for device in devices {
            self.rows.push(device)?;
            name_order::append_sort_key(&mut self.keys, &device.name);
            self.key_ends.push(self.keys.len());
            self.pages.push(page);
        }
        Ok(())
    }

    /// The index of the devices on pages 0 to `pages - 1` (rows from a page past the last are
    /// left out), each id once: of a device that came twice (a server's list shifting while it
    /// was read), the copy from the later page, or the later on one page.
    pub fn build(self, pages: i32) -> Result<FleetIndex, FleetTooLarge> {
        let Self {
            mut rows,
            keys,
            key_ends,
            pages: row_pages,
        } = self;
        let mut chosen: Vec<u32> = (0..rows.len() as u32)
            .filter(|row| row_pages[*row as usize] < pages)
            .collect();
        let arrival = |row: u32| (row_pages[row as usize], row);
        let mut last: FastMap<&str, u32> = FastMap::default();
        last.reserve(chosen.len());
        let mut repeated = false;
        for &row in &chosen {
            match last.entry(rows.id(row)) {
                Entry::Vacant(vacant) => {
                    vacant.insert(row);
                }
                Entry::Occupied(mut seen) => {
                    repeated = true;
                    if arrival(row) > arrival(*seen.get()) {
                        seen.insert(row);
                    }
                }
            }
        }
        if repeated {
            chosen.retain(|row| last.get(rows.id(*row)) == Some(row));
        }
        drop(last);
        let key = |row: u32| {
            let row = row as usize;
            let start = if row == 0 { 0 } else { key_ends[row - 1] };
            &keys[start..key_ends[row]]
        };
        // The rows in name order; equal keys by name, then by id, so the order is total.
        chosen.sort_unstable_by(|&a, &b| {
            key(a)
                .cmp(key(b))
                .then_with(|| rows.name(a).cmp(rows.name(b)))
                .then_with(|| rows.id(a).cmp(rows.id(b)))
        });
        drop((keys, key_ends, row_pages));
        rows.reorder(&chosen);
        drop(chosen);
        FleetIndex::over_rows(rows)
    }
}

impl FleetIndex {
    /// The index of `devices`, all at once (a sync builds it page by page instead, with
    /// [`FleetIndexBuilder`]).
    pub fn build(devices: Vec<Device>) -> Result<Self, FleetTooLarge> {
        let mut builder = FleetIndexBuilder::with_capacity(devices.len());
        builder.add_page(0, &devices)?;
        builder.build(1)
    }

    /// The posting lists and lookups over `rows`, which are in name order.
    fn over_rows(rows: DeviceRows) -> Result<Self, FleetTooLarge> {
        let count = rows.len();
        let mut index = Self {
            devices: rows,
            row_location: Vec::with_capacity(count),
            ..Self::default()
        };
        // Posting lists from the rows' numbered texts: a key, value, location or platform is
        // hashed and copied once per fleet, not once per device.
        let mut pairs: FastMap<(u32, u32), u32> = FastMap::default();
        // The position in `locations` of each location number, and of the unassigned bucket.
        let mut location_slots = vec![u32::MAX; index.devices.location_count()];
        let mut unassigned_slot = u32::MAX;
        let mut location_rows: Vec<Postings> = Vec::new();
        let mut platform_rows: Vec<Postings> = vec![Vec::new(); index.devices.platform_count()];
        for row in 0..count as u32 {
            for at in 0..index.devices.metadata_numbers(row).len() {
                let (key, value) = index.devices.metadata_numbers(row)[at];
                let pair = match pairs.entry((key, value)) {
                    Entry::Occupied(pair) => *pair.get(),
                    Entry::Vacant(vacant) => {
                        let key = index.devices.numbered_text(key).to_owned();
                        let value = index.devices.numbered_text(value).to_owned();
                        *vacant.insert(index.add_pair(key, value)?)
                    }
                };
                index.pair_rows[pair as usize].push(row);
            }
            let location = index.devices.location_number(row);
            let slot = match location {
                Some(number) => &mut location_slots[number as usize],
                None => &mut unassigned_slot,
            };
            if *slot == u32::MAX {
                *slot = index.locations.len() as u32;
                index.locations.push(
                    location.map(|number| index.devices.numbered_location(number).to_owned()),
                );
                location_rows.push(Vec::new());
            }
            location_rows[*slot as usize].push(row);
            index.row_location.push(*slot);
            platform_rows[index.devices.platform_number(row) as usize].push(row);
        }
        index.pair_starts.push(narrow(index.pair_text.len())?);
        index.by_location = index.locations.iter().cloned().zip(location_rows).collect();
        // Platforms by name: two platform values with one name share a list, as they match the
        // same filter (a merged list is sorted again).
        for (number, rows) in platform_rows.into_iter().enumerate() {
            // A platform only rows left out of the build had (see `FleetIndexBuilder::build`).
            if rows.is_empty() {
                continue;
            }
            let name = index.devices.numbered_platform(number as u32).as_str();
            match index.by_platform.entry(name.to_owned()) {
                Entry::Vacant(vacant) => {
                    vacant.insert(rows);
                }
                Entry::Occupied(mut merged) => {
                    merged.get_mut().extend(rows);
                    merged.get_mut().sort_unstable();
                }
            }
        }
        // Posting lists grew by doubling: up to half of each was room never used.
        for postings in index
            .pair_rows
            .iter_mut()
            .chain(index.by_location.values_mut())
            .chain(index.by_platform.values_mut())
        {
            postings.shrink_to_fit();
        }
        index.devices.shrink_to_fit();
        // Each id is looked up once, not at every comparison.
        let mut by_id: Vec<(&str, u32)> = (0..count as u32)
            .map(|row| (index.devices.id(row), row))
            .collect();
        by_id.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let by_id = by_id.into_iter().map(|(_, row)| row).collect();
        index.by_id = by_id;
        Ok(index)
    }

    /// Numbers the new metadata pair (`key`, `value`), with no rows yet.
    fn add_pair(&mut self, key: String, value: String) -> Result<u32, FleetTooLarge> {
        let pair = narrow(self.pair_rows.len())?;
        self.pair_rows.push(Vec::new());
        self.pair_starts.push(narrow(self.pair_text.len())?);
        push_lowercase(&mut self.pair_text, &value);
        self.pair_text.push('\u{0}');
        self.by_pair.entry(key).or_default().insert(value, pair);
        Ok(pair)
    }

    /// The rows having a metadata value that contains `needle`, or `None` when no value does.
    fn rows_with_value_containing(&self, needle: &[u8]) -> Option<FixedBitSet> {
        let pairs = entries_containing(self.pair_text.as_bytes(), &self.pair_starts, needle);
        if pairs.is_empty() {
            return None;
        }
        let mut rows = FixedBitSet::with_capacity(self.devices.len());
        for pair in pairs {
            rows.extend(
                self.pair_rows[pair as usize]
                    .iter()
                    .map(|row| *row as usize),
            );
        }
        Some(rows)
    }

    pub fn len(&self) -> usize {
        self.devices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    /// Every device, in name order (each made again from the compact rows).
    pub fn devices(&self) -> impl Iterator<Item = Device> + '_ {
        (0..self.devices.len() as u32).filter_map(|row| self.devices.device(row))
    }

    pub fn device(&self, row: u32) -> Option<Device> {
        self.devices.device(row)
    }

    /// The row of the device with this id.
    pub fn row_of(&self, id: &str) -> Option<u32> {
        let at = self
            .by_id
            .binary_search_by(|row| self.devices.id(*row).cmp(id))
            .ok()?;
        Some(self.by_id[at])
    }

    pub fn get(&self, id: &str) -> Option<Device> {
        self.row_of(id).and_then(|row| self.device(row))
    }

    /// Rows matching `query`, in name order.
    pub fn find(&self, query: &FleetQuery) -> Vec<u32> {
        let mut lists: Vec<&Postings> = Vec::new();
        let empty = Postings::new();
        for (key, value) in &query.metadata {
            let pair = self.by_pair.get(key).and_then(|values| values.get(value));
            lists.push(pair.map_or(&empty, |pair| &self.pair_rows[*pair as usize]));
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
        let needle = search_text(&query.text);
        let needle = needle.as_bytes();
        let by_value = match needle.is_empty() {
            true => None,
            false => self.rows_with_value_containing(needle),
        };
        let Some((first, rest)) = lists.split_first() else {
            if needle.is_empty() {
                return (0..self.devices.len() as u32).collect();
            }
            let (text, starts) = self.devices.search_text();
            let in_text = entries_containing(text.as_bytes(), starts, needle);
            let Some(mut rows) = by_value else {
                return in_text;
            };
            rows.extend(in_text.into_iter().map(|row| row as usize));
            return rows.ones().map(|row| row as u32).collect();
        };
        let mut rows: Vec<u32> = first
            .iter()
            .copied()
            .filter(|row| rest.iter().all(|list| list.binary_search(row).is_ok()))
            .collect();
        if !needle.is_empty() {
            let finder = memchr::memmem::Finder::new(needle);
            rows.retain(|row| {
                by_value
                    .as_ref()
                    .is_some_and(|set| set.contains(*row as usize))
                    || finder.find(self.devices.row_search_text(*row)).is_some()
            });
        }
        rows
    }

    /// Reorders rows by a column (rows come in name order already; every sort is stable, so
    /// equal keys stay in name order).
    pub fn sort(&self, rows: &mut [u32], sort: Sort, location_names: &HashMap<String, String>) {
        let devices = &self.devices;
        match sort.column {
            SortColumn::Name => {}
            SortColumn::Location => {
                // One key per distinct location (a few hundred), not one per row.
                // Unassigned devices last: no key of a name starts with the byte 0xFF.
                let keys: Vec<Vec<u8>> = self
                    .locations
                    .iter()
                    .map(|location| {
                        location
                            .as_ref()
                            .and_then(|id| location_names.get(id))
                            .map(|name| name_order::sort_key(name))
                            .unwrap_or_else(|| vec![u8::MAX])
                    })
                    .collect();
                let key = |row: &u32| &keys[self.row_location[*row as usize] as usize];
                rows.sort_by(|a, b| key(a).cmp(key(b)));
            }
            SortColumn::Platform => rows.sort_by(|a, b| {
                devices
                    .platform(*a)
                    .as_str()
                    .cmp(devices.platform(*b).as_str())
            }),
            SortColumn::CreatedAt => rows.sort_by_key(|row| devices.created_at(*row)),
            SortColumn::HardwareId => {
                rows.sort_by(|a, b| devices.hardware_id(*a).cmp(devices.hardware_id(*b)))
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
        let mut counts = vec![0u32; self.locations.len()];
        for row in self.find(&anywhere) {
            counts[self.row_location[row as usize] as usize] += 1;
        }
        self.locations
            .iter()
            .zip(counts)
            .filter(|(_, count)| *count > 0)
            .map(|(location, count)| (location.clone(), count))
            .collect()
    }

    /// Metadata keys with their values and how often each occurs (for suggestions).
    pub fn metadata_values(&self) -> BTreeMap<String, BTreeMap<String, u32>> {
        self.by_pair
            .iter()
            .map(|(key, values)| {
                let counts = values
                    .iter()
                    .map(|(value, pair)| {
                        let rows = self.pair_rows[*pair as usize].len() as u32;
                        (value.clone(), rows)
                    })
                    .collect();
                (key.clone(), counts)
            })
            .collect()
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
        .expect("a small fleet")
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
    fn two_platform_values_with_one_name_are_one_filter_in_row_order() {
        let index = FleetIndex::build(vec![
            device("c", "Till 3", None, Platform::Ios, &[]),
            device("a", "Till 1", None, Platform::Unknown("IOS".into()), &[]),
            device("b", "Till 2", None, Platform::Ios, &[]),
        ])
        .expect("a small fleet");
        let rows = index.find(&FleetQuery {
            platform: Some("IOS".to_owned()),
            ..FleetQuery::all()
        });
        assert_eq!(names(&index, &rows), ["Till 1", "Till 2", "Till 3"]);
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

        /// Short words from a small alphabet (with Nordic letters, a space and the index's own
        /// separators), so that needles often hit, often miss, and sometimes span two fields.
        fn word() -> impl Strategy<Value = String> {
            proptest::string::string_regex("[abÅåøØΣς1 \\x00\\x01-]{0,7}").expect("a valid pattern")
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]
            /// Whatever the fleet, the text and whether a platform filter narrows the rows first
            /// (the per-row check) or not (the one pass over the whole buffer), the index finds
            /// exactly the devices a plain case-insensitive substring scan over name, id, hardware
            /// id and metadata values finds.
            #[test]
            fn the_text_search_agrees_with_a_scan(
                rows in proptest::collection::vec((word(), word(), word(), any::<bool>()), 0..40),
                needle in word(),
                only_ios in any::<bool>(),
            ) {
                let devices: Vec<Device> = rows
                    .iter()
                    .enumerate()
                    .map(|(i, (name, value, other, ios))| {
                        let platform = if *ios { Platform::Ios } else { Platform::Android };
                        let location = [None, Some("a"), Some("b")][i % 3];
                        // Two keys, whose values often repeat across devices and across keys.
                        let metadata = [("k", value.as_str()), ("j", other.as_str())];
                        Device {
                            // Some devices have a cash register open: kept beside the rows.
                            open_cash_register_id: (i % 4 == 1).then_some(i as i64),
                            ..device(&format!("id{i}"), name, location, platform, &metadata)
                        }
                    })
                    .collect();
                let index = FleetIndex::build(devices.clone()).expect("a small fleet");
                // Every device is found by its id, as it was given; an unknown id finds nothing.
                for device in &devices {
                    prop_assert_eq!(index.get(&device.id), Some(device.clone()));
                }
                prop_assert_eq!(index.get("not a device"), None);
                // Rows are in name order (numbers by value, case aside), ties broken by id.
                let order: Vec<(String, String)> = index.devices().map(|d| (d.name, d.id)).collect();
                prop_assert!(
                    order.windows(2).all(|pair| {
                        crate::name_order::compare(&pair[0].0, &pair[1].0)
                            .then_with(|| pair[0].1.cmp(&pair[1].1))
                            .is_le()
                    }),
                    "{:?}",
                    order
                );
                let wanted = needle.trim().to_lowercase().replace(['\u{0}', '\u{1}'], "");
                let matching: Vec<&Device> = devices
                    .iter()
                    .filter(|d| !only_ios || d.platform == Platform::Ios)
                    .filter(|d| {
                        [d.name.as_str(), d.id.as_str(), d.hardware_id.as_str()]
                            .into_iter()
                            .chain(d.metadata.values().map(String::as_str))
                            .any(|field| {
                                field
                                    .to_lowercase()
                                    .replace(['\u{0}', '\u{1}'], "")
                                    .contains(&wanted)
                            })
                    })
                    .collect();
                let mut expected: Vec<String> = matching.iter().map(|d| d.id.clone()).collect();
                let mut expected_counts: BTreeMap<Option<String>, u32> = BTreeMap::new();
                for device in &matching {
                    *expected_counts.entry(device.location_id.clone()).or_default() += 1;
                }
                let query = FleetQuery {
                    text: needle.clone(),
                    platform: only_ios.then(|| "IOS".to_owned()),
                    ..FleetQuery::all()
                };
                let rows = index.find(&query);
                prop_assert!(rows.windows(2).all(|pair| pair[0] < pair[1]), "not in row order: {:?}", rows);
                let mut found: Vec<String> = rows
                    .into_iter()
                    .filter_map(|row| index.device(row).map(|d| d.id.clone()))
                    .collect();
                expected.sort();
                found.sort();
                prop_assert_eq!(found, expected);
                // The panel's counts, for the same question at any location.
                prop_assert_eq!(index.location_counts_for(&query), expected_counts);
            }
        }
    }
}
