//! Bulk jobs through the [`Desk`]: a plan from a filter or a pasted list (every device's change,
//! counts per store), a job started from it (on production only once confirmed outside the page),
//! worked through in the background within the account's request budget, paused, resumed,
//! cancelled, its failures retried; each device's change in the activity log with the job's id.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use kustom_ipp::RateBudget;
use serde::{Deserialize, Serialize};
use specta::Type;

use super::fleet::DeviceSelection;
use super::{Desk, blocking};
use crate::AppError;
use crate::fleet::edits::{self, BulkAction, BulkPreviewRow};
use crate::fleet::rename_pattern;
use crate::jobs::{
    JobDevice, JobRowFilter, JobState, JobSummary, ListMatch, PlannedDevice, targets,
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

/// How many of the devices a plan changes are in one store now.
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

/// A job worked out, before it is kept as a plan or written to a file.
pub(super) struct Planning {
    pub(super) profile: Profile,
    pub(super) label: String,
    pub(super) devices: Vec<kustom_ipp::Device>,
    pub(super) planned: Vec<PlannedDevice>,
    pub(super) preview: Vec<BulkPreviewRow>,
    pub(super) names: HashMap<String, String>,
    pub(super) list: Option<ListMatch>,
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
/// The request budget a profile gets until one is set: the local playground runs on this
/// computer; Kustom publishes no limit [GAP §3.6], so an account is spared.
pub const DEFAULT_RATE: u32 = 25;
pub const PLAYGROUND_RATE: u32 = 200;

/// One job moved; `stopped` when it stopped changing devices (finished, paused, cancelled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobMoved {
    pub job_id: String,
    pub stopped: bool,
}

fn rate_setting(profile_id: &str) -> String {
    format!("request_rate:{profile_id}")
}

impl Desk {
    /// Jobs as they move (devices settled, paused, resumed, finished), for a window to refresh
    /// what it shows. Sent often while a job runs: a listener throttles all but a stop.
    pub fn job_updates(&self) -> tokio::sync::broadcast::Receiver<JobMoved> {
        self.job_updates.subscribe()
    }

    pub(super) fn job_moved(&self, job_id: &str) {
        self.announce(job_id, false);
    }

    /// A job stopped changing devices (finished, paused, cancelled): what it changed is final
    /// for now, and a window shows it at once rather than at its next throttled refresh.
    pub(super) fn job_stopped(&self, job_id: &str) {
        self.announce(job_id, true);
    }

    fn announce(&self, job_id: &str, stopped: bool) {
        let _ = self.job_updates.send(JobMoved {
            job_id: job_id.to_owned(),
            stopped,
        });
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
    /// Works out a job: the devices `targets` names, each one's change (its preview row, the
    /// value the job will compare with, its own new value), and what a pasted list matched.
    pub(super) async fn planning(
        &self,
        action: &BulkAction,
        targets: &JobTargets,
    ) -> Result<Planning, AppError> {
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
        let new_names = match action {
            BulkAction::RenamePattern { pattern } => {
                let unassigned = unassigned(self.locale().await?.language);
                Some(rename_pattern::names(pattern, &refs, &names, unassigned)?)
            }
            _ => None,
        };
        let preview = edits::preview(action, &refs, new_names.as_deref(), &names);
        let label = action.describe(&names);
        let mut new_names = new_names.map(Vec::into_iter);
        let planned: Vec<PlannedDevice> = devices
            .iter()
            .map(|device| PlannedDevice {
                device_id: device.id.clone(),
                name: device.name.clone(),
                location_id: device.location_id.clone(),
                planned: action.watched_value(device),
                target: new_names.as_mut().and_then(Iterator::next),
            })
            .collect();
        Ok(Planning {
            profile,
            label,
            devices,
            planned,
            preview,
            names,
            list,
        })
    }

    /// The plan of a job: `action` on the devices `targets` names, each device's change and the
    /// counts per store. Kept under `plan_id` for [`Desk::start_job`].
    pub async fn plan_job(
        &self,
        action: &BulkAction,
        targets: &JobTargets,
    ) -> Result<JobPlan, AppError> {
        let Planning {
            profile,
            label,
            devices,
            planned,
            preview,
            names,
            list,
        } = self.planning(action, targets).await?;
        let unchanged = preview.iter().filter(|row| row.unchanged).count() as u32;
        // The devices that change, by the store they are in now (a move's counts are where its
        // devices come from; those already as asked are counted apart, in `unchanged`).
        let mut per_store: HashMap<Option<String>, u32> = HashMap::new();
        for (device, row) in devices.iter().zip(&preview) {
            if !row.unchanged {
                *per_store.entry(device.location_id.clone()).or_default() += 1;
            }
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
            // The devices that change first: what the plan is about.
            rows: preview
                .iter()
                .filter(|row| !row.unchanged)
                .chain(preview.iter().filter(|row| row.unchanged))
                .take(PLAN_ROWS)
                .cloned()
                .collect(),
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
        match self
            .start_planned(&profile, &plan.action, &plan.label, &plan.devices)
            .await
        {
            Err(err @ AppError::ConfirmationRequired { .. }) => {
                // Not confirmed: the plan can still be started once it is.
                self.plans.jobs.put_back(plan_id, plan);
                Err(err)
            }
            started => started,
        }
    }

    /// Writes a job for `devices` (on production once the change is confirmed outside the page)
    /// and gives back its summary; the runner takes it from there.
    pub(super) async fn start_planned(
        &self,
        profile: &Profile,
        action: &BulkAction,
        label: &str,
        devices: &Arc<Vec<PlannedDevice>>,
    ) -> Result<JobSummary, AppError> {
        self.ensure_online(&profile.id)?;
        let names = self.location_names(profile).await;
        self.confirm_production(
            profile,
            ProductionChange::new(
                profile,
                ProductionAction::ChangeDevices {
                    count: u32::try_from(devices.len()).unwrap_or(u32::MAX),
                    change: super::fleet_changes::devices_change(action, &names),
                },
            ),
        )
        .await?;
        let (jobs, profile_id, label_owned, action_owned, devices_owned) = (
            self.jobs.clone(),
            profile.id.clone(),
            label.to_owned(),
            action.clone(),
            devices.clone(),
        );
        let who = crate::audit::os_user();
        let id = blocking(move || {
            jobs.create(
                &profile_id,
                &label_owned,
                &action_owned,
                &who,
                &devices_owned,
            )
        })
        .await?;
        self.audit_detail(
            Some(profile),
            "job.start",
            label,
            None,
            Some(&format!("{} devices, job {id}", devices.len())),
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
        if wanted == JobState::Running {
            self.job_moved(job_id);
        } else {
            self.job_stopped(job_id);
        }
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
}
