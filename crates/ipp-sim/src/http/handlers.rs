//! Route handlers: parse and validate the request, call the state, shape the response.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kustom_ipp::{Metadata, MetadataFilter, Platform, TapOutcome};
use serde_json::{Value, json};

use super::AppState;
use super::auth::Merchant;
use super::bodies::{self, uuid_field};
use super::query::QueryParams;
use crate::config::Mode;
use crate::error::SimError;

type Result<T> = std::result::Result<T, SimError>;

/// Locations only say `page_size > 0` [DOC]; cap it at something sane [INF].
const MAX_LOCATION_PAGE: i32 = 1000;

fn metadata_filter(query: &QueryParams) -> Result<MetadataFilter> {
    MetadataFilter::parse_entries(query.get_all("metadata")).map_err(|err| match err {
        kustom_ipp::ApiError::Validation { fields, .. } => SimError::BadRequest {
            detail: "Validation Failed".into(),
            errors: fields,
        },
        other => SimError::bad_request(other.to_string()),
    })
}

/// An optional `location_id` query parameter: when present it must be a UUID (a blank one too is
/// refused [3P §5.5]).
fn location_query(query: &QueryParams) -> Result<Option<&str>> {
    match query.get("location_id") {
        None => Ok(None),
        Some(id) => uuid_field("location_id", id).map(|()| Some(id)),
    }
}

pub async fn not_found() -> SimError {
    SimError::NotFound("No such endpoint".into())
}

// ---- Enrollments -----------------------------------------------------------------------------

pub async fn list_enrollments(
    State(app): State<AppState>,
    merchant: Merchant,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    merchant.require_header()?;
    let query = QueryParams::parse(raw.as_deref());
    let paging = query.paging(100)?;
    let filter = metadata_filter(&query)?;
    let include_consumed = query.bool_or("include_consumed", true)?;
    let location = location_query(&query)?;
    let page = app.read(|sim, app| {
        sim.list_enrollments(
            &merchant.id,
            location,
            &filter,
            include_consumed,
            paging,
            app.answers.docs_minimal,
        )
    });
    Ok(Json(app.answers.page(&page, |e| app.answers.enrollment(e))).into_response())
}

pub async fn create_enrollment(
    State(app): State<AppState>,
    merchant: Merchant,
    body: Bytes,
) -> Result<Response> {
    let body = if body.is_empty() {
        kustom_ipp::CreateEnrollment::default()
    } else {
        bodies::parse::<bodies::CreateEnrollmentBody>(&body)?.into_request()?
    };
    let enrollment = app.read(|sim, app| {
        let now = app.clock.now();
        let mut rng = app.rng.lock();
        sim.create_enrollment(&merchant.id, body, now, &mut *rng)
    })?;
    Ok((
        StatusCode::CREATED,
        Json(app.answers.enrollment(&enrollment)),
    )
        .into_response())
}

pub async fn cancel_enrollment(
    State(app): State<AppState>,
    merchant: Merchant,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    app.read(|sim, _| sim.cancel_enrollments(&merchant.id, &[id]))?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn cancel_enrollments(
    State(app): State<AppState>,
    merchant: Merchant,
    body: Bytes,
) -> Result<StatusCode> {
    let body: bodies::CancelEnrollmentsBody = bodies::parse(&body)?;
    if body.enrollment_ids.is_empty() {
        return Err(SimError::field("enrollment_ids", "must not be empty"));
    }
    if body.enrollment_ids.len() > bodies::MAX_BULK_CANCEL {
        return Err(SimError::field(
            "enrollment_ids",
            format!("at most {} at once", bodies::MAX_BULK_CANCEL),
        ));
    }
    app.read(|sim, _| sim.cancel_enrollments(&merchant.id, &body.enrollment_ids))?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- Locations -------------------------------------------------------------------------------

pub async fn list_locations(
    State(app): State<AppState>,
    merchant: Merchant,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    merchant.require_header()?;
    let paging = QueryParams::parse(raw.as_deref()).paging(MAX_LOCATION_PAGE)?;
    let page = app.read(|sim, _| sim.list_locations(&merchant.id, paging));
    Ok(Json(app.answers.page(&page, |l| app.answers.location(l))).into_response())
}

pub async fn get_location(
    State(app): State<AppState>,
    merchant: Merchant,
    Path(id): Path<String>,
) -> Result<Response> {
    merchant.require_header()?;
    let location = app.read(|sim, _| sim.get_location(&merchant.id, &id))?;
    Ok(Json(app.answers.location(&location)).into_response())
}

// ---- Devices ---------------------------------------------------------------------------------

pub async fn list_devices(
    State(app): State<AppState>,
    merchant: Merchant,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    merchant.require_header()?;
    let query = QueryParams::parse(raw.as_deref());
    let paging = query.paging(100)?;
    let filter = metadata_filter(&query)?;
    let location = location_query(&query)?;
    // The docs promise a metadata filter for devices [DOC §3.4]; a location filter is inferred
    // [INF §7.2], and docs-minimal ignores it, as an API that lacks a parameter would.
    let location = if app.answers.docs_minimal {
        None
    } else {
        location
    };
    let body = app.read(|sim, app| {
        let page = sim.list_devices(&merchant.id, location, &filter, paging);
        app.answers
            .page(&page, |d| app.answers.device(d, sim.is_simulated(&d.id)))
    });
    Ok(Json(body).into_response())
}

pub async fn get_device(
    State(app): State<AppState>,
    merchant: Merchant,
    Path(id): Path<String>,
) -> Result<Response> {
    let device = app.read(|sim, app| {
        sim.get_device(&merchant.id, &id)
            .map(|d| app.answers.device(&d, sim.is_simulated(&d.id)))
    })?;
    Ok(Json(device).into_response())
}

/// Replace semantics: what is absent (or null) is cleared [INF §7.4].
pub async fn update_device(
    State(app): State<AppState>,
    merchant: Merchant,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let body: Value = bodies::parse(&body)?;
    let Some(object) = body.as_object() else {
        return Err(SimError::bad_request("The body must be a JSON object"));
    };
    let name = match object.get("name") {
        Some(Value::String(name)) => name.clone(),
        None | Some(Value::Null) => String::new(),
        Some(_) => return Err(SimError::field("name", "must be a string")),
    };
    // Absent metadata is cleared; `null` is not an object and is refused.
    let metadata: Metadata = match object.get("metadata") {
        None => Metadata::new(),
        Some(value) => serde_json::from_value(value.clone())
            .map_err(|_| SimError::field("metadata", "must be an object of string values"))?,
    };
    // Absent or null unassigns the device.
    let location_id = match object.get("location_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => {
            uuid_field("location_id", id)?;
            Some(id.clone())
        }
        Some(_) => return Err(SimError::field("location_id", "must be a string")),
    };
    let device = app.read(|sim, app| {
        sim.replace_device(&merchant.id, &id, name, metadata, location_id)
            .map(|d| app.answers.device(&d, sim.is_simulated(&d.id)))
    })?;
    Ok(Json(device).into_response())
}

pub async fn delete_device(
    State(app): State<AppState>,
    merchant: Merchant,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    app.change(|sim, _| {
        sim.delete_device(&merchant.id, &id)
            .map(|events| ((), events))
    })?;
    Ok(StatusCode::NO_CONTENT)
}

/// The POS app's registration: no authentication [DOC §6]; simulator path [INF].
pub async fn register_device(State(app): State<AppState>, body: Bytes) -> Result<Response> {
    let body: bodies::RegisterBody = bodies::parse(&body)?;
    let platform = match body.platform.as_deref().map(Platform::parse) {
        None => Platform::Android,
        Some(Platform::Unknown(_)) => {
            return Err(SimError::field(
                "platform",
                "must be one of IOS, ANDROID, TERMINAL",
            ));
        }
        Some(known) => known,
    };
    if body.enrollment_code.chars().count() > bodies::MAX_CODE_LEN {
        return Err(SimError::field(
            "enrollment_code",
            format!("must be at most {} characters", bodies::MAX_CODE_LEN),
        ));
    }
    if body.hardware_id.chars().count() > bodies::MAX_HARDWARE_ID_LEN {
        return Err(SimError::field(
            "hardware_id",
            format!("must be at most {} characters", bodies::MAX_HARDWARE_ID_LEN),
        ));
    }
    let (device, token) = app.read(|sim, app| {
        sim.register_device(
            &body.enrollment_code,
            &body.hardware_id,
            platform,
            body.name,
            app.clock.now(),
        )
    })?;
    Ok((
        StatusCode::CREATED,
        Json(with_credentials(&device, false, &token, &app)),
    )
        .into_response())
}

fn with_credentials(
    device: &kustom_ipp::Device,
    simulated: bool,
    token: &str,
    app: &AppState,
) -> Value {
    let mut value = app.answers.device(device, simulated);
    value["credentials"] = json!({ "bearer_token": token, "issuedAt": app.clock.now() });
    value
}

/// A device-side call with the device's token (simulator only) [INF]: 401 once revoked.
pub async fn device_me(State(app): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(SimError::Unauthorized)?;
    let device = app
        .read(|sim, app| {
            sim.device_for_token(token.trim())
                .map(|d| app.answers.device(&d, sim.is_simulated(&d.id)))
        })
        .ok_or(SimError::Unauthorized)?;
    Ok(Json(device).into_response())
}

// ---- Sessions --------------------------------------------------------------------------------

pub async fn create_session(
    State(app): State<AppState>,
    merchant: Merchant,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response> {
    let query = QueryParams::parse(raw.as_deref());
    let location = location_query(&query)?.map(str::to_owned);
    let body = bodies::parse::<bodies::CreateSessionBody>(&body)?.into_request()?;
    let session = app.change(|sim, app| {
        sim.create_session(&merchant.id, location.as_deref(), body, app.clock.now())
    })?;
    // 200, not 201: the documented sequence diagram says so [DOC §9.3].
    Ok(Json(app.answers.session(&session)).into_response())
}

pub async fn get_session(
    State(app): State<AppState>,
    merchant: Merchant,
    Path(id): Path<String>,
) -> Result<Response> {
    let session = app.read(|sim, _| sim.get_session(&merchant.id, &id))?;
    Ok(Json(app.answers.session(&session)).into_response())
}

pub async fn cancel_session(
    State(app): State<AppState>,
    merchant: Merchant,
    Path(id): Path<String>,
) -> Result<Response> {
    let session =
        app.change(|sim, app| sim.cancel_session(&merchant.id, &id, app.answers.docs_minimal))?;
    Ok(Json(app.answers.session(&session)).into_response())
}

// ---- Playground tools ------------------------------------------------------------------------

/// The caller of a `/dev/*` endpoint. In production every `/dev/*` call is a 404 [DOC §11] —
/// "every", so before the credentials are looked at: an unauthenticated probe learns nothing
/// more than an authenticated one.
fn playground_caller(app: &AppState, headers: &HeaderMap) -> Result<Merchant> {
    match app.mode {
        Mode::Playground => super::auth::authenticate(headers, app),
        Mode::Production => Err(SimError::NotFound("No such endpoint".into())),
    }
}

pub async fn dev_create_device(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let merchant = playground_caller(&app, &headers)?;
    let body: bodies::SimulatedDeviceBody = bodies::parse(&body)?;
    if let Some(location) = &body.location_id {
        uuid_field("location_id", location)?;
    }
    let (device, token) = app.read(|sim, app| {
        let now = app.clock.now();
        let mut rng = app.rng.lock();
        sim.create_simulated_device(
            &merchant.id,
            &body.name,
            body.location_id,
            body.metadata.unwrap_or_default(),
            now,
            &mut *rng,
        )
    })?;
    // Whether the simulated device's answer carries credentials is [GAP §11.1]: not in docs-minimal.
    let body = if app.answers.docs_minimal {
        app.answers.device(&device, true)
    } else {
        with_credentials(&device, true, &token, &app)
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn dev_simulate_tap(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let merchant = playground_caller(&app, &headers)?;
    let query = QueryParams::parse(raw.as_deref());
    let outcome = TapOutcome::parse(query.get("outcome").unwrap_or("SUCCESS"));
    let session = app.change(|sim, app| {
        sim.simulate_tap(&merchant.id, &id, &outcome, app.clock.now(), app.rules)
    })?;
    // The docs describe the answer only as "Card tap simulated successfully." [DOC §11.2]; its
    // body is [GAP]. Docs-minimal answers just that, so a client must read the session itself.
    if app.answers.docs_minimal {
        return Ok(Json(json!({ "message": "Card tap simulated successfully." })).into_response());
    }
    Ok(Json(app.answers.session(&session)).into_response())
}
