//! Creating and finding pairing codes: the form's rules, the list filters, and finding one
//! enrollment again (the API has no get-by-id for enrollments [GAP]).

use std::collections::BTreeMap;

use kustom_ipp::{CreateEnrollment, Enrollment, EnrollmentQuery, EnrollmentStatus, MetadataFilter};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::AppError;
use crate::enrollments::issued;
use crate::fleet::metadata_rules::{MetadataRow, validate_rows};

/// The metadata key a device label travels in (the simulator also names the device after it).
pub const DEVICE_LABEL_KEY: &str = "device_label";
const MAX_LABEL_LEN: usize = 60;

/// How long a code stays valid: the presets the create form offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryPreset {
    Minutes15,
    Hours2,
    Hours24,
    Hours72,
}

impl ExpiryPreset {
    /// `expires_in` in milliseconds [DOC §5.5].
    pub fn millis(self) -> i64 {
        const MINUTE: i64 = 60_000;
        match self {
            Self::Minutes15 => 15 * MINUTE,
            Self::Hours2 => 120 * MINUTE,
            Self::Hours24 => 24 * 60 * MINUTE,
            Self::Hours72 => 72 * 60 * MINUTE,
        }
    }
}

/// The create form as typed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
pub struct EnrollmentDraft {
    pub location_id: String,
    pub device_label: Option<String>,
    pub metadata: Vec<MetadataRow>,
    pub expiry: ExpiryPreset,
}

/// Checks the form and builds the API request; the code carries `code_ref`, its own reference
/// (`issued::CODE_REF_KEY`), by which the code and later its device are found again.
pub fn build_request(
    draft: &EnrollmentDraft,
    code_ref: &str,
) -> Result<CreateEnrollment, AppError> {
    let mut fields = BTreeMap::new();
    if draft.location_id.trim().is_empty() {
        fields.insert(
            "location_id".to_owned(),
            "Choose the store the device is for.".to_owned(),
        );
    }
    let label = draft
        .device_label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    if label.is_some_and(|l| l.chars().count() > MAX_LABEL_LEN) {
        fields.insert(
            "device_label".to_owned(),
            format!("Use at most {MAX_LABEL_LEN} characters."),
        );
    }
    let metadata = match validate_rows(&draft.metadata) {
        Ok(metadata) => Some(metadata),
        Err(AppError::Validation { fields: rows, .. }) => {
            fields.extend(rows);
            None
        }
        Err(other) => return Err(other),
    };
    if let (Some(metadata), Some(_)) = (&metadata, label)
        && metadata.contains_key(DEVICE_LABEL_KEY)
    {
        fields.insert(
            "device_label".to_owned(),
            "The metadata already has a device_label; remove one of them.".to_owned(),
        );
    }
    if let Some(index) = metadata_rows_index(&draft.metadata, issued::CODE_REF_KEY) {
        fields.insert(
            format!("metadata.{index}"),
            format!(
                "{} is Fleetdesk's own key (it finds the device that pairs); use another.",
                issued::CODE_REF_KEY
            ),
        );
    }
    if !fields.is_empty() {
        let message = fields.values().cloned().collect::<Vec<_>>().join(" ");
        return Err(AppError::Validation { message, fields });
    }
    let mut metadata = metadata.unwrap_or_default();
    if let Some(label) = label {
        metadata.insert(DEVICE_LABEL_KEY.to_owned(), label.to_owned());
    }
    metadata.insert(issued::CODE_REF_KEY.to_owned(), code_ref.to_owned());
    Ok(CreateEnrollment {
        metadata: Some(metadata),
        expires_in: Some(draft.expiry.millis()),
        location_id: Some(draft.location_id.trim().to_owned()),
        ttl: None,
    })
}

/// The list's filters, as the UI sends them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
pub struct EnrollmentFilters {
    pub location_id: Option<String>,
    pub metadata: Vec<MetadataRow>,
    pub include_consumed: bool,
}

impl EnrollmentFilters {
    /// The API query; the metadata rows follow the API's `key:value` rules (≤ 5, no repeats).
    pub fn to_query(&self) -> Result<EnrollmentQuery, AppError> {
        let pairs: Vec<(String, String)> = self
            .metadata
            .iter()
            .filter(|row| !row.key.trim().is_empty())
            .map(|row| (row.key.trim().to_owned(), row.value.trim().to_owned()))
            .collect();
        let metadata = MetadataFilter::from_pairs(pairs)?;
        Ok(EnrollmentQuery {
            location_id: self.location_id.clone().filter(|id| !id.is_empty()),
            metadata,
            include_consumed: Some(self.include_consumed),
        })
    }
}

/// A query that finds `enrollment` again cheaply, from documented fields only: its own reference
/// when Fleetdesk made it, otherwise up to five of its metadata entries; consumed ones included.
pub fn query_to_find(enrollment: &Enrollment) -> EnrollmentQuery {
    let metadata = match issued::code_ref(&enrollment.metadata) {
        Some((key, value)) => MetadataFilter::from_pairs([(key, value.to_owned())]),
        None => MetadataFilter::from_pairs(
            enrollment
                .metadata
                .iter()
                .filter(|(key, _)| !key.contains(':'))
                .take(MetadataFilter::MAX_ENTRIES)
                .map(|(key, value)| (key.clone(), value.clone())),
        ),
    };
    EnrollmentQuery {
        location_id: None,
        metadata: metadata.unwrap_or_default(),
        include_consumed: Some(true),
    }
}

/// The index of the form's metadata row whose key is `key`, if one is.
fn metadata_rows_index(rows: &[MetadataRow], key: &str) -> Option<usize> {
    rows.iter().position(|row| row.key.trim() == key)
}

/// What a code that is no longer listed became: EXPIRED once its `expires_at` has passed,
/// CANCELLED before (a code leaves the list for no other reason [DOC §5.3]). Without a known
/// expiry it can only have been cancelled… or expired: EXPIRED is the reading that offers a new
/// code, which is right either way.
pub fn gone_status(
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> EnrollmentStatus {
    match expires_at {
        Some(expiry) if expiry > now => EnrollmentStatus::Cancelled,
        _ => EnrollmentStatus::Expired,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> EnrollmentDraft {
        EnrollmentDraft {
            location_id: "loc-1".into(),
            device_label: Some("Till 4".into()),
            metadata: vec![MetadataRow {
                key: "store_id".into(),
                value: "SE-STO-001".into(),
            }],
            expiry: ExpiryPreset::Hours2,
        }
    }

    #[test]
    fn builds_the_request_with_the_label_in_metadata_and_expiry_in_ms() {
        let request = build_request(&draft(), "REF123").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(request.expires_in, Some(7_200_000));
        let metadata = request.metadata.unwrap_or_default();
        assert_eq!(
            metadata.get("device_label").map(String::as_str),
            Some("Till 4")
        );
        assert_eq!(
            metadata.get("store_id").map(String::as_str),
            Some("SE-STO-001")
        );
        assert_eq!(
            metadata.get(issued::CODE_REF_KEY).map(String::as_str),
            Some("REF123")
        );
        assert_eq!(ExpiryPreset::Minutes15.millis(), 900_000);
        assert_eq!(ExpiryPreset::Hours72.millis(), 259_200_000);
    }

    #[test]
    fn reports_location_label_and_metadata_problems_together() {
        let mut bad = draft();
        bad.location_id = " ".into();
        bad.device_label = Some("x".repeat(61));
        bad.metadata.push(MetadataRow {
            key: "store_id".into(),
            value: "again".into(),
        });
        bad.metadata.push(MetadataRow {
            key: issued::CODE_REF_KEY.into(),
            value: "mine".into(),
        });
        let Err(AppError::Validation { fields, .. }) = build_request(&bad, "REF") else {
            panic!("expected validation errors");
        };
        assert!(fields.contains_key("location_id"));
        assert!(fields.contains_key("device_label"));
        assert!(fields.contains_key("metadata.1"));
        assert!(fields.contains_key("metadata.2"), "{fields:?}");
    }

    #[test]
    fn filters_follow_the_api_rules() {
        let too_many = EnrollmentFilters {
            location_id: None,
            metadata: (0..6)
                .map(|i| MetadataRow {
                    key: format!("k{i}"),
                    value: "v".into(),
                })
                .collect(),
            include_consumed: true,
        };
        assert!(matches!(
            too_many.to_query(),
            Err(AppError::Validation { .. })
        ));
        let fine = EnrollmentFilters {
            location_id: Some(String::new()),
            metadata: vec![],
            include_consumed: false,
        };
        let query = fine.to_query().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(query.location_id, None);
        assert_eq!(query.include_consumed, Some(false));
    }
}
