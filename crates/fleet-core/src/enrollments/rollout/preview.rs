//! Reading a rollout before anything is created: a CSV file's rows checked one by one, or "N
//! codes for this store" generated — what the user sees is what the batch will hold.

use kustom_ipp::{Location, Metadata};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::{MAX_FILE_BYTES, MAX_LABEL_CHARS, MAX_ROWS};
use crate::AppError;
use crate::fleet::metadata_rules::{MetadataRow, validate_rows};

/// One row of a rollout as it will be created, or why it cannot be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PreviewRow {
    /// 1-based, as in the file (header excluded).
    pub row_number: u32,
    pub location_id: Option<String>,
    pub location_name: String,
    pub device_label: Option<String>,
    pub metadata: Metadata,
    /// What is wrong with the row; an empty list means it will be created.
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct RolloutPreview {
    pub rows: Vec<PreviewRow>,
    /// The metadata columns found in the file.
    pub metadata_columns: Vec<String>,
    pub valid: u32,
    pub invalid: u32,
}

impl RolloutPreview {
    fn from_rows(rows: Vec<PreviewRow>, metadata_columns: Vec<String>) -> Self {
        let invalid = rows.iter().filter(|r| !r.errors.is_empty()).count() as u32;
        Self {
            valid: rows.len() as u32 - invalid,
            invalid,
            rows,
            metadata_columns,
        }
    }
}

const LOCATION_HEADERS: &[&str] = &[
    "location",
    "location_id",
    "location id",
    "location_name",
    "location name",
    "store",
    "butik",
];
const LABEL_HEADERS: &[&str] = &[
    "device_label",
    "device label",
    "label",
    "device",
    "device name",
    "name",
];

fn find_location<'a>(locations: &'a [Location], given: &str) -> Option<&'a Location> {
    locations.iter().find(|l| l.id == given).or_else(|| {
        locations
            .iter()
            .find(|l| l.name.trim().eq_ignore_ascii_case(given))
    })
}

/// The delimiter of a CSV file: Excel in Sweden writes `;`, elsewhere `,`; tabs are accepted too.
fn sniff_delimiter(header_line: &str) -> u8 {
    let count = |c: char| header_line.matches(c).count();
    [(b';', count(';')), (b'\t', count('\t')), (b',', count(','))]
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map(|(d, _)| d)
        .unwrap_or(b',')
}

/// Reads a rollout CSV: a location column (id or name), an optional device label column, and any
/// number of metadata columns. A UTF-8 BOM, `;` or `,` delimiters and quoted fields are handled.
pub fn parse_csv(text: &str, locations: &[Location]) -> Result<RolloutPreview, AppError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(AppError::invalid_field(
            "file",
            format!(
                "The file is larger than {} MB; a rollout has at most {MAX_ROWS} rows.",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    let text = text.trim_start_matches('\u{feff}');
    let header_line = text.lines().next().unwrap_or_default();
    if header_line.trim().is_empty() {
        return Err(AppError::invalid_field("file", "The file is empty."));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(header_line))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|err| {
            AppError::invalid_field("file", format!("The header row could not be read: {err}"))
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    let lower: Vec<String> = headers.iter().map(|h| h.to_lowercase()).collect();
    let location_column = lower
        .iter()
        .position(|h| LOCATION_HEADERS.contains(&h.as_str()))
        .ok_or_else(|| {
            AppError::invalid_field(
                "file",
                "No location column: name one column “location” (a location id or name).",
            )
        })?;
    let label_column = lower
        .iter()
        .position(|h| LABEL_HEADERS.contains(&h.as_str()));
    let metadata_columns: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != location_column && Some(*i) != label_column)
        .map(|(i, h)| (i, h.trim().to_owned()))
        .collect();
    if let Some((_, blank)) = metadata_columns.iter().find(|(_, h)| h.is_empty()) {
        let _ = blank;
        return Err(AppError::invalid_field(
            "file",
            "A column has no name in the header row.",
        ));
    }

    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row_number = index as u32 + 1;
        if rows.len() == MAX_ROWS {
            return Err(AppError::invalid_field(
                "file",
                format!("A rollout has at most {MAX_ROWS} rows; split the file."),
            ));
        }
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                rows.push(PreviewRow {
                    row_number,
                    location_id: None,
                    location_name: String::new(),
                    device_label: None,
                    metadata: Metadata::new(),
                    errors: vec![format!("This row could not be read: {err}")],
                });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut errors = Vec::new();
        if record.len() != headers.len() {
            errors.push(format!(
                "Has {} fields; the header has {}.",
                record.len(),
                headers.len()
            ));
        }
        let given = record.get(location_column).unwrap_or_default();
        let location = find_location(locations, given);
        if given.is_empty() {
            errors.push("No location given.".to_owned());
        } else if location.is_none() {
            errors.push(format!("Unknown location “{given}”."));
        }
        let device_label = label_column
            .and_then(|i| record.get(i))
            .filter(|l| !l.is_empty())
            .map(str::to_owned);
        if device_label
            .as_deref()
            .is_some_and(|l| l.chars().count() > MAX_LABEL_CHARS)
        {
            errors.push(format!(
                "The device label is longer than {MAX_LABEL_CHARS} characters."
            ));
        }
        let rows_in: Vec<MetadataRow> = metadata_columns
            .iter()
            .filter_map(|(i, key)| {
                record
                    .get(*i)
                    .filter(|v| !v.is_empty())
                    .map(|v| MetadataRow {
                        key: key.clone(),
                        value: v.to_owned(),
                    })
            })
            .collect();
        let metadata = match validate_rows(&rows_in) {
            Ok(metadata) => metadata,
            Err(err) => {
                errors.push(err.to_string());
                Metadata::new()
            }
        };
        rows.push(PreviewRow {
            row_number,
            location_id: location.map(|l| l.id.clone()),
            location_name: location
                .map(|l| l.name.clone())
                .unwrap_or_else(|| given.to_owned()),
            device_label,
            metadata,
            errors,
        });
    }
    if rows.is_empty() {
        return Err(AppError::invalid_field(
            "file",
            "The file has a header but no rows.",
        ));
    }
    Ok(RolloutPreview::from_rows(
        rows,
        metadata_columns.into_iter().map(|(_, h)| h).collect(),
    ))
}

/// "N codes for location X": rows labelled `<prefix> 1` … `<prefix> N`.
pub fn generate(
    location: &Location,
    count: u32,
    label_prefix: &str,
) -> Result<RolloutPreview, AppError> {
    if count == 0 || count as usize > MAX_ROWS {
        return Err(AppError::invalid_field(
            "count",
            format!("Choose between 1 and {MAX_ROWS} codes."),
        ));
    }
    let prefix = label_prefix.trim();
    let rows = (1..=count)
        .map(|n| PreviewRow {
            row_number: n,
            location_id: Some(location.id.clone()),
            location_name: location.name.clone(),
            device_label: (!prefix.is_empty()).then(|| format!("{prefix} {n}")),
            metadata: Metadata::new(),
            errors: Vec::new(),
        })
        .collect();
    Ok(RolloutPreview::from_rows(rows, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locations() -> Vec<Location> {
        vec![
            Location {
                id: "loc-sto".into(),
                name: "Stockholm Drottninggatan".into(),
                city: None,
                address: None,
                created_at: None,
            },
            Location {
                id: "loc-got".into(),
                name: "Göteborg Nordstan".into(),
                city: None,
                address: None,
                created_at: None,
            },
        ]
    }

    #[test]
    fn reads_excel_style_semicolon_files_with_bom_and_quotes() {
        let text = "\u{feff}Location;Device label;region;note\n\
                    Stockholm Drottninggatan;Till 1;Stockholm;\"Entrance; left side\"\n\
                    loc-got;\"Till \"\"2\"\"\";Väst;\n";
        let preview = parse_csv(text, &locations()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((preview.valid, preview.invalid), (2, 0));
        assert_eq!(preview.metadata_columns, ["region", "note"]);
        let first = &preview.rows[0];
        assert_eq!(first.location_id.as_deref(), Some("loc-sto"));
        assert_eq!(
            first.metadata.get("note").map(String::as_str),
            Some("Entrance; left side")
        );
        assert_eq!(preview.rows[1].device_label.as_deref(), Some("Till \"2\""));
        assert_eq!(preview.rows[1].location_name, "Göteborg Nordstan");
        assert!(
            !preview.rows[1].metadata.contains_key("note"),
            "empty cells add no metadata"
        );
    }

    #[test]
    fn comma_files_and_bad_rows_are_reported_per_row() {
        let text = "store,label,store_id\n\
                    göteborg nordstan,Till 1,SE-GOT-002\n\
                    Malmö Triangeln,Till 2,SE-MMX-003\n\
                    ,Till 3,x\n\
                    Stockholm Drottninggatan,Till 4\n";
        let preview = parse_csv(text, &locations()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((preview.valid, preview.invalid), (1, 3));
        assert!(preview.rows[1].errors[0].contains("Unknown location “Malmö Triangeln”"));
        assert!(preview.rows[2].errors[0].contains("No location"));
        assert!(preview.rows[3].errors[0].contains("fields"));
    }

    #[test]
    fn files_without_a_location_column_or_rows_are_refused() {
        assert!(parse_csv("label,region\nTill,Syd\n", &locations()).is_err());
        assert!(parse_csv("location\n", &locations()).is_err());
        assert!(parse_csv("", &locations()).is_err());
    }

    #[test]
    fn generates_labelled_rows_for_one_location() {
        let preview = generate(&locations()[0], 3, "Till").unwrap_or_else(|e| panic!("{e}"));
        let labels: Vec<_> = preview
            .rows
            .iter()
            .filter_map(|r| r.device_label.clone())
            .collect();
        assert_eq!(labels, ["Till 1", "Till 2", "Till 3"]);
        assert!(generate(&locations()[0], 0, "Till").is_err());
    }
}
