//! The client's traffic against the hand-written OpenAPI document — and proof that the check
//! bites: recorded exchanges with one field misspelled, an enum value spelled differently, a
//! wrong media type or an undocumented status fail it, and so does real traffic held to a
//! deliberately broken copy of the document.

use contract_tests::openapi_check::{Contract, Exchange};
use contract_tests::*;
use kustom_ipp::{CreateEnrollment, DeviceQuery, EnrollmentQuery, PageRequest, UpdateDevice};
use serde_json::{Value, json};

/// Real traffic: the client against the simulator through the recording proxy.
async fn recorded() -> Vec<Exchange> {
    let (sim, _) = playground().await;
    let client = client(&sim);
    let location = first_location(&client).await;
    client
        .create_enrollment(&CreateEnrollment {
            location_id: Some(location.clone()),
            expires_in: Some(900_000),
            ..Default::default()
        })
        .await
        .ok_or_panic("create enrollment");
    client
        .list_enrollments(&EnrollmentQuery::default(), PageRequest::default())
        .await
        .ok_or_panic("list enrollments");
    let device = client
        .list_devices(&DeviceQuery::default(), PageRequest::default())
        .await
        .ok_or_panic("list devices")
        .content[0]
        .clone();
    let mut body = UpdateDevice::from_device(&device);
    body.location_id = Some(location);
    client
        .update_device(&device.id, &body)
        .await
        .ok_or_panic("update");
    let _missing = client
        .get_device("00000000-0000-4000-8000-000000000000")
        .await;
    sim.exchanges()
}

fn find<'a>(exchanges: &'a [Exchange], method: &str, path: &str) -> &'a Exchange {
    exchanges
        .iter()
        .find(|e| e.method == method && e.path.starts_with(path))
        .unwrap_or_else(|| panic!("no {method} {path} recorded"))
}

fn with_body(exchange: &Exchange, edit: impl FnOnce(&mut Value)) -> Exchange {
    let mut copy = exchange.clone();
    let mut body: Value = serde_json::from_slice(copy.response_body.as_deref().unwrap_or_default())
        .ok_or_panic("recorded body");
    edit(&mut body);
    copy.response_body = Some(body.to_string().into_bytes());
    copy
}

fn rename(object: &mut Value, from: &str, to: &str) {
    let map = object
        .as_object_mut()
        .unwrap_or_else(|| panic!("not an object"));
    let value = map
        .remove(from)
        .unwrap_or_else(|| panic!("no field {from}"));
    map.insert(to.to_owned(), value);
}

#[tokio::test]
async fn the_recorded_traffic_follows_the_document() {
    let exchanges = recorded().await;
    assert!(exchanges.len() >= 5, "{} exchanges", exchanges.len());
    for exchange in &exchanges {
        assert_eq!(contract().check(exchange), Vec::<String>::new());
    }
    // Real 404s were among them, and were judged too.
    assert!(exchanges.iter().any(|e| e.status == 404));
}

#[tokio::test]
async fn a_response_with_a_misspelled_field_fails() {
    let exchanges = recorded().await;
    let created = find(&exchanges, "POST", "/ipp/v1/enrollments");
    // A required field misspelled.
    let broken = with_body(created, |body| {
        rename(body, "enrollment_code", "enrolment_code")
    });
    let violations = contract().check(&broken);
    assert!(
        violations.iter().any(|v| v.contains("enrollment_code")),
        "{violations:?}"
    );
    // An optional field misspelled: only the closed reading can see it.
    // (Added rather than renamed: in docs-minimal mode the answer has no optional field to rename.)
    let broken = with_body(created, |body| {
        body["locaton_id"] = Value::String("550e8400-e29b-41d4-a716-446655440000".into());
    });
    let violations = contract().check(&broken);
    assert!(
        violations.iter().any(|v| v.contains("locaton_id")),
        "{violations:?}"
    );
    // Deep inside a page: one device's platform key.
    let listed = find(&exchanges, "GET", "/ipp/v1/devices");
    let broken = with_body(listed, |body| {
        rename(&mut body["content"][0], "platform", "plattform")
    });
    assert!(!contract().check(&broken).is_empty());
}

#[tokio::test]
async fn an_enum_value_spelled_differently_fails() {
    let exchanges = recorded().await;
    let created = find(&exchanges, "POST", "/ipp/v1/enrollments");
    for spelling in ["Pending", "pending", "PENDNG"] {
        let broken = with_body(created, |body| body["status"] = json!(spelling));
        let violations = contract().check(&broken);
        assert!(
            violations.iter().any(|v| v.contains("status")),
            "{spelling}: {violations:?}"
        );
    }
    let listed = find(&exchanges, "GET", "/ipp/v1/devices");
    let broken = with_body(listed, |body| body["content"][0]["platform"] = json!("iOS"));
    assert!(!contract().check(&broken).is_empty());
}

/// The list rule of §5.3 is in the document too: a listed EXPIRED or CANCELLED enrollment fails.
#[tokio::test]
async fn an_expired_or_cancelled_enrollment_in_a_list_fails() {
    let exchanges = recorded().await;
    let listed = find(&exchanges, "GET", "/ipp/v1/enrollments");
    assert_eq!(contract().check(listed), Vec::<String>::new());
    for status in ["EXPIRED", "CANCELLED"] {
        let broken = with_body(listed, |body| body["content"][0]["status"] = json!(status));
        assert!(
            !contract().check(&broken).is_empty(),
            "a listed {status} enrollment passed"
        );
    }
    // The same object outside a list (a create's answer) may be anything the enum allows.
    let created = find(&exchanges, "POST", "/ipp/v1/enrollments");
    let expired = with_body(created, |body| body["status"] = json!("EXPIRED"));
    assert_eq!(contract().check(&expired), Vec::<String>::new());
}

#[tokio::test]
async fn a_request_with_a_misspelled_field_that_was_accepted_fails() {
    let exchanges = recorded().await;
    let update = find(&exchanges, "PUT", "/ipp/v1/devices/");
    assert_eq!(update.status, 200);
    let mut broken = update.clone();
    let mut body: Value = serde_json::from_slice(&broken.request_body).ok_or_panic("request body");
    rename(&mut body, "location_id", "locationId");
    broken.request_body = body.to_string().into_bytes();
    let violations = contract().check(&broken);
    assert!(
        violations
            .iter()
            .any(|v| v.contains("does not follow the document") && v.contains("locationId")),
        "{violations:?}"
    );
    // The same request refused with a 400 is fine: sent on purpose, and refused.
    let mut refused = broken.clone();
    refused.status = 400;
    refused.response_content_type = Some("application/problem+json".into());
    refused.response_body = Some(br#"{"title":"Validation Failed","status":400}"#.to_vec());
    assert_eq!(contract().check(&refused), Vec::<String>::new());
}

#[tokio::test]
async fn a_wrong_media_type_or_an_undocumented_status_fails() {
    let exchanges = recorded().await;
    let missing = exchanges
        .iter()
        .find(|e| e.status == 404)
        .unwrap_or_else(|| panic!("no 404 recorded"));
    let mut plain_json = missing.clone();
    plain_json.response_content_type = Some("application/json".into());
    assert!(!contract().check(&plain_json).is_empty());
    let created = find(&exchanges, "POST", "/ipp/v1/enrollments");
    let mut accepted = created.clone();
    accepted.status = 202;
    assert!(!contract().check(&accepted).is_empty());
}

#[tokio::test]
async fn real_traffic_fails_against_a_deliberately_broken_copy_of_the_document() {
    let exchanges = recorded().await;
    let mut document: Value =
        serde_json::from_str(kustom_ipp::openapi::DOCUMENT).ok_or_panic("document");
    // Break the copy the way a hand-written document could be wrong: a misspelled field and a
    // differently spelled enum value.
    let enrollment = &mut document["components"]["schemas"]["Enrollment"];
    rename(
        &mut enrollment["properties"],
        "enrollment_code",
        "enrolment_code",
    );
    enrollment["required"] = json!([
        "enrollment_id",
        "enrolment_code",
        "expires_at",
        "status",
        "metadata"
    ]);
    document["components"]["schemas"]["Platform"]["enum"] = json!(["iOS", "ANDROID", "TERMINAL"]);
    let broken = Contract::from_document(document);

    let created = find(&exchanges, "POST", "/ipp/v1/enrollments");
    assert!(contract().check(created).is_empty());
    let violations = broken.check(created);
    assert!(
        violations.iter().any(|v| v.contains("enrolment_code")),
        "{violations:?}"
    );
    let listed = find(&exchanges, "GET", "/ipp/v1/devices");
    let ios = serde_json::from_slice::<Value>(listed.response_body.as_deref().unwrap_or_default())
        .ok_or_panic("page")["content"]
        .as_array()
        .is_some_and(|devices| devices.iter().any(|d| d["platform"] == "IOS"));
    assert!(ios, "the demo fleet has iPhones");
    assert!(!broken.check(listed).is_empty());
}
