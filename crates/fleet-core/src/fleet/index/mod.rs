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
//!
//! An edit between syncs changes the index in place ([`FleetIndex::upsert`],
//! [`FleetIndex::remove`]): the old row is taken out of every posting list and marked dead, the
//! new one appended after the rows in name order and merged into name order when a query answers.
//! Once edits pile up (a bulk job), [`FleetIndex::needs_compaction`] says so and the owner builds
//! the index again from its live rows.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

// The posting maps are keyed by text from the API (metadata, locations, platforms), hashed once
// per device during a build: foldhash is much cheaper than std's SipHash on short keys and still
// seeded per process, so a server cannot pick keys that all collide.
use fixedbitset::FixedBitSet;
use foldhash::HashMap as FastMap;

use kustom_ipp::Device;

use super::name_order;
use super::rows::{DeviceRows, FleetTooLarge, narrow, push_lowercase};
use crate::history::last_activity::{Known, LastActivity};

mod builder;
mod changes;
mod in_place;
mod query;

pub use builder::FleetIndexBuilder;
pub use changes::{DeviceRef, SeenChange, between as changes_between};
use query::search_text;
pub use query::{ActivityBucket, FleetQuery, LocationFilter, RegisterFilter, Sort, SortColumn};

/// Indexes built by this process (see [`FleetIndex::built_so_far`]).
static BUILT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Postings: sorted row numbers.
pub(super) type Postings = Vec<u32>;

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
    /// Every live row, in id order (a device is looked up by id with a binary search: no second
    /// copy of 100,000 ids).
    by_id: Vec<u32>,
    /// Rows `0..sorted` are in name order; rows after them were added by edits since the build.
    sorted: u32,
    /// Rows taken out by edits since the build (kept in the buffers until the next build).
    dead: FixedBitSet,
    dead_count: usize,
    /// Edits since the build, counted (an owner rebuilding in the background checks none came).
    edits: u64,
}

impl FleetIndex {
    /// The index of `devices`, all at once (a sync builds it page by page instead, with
    /// [`FleetIndexBuilder`]).
    pub fn build(devices: Vec<Device>) -> Result<Self, FleetTooLarge> {
        let mut builder = FleetIndexBuilder::with_capacity(devices.len());
        builder.add_page(0, &devices)?;
        builder.build(1)
    }

    /// How many indexes this process has built (from a sync, a cache or a compaction); an edit
    /// in place builds none.
    pub fn built_so_far() -> u64 {
        BUILT.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The posting lists and lookups over `rows`, which are in name order.
    fn over_rows(rows: DeviceRows) -> Result<Self, FleetTooLarge> {
        BUILT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
        index.sorted = count as u32;
        index.dead = FixedBitSet::with_capacity(count);
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

    /// How many devices the fleet has.
    pub fn len(&self) -> usize {
        self.devices.len() - self.dead_count
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every device, in name order (each made again from the compact rows).
    pub fn devices(&self) -> impl Iterator<Item = Device> + '_ {
        self.find(&FleetQuery::all())
            .into_iter()
            .filter_map(|row| self.devices.device(row))
    }

    pub fn device(&self, row: u32) -> Option<Device> {
        self.devices.device(row)
    }

    /// The rows still in the index (not taken out by an edit), in row order.
    fn live_rows(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.devices.len() as u32).filter(|row| !self.dead.contains(*row as usize))
    }

    fn location_of(&self, row: u32) -> Option<&str> {
        self.devices
            .location_number(row)
            .map(|number| self.devices.numbered_location(number))
    }

    /// How many rows the index holds, taken-out ones included (row numbers are below this).
    pub fn row_count(&self) -> usize {
        self.devices.len()
    }

    /// Calls `visit` with the row, id, name, hardware id, location and enrolment time of every
    /// device, in row order, without making any device again (a report over 100,000 devices).
    pub fn for_each_live<'a>(
        &'a self,
        mut visit: impl FnMut(
            u32,
            &'a str,
            &'a str,
            &'a str,
            Option<&'a str>,
            chrono::DateTime<chrono::Utc>,
        ),
    ) {
        for row in self.live_rows() {
            visit(
                row,
                self.devices.id(row),
                self.devices.name(row),
                self.devices.hardware_id(row),
                self.location_of(row),
                self.devices.created_at(row),
            );
        }
    }

    /// Each row's last activity (by row number; `None` for a row taken out), to filter or sort a
    /// whole fleet by it.
    pub fn last_activity_by_row(&self, known: &Known) -> Vec<Option<LastActivity>> {
        let mut rows = vec![None; self.row_count()];
        self.for_each_live(|row, id, _, _, _, paired_at| {
            rows[row as usize] = Some(LastActivity::of(id, paired_at, known));
        });
        rows
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
        // Registers are open on a few devices: "open" is a short list like the others, "none
        // open" is what is left once the others have matched.
        let open_registers: Postings = match query.register {
            RegisterFilter::Any => Postings::new(),
            RegisterFilter::Open | RegisterFilter::NoneOpen => {
                self.live(self.devices.rows_with_open_register().collect())
            }
        };
        if query.register == RegisterFilter::Open {
            lists.push(&open_registers);
        }
        let wanted = |row: &u32| {
            query.register != RegisterFilter::NoneOpen || open_registers.binary_search(row).is_err()
        };
        lists.sort_by_key(|l| l.len());
        let needle = search_text(&query.text);
        let needle = needle.as_bytes();
        let by_value = match needle.is_empty() {
            true => None,
            false => self.rows_with_value_containing(needle),
        };
        let Some((first, rest)) = lists.split_first() else {
            let rows = if needle.is_empty() {
                (0..self.devices.len() as u32).collect()
            } else {
                let (text, starts) = self.devices.search_text();
                let in_text = entries_containing(text.as_bytes(), starts, needle);
                match by_value {
                    None => in_text,
                    Some(mut rows) => {
                        rows.extend(in_text.into_iter().map(|row| row as usize));
                        rows.ones().map(|row| row as u32).collect()
                    }
                }
            };
            let mut rows = self.live(rows);
            rows.retain(wanted);
            return self.in_name_order(rows);
        };
        let mut rows: Vec<u32> = first
            .iter()
            .copied()
            .filter(|row| rest.iter().all(|list| list.binary_search(row).is_ok()))
            .filter(wanted)
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
        // Posting lists hold live rows only.
        self.in_name_order(rows)
    }

    /// `rows` without the dead ones.
    fn live(&self, mut rows: Vec<u32>) -> Vec<u32> {
        if self.dead_count > 0 {
            rows.retain(|row| !self.dead.contains(*row as usize));
        }
        rows
    }

    /// Rows in row order put in name order: the rows added by edits since the build (after
    /// `sorted`) are merged in among the others by name.
    fn in_name_order(&self, mut rows: Vec<u32>) -> Vec<u32> {
        let split = rows.partition_point(|row| *row < self.sorted);
        if split == rows.len() {
            return rows;
        }
        let mut added = rows.split_off(split);
        let key = |row: u32| {
            (
                name_order::sort_key(self.devices.name(row)),
                self.devices.name(row),
                self.devices.id(row),
            )
        };
        added.sort_by_cached_key(|row| key(*row));
        let mut merged = Vec::with_capacity(rows.len() + added.len());
        let mut from = 0;
        for row in added {
            let wanted = key(row);
            let at = from + rows[from..].partition_point(|other| key(*other) <= wanted);
            merged.extend_from_slice(&rows[from..at]);
            merged.push(row);
            from = at;
        }
        merged.extend_from_slice(&rows[from..]);
        merged
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
            // Not the index's to know: the caller sorts by it (see `SortColumn::LastActivity`).
            SortColumn::LastActivity => {}
        }
        if sort.descending {
            rows.reverse();
        }
    }

    /// Device counts per location (`None` = unassigned).
    pub fn location_counts(&self) -> BTreeMap<Option<String>, u32> {
        self.by_location
            .iter()
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(k, v)| (k.clone(), v.len() as u32))
            .collect()
    }

    /// How many devices matching `query`, whatever its location, are at each location (the panel's
    /// counts while other filters are set).
    pub fn location_counts_for(&self, query: &FleetQuery) -> BTreeMap<Option<String>, u32> {
        self.location_counts_for_where(query, |_| true)
    }

    /// [`FleetIndex::location_counts_for`] of the rows `keep` keeps (what the index does not
    /// know, such as last activity, narrowing it further).
    pub fn location_counts_for_where(
        &self,
        query: &FleetQuery,
        keep: impl Fn(u32) -> bool,
    ) -> BTreeMap<Option<String>, u32> {
        let anywhere = FleetQuery {
            location: LocationFilter::Any,
            ..query.clone()
        };
        let mut counts = vec![0u32; self.locations.len()];
        for row in self.find(&anywhere).into_iter().filter(|row| keep(*row)) {
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
                let counts: BTreeMap<String, u32> = values
                    .iter()
                    .map(|(value, pair)| {
                        let rows = self.pair_rows[*pair as usize].len() as u32;
                        (value.clone(), rows)
                    })
                    .filter(|(_, rows)| *rows > 0)
                    .collect();
                (key.clone(), counts)
            })
            .filter(|(_, counts)| !counts.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests;
