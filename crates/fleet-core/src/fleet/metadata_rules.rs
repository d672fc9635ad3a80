//! Rules for metadata a user types (enrollments, device edits), checked before anything is sent.
//!
//! Kustom documents no limits for writing metadata [GAP]; these are Fleetdesk's, chosen to keep
//! metadata usable in the API's `key:value` filters: keys are non-empty, unique, at most 64
//! characters and free of `:`; values at most 256 characters; at most 50 entries.

use std::collections::BTreeMap;

use kustom_ipp::Metadata;
use serde::Deserialize;
use specta::Type;

use crate::AppError;

pub const MAX_ENTRIES: usize = 50;
pub const MAX_KEY_LEN: usize = 64;
pub const MAX_VALUE_LEN: usize = 256;

/// One row of a metadata editor, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
pub struct MetadataRow {
    pub key: String,
    pub value: String,
}

/// Checks editor rows and returns the metadata, or field errors keyed `metadata.<row index>`.
/// Rows with both key and value empty are ignored (the editor's blank last row).
pub fn validate_rows(rows: &[MetadataRow]) -> Result<Metadata, AppError> {
    let mut fields = BTreeMap::new();
    let mut metadata = Metadata::new();
    for (index, row) in rows.iter().enumerate() {
        let key = row.key.trim();
        let value = row.value.trim();
        if key.is_empty() && value.is_empty() {
            continue;
        }
        let field = format!("metadata.{index}");
        let problem = if key.is_empty() {
            Some("Give this value a key.".to_owned())
        } else if key.contains(':') {
            Some("Keys cannot contain “:” (it separates filters).".to_owned())
        } else if key.chars().count() > MAX_KEY_LEN {
            Some(format!("Keys are at most {MAX_KEY_LEN} characters."))
        } else if value.chars().count() > MAX_VALUE_LEN {
            Some(format!("Values are at most {MAX_VALUE_LEN} characters."))
        } else if metadata.contains_key(key) {
            Some(format!("“{key}” is used twice."))
        } else {
            None
        };
        match problem {
            Some(problem) => {
                fields.insert(field, problem);
            }
            None => {
                metadata.insert(key.to_owned(), value.to_owned());
            }
        }
    }
    if metadata.len() > MAX_ENTRIES {
        fields.insert(
            "metadata".to_owned(),
            format!("At most {MAX_ENTRIES} entries."),
        );
    }
    if fields.is_empty() {
        Ok(metadata)
    } else {
        let message = format!(
            "Check the metadata: {}",
            fields.values().cloned().collect::<Vec<_>>().join(" ")
        );
        Err(AppError::Validation { message, fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, value: &str) -> MetadataRow {
        MetadataRow {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn accepts_trimmed_rows_and_skips_blank_ones() {
        let metadata = validate_rows(&[row(" store_id ", " 123 "), row("", ""), row("region", "")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(metadata.get("store_id").map(String::as_str), Some("123"));
        assert_eq!(metadata.get("region").map(String::as_str), Some(""));
        assert_eq!(metadata.len(), 2);
    }

    #[test]
    fn reports_each_bad_row_by_index() {
        let long_key = "k".repeat(65);
        let long_value = "v".repeat(257);
        let Err(AppError::Validation { fields, .. }) = validate_rows(&[
            row("", "orphan value"),
            row("a:b", "x"),
            row(&long_key, "x"),
            row("ok", &long_value),
            row("dup", "1"),
            row("dup", "2"),
        ]) else {
            panic!("expected validation errors");
        };
        assert_eq!(
            fields.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "metadata.0",
                "metadata.1",
                "metadata.2",
                "metadata.3",
                "metadata.5"
            ]
        );
        assert!(fields["metadata.5"].contains("twice"));
    }
}
