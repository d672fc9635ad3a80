//! The simulator's data and rules, free of HTTP: every operation of `/ipp/v1` as a method that
//! takes "now" and returns the resource or a [`SimError`], plus the callback events it causes.
//!
//! The whole state serializes, so the app can persist its local playground between runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use kustom_ipp::{
    CreateEnrollment, CreateSession, Device, Enrollment, EnrollmentCode, EnrollmentStatus,
    EventType, Location, Metadata, MetadataFilter, OrderLine, Page, Platform, Session,
    SessionStatus, TapOutcome,
};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::text;

/// Pairing codes: 8 characters from an alphabet without look-alikes (no I, O, 0, 1) [INF §5.2].
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
pub const CODE_LENGTH: usize = 8;
/// Kustom's default enrollment lifetime: 2 h [DOC §5.5].
pub const DEFAULT_EXPIRES_IN_MS: i64 = 7_200_000;
/// Accepted `expires_in` range [GAP; INF]: any positive lifetime up to seven days. There is no
/// larger minimum: the docs' own examples use 360 000 (reference) and 36 000 (guide) [DOC §5.5].
pub const EXPIRES_IN_RANGE_MS: std::ops::RangeInclusive<i64> = 1..=604_800_000;
/// Metadata write limits [GAP; INF].
pub const METADATA_MAX_ENTRIES: usize = 50;
pub const METADATA_MAX_KEY_LEN: usize = 64;
pub const METADATA_MAX_VALUE_LEN: usize = 256;
/// Device names are capped at 100 characters (as the third-party client trims them) [3P].
pub const DEVICE_NAME_MAX_LEN: usize = 100;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredLocation {
    pub merchant_id: String,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredEnrollment {
    pub merchant_id: String,
    pub enrollment: Enrollment,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSession {
    pub merchant_id: String,
    pub session: Session,
    pub created_at: DateTime<Utc>,
    pub location_id: Option<String>,
    pub declines: u32,
}

/// A callback the state wants sent once the change is committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEvent {
    pub merchant_id: String,
    pub event_type: EventType,
    pub session_id: String,
    pub order_id: Option<String>,
    pub failure_reason: Option<String>,
}

/// Session rules that come from configuration.
#[derive(Debug, Clone, Copy)]
pub struct SessionRules {
    pub timeout: Duration,
    pub max_declines: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SimState {
    pub locations: Vec<StoredLocation>,
    /// In creation order (the list order).
    pub devices: Vec<Device>,
    pub enrollments: Vec<StoredEnrollment>,
    pub sessions: BTreeMap<String, StoredSession>,
    /// Device bearer token → device id. Deleting a device removes its token (revocation).
    pub tokens: HashMap<String, String>,
    /// Devices made by `/dev/devices` (their `metadata.simulated` is written as boolean `true`).
    #[serde(default)]
    pub simulated: BTreeSet<String>,
    /// How many times each device was really changed (a `PUT` that changed something, a
    /// `DELETE`): what a test of "changed exactly once" compares with. Not part of the API.
    #[serde(default)]
    pub device_changes: BTreeMap<String, u32>,
    #[serde(skip)]
    device_index: HashMap<String, usize>,
    /// Bumped by every change (not saved): a saver writes the state only when this moved.
    #[serde(skip)]
    pub revision: u64,
}

/// Validated paging parameters.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page_number: i32,
    pub page_size: i32,
}

fn paginate<T: Clone>(items: &[&T], paging: Paging) -> Page<T> {
    let start = (paging.page_number as usize).saturating_mul(paging.page_size as usize);
    let content = items
        .iter()
        .skip(start)
        .take(paging.page_size as usize)
        .map(|item| (*item).clone())
        .collect();
    Page::new(
        content,
        items.len() as i64,
        paging.page_number,
        paging.page_size,
    )
}

impl SimState {
    /// Rebuilds the lookup indexes (after deserializing).
    pub fn reindex(&mut self) {
        self.device_index = self
            .devices
            .iter()
            .enumerate()
            .map(|(index, device)| (device.id.clone(), index))
            .collect();
    }

    /// Applies time: pending codes past `expires_at` turn EXPIRED; live sessions past the timeout
    /// turn EXPIRED (no callback is documented for that [GAP]).
    pub fn tick(&mut self, now: DateTime<Utc>, rules: SessionRules) {
        for stored in &mut self.enrollments {
            let e = &mut stored.enrollment;
            if e.status == EnrollmentStatus::Pending && now >= e.expires_at {
                e.status = EnrollmentStatus::Expired;
                self.revision += 1;
            }
        }
        for stored in self.sessions.values_mut() {
            let live = matches!(
                stored.session.status,
                SessionStatus::Created | SessionStatus::Active
            );
            if live && now - stored.created_at >= rules.timeout {
                stored.session.status = SessionStatus::Expired;
                self.revision += 1;
            }
        }
    }

    /// Forgets what can no longer change, beyond the newest few, so a simulator that runs for
    /// months (the app's local playground) stays bounded: enrollments that ended (paired,
    /// cancelled, expired) beyond the newest `ended_enrollments`, finished sessions beyond the
    /// newest `finished_sessions`. Returns how many were forgotten.
    pub fn prune(&mut self, ended_enrollments: usize, finished_sessions: usize) -> usize {
        let ended = |e: &StoredEnrollment| e.enrollment.status != EnrollmentStatus::Pending;
        let ended_count = self.enrollments.iter().filter(|e| ended(e)).count();
        let mut drop_enrollments = ended_count.saturating_sub(ended_enrollments);
        let before = self.enrollments.len();
        // In creation order: the oldest ended ones go first.
        self.enrollments.retain(|e| {
            if drop_enrollments > 0 && ended(e) {
                drop_enrollments -= 1;
                false
            } else {
                true
            }
        });
        let forgotten_enrollments = before - self.enrollments.len();
        let mut finished: Vec<(DateTime<Utc>, String)> = self
            .sessions
            .iter()
            .filter(|(_, s)| {
                !matches!(
                    s.session.status,
                    SessionStatus::Created | SessionStatus::Active
                )
            })
            .map(|(id, s)| (s.created_at, id.clone()))
            .collect();
        finished.sort();
        let excess = finished.len().saturating_sub(finished_sessions);
        for (_, id) in &finished[..excess] {
            self.sessions.remove(id);
        }
        let forgotten = forgotten_enrollments + excess;
        if forgotten > 0 {
            self.revision += 1;
        }
        forgotten
    }

    // ---- Locations ---------------------------------------------------------------------------

    pub fn add_location(&mut self, merchant_id: &str, location: Location) {
        self.revision += 1;
        self.locations.push(StoredLocation {
            merchant_id: merchant_id.to_owned(),
            location,
        });
    }

    pub fn list_locations(&self, merchant_id: &str, paging: Paging) -> Page<Location> {
        let items: Vec<&Location> = self
            .locations
            .iter()
            .filter(|l| l.merchant_id == merchant_id)
            .map(|l| &l.location)
            .collect();
        paginate(&items, paging)
    }

    pub fn get_location(&self, merchant_id: &str, id: &str) -> Result<Location, SimError> {
        self.locations
            .iter()
            .find(|l| l.merchant_id == merchant_id && l.location.id == id)
            .map(|l| l.location.clone())
            .ok_or_else(|| SimError::NotFound(format!("Location {id} not found")))
    }

    fn has_location(&self, merchant_id: &str, id: &str) -> bool {
        self.locations
            .iter()
            .any(|l| l.merchant_id == merchant_id && l.location.id == id)
    }

    /// A location named in a request must be one of the merchant's: a well-formed id that names
    /// none is a 404, like an unknown id in a path [INF].
    ///
    /// An unknown id is found before the body's other rules are checked (404 before 400). Kept:
    /// the order is not documented, neither order is more convenient for a client (both refuse the
    /// request, and Fleetdesk never branches on which came first), and a fixed order keeps the
    /// simulator's answers reproducible for the contract fuzzing.
    fn require_location(&self, merchant_id: &str, id: &str) -> Result<(), SimError> {
        if self.has_location(merchant_id, id) {
            Ok(())
        } else {
            Err(SimError::NotFound(format!("Location {id} not found")))
        }
    }

    // ---- Enrollments -------------------------------------------------------------------------

    pub fn create_enrollment(
        &mut self,
        merchant_id: &str,
        body: CreateEnrollment,
        now: DateTime<Utc>,
        rng: &mut impl Rng,
    ) -> Result<Enrollment, SimError> {
        self.revision += 1;
        let mut errors = BTreeMap::new();
        let expires_in = match (body.expires_in, &body.ttl) {
            (Some(ms), _) => {
                if !EXPIRES_IN_RANGE_MS.contains(&ms) {
                    errors.insert(
                        "expires_in".to_owned(),
                        format!(
                            "must be between {} and {} milliseconds",
                            EXPIRES_IN_RANGE_MS.start(),
                            EXPIRES_IN_RANGE_MS.end()
                        ),
                    );
                }
                ms
            }
            (None, Some(ttl)) => ttl.millis().unwrap_or_else(|| {
                errors.insert(
                    "ttl".to_owned(),
                    "must be one of TWO_HOURS, TWENTY_FOUR_HOURS, FORTY_EIGHT_HOURS, SEVENTY_TWO_HOURS".to_owned(),
                );
                0
            }),
            (None, None) => DEFAULT_EXPIRES_IN_MS,
        };
        let location_id = match body.location_id.as_deref() {
            Some("") => {
                errors.insert("location_id".to_owned(), "must not be blank".to_owned());
                None
            }
            Some(id) => {
                self.require_location(merchant_id, id)?;
                Some(id.to_owned())
            }
            None => {
                // Without a location Kustom uses the only one, or refuses [3P §5.5].
                let own: Vec<&StoredLocation> = self
                    .locations
                    .iter()
                    .filter(|l| l.merchant_id == merchant_id)
                    .collect();
                match own.as_slice() {
                    [only] => Some(only.location.id.clone()),
                    _ => {
                        errors.insert(
                            "location_id".to_owned(),
                            "must not be null when the merchant has several locations".to_owned(),
                        );
                        None
                    }
                }
            }
        };
        let metadata = body.metadata.unwrap_or_default();
        validate_metadata(&metadata, "metadata", &mut errors);
        SimError::fields(errors)?;

        let code = self.fresh_code(rng);
        let enrollment = Enrollment {
            enrollment_id: uuid::Uuid::new_v4().to_string(),
            enrollment_code: EnrollmentCode(code),
            expires_at: now + Duration::milliseconds(expires_in),
            status: EnrollmentStatus::Pending,
            metadata,
            location_id,
            created_at: Some(now),
            device_id: None,
            consumed_at: None,
        };
        self.enrollments.push(StoredEnrollment {
            merchant_id: merchant_id.to_owned(),
            enrollment: enrollment.clone(),
        });
        Ok(enrollment)
    }

    /// A code unique among PENDING codes (compared case-insensitively; codes are upper case).
    fn fresh_code(&self, rng: &mut impl Rng) -> String {
        loop {
            let code: String = (0..CODE_LENGTH)
                .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
                .collect();
            let taken = self.enrollments.iter().any(|e| {
                e.enrollment.status == EnrollmentStatus::Pending
                    && e.enrollment
                        .enrollment_code
                        .as_str()
                        .eq_ignore_ascii_case(&code)
            });
            if !taken {
                return code;
            }
        }
    }

    pub fn list_enrollments(
        &self,
        merchant_id: &str,
        location_id: Option<&str>,
        metadata: &MetadataFilter,
        include_consumed: bool,
        paging: Paging,
        creation_order: bool,
    ) -> Page<Enrollment> {
        let mut items: Vec<&Enrollment> = self
            .enrollments
            .iter()
            .filter(|e| e.merchant_id == merchant_id)
            .map(|e| &e.enrollment)
            // Cancelled (soft-deleted) and expired codes are never listed [DOC §5.3].
            .filter(|e| {
                !matches!(
                    e.status,
                    EnrollmentStatus::Cancelled | EnrollmentStatus::Expired
                )
            })
            .filter(|e| include_consumed || e.status != EnrollmentStatus::Consumed)
            .filter(|e| location_id.is_none_or(|id| e.location_id.as_deref() == Some(id)))
            .filter(|e| metadata.matches(&e.metadata))
            .collect();
        // The order is not documented [GAP]: newest first, or (docs-minimal) creation order, which
        // puts a new code on the last page.
        if !creation_order {
            items.sort_by(|a, b| {
                b.created_at
                    .cmp(&a.created_at)
                    .then(a.enrollment_id.cmp(&b.enrollment_id))
            });
        }
        paginate(&items, paging)
    }

    /// Soft-deletes PENDING enrollments: all or none [INF §5.6].
    pub fn cancel_enrollments(
        &mut self,
        merchant_id: &str,
        ids: &[String],
    ) -> Result<(), SimError> {
        self.revision += 1;
        let mut indexes = Vec::with_capacity(ids.len());
        for id in ids {
            let index = self
                .enrollments
                .iter()
                .position(|e| e.merchant_id == merchant_id && e.enrollment.enrollment_id == *id)
                .ok_or_else(|| SimError::NotFound(format!("Enrollment {id} not found")))?;
            let status = &self.enrollments[index].enrollment.status;
            if *status == EnrollmentStatus::Cancelled {
                return Err(SimError::NotFound(format!("Enrollment {id} not found")));
            }
            if *status != EnrollmentStatus::Pending {
                return Err(SimError::Conflict(format!(
                    "Enrollment {id} is {status} and can no longer be cancelled"
                )));
            }
            indexes.push(index);
        }
        for index in indexes {
            self.enrollments[index].enrollment.status = EnrollmentStatus::Cancelled;
        }
        Ok(())
    }

    // ---- Devices -----------------------------------------------------------------------------

    pub fn insert_device(&mut self, device: Device, token: Option<String>) {
        self.revision += 1;
        if let Some(token) = token {
            self.tokens.insert(token, device.id.clone());
        }
        self.device_index
            .insert(device.id.clone(), self.devices.len());
        self.devices.push(device);
    }

    fn device_position(&self, merchant_id: &str, id: &str) -> Result<usize, SimError> {
        self.device_index
            .get(id)
            .copied()
            .filter(|&index| self.devices[index].merchant_id == merchant_id)
            .ok_or_else(|| SimError::NotFound(format!("Device {id} not found")))
    }

    pub fn get_device(&self, merchant_id: &str, id: &str) -> Result<Device, SimError> {
        self.device_position(merchant_id, id)
            .map(|index| self.devices[index].clone())
    }

    pub fn list_devices(
        &self,
        merchant_id: &str,
        location_id: Option<&str>,
        metadata: &MetadataFilter,
        paging: Paging,
    ) -> Page<Device> {
        let items: Vec<&Device> = self
            .devices
            .iter()
            .filter(|d| d.merchant_id == merchant_id)
            .filter(|d| location_id.is_none_or(|id| d.location_id.as_deref() == Some(id)))
            .filter(|d| metadata.matches(&d.metadata))
            .collect();
        paginate(&items, paging)
    }

    /// `PUT` replaces name, metadata and location: absent metadata is cleared to `{}`, absent
    /// location to unassigned [INF §7.4].
    pub fn replace_device(
        &mut self,
        merchant_id: &str,
        id: &str,
        name: String,
        metadata: Metadata,
        location_id: Option<String>,
    ) -> Result<Device, SimError> {
        self.revision += 1;
        let index = self.device_position(merchant_id, id)?;
        if let Some(location) = &location_id {
            self.require_location(merchant_id, location)?;
        }
        let mut errors = BTreeMap::new();
        let name = text::trim(&name).to_owned();
        if name.is_empty() {
            errors.insert("name".to_owned(), "must not be blank".to_owned());
        } else if name.chars().count() > DEVICE_NAME_MAX_LEN {
            errors.insert(
                "name".to_owned(),
                format!("must be at most {DEVICE_NAME_MAX_LEN} characters"),
            );
        }
        validate_metadata(&metadata, "metadata", &mut errors);
        SimError::fields(errors)?;
        let device = &mut self.devices[index];
        let changed =
            device.name != name || device.metadata != metadata || device.location_id != location_id;
        device.name = name;
        device.metadata = metadata;
        device.location_id = location_id;
        let device = device.clone();
        if changed {
            *self.device_changes.entry(device.id.clone()).or_default() += 1;
        }
        Ok(device)
    }

    /// Removes a device, revokes its token, and cancels its live sessions [INF §7.5].
    pub fn delete_device(
        &mut self,
        merchant_id: &str,
        id: &str,
    ) -> Result<Vec<PendingEvent>, SimError> {
        self.revision += 1;
        let index = self.device_position(merchant_id, id)?;
        self.devices.remove(index);
        self.simulated.remove(id);
        *self.device_changes.entry(id.to_owned()).or_default() += 1;
        self.reindex();
        self.tokens.retain(|_, device_id| device_id != id);
        let mut events = Vec::new();
        for stored in self.sessions.values_mut() {
            let live = matches!(
                stored.session.status,
                SessionStatus::Created | SessionStatus::Active
            );
            if stored.session.device_id == id && live {
                stored.session.status = SessionStatus::Cancelled;
                events.push(event(stored, EventType::SessionCancelled, None));
            }
        }
        Ok(events)
    }

    /// The device a bearer token belongs to, if the token is still valid.
    pub fn device_for_token(&self, token: &str) -> Option<Device> {
        let id = self.tokens.get(token)?;
        self.device_index
            .get(id)
            .map(|&index| self.devices[index].clone())
    }

    /// The POS app presents a pairing code: the code is consumed and a device registered with the
    /// enrollment's metadata and location [DOC §6]. Spaces and dashes in the typed code are ignored,
    /// case too.
    pub fn register_device(
        &mut self,
        code: &str,
        hardware_id: &str,
        platform: Platform,
        name: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(Device, String), SimError> {
        self.revision += 1;
        let typed: String = code
            .chars()
            .filter(|c| !text::is_space(*c) && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        if typed.is_empty() {
            return Err(SimError::field("enrollment_code", "must not be blank"));
        }
        if text::is_blank(hardware_id) {
            return Err(SimError::field("hardware_id", "must not be blank"));
        }
        if name
            .as_deref()
            .is_some_and(|n| n.trim().chars().count() > DEVICE_NAME_MAX_LEN)
        {
            return Err(SimError::field(
                "name",
                format!("must be at most {DEVICE_NAME_MAX_LEN} characters"),
            ));
        }
        let matching = |e: &&mut StoredEnrollment| e.enrollment.enrollment_code.as_str() == typed;
        let stored = match self
            .enrollments
            .iter_mut()
            .filter(matching)
            .max_by_key(|e| {
                (
                    e.enrollment.status == EnrollmentStatus::Pending,
                    e.enrollment.created_at,
                )
            }) {
            Some(stored) => stored,
            None => return Err(SimError::NotFound("Unknown enrollment code".into())),
        };
        match &stored.enrollment.status {
            EnrollmentStatus::Pending => {}
            // 409 like a used code: the code can no longer be used, the detail says why [INF §6].
            EnrollmentStatus::Expired => {
                return Err(SimError::Conflict(
                    "This enrollment code has expired".into(),
                ));
            }
            other => {
                return Err(SimError::Conflict(format!(
                    "This enrollment code can no longer be used ({other})"
                )));
            }
        }
        let device = Device {
            id: uuid::Uuid::new_v4().to_string(),
            hardware_id: hardware_id.trim().to_owned(),
            merchant_id: stored.merchant_id.clone(),
            location_id: stored.enrollment.location_id.clone(),
            name: name
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .or_else(|| stored.enrollment.metadata.get("device_label").cloned())
                .unwrap_or_else(|| format!("{} {}", platform_label(&platform), hardware_id.trim())),
            platform,
            metadata: stored.enrollment.metadata.clone(),
            created_at: now,
            open_cash_register_id: None,
            unique_id: Some(hardware_id.trim().to_owned()),
        };
        stored.enrollment.status = EnrollmentStatus::Consumed;
        stored.enrollment.device_id = Some(device.id.clone());
        stored.enrollment.consumed_at = Some(now);
        let token = bearer_token(&device.id, now);
        self.insert_device(device.clone(), Some(token.clone()));
        Ok((device, token))
    }

    /// `/dev/devices`: an enrollment created and consumed at once; `metadata.simulated` = true.
    pub fn create_simulated_device(
        &mut self,
        merchant_id: &str,
        name: &str,
        location_id: Option<String>,
        metadata: Metadata,
        now: DateTime<Utc>,
        rng: &mut impl Rng,
    ) -> Result<(Device, String), SimError> {
        self.revision += 1;
        if let Some(location) = &location_id {
            self.require_location(merchant_id, location)?;
        }
        if text::is_blank(name) {
            return Err(SimError::field("name", "must not be blank"));
        }
        if text::trim(name).chars().count() > DEVICE_NAME_MAX_LEN {
            return Err(SimError::field(
                "name",
                format!("must be at most {DEVICE_NAME_MAX_LEN} characters"),
            ));
        }
        let mut metadata = metadata;
        metadata.insert("simulated".to_owned(), "true".to_owned());
        // Without a location the simulated device stays unassigned (the dev endpoint's location is
        // optional [DOC §11.1]), so create the enrollment directly rather than through the rules.
        let mut errors = BTreeMap::new();
        validate_metadata(&metadata, "metadata", &mut errors);
        SimError::fields(errors)?;
        let code = self.fresh_code(rng);
        self.enrollments.push(StoredEnrollment {
            merchant_id: merchant_id.to_owned(),
            enrollment: Enrollment {
                enrollment_id: uuid::Uuid::new_v4().to_string(),
                enrollment_code: EnrollmentCode(code.clone()),
                expires_at: now + Duration::milliseconds(DEFAULT_EXPIRES_IN_MS),
                status: EnrollmentStatus::Pending,
                metadata,
                location_id,
                created_at: Some(now),
                device_id: None,
                consumed_at: None,
            },
        });
        let hardware_id = format!(
            "SIM-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()
        );
        let (device, token) = self.register_device(
            &code,
            &hardware_id,
            Platform::Android,
            Some(name.to_owned()),
            now,
        )?;
        self.simulated.insert(device.id.clone());
        Ok((device, token))
    }

    /// Whether `device_id` was made by `/dev/devices`.
    pub fn is_simulated(&self, device_id: &str) -> bool {
        self.simulated.contains(device_id)
    }

    // ---- Sessions ----------------------------------------------------------------------------

    pub fn create_session(
        &mut self,
        merchant_id: &str,
        location_id: Option<&str>,
        body: CreateSession,
        now: DateTime<Utc>,
    ) -> Result<(Session, Vec<PendingEvent>), SimError> {
        self.revision += 1;
        let mut errors = BTreeMap::new();
        if text::is_blank(&body.device_id) {
            return Err(SimError::field("device_id", "must not be blank"));
        }
        // The device (and location) must be the merchant's: someone else's is as unknown as none.
        self.device_position(merchant_id, &body.device_id)?;
        if let Some(location) = location_id {
            self.require_location(merchant_id, location)?;
        }
        let currency_ok = body.purchase_currency.len() == 3
            && body
                .purchase_currency
                .chars()
                .all(|c| c.is_ascii_uppercase());
        if !currency_ok {
            errors.insert(
                "purchase_currency".to_owned(),
                "must be an ISO 4217 code such as SEK".to_owned(),
            );
        }
        validate_lines(&body, &mut errors);
        SimError::fields(errors)?;

        let session = Session {
            session_id: uuid::Uuid::new_v4().to_string(),
            status: SessionStatus::Created,
            device_id: body.device_id,
            order_id: None,
            order_amount: body.order_amount,
            purchase_currency: body.purchase_currency,
            purchase_started_at: Some(body.purchase_started_at.unwrap_or(now)),
            purchase_completed_at: None,
            order_tax_amount: body.order_tax_amount,
            order_items: body.order_items,
            merchant_reference1: body.merchant_reference1,
            merchant_reference2: body.merchant_reference2,
            merchant_data: body.merchant_data,
        };
        let stored = StoredSession {
            merchant_id: merchant_id.to_owned(),
            session: session.clone(),
            created_at: now,
            location_id: location_id.map(str::to_owned),
            declines: 0,
        };
        let events = vec![event(&stored, EventType::SessionCreated, None)];
        self.sessions.insert(session.session_id.clone(), stored);
        Ok((session, events))
    }

    fn session_mut(&mut self, merchant_id: &str, id: &str) -> Result<&mut StoredSession, SimError> {
        self.sessions
            .get_mut(id)
            .filter(|s| s.merchant_id == merchant_id)
            .ok_or_else(|| SimError::NotFound(format!("Session {id} not found")))
    }

    pub fn get_session(&mut self, merchant_id: &str, id: &str) -> Result<Session, SimError> {
        self.session_mut(merchant_id, id).map(|s| s.session.clone())
    }

    /// CREATED/ACTIVE → CANCELLED with a callback; other terminal states are a conflict; CANCELLED
    /// again is a no-op, or (`strict`, docs-minimal) a conflict too [GAP §9.5].
    pub fn cancel_session(
        &mut self,
        merchant_id: &str,
        id: &str,
        strict: bool,
    ) -> Result<(Session, Vec<PendingEvent>), SimError> {
        self.revision += 1;
        let stored = self.session_mut(merchant_id, id)?;
        match &stored.session.status {
            SessionStatus::Created | SessionStatus::Active => {
                stored.session.status = SessionStatus::Cancelled;
                let events = vec![event(stored, EventType::SessionCancelled, None)];
                Ok((stored.session.clone(), events))
            }
            SessionStatus::Cancelled if !strict => Ok((stored.session.clone(), Vec::new())),
            other => Err(SimError::Conflict(format!(
                "Session {id} is {other} and can no longer be cancelled"
            ))),
        }
    }

    /// A simulated tap [DOC §11.2; INF for preconditions]: a CREATED session activates first; SUCCESS
    /// finalizes with an order id; a decline keeps the session ACTIVE and reports the failure; after
    /// `max_declines` declines the session FAILS.
    pub fn simulate_tap(
        &mut self,
        merchant_id: &str,
        id: &str,
        outcome: &TapOutcome,
        now: DateTime<Utc>,
        rules: SessionRules,
    ) -> Result<(Session, Vec<PendingEvent>), SimError> {
        self.revision += 1;
        if let TapOutcome::Unknown(other) = outcome {
            return Err(SimError::field(
                "outcome",
                format!("unknown outcome {other}"),
            ));
        }
        let stored = self.session_mut(merchant_id, id)?;
        if stored.session.status.is_terminal() {
            return Err(SimError::Conflict(format!(
                "Session {id} is {} and cannot take a payment",
                stored.session.status
            )));
        }
        let mut events = Vec::new();
        if stored.session.status == SessionStatus::Created {
            stored.session.status = SessionStatus::Active;
            events.push(event(stored, EventType::SessionActivated, None));
        }
        if *outcome == TapOutcome::Success {
            stored.session.status = SessionStatus::Finalized;
            stored.session.order_id = Some(uuid::Uuid::new_v4().to_string());
            stored.session.purchase_completed_at = Some(now);
            events.push(event(stored, EventType::SessionFinalized, None));
        } else {
            stored.declines += 1;
            events.push(event(
                stored,
                EventType::PaymentFailed,
                Some(outcome.as_str().to_owned()),
            ));
            if stored.declines >= rules.max_declines {
                stored.session.status = SessionStatus::Failed;
            }
        }
        Ok((stored.session.clone(), events))
    }
}

fn event(
    stored: &StoredSession,
    event_type: EventType,
    failure_reason: Option<String>,
) -> PendingEvent {
    PendingEvent {
        merchant_id: stored.merchant_id.clone(),
        event_type,
        session_id: stored.session.session_id.clone(),
        order_id: stored.session.order_id.clone(),
        failure_reason,
    }
}

fn platform_label(platform: &Platform) -> &str {
    match platform {
        Platform::Ios => "iPhone",
        Platform::Android => "Android",
        Platform::Terminal => "Terminal",
        Platform::Unknown(other) => other.as_str(),
    }
}

/// A token shaped like the documented RS256 JWT [DOC §2.3]; only its randomness matters here.
fn bearer_token(device_id: &str, now: DateTime<Utc>) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"sub":"{device_id}","iat":{}}}"#,
        now.timestamp()
    ));
    let signature: [u8; 32] = rand::random();
    format!("{header}.{claims}.{}", URL_SAFE_NO_PAD.encode(signature))
}

pub fn validate_metadata(metadata: &Metadata, field: &str, errors: &mut BTreeMap<String, String>) {
    if metadata.len() > METADATA_MAX_ENTRIES {
        errors.insert(
            field.to_owned(),
            format!("at most {METADATA_MAX_ENTRIES} entries"),
        );
    }
    for (key, value) in metadata {
        if text::is_blank(key) {
            errors.insert(field.to_owned(), "keys must not be blank".to_owned());
        } else if key.chars().count() > METADATA_MAX_KEY_LEN {
            errors.insert(
                format!("{field}.{key}"),
                format!("key must be at most {METADATA_MAX_KEY_LEN} characters"),
            );
        } else if key.contains(':') {
            errors.insert(
                format!("{field}.{key}"),
                "key must not contain ':' (it separates filters)".to_owned(),
            );
        } else if value.chars().count() > METADATA_MAX_VALUE_LEN {
            errors.insert(
                format!("{field}.{key}"),
                format!("value must be at most {METADATA_MAX_VALUE_LEN} characters"),
            );
        }
    }
}

/// Line arithmetic [3P §3.2] and tax in basis points on tax-inclusive amounts [INF, consistent with
/// the documented example: 200000 at 2500 bp → 40000], within one minor unit of rounding.
fn validate_lines(body: &CreateSession, errors: &mut BTreeMap<String, String>) {
    if body.order_items.is_empty() {
        errors.insert("order_items".to_owned(), "must not be empty".to_owned());
        return;
    }
    if body.order_amount <= 0 {
        errors.insert("order_amount".to_owned(), "must be positive".to_owned());
    }
    for (index, line) in body.order_items.iter().enumerate() {
        validate_line(index, line, errors);
    }
    // Sums in i128: amounts are any int64, and their sum must not wrap (or panic) [INF].
    let total: i128 = body
        .order_items
        .iter()
        .map(|l| i128::from(l.total_amount))
        .sum();
    if total != i128::from(body.order_amount) {
        errors.insert(
            "order_amount".to_owned(),
            format!("must equal the sum of order_items[].total_amount ({total})"),
        );
    }
    let tax: i128 = body
        .order_items
        .iter()
        .map(|l| i128::from(l.total_tax_amount))
        .sum();
    if let Some(order_tax) = body.order_tax_amount
        && i128::from(order_tax) != tax
    {
        errors.insert(
            "order_tax_amount".to_owned(),
            format!("must equal the sum of order_items[].total_tax_amount ({tax})"),
        );
    }
}

fn validate_line(index: usize, line: &OrderLine, errors: &mut BTreeMap<String, String>) {
    let field = |name: &str| format!("order_items[{index}].{name}");
    if text::is_blank(&line.name) {
        errors.insert(field("name"), "must not be blank".to_owned());
    }
    let quantity = line.quantity.unwrap_or(1);
    if quantity < 1 {
        errors.insert(field("quantity"), "must be at least 1".to_owned());
    }
    if !(0..=10_000).contains(&line.tax_rate) {
        errors.insert(
            field("tax_rate"),
            "must be between 0 and 10000 basis points".to_owned(),
        );
        return;
    }
    let discount = line.total_discount_amount.unwrap_or(0);
    if discount < 0 {
        errors.insert(
            field("total_discount_amount"),
            "must not be negative".to_owned(),
        );
    }
    let expected_total = i128::from(line.unit_price) * i128::from(quantity) - i128::from(discount);
    if i128::from(line.total_amount) != expected_total {
        errors.insert(
            field("total_amount"),
            format!("must equal unit_price × quantity − total_discount_amount ({expected_total})"),
        );
        return;
    }
    let expected_tax = expected_tax(line.total_amount, line.tax_rate);
    if (i128::from(line.total_tax_amount) - i128::from(expected_tax)).abs() > 1 {
        errors.insert(
            field("total_tax_amount"),
            format!("must be the tax included in total_amount at tax_rate ({expected_tax})"),
        );
    }
}

/// Tax included in a tax-inclusive amount, rounded half away from zero.
pub fn expected_tax(total_amount: i64, tax_rate: i64) -> i64 {
    let numerator = i128::from(total_amount) * i128::from(tax_rate);
    let denominator = 10_000 + i128::from(tax_rate);
    let rounded = (numerator.abs() * 2 + denominator) / (2 * denominator);
    (rounded as i64) * numerator.signum() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_matches_the_documented_example() {
        assert_eq!(expected_tax(200_000, 2500), 40_000);
        assert_eq!(expected_tax(40_000, 2500), 8_000);
        assert_eq!(expected_tax(-1_000, 2500), -200);
        assert_eq!(expected_tax(999, 1200), 107);
    }

    #[test]
    fn pruning_keeps_the_newest_ended_and_everything_live() {
        use chrono::Duration;
        let mut state = SimState::default();
        let now = Utc::now();
        let enrollment = |n: i64, status: EnrollmentStatus| StoredEnrollment {
            merchant_id: "M".into(),
            enrollment: Enrollment {
                enrollment_id: format!("e{n}"),
                enrollment_code: kustom_ipp::EnrollmentCode(format!("CODE{n}")),
                status,
                metadata: Default::default(),
                expires_at: now + Duration::minutes(n),
                device_id: None,
                location_id: None,
                created_at: Some(now),
                consumed_at: None,
            },
        };
        for n in 0..10 {
            let status = if n % 2 == 0 {
                EnrollmentStatus::Pending
            } else {
                EnrollmentStatus::Consumed
            };
            state.enrollments.push(enrollment(n, status));
        }
        let before = state.revision;
        // 5 ended (e1, e3, e5, e7, e9): the newest 2 stay, every pending one stays.
        assert_eq!(state.prune(2, 100), 3);
        let left: Vec<&str> = state
            .enrollments
            .iter()
            .map(|e| e.enrollment.enrollment_id.as_str())
            .collect();
        assert_eq!(left, ["e0", "e2", "e4", "e6", "e7", "e8", "e9"]);
        assert!(state.revision > before, "a prune is a change to save");
        assert_eq!(state.prune(2, 100), 0, "nothing more to forget");
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        let state = SimState::default();
        let mut rng = rand::rng();
        for _ in 0..200 {
            let code = state.fresh_code(&mut rng);
            assert_eq!(code.len(), CODE_LENGTH);
            assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
        }
    }
}
