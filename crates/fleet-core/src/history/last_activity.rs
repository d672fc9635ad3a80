//! A device's last activity, derived and honest: the latest of its pairing (the device record's
//! `created_at` [DOC §7.1]), a payment session on it that Fleetdesk made or followed, and a change
//! to it (made by Fleetdesk or seen in a sync). Kustom reports no online state [GAP §7.1], so this
//! is never called "online": it says what happened last, and where that is known from.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use specta::Type;

/// Where a device's last activity is known from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ActivitySource {
    Paired,
    Payment,
    Change,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
pub struct LastActivity {
    pub at: DateTime<Utc>,
    pub source: ActivitySource,
}

/// The buckets the fleet table filters by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ActivityBucket {
    #[default]
    Any,
    /// Active in the last 24 hours.
    Day,
    /// In the last 7 days.
    Week,
    /// In the last 30 days.
    Month,
    /// Nothing in the last 30 days.
    QuietMonth,
    /// Nothing since it paired: no payment, no change.
    NeverSincePairing,
}

impl ActivityBucket {
    /// Whether a device whose last activity is `last` (at `now`) is in this bucket.
    pub fn holds(self, last: LastActivity, now: DateTime<Utc>) -> bool {
        let age = now - last.at;
        match self {
            Self::Any => true,
            Self::Day => age <= chrono::Duration::hours(24),
            Self::Week => age <= chrono::Duration::days(7),
            Self::Month => age <= chrono::Duration::days(30),
            Self::QuietMonth => age > chrono::Duration::days(30),
            Self::NeverSincePairing => last.source == ActivitySource::Paired,
        }
    }
}

/// What the database knows of each device's latest payment and change, for one profile. The
/// pairing comes from the fleet itself (see [`LastActivity::of`]).
#[derive(Debug, Clone, Default)]
pub struct Known {
    payments: HashMap<String, DateTime<Utc>>,
    changes: HashMap<String, DateTime<Utc>>,
}

impl Known {
    /// Reads it: one grouped query over the sessions, one over the log's device entries (both
    /// through their device indexes).
    pub fn load(conn: &Connection, profile_id: &str) -> rusqlite::Result<Self> {
        let grouped = |sql: &str| -> rusqlite::Result<HashMap<String, DateTime<Utc>>> {
            let mut statement = conn.prepare(sql)?;
            let rows = statement.query_map([profile_id], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, DateTime<Utc>>(1)?))
            })?;
            rows.collect()
        };
        Ok(Self {
            payments: grouped(
                "SELECT device_id, MAX(updated_at) FROM tracked_sessions WHERE profile_id = ?1 GROUP BY device_id",
            )?,
            changes: grouped(
                "SELECT device_id, MAX(at) FROM audit_log WHERE profile_id = ?1 AND device_id IS NOT NULL
                 AND action NOT IN ('sync.device_disappeared') GROUP BY device_id",
            )?,
        })
    }

    /// A payment or a change just seen (so the table need not wait for the next reading).
    pub fn saw(&mut self, device_id: &str, at: DateTime<Utc>, source: ActivitySource) {
        let map = match source {
            ActivitySource::Payment => &mut self.payments,
            ActivitySource::Change => &mut self.changes,
            ActivitySource::Paired => return,
        };
        let entry = map.entry(device_id.to_owned()).or_insert(at);
        if *entry < at {
            *entry = at;
        }
    }
}

impl LastActivity {
    /// The latest of a device's pairing, payments and changes.
    pub fn of(device_id: &str, paired_at: DateTime<Utc>, known: &Known) -> Self {
        let mut last = Self {
            at: paired_at,
            source: ActivitySource::Paired,
        };
        for (at, source) in [
            (known.payments.get(device_id), ActivitySource::Payment),
            (known.changes.get(device_id), ActivitySource::Change),
        ] {
            if let Some(at) = at.filter(|at| **at > last.at) {
                last = Self { at: *at, source };
            }
        }
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_source_wins_and_buckets_follow_its_age() {
        let now = Utc::now();
        let mut known = Known::default();
        let paired = now - chrono::Duration::days(90);
        assert_eq!(
            LastActivity::of("d", paired, &known),
            LastActivity {
                at: paired,
                source: ActivitySource::Paired
            }
        );
        known.saw(
            "d",
            now - chrono::Duration::days(40),
            ActivitySource::Change,
        );
        known.saw(
            "d",
            now - chrono::Duration::days(3),
            ActivitySource::Payment,
        );
        known.saw(
            "d",
            now - chrono::Duration::days(50),
            ActivitySource::Payment,
        );
        let last = LastActivity::of("d", paired, &known);
        assert_eq!(last.source, ActivitySource::Payment);
        assert_eq!(last.at, now - chrono::Duration::days(3));
        assert!(ActivityBucket::Week.holds(last, now));
        assert!(!ActivityBucket::Day.holds(last, now));
        assert!(!ActivityBucket::QuietMonth.holds(last, now));
        assert!(!ActivityBucket::NeverSincePairing.holds(last, now));
        let quiet = LastActivity::of("other", paired, &known);
        assert!(ActivityBucket::QuietMonth.holds(quiet, now));
        assert!(ActivityBucket::NeverSincePairing.holds(quiet, now));
    }
}
