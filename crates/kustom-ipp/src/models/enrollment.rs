use std::fmt;

use serde::{Deserialize, Serialize};
use specta::Type;

use super::{Metadata, Timestamp};
use crate::api_enum;

api_enum! {
    /// Where an enrollment is in its life [DOC §5.1; transitions INF §5.3].
    EnrollmentStatus / KnownEnrollmentStatus {
        Pending = "PENDING",
        Consumed = "CONSUMED",
        Expired = "EXPIRED",
        Cancelled = "CANCELLED",
    }
}

api_enum! {
    /// The validity enum the third-party client sends instead of `expires_in` [3P §5.5].
    EnrollmentTtl / KnownEnrollmentTtl {
        TwoHours = "TWO_HOURS",
        TwentyFourHours = "TWENTY_FOUR_HOURS",
        FortyEightHours = "FORTY_EIGHT_HOURS",
        SeventyTwoHours = "SEVENTY_TWO_HOURS",
    }
}

impl EnrollmentTtl {
    /// The lifetime in milliseconds, or `None` for an unknown value.
    pub fn millis(&self) -> Option<i64> {
        const HOUR: i64 = 3_600_000;
        match self {
            Self::TwoHours => Some(2 * HOUR),
            Self::TwentyFourHours => Some(24 * HOUR),
            Self::FortyEightHours => Some(48 * HOUR),
            Self::SeventyTwoHours => Some(72 * HOUR),
            Self::Unknown(_) => None,
        }
    }
}

/// The pairing code a clerk types into the POS app.
///
/// It is shown to the user on purpose, so it serializes normally; but it is a credential for as
/// long as it is pending, so `Debug` (and thus logs) shows only its first two characters.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(transparent)]
pub struct EnrollmentCode(pub String);

impl EnrollmentCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EnrollmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head: String = self.0.chars().take(2).collect();
        write!(f, "EnrollmentCode({head}••••)")
    }
}

/// An enrollment: a one-time pairing code for one device [DOC §5.1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct Enrollment {
    pub enrollment_id: String,
    pub enrollment_code: EnrollmentCode,
    pub expires_at: Timestamp,
    pub status: EnrollmentStatus,
    #[serde(default, deserialize_with = "super::metadata_as_text")]
    #[specta(type = Metadata)]
    pub metadata: Metadata,
    /// Not promised by the docs [GAP]; the simulator sends it [INF].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// The device that consumed the code [INF].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumed_at: Option<Timestamp>,
}

/// `POST /ipp/v1/enrollments` body [DOC §5.5]: all fields optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
pub struct CreateEnrollment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Lifetime in milliseconds; Kustom's default is 7 200 000 (2 h) [DOC].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// The third-party spelling of the lifetime [3P]; Fleetdesk itself sends `expires_in`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<EnrollmentTtl>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_create_response() {
        let json = r#"{"enrollment_id":"660e8400-e29b-41d4-a716-446655440001","enrollment_code":"ABC123XYZ",
            "expires_at":"2024-01-15T11:30:00Z","status":"PENDING","metadata":{"store_id":"123","terminal_type":"checkout"}}"#;
        let enrollment: Enrollment = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(enrollment.status, EnrollmentStatus::Pending);
        assert_eq!(enrollment.enrollment_code.as_str(), "ABC123XYZ");
        assert_eq!(enrollment.metadata["terminal_type"], "checkout");
        assert!(enrollment.location_id.is_none());
    }

    #[test]
    fn unknown_status_and_fields_do_not_fail() {
        let json = r#"{"enrollment_id":"e","enrollment_code":"ABCDEFGH","expires_at":"2024-01-15T11:30:00.123456789Z",
            "status":"REVOKED","metadata":{},"brand_new_field":[1,2,3]}"#;
        let enrollment: Enrollment = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            enrollment.status,
            EnrollmentStatus::Unknown("REVOKED".into())
        );
        assert_eq!(
            serde_json::to_value(&enrollment.status).ok(),
            Some("REVOKED".into())
        );
    }

    #[test]
    fn code_is_masked_in_debug_output() {
        let code = EnrollmentCode("QWERTYUP".into());
        assert_eq!(format!("{code:?}"), "EnrollmentCode(QW••••)");
    }

    #[test]
    fn ttl_enum_maps_to_milliseconds() {
        assert_eq!(EnrollmentTtl::parse("TWO_HOURS").millis(), Some(7_200_000));
        assert_eq!(
            EnrollmentTtl::parse("SEVENTY_TWO_HOURS").millis(),
            Some(259_200_000)
        );
        assert_eq!(EnrollmentTtl::parse("FOREVER").millis(), None);
    }
}
