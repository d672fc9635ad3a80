//! The devices of a fleet index, kept compactly.
//!
//! A `Device` costs ~1.4 KB in memory (eight heap strings and a B-tree map of metadata strings);
//! at 100,000 devices that is ~140 MB for what the table shows fifty at a time. Here every row's
//! strings sit in one buffer one after another, metadata keys and values are stored once each
//! (fleets repeat `region = Väst` on thousands of devices) and a row refers to them by number,
//! and the merchant id and platform are stored once per fleet. A `Device` is made again only for
//! the rows asked for.

use kustom_ipp::{Device, Metadata, Platform, Timestamp};

/// A fleet whose text, metadata or row count cannot be numbered with 32 bits (over 4 GiB of
/// names and ids): far beyond any real fleet, but a server could send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the fleet is too large to keep in memory (over 4 GiB of device text)")]
pub struct FleetTooLarge;

/// A fleet too large for the in-memory index: said as a storage failure, since the device list
/// cannot be kept (it is not the server's fault that a fleet is large).
impl From<FleetTooLarge> for crate::AppError {
    fn from(_: FleetTooLarge) -> Self {
        Self::Storage {
            message: "This fleet is too large to keep in memory: its device names and ids \
                      are over 4 GiB."
                .to_owned(),
        }
    }
}

/// `n` as a 32-bit offset or length, or [`FleetTooLarge`].
pub fn narrow(n: usize) -> Result<u32, FleetTooLarge> {
    u32::try_from(n).map_err(|_| FleetTooLarge)
}

/// Appends `field` lowercased, without the separators (a device's own text cannot fake a field or
/// row boundary).
pub fn push_lowercase(text: &mut String, field: &str) {
    let separator = |c: char| matches!(c, '\u{0}' | '\u{1}');
    if field.is_ascii() && !field.contains(separator) {
        // Most fields (ids, hardware ids, plain names): lowercased in place, nothing allocated.
        let start = text.len();
        text.push_str(field);
        text[start..].make_ascii_lowercase();
        return;
    }
    // `str::to_lowercase`, as for the needle (it knows a word-final Σ is ς; per-char does not).
    let lower = field.to_lowercase();
    if lower.contains(['\u{0}', '\u{1}']) {
        text.extend(lower.chars().filter(|c| !matches!(c, '\u{0}' | '\u{1}')));
    } else {
        text.push_str(&lower);
    }
}

/// Where a row's `unique_id` (a deprecated duplicate of the hardware id) is.
#[derive(Debug, Clone, Copy)]
enum UniqueId {
    Absent,
    /// The same text as the hardware id (what Kustom sends).
    SameAsHardwareId,
    /// Its own text of this many bytes, after the hardware id.
    Own(u32),
}

/// One device: 32-bit offsets into [`DeviceRows`]'s shared buffers (64 bytes a row, not the 120
/// that `usize` offsets and inline options took: 5.6 MB at 100,000 devices).
#[derive(Debug, Clone)]
struct Row {
    /// Where the row's text starts in `strings`: the id (unless `id_in_search`), the name, the
    /// hardware id and an own unique id, one after another.
    strings: u32,
    id_len: u32,
    /// The id is stored only at the start of the row's search text: it was lowercase already
    /// (Kustom's ids are lowercase UUIDs, 3.6 MB at 100,000 devices).
    id_in_search: bool,
    name_len: u32,
    hardware_id_len: u32,
    unique_id: UniqueId,
    /// The location's number in `locations`: a fleet has a few hundred stores, so each
    /// location id is stored once, not once per device.
    location: Option<u32>,
    /// The row's metadata: `pair_count` (key, value) symbol pairs from `pairs[pairs_start..]`.
    pairs_start: u32,
    pair_count: u32,
    merchant: u32,
    platform: u32,
    created_at: Timestamp,
}

/// Strings stored once, referred to by number.
#[derive(Debug, Default)]
struct Symbols {
    texts: Vec<Box<str>>,
    /// foldhash, as for the index's posting maps (see `fleet_index`).
    numbers: foldhash::HashMap<Box<str>, u32>,
}

impl Symbols {
    fn number(&mut self, text: &str) -> Result<u32, FleetTooLarge> {
        if let Some(number) = self.numbers.get(text) {
            return Ok(*number);
        }
        let number = narrow(self.texts.len())?;
        self.texts.push(text.into());
        self.numbers.insert(text.into(), number);
        Ok(number)
    }

    fn text(&self, number: u32) -> &str {
        &self.texts[number as usize]
    }
}

/// Devices by row number (the order they were pushed in).
#[derive(Debug, Default)]
pub struct DeviceRows {
    rows: Vec<Row>,
    strings: String,
    /// What the search box looks in: each row's id, name and hardware id lowercased, fields
    /// separated by U+0001 and rows by U+0000 (neither can be typed into the search box, and
    /// both are taken out of a needle, so no hit spans two fields or two rows).
    search: String,
    /// Where each row's search text starts in `search`, plus one entry for the end.
    search_starts: Vec<u32>,
    pairs: Vec<(u32, u32)>,
    symbols: Symbols,
    merchants: Symbols,
    locations: Symbols,
    /// Each distinct platform, and its number.
    platforms: Vec<Platform>,
    platform_numbers: foldhash::HashMap<Platform, u32>,
    /// `(row, open_cash_register_id)` for the few rows that have one, in row order (most
    /// devices have none: an inline `Option<i64>` was 16 bytes on every row).
    open_cash_registers: Vec<(u32, i64)>,
}

impl DeviceRows {
    pub fn with_capacity(devices: usize) -> Self {
        Self {
            rows: Vec::with_capacity(devices),
            // A name and a hardware id are ~40 bytes; the search text adds the id (a UUID).
            strings: String::with_capacity(devices * 40),
            search: String::with_capacity(devices * 80),
            search_starts: Vec::with_capacity(devices + 1),
            pairs: Vec::with_capacity(devices * 3),
            ..Self::default()
        }
    }

    /// Stores a copy of `device` as the next row. On [`FleetTooLarge`] no row is stored.
    pub fn push(&mut self, device: &Device) -> Result<(), FleetTooLarge> {
        let row = narrow(self.rows.len())?;
        let strings = self.strings.len();
        let own_unique = device
            .unique_id
            .as_ref()
            .filter(|unique| **unique != device.hardware_id);
        let added = device.id.len()
            + device.name.len()
            + device.hardware_id.len()
            + own_unique.map_or(0, String::len);
        // Every offset and length inside a buffer fits once its end does (`added` counts the id
        // even when it will be kept only in the search text: a bound, not the size). The search
        // text is checked below, once its length is known (lowercasing can grow a text).
        narrow(strings + added)?;
        narrow(self.pairs.len() + device.metadata.len())?;
        let mut pairs = Vec::with_capacity(device.metadata.len());
        for (key, value) in &device.metadata {
            pairs.push((self.symbols.number(key)?, self.symbols.number(value)?));
        }
        let location = match &device.location_id {
            Some(location) => Some(self.locations.number(location)?),
            None => None,
        };
        let merchant = self.merchants.number(&device.merchant_id)?;
        // Numbered in a hash map: a server sending a new platform name on every device must
        // not make each push scan all the platforms before it.
        let platform = match self.platform_numbers.get(&device.platform) {
            Some(number) => *number,
            None => {
                let number = narrow(self.platforms.len())?;
                self.platforms.push(device.platform.clone());
                self.platform_numbers
                    .insert(device.platform.clone(), number);
                number
            }
        };
        // The row's search text: id, name, hardware id.
        let search_start = self.search.len();
        push_lowercase(&mut self.search, &device.id);
        let id_in_search = self.search[search_start..] == *device.id;
        for field in [&device.name, &device.hardware_id] {
            self.search.push('\u{1}');
            push_lowercase(&mut self.search, field);
        }
        self.search.push('\u{0}');
        if let Err(too_large) = narrow(self.search.len()) {
            self.search.truncate(search_start);
            return Err(too_large);
        }
        if self.search_starts.is_empty() {
            self.search_starts.push(0);
        }
        self.search_starts.push(self.search.len() as u32);
        if !id_in_search {
            self.strings.push_str(&device.id);
        }
        for text in [&device.name, &device.hardware_id] {
            self.strings.push_str(text);
        }
        let unique_id = match (&device.unique_id, own_unique) {
            (None, _) => UniqueId::Absent,
            (Some(_), None) => UniqueId::SameAsHardwareId,
            (Some(_), Some(unique)) => {
                self.strings.push_str(unique);
                UniqueId::Own(unique.len() as u32)
            }
        };
        let pairs_start = self.pairs.len() as u32;
        self.pairs.extend(pairs);
        if let Some(register) = device.open_cash_register_id {
            self.open_cash_registers.push((row, register));
        }
        self.rows.push(Row {
            strings: strings as u32,
            id_len: device.id.len() as u32,
            id_in_search,
            name_len: device.name.len() as u32,
            hardware_id_len: device.hardware_id.len() as u32,
            unique_id,
            location,
            pairs_start,
            pair_count: device.metadata.len() as u32,
            merchant,
            platform,
            created_at: device.created_at,
        });
        Ok(())
    }

    /// Gives back memory reserved for rows that never came.
    pub fn shrink_to_fit(&mut self) {
        self.rows.shrink_to_fit();
        self.strings.shrink_to_fit();
        self.search.shrink_to_fit();
        self.search_starts.shrink_to_fit();
        self.pairs.shrink_to_fit();
        self.open_cash_registers.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every row's search text, one after another, and where each starts (plus the end).
    pub fn search_text(&self) -> (&str, &[u32]) {
        (&self.search, &self.search_starts)
    }

    /// A row's search text (without its terminating U+0000).
    pub fn row_search_text(&self, row: u32) -> &[u8] {
        let row = row as usize;
        &self.search.as_bytes()
            [self.search_starts[row] as usize..self.search_starts[row + 1] as usize - 1]
    }

    /// The row's strings: id, name, hardware id, own unique id (empty when it has none).
    fn fields(&self, number: u32, row: &Row) -> [&str; 4] {
        let mut at = row.strings as usize;
        let mut next = |len: u32| {
            let text = &self.strings[at..at + len as usize];
            at += len as usize;
            text
        };
        let id = if row.id_in_search {
            let start = self.search_starts[number as usize] as usize;
            &self.search[start..start + row.id_len as usize]
        } else {
            next(row.id_len)
        };
        let unique = match row.unique_id {
            UniqueId::Own(len) => len,
            UniqueId::Absent | UniqueId::SameAsHardwareId => 0,
        };
        [
            id,
            next(row.name_len),
            next(row.hardware_id_len),
            next(unique),
        ]
    }

    fn row(&self, row: u32) -> &Row {
        &self.rows[row as usize]
    }

    pub fn id(&self, row: u32) -> &str {
        self.fields(row, self.row(row))[0]
    }

    pub fn hardware_id(&self, row: u32) -> &str {
        self.fields(row, self.row(row))[2]
    }

    pub fn name(&self, row: u32) -> &str {
        self.fields(row, self.row(row))[1]
    }

    pub fn platform(&self, row: u32) -> &Platform {
        &self.platforms[self.row(row).platform as usize]
    }

    /// The row's platform as a number: rows with the same platform have the same number, below
    /// [`DeviceRows::platform_count`].
    pub fn platform_number(&self, row: u32) -> u32 {
        self.row(row).platform
    }

    pub fn platform_count(&self) -> usize {
        self.platforms.len()
    }

    /// The platform numbered `number` by [`DeviceRows::platform_number`].
    pub fn numbered_platform(&self, number: u32) -> &Platform {
        &self.platforms[number as usize]
    }

    /// The row's location as a number (`None`: unassigned): rows at the same location have the
    /// same number, below [`DeviceRows::location_count`].
    pub fn location_number(&self, row: u32) -> Option<u32> {
        self.row(row).location
    }

    pub fn location_count(&self) -> usize {
        self.locations.texts.len()
    }

    /// Puts row `row` at another location (a move: nothing else about the device changed).
    pub fn set_location(&mut self, row: u32, location: Option<&str>) -> Result<(), FleetTooLarge> {
        let number = match location {
            Some(location) => Some(self.locations.number(location)?),
            None => None,
        };
        if let Some(stored) = self.rows.get_mut(row as usize) {
            stored.location = number;
        }
        Ok(())
    }

    /// The location id numbered `number` by [`DeviceRows::location_number`].
    pub fn numbered_location(&self, number: u32) -> &str {
        self.locations.text(number)
    }

    pub fn created_at(&self, row: u32) -> Timestamp {
        self.row(row).created_at
    }

    /// The row's metadata, as (key, value) pairs in key order.
    pub fn metadata(&self, row: u32) -> impl Iterator<Item = (&str, &str)> {
        self.metadata_numbers(row)
            .iter()
            .map(|(key, value)| (self.symbols.text(*key), self.symbols.text(*value)))
    }

    /// The row's metadata as numbered (key, value) texts, in key order: equal numbers are equal
    /// texts, so rows can be grouped by pair without hashing the texts again.
    pub fn metadata_numbers(&self, row: u32) -> &[(u32, u32)] {
        let stored = self.row(row);
        let start = stored.pairs_start as usize;
        &self.pairs[start..start + stored.pair_count as usize]
    }

    /// A metadata key or value numbered by [`DeviceRows::metadata_numbers`].
    pub fn numbered_text(&self, number: u32) -> &str {
        self.symbols.text(number)
    }

    /// Puts the rows in a new order: row `new` becomes what row `order[new]` was. `order` names
    /// each row at most once; rows it leaves out are dropped (a sync's rows from a page past the
    /// last, or an earlier copy of a device seen twice).
    ///
    /// The rows' own text stays where it is (rows find it by offset). The search text is laid
    /// out again in the new order, because a text search reads it front to back and answers in
    /// row order. Rows are pushed in the order their devices lie in memory (each device read
    /// once, front to back) and put in name order here, at the cost of one pass over the compact
    /// rows: reading 10,000 devices in name order was mostly waiting for memory.
    pub fn reorder(&mut self, order: &[u32]) {
        debug_assert!(order.len() <= self.rows.len());
        let rows = order
            .iter()
            .map(|old| self.rows[*old as usize].clone())
            .collect();
        let mut search = String::with_capacity(self.search.len());
        let mut search_starts = Vec::with_capacity(order.len() + 1);
        // As `push` lays it out: no entries at all until there is a row.
        if !order.is_empty() {
            search_starts.push(0);
        }
        for old in order {
            let old = *old as usize;
            let (start, end) = (self.search_starts[old], self.search_starts[old + 1]);
            search.push_str(&self.search[start as usize..end as usize]);
            // No longer than before, which fitted in 32 bits.
            search_starts.push(search.len() as u32);
        }
        const DROPPED: u32 = u32::MAX;
        let mut new_of_old = vec![DROPPED; self.rows.len()];
        for (new, old) in order.iter().enumerate() {
            new_of_old[*old as usize] = new as u32;
        }
        self.open_cash_registers.retain_mut(|(row, _)| {
            *row = new_of_old[*row as usize];
            *row != DROPPED
        });
        self.open_cash_registers
            .sort_unstable_by_key(|(row, _)| *row);
        self.rows = rows;
        self.search = search;
        self.search_starts = search_starts;
    }

    /// The rows with a cash register open on them, in row order.
    pub fn rows_with_open_register(&self) -> impl Iterator<Item = u32> + '_ {
        self.open_cash_registers.iter().map(|(row, _)| *row)
    }

    /// The device stored at `row`, made again.
    pub fn device(&self, row: u32) -> Option<Device> {
        let stored = self.rows.get(row as usize)?;
        let [id, name, hardware_id, own_unique] = self.fields(row, stored);
        let unique_id = match stored.unique_id {
            UniqueId::Absent => None,
            UniqueId::SameAsHardwareId => Some(hardware_id.to_owned()),
            UniqueId::Own(_) => Some(own_unique.to_owned()),
        };
        let open_cash_register_id = self
            .open_cash_registers
            .binary_search_by_key(&row, |(at, _)| *at)
            .ok()
            .map(|at| self.open_cash_registers[at].1);
        Some(Device {
            id: id.to_owned(),
            hardware_id: hardware_id.to_owned(),
            merchant_id: self.merchants.text(stored.merchant).to_owned(),
            location_id: stored
                .location
                .map(|location| self.locations.text(location).to_owned()),
            name: name.to_owned(),
            platform: self.platforms[stored.platform as usize].clone(),
            metadata: self
                .metadata(row)
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect::<Metadata>(),
            created_at: stored.created_at,
            open_cash_register_id,
            unique_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    use super::*;

    fn platform() -> impl Strategy<Value = Platform> {
        prop_oneof![
            Just(Platform::Ios),
            Just(Platform::Android),
            Just(Platform::Terminal),
            "[A-Z]{1,6}".prop_map(Platform::Unknown),
        ]
    }

    prop_compose! {
        fn device()(
            id in "\\PC{0,40}",
            name in "\\PC{0,30}",
            hardware_id in "\\PC{0,20}",
            merchant_id in prop_oneof![Just("DM1".to_owned()), "\\PC{0,10}"],
            location_id in proptest::option::of("\\PC{0,36}"),
            platform in platform(),
            metadata in proptest::collection::btree_map("\\PC{0,8}", prop_oneof![Just("Väst".to_owned()), "\\PC{0,12}"], 0..6),
            created_at in 0i64..4_000_000_000,
            open_cash_register_id in proptest::option::of(any::<i64>()),
            unique_id in prop_oneof![Just(None), Just(Some(String::new())), proptest::option::of("\\PC{0,20}")],
            same_unique in any::<bool>(),
        ) -> Device {
            let unique_id = if same_unique { Some(hardware_id.clone()) } else { unique_id };
            Device {
                id, name, hardware_id, merchant_id, location_id, platform, metadata,
                created_at: Utc.timestamp_opt(created_at, 0).single().expect("in range"),
                open_cash_register_id, unique_id,
            }
        }
    }

    #[test]
    fn offsets_past_32_bits_are_refused_not_cut_short() {
        assert_eq!(narrow(u32::MAX as usize), Ok(u32::MAX));
        assert_eq!(narrow(u32::MAX as usize + 1), Err(FleetTooLarge));
        let said = crate::AppError::from(FleetTooLarge);
        assert_eq!(said.code(), "STORAGE");
        assert!(said.to_string().contains("too large"), "{said}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Whatever is stored comes back exactly as it went in, each row its own.
        #[test]
        fn every_device_comes_back_as_it_was_stored(devices in proptest::collection::vec(device(), 0..30)) {
            let mut rows = DeviceRows::with_capacity(devices.len());
            for device in &devices {
                rows.push(device).expect("a small fleet");
            }
            rows.shrink_to_fit();
            prop_assert_eq!(rows.len(), devices.len());
            for (row, device) in devices.iter().enumerate() {
                let row = row as u32;
                prop_assert_eq!(rows.device(row), Some(device.clone()));
                prop_assert_eq!(rows.id(row), device.id.as_str());
                prop_assert_eq!(rows.hardware_id(row), device.hardware_id.as_str());
                prop_assert_eq!(rows.platform(row), &device.platform);
            }
            prop_assert_eq!(rows.device(devices.len() as u32), None);
        }

        /// Rows pushed in one order and then reordered are the rows pushed in the new order:
        /// each row's device, and the search text row by row; rows left out are gone.
        #[test]
        fn reordered_rows_are_the_rows_pushed_in_that_order(
            (devices, order) in proptest::collection::vec(device(), 0..30).prop_flat_map(|devices| {
                let order: Vec<u32> = (0..devices.len() as u32).collect();
                let count = devices.len();
                (Just(devices), Just(order).prop_shuffle(), 0..=count)
                    .prop_map(|(devices, mut order, kept)| {
                        order.truncate(kept);
                        (devices, order)
                    })
            })
        ) {
            let mut reordered = DeviceRows::with_capacity(devices.len());
            for device in &devices {
                reordered.push(device).expect("a small fleet");
            }
            reordered.reorder(&order);
            let mut pushed = DeviceRows::with_capacity(devices.len());
            for old in &order {
                pushed.push(&devices[*old as usize]).expect("a small fleet");
            }
            prop_assert_eq!(reordered.search_text(), pushed.search_text());
            for (new, old) in order.iter().enumerate() {
                let new = new as u32;
                prop_assert_eq!(reordered.device(new), Some(devices[*old as usize].clone()));
                prop_assert_eq!(reordered.name(new), devices[*old as usize].name.as_str());
                prop_assert_eq!(reordered.row_search_text(new), pushed.row_search_text(new));
            }
            prop_assert_eq!(reordered.len(), order.len());
            prop_assert_eq!(reordered.device(order.len() as u32), None);
        }
    }
}
