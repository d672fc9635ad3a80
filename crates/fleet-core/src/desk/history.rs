//! Devices' histories through the [`Desk`]: a device's timeline, the activity log, last activity
//! and the stale-device report, what a sync saw change, and the check of the log's chain.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::{Desk, blocking};
use crate::AppError;
use crate::audit::{ActivityFilter, ActivityPage, ChainReport, NewEntry};
use crate::fleet::index::{FleetIndex, SeenChange};
use crate::history::last_activity::{ActivitySource, Known};
use crate::history::stale::{self, StaleReport};
use crate::history::timeline::{self, DeviceHistory};
use crate::profiles::Profile;

/// How long what was read of payments and changes is trusted: the command line (or another
/// window) may have written meanwhile, and the watcher follows payments without telling.
const ACTIVITY_FRESH: Duration = Duration::from_secs(60);
/// The most days a stale report looks back.
pub const MAX_STALE_DAYS: u32 = 3_650;
/// How long after start the log's chain is checked: after the first view, never before it.
const CHAIN_CHECK_AFTER: Duration = Duration::from_secs(3);

/// One profile's known payments and changes per device, and when they were read.
pub(crate) struct ActivityCache {
    read_at: Instant,
    known: Arc<Known>,
}

impl Desk {
    /// What is known of the devices' payments and changes on `profile`, read again when stale.
    pub(crate) async fn known_activity(&self, profile: &Profile) -> Result<Arc<Known>, AppError> {
        if let Some(cache) = self
            .activity
            .lock()
            .get(&profile.id)
            .filter(|c| c.read_at.elapsed() < ACTIVITY_FRESH)
        {
            return Ok(cache.known.clone());
        }
        let (store, id) = (self.store.clone(), profile.id.clone());
        let known = Arc::new(blocking(move || store.with(|conn| Known::load(conn, &id))).await?);
        self.activity.lock().insert(
            profile.id.clone(),
            ActivityCache {
                read_at: Instant::now(),
                known: known.clone(),
            },
        );
        Ok(known)
    }

    /// Notes changes the desk just made (so the table shows them before the next reading).
    pub(crate) fn saw_activity(
        &self,
        profile_id: &str,
        changed: impl Iterator<Item = (String, chrono::DateTime<Utc>)>,
    ) {
        if let Some(cache) = self.activity.lock().get_mut(profile_id) {
            let known = Arc::make_mut(&mut cache.known);
            for (device_id, at) in changed {
                known.saw(&device_id, at, ActivitySource::Change);
            }
        }
    }

    /// A window of one device's history (the device as the fleet has it), newest first.
    pub async fn device_history(
        &self,
        device_id: &str,
        offset: u32,
        limit: u32,
    ) -> Result<DeviceHistory, AppError> {
        let (profile, index) = self.fleet().await?;
        let device = index
            .read()
            .get(device_id)
            .ok_or_else(|| AppError::NotFound {
                message: "That device is not in the fleet (it may have been deregistered)."
                    .to_owned(),
            })?;
        let store = self.store.clone();
        blocking(move || {
            store.with(|conn| timeline::device_history(conn, &profile.id, &device, offset, limit))
        })
        .await
    }

    /// A page of the active profile's activity log, newest first.
    pub async fn activity_log(
        &self,
        filter: &ActivityFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<ActivityPage, AppError> {
        let profile = self.active_profile().await?;
        // Always the active profile's: a page cannot read another account's log.
        let filter = ActivityFilter {
            profile_id: Some(profile.id),
            ..filter.clone()
        };
        let audit = self.audit.clone();
        blocking(move || audit.find(&filter, before, limit)).await
    }

    /// The active profile's devices with no activity for `days` days, per store.
    pub async fn stale_report(&self, days: u32) -> Result<StaleReport, AppError> {
        if !(1..=MAX_STALE_DAYS).contains(&days) {
            return Err(AppError::invalid_field(
                "days",
                format!("Use a number of days from 1 to {MAX_STALE_DAYS}."),
            ));
        }
        let (profile, index) = self.fleet().await?;
        let known = self.known_activity(&profile).await?;
        let names = self.location_names(&profile).await;
        blocking(move || {
            Ok(stale::report(
                &index.read(),
                &known,
                days,
                Utc::now(),
                &names,
            ))
        })
        .await
    }

    /// What the last check of the activity log's chain found (`None`: not checked yet).
    pub fn chain_status(&self) -> Option<ChainReport> {
        self.chain.lock().clone()
    }

    /// Checks the whole chain now (on the blocking pool), and remembers what it found.
    pub async fn check_chain(&self) -> Result<ChainReport, AppError> {
        let audit = self.audit.clone();
        let report = blocking(move || audit.verify()).await?;
        if let Some(broken) = &report.first_broken {
            tracing::warn!(entry = broken.id, at = %broken.at, "the activity log was changed outside Fleetdesk");
        }
        *self.chain.lock() = Some(report.clone());
        Ok(report)
    }

    /// Checks the chain in the background, a moment after start.
    pub(crate) fn check_chain_later(&self) {
        let (audit, chain) = (self.audit.clone(), self.chain.clone());
        tokio::spawn(async move {
            tokio::time::sleep(CHAIN_CHECK_AFTER).await;
            match blocking(move || audit.verify()).await {
                Ok(report) => {
                    if let Some(broken) = &report.first_broken {
                        tracing::warn!(entry = broken.id, at = %broken.at, "the activity log was changed outside Fleetdesk");
                    }
                    *chain.lock() = Some(report);
                }
                Err(err) => tracing::warn!(%err, "could not check the activity log"),
            }
        });
    }

    /// Records what changed between the fleet Fleetdesk held and the one a sync fetched: changes
    /// made outside Fleetdesk. Not after a first sync (everything would have "appeared").
    pub(crate) async fn record_seen_changes(
        &self,
        profile: &Profile,
        previous: Arc<parking_lot::RwLock<FleetIndex>>,
        current: Arc<parking_lot::RwLock<FleetIndex>>,
        previous_sync: chrono::DateTime<Utc>,
    ) {
        let changes: Vec<SeenChange> =
            match blocking(move || Ok(current.read().changes_since(&previous.read()))).await {
                Ok(changes) => changes,
                Err(err) => {
                    tracing::warn!(%err, "could not compare the fleet with the previous sync");
                    return;
                }
            };
        self.record_seen(profile, &changes, previous_sync).await;
    }

    /// Records changes made outside Fleetdesk, seen since `since` (a sync's comparison, or a
    /// device fetched fresh that differs from the one held).
    pub(crate) async fn record_seen(
        &self,
        profile: &Profile,
        changes: &[SeenChange],
        since: chrono::DateTime<Utc>,
    ) {
        if changes.is_empty() {
            return;
        }
        let previous_sync = since;
        let entries: Vec<NewEntry> = changes
            .iter()
            .map(|change| NewEntry::seen_in_sync(change, profile, previous_sync))
            .collect();
        self.saw_activity(
            &profile.id,
            entries
                .iter()
                .filter(|e| e.action != "sync.device_disappeared")
                .filter_map(|e| e.device_id.clone().map(|id| (id, e.at))),
        );
        let audit = self.audit.clone();
        if let Err(err) = blocking(move || audit.write(&entries)).await {
            tracing::warn!(%err, "could not write what the sync saw change");
        }
    }

    /// Writes the active profile's log entries `filter` matches (newest first, at most
    /// [`MAX_EXPORT`]) as CSV to `path`, a place the user chose, in the UI's language.
    pub async fn export_activity_csv(
        &self,
        path: &std::path::Path,
        filter: &ActivityFilter,
    ) -> Result<u32, AppError> {
        let profile = self.active_profile().await?;
        let names = self.location_names(&profile).await;
        let locale = self.locale().await?;
        let filter = ActivityFilter {
            profile_id: Some(profile.id.clone()),
            ..filter.clone()
        };
        let (audit, path_buf) = (self.audit.clone(), path.to_path_buf());
        let count = blocking(move || {
            let mut entries = Vec::new();
            let mut before = None;
            loop {
                let page = audit.find(&filter, before, crate::audit::find::MAX_PAGE)?;
                entries.extend(page.entries);
                match page.next_before {
                    Some(next) if entries.len() < MAX_EXPORT => before = Some(next),
                    _ => break,
                }
            }
            entries.truncate(MAX_EXPORT);
            let bytes = crate::history::export::activity_csv(
                &entries,
                &names,
                locale.language,
                locale.format_locale,
            )?;
            crate::storage::private_files::write_atomically(&path_buf, &bytes)
                .map_err(|err| crate::storage::storage("save the CSV file", err))?;
            Ok(entries.len() as u32)
        })
        .await?;
        Ok(count)
    }

    /// Writes the stale-device report for `days` as CSV to `path`, in the UI's language.
    pub async fn export_stale_csv(
        &self,
        path: &std::path::Path,
        days: u32,
    ) -> Result<u32, AppError> {
        let report = self.stale_report(days).await?;
        let locale = self.locale().await?;
        let path_buf = path.to_path_buf();
        blocking(move || {
            let bytes =
                crate::history::export::stale_csv(&report, locale.language, locale.format_locale)?;
            crate::storage::private_files::write_atomically(&path_buf, &bytes)
                .map_err(|err| crate::storage::storage("save the CSV file", err))?;
            Ok(report.total)
        })
        .await
    }
}

/// The most log entries one CSV export holds.
pub const MAX_EXPORT: usize = 500_000;
