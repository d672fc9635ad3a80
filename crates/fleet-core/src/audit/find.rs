//! The log as the activity view and a device's history read it: filtered, newest first, a page at
//! a time (by the id of the last entry shown, so a page is found through the index however long
//! the log is).

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, Row};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::chain::AT_FORMAT;
use super::entry::{ActivityEntry, Source};

/// What the log is narrowed to; every field set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Type)]
pub struct ActivityFilter {
    pub profile_id: Option<String>,
    /// One device; with `hardware_id`, the other enrolments of the same phone too.
    pub device_id: Option<String>,
    pub hardware_id: Option<String>,
    /// The store a device entry was about.
    pub location_id: Option<String>,
    /// An action ("device.rename") or a family of them ("device.", "sync.").
    pub kind: Option<String>,
    /// The OS user (exact).
    pub who: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Looked for in the target, the values, the detail and the ids (case-insensitively).
    pub text: Option<String>,
}

/// One page of entries, and where the next (older) one starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActivityPage {
    pub entries: Vec<ActivityEntry>,
    /// Pass as `before` for the next page; `None` when this was the last.
    pub next_before: Option<i64>,
}

/// The most entries one page holds.
pub const MAX_PAGE: u32 = 1_000;

const COLUMNS: &str = "id, at, source, os_user, profile_name, environment, action, target, outcome, detail, device_id, hardware_id, location_id, old_value, new_value, job_id";

pub(super) fn read(row: &Row<'_>) -> rusqlite::Result<ActivityEntry> {
    Ok(ActivityEntry {
        id: row.get(0)?,
        at: row.get(1)?,
        source: Source::from_db(&row.get::<_, String>(2)?),
        os_user: row.get(3)?,
        profile_name: row.get(4)?,
        environment: row.get(5)?,
        action: row.get(6)?,
        target: row.get(7)?,
        outcome: row.get(8)?,
        detail: row.get(9)?,
        device_id: row.get(10)?,
        hardware_id: row.get(11)?,
        location_id: row.get(12)?,
        old_value: row.get(13)?,
        new_value: row.get(14)?,
        job_id: row.get(15)?,
    })
}

/// `LIKE` pattern text with its wildcards taken literally.
fn literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub(crate) fn page(
    conn: &Connection,
    filter: &ActivityFilter,
    before: Option<i64>,
    limit: u32,
) -> rusqlite::Result<ActivityPage> {
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let text = |value: &str| Value::Text(value.to_owned());
    if let Some(before) = before {
        clauses.push("id < ?");
        values.push(Value::Integer(before));
    }
    if let Some(profile) = &filter.profile_id {
        clauses.push("profile_id = ?");
        values.push(text(profile));
    }
    match (&filter.device_id, &filter.hardware_id) {
        (Some(device), Some(hardware)) => {
            clauses.push("(device_id = ? OR hardware_id = ?)");
            values.extend([text(device), text(hardware)]);
        }
        (Some(device), None) => {
            clauses.push("device_id = ?");
            values.push(text(device));
        }
        (None, Some(hardware)) => {
            clauses.push("hardware_id = ?");
            values.push(text(hardware));
        }
        (None, None) => {}
    }
    if let Some(location) = &filter.location_id {
        clauses.push("location_id = ?");
        values.push(text(location));
    }
    if let Some(kind) = filter.kind.as_deref().filter(|k| !k.is_empty()) {
        if kind.ends_with('.') {
            clauses.push("action LIKE ? ESCAPE '\\'");
            values.push(Value::Text(format!("{}%", literal(kind))));
        } else {
            clauses.push("action = ?");
            values.push(text(kind));
        }
    }
    if let Some(who) = filter.who.as_deref().filter(|w| !w.is_empty()) {
        clauses.push("os_user = ?");
        values.push(text(who));
    }
    if let Some(since) = filter.since {
        clauses.push("at >= ?");
        values.push(Value::Text(since.format(AT_FORMAT).to_string()));
    }
    if let Some(until) = filter.until {
        clauses.push("at < ?");
        values.push(Value::Text(until.format(AT_FORMAT).to_string()));
    }
    if let Some(needle) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        clauses.push(
            "(target LIKE ? ESCAPE '\\' OR old_value LIKE ? ESCAPE '\\' OR new_value LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\' OR device_id LIKE ? ESCAPE '\\' OR hardware_id LIKE ? ESCAPE '\\')",
        );
        let pattern = format!("%{}%", literal(needle));
        values.extend(std::iter::repeat_n(Value::Text(pattern), 6));
    }
    let condition = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let limit = limit.clamp(1, MAX_PAGE);
    // One more than asked: whether there is a next page.
    values.push(Value::Integer(i64::from(limit) + 1));
    let mut statement = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM audit_log {condition} ORDER BY id DESC LIMIT ?"
    ))?;
    let mut entries = statement
        .query_map(rusqlite::params_from_iter(values), read)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let next_before = if entries.len() > limit as usize {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(ActivityPage {
        entries,
        next_before,
    })
}
