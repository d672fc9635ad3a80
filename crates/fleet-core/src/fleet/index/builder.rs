//! Building an index: page by page while a sync's pages arrive, then ordered once the last is in.

use std::collections::hash_map::Entry;

use foldhash::HashMap as FastMap;
use kustom_ipp::Device;

use super::FleetIndex;
use crate::fleet::name_order;
use crate::fleet::rows::{DeviceRows, FleetTooLarge};

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
