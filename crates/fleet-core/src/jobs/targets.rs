//! A pasted or uploaded list of devices — ids, names or hardware ids, one a line or the first
//! column of a CSV — matched against the fleet before anything runs: how many matched, which
//! lines did not, which named a device twice, and which name several devices (ambiguous: a
//! name is not unique, so such a line is left out rather than guessed).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use specta::Type;

use crate::fleet::index::FleetIndex;

/// The most lines a list may have.
pub const MAX_LINES: usize = 100_000;
/// The most lines each kind of problem lists by name (all are counted).
const SHOWN: usize = 200;

/// A line whose name several devices share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct AmbiguousLine {
    pub line: String,
    pub devices: u32,
}

/// What a list matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ListMatch {
    /// Lines read (blank ones and a header left out).
    pub lines: u32,
    /// Devices matched, each once.
    pub matched: u32,
    pub unknown_count: u32,
    /// The first of the lines no device matched.
    pub unknown: Vec<String>,
    pub duplicate_count: u32,
    /// The first of the lines naming a device an earlier line named already.
    pub duplicates: Vec<String>,
    pub ambiguous_count: u32,
    pub ambiguous: Vec<AmbiguousLine>,
}

/// What a header cell may say (such a first line is not a device).
const HEADERS: [&str; 6] = [
    "id",
    "device_id",
    "device id",
    "name",
    "hardware_id",
    "hardware id",
];

/// Matches `text` against `index`: the report, and the matched devices' ids in list order.
pub fn match_list(index: &FleetIndex, text: &str) -> (ListMatch, Vec<String>) {
    let mut by_hardware: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut by_name: HashMap<String, Vec<&str>> = HashMap::new();
    let mut ids: HashSet<&str> = HashSet::new();
    index.for_each_live(|_, id, name, hardware_id, _, _| {
        // The index lends its own texts: nothing is copied but the lowercased names.
        ids.insert(id);
        if !hardware_id.is_empty() {
            by_hardware.entry(hardware_id).or_default().push(id);
        }
        by_name.entry(name.to_lowercase()).or_default().push(id);
    });
    let mut report = ListMatch {
        lines: 0,
        matched: 0,
        unknown_count: 0,
        unknown: Vec::new(),
        duplicate_count: 0,
        duplicates: Vec::new(),
        ambiguous_count: 0,
        ambiguous: Vec::new(),
    };
    let mut chosen: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    for (number, record) in reader.into_records().take(MAX_LINES).enumerate() {
        let Ok(record) = record else { continue };
        let Some(cell) = record.get(0).map(str::trim).filter(|c| !c.is_empty()) else {
            continue;
        };
        if number == 0 && HEADERS.contains(&cell.to_lowercase().as_str()) {
            continue;
        }
        report.lines += 1;
        let found: Option<Vec<&str>> = if ids.contains(cell) {
            Some(vec![cell])
        } else if let Some(devices) = by_hardware.get(cell) {
            Some(devices.clone())
        } else {
            by_name.get(&cell.to_lowercase()).cloned()
        };
        match found.as_deref() {
            None | Some([]) => {
                report.unknown_count += 1;
                if report.unknown.len() < SHOWN {
                    report.unknown.push(cell.to_owned());
                }
            }
            Some([one]) => {
                if seen.insert((*one).to_owned()) {
                    chosen.push((*one).to_owned());
                } else {
                    report.duplicate_count += 1;
                    if report.duplicates.len() < SHOWN {
                        report.duplicates.push(cell.to_owned());
                    }
                }
            }
            Some(several) => {
                report.ambiguous_count += 1;
                if report.ambiguous.len() < SHOWN {
                    report.ambiguous.push(AmbiguousLine {
                        line: cell.to_owned(),
                        devices: several.len() as u32,
                    });
                }
            }
        }
    }
    report.matched = chosen.len() as u32;
    (report, chosen)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use kustom_ipp::{Device, Platform};

    use super::*;

    fn device(id: &str, name: &str, hardware: &str) -> Device {
        Device {
            id: id.into(),
            hardware_id: hardware.into(),
            merchant_id: "m".into(),
            location_id: None,
            name: name.into(),
            platform: Platform::Ios,
            metadata: Default::default(),
            created_at: Utc::now(),
            open_cash_register_id: None,
            unique_id: None,
        }
    }

    #[test]
    fn ids_hardware_ids_and_names_match_and_every_problem_is_named() {
        let index = FleetIndex::build(vec![
            device("d1", "Till 1", "HW-1"),
            device("d2", "Till 2", "HW-2"),
            device("d3", "Spare", "HW-3"),
            device("d4", "Spare", "HW-4"),
        ])
        .expect("small");
        let text = "device_id,note\nd1,first\nHW-2\n\ntill 1\nSpare\nnobody\n\"d3\"\n";
        let (report, ids) = match_list(&index, text);
        assert_eq!(ids, ["d1", "d2", "d3"]);
        assert_eq!(report.lines, 6);
        assert_eq!(
            (report.matched, report.unknown, report.duplicates.clone()),
            (3, vec!["nobody".to_owned()], vec!["till 1".to_owned()])
        );
        assert_eq!(
            report.ambiguous,
            [AmbiguousLine {
                line: "Spare".into(),
                devices: 2
            }]
        );
    }
}
