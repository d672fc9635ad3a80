//! Working through jobs: each device settled (read, compared, changed, recorded) a few at a time
//! within the profile's request budget; a job paused, cancelled or lost to another runner stops
//! at once; Kustom out of reach is waited out; the pace kept for the job's page.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kustom_ipp::Lane;

use super::jobs::Slowdown;
use super::notices::Notice;
use super::{Desk, blocking};
use crate::AppError;
use crate::fleet::edits::Applied;
use crate::jobs::runner::{self, Settled, Transient};
use crate::jobs::{JobOutcome, JobState, JobSummary};
use crate::profiles::Profile;

/// A job that runs longer than this is announced by a desktop notification when it ends.
const LONG_JOB_SECS: i64 = 60;
/// Devices settled at once.
const CONCURRENCY: usize = 8;
/// Devices read from the database at a time.
const CHUNK: u32 = 64;
/// A device that keeps failing on Kustom's side fails for good after this many tries.
const SERVER_TRIES: u32 = 5;

/// The recent pace of a running job.
#[derive(Default)]
pub(crate) struct Pace {
    settled: VecDeque<Instant>,
    pub(super) slowed_by: Option<Slowdown>,
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
    pub(super) fn per_minute(&self) -> f64 {
        let Some(first) = self.settled.front() else {
            return 0.0;
        };
        let span = first.elapsed().as_secs_f64().max(1.0);
        self.settled.len() as f64 * 60.0 / span
    }
}

impl Desk {
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
        self.job_stopped(&job.id);
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
