//! Jobs in SQLite: a job, its action, and every device's state, written before anything is sent
//! and after each device is settled — so a job outlives a quit, a crash or a sleep, and its report
//! is true for every device.
//!
//! A job is run by one process at a time: the runner holds a lease (renewed while it works, taken
//! over once it lapses or its holder is dead, see [`super::liveness`]), so the window and the
//! command line never run one job twice.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::liveness::Runner;
use super::outcome::{DeviceState, JobOutcome};
use crate::AppError;
use crate::fleet::edits::BulkAction;
use crate::storage::{Store, storage};

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Being worked through (or waiting for a runner, the network, the rate budget).
    Running,
    Paused,
    /// Stopped by the user: nothing more is sent; what was sent was settled.
    Cancelled,
    /// Every device has its result.
    Finished,
}

impl JobState {
    fn as_db(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Cancelled => "cancelled",
            Self::Finished => "finished",
        }
    }

    fn from_db(text: &str) -> Self {
        match text {
            "paused" => Self::Paused,
            "cancelled" => Self::Cancelled,
            "finished" => Self::Finished,
            _ => Self::Running,
        }
    }
}

/// A job as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct JobSummary {
    pub id: String,
    pub profile_id: String,
    pub label: String,
    pub action: BulkAction,
    pub state: JobState,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub finished_at: Option<DateTime<Utc>>,
    pub total: u32,
    pub done: u32,
    pub failed: u32,
    pub skipped: u32,
    /// Not settled yet (pending or being sent).
    pub waiting: u32,
}

/// One device of a job, as its report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct JobDevice {
    pub seq: u32,
    pub device_id: String,
    pub name: String,
    pub location_id: Option<String>,
    pub state: DeviceState,
    /// What happened to it, once settled.
    pub outcome: Option<JobOutcome>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A device the job will work on, as its plan saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedDevice {
    pub device_id: String,
    pub name: String,
    pub location_id: Option<String>,
    /// The value the action changes, as the plan saw it ([`BulkAction::watched_value`]).
    pub planned: Option<String>,
    /// This device's own new value, where the action gives each its own (a rename pattern's).
    pub target: Option<String>,
}

/// Which devices of a job a report page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum JobRowFilter {
    All,
    Failed,
    Skipped,
    Done,
    Waiting,
}

/// How long a runner's lease on a job lasts without being renewed.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(15);

#[derive(Clone)]
pub struct Jobs {
    store: Store,
    /// This process as a runner of jobs.
    runner: Arc<Runner>,
}

fn summary(row: &Row<'_>) -> rusqlite::Result<(JobSummary, String)> {
    let action: String = row.get(3)?;
    Ok((
        JobSummary {
            id: row.get(0)?,
            profile_id: row.get(1)?,
            label: row.get(2)?,
            // Filled in by the caller (a column that does not read is an error there).
            action: BulkAction::Deregister,
            state: JobState::from_db(&row.get::<_, String>(4)?),
            created_at: row.get(5)?,
            created_by: row.get(6)?,
            finished_at: row.get(7)?,
            total: row.get(8)?,
            done: row.get(9)?,
            failed: row.get(10)?,
            skipped: row.get(11)?,
            waiting: row.get(12)?,
        },
        action,
    ))
}

const SUMMARY: &str = "SELECT j.id, j.profile_id, j.label, j.action, j.state, j.created_at, j.created_by, j.finished_at,
        (SELECT COUNT(*) FROM job_devices d WHERE d.job_id = j.id),
        (SELECT COUNT(*) FROM job_devices d WHERE d.job_id = j.id AND d.state = 'done'),
        (SELECT COUNT(*) FROM job_devices d WHERE d.job_id = j.id AND d.state = 'failed'),
        (SELECT COUNT(*) FROM job_devices d WHERE d.job_id = j.id AND d.state = 'skipped'),
        (SELECT COUNT(*) FROM job_devices d WHERE d.job_id = j.id AND d.state IN ('pending', 'sending'))
     FROM jobs j";

fn with_action((mut job, action): (JobSummary, String)) -> Result<JobSummary, AppError> {
    job.action = serde_json::from_str(&action).map_err(|err| storage("read a job", err))?;
    Ok(job)
}

impl Jobs {
    /// Jobs in `store`, run by this process under `runners` (a folder next to the database).
    pub fn new(store: Store, runners: &Path) -> Result<Self, AppError> {
        Ok(Self {
            store,
            runner: Arc::new(Runner::start(runners)?),
        })
    }

    /// This process's name as a runner.
    pub fn runner_id(&self) -> &str {
        self.runner.id()
    }

    /// Whether this runner may hold a lease now held by `owner` until `until`.
    fn may_take(
        &self,
        owner: Option<&str>,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        match owner {
            None => true,
            Some(owner) if owner == self.runner.id() => true,
            Some(owner) => until.is_none_or(|until| until < now) || self.runner.is_dead(owner),
        }
    }

    /// Writes a new job and every device of it, running, in one transaction.
    pub fn create(
        &self,
        profile_id: &str,
        label: &str,
        action: &BulkAction,
        created_by: &str,
        devices: &[PlannedDevice],
    ) -> Result<String, AppError> {
        let id = uuid::Uuid::new_v4().to_string();
        let action = serde_json::to_string(action).map_err(|err| storage("write a job", err))?;
        self.store.transaction(|tx| {
            let db = |err: rusqlite::Error| storage("write a job", err);
            tx.execute(
                "INSERT INTO jobs (id, profile_id, label, action, state, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6)",
                rusqlite::params![id, profile_id, label, action, Utc::now(), created_by],
            )
            .map_err(db)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO job_devices (job_id, seq, device_id, name, location_id, planned, target, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending')",
                )
                .map_err(db)?;
            for (seq, device) in devices.iter().enumerate() {
                insert
                    .execute(rusqlite::params![
                        id,
                        seq as u32,
                        device.device_id,
                        device.name,
                        device.location_id,
                        device.planned,
                        device.target
                    ])
                    .map_err(db)?;
            }
            Ok(())
        })?;
        Ok(id)
    }

    pub fn get(&self, job_id: &str) -> Result<Option<JobSummary>, AppError> {
        let found = self.store.with(|conn| {
            conn.query_row(&format!("{SUMMARY} WHERE j.id = ?1"), [job_id], summary)
                .optional()
        })?;
        found.map(with_action).transpose()
    }

    /// A profile's jobs, newest first (at most `limit`).
    pub fn list(&self, profile_id: &str, limit: u32) -> Result<Vec<JobSummary>, AppError> {
        let rows = self.store.with(|conn| {
            let mut statement = conn.prepare(&format!(
                "{SUMMARY} WHERE j.profile_id = ?1 ORDER BY j.created_at DESC LIMIT ?2"
            ))?;
            let rows = statement.query_map(rusqlite::params![profile_id, limit], summary)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        rows.into_iter().map(with_action).collect()
    }

    /// Where a job is (a cheap read, made before each device is started).
    pub fn state(&self, job_id: &str) -> Result<Option<JobState>, AppError> {
        self.store.with(|conn| {
            conn.prepare_cached("SELECT state FROM jobs WHERE id = ?1")?
                .query_row([job_id], |row| row.get::<_, String>(0))
                .optional()
                .map(|state| state.as_deref().map(JobState::from_db))
        })
    }

    /// A page of a job's devices, in plan order.
    pub fn devices(
        &self,
        job_id: &str,
        filter: JobRowFilter,
        offset: u32,
        limit: u32,
    ) -> Result<(u32, Vec<JobDevice>), AppError> {
        let states = match filter {
            JobRowFilter::All => "('pending', 'sending', 'done', 'failed', 'skipped')",
            JobRowFilter::Failed => "('failed')",
            JobRowFilter::Skipped => "('skipped')",
            JobRowFilter::Done => "('done')",
            JobRowFilter::Waiting => "('pending', 'sending')",
        };
        self.store.with(|conn| {
            let total: u32 = conn.query_row(
                &format!("SELECT COUNT(*) FROM job_devices WHERE job_id = ?1 AND state IN {states}"),
                [job_id],
                |row| row.get(0),
            )?;
            let mut statement = conn.prepare(&format!(
                "SELECT seq, device_id, name, location_id, state, outcome, updated_at FROM job_devices
                 WHERE job_id = ?1 AND state IN {states} ORDER BY seq LIMIT ?2 OFFSET ?3"
            ))?;
            let rows = statement.query_map(rusqlite::params![job_id, limit, offset], |row| {
                Ok(JobDevice {
                    seq: row.get(0)?,
                    device_id: row.get(1)?,
                    name: row.get(2)?,
                    location_id: row.get(3)?,
                    state: DeviceState::from_db(&row.get::<_, String>(4)?),
                    outcome: row
                        .get::<_, Option<String>>(5)?
                        .map(|text| JobOutcome::from_db(&text)),
                    updated_at: row.get(6)?,
                })
            })?;
            Ok((total, rows.collect::<rusqlite::Result<Vec<_>>>()?))
        })
    }

    /// The next devices to work on (pending, or sent without a recorded outcome; only the latter
    /// when `only_sent`), in plan order, each with the value its plan saw.
    pub fn next_devices(
        &self,
        job_id: &str,
        after_seq: Option<u32>,
        limit: u32,
        only_sent: bool,
    ) -> Result<Vec<(u32, PlannedDevice, DeviceState)>, AppError> {
        self.store.with(|conn| {
            let mut statement = conn.prepare_cached(if only_sent {
                "SELECT seq, device_id, name, location_id, planned, target, state FROM job_devices
                 WHERE job_id = ?1 AND state = 'sending' AND seq > ?2
                 ORDER BY seq LIMIT ?3"
            } else {
                "SELECT seq, device_id, name, location_id, planned, target, state FROM job_devices
                 WHERE job_id = ?1 AND state IN ('pending', 'sending') AND seq > ?2
                 ORDER BY seq LIMIT ?3"
            })?;
            let after = after_seq.map_or(-1, i64::from);
            let rows = statement.query_map(rusqlite::params![job_id, after, limit], |row| {
                Ok((
                    row.get(0)?,
                    PlannedDevice {
                        device_id: row.get(1)?,
                        name: row.get(2)?,
                        location_id: row.get(3)?,
                        planned: row.get(4)?,
                        target: row.get(5)?,
                    },
                    DeviceState::from_db(&row.get::<_, String>(6)?),
                ))
            })?;
            rows.collect()
        })
    }

    /// Records that one device's request is about to go out (settled by reading it, should the
    /// answer never be recorded).
    pub fn mark_sending(&self, job_id: &str, seq: u32) -> Result<(), AppError> {
        self.store.with(|conn| {
            conn.prepare_cached(
                "UPDATE job_devices SET state = 'sending', updated_at = ?3 WHERE job_id = ?1 AND seq = ?2",
            )?
            .execute(rusqlite::params![job_id, seq, Utc::now()])
            .map(|_| ())
        })
    }

    /// Records devices' outcomes, in one transaction.
    pub fn settle(&self, job_id: &str, outcomes: &[(u32, JobOutcome)]) -> Result<(), AppError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        self.store.transaction(|tx| {
            let db = |err: rusqlite::Error| storage("record a job's progress", err);
            let mut update = tx
                .prepare_cached(
                    "UPDATE job_devices SET state = ?3, outcome = ?4, updated_at = ?5
                     WHERE job_id = ?1 AND seq = ?2",
                )
                .map_err(db)?;
            let now = Utc::now();
            for (seq, outcome) in outcomes {
                update
                    .execute(rusqlite::params![
                        job_id,
                        seq,
                        outcome.state().as_db(),
                        outcome.to_db(),
                        now
                    ])
                    .map_err(db)?;
            }
            Ok(())
        })
    }

    /// A running job done: finished (`false` if it was paused or cancelled meanwhile).
    pub fn finish(&self, job_id: &str) -> Result<bool, AppError> {
        self.store.with(|conn| {
            conn.execute(
                "UPDATE jobs SET state = 'finished', finished_at = ?2 WHERE id = ?1 AND state = 'running'",
                rusqlite::params![job_id, Utc::now()],
            )
            .map(|changed| changed == 1)
        })
    }

    pub fn set_state(&self, job_id: &str, state: JobState) -> Result<(), AppError> {
        self.store.with(|conn| {
            let finished = matches!(state, JobState::Finished | JobState::Cancelled).then(Utc::now);
            conn.execute(
                "UPDATE jobs SET state = ?2, finished_at = COALESCE(?3, finished_at) WHERE id = ?1",
                rusqlite::params![job_id, state.as_db(), finished],
            )
            .map(|_| ())
        })
    }

    /// A cancelled job's devices that were never sent: skipped, saying so.
    pub fn skip_unsent(&self, job_id: &str) -> Result<usize, AppError> {
        self.store.with(|conn| {
            conn.execute(
                "UPDATE job_devices SET state = 'skipped', outcome = ?2, updated_at = ?3
                 WHERE job_id = ?1 AND state = 'pending'",
                rusqlite::params![job_id, JobOutcome::Cancelled.to_db(), Utc::now()],
            )
        })
    }

    /// Sends the failed devices of a job again.
    pub fn retry_failed(&self, job_id: &str) -> Result<usize, AppError> {
        self.store.transaction(|tx| {
            let db = |err: rusqlite::Error| storage("retry a job", err);
            let again = tx
                .execute(
                    "UPDATE job_devices SET state = 'pending', outcome = NULL WHERE job_id = ?1 AND state = 'failed'",
                    [job_id],
                )
                .map_err(db)?;
            if again > 0 {
                tx.execute(
                    "UPDATE jobs SET state = 'running', finished_at = NULL WHERE id = ?1",
                    [job_id],
                )
                .map_err(db)?;
            }
            Ok(again)
        })
    }

    /// Takes (or renews) this runner's lease on a job; `false` if a live runner holds it.
    pub fn lease(&self, job_id: &str) -> Result<bool, AppError> {
        let now = Utc::now();
        let held: Option<(Option<String>, Option<DateTime<Utc>>)> = self.store.with(|conn| {
            conn.query_row(
                "SELECT lease_owner, lease_until FROM jobs WHERE id = ?1",
                [job_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
        })?;
        let Some((owner, until)) = held else {
            return Ok(false);
        };
        if !self.may_take(owner.as_deref(), until, now) {
            return Ok(false);
        }
        // Taken only if nobody else took it meanwhile (another process may be looking too).
        self.store.with(|conn| {
            conn.execute(
                "UPDATE jobs SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1 AND lease_owner IS ?4",
                rusqlite::params![job_id, self.runner.id(), now + LEASE, owner],
            )
            .map(|changed| changed == 1)
        })
    }

    /// Gives this runner's lease up (a clean stop: another runner may start at once).
    pub fn release(&self, job_id: &str) -> Result<(), AppError> {
        self.store.with(|conn| {
            conn.execute(
                "UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE id = ?1 AND lease_owner = ?2",
                [job_id, self.runner.id()],
            )
            .map(|_| ())
        })
    }

    /// Jobs (of any profile) with work for a runner — running, or cancelled with requests to
    /// settle — that this runner may take: none held by a live runner.
    pub fn runnable(&self) -> Result<Vec<String>, AppError> {
        let now = Utc::now();
        let running: Vec<(String, Option<String>, Option<DateTime<Utc>>)> =
            self.store.with(|conn| {
                let mut statement = conn.prepare(
                    "SELECT id, lease_owner, lease_until FROM jobs j WHERE state = 'running'
                     OR (state = 'cancelled' AND EXISTS
                         (SELECT 1 FROM job_devices d WHERE d.job_id = j.id AND d.state = 'sending'))
                     ORDER BY created_at",
                )?;
                let rows =
                    statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
                rows.collect()
            })?;
        Ok(running
            .into_iter()
            .filter(|(_, owner, until)| self.may_take(owner.as_deref(), *until, now))
            .map(|(id, _, _)| id)
            .collect())
    }

    pub fn forget_profile(&self, profile_id: &str) -> Result<usize, AppError> {
        self.store.with(|conn| {
            conn.execute(
                "DELETE FROM job_devices WHERE job_id IN (SELECT id FROM jobs WHERE profile_id = ?1)",
                [profile_id],
            )?;
            conn.execute("DELETE FROM jobs WHERE profile_id = ?1", [profile_id])
        })
    }
}
