//! Every operation of `/ipp/v1` [API.md §4], as methods on [`Client`].

use reqwest::Method;

use crate::client::{Call, Client, Repeat};
use crate::error::ApiError;
use crate::filter::MetadataFilter;
use crate::models::*;

/// Filters of `GET /ipp/v1/enrollments` [DOC §5.4].
#[derive(Debug, Clone, Default)]
pub struct EnrollmentQuery {
    pub location_id: Option<String>,
    pub metadata: MetadataFilter,
    /// `None` uses the API's default (`true`).
    pub include_consumed: Option<bool>,
}

/// Filters of `GET /ipp/v1/devices` (mirroring enrollments) [INF §7.2].
#[derive(Debug, Clone, Default)]
pub struct DeviceQuery {
    pub location_id: Option<String>,
    pub metadata: MetadataFilter,
}

fn page_query(page: PageRequest) -> [(&'static str, String); 2] {
    [
        ("page_number", page.page_number.to_string()),
        ("page_size", page.page_size.to_string()),
    ]
}

/// The longest id accepted in a path (Kustom's ids are UUIDs, 36 characters [DOC §3]).
pub const MAX_ID_LEN: usize = 64;

/// An id that goes into a path: only ASCII letters, digits, `-` and `_`, at most
/// [`MAX_ID_LEN`] of them. An allowlist, not a list of what to refuse: a URL parser strips tabs
/// and newlines, reads `\` as `/` and decodes `%2e`, so anything else could change the path. The
/// id still becomes one percent-encoded segment of its own ([`Call::new`]).
pub fn id_segment(field: &str, id: &str) -> Result<String, ApiError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if id.is_empty() || id.len() > MAX_ID_LEN || !id.chars().all(allowed) {
        return Err(ApiError::invalid(
            field,
            format!(
                "{:?} is not a valid id (letters, digits, - and _, at most {MAX_ID_LEN})",
                crate::text::cut(id, MAX_ID_LEN)
            ),
        ));
    }
    Ok(id.to_owned())
}

impl Client {
    // ---- Enrollments -------------------------------------------------------------------------

    /// `GET /ipp/v1/enrollments` — CANCELLED ones are never listed [DOC].
    pub async fn list_enrollments(
        &self,
        query: &EnrollmentQuery,
        page: PageRequest,
    ) -> Result<Page<Enrollment>, ApiError> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        if let Some(location) = &query.location_id {
            pairs.push(("location_id", location.clone()));
        }
        pairs.extend(query.metadata.query_pairs());
        if let Some(include) = query.include_consumed {
            pairs.push(("include_consumed", include.to_string()));
        }
        pairs.extend(page_query(page));
        self.json(Call::new(Method::GET, &["enrollments"], "list enrollments").query(pairs))
            .await
    }

    /// `POST /ipp/v1/enrollments` → 201 with a PENDING enrollment. Never retried once it may have
    /// reached the server: a second code would be created.
    pub async fn create_enrollment(&self, body: &CreateEnrollment) -> Result<Enrollment, ApiError> {
        if body.location_id.as_deref() == Some("") {
            return Err(ApiError::invalid("location_id", "must not be blank"));
        }
        self.json(Call::new(Method::POST, &["enrollments"], "create an enrollment").json(body)?)
            .await
    }

    /// Cancels one PENDING enrollment: `DELETE /ipp/v1/enrollments/{id}` → 204. The real path is
    /// not documented [GAP §5.6]; this is the simulator's [INF].
    ///
    /// Cancelling is safe to repeat. When an attempt's outcome was unknown (a lost answer) and a
    /// later one is refused with 404 or 409, the enrollment may be cancelled already — by that
    /// lost attempt — so the state decides: a cancelled enrollment is never listed [DOC §5.3], and
    /// one that is not listed any more counts as done.
    pub async fn cancel_enrollment(&self, enrollment_id: &str) -> Result<(), ApiError> {
        let id = id_segment("enrollment_id", enrollment_id)?;
        let call = Call::new(
            Method::DELETE,
            &["enrollments", &id],
            "cancel an enrollment",
        )
        .repeat(Repeat::Safe);
        match self.send_tracking_uncertainty(call).await {
            Ok(_) => Ok(()),
            Err((error @ (ApiError::NotFound(_) | ApiError::Conflict(_)), true)) => {
                self.settle_cancelled_enrollments(&[enrollment_id.to_owned()], error)
                    .await
            }
            Err((error, _)) => Err(error),
        }
    }

    /// Cancels several PENDING enrollments at once: `DELETE /ipp/v1/enrollments` with
    /// `{"enrollment_ids": [...]}` [INF §5.6]. Settled like [`Client::cancel_enrollment`] after an
    /// unknown outcome.
    pub async fn cancel_enrollments(&self, enrollment_ids: &[String]) -> Result<(), ApiError> {
        let body = serde_json::json!({ "enrollment_ids": enrollment_ids });
        let call = Call::new(Method::DELETE, &["enrollments"], "cancel enrollments")
            .json(&body)?
            .repeat(Repeat::Safe);
        match self.send_tracking_uncertainty(call).await {
            Ok(_) => Ok(()),
            Err((error @ (ApiError::NotFound(_) | ApiError::Conflict(_)), true)) => {
                self.settle_cancelled_enrollments(enrollment_ids, error)
                    .await
            }
            Err((error, _)) => Err(error),
        }
    }

    /// After a lost answer: `Ok` when none of `ids` is listed any more, otherwise the refusal the
    /// API gave. A code that is not listed was cancelled or has expired [DOC §5.3]: either way it
    /// can no longer be used, which is what the cancel was for.
    async fn settle_cancelled_enrollments(
        &self,
        ids: &[String],
        refusal: ApiError,
    ) -> Result<(), ApiError> {
        let query = EnrollmentQuery {
            include_consumed: Some(true),
            ..EnrollmentQuery::default()
        };
        let mut page = PageRequest::first(PageRequest::MAX_SIZE);
        // Bounded: a fleet's enrollments fit in far fewer pages; past this, keep the refusal.
        for _ in 0..crate::paging::MAX_PAGES {
            let listed = self.list_enrollments(&query, page).await?;
            if listed
                .content
                .iter()
                .any(|e| ids.contains(&e.enrollment_id))
            {
                return Err(refusal);
            }
            if listed.last || listed.content.is_empty() {
                return Ok(());
            }
            page.page_number += 1;
        }
        Err(refusal)
    }

    // ---- Locations ---------------------------------------------------------------------------

    /// `GET /ipp/v1/locations` [DOC §8.1]. Items are "any" in the docs: those without an id
    /// cannot be referred to and are left out of `content` (the totals stay as the API said).
    pub async fn list_locations(&self, page: PageRequest) -> Result<Page<Location>, ApiError> {
        let items: Page<LocationItem> = self
            .json(Call::new(Method::GET, &["locations"], "list locations").query(page_query(page)))
            .await?;
        Ok(Page {
            content: items
                .content
                .into_iter()
                .filter_map(LocationItem::usable)
                .collect(),
            total_elements: items.total_elements,
            total_pages: items.total_pages,
            page_number: items.page_number,
            page_size: items.page_size,
            first: items.first,
            last: items.last,
        })
    }

    /// `GET /ipp/v1/locations/{id}` [DOC §8.2].
    pub async fn get_location(&self, location_id: &str) -> Result<Location, ApiError> {
        let id = id_segment("location_id", location_id)?;
        self.json(Call::new(
            Method::GET,
            &["locations", &id],
            "get a location",
        ))
        .await
    }

    // ---- Devices -----------------------------------------------------------------------------

    /// `GET /ipp/v1/devices` [DOC page; parameters INF §7.2].
    pub async fn list_devices(
        &self,
        query: &DeviceQuery,
        page: PageRequest,
    ) -> Result<Page<Device>, ApiError> {
        self.json(devices_call(query, page)).await
    }

    /// [`Client::list_devices`], with the answer's JSON as it came: the page decoded from exactly
    /// these bytes. (A GET, so the call is safe to repeat as in `list_devices`.)
    pub async fn list_devices_with_body(
        &self,
        query: &DeviceQuery,
        page: PageRequest,
    ) -> Result<(Page<Device>, Vec<u8>), ApiError> {
        self.json_with_body(devices_call(query, page)).await
    }

    /// `GET /ipp/v1/devices/{id}` [INF §7.3].
    pub async fn get_device(&self, device_id: &str) -> Result<Device, ApiError> {
        let id = id_segment("device_id", device_id)?;
        self.json(Call::new(Method::GET, &["devices", &id], "get a device"))
            .await
    }

    /// `PUT /ipp/v1/devices/{id}` — replaces name, metadata and location [DOC §7.4; replace INF].
    /// Send the full body (see [`UpdateDevice::from_device`]). Safe to retry: it is a replace.
    pub async fn update_device(
        &self,
        device_id: &str,
        body: &UpdateDevice,
    ) -> Result<Device, ApiError> {
        let id = id_segment("device_id", device_id)?;
        if body.name.trim().is_empty() {
            return Err(ApiError::invalid("name", "must not be empty"));
        }
        self.json(Call::new(Method::PUT, &["devices", &id], "update a device").json(body)?)
            .await
    }

    /// `DELETE /ipp/v1/devices/{id}` → 204 [DOC sample; INF]: deregisters the device and revokes
    /// its token. Retried like a safe call. After an attempt whose outcome was unknown, a 404 or
    /// 409 is settled by the state: a device that cannot be read any more is gone, as wanted.
    pub async fn delete_device(&self, device_id: &str) -> Result<(), ApiError> {
        let id = id_segment("device_id", device_id)?;
        let call =
            Call::new(Method::DELETE, &["devices", &id], "delete a device").repeat(Repeat::Safe);
        match self.send_tracking_uncertainty(call).await {
            Ok(_) => Ok(()),
            Err((ApiError::NotFound(_), true)) => Ok(()),
            Err((refusal @ ApiError::Conflict(_), true)) => {
                match self.get_device(device_id).await {
                    Err(ApiError::NotFound(_)) => Ok(()),
                    _ => Err(refusal),
                }
            }
            Err((error, _)) => Err(error),
        }
    }

    /// The POS app's registration with a pairing code, unauthenticated [DOC flow §6]. The real
    /// endpoint is not public; this is the simulator's `POST /ipp/v1/devices/register` [INF].
    pub async fn register_device(
        &self,
        body: &RegisterDevice,
    ) -> Result<RegisteredDevice, ApiError> {
        self.json(
            Call::new(Method::POST, &["devices", "register"], "register a device")
                .json(body)?
                .unauthenticated(),
        )
        .await
    }

    /// A device-side call with the device's own bearer token: `GET /ipp/v1/device/me`. Simulator
    /// only [INF]: it shows whether a token is still valid (401 once the device is deleted).
    pub async fn device_whoami(&self, bearer_token: &crate::Secret) -> Result<Device, ApiError> {
        self.json(
            Call::new(Method::GET, &["device", "me"], "check a device token")
                .unauthenticated()
                .bearer(bearer_token.clone()),
        )
        .await
    }

    // ---- Sessions ----------------------------------------------------------------------------

    /// `POST /ipp/v1/sessions?location_id=…` → 200 with a CREATED session [DOC §9.3].
    pub async fn create_session(
        &self,
        location_id: Option<&str>,
        body: &CreateSession,
    ) -> Result<Session, ApiError> {
        let query = location_id.map(|id| ("location_id", id.to_owned()));
        self.json(
            Call::new(Method::POST, &["sessions"], "create a session")
                .query(query)
                .json(body)?,
        )
        .await
    }

    /// `GET /ipp/v1/sessions/{session_id}` [DOC §9.4].
    pub async fn get_session(&self, session_id: &str) -> Result<Session, ApiError> {
        let id = id_segment("session_id", session_id)?;
        self.json(Call::new(Method::GET, &["sessions", &id], "get a session"))
            .await
    }

    /// `PUT /ipp/v1/sessions/{session_id}/cancel` [DOC §9.5]. Safe to retry. What a repeat of an
    /// already applied cancel answers is [GAP] (the simulator: 200; another server may say 409 or
    /// 404), so after an attempt whose outcome was unknown a refusal is settled by reading the
    /// session: CANCELLED is what was wanted.
    pub async fn cancel_session(&self, session_id: &str) -> Result<Session, ApiError> {
        let id = id_segment("session_id", session_id)?;
        let context = "cancel a session";
        let call = Call::new(Method::PUT, &["sessions", &id, "cancel"], context);
        match self.send_tracking_uncertainty(call).await {
            Ok(body) => crate::client::decode(context, &body),
            Err((refusal @ (ApiError::Conflict(_) | ApiError::NotFound(_)), true)) => {
                match self.get_session(session_id).await {
                    Ok(session) if session.status == SessionStatus::Cancelled => Ok(session),
                    _ => Err(refusal),
                }
            }
            Err((error, _)) => Err(error),
        }
    }

    // ---- Playground tools (404 in production) -----------------------------------------------

    /// `POST /ipp/v1/dev/devices` — a simulated, already registered device [DOC §11.1].
    pub async fn dev_create_device(
        &self,
        body: &CreateSimulatedDevice,
    ) -> Result<RegisteredDevice, ApiError> {
        if body.name.trim().is_empty() {
            return Err(ApiError::invalid("name", "must not be empty"));
        }
        self.json(
            Call::new(
                Method::POST,
                &["dev", "devices"],
                "create a simulated device",
            )
            .json(body)?,
        )
        .await
    }

    /// `POST /ipp/v1/dev/sessions/{sessionId}/simulate-tap?outcome=…` [DOC §11.2]. The docs give
    /// the answer only as "Card tap simulated successfully." — its body is [GAP] — so nothing is
    /// read from it: read the session with [`Client::get_session`] afterwards.
    pub async fn dev_simulate_tap(
        &self,
        session_id: &str,
        outcome: &TapOutcome,
    ) -> Result<(), ApiError> {
        let id = id_segment("session_id", session_id)?;
        let call = Call::new(
            Method::POST,
            &["dev", "sessions", &id, "simulate-tap"],
            "simulate a card tap",
        )
        .query([("outcome", outcome.as_str().to_owned())]);
        self.send_tracking_uncertainty(call)
            .await
            .map(|_| ())
            .map_err(|(error, _)| error)
    }
}

/// `GET /ipp/v1/devices` with a filter and a page.
fn devices_call(query: &DeviceQuery, page: PageRequest) -> Call<'static> {
    let mut pairs: Vec<(&'static str, String)> = Vec::new();
    if let Some(location) = &query.location_id {
        pairs.push(("location_id", location.clone()));
    }
    pairs.extend(query.metadata.query_pairs());
    pairs.extend(page_query(page));
    Call::new(Method::GET, &["devices"], "list devices").query(pairs)
}
