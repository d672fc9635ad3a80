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
    /// The list had more than [`MAX_LINES`] lines: the rest was not read.
    pub over_limit: bool,
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

/// The largest list file read (100,000 lines of ids with a few columns beside them).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// A list file's text: UTF-8 (with or without a byte-order mark), or UTF-16 with its mark (what
/// a spreadsheet saves as "Unicode text"); anything else is read as UTF-8 with the bytes that
/// are not replaced, so a stray byte spoils one line, not the list.
pub fn decode_list_file(bytes: &[u8]) -> Result<String, crate::AppError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(crate::AppError::invalid_field(
            "list",
            format!(
                "That file is over {} MB: a list of devices is far smaller.",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    let utf16 = |bytes: &[u8], unit: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|pair| unit([pair[0], pair[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    };
    Ok(match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    })
}

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
        over_limit: false,
    };
    let mut chosen: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    for (number, record) in reader.into_records().enumerate() {
        if number >= MAX_LINES {
            report.over_limit = true;
            break;
        }
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
    use proptest::prelude::*;

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

    #[test]
    fn list_files_are_read_in_the_encodings_spreadsheets_save() {
        let ok = |bytes: &[u8]| decode_list_file(bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok(b"\xEF\xBB\xBFd1\nd2"), "d1\nd2");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Kassa Ö".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(ok(&le), "Kassa Ö");
        assert_eq!(ok(b"d1\xFF\nd2"), "d1\u{FFFD}\nd2");
        assert!(decode_list_file(&vec![b'a'; MAX_FILE_BYTES + 1]).is_err());
    }

    proptest! {
        /// Any bytes: a text and a report that add up, never a panic.
        #[test]
        fn any_file_is_matched_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let index = FleetIndex::build(vec![device("d1", "Till 1", "HW-1")]).expect("small");
            let text = decode_list_file(&bytes).expect("small");
            let (report, ids) = match_list(&index, &text);
            prop_assert!(ids.len() <= 1);
            prop_assert_eq!(report.matched as usize, ids.len());
            prop_assert!(report.matched + report.unknown_count + report.duplicate_count + report.ambiguous_count <= report.lines);
        }
    }
}
