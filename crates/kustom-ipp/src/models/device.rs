use serde::{Deserialize, Serialize};
use specta::Type;

use super::{Metadata, Timestamp};
use crate::Secret;
use crate::api_enum;

api_enum! {
    /// The kind of device [DOC §7.1].
    Platform / KnownPlatform {
        Ios = "IOS",
        Android = "ANDROID",
        Terminal = "TERMINAL",
    }
}

/// A registered device [DOC §7.1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct Device {
    pub id: String,
    #[serde(default)]
    pub hardware_id: String,
    #[serde(default)]
    pub merchant_id: String,
    /// `None` when the device is not assigned to a location.
    #[serde(default)]
    pub location_id: Option<String>,
    #[serde(default)]
    pub name: String,
    pub platform: Platform,
    /// Non-string values (a simulated device's `simulated` = true [DOC §7.1]) arrive as text.
    #[serde(default, deserialize_with = "super::metadata_as_text")]
    #[specta(type = Metadata)]
    pub metadata: Metadata,
    pub created_at: Timestamp,
    /// The cash register currently opened on this device, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_cash_register_id: Option<i64>,
    /// Deprecated duplicate of `hardware_id` [DOC].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_id: Option<String>,
}

/// The device's own credentials, returned only when it registers [DOC §2.3].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeviceCredentials {
    pub bearer_token: Secret,
    /// camelCase in the docs; accept snake_case too.
    #[serde(rename = "issuedAt", alias = "issued_at")]
    pub issued_at: Timestamp,
}

/// A device as returned by registration (or `/dev/devices`): the record plus its credentials.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RegisteredDevice {
    #[serde(flatten)]
    pub device: Device,
    /// Present on registration [DOC]; `/dev/devices` may omit it [GAP].
    #[serde(default)]
    pub credentials: Option<DeviceCredentials>,
}

/// `PUT /ipp/v1/devices/{id}` body [DOC §7.4]. The API replaces all three fields, so always send
/// the full, current values (read-modify-write) — a missing field is cleared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct UpdateDevice {
    pub name: String,
    pub metadata: Metadata,
    pub location_id: Option<String>,
}

impl UpdateDevice {
    /// The body that leaves the device exactly as it is; change one field from there.
    pub fn from_device(device: &Device) -> Self {
        Self {
            name: device.name.clone(),
            metadata: device.metadata.clone(),
            location_id: device.location_id.clone(),
        }
    }
}

/// The registration call the POS app makes with a pairing code. Its real path and body are not
/// public [GAP §6]; this is the simulator's `POST /ipp/v1/devices/register` [INF].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct RegisterDevice {
    pub enrollment_code: String,
    pub hardware_id: String,
    pub platform: Platform,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `POST /ipp/v1/dev/devices` body (playground only) [DOC §11.1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct CreateSimulatedDevice {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_registration_response() {
        let json = r#"{"id":"550e8400-e29b-41d4-a716-446655440000","hardware_id":"ABC123XYZ","merchant_id":"merchant_12345",
          "location_id":"550e8400-e29b-41d4-a716-446655440000","name":"POS Terminal 1","platform":"IOS",
          "metadata":{"store_id":"123","region":"EU"},"created_at":"2024-01-15T10:30:00Z","open_cash_register_id":42,
          "credentials":{"bearer_token":"eyJhbGciOiJSUzI1NiIsInR5cCI...","issuedAt":"2024-01-15T10:30:00Z"},"unique_id":"ABC123XYZ"}"#;
        let registered: RegisteredDevice =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(registered.device.platform, Platform::Ios);
        assert_eq!(registered.device.open_cash_register_id, Some(42));
        let credentials = registered
            .credentials
            .unwrap_or_else(|| panic!("credentials"));
        assert!(credentials.bearer_token.expose().starts_with("eyJ"));
        // The token never shows up in debug output.
        assert!(!format!("{credentials:?}").contains("eyJ"));
    }

    #[test]
    fn parses_the_documented_update_response_and_unknown_platforms() {
        let json = r#"{"id":"d","hardware_id":"ABC123XYZ","merchant_id":"m","location_id":null,"name":"POS","platform":"WATCH",
          "metadata":{"store_id":"456","department":"Sales"},"created_at":"2024-01-15T10:30:00Z"}"#;
        let device: Device = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(device.platform, Platform::Unknown("WATCH".into()));
        assert_eq!(device.location_id, None);
    }
}
