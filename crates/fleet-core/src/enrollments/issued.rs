//! The codes this computer issued, and what the API will not give back about them.
//!
//! Kustom promises five fields on an enrollment [DOC §5.1]: not the location it was made for, and
//! not the device that paired with it [GAP]. So each code Fleetdesk makes carries a reference of
//! its own in its metadata (metadata is copied onto the device at pairing [DOC §3.4], and devices
//! can be filtered by it), and the location chosen for it is kept here, with the device once it is
//! found. The code itself is never stored here: it is a credential while pending.

use chrono::{DateTime, Utc};
use kustom_ipp::{Enrollment, Metadata};

use crate::AppError;
use crate::enrollments::rollout::ROW_KEY;
use crate::storage::Store;

/// The metadata key of the reference a single code carries (a rollout's codes carry their row's
/// tag, [`ROW_KEY`], which is as unique).
pub const CODE_REF_KEY: &str = "fleetdesk_code";

/// A fresh reference for a code: twelve characters, unique enough that a metadata filter on it
/// finds one device among a fleet of any size.
pub fn new_code_ref() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase()
}

/// The reference a code (or the device it paired) carries, as `(key, value)`, if Fleetdesk made
/// it.
pub fn code_ref(metadata: &Metadata) -> Option<(&'static str, &str)> {
    metadata
        .get(CODE_REF_KEY)
        .map(|value| (CODE_REF_KEY, value.as_str()))
        .or_else(|| metadata.get(ROW_KEY).map(|value| (ROW_KEY, value.as_str())))
}

/// What is known locally about one issued code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCode {
    pub enrollment_id: String,
    /// The location the code was made for (where its device will belong).
    pub location_id: String,
    pub expires_at: DateTime<Utc>,
    /// The device that paired with it, once found.
    pub device_id: Option<String>,
}

/// Issued codes in SQLite, per profile.
#[derive(Clone)]
pub struct IssuedCodes {
    store: Store,
}

/// Codes kept at most, per profile: a chain's whole fleet enrolled a few times over.
pub const MAX_KEPT: u32 = 100_000;
/// How long a code is remembered after it expired or paired.
pub const KEPT_DAYS: i64 = 400;

impl IssuedCodes {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Remembers a code just made for `location_id`.
    pub fn record(
        &self,
        profile_id: &str,
        enrollment: &Enrollment,
        location_id: &str,
    ) -> Result<(), AppError> {
        self.store.with(|conn| {
            conn.execute(
                "INSERT INTO issued_codes (profile_id, enrollment_id, location_id, expires_at, issued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (profile_id, enrollment_id) DO UPDATE SET location_id = excluded.location_id",
                rusqlite::params![
                    profile_id,
                    enrollment.enrollment_id,
                    location_id,
                    enrollment.expires_at,
                    Utc::now()
                ],
            )
            .map(|_| ())
        })
    }

    /// The codes among `enrollment_ids` this computer issued.
    pub fn find(
        &self,
        profile_id: &str,
        enrollment_ids: &[&str],
    ) -> Result<Vec<IssuedCode>, AppError> {
        if enrollment_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(enrollment_ids)
            .map_err(|err| AppError::internal(format!("could not list enrollment ids: {err}")))?;
        self.store.with(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT enrollment_id, location_id, expires_at, device_id FROM issued_codes
                 WHERE profile_id = ?1 AND enrollment_id IN (SELECT value FROM json_each(?2))",
            )?;
            let rows = statement.query_map(rusqlite::params![profile_id, ids], |row| {
                Ok(IssuedCode {
                    enrollment_id: row.get(0)?,
                    location_id: row.get(1)?,
                    expires_at: row.get(2)?,
                    device_id: row.get(3)?,
                })
            })?;
            rows.collect()
        })
    }

    /// One issued code, if this computer issued it.
    pub fn get(
        &self,
        profile_id: &str,
        enrollment_id: &str,
    ) -> Result<Option<IssuedCode>, AppError> {
        Ok(self.find(profile_id, &[enrollment_id])?.pop())
    }

    /// Remembers the device a code paired with.
    pub fn paired(
        &self,
        profile_id: &str,
        enrollment_id: &str,
        device_id: &str,
    ) -> Result<(), AppError> {
        self.store.with(|conn| {
            conn.execute(
                "UPDATE issued_codes SET device_id = ?3 WHERE profile_id = ?1 AND enrollment_id = ?2",
                rusqlite::params![profile_id, enrollment_id, device_id],
            )
            .map(|_| ())
        })
    }

    pub fn forget_profile(&self, profile_id: &str) -> Result<usize, AppError> {
        self.store.with(|conn| {
            conn.execute(
                "DELETE FROM issued_codes WHERE profile_id = ?1",
                [profile_id],
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enrollment(id: &str) -> Enrollment {
        serde_json::from_value(serde_json::json!({
            "enrollment_id": id, "enrollment_code": "ABCDEFGH", "status": "PENDING",
            "expires_at": "2026-12-07T12:00:00Z", "metadata": {}
        }))
        .unwrap_or_else(|err| panic!("{err}"))
    }

    #[test]
    fn remembers_the_location_and_the_paired_device_per_profile() {
        let store = Store::in_memory().unwrap_or_else(|err| panic!("{err}"));
        let issued = IssuedCodes::new(store);
        issued
            .record("p1", &enrollment("e1"), "loc-a")
            .unwrap_or_else(|err| panic!("{err}"));
        issued
            .record("p1", &enrollment("e2"), "loc-b")
            .unwrap_or_else(|err| panic!("{err}"));
        issued
            .paired("p1", "e2", "dev-9")
            .unwrap_or_else(|err| panic!("{err}"));
        let found = issued
            .find("p1", &["e1", "e2", "e3"])
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(found.len(), 2);
        let e2 = found.iter().find(|c| c.enrollment_id == "e2");
        assert_eq!(e2.map(|c| c.location_id.as_str()), Some("loc-b"));
        assert_eq!(e2.and_then(|c| c.device_id.as_deref()), Some("dev-9"));
        assert!(
            issued
                .get("p2", "e1")
                .unwrap_or_else(|err| panic!("{err}"))
                .is_none()
        );
        assert_eq!(issued.forget_profile("p1").ok(), Some(2));
    }

    #[test]
    fn a_code_ref_is_found_on_single_codes_and_rollout_rows() {
        let mut metadata = Metadata::new();
        assert_eq!(code_ref(&metadata), None);
        metadata.insert(ROW_KEY.to_owned(), "abcd1234-7".to_owned());
        assert_eq!(code_ref(&metadata), Some((ROW_KEY, "abcd1234-7")));
        let reference = new_code_ref();
        assert_eq!(reference.len(), 12);
        metadata.insert(CODE_REF_KEY.to_owned(), reference.clone());
        assert_eq!(
            code_ref(&metadata),
            Some((CODE_REF_KEY, reference.as_str()))
        );
    }
}
