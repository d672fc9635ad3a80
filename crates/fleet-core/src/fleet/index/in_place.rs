//! Edits between syncs, made in place: the old row taken out of every posting list and marked
//! dead, the new one appended after the rows in name order (and merged into name order when a
//! query answers). Once edits pile up, the owner builds the index again from its live rows.

use kustom_ipp::Device;

use super::{FleetIndex, Postings};
use crate::fleet::rows::{FleetTooLarge, narrow};

impl FleetIndex {
    /// How many edits were made since the build.
    pub fn edits(&self) -> u64 {
        self.edits
    }

    /// Puts `device` in the fleet as it now is: its previous row (if any) out, a new one in — or,
    /// when only its location changed (a move, what bulk jobs do most), its row moved in place:
    /// a job moving a whole fleet then neither grows the index nor has it built again.
    pub fn upsert(&mut self, device: &Device) -> Result<(), FleetTooLarge> {
        self.edits += 1;
        if let Some(old) = self.row_of(&device.id)
            && self.only_location_differs(old, device)
        {
            return self.move_row(old, device.location_id.as_deref());
        }
        let row = narrow(self.devices.len())?;
        self.devices.push(device)?;
        if let Some(old) = self.row_of(&device.id) {
            self.take_out(old);
        }
        // The end of the pair texts is re-added after any new pair.
        self.pair_starts.pop();
        let added = self.add_row_postings(row);
        self.pair_starts.push(narrow(self.pair_text.len())?);
        added?;
        let at = self
            .by_id
            .partition_point(|other| self.devices.id(*other) < device.id.as_str());
        self.by_id.insert(at, row);
        self.dead.grow(self.devices.len());
        Ok(())
    }

    fn only_location_differs(&self, row: u32, device: &Device) -> bool {
        self.devices.device(row).is_some_and(|mut stored| {
            stored.location_id.clone_from(&device.location_id);
            stored == *device
        })
    }

    /// Moves a live row from its location's posting list to another's (kept sorted).
    fn move_row(&mut self, row: u32, location: Option<&str>) -> Result<(), FleetTooLarge> {
        let before = self
            .devices
            .location_number(row)
            .map(|number| self.devices.numbered_location(number).to_owned());
        if let Some(list) = self.by_location.get_mut(&before)
            && let Ok(at) = list.binary_search(&row)
        {
            list.remove(at);
        }
        self.devices.set_location(row, location)?;
        let after = location.map(str::to_owned);
        let slot = match self.locations.iter().position(|known| *known == after) {
            Some(slot) => slot,
            None => {
                self.locations.push(after.clone());
                self.locations.len() - 1
            }
        };
        if let Some(at) = self.row_location.get_mut(row as usize) {
            *at = narrow(slot)?;
        }
        let list = self.by_location.entry(after).or_default();
        if let Err(at) = list.binary_search(&row) {
            list.insert(at, row);
        }
        Ok(())
    }

    /// Takes the device with this id out of the fleet; whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        self.edits += 1;
        match self.row_of(id) {
            Some(row) => {
                self.take_out(row);
                true
            }
            None => false,
        }
    }

    /// Whether edits since the build are enough that building again is worth it: every query
    /// merges the rows added since by name, and dead rows keep their text.
    pub fn needs_compaction(&self) -> bool {
        let edited = (self.devices.len() - self.sorted as usize) + self.dead_count;
        edited > 2_048.max(self.len() / 32)
    }

    /// A new index of the live devices, in name order with no dead rows.
    pub fn compacted(&self) -> Result<Self, FleetTooLarge> {
        Self::build(self.devices().collect())
    }

    /// Adds the row's number to the posting lists of its metadata, location and platform (it is
    /// the highest row, so each list stays sorted).
    fn add_row_postings(&mut self, row: u32) -> Result<(), FleetTooLarge> {
        for at in 0..self.devices.metadata_numbers(row).len() {
            let (key, value) = self.devices.metadata_numbers(row)[at];
            let key = self.devices.numbered_text(key).to_owned();
            let value = self.devices.numbered_text(value).to_owned();
            let pair = match self.by_pair.get(&key).and_then(|values| values.get(&value)) {
                Some(pair) => *pair,
                None => self.add_pair(key, value)?,
            };
            self.pair_rows[pair as usize].push(row);
        }
        let location = self
            .devices
            .location_number(row)
            .map(|number| self.devices.numbered_location(number).to_owned());
        let slot = match self.locations.iter().position(|known| *known == location) {
            Some(slot) => slot,
            None => {
                self.locations.push(location.clone());
                self.locations.len() - 1
            }
        };
        self.row_location.push(narrow(slot)?);
        self.by_location.entry(location).or_default().push(row);
        let platform = self.devices.platform(row).as_str().to_owned();
        self.by_platform.entry(platform).or_default().push(row);
        Ok(())
    }

    /// Takes a row out of every posting list and the id lookup, and marks it dead.
    fn take_out(&mut self, row: u32) {
        let unlist = |list: &mut Postings| {
            if let Ok(at) = list.binary_search(&row) {
                list.remove(at);
            }
        };
        for (key, value) in self.devices.metadata(row) {
            if let Some(pair) = self.by_pair.get(key).and_then(|values| values.get(value)) {
                unlist(&mut self.pair_rows[*pair as usize]);
            }
        }
        let location = self
            .devices
            .location_number(row)
            .map(|number| self.devices.numbered_location(number).to_owned());
        if let Some(list) = self.by_location.get_mut(&location) {
            unlist(list);
        }
        if let Some(list) = self
            .by_platform
            .get_mut(self.devices.platform(row).as_str())
        {
            unlist(list);
        }
        let id = self.devices.id(row);
        if let Ok(at) = self
            .by_id
            .binary_search_by(|other| self.devices.id(*other).cmp(id))
        {
            self.by_id.remove(at);
        }
        self.dead.grow(self.devices.len());
        self.dead.insert(row as usize);
        self.dead_count += 1;
    }
}
