//! The local audit log: who did what, on which profile and environment, when, and how it went.

use chrono::{DateTime, Utc};
use serde::Serialize;
use specta::Type;

use crate::AppError;
use crate::profiles::Profile;
use crate::storage::Store;

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub os_user: String,
    pub profile_name: Option<String>,
    pub environment: Option<String>,
    /// What was done: "profile.delete", "enrollment.create", …
    pub action: String,
    /// What it was done to (an id or a name).
    pub target: String,
    /// "ok", or "failed: <reason>".
    pub outcome: String,
    pub detail: Option<String>,
}

/// Characters kept of any text in an audit entry.
const MAX_TEXT: usize = 500;

fn bounded(text: &str) -> String {
    kustom_ipp::text::cut(text, MAX_TEXT)
}

/// The OS user running Fleetdesk.
pub fn os_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

#[derive(Clone)]
pub struct AuditLog {
    store: Store,
}

impl AuditLog {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Records an action. `outcome` is `Ok(())` or the error it ended with.
    pub fn record(
        &self,
        profile: Option<&Profile>,
        action: &str,
        target: &str,
        outcome: Result<(), &AppError>,
        detail: Option<&str>,
    ) -> Result<(), AppError> {
        // Bounded: targets and error texts can come from the API or from files.
        let outcome = match outcome {
            Ok(()) => "ok".to_owned(),
            Err(err) => bounded(&format!("failed: {err}")),
        };
        let (target, detail) = (bounded(target), detail.map(bounded));
        self.store.with(|conn| {
            conn.execute(
                "INSERT INTO audit_log (at, os_user, profile_id, profile_name, environment, action, target, outcome, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![
                    Utc::now(),
                    os_user(),
                    profile.map(|p| p.id.clone()),
                    profile.map(|p| p.name.clone()),
                    profile.map(|p| p.environment.badge_label().to_owned()),
                    action,
                    target,
                    outcome,
                    detail,
                ],
            )
            .map(|_| ())
        })
    }

    /// The newest entries first.
    pub fn recent(&self, limit: u32) -> Result<Vec<AuditEntry>, AppError> {
        self.store.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, at, os_user, profile_name, environment, action, target, outcome, detail
                 FROM audit_log ORDER BY id DESC LIMIT ?1",
            )?;
            stmt.query_map([limit], |row| {
                Ok(AuditEntry {
                    id: row.get(0)?,
                    at: row.get(1)?,
                    os_user: row.get(2)?,
                    profile_name: row.get(3)?,
                    environment: row.get(4)?,
                    action: row.get(5)?,
                    target: row.get(6)?,
                    outcome: row.get(7)?,
                    detail: row.get(8)?,
                })
            })?
            .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_outcomes_newest_first() {
        let log = AuditLog::new(Store::in_memory().unwrap_or_else(|e| panic!("{e}")));
        log.record(None, "profile.create", "Stores SE", Ok(()), None)
            .unwrap_or_else(|e| panic!("{e}"));
        let failure = AppError::Offline {
            message: "no route".into(),
        };
        log.record(
            None,
            "connection.test",
            "Stores SE",
            Err(&failure),
            Some("latency n/a"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let entries = log.recent(10).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].action, "connection.test");
        assert_eq!(entries[0].outcome, "failed: no route");
        assert_eq!(entries[1].outcome, "ok");
        assert!(!entries[0].os_user.is_empty());
    }
}
