//! A device's history, newest first: its pairing, every change made from Fleetdesk or seen in a
//! sync, and the payment sessions that targeted it. Keyed to the device id, and linked through
//! the hardware id: a phone enrolled again under a new id shows its earlier history too.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use kustom_ipp::{Device, Session};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use specta::Type;

use crate::audit::{ActivityEntry, ActivityFilter, find};

/// One moment in a device's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HistoryEvent {
    /// The device record was created: the phone paired with a code. `location_id` is the store
    /// the code was made for, when Fleetdesk made it (otherwise where it enrolled is not known:
    /// the device's store now may not be it).
    Enrolled {
        location_id: Option<String>,
        with_fleetdesk_code: bool,
    },
    /// An entry of the activity log about it: a change made from Fleetdesk, or seen in a sync.
    Activity { entry: Box<ActivityEntry> },
    /// A payment session on it (one Fleetdesk made or followed).
    Payment {
        session_id: String,
        status: String,
        amount: i64,
        currency: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// Which enrolment of the phone it belongs to (another id: an earlier enrolment).
    pub device_id: String,
    pub event: HistoryEvent,
}

/// A window of a device's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct DeviceHistory {
    pub total: u32,
    pub offset: u32,
    pub entries: Vec<HistoryEntry>,
    /// Other device ids the same phone (hardware id) had.
    pub linked_device_ids: Vec<String>,
}

/// The most log entries read for one device (a device changed every day for 27 years).
const MAX_ENTRIES: u32 = 10_000;

/// The history of `device` (as the fleet has it) on `profile_id`: entries `offset..offset+limit`.
pub fn device_history(
    conn: &Connection,
    profile_id: &str,
    device: &Device,
    offset: u32,
    limit: u32,
) -> rusqlite::Result<DeviceHistory> {
    let mut entries = Vec::new();
    let filter = ActivityFilter {
        profile_id: Some(profile_id.to_owned()),
        device_id: Some(device.id.clone()),
        hardware_id: Some(device.hardware_id.clone()).filter(|h| !h.is_empty()),
        ..ActivityFilter::default()
    };
    // Page by page: one page of the log holds at most `find::MAX_PAGE` entries.
    let mut log = Vec::new();
    let mut before = None;
    loop {
        let page = find::page(conn, &filter, before, find::MAX_PAGE)?;
        log.extend(page.entries);
        match page.next_before {
            Some(next) if log.len() < MAX_ENTRIES as usize => before = Some(next),
            _ => break,
        }
    }
    log.truncate(MAX_ENTRIES as usize);
    let mut ids: BTreeSet<String> = BTreeSet::from([device.id.clone()]);
    for entry in log {
        let id = entry.device_id.clone().unwrap_or_else(|| device.id.clone());
        ids.insert(id.clone());
        entries.push(HistoryEntry {
            at: entry.at,
            device_id: id,
            event: HistoryEvent::Activity {
                entry: Box::new(entry),
            },
        });
    }
    let made_for: Option<String> = conn
        .query_row(
            "SELECT location_id FROM issued_codes WHERE profile_id = ?1 AND device_id = ?2",
            [profile_id, device.id.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    entries.push(HistoryEntry {
        at: device.created_at,
        device_id: device.id.clone(),
        event: HistoryEvent::Enrolled {
            with_fleetdesk_code: made_for.is_some(),
            location_id: made_for,
        },
    });
    let ids_json = serde_json::to_string(&ids.iter().collect::<Vec<_>>()).unwrap_or_default();
    let mut sessions = conn.prepare(
        "SELECT body, first_seen FROM tracked_sessions
         WHERE profile_id = ?1 AND device_id IN (SELECT value FROM json_each(?2))",
    )?;
    let rows = sessions.query_map([profile_id, ids_json.as_str()], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, DateTime<Utc>>(1)?))
    })?;
    for row in rows {
        let (body, first_seen) = row?;
        // A session that no longer reads is left out rather than failing the whole history.
        if let Ok(session) = serde_json::from_str::<Session>(&body) {
            entries.push(HistoryEntry {
                at: session.purchase_started_at.unwrap_or(first_seen),
                device_id: session.device_id.clone(),
                event: HistoryEvent::Payment {
                    status: session.status.as_str().to_owned(),
                    amount: session.order_amount,
                    currency: session.purchase_currency,
                    session_id: session.session_id,
                },
            });
        }
    }
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.at));
    let total = entries.len() as u32;
    let entries = entries
        .into_iter()
        .skip(offset as usize)
        .take(limit.clamp(1, 1_000) as usize)
        .collect();
    ids.remove(&device.id);
    Ok(DeviceHistory {
        total,
        offset,
        entries,
        linked_device_ids: ids.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditLog, NewEntry, Source};
    use crate::storage::Store;

    /// A device's whole history, not the log's first page: 2,500 renames, and the enrolment.
    #[test]
    fn a_history_longer_than_a_page_of_the_log_is_read_whole() {
        let store = Store::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let device: Device = serde_json::from_value(serde_json::json!({
            "id": "dev-1", "name": "Till 2499", "hardware_id": "HW-1", "platform": "ANDROID",
            "created_at": "2026-01-01T00:00:00Z", "metadata": {}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let entries: Vec<NewEntry> = (0..2_500)
            .map(|n| {
                let mut entry = NewEntry::new(Source::App, "device.rename", &format!("Till {n}"))
                    .device("dev-1", "HW-1", None);
                entry.profile_id = Some("p".to_owned());
                entry
            })
            .collect();
        AuditLog::new(store.clone())
            .write(&entries)
            .unwrap_or_else(|e| panic!("{e}"));
        let history = store
            .with(|conn| device_history(conn, "p", &device, 0, 10))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(history.total, 2_501);
    }
}
