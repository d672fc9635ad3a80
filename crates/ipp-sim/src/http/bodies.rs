//! Request bodies and identifiers as the simulator reads them.
//!
//! These are the simulator's own wire types, deliberately not the client's (`kustom_ipp`) request
//! types: a field the client misspells must not be silently agreed with by a server built from the
//! same struct. They follow `kustom-ipp/openapi/ipp-v1.openapi.json`: a documented field given with
//! the wrong type — `null` included, where the document does not allow it — is a 400 naming the
//! field, and enum fields accept only their documented values.

use std::collections::BTreeMap;

use kustom_ipp::{CreateEnrollment, CreateSession, EnrollmentTtl, LineType, Metadata, OrderLine};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::SimError;

/// Parses a JSON object body, reporting where it went wrong (`order_items[0].quantity: invalid
/// type…`). Every documented body is an object; serde would also read a struct from an array.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, SimError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|err| SimError::bad_request(format!("Malformed JSON body: {err}")))?;
    if !value.is_object() {
        return Err(SimError::bad_request("The body must be a JSON object"));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        if path.is_empty() || path == "." {
            SimError::bad_request(format!("Malformed JSON body: {message}"))
        } else {
            SimError::field(path, message)
        }
    })
}

/// For `#[serde(default, deserialize_with = "present")]`: absent is `None`, but an explicit
/// `null` is refused like any other wrong type.
///
/// Kept, though the docs do not ask for it: the document types these fields without `null`, and
/// Kustom may read `null` as absent or refuse it — a client that sends `null` relies on one of the
/// two. Refusing it here makes such a client fail in tests rather than on the day Kustom refuses.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// JSON Schema's `integer` is any number with no fractional part, so `2.0` is the integer 2 (and
/// Kustom's Jackson-based API reads it so too [INF]); serde's `i64` alone would refuse it.
fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    if let Some(value) = number.as_i64() {
        return Ok(value);
    }
    match number.as_f64() {
        Some(value)
            if value.fract() == 0.0 && value >= -(2f64.powi(63)) && value < 2f64.powi(63) =>
        {
            Ok(value as i64)
        }
        _ => Err(serde::de::Error::custom(format!(
            "{number} is not a 64-bit integer"
        ))),
    }
}

/// [`integer`] for an optional field (absent is `None`, `null` is refused).
fn present_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    integer(deserializer).map(Some)
}

/// Ids are UUID strings [DOC §3.1].
pub fn is_uuid(value: &str) -> bool {
    uuid::Uuid::try_parse(value).is_ok()
}

/// A UUID field: 400 when it is not one (an empty string included).
pub fn uuid_field(field: &str, value: &str) -> Result<(), SimError> {
    if is_uuid(value) {
        Ok(())
    } else {
        Err(SimError::field(field, "must be a UUID"))
    }
}

/// `POST /enrollments` [DOC §5.5]: every field optional.
#[derive(Debug, Default, Deserialize)]
pub struct CreateEnrollmentBody {
    #[serde(default, deserialize_with = "present")]
    pub metadata: Option<Metadata>,
    #[serde(default, deserialize_with = "present_integer")]
    pub expires_in: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    pub location_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub ttl: Option<String>,
}

impl CreateEnrollmentBody {
    pub fn into_request(self) -> Result<CreateEnrollment, SimError> {
        let ttl = match self.ttl {
            None => None,
            Some(text) => match EnrollmentTtl::parse(&text) {
                EnrollmentTtl::Unknown(_) => {
                    return Err(SimError::field(
                        "ttl",
                        "must be one of TWO_HOURS, TWENTY_FOUR_HOURS, FORTY_EIGHT_HOURS, SEVENTY_TWO_HOURS",
                    ));
                }
                known => Some(known),
            },
        };
        if let Some(location) = &self.location_id {
            uuid_field("location_id", location)?;
        }
        Ok(CreateEnrollment {
            metadata: self.metadata,
            expires_in: self.expires_in,
            location_id: self.location_id,
            ttl,
        })
    }
}

/// `DELETE /enrollments` [INF §5.6].
#[derive(Debug, Deserialize)]
pub struct CancelEnrollmentsBody {
    pub enrollment_ids: Vec<String>,
}

/// The most enrollments one bulk cancel may name [INF].
pub const MAX_BULK_CANCEL: usize = 100;

/// `POST /dev/devices` [DOC §11.1].
#[derive(Debug, Deserialize)]
pub struct SimulatedDeviceBody {
    pub name: String,
    #[serde(default, deserialize_with = "present")]
    pub location_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub metadata: Option<Metadata>,
}

/// The POS app's registration [INF §6].
#[derive(Debug, Deserialize)]
pub struct RegisterBody {
    pub enrollment_code: String,
    pub hardware_id: String,
    #[serde(default, deserialize_with = "present")]
    pub platform: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
}

/// Registration field limits [INF].
pub const MAX_CODE_LEN: usize = 64;
pub const MAX_HARDWARE_ID_LEN: usize = 64;

/// `POST /sessions` [DOC §9.3].
#[derive(Debug, Deserialize)]
pub struct CreateSessionBody {
    pub device_id: String,
    #[serde(deserialize_with = "integer")]
    pub order_amount: i64,
    pub purchase_currency: String,
    #[serde(default, deserialize_with = "present")]
    pub purchase_started_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, deserialize_with = "present_integer")]
    pub order_tax_amount: Option<i64>,
    pub order_items: Vec<OrderLineBody>,
    #[serde(default, deserialize_with = "present")]
    pub merchant_reference1: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub merchant_reference2: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub merchant_data: Option<String>,
}

/// One line of `order_items` [DOC §9.2].
#[derive(Debug, Deserialize)]
pub struct OrderLineBody {
    #[serde(rename = "type", default, deserialize_with = "present")]
    pub line_type: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub reference: Option<String>,
    pub name: String,
    #[serde(default, deserialize_with = "present_integer")]
    pub quantity: Option<i64>,
    #[serde(deserialize_with = "integer")]
    pub unit_price: i64,
    #[serde(deserialize_with = "integer")]
    pub total_amount: i64,
    #[serde(deserialize_with = "integer")]
    pub tax_rate: i64,
    #[serde(default, deserialize_with = "present_integer")]
    pub total_discount_amount: Option<i64>,
    #[serde(deserialize_with = "integer")]
    pub total_tax_amount: i64,
}

/// Session text limits [INF]; the third-party client truncates references to 64 [3P].
pub const MAX_LINES: usize = 1000;
pub const MAX_REFERENCE_LEN: usize = 255;
pub const MAX_LINE_REFERENCE_LEN: usize = 64;
pub const MAX_LINE_NAME_LEN: usize = 255;
pub const MAX_MERCHANT_DATA_LEN: usize = 10_000;
pub const MAX_QUANTITY: i64 = 100_000;

fn too_long(value: Option<&String>, max: usize) -> bool {
    value.is_some_and(|v| v.chars().count() > max)
}

impl CreateSessionBody {
    /// Checks what the document states field by field (types, enums, lengths); the cross-field
    /// arithmetic is the state's business.
    pub fn into_request(self) -> Result<CreateSession, SimError> {
        let mut errors = BTreeMap::new();
        if !is_uuid(&self.device_id) {
            errors.insert("device_id".to_owned(), "must be a UUID".to_owned());
        }
        for (field, value, max) in [
            (
                "merchant_reference1",
                self.merchant_reference1.as_ref(),
                MAX_REFERENCE_LEN,
            ),
            (
                "merchant_reference2",
                self.merchant_reference2.as_ref(),
                MAX_REFERENCE_LEN,
            ),
            (
                "merchant_data",
                self.merchant_data.as_ref(),
                MAX_MERCHANT_DATA_LEN,
            ),
        ] {
            if too_long(value, max) {
                errors.insert(
                    field.to_owned(),
                    format!("must be at most {max} characters"),
                );
            }
        }
        if self.order_items.len() > MAX_LINES {
            errors.insert(
                "order_items".to_owned(),
                format!("at most {MAX_LINES} lines"),
            );
        }
        let mut lines = Vec::with_capacity(self.order_items.len());
        for (index, line) in self.order_items.into_iter().enumerate() {
            let field = |name: &str| format!("order_items[{index}].{name}");
            let line_type = match line.line_type.as_deref().map(LineType::parse) {
                Some(LineType::Unknown(_)) => {
                    errors.insert(
                        field("type"),
                        "must be one of physical, discount, digital, shipping_fee, surcharge"
                            .to_owned(),
                    );
                    None
                }
                other => other,
            };
            if too_long(line.reference.as_ref(), MAX_LINE_REFERENCE_LEN) {
                errors.insert(
                    field("reference"),
                    format!("must be at most {MAX_LINE_REFERENCE_LEN} characters"),
                );
            }
            if line.name.chars().count() > MAX_LINE_NAME_LEN {
                errors.insert(
                    field("name"),
                    format!("must be at most {MAX_LINE_NAME_LEN} characters"),
                );
            }
            if line.quantity.is_some_and(|q| q > MAX_QUANTITY) {
                errors.insert(field("quantity"), format!("must be at most {MAX_QUANTITY}"));
            }
            lines.push(OrderLine {
                line_type,
                reference: line.reference,
                name: line.name,
                quantity: line.quantity,
                unit_price: line.unit_price,
                total_amount: line.total_amount,
                tax_rate: line.tax_rate,
                total_discount_amount: line.total_discount_amount,
                total_tax_amount: line.total_tax_amount,
            });
        }
        SimError::fields(errors)?;
        Ok(CreateSession {
            device_id: self.device_id,
            order_amount: self.order_amount,
            purchase_currency: self.purchase_currency,
            purchase_started_at: self.purchase_started_at,
            order_tax_amount: self.order_tax_amount,
            order_items: lines,
            merchant_reference1: self.merchant_reference1,
            merchant_reference2: self.merchant_reference2,
            merchant_data: self.merchant_data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_is_not_absent_and_errors_name_the_field() {
        let ok: CreateEnrollmentBody = parse(b"{}").unwrap_or_else(|e| panic!("{e}"));
        assert!(ok.metadata.is_none());
        let err = parse::<CreateEnrollmentBody>(br#"{"metadata": null}"#).err();
        assert!(
            matches!(&err, Some(SimError::BadRequest { errors, .. }) if errors.contains_key("metadata")),
            "{err:?}"
        );
        let err = parse::<CreateSessionBody>(
            br#"{"device_id":"d","order_amount":1,"purchase_currency":"SEK","order_items":[{"name":"x","unit_price":1,"total_amount":1,"tax_rate":0,"total_tax_amount":"0"}]}"#,
        )
        .err();
        assert!(
            matches!(&err, Some(SimError::BadRequest { errors, .. }) if errors.contains_key("order_items[0].total_tax_amount")),
            "{err:?}"
        );
        assert!(matches!(
            parse::<CreateEnrollmentBody>(b"{} trailing"),
            Err(SimError::BadRequest { .. })
        ));
        assert!(
            matches!(
                parse::<CreateEnrollmentBody>(b"[]"),
                Err(SimError::BadRequest { .. })
            ),
            "an array is not an object, even for a struct of optional fields"
        );
    }

    #[test]
    fn integers_may_be_written_with_a_zero_fraction() {
        let body: CreateEnrollmentBody =
            parse(br#"{"expires_in": 36000.0}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body.expires_in, Some(36_000));
        assert!(parse::<CreateEnrollmentBody>(br#"{"expires_in": 1.5}"#).is_err());
        assert!(parse::<CreateEnrollmentBody>(br#"{"expires_in": 1e300}"#).is_err());
    }

    #[test]
    fn enums_accept_only_documented_values() {
        let body: CreateEnrollmentBody =
            parse(br#"{"ttl":"FOREVER"}"#).unwrap_or_else(|e| panic!("{e}"));
        assert!(body.into_request().is_err());
        let body: CreateEnrollmentBody =
            parse(br#"{"location_id":""}"#).unwrap_or_else(|e| panic!("{e}"));
        assert!(body.into_request().is_err(), "a blank location is refused");
    }
}
