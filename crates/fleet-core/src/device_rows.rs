//! The devices of a fleet index, kept compactly.
//!
//! A `Device` costs ~1.4 KB in memory (eight heap strings and a B-tree map of metadata strings);
//! at 100,000 devices that is ~140 MB for what the table shows fifty at a time. Here every row's
//! strings sit in one buffer one after another, metadata keys and values are stored once each
//! (fleets repeat `region = Väst` on thousands of devices) and a row refers to them by number,
//! and the merchant id and platform are stored once per fleet. A `Device` is made again only for
//! the rows asked for.

use kustom_ipp::{Device, Metadata, Platform, Timestamp};

/// Where a row's `unique_id` (a deprecated duplicate of the hardware id) is.
#[derive(Debug, Clone, Copy)]
enum UniqueId {
    Absent,
    /// The same text as the hardware id (what Kustom sends).
    SameAsHardwareId,
    /// Its own text of this many bytes, after the hardware id.
    Own(usize),
}

/// One device: offsets into [`DeviceRows`]'s shared buffers.
#[derive(Debug, Clone)]
struct Row {
    /// Where the row's text starts in `strings`: the id, the name, the hardware id, the location
    /// id (when present) and an own unique id, one after another.
    strings: usize,
    id_len: usize,
    name_len: usize,
    hardware_id_len: usize,
    location_id_len: Option<usize>,
    unique_id: UniqueId,
    /// The row's metadata: `pair_count` (key, value) symbol pairs from `pairs[pairs_start..]`.
    pairs_start: usize,
    pair_count: usize,
    merchant: u32,
    platform: u32,
    created_at: Timestamp,
    open_cash_register_id: Option<i64>,
}

/// Strings stored once, referred to by number.
#[derive(Debug, Default)]
struct Symbols {
    texts: Vec<Box<str>>,
    /// foldhash, as for the index's posting maps (see `fleet_index`).
    numbers: foldhash::HashMap<Box<str>, u32>,
}

impl Symbols {
    fn number(&mut self, text: &str) -> u32 {
        if let Some(number) = self.numbers.get(text) {
            return *number;
        }
        let number = self.texts.len() as u32;
        self.texts.push(text.into());
        self.numbers.insert(text.into(), number);
        number
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
    pairs: Vec<(u32, u32)>,
    symbols: Symbols,
    merchants: Symbols,
    platforms: Vec<Platform>,
}

impl DeviceRows {
    pub fn with_capacity(devices: usize) -> Self {
        Self {
            rows: Vec::with_capacity(devices),
            // The id (a UUID), a name, a hardware id and a location id are ~110 bytes.
            strings: String::with_capacity(devices * 112),
            pairs: Vec::with_capacity(devices * 3),
            ..Self::default()
        }
    }

    /// Stores a copy of `device` as the next row.
    pub fn push(&mut self, device: &Device) {
        let strings = self.strings.len();
        for text in [&device.id, &device.name, &device.hardware_id] {
            self.strings.push_str(text);
        }
        if let Some(location) = &device.location_id {
            self.strings.push_str(location);
        }
        let unique_id = match &device.unique_id {
            None => UniqueId::Absent,
            Some(unique) if *unique == device.hardware_id => UniqueId::SameAsHardwareId,
            Some(unique) => {
                self.strings.push_str(unique);
                UniqueId::Own(unique.len())
            }
        };
        let pairs_start = self.pairs.len();
        for (key, value) in &device.metadata {
            let pair = (self.symbols.number(key), self.symbols.number(value));
            self.pairs.push(pair);
        }
        let platform = match self.platforms.iter().position(|p| *p == device.platform) {
            Some(slot) => slot as u32,
            None => {
                self.platforms.push(device.platform.clone());
                (self.platforms.len() - 1) as u32
            }
        };
        self.rows.push(Row {
            strings,
            id_len: device.id.len(),
            name_len: device.name.len(),
            hardware_id_len: device.hardware_id.len(),
            location_id_len: device.location_id.as_ref().map(String::len),
            unique_id,
            pairs_start,
            pair_count: self.pairs.len() - pairs_start,
            merchant: self.merchants.number(&device.merchant_id),
            platform,
            created_at: device.created_at,
            open_cash_register_id: device.open_cash_register_id,
        });
    }

    /// Gives back memory reserved for rows that never came.
    pub fn shrink_to_fit(&mut self) {
        self.rows.shrink_to_fit();
        self.strings.shrink_to_fit();
        self.pairs.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row's strings in the order they were stored: id, name, hardware id, location id.
    fn fields(&self, row: &Row) -> [&str; 4] {
        let mut at = row.strings;
        let mut next = |len: usize| {
            let text = &self.strings[at..at + len];
            at += len;
            text
        };
        [
            next(row.id_len),
            next(row.name_len),
            next(row.hardware_id_len),
            next(row.location_id_len.unwrap_or(0)),
        ]
    }

    fn row(&self, row: u32) -> &Row {
        &self.rows[row as usize]
    }

    pub fn id(&self, row: u32) -> &str {
        self.fields(self.row(row))[0]
    }

    pub fn hardware_id(&self, row: u32) -> &str {
        self.fields(self.row(row))[2]
    }

    pub fn platform(&self, row: u32) -> &Platform {
        &self.platforms[self.row(row).platform as usize]
    }

    pub fn created_at(&self, row: u32) -> Timestamp {
        self.row(row).created_at
    }

    /// The row's metadata, as (key, value) pairs in key order.
    pub fn metadata(&self, row: u32) -> impl Iterator<Item = (&str, &str)> {
        let stored = self.row(row);
        self.pairs[stored.pairs_start..stored.pairs_start + stored.pair_count]
            .iter()
            .map(|(key, value)| (self.symbols.text(*key), self.symbols.text(*value)))
    }

    /// The device stored at `row`, made again.
    pub fn device(&self, row: u32) -> Option<Device> {
        let stored = self.rows.get(row as usize)?;
        let [id, name, hardware_id, location_id] = self.fields(stored);
        let unique_id = match stored.unique_id {
            UniqueId::Absent => None,
            UniqueId::SameAsHardwareId => Some(hardware_id.to_owned()),
            UniqueId::Own(len) => {
                let start = stored.strings
                    + stored.id_len
                    + stored.name_len
                    + stored.hardware_id_len
                    + stored.location_id_len.unwrap_or(0);
                Some(self.strings[start..start + len].to_owned())
            }
        };
        Some(Device {
            id: id.to_owned(),
            hardware_id: hardware_id.to_owned(),
            merchant_id: self.merchants.text(stored.merchant).to_owned(),
            location_id: stored.location_id_len.map(|_| location_id.to_owned()),
            name: name.to_owned(),
            platform: self.platforms[stored.platform as usize].clone(),
            metadata: self
                .metadata(row)
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect::<Metadata>(),
            created_at: stored.created_at,
            open_cash_register_id: stored.open_cash_register_id,
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Whatever is stored comes back exactly as it went in, each row its own.
        #[test]
        fn every_device_comes_back_as_it_was_stored(devices in proptest::collection::vec(device(), 0..30)) {
            let mut rows = DeviceRows::with_capacity(devices.len());
            for device in &devices {
                rows.push(device);
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
    }
}
