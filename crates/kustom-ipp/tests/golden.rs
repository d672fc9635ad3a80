//! Golden tests: the exact strings of `shared/kustom-ipp/API.md` and its examples, written here as
//! literals (never through the crate's own constants), parse into the models and serialize back
//! to the same spelling. A misspelled enum value or field name in the models fails here even if
//! the simulator shares the mistake.

use kustom_ipp::{
    CallbackEvent, CreateEnrollment, CreateSession, CreateSimulatedDevice, Device, Enrollment,
    EnrollmentStatus, EnrollmentTtl, EventType, LineType, Page, Platform, RegisteredDevice,
    Session, SessionStatus, TapOutcome, UpdateDevice,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn parse<T: DeserializeOwned>(text: &str) -> T {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("{text}: {err}"))
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|err| panic!("{err}"))
}

/// Each `(wire, variant)` parses from the literal and serializes back to it; and the literals are
/// all the documented values (`count` = the enum's documented variants).
fn round_trip<T>(cases: &[(&str, T)], count: usize)
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    assert_eq!(cases.len(), count, "every documented value is listed");
    for (wire, variant) in cases {
        let parsed: T = parse(&format!("\"{wire}\""));
        assert_eq!(&parsed, variant, "{wire}");
        assert_eq!(to_value(variant), json!(wire), "{wire}");
    }
}

#[test]
fn enrollment_status_values_api_md_5_1() {
    round_trip(
        &[
            ("PENDING", EnrollmentStatus::Pending),
            ("CONSUMED", EnrollmentStatus::Consumed),
            ("EXPIRED", EnrollmentStatus::Expired),
            ("CANCELLED", EnrollmentStatus::Cancelled),
        ],
        EnrollmentStatus::ALL.len(),
    );
}

#[test]
fn third_party_ttl_values_api_md_5_5() {
    round_trip(
        &[
            ("TWO_HOURS", EnrollmentTtl::TwoHours),
            ("TWENTY_FOUR_HOURS", EnrollmentTtl::TwentyFourHours),
            ("FORTY_EIGHT_HOURS", EnrollmentTtl::FortyEightHours),
            ("SEVENTY_TWO_HOURS", EnrollmentTtl::SeventyTwoHours),
        ],
        EnrollmentTtl::ALL.len(),
    );
}

#[test]
fn platform_values_api_md_7_1() {
    round_trip(
        &[
            ("IOS", Platform::Ios),
            ("ANDROID", Platform::Android),
            ("TERMINAL", Platform::Terminal),
        ],
        Platform::ALL.len(),
    );
}

#[test]
fn session_status_values_api_md_9_1() {
    round_trip(
        &[
            ("CREATED", SessionStatus::Created),
            ("ACTIVE", SessionStatus::Active),
            ("FINALIZED", SessionStatus::Finalized),
            ("CANCELLED", SessionStatus::Cancelled),
            ("EXPIRED", SessionStatus::Expired),
            ("FAILED", SessionStatus::Failed),
        ],
        SessionStatus::ALL.len(),
    );
}

#[test]
fn line_types_api_md_9_2() {
    round_trip(
        &[
            ("physical", LineType::Physical),
            ("discount", LineType::Discount),
            ("digital", LineType::Digital),
            ("shipping_fee", LineType::ShippingFee),
            ("surcharge", LineType::Surcharge),
        ],
        LineType::ALL.len(),
    );
}

#[test]
fn tap_outcomes_api_md_11_2() {
    round_trip(
        &[
            ("SUCCESS", TapOutcome::Success),
            ("DECLINED_GENERIC", TapOutcome::DeclinedGeneric),
            ("INSUFFICIENT_FUNDS", TapOutcome::InsufficientFunds),
            ("LOST_CARD", TapOutcome::LostCard),
            ("STOLEN_CARD", TapOutcome::StolenCard),
            ("EXPIRED_CARD", TapOutcome::ExpiredCard),
            ("INCORRECT_CVC", TapOutcome::IncorrectCvc),
            ("PROCESSING_ERROR", TapOutcome::ProcessingError),
            ("INCORRECT_NUMBER", TapOutcome::IncorrectNumber),
            ("CARD_VELOCITY_EXCEEDED", TapOutcome::CardVelocityExceeded),
        ],
        TapOutcome::ALL.len(),
    );
}

#[test]
fn event_types_api_md_10_2_and_their_documented_other_spellings() {
    round_trip(
        &[
            ("ipp.session.created", EventType::SessionCreated),
            ("ipp.session.activated", EventType::SessionActivated),
            ("ipp.session.finalized", EventType::SessionFinalized),
            ("ipp.session.cancelled", EventType::SessionCancelled),
            ("ipp.payment.failed", EventType::PaymentFailed),
        ],
        EventType::ALL.len(),
    );
    // The docs' other spellings are read as the canonical event and written canonically [DOC].
    for (alias, canonical) in [
        ("ipp.payment.finalized", "ipp.session.finalized"),
        ("session.cancelled", "ipp.session.cancelled"),
        ("session.finalized", "ipp.session.finalized"),
        ("session.created", "ipp.session.created"),
        ("session.activated", "ipp.session.activated"),
    ] {
        let parsed: EventType = parse(&format!("\"{alias}\""));
        assert_eq!(to_value(&parsed), json!(canonical), "{alias}");
    }
    // Other events on the same endpoint are kept, not refused [DOC §10.2].
    let other: EventType = parse("\"dispute.created\"");
    assert_eq!(to_value(&other), json!("dispute.created"));
}

/// A documented JSON example, parsed into `T` and written back, is the same JSON.
fn same_after_round_trip<T: DeserializeOwned + Serialize>(text: &str) -> T {
    let parsed: T = parse(text);
    assert_eq!(to_value(&parsed), parse::<Value>(text), "{text}");
    parsed
}

#[test]
fn the_enrollment_examples_api_md_5() {
    let request: CreateEnrollment = same_after_round_trip(
        r#"{"metadata":{"username":"john.doe","type":"android"},"expires_in":36000,"location_id":"46910cc3-ab41-4b80-b4a7-94dab9f1b795"}"#,
    );
    assert_eq!(request.expires_in, Some(36_000));
    let third_party: CreateEnrollment = same_after_round_trip(
        r#"{"ttl":"TWO_HOURS","location_id":"550e8400-e29b-41d4-a716-446655440000"}"#,
    );
    assert_eq!(third_party.ttl, Some(EnrollmentTtl::TwoHours));

    let created: Enrollment = same_after_round_trip(
        r#"{"enrollment_id":"660e8400-e29b-41d4-a716-446655440001","enrollment_code":"ABC123XYZ","expires_at":"2024-01-15T11:30:00Z","status":"PENDING","metadata":{"store_id":"123","terminal_type":"checkout"}}"#,
    );
    assert_eq!(created.enrollment_code.as_str(), "ABC123XYZ");
    assert_eq!(created.status, EnrollmentStatus::Pending);

    let page: Page<Value> = same_after_round_trip(
        r#"{"content":[{},{}],"total_elements":2,"total_pages":1,"page_number":0,"page_size":20,"first":true,"last":true}"#,
    );
    assert_eq!((page.total_elements, page.total_pages), (2, 1));
}

#[test]
fn the_device_examples_api_md_7() {
    let update: UpdateDevice = same_after_round_trip(
        r#"{"name":"POS Terminal - Main Entrance","metadata":{"store_id":"456","department":"Sales"},"location_id":"660e8400-e29b-41d4-a716-446655440001"}"#,
    );
    assert_eq!(update.name, "POS Terminal - Main Entrance");
    let device: Device = same_after_round_trip(
        r#"{"id":"550e8400-e29b-41d4-a716-446655440000","hardware_id":"ABC123XYZ","merchant_id":"merchant_12345","location_id":"660e8400-e29b-41d4-a716-446655440001","name":"POS Terminal - Main Entrance","platform":"IOS","metadata":{"store_id":"456","department":"Sales"},"created_at":"2024-01-15T10:30:00Z"}"#,
    );
    assert_eq!(device.platform, Platform::Ios);

    // Registration: the device plus credentials, `issuedAt` in camelCase [DOC §2.3].
    let registered: RegisteredDevice = parse(
        r#"{"id":"550e8400-e29b-41d4-a716-446655440000","hardware_id":"ABC123XYZ","merchant_id":"merchant_12345","location_id":"550e8400-e29b-41d4-a716-446655440000","name":"POS Terminal 1","platform":"IOS","metadata":{"store_id":"123","region":"EU"},"created_at":"2024-01-15T10:30:00Z","open_cash_register_id":42,"credentials":{"bearer_token":"eyJhbGciOiJSUzI1NiIsInR5cCI...","issuedAt":"2024-01-15T10:30:00Z"},"unique_id":"ABC123XYZ"}"#,
    );
    assert_eq!(registered.device.open_cash_register_id, Some(42));
    assert_eq!(registered.device.unique_id.as_deref(), Some("ABC123XYZ"));
    let credentials = registered
        .credentials
        .unwrap_or_else(|| panic!("credentials"));
    assert_eq!(
        credentials.bearer_token.expose(),
        "eyJhbGciOiJSUzI1NiIsInR5cCI..."
    );
    assert_eq!(
        credentials.issued_at.to_rfc3339(),
        "2024-01-15T10:30:00+00:00"
    );

    // A simulated device carries `simulated` = true [DOC §7.1]: a boolean must not fail a page.
    let page: Page<Device> = parse(
        r#"{"content":[{"id":"d1","hardware_id":"H","merchant_id":"m","name":"Sim","platform":"ANDROID","metadata":{"simulated":true,"store_id":"9","till":2,"note":null},"created_at":"2024-01-15T10:30:00Z"}],"total_elements":1,"total_pages":1,"page_number":0,"page_size":20,"first":true,"last":true}"#,
    );
    let metadata = &page.content[0].metadata;
    assert_eq!(metadata["simulated"], "true");
    assert_eq!(metadata["till"], "2");
    assert_eq!(metadata["store_id"], "9");
    assert!(!metadata.contains_key("note"));

    let simulated: CreateSimulatedDevice = same_after_round_trip(
        r#"{"name":"string","location_id":"46910cc3-ab41-4b80-b4a7-94dab9f1b795","metadata":{"property1":"string","property2":"string"}}"#,
    );
    assert_eq!(simulated.name, "string");
}

#[test]
fn the_session_examples_api_md_9() {
    let lines = r#"[{"type":"physical","reference":"SKU-001","name":"T-Shirt","quantity":2,"unit_price":100000,"total_amount":200000,"tax_rate":2500,"total_tax_amount":40000},{"type":"physical","reference":"SKU-002","name":"Socks","quantity":1,"unit_price":40000,"total_amount":40000,"tax_rate":2500,"total_tax_amount":8000}]"#;
    let request: CreateSession = same_after_round_trip(&format!(
        r#"{{"device_id":"550e8400-e29b-41d4-a716-446655440000","order_amount":240000,"purchase_currency":"SEK","purchase_started_at":"2024-01-15T10:30:00Z","order_tax_amount":48000,"merchant_reference1":"ORDER-12345","order_items":{lines}}}"#
    ));
    assert_eq!(request.order_items[0].tax_rate, 2500);
    let cancelled: Session = same_after_round_trip(&format!(
        r#"{{"session_id":"660e8400-e29b-41d4-a716-446655440001","status":"CANCELLED","device_id":"550e8400-e29b-41d4-a716-446655440000","order_amount":240000,"purchase_currency":"SEK","purchase_started_at":"2024-01-15T10:30:00Z","order_tax_amount":48000,"merchant_reference1":"ORDER-12345","order_items":{lines}}}"#
    ));
    assert_eq!(cancelled.status, SessionStatus::Cancelled);
    let finalized: Session = same_after_round_trip(
        r#"{"session_id":"550e8400-e29b-41d4-a716-446655440000","status":"FINALIZED","device_id":"660e8400-e29b-41d4-a716-446655440001","order_id":"770e8400-e29b-41d4-a716-446655440002","order_amount":2000,"purchase_currency":"SEK","purchase_started_at":"2024-01-15T10:30:00Z","purchase_completed_at":"2024-01-15T10:35:00Z","order_items":[{"type":"physical","reference":"SKU-12345","name":"T-Shirt","quantity":2,"unit_price":1000,"total_amount":2000,"tax_rate":2500,"total_discount_amount":0,"total_tax_amount":400}],"merchant_reference1":"ORDER-12345"}"#,
    );
    assert_eq!(
        finalized.order_id.as_deref(),
        Some("770e8400-e29b-41d4-a716-446655440002")
    );
}

#[test]
fn the_callback_examples_api_md_10_3() {
    let activated: CallbackEvent = parse(
        r#"{"id":"kevt_754uIatTW0hmi10Gggqe2H","merchant_id":"DM11917000","timestamp":"2026-06-05T18:37:41.232733416Z","type":"ipp.session.activated","data":{"session_id":"c749c48d-df11-4ae3-8e5f-2c8491b16214","order_id":null,"failure_reason":null}}"#,
    );
    assert_eq!(activated.event_type, EventType::SessionActivated);
    // Nanoseconds are kept and written back the same way.
    assert_eq!(
        to_value(&activated.timestamp),
        json!("2026-06-05T18:37:41.232733416Z")
    );
    let finalized: CallbackEvent = same_after_round_trip(
        r#"{"id":"kevt_62EvxyMEaAaHSGeoDTza47","merchant_id":"DM11917000","timestamp":"2026-06-05T18:33:39.608920367Z","type":"ipp.session.finalized","data":{"session_id":"dc01aa86-fb99-4d05-97dc-e79a22650f9a","order_id":"ccf4e76a-f56d-4d3a-abf9-f4fe941f0a1f","failure_reason":null}}"#,
    );
    assert_eq!(
        finalized.data.order_id.as_deref(),
        Some("ccf4e76a-f56d-4d3a-abf9-f4fe941f0a1f")
    );
}

#[test]
fn the_webhook_signing_example_api_md_10_4() {
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    // The third-party fixture's secret; its key is the base64 decoding after `whsec_`.
    let secret = kustom_ipp::WebhookSecret::parse("whsec_aXBwLXRlc3Qtc2lnbmluZy1rZXk=")
        .unwrap_or_else(|err| panic!("{err}"));
    let body = br#"{"type":"session.finalized","data":{"session_id":"660e8400-e29b-41d4-a716-446655440001"}}"#;
    let signature = kustom_ipp::webhooks::sign(&secret, "msg_1", 1_767_225_600, body);
    // Independently: HMAC-SHA256 over "{id}.{timestamp}.{body}", base64, prefixed "v1,".
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"ipp-test-signing-key")
        .unwrap_or_else(|err| panic!("{err}"));
    mac.update(b"msg_1.1767225600.");
    mac.update(body);
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    assert_eq!(signature, expected);
}
