//! Bulk jobs through the [`Desk`]: a plan from a filter or a pasted list (every device's change,
//! counts per store), a job started from it (on production only once confirmed outside the page),
//! worked through in the background within the account's request budget, paused, resumed,
//! cancelled, its failures retried; each device's change in the activity log with the job's id.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kustom_ipp::{Lane, RateBudget};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::fleet::DeviceSelection;
use super::notices::Notice;
use super::{Desk, blocking};
use crate::AppError;
use crate::fleet::edits::{self, Applied, BulkAction, BulkPreviewRow};
use crate::fleet::rename_pattern;
use crate::jobs::runner::{self, Settled, Transient};
use crate::jobs::{
    JobDevice, JobOutcome, JobRowFilter, JobState, JobSummary, ListMatch, PlannedDevice, targets,
};
use crate::locale::report_text::unassigned;
use crate::profiles::Profile;
use crate::profiles::guard::{ProductionAction, ProductionChange};

/// Which devices a job is for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobTargets {
    /// Chosen in the fleet: ids, or every device matching a filter.
    Selection { selection: DeviceSelection },
    /// A pasted or uploaded list of ids, names or hardware ids.
    List { text: String },
}

/// How many devices of a plan are in one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct StoreCount {
    pub location_id: Option<String>,
    pub name: Option<String>,
    pub count: u32,
}

/// A job's plan, kept in Rust under `plan_id`: starting it runs exactly these devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct JobPlan {
    pub plan_id: String,
    pub label: String,
    pub total: u32,
    /// Already as asked (nothing will be sent for them).
    pub unchanged: u32,
    pub per_store: Vec<StoreCount>,
    /// The first devices' changes (every one is in the job's report once it runs).
    pub rows: Vec<BulkPreviewRow>,
    pub production: bool,
    /// What a pasted list matched, when the plan came from one.
    pub list: Option<ListMatch>,
}

#[derive(Clone)]
pub(crate) struct StoredJobPlan {
    pub(super) profile_id: String,
    action: BulkAction,
    label: String,
    devices: Arc<Vec<PlannedDevice>>,
}

/// What slows a job down, as its page says it (with the error that said so).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Slowdown {
    /// Kustom answered 429: the whole account slowed down and comes back gently.
    RateLimited,
    /// Kustom cannot be reached: waiting, and trying again by itself.
    Offline { error: AppError },
    /// Kustom fails on its side: trying again.
    ServerTrouble { error: AppError },
}

/// What a job this process runs is doing now.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct Progress {
    /// Devices settled a minute, over the last minute.
    pub per_minute: f64,
    /// When the rest should be done at that pace (seconds), if it is moving.
    pub eta_secs: Option<u32>,
    /// Requests a second the account's budget allows now, and as configured.
    pub rate_now: f64,
    pub rate_configured: f64,
    pub slowed_by: Option<Slowdown>,
}

/// A job as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct JobView {
    pub job: JobSummary,
    /// While this process works on it.
    pub progress: Option<Progress>,
}

/// One page of a job's devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct JobDevicesPage {
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<JobDevice>,
}

/// The most devices one job may have (the whole of a very large fleet).
pub const MAX_JOB: usize = 100_000;
/// Rows a plan shows before it runs.
const PLAN_ROWS: usize = 300;
/// A job that runs longer than this is announced by a desktop notification when it ends.
const LONG_JOB_SECS: i64 = 60;
/// Devices settled at once.
const CONCURRENCY: usize = 8;
/// Devices read from the database at a time.
const CHUNK: u32 = 64;
/// A device that keeps failing on Kustom's side fails for good after this many tries.
const SERVER_TRIES: u32 = 5;
/// The request budget a profile gets until one is set: the local playground runs on this
/// computer; Kustom publishes no limit [GAP §3.6], so an account is spared.
pub const DEFAULT_RATE: u32 = 25;
pub const PLAYGROUND_RATE: u32 = 200;

fn rate_setting(profile_id: &str) -> String {
    format!("request_rate:{profile_id}")
}

/// The recent pace of a running job.
#[derive(Default)]
pub(crate) struct Pace {
    settled: VecDeque<Instant>,
    slowed_by: Option<Slowdown>,
}

impl Pace {
    fn settled(&mut self, count: usize) {
        let now = Instant::now();
        self.settled.extend(std::iter::repeat_n(now, count));
        while self
            .settled
            .front()
            .is_some_and(|at| now.duration_since(*at) > Duration::from_secs(60))
        {
            self.settled.pop_front();
        }
    }

    /// Devices a minute over the last minute (or since the job started, if sooner).
    fn per_minute(&self) -> f64 {
        let Some(first) = self.settled.front() else {
            return 0.0;
        };
        let span = first.elapsed().as_secs_f64().max(1.0);
        self.settled.len() as f64 * 60.0 / span
    }
}

impl Desk {
    /// Ids of jobs as they move (devices settled, paused, resumed, finished), for a window to
    /// refresh what it shows. Sent often while a job runs: a listener throttles.
    pub fn job_updates(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.job_updates.subscribe()
    }

    fn job_moved(&self, job_id: &str) {
        let _ = self.job_updates.send(job_id.to_owned());
    }

    /// The request budget of `profile`, made on first use from its setting.
    pub(crate) async fn budget_for(&self, profile: &Profile) -> RateBudget {
        if let Some(budget) = self.budgets.lock().get(&profile.id) {
            return budget.clone();
        }
        let rate = self.rate_of(profile).await;
        self.budgets
            .lock()
            .entry(profile.id.clone())
            .or_insert_with(|| RateBudget::new(f64::from(rate)))
            .clone()
    }

    /// Requests a second the profile `profile_id` may send.
    pub async fn request_rate(&self, profile_id: &str) -> Result<u32, AppError> {
        let profile = self.profile(profile_id).await?;
        Ok(self.rate_of(&profile).await)
    }

    async fn rate_of(&self, profile: &Profile) -> u32 {
        let default = if profile.is_builtin() {
            PLAYGROUND_RATE
        } else {
            DEFAULT_RATE
        };
        self.setting(&rate_setting(&profile.id))
            .await
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// Sets how many requests a second a profile may send (1–1000), for everything it sends.
    pub async fn set_request_rate(
        &self,
        profile_id: &str,
        per_second: u32,
    ) -> Result<(), AppError> {
        if !(1..=1000).contains(&per_second) {
            return Err(AppError::invalid_field(
                "request_rate",
                "Use from 1 to 1000 requests a second.",
            ));
        }
        let profile = self.profile(profile_id).await?;
        self.set_setting(&rate_setting(&profile.id), &per_second.to_string())
            .await?;
        if let Some(budget) = self.budgets.lock().get(&profile.id) {
            budget.set_rate(f64::from(per_second));
        }
        Ok(())
    }

    /// What a pasted list matches in the active profile's fleet.
    pub async fn match_device_list(&self, text: &str) -> Result<ListMatch, AppError> {
        let (_, index) = self.fleet().await?;
        let text = text.to_owned();
        blocking(move || Ok(targets::match_list(&index.read(), &text).0)).await
    }

    /// The plan of a job: `action` on the devices `targets` names, each device's change and the
    /// counts per store. Kept under `plan_id` for [`Desk::start_job`].
    pub async fn plan_job(
        &self,
        action: &BulkAction,
        targets: &JobTargets,
    ) -> Result<JobPlan, AppError> {
        let (profile, index) = self.fleet().await?;
        let known = self.known_activity(&profile).await?;
        let (devices, list) = match targets {
            JobTargets::Selection { selection } => (
                Self::resolve_selection(&index.read(), selection, &known),
                None,
            ),
            JobTargets::List { text } => {
                let index = index.clone();
                let text = text.clone();
                blocking(move || {
                    let index = index.read();
                    let (report, ids) = targets::match_list(&index, &text);
                    Ok((
                        ids.iter()
                            .filter_map(|id| index.get(id))
                            .collect::<Vec<_>>(),
                        Some(report),
                    ))
                })
                .await?
            }
        };
        if devices.is_empty() {
            return Err(AppError::invalid_field("selection", "No device to change."));
        }
        if devices.len() > MAX_JOB {
            return Err(AppError::invalid_field(
                "selection",
                format!("At most {MAX_JOB} devices in one job."),
            ));
        }
        let names = self.location_names(&profile).await;
        let refs: Vec<&kustom_ipp::Device> = devices.iter().collect();
        let targets = match action {
            BulkAction::RenamePattern { pattern } => {
                let unassigned = unassigned(self.locale().await?.language);
                Some(rename_pattern::names(pattern, &refs, &names, unassigned)?)
            }
            _ => None,
        };
        let preview = edits::preview(action, &refs, targets.as_deref(), &names);
        let unchanged = preview.iter().filter(|row| row.unchanged).count() as u32;
        let mut per_store: HashMap<Option<String>, u32> = HashMap::new();
        for device in &devices {
            *per_store.entry(device.location_id.clone()).or_default() += 1;
        }
        let mut per_store: Vec<StoreCount> = per_store
            .into_iter()
            .map(|(location_id, count)| StoreCount {
                name: location_id.as_ref().and_then(|id| names.get(id).cloned()),
                location_id,
                count,
            })
            .collect();
        per_store.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        let label = action.describe(&names);
        let mut targets = targets.map(Vec::into_iter);
        let planned: Vec<PlannedDevice> = devices
            .iter()
            .map(|device| PlannedDevice {
                device_id: device.id.clone(),
                name: device.name.clone(),
                location_id: device.location_id.clone(),
                planned: action.watched_value(device),
                target: targets.as_mut().and_then(Iterator::next),
            })
            .collect();
        let plan_id = self.plans.jobs.keep(StoredJobPlan {
            profile_id: profile.id.clone(),
            action: action.clone(),
            label: label.clone(),
            devices: Arc::new(planned),
        });
        Ok(JobPlan {
            plan_id,
            label,
            total: devices.len() as u32,
            unchanged,
            per_store,
            rows: preview.into_iter().take(PLAN_ROWS).collect(),
            production: profile.is_production(),
            list,
        })
    }

    /// Starts the job a plan describes: written to the database (every device pending), then
    /// worked through in the background. A plan starts once. On production the change is
    /// confirmed outside the page first.
    pub async fn start_job(&self, plan_id: &str) -> Result<JobSummary, AppError> {
        let plan = self
            .plans
            .jobs
            .take(plan_id)
            .ok_or_else(|| AppError::Conflict {
                message:
                    "That plan is no longer available (it was started, or is too old); plan the \
                      change again."
                        .to_owned(),
            })?;
        let profile = self.profile(&plan.profile_id).await?;
        self.ensure_online(&profile.id)?;
        let names = self.location_names(&profile).await;
        let confirmed = self
            .confirm_production(
                &profile,
                ProductionChange::new(
                    &profile,
                    ProductionAction::ChangeDevices {
                        count: u32::try_from(plan.devices.len()).unwrap_or(u32::MAX),
                        change: super::fleet_changes::devices_change(&plan.action, &names),
                    },
                ),
            )
            .await;
        if let Err(err) = confirmed {
            self.plans.jobs.put_back(plan_id, plan);
            return Err(err);
        }
        let (jobs, profile_id, label, action, devices) = (
            self.jobs.clone(),
            profile.id.clone(),
            plan.label.clone(),
            plan.action.clone(),
            plan.devices.clone(),
        );
        let who = crate::audit::os_user();
        let id =
            blocking(move || jobs.create(&profile_id, &label, &action, &who, &devices)).await?;
        self.audit_detail(
            Some(&profile),
            "job.start",
            &plan.label,
            None,
            Some(&format!("{} devices, job {id}", plan.devices.len())),
        )
        .await;
        self.job_moved(&id);
        let jobs = self.jobs.clone();
        blocking(move || {
            jobs.get(&id)?
                .ok_or_else(|| AppError::internal("the job just written is not there"))
        })
        .await
    }

    fn progress_of(&self, job: &JobSummary, budget: Option<&RateBudget>) -> Option<Progress> {
        let paces = self.job_progress.lock();
        let pace = paces.get(&job.id)?;
        let per_minute = pace.per_minute();
        let status = budget.map(RateBudget::status);
        Some(Progress {
            per_minute,
            eta_secs: (per_minute > 0.0)
                .then(|| (f64::from(job.waiting) * 60.0 / per_minute).round() as u32),
            rate_now: status.map_or(0.0, |s| s.current),
            rate_configured: status.map_or(0.0, |s| s.configured),
            // A budget held below its rate is a 429 the client waited out by itself.
            slowed_by: pace.slowed_by.clone().or_else(|| {
                status
                    .filter(|s| s.current < s.configured * 0.99 || !s.paused_for.is_zero())
                    .map(|_| Slowdown::RateLimited)
            }),
        })
    }

    /// The active profile's jobs, newest first, with what the running ones are doing.
    pub async fn jobs(&self) -> Result<Vec<JobView>, AppError> {
        let profile = self.active_profile().await?;
        let budget = self.budget_for(&profile).await;
        let (jobs, id) = (self.jobs.clone(), profile.id.clone());
        let list = blocking(move || jobs.list(&id, 200)).await?;
        Ok(list
            .into_iter()
            .map(|job| JobView {
                progress: self.progress_of(&job, Some(&budget)),
                job,
            })
            .collect())
    }

    async fn job_of_active(&self, job_id: &str) -> Result<(Profile, JobSummary), AppError> {
        let profile = self.active_profile().await?;
        let (jobs, id) = (self.jobs.clone(), job_id.to_owned());
        let job = blocking(move || jobs.get(&id))
            .await?
            .filter(|job| job.profile_id == profile.id)
            .ok_or_else(|| AppError::NotFound {
                message: "That job is not one of this profile's.".to_owned(),
            })?;
        Ok((profile, job))
    }

    pub async fn job(&self, job_id: &str) -> Result<JobView, AppError> {
        let (profile, job) = self.job_of_active(job_id).await?;
        let budget = self.budget_for(&profile).await;
        Ok(JobView {
            progress: self.progress_of(&job, Some(&budget)),
            job,
        })
    }

    pub async fn job_devices(
        &self,
        job_id: &str,
        filter: JobRowFilter,
        offset: u32,
        limit: u32,
    ) -> Result<JobDevicesPage, AppError> {
        self.job_of_active(job_id).await?;
        let (jobs, id) = (self.jobs.clone(), job_id.to_owned());
        let (total, rows) =
            blocking(move || jobs.devices(&id, filter, offset, limit.clamp(1, 1_000))).await?;
        Ok(JobDevicesPage {
            total,
            offset,
            rows,
        })
    }

    /// Pauses, resumes or cancels a job (cancelling stops new requests; what was sent is
    /// settled, what was not is reported as skipped).
    pub async fn set_job_state(&self, job_id: &str, wanted: JobState) -> Result<JobView, AppError> {
        let (profile, job) = self.job_of_active(job_id).await?;
        let allowed = matches!(
            (job.state, wanted),
            (JobState::Running, JobState::Paused | JobState::Cancelled)
                | (JobState::Paused, JobState::Running | JobState::Cancelled)
        );
        if !allowed {
            return Err(AppError::Conflict {
                message: "The job is not in a state that allows that any more.".to_owned(),
            });
        }
        let (jobs, id) = (self.jobs.clone(), job_id.to_owned());
        blocking(move || {
            jobs.set_state(&id, wanted)?;
            if wanted == JobState::Cancelled {
                jobs.skip_unsent(&id)?;
            }
            Ok(())
        })
        .await?;
        let action = match wanted {
            JobState::Paused => "job.pause",
            JobState::Running => "job.resume",
            _ => "job.cancel",
        };
        self.audit_detail(Some(&profile), action, &job.label, None, Some(job_id))
            .await;
        self.job_moved(job_id);
        self.job(job_id).await
    }

    /// Sends a job's failed devices again.
    pub async fn retry_failed_job(&self, job_id: &str) -> Result<JobView, AppError> {
        let (profile, job) = self.job_of_active(job_id).await?;
        let (jobs, id) = (self.jobs.clone(), job_id.to_owned());
        let again = blocking(move || jobs.retry_failed(&id)).await?;
        self.audit_detail(
            Some(&profile),
            "job.retry",
            &job.label,
            None,
            Some(&format!("{again} devices, job {job_id}")),
        )
        .await;
        self.job_moved(job_id);
        self.job(job_id).await
    }

    /// Writes a job's report (every device, its result) as CSV to `path`, in the UI's language.
    pub async fn export_job_csv(&self, path: &Path, job_id: &str) -> Result<u32, AppError> {
        let (profile, job) = self.job_of_active(job_id).await?;
        let names = self.location_names(&profile).await;
        let locale = self.locale().await?;
        let (jobs, id, path_buf) = (self.jobs.clone(), job.id, path.to_path_buf());
        blocking(move || {
            let (_, rows) = jobs.devices(&id, JobRowFilter::All, 0, MAX_JOB as u32)?;
            let bytes =
                crate::jobs::report::csv(&rows, &names, locale.language, locale.format_locale)?;
            crate::storage::private_files::write_atomically(&path_buf, &bytes)
                .map_err(|err| crate::storage::storage("save the CSV file", err))?;
            Ok(rows.len() as u32)
        })
        .await
    }

    /// Works through one job until it is finished, paused, cancelled, or another runner holds
    /// it. Safe to call again at any point (a restart resumes where the database says).
    pub async fn run_job(&self, job_id: &str) -> Result<JobState, AppError> {
        let (jobs, id) = (self.jobs.clone(), job_id.to_owned());
        let Some(job) = blocking(move || {
            let job = jobs.get(&id)?;
            let workable = |state| matches!(state, JobState::Running | JobState::Cancelled);
            Ok(match job {
                Some(job) if workable(job.state) && jobs.lease(&id)? => Some(job),
                _ => None,
            })
        })
        .await?
        else {
            return Ok(JobState::Paused);
        };
        self.job_progress
            .lock()
            .insert(job.id.clone(), Pace::default());
        // The lease is renewed while the job is worked on, however slowly its devices go.
        let renewing = {
            let (jobs, id) = (self.jobs.clone(), job.id.clone());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(
                    crate::jobs::store::LEASE.to_std().unwrap_or_default() / 3,
                );
                loop {
                    every.tick().await;
                    let (jobs, id) = (jobs.clone(), id.clone());
                    if !matches!(blocking(move || jobs.lease(&id)).await, Ok(true)) {
                        return;
                    }
                }
            })
        };
        let result = self.work_through(&job).await;
        renewing.abort();
        self.job_progress.lock().remove(&job.id);
        let (jobs, id) = (self.jobs.clone(), job.id.clone());
        let _ = blocking(move || jobs.release(&id)).await;
        result
    }

    async fn work_through(&self, job: &JobSummary) -> Result<JobState, AppError> {
        let (profile, client) = self.client_of(&job.profile_id).await?;
        let client = client.in_lane(Lane::Background);
        let mut after: Option<u32> = None;
        let mut wait = Duration::from_secs(2);
        // Whether a device of this pass had to wait (to be tried again in the next pass).
        let mut waited = false;
        let mut server_tries: HashMap<u32, u32> = HashMap::new();
        loop {
            // Between chunks: still ours, and still running?
            let (jobs, id) = (self.jobs.clone(), job.id.clone());
            let (held, state) = blocking(move || Ok((jobs.lease(&id)?, jobs.state(&id)?))).await?;
            // A cancelled job still settles what it had sent (by reading: nothing new is sent).
            let cancelled = match state {
                Some(JobState::Running) if held => false,
                Some(JobState::Cancelled) if held => true,
                Some(state) => return Ok(state),
                None => return Ok(JobState::Cancelled),
            };
            let (jobs, id) = (self.jobs.clone(), job.id.clone());
            let chunk = blocking(move || jobs.next_devices(&id, after, CHUNK, cancelled)).await?;
            if chunk.is_empty() {
                if after.take().is_some() {
                    // Once more from the start, for the devices that had to wait (after a
                    // moment, should Kustom be failing on its side).
                    if std::mem::take(&mut waited) {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    continue;
                }
                if cancelled {
                    return Ok(JobState::Cancelled);
                }
                return self.finish(&profile, job).await;
            }
            after = chunk.last().map(|(seq, _, _)| *seq);
            let action = &job.action;
            let mut settling = futures::stream::iter(chunk)
                .map(|(seq, device, prior)| {
                    let (client, jobs, id) = (&client, self.jobs.clone(), job.id.clone());
                    async move {
                        if cancelled {
                            return Some((seq, runner::settle_sent(client, action, &device).await));
                        }
                        // Paused or cancelled meanwhile (here or from another process): this
                        // device is not started.
                        let (still, idc) = (jobs.clone(), id.clone());
                        let state = blocking(move || still.state(&idc)).await;
                        if !matches!(state, Ok(Some(JobState::Running))) {
                            return None;
                        }
                        let sending =
                            async move || blocking(move || jobs.mark_sending(&id, seq)).await;
                        let settled = runner::settle(client, action, &device, prior, sending).await;
                        Some((seq, settled))
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .filter_map(std::future::ready)
                // Recorded as they come (a few at a time), so the job's page moves steadily.
                .ready_chunks(CONCURRENCY * 2);
            let mut later: Option<Transient> = None;
            while let Some(batch) = settling.next().await {
                let waiting = self
                    .record_batch(&profile, job, batch, &mut server_tries)
                    .await?;
                later = waiting.or(later);
            }
            match later {
                // Kustom out of reach: nothing will go through. Wait (longer each time), then
                // from the start: the devices that had to wait are pending still.
                Some(Transient::Offline(_)) => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(30));
                    after = None;
                }
                // One device's trouble, or a 429 the budget already paces: on with the rest;
                // these come again in the next pass.
                Some(_) => waited = true,
                None => wait = Duration::from_secs(2),
            }
        }
    }

    /// Records a batch of settled devices (their outcomes, changes in the activity log and the
    /// fleet) and the job's pace; says why devices had to wait, if any did.
    async fn record_batch(
        &self,
        profile: &Profile,
        job: &JobSummary,
        batch: Vec<(u32, Settled)>,
        server_tries: &mut HashMap<u32, u32>,
    ) -> Result<Option<Transient>, AppError> {
        let mut changed = Vec::new();
        let mut results = Vec::new();
        let mut later: Option<Transient> = None;
        for (seq, settled) in batch {
            match settled {
                Settled::Final {
                    outcome,
                    changed: change,
                } => {
                    results.push((seq, outcome));
                    changed.extend(change.map(|change| *change));
                }
                Settled::Later { why } => {
                    if let Transient::ServerTrouble(error) = &why {
                        let tries = server_tries.entry(seq).or_default();
                        *tries += 1;
                        if *tries >= SERVER_TRIES {
                            let error = error.clone();
                            results.push((seq, JobOutcome::Failed { error }));
                            continue;
                        }
                    }
                    later = Some(why);
                }
            }
        }
        let (jobs, id, settled_now) = (self.jobs.clone(), job.id.clone(), results.len());
        blocking(move || jobs.settle(&id, &results)).await?;
        if !changed.is_empty() {
            self.record_changes(profile, &changed, Some(&job.id)).await;
            self.remember(&profile.id, changed.iter().map(Applied::from).collect())
                .await?;
        }
        if let Some(pace) = self.job_progress.lock().get_mut(&job.id) {
            pace.settled(settled_now);
            pace.slowed_by = later.as_ref().map(|why| match why {
                Transient::Throttled(_) => Slowdown::RateLimited,
                Transient::Offline(error) => Slowdown::Offline {
                    error: error.clone(),
                },
                Transient::ServerTrouble(error) => Slowdown::ServerTrouble {
                    error: error.clone(),
                },
            });
        }
        self.job_moved(&job.id);
        Ok(later)
    }

    async fn finish(&self, profile: &Profile, job: &JobSummary) -> Result<JobState, AppError> {
        let (jobs, id) = (self.jobs.clone(), job.id.clone());
        let summary = blocking(move || {
            // Only a job still running finishes (one paused or cancelled meanwhile stays so).
            Ok(if jobs.finish(&id)? {
                jobs.get(&id)?
            } else {
                None
            })
        })
        .await?;
        self.job_moved(&job.id);
        if let Some(done) = summary {
            // A job that ends while its dialog is still open needs no notification.
            let long =
                chrono::Utc::now() - done.created_at >= chrono::Duration::seconds(LONG_JOB_SECS);
            if long {
                let _ = self.notices.send(Notice::JobFinished {
                    label: done.label.clone(),
                    done: done.done,
                    failed: done.failed,
                    skipped: done.skipped,
                });
            }
            self.audit_detail(
                Some(profile),
                "job.finish",
                &done.label,
                None,
                Some(&format!(
                    "{} done, {} failed, {} skipped, job {}",
                    done.done, done.failed, done.skipped, done.id
                )),
            )
            .await;
        }
        Ok(JobState::Finished)
    }
}

/// Runs every running job in the background: those waiting after a restart, and each new one,
/// one worker a job, the process holding its lease.
pub fn spawn_job_runner(desk: &Arc<Desk>) {
    let desk = desk.clone();
    tokio::spawn(async move {
        let working: Arc<parking_lot::Mutex<std::collections::HashSet<String>>> = Arc::default();
        let mut every = tokio::time::interval(Duration::from_secs(2));
        loop {
            every.tick().await;
            let jobs = desk.jobs.clone();
            let runnable = match blocking(move || jobs.runnable()).await {
                Ok(runnable) => runnable,
                Err(err) => {
                    tracing::warn!(%err, "could not read the jobs");
                    continue;
                }
            };
            for job_id in runnable {
                if !working.lock().insert(job_id.clone()) {
                    continue;
                }
                let (desk, working) = (desk.clone(), working.clone());
                tokio::spawn(async move {
                    if let Err(err) = desk.run_job(&job_id).await {
                        tracing::warn!(%err, job = %job_id, "a job stopped");
                    }
                    working.lock().remove(&job_id);
                });
            }
        }
    });
}
