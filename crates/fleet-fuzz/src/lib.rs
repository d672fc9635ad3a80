//! Every parser Fleetdesk feeds from outside, as property-test targets: API pages and error
//! bodies, callback envelopes and Standard Webhooks headers, rollout CSV files, metadata filter
//! strings, profile URLs.
//!
//! Each [`Target`] pairs a generator of hostile and of well-formed input with the property the
//! parser must keep: never panic, bound what it accepts, and give back exactly what well-formed
//! input said. `cargo test` runs every target with a fixed case budget (`tests/properties.rs`);
//! `cargo xtask fuzz` runs them for as long as it is told (`src/main.rs`).

use std::collections::BTreeMap;

use fleet_core::enrollments::rollout::{self, MAX_ROWS};
use fleet_core::profiles::check_base_url;
use kustom_ipp::webhooks::{self, WebhookSecret};
use kustom_ipp::{
    CallbackEnvelope, Device, Enrollment, Location, MetadataFilter, Page, Problem, Session,
};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::TestCaseError;

/// One parser under test: a name, a generator and the property.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&mut proptest::test_runner::TestRunner) -> Result<u64, String>,
}

/// Every target, in the order they run.
pub const TARGETS: &[Target] = &[
    Target {
        name: "api-pages-and-errors",
        run: |runner| count(runner, api_input(), api_property),
    },
    Target {
        name: "callbacks-and-webhook-headers",
        run: |runner| count(runner, webhook_input(), webhook_property),
    },
    Target {
        name: "rollout-csv",
        run: |runner| count(runner, csv_input(), csv_property),
    },
    Target {
        name: "metadata-filters",
        run: |runner| count(runner, filter_input(), filter_property),
    },
    Target {
        name: "profile-urls",
        run: |runner| count(runner, url_input(), url_property),
    },
];

/// Runs `property` over the runner's budget; returns how many cases ran, or the minimal failure.
fn count<T: std::fmt::Debug>(
    runner: &mut proptest::test_runner::TestRunner,
    input: BoxedStrategy<T>,
    property: fn(T) -> Result<(), TestCaseError>,
) -> Result<u64, String> {
    let cases = std::cell::Cell::new(0u64);
    runner
        .run(&input, |value| {
            cases.set(cases.get() + 1);
            property(value)
        })
        .map_err(|err| err.to_string())?;
    Ok(cases.get())
}

// ---- Shared generators -----------------------------------------------------------------------

/// Any JSON value, nested a few levels, with the strings and numbers that break parsers.
fn json_value() -> BoxedStrategy<serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        "\\PC{0,40}".prop_map(serde_json::Value::String),
        Just(serde_json::json!(i64::MIN)),
        Just(serde_json::json!(u64::MAX)),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(field_name(), inner, 0..8)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Field names: the API's own (so wrong types land on real fields) and random ones.
fn field_name() -> BoxedStrategy<String> {
    prop_oneof![
        prop::sample::select(vec![
            "content",
            "total_elements",
            "total_pages",
            "page_number",
            "page_size",
            "first",
            "last",
            "id",
            "name",
            "platform",
            "metadata",
            "created_at",
            "location_id",
            "hardware_id",
            "merchant_id",
            "status",
            "enrollment_code",
            "expires_at",
            "session_id",
            "order_items",
            "order_amount",
            "title",
            "detail",
            "errors",
            "type",
            "data",
            "timestamp",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,12}",
    ]
    .boxed()
}

fn device() -> BoxedStrategy<Device> {
    (
        "[a-f0-9-]{1,36}",
        "\\PC{0,30}",
        prop::sample::select(vec!["IOS", "ANDROID", "TERMINAL", "WATCH"]),
        prop::collection::btree_map("[a-z_]{1,10}", "\\PC{0,20}", 0..5),
        prop::option::of("[a-f0-9-]{36}"),
    )
        .prop_map(|(id, name, platform, metadata, location_id)| Device {
            id,
            hardware_id: "HW".into(),
            merchant_id: "M".into(),
            location_id,
            name,
            platform: kustom_ipp::Platform::parse(platform),
            metadata,
            created_at: chrono::DateTime::UNIX_EPOCH,
            open_cash_register_id: None,
            unique_id: None,
        })
        .boxed()
}

// ---- API pages and error bodies --------------------------------------------------------------

#[derive(Debug)]
pub enum ApiInput {
    /// Any JSON, any shape.
    Json(serde_json::Value),
    /// A well-formed page of devices, as text, with some bytes changed.
    Mutated(String, Vec<(usize, u8)>),
    /// A well-formed page of devices.
    Page(Vec<Device>),
}

fn api_input() -> BoxedStrategy<ApiInput> {
    prop_oneof![
        json_value().prop_map(ApiInput::Json),
        (
            prop::collection::vec(device(), 0..6),
            prop::collection::vec((any::<usize>(), any::<u8>()), 1..6)
        )
            .prop_map(|(devices, edits)| {
                let page = Page::new(devices, 6, 0, 100);
                ApiInput::Mutated(serde_json::to_string(&page).unwrap_or_default(), edits)
            }),
        prop::collection::vec(device(), 0..20).prop_map(ApiInput::Page),
    ]
    .boxed()
}

/// Parses `bytes` as everything the client reads; none of it may panic.
fn parse_everything(bytes: &[u8]) {
    let _ = serde_json::from_slice::<Page<Device>>(bytes);
    let _ = serde_json::from_slice::<Page<Enrollment>>(bytes);
    let _ = serde_json::from_slice::<Page<Location>>(bytes);
    let _ = serde_json::from_slice::<Session>(bytes);
    let _ = serde_json::from_slice::<Problem>(bytes).map(Problem::bounded);
    let _ = serde_json::from_slice::<CallbackEnvelope>(bytes);
}

fn api_property(input: ApiInput) -> Result<(), TestCaseError> {
    match input {
        ApiInput::Json(value) => {
            parse_everything(value.to_string().as_bytes());
            // A problem body, however long its texts, is bounded before it is shown.
            if let Ok(problem) = serde_json::from_value::<Problem>(value) {
                let problem = problem.bounded();
                for text in [&problem.title, &problem.detail, &problem.problem_type]
                    .into_iter()
                    .flatten()
                {
                    prop_assert!(text.chars().count() <= kustom_ipp::text::MAX_TEXT + 1);
                }
                prop_assert!(problem.errors.len() <= 20);
            }
        }
        ApiInput::Mutated(text, edits) => {
            let mut bytes = text.into_bytes();
            for (at, byte) in edits {
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes[at] = byte;
                }
            }
            parse_everything(&bytes);
        }
        ApiInput::Page(devices) => {
            let total = devices.len() as i64;
            let text = serde_json::to_string(&Page::new(devices.clone(), total, 0, 100))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let parsed: Page<Device> =
                serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parsed.content, devices);
        }
    }
    Ok(())
}

// ---- Callback envelopes and webhook headers --------------------------------------------------

#[derive(Debug)]
pub enum WebhookInput {
    /// Whatever headers and body an attacker sends.
    Hostile {
        id: String,
        timestamp: String,
        signature: String,
        body: Vec<u8>,
    },
    /// A correctly signed delivery, and one byte of it to change.
    Genuine {
        id: String,
        body: Vec<u8>,
        tamper: Option<usize>,
    },
}

fn header_text() -> BoxedStrategy<String> {
    prop_oneof![
        "[ -~]{0,60}",
        Just(i64::MIN.to_string()),
        Just(i64::MAX.to_string()),
        Just("v1,".to_owned()),
        "(v1,[A-Za-z0-9+/=]{0,50} ?){0,12}",
    ]
    .boxed()
}

fn webhook_input() -> BoxedStrategy<WebhookInput> {
    prop_oneof![
        (
            header_text(),
            header_text(),
            header_text(),
            prop::collection::vec(any::<u8>(), 0..200)
        )
            .prop_map(|(id, timestamp, signature, body)| WebhookInput::Hostile {
                id,
                timestamp,
                signature,
                body
            }),
        (
            "msg_[A-Za-z0-9]{1,20}",
            json_value().prop_map(|v| v.to_string().into_bytes()),
            prop::option::of(any::<usize>())
        )
            .prop_map(|(id, body, tamper)| WebhookInput::Genuine { id, body, tamper }),
    ]
    .boxed()
}

const NOW: i64 = 1_780_000_000;

fn headers(id: &str, timestamp: &str, signature: &str) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, value) in [
        (webhooks::HEADER_ID, id),
        (webhooks::HEADER_TIMESTAMP, timestamp),
        (webhooks::HEADER_SIGNATURE, signature),
    ] {
        if let Ok(value) = http::HeaderValue::from_str(value) {
            map.insert(name, value);
        }
    }
    map
}

fn webhook_property(input: WebhookInput) -> Result<(), TestCaseError> {
    let secret = WebhookSecret::parse("whsec_aXBwLXRlc3Qtc2lnbmluZy1rZXk=")
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    match input {
        WebhookInput::Hostile {
            id,
            timestamp,
            signature,
            body,
        } => {
            let result = webhooks::verify(
                &headers(&id, &timestamp, &signature),
                &body,
                std::slice::from_ref(&secret),
                NOW,
                webhooks::DEFAULT_TOLERANCE,
            );
            // Random text never carries a valid HMAC.
            prop_assert!(result.is_err());
            let _ = serde_json::from_slice::<CallbackEnvelope>(&body)
                .map(|envelope| envelope.into_event(&id, NOW));
        }
        WebhookInput::Genuine { id, body, tamper } => {
            let signature = webhooks::sign(&secret, &id, NOW, &body);
            let map = headers(&id, &NOW.to_string(), &signature);
            let verified = webhooks::verify(
                &map,
                &body,
                std::slice::from_ref(&secret),
                NOW,
                webhooks::DEFAULT_TOLERANCE,
            );
            prop_assert!(verified.is_ok(), "{verified:?}");
            if let (Some(at), false) = (tamper, body.is_empty()) {
                let mut changed = body.clone();
                let at = at % changed.len();
                changed[at] ^= 0x01;
                let tampered = webhooks::verify(
                    &map,
                    &changed,
                    std::slice::from_ref(&secret),
                    NOW,
                    webhooks::DEFAULT_TOLERANCE,
                );
                prop_assert!(tampered.is_err());
            }
        }
    }
    Ok(())
}

// ---- Rollout CSV files -----------------------------------------------------------------------

#[derive(Debug)]
pub enum CsvInput {
    /// Any text.
    Text(String),
    /// A well-formed file: header, then (location, label, region) rows.
    Rows {
        delimiter: char,
        rows: Vec<(usize, String, String)>,
    },
}

fn locations() -> Vec<Location> {
    [
        "Stockholm Drottninggatan",
        "Göteborg Nordstan",
        "Oslo Karl Johan",
    ]
    .into_iter()
    .enumerate()
    .map(|(i, name)| Location {
        id: format!("loc-{i}"),
        name: name.to_owned(),
        city: None,
        address: None,
        created_at: None,
    })
    .collect()
}

fn csv_input() -> BoxedStrategy<CsvInput> {
    prop_oneof![
        "(\\PC|[;,\"\\n\\r\\t\u{feff}]){0,400}".prop_map(CsvInput::Text),
        prop::collection::vec(
            (0..3usize, "[A-Za-z0-9 ]{1,20}", "[A-Za-zåäöÅÄÖ]{1,12}"),
            1..40
        )
        .prop_flat_map(|rows| {
            prop::sample::select(vec![',', ';', '\t']).prop_map(move |delimiter| CsvInput::Rows {
                delimiter,
                rows: rows.clone(),
            })
        }),
    ]
    .boxed()
}

fn csv_property(input: CsvInput) -> Result<(), TestCaseError> {
    let places = locations();
    match input {
        CsvInput::Text(text) => {
            if let Ok(preview) = rollout::parse_csv(&text, &places) {
                prop_assert!(preview.rows.len() <= MAX_ROWS);
                for row in &preview.rows {
                    if row.errors.is_empty() {
                        prop_assert!(row.location_id.is_some());
                    }
                }
            }
        }
        CsvInput::Rows { delimiter, rows } => {
            let mut text = format!("location{delimiter}label{delimiter}region\n");
            for (location, label, region) in &rows {
                let label = label.trim();
                let label = if label.is_empty() { "Till" } else { label };
                text.push_str(&format!(
                    "{}{delimiter}{label}{delimiter}{region}\n",
                    places[*location].name
                ));
            }
            let preview = rollout::parse_csv(&text, &places)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(preview.valid as usize, rows.len());
            for (row, (location, _, region)) in preview.rows.iter().zip(&rows) {
                prop_assert_eq!(
                    row.location_id.as_deref(),
                    Some(places[*location].id.as_str())
                );
                prop_assert_eq!(row.metadata.get("region"), Some(region));
            }
        }
    }
    Ok(())
}

// ---- Metadata filter strings -----------------------------------------------------------------

#[derive(Debug)]
pub enum FilterInput {
    Entries(Vec<String>),
    Pairs(BTreeMap<String, String>),
}

fn filter_input() -> BoxedStrategy<FilterInput> {
    prop_oneof![
        prop::collection::vec("(\\PC|:){0,20}", 0..9).prop_map(FilterInput::Entries),
        prop::collection::btree_map("[^:\\s][^:]{0,10}", "\\PC{0,15}", 0..6)
            .prop_map(FilterInput::Pairs),
    ]
    .boxed()
}

fn filter_property(input: FilterInput) -> Result<(), TestCaseError> {
    match input {
        FilterInput::Entries(entries) => {
            if let Ok(filter) = MetadataFilter::parse_entries(entries.iter().map(String::as_str)) {
                prop_assert!(filter.len() <= MetadataFilter::MAX_ENTRIES);
                let mut keys: Vec<&String> = filter.pairs().iter().map(|(k, _)| k).collect();
                keys.sort();
                keys.dedup();
                prop_assert_eq!(keys.len(), filter.len(), "a key appears once");
            }
        }
        FilterInput::Pairs(pairs) => {
            let built = MetadataFilter::from_pairs(pairs.clone());
            if pairs.len() > MetadataFilter::MAX_ENTRIES {
                prop_assert!(built.is_err());
                return Ok(());
            }
            let filter = built.map_err(|e| TestCaseError::fail(e.to_string()))?;
            let wire: Vec<String> = filter.query_pairs().map(|(_, v)| v).collect();
            let parsed = MetadataFilter::parse_entries(wire.iter().map(String::as_str))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parsed, filter);
        }
    }
    Ok(())
}

// ---- Profile URLs ----------------------------------------------------------------------------

fn url_input() -> BoxedStrategy<String> {
    prop_oneof![
        "\\PC{0,60}",
        (
            prop::sample::select(vec!["https", "http", "ftp", "HTTPS", "javascript", ""]),
            prop::option::of("[a-z]{1,5}(:[a-z]{0,5})?@"),
            prop::sample::select(vec![
                "api.kustom.co",
                "127.0.0.1",
                "localhost",
                "[::1]",
                "evil.example",
                "",
                "xn--kstom-3ya.co",
            ]),
            prop::option::of(0u32..70_000),
            prop::sample::select(vec!["", "/", "/ipp/v1", "?x=1", "#frag", "/?", "//x"]),
        )
            .prop_map(|(scheme, userinfo, host, port, rest)| {
                format!(
                    "{scheme}://{}{host}{}{rest}",
                    userinfo.unwrap_or_default(),
                    port.map(|p| format!(":{p}")).unwrap_or_default()
                )
            }),
    ]
    .boxed()
}

fn url_property(raw: String) -> Result<(), TestCaseError> {
    if let Ok(accepted) = check_base_url(&raw) {
        let url = url::Url::parse(&accepted).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(
            url.username().is_empty() && url.password().is_none(),
            "{raw}"
        );
        prop_assert!(url.query().is_none() && url.fragment().is_none(), "{raw}");
        prop_assert!(url.path() == "/" || url.path().is_empty(), "{raw}");
        let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        prop_assert!(
            url.scheme() == "https" || (url.scheme() == "http" && loopback),
            "{raw}"
        );
        prop_assert_eq!(
            check_base_url(&accepted),
            Ok(accepted.clone()),
            "idempotent"
        );
    }
    Ok(())
}
