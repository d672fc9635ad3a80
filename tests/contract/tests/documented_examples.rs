//! Every example payload of the documentation (copied, with provenance, into
//! `crates/kustom-ipp/tests/fixtures/`) is used as-is: the requests are sent byte for byte to the
//! simulator — only ids the example cannot know are replaced by ones of this account — and must
//! succeed; the responses are parsed by the client's models and held to the OpenAPI document.
//! (The callback examples are sent to Fleetdesk's own receiver by `fleet-core`'s tests.)

use std::path::PathBuf;

use contract_tests::*;
use kustom_ipp::{
    CallbackEnvelope, Device, Enrollment, EnrollmentStatus, LocationItem, Page, Problem,
    RegisteredDevice, Session, SessionStatus,
};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../crates/kustom-ipp/tests/fixtures")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).ok_or_panic(name)
}

fn json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).ok_or_panic(name)
}

/// The files this test covers; a new example must be added here to be used.
const SENT: &[&str] = &[
    "enrollments.create.request.json",
    "third-party.enrollments.create.request.json",
    "enrollments.list.request.json",
    "devices.update.request.json",
    "dev.devices.create.request.json",
    "sessions.create.request.json",
    "sessions.create.request-line.json",
    "third-party.sessions.create.request.json",
    "dev.simulate-tap.request.json",
];
const PARSED: &[&str] = &[
    "enrollments.create.response-201.json",
    "enrollments.list.response-200.constructed.json",
    "locations.list.response-200.json",
    "devices.update.response-200.json",
    "devices.register.response-201.constructed.json",
    "sessions.cancel.response-200.json",
    "sessions.get.response-200.constructed.json",
    "callback.ipp.session.activated.json",
    "callback.ipp.session.finalized.json",
    "third-party.error-bodies.json",
    "third-party.webhook-delivery.json",
];

#[test]
fn every_example_file_is_covered() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures())
        .ok_or_panic("fixtures")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut covered: Vec<String> = SENT.iter().chain(PARSED).map(|s| (*s).to_owned()).collect();
    covered.sort();
    assert_eq!(on_disk, covered);
}

/// The examples are byte-for-byte the ones in `shared/kustom-ipp/examples/`, where that folder is
/// present next to the repository (it is the source they were copied from).
#[test]
fn the_fixtures_are_the_shared_examples_unchanged() {
    let shared =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/kustom-ipp/examples");
    if !shared.is_dir() {
        eprintln!("{} is not here; nothing to compare", shared.display());
        return;
    }
    for name in SENT.iter().chain(PARSED) {
        let original = std::fs::read(shared.join(name)).ok_or_panic(name);
        let copy = std::fs::read(fixtures().join(name)).ok_or_panic(name);
        assert!(original == copy, "{name} differs from the shared example");
    }
}

/// Sends `body` as-is through the recording proxy (so the exchange is also held to the document).
async fn send(sim: &Sim, method: &str, path_and_query: &str, body: Option<String>) -> (u16, Value) {
    let key = sim.merchants()[0].api_key.clone();
    let mut request = kustom_ipp::tls::http_client()
        .unwrap_or_else(|e| panic!("{e}"))
        .request(
            method.parse().ok_or_panic("method"),
            format!("{}{path_and_query}", sim.client_url()),
        )
        .header("authorization", format!("Basic {key}"))
        .header("x-merchant-id", MERCHANT);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.ok_or_panic("send");
    let status = response.status().as_u16();
    let text = response.text().await.ok_or_panic("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_documented_requests_succeed_against_the_simulator() {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let location = first_location(&client).await;

    // The enroll-device guide's body, `expires_in: 36000` included [DOC].
    let body = fixture("enrollments.create.request.json")
        .replace("46910cc3-ab41-4b80-b4a7-94dab9f1b795", &location);
    let (status, created) = send(&sim, "POST", "/ipp/v1/enrollments", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["metadata"]["username"], "john.doe");

    // The third-party client's body, with the `ttl` enum [3P].
    let body = fixture("third-party.enrollments.create.request.json")
        .replace("550e8400-e29b-41d4-a716-446655440000", &location);
    let (status, created) = send(&sim, "POST", "/ipp/v1/enrollments", Some(body)).await;
    assert_eq!(status, 201, "{created}");

    // The documented list call, its parameters as given (the placeholder merchant id "string" is
    // the one thing an integrator replaces, with their own).
    let listed = json("enrollments.list.request.json");
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("location_id", &location);
    for entry in listed["query"]["metadata"].as_array().into_iter().flatten() {
        query.append_pair("metadata", entry.as_str().unwrap_or_default());
    }
    for key in ["include_consumed", "page_number", "page_size"] {
        query.append_pair(key, &listed["query"][key].to_string());
    }
    let path = format!(
        "{}?{}",
        listed["path"].as_str().unwrap_or_default(),
        query.finish()
    );
    let (status, page) = send(&sim, "GET", &path, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["page_size"], 20);

    // A simulated device from the reference's body [DOC §11.1].
    let body = fixture("dev.devices.create.request.json")
        .replace("46910cc3-ab41-4b80-b4a7-94dab9f1b795", &location);
    let (status, device) = send(&sim, "POST", "/ipp/v1/dev/devices", Some(body)).await;
    assert_eq!(status, 201, "{device}");
    assert_eq!(device["metadata"]["property1"], "string");
    // "`metadata.simulated` is always set to true" [DOC §11.1]: the boolean, not text.
    assert_eq!(device["metadata"]["simulated"], true);
    let device_id = device["id"].as_str().unwrap_or_default().to_owned();

    // The update example, for that device.
    let body = fixture("devices.update.request.json")
        .replace("660e8400-e29b-41d4-a716-446655440001", &location);
    let (status, updated) = send(
        &sim,
        "PUT",
        &format!("/ipp/v1/devices/{device_id}"),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["name"], "POS Terminal - Main Entrance");
    assert_eq!(updated["metadata"]["department"], "Sales");

    // The testing guide's session, sent the documented way (`?location_id=`).
    let line = json("sessions.create.request-line.json");
    assert_eq!(line["body_file"], "sessions.create.request.json");
    let path = format!(
        "{}?location_id={location}",
        line["path"].as_str().unwrap_or_default()
    );
    let body = fixture("sessions.create.request.json")
        .replace("550e8400-e29b-41d4-a716-446655440000", &device_id);
    let (status, session) = send(
        &sim,
        line["method"].as_str().unwrap_or_default(),
        &path,
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["status"], "CREATED");
    assert_eq!(session["order_amount"], 240000);

    // The third-party snapshot, its placeholders filled as that client fills them [3P].
    let third_party_body = fixture("third-party.sessions.create.request.json")
        .replace("550e8400-e29b-41d4-a716-446655440000", &device_id)
        .replace("<started-at>", "2026-11-22T10:00:00Z")
        .replace("<order-number>", "1001")
        .replace("<order-id>", "1001")
        .replace("<site>", "https://shop.example");
    let (status, third_party) = send(
        &sim,
        "POST",
        "/ipp/v1/sessions",
        Some(third_party_body.clone()),
    )
    .await;
    assert_eq!(status, 200, "{third_party}");
    // `merchant_data` comes back [3P], though the docs do not promise it.
    if !docs_minimal() {
        assert!(
            third_party["merchant_data"]
                .as_str()
                .is_some_and(|d| d.contains("1001"))
        );
    }

    // Every documented tap outcome, each on a session of its own: a decline keeps it open.
    let tap = json("dev.simulate-tap.request.json");
    let template = tap["path"].as_str().unwrap_or_default();
    for outcome in tap["outcome_enum"].as_array().into_iter().flatten() {
        let outcome = outcome.as_str().unwrap_or_default();
        let (_, fresh) = send(
            &sim,
            "POST",
            "/ipp/v1/sessions",
            Some(third_party_body.clone()),
        )
        .await;
        let id = fresh["session_id"].as_str().unwrap_or_default();
        let path = format!("{}?outcome={outcome}", template.replace("{sessionId}", id));
        let (status, answer) = send(&sim, "POST", &path, None).await;
        assert_eq!(status, 200, "{outcome}: {answer}");
        // The answer's body is not documented [GAP §11.2]: the session is read afterwards.
        let (_, tapped) = send(&sim, "GET", &format!("/ipp/v1/sessions/{id}"), None).await;
        let expected = if outcome == "SUCCESS" {
            "FINALIZED"
        } else {
            "ACTIVE"
        };
        assert_eq!(tapped["status"], expected, "{outcome}");
    }
    // The documented default outcome, on the guide's session.
    let first_session = session["session_id"].as_str().unwrap_or_default();
    assert_eq!(tap["query"]["outcome"], tap["outcome_default"]);
    let path = format!(
        "{}?outcome={}",
        template.replace("{sessionId}", first_session),
        tap["query"]["outcome"].as_str().unwrap_or_default()
    );
    let (status, answer) = send(&sim, "POST", &path, None).await;
    assert_eq!(status, 200, "{answer}");
    let (_, finalized) = send(
        &sim,
        "GET",
        &format!("/ipp/v1/sessions/{first_session}"),
        None,
    )
    .await;
    assert_eq!(finalized["status"], "FINALIZED");
}

fn document_problems(pointer: &str, value: &Value) -> Vec<String> {
    contract().schema_problems(pointer, value)
}

#[test]
fn the_documented_responses_parse_and_follow_the_document() {
    let created: Enrollment =
        serde_json::from_str(&fixture("enrollments.create.response-201.json")).ok_or_panic("201");
    assert_eq!(created.status, EnrollmentStatus::Pending);
    assert_eq!(created.enrollment_code.as_str(), "ABC123XYZ");
    assert!(
        document_problems(
            "/components/schemas/Enrollment",
            &json("enrollments.create.response-201.json")
        )
        .is_empty()
    );

    let listed: Page<Enrollment> =
        serde_json::from_str(&fixture("enrollments.list.response-200.constructed.json"))
            .ok_or_panic("list");
    assert_eq!(listed.content[1].status, EnrollmentStatus::Consumed);
    assert!(
        document_problems(
            "/components/schemas/EnrollmentPage",
            &json("enrollments.list.response-200.constructed.json")
        )
        .is_empty()
    );

    // The items are `{}` in the docs ("any" [DOC §8.1]): they parse, and none is usable.
    let locations: Page<LocationItem> =
        serde_json::from_str(&fixture("locations.list.response-200.json")).ok_or_panic("locations");
    assert_eq!(locations.content.len(), 2);
    assert!(locations.content.into_iter().all(|l| l.usable().is_none()));
    assert!(
        document_problems(
            "/components/schemas/LocationPage",
            &json("locations.list.response-200.json")
        )
        .is_empty()
    );

    let updated: Device =
        serde_json::from_str(&fixture("devices.update.response-200.json")).ok_or_panic("device");
    assert_eq!(updated.name, "POS Terminal - Main Entrance");
    assert!(
        document_problems(
            "/components/schemas/Device",
            &json("devices.update.response-200.json")
        )
        .is_empty()
    );

    let registered: RegisteredDevice =
        serde_json::from_str(&fixture("devices.register.response-201.constructed.json"))
            .ok_or_panic("registered");
    assert!(registered.credentials.is_some());
    assert!(
        document_problems(
            "/components/schemas/RegisteredDevice",
            &json("devices.register.response-201.constructed.json")
        )
        .is_empty()
    );

    for (name, status) in [
        (
            "sessions.cancel.response-200.json",
            SessionStatus::Cancelled,
        ),
        (
            "sessions.get.response-200.constructed.json",
            SessionStatus::Finalized,
        ),
    ] {
        let session: Session = serde_json::from_str(&fixture(name)).ok_or_panic(name);
        assert_eq!(session.status, status);
        assert_eq!(
            document_problems("/components/schemas/Session", &json(name)),
            Vec::<String>::new(),
            "{name}"
        );
    }

    for name in [
        "callback.ipp.session.activated.json",
        "callback.ipp.session.finalized.json",
    ] {
        let envelope: CallbackEnvelope = serde_json::from_str(&fixture(name)).ok_or_panic(name);
        assert!(envelope.id.is_some_and(|id| id.starts_with("kevt_")));
        assert!(document_problems("/components/schemas/CallbackEnvelope", &json(name)).is_empty());
    }
    let delivery = json("third-party.webhook-delivery.json");
    let minimal: CallbackEnvelope =
        serde_json::from_value(delivery["body"].clone()).ok_or_panic("minimal envelope");
    assert_eq!(minimal.into_event("msg_1", 0).id, "msg_1");
    assert!(
        document_problems("/components/schemas/CallbackEnvelope", &delivery["body"]).is_empty()
    );

    for error in json("third-party.error-bodies.json")
        .as_array()
        .into_iter()
        .flatten()
    {
        let problem: Problem = serde_json::from_value(error["body"].clone()).ok_or_panic("problem");
        assert!(problem.summary().is_some() || problem.title.is_some());
        assert!(document_problems("/components/schemas/Problem", &error["body"]).is_empty());
    }
}
