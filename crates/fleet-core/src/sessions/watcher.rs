//! The session watcher: polls every tracked, unfinished session with an adaptive interval —
//! about a second right after a change, backing off to ten seconds while nothing changes, stopping
//! at a terminal status — within a global request budget, and merges callbacks in. Every change
//! becomes one timeline entry and one [`SessionUpdate`] on the broadcast channel.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use kustom_ipp::{CallbackEvent, Client, EventType, Session, SessionStatus};
use parking_lot::Mutex;
use serde::Serialize;
use specta::Type;
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::{
    EventSource, SessionStore, TimelineEntry, TimelineEvent, TrackedSession, progress as rank,
};
use crate::AppError;

pub const FAST: Duration = Duration::from_secs(1);
pub const SLOW: Duration = Duration::from_secs(10);

/// How long polling stays fast after a change: a clerk usually acts within seconds.
pub const EAGER: Duration = Duration::from_secs(10);

/// The next poll interval: every second for a while after a change, then growing by half with
/// each quiet poll up to ten seconds.
pub fn next_interval(current: Duration, since_change: Duration) -> Duration {
    if since_change < EAGER {
        FAST
    } else {
        current.mul_f64(1.5).clamp(FAST, SLOW)
    }
}

/// What the UI gets when a tracked session changes.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct SessionUpdate {
    pub session: TrackedSession,
    /// The new timeline entry, if the change added one.
    pub entry: Option<TimelineEntry>,
}

struct Track {
    profile_id: String,
    last_change: Instant,
    client: Client,
    location_id: Option<String>,
    interval: Duration,
    next_poll: Instant,
    in_flight: bool,
}

struct Inner {
    store: SessionStore,
    tracks: Mutex<HashMap<String, Track>>,
    updates: broadcast::Sender<SessionUpdate>,
    /// Polls allowed per second across every tracked session.
    budget_per_second: f64,
    requests: AtomicU64,
    /// Held from reading a session to publishing what was written. Callbacks are applied
    /// concurrently and race the polls and the app's own calls; without it two changes could be
    /// merged from the same old state, or published in the opposite order to how they were
    /// saved, and the board would keep the older one.
    writes: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
pub struct SessionWatcher {
    inner: Arc<Inner>,
}

impl SessionWatcher {
    /// A watcher that polls nothing until [`SessionWatcher::start_polling`]: what it is told
    /// (sessions created, looked up, announced by callbacks) is still recorded and published.
    /// `budget_per_second` caps polls across all sessions.
    pub fn new(store: SessionStore, budget_per_second: f64) -> Self {
        let (updates, _) = broadcast::channel(1024);
        let inner = Arc::new(Inner {
            store,
            tracks: Mutex::new(HashMap::new()),
            updates,
            budget_per_second,
            requests: AtomicU64::new(0),
            writes: tokio::sync::Mutex::new(()),
        });
        Self { inner }
    }

    /// Starts the polling loop; it ends when the last handle to the watcher is dropped.
    pub fn start_polling(&self) {
        tokio::spawn(run(Arc::downgrade(&self.inner)));
    }

    /// A watcher that polls, as [`SessionWatcher::new`] then [`SessionWatcher::start_polling`].
    pub fn start(store: SessionStore, budget_per_second: f64) -> Self {
        let watcher = Self::new(store, budget_per_second);
        watcher.start_polling();
        watcher
    }

    pub fn subscribe(&self) -> broadcast::Receiver<SessionUpdate> {
        self.inner.updates.subscribe()
    }

    pub fn store(&self) -> &SessionStore {
        &self.inner.store
    }

    /// Polls sent so far (for the bench's request rate).
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    pub fn tracked(&self) -> usize {
        self.inner.tracks.lock().len()
    }

    /// Stops following every session of a profile (it was deleted): no more polls with its client.
    pub fn forget_profile(&self, profile_id: &str) {
        self.inner
            .tracks
            .lock()
            .retain(|_, track| track.profile_id != profile_id);
    }

    /// Follows a session the app knows in full (just created, or looked up).
    pub async fn track(
        &self,
        profile_id: &str,
        client: &Client,
        session: &Session,
        location_id: Option<&str>,
        source: EventSource,
    ) -> Result<(), AppError> {
        if !session.status.is_terminal() {
            self.inner.tracks.lock().insert(
                session.session_id.clone(),
                Track {
                    profile_id: profile_id.to_owned(),
                    client: client.clone(),
                    location_id: location_id.map(str::to_owned),
                    last_change: Instant::now(),
                    interval: FAST,
                    next_poll: Instant::now() + FAST,
                    in_flight: false,
                },
            );
        }
        observe(&self.inner, profile_id, session, location_id, source, None).await
    }

    /// Follows a session known only by its id (a restart, its status as last saved): polled soon,
    /// then on the usual schedule until it finishes.
    pub fn follow_again(
        &self,
        profile_id: &str,
        client: &Client,
        session_id: &str,
        location_id: Option<&str>,
    ) {
        self.inner
            .tracks
            .lock()
            .entry(session_id.to_owned())
            .or_insert_with(|| Track {
                profile_id: profile_id.to_owned(),
                client: client.clone(),
                location_id: location_id.map(str::to_owned),
                last_change: Instant::now(),
                interval: FAST,
                next_poll: Instant::now() + FAST,
                in_flight: false,
            });
    }

    /// Merges a verified callback. An unknown session is looked up with `client` and tracked.
    pub async fn on_callback(
        &self,
        event: &CallbackEvent,
        profile_id: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        let Some(session_id) = event.data.session_id.clone() else {
            return Ok(());
        };
        if self.inner.store.get_async(&session_id).await?.is_none() {
            // Announced by a callback: fetch it and follow it; then apply what it said.
            let session = client.get_session(&session_id).await?;
            self.inner.requests.fetch_add(1, Ordering::Relaxed);
            if session.session_id != session_id {
                return Err(AppError::Server {
                    message: "Kustom answered with another session than the one asked for."
                        .to_owned(),
                });
            }
            self.track(profile_id, client, &session, None, EventSource::Poll)
                .await?;
        }
        let _writing = self.inner.writes.lock().await;
        let mut tracked = self
            .inner
            .store
            .get_async(&session_id)
            .await?
            .ok_or_else(|| AppError::internal("a tracked session was not saved"))?;
        let entry_event = match &event.event_type {
            EventType::PaymentFailed => {
                // An attempt is made on an active session, whether or not its activation has
                // been heard of yet (callbacks may arrive in any order).
                if rank(&SessionStatus::Active) > rank(&tracked.session.status) {
                    tracked.session.status = SessionStatus::Active;
                }
                Some(TimelineEvent::PaymentFailed {
                    reason: event
                        .data
                        .failure_reason
                        .clone()
                        .unwrap_or_else(|| "unknown".to_owned()),
                })
            }
            EventType::SessionCreated => status_event(&mut tracked.session, SessionStatus::Created),
            EventType::SessionActivated => {
                status_event(&mut tracked.session, SessionStatus::Active)
            }
            EventType::SessionFinalized => {
                if tracked.session.order_id.is_none() {
                    tracked.session.order_id = event.data.order_id.clone();
                }
                status_event(&mut tracked.session, SessionStatus::Finalized)
            }
            EventType::SessionCancelled => {
                status_event(&mut tracked.session, SessionStatus::Cancelled)
            }
            EventType::Unknown(_) => None,
        };
        // A callback is news: look again soon, whatever it said.
        if let Some(track) = self.inner.tracks.lock().get_mut(&session_id) {
            track.last_change = Instant::now();
            track.interval = FAST;
            track.next_poll = Instant::now();
        }
        let Some(entry_event) = entry_event else {
            return Ok(());
        };
        let entry = TimelineEntry {
            at: Utc::now(),
            event: entry_event,
            source: EventSource::Callback,
            callback_id: Some(event.id.clone()),
        };
        let terminal = tracked.session.status.is_terminal();
        let added = {
            let (entry, id) = (entry.clone(), session_id.clone());
            self.inner
                .store
                .run(move |store| {
                    store.upsert(
                        &tracked.profile_id,
                        &tracked.session,
                        tracked.location_id.as_deref(),
                    )?;
                    store.append(&id, &entry)
                })
                .await?
        };
        if terminal {
            self.inner.tracks.lock().remove(&session_id);
        }
        if added {
            publish(&self.inner, &session_id, Some(entry)).await?;
        }
        Ok(())
    }

    /// When the next poll of a session is due (tests).
    pub fn interval_of(&self, session_id: &str) -> Option<Duration> {
        self.inner.tracks.lock().get(session_id).map(|t| t.interval)
    }
}

/// Moves the stored session forward to `status` (never back); the timeline entry for it.
fn status_event(session: &mut Session, status: SessionStatus) -> Option<TimelineEvent> {
    if rank(&status) >= rank(&session.status) {
        session.status = status.clone();
    }
    Some(TimelineEvent::Status {
        status: status.as_str().to_owned(),
    })
}

/// Records what a poll (or the app) saw; adds a timeline entry when the status changed.
async fn observe(
    inner: &Inner,
    profile_id: &str,
    session: &Session,
    location_id: Option<&str>,
    source: EventSource,
    callback_id: Option<String>,
) -> Result<(), AppError> {
    let (profile_id, session, location_id) = (
        profile_id.to_owned(),
        session.clone(),
        location_id.map(str::to_owned),
    );
    let _writing = inner.writes.lock().await;
    let (latest, changed, added, first_sight, entry) = inner
        .store
        .run(move |store| {
            // The upsert keeps a saved status that is further along (an older answer).
            let saved = store.upsert(&profile_id, &session, location_id.as_deref())?;
            let entry = TimelineEntry {
                at: Utc::now(),
                event: TimelineEvent::Status {
                    status: saved.status.as_str().to_owned(),
                },
                source,
                callback_id,
            };
            let added = store.append(&session.session_id, &entry)?;
            let mut latest = session;
            latest.status = saved.status.clone();
            Ok((
                latest,
                saved.changed(),
                added,
                saved.previous.is_none(),
                entry,
            ))
        })
        .await?;
    {
        let mut tracks = inner.tracks.lock();
        if latest.status.is_terminal() {
            tracks.remove(&latest.session_id);
        } else if let Some(track) = tracks.get_mut(&latest.session_id) {
            if changed || added {
                track.last_change = Instant::now();
            }
            track.interval = next_interval(track.interval, track.last_change.elapsed());
            track.next_poll = Instant::now() + track.interval;
            track.in_flight = false;
        }
    }
    if changed || added || first_sight {
        publish(inner, &latest.session_id, added.then_some(entry)).await?;
    }
    Ok(())
}

async fn publish(
    inner: &Inner,
    session_id: &str,
    entry: Option<TimelineEntry>,
) -> Result<(), AppError> {
    if let Some(session) = inner.store.get_async(session_id).await? {
        // Nobody listening is fine (tests, no window yet).
        let _ = inner.updates.send(SessionUpdate { session, entry });
    }
    Ok(())
}

async fn run(inner: std::sync::Weak<Inner>) {
    let tick = Duration::from_millis(50);
    let mut tokens = 0.0_f64;
    let mut last = Instant::now();
    loop {
        tokio::time::sleep(tick).await;
        let Some(inner) = inner.upgrade() else { return };
        let now = Instant::now();
        tokens = (tokens + inner.budget_per_second * (now - last).as_secs_f64())
            .min(inner.budget_per_second.max(1.0));
        last = now;
        let due: Vec<(String, String, Client, Option<String>)> = {
            let mut tracks = inner.tracks.lock();
            let mut ready: Vec<(&String, &mut Track)> = tracks
                .iter_mut()
                .filter(|(_, t)| !t.in_flight && t.next_poll <= now)
                .collect();
            ready.sort_by_key(|(_, t)| t.next_poll);
            let mut picked = Vec::new();
            for (id, track) in ready {
                if tokens < 1.0 {
                    break;
                }
                tokens -= 1.0;
                track.in_flight = true;
                picked.push((
                    id.clone(),
                    track.profile_id.clone(),
                    track.client.clone(),
                    track.location_id.clone(),
                ));
            }
            picked
        };
        for (id, profile_id, client, location_id) in due {
            let inner = inner.clone();
            tokio::spawn(async move {
                inner.requests.fetch_add(1, Ordering::Relaxed);
                match client.get_session(&id).await {
                    Ok(session) if session.session_id != id => {
                        tracing::warn!(session = %id, "a poll answered another session; ignored");
                        if let Some(track) = inner.tracks.lock().get_mut(&id) {
                            track.next_poll = Instant::now() + SLOW;
                            track.in_flight = false;
                        }
                    }
                    Ok(session) => {
                        if let Err(err) = observe(
                            &inner,
                            &profile_id,
                            &session,
                            location_id.as_deref(),
                            EventSource::Poll,
                            None,
                        )
                        .await
                        {
                            // Polled again later: a session whose poll could not be recorded
                            // must not drop out of the schedule.
                            tracing::warn!(%err, "could not record a session poll");
                            if let Some(track) = inner.tracks.lock().get_mut(&id) {
                                track.next_poll = Instant::now() + track.interval.max(FAST);
                                track.in_flight = false;
                            }
                        }
                    }
                    Err(err) => {
                        tracing::debug!(%err, session = %id, "session poll failed; backing off");
                        if let Some(track) = inner.tracks.lock().get_mut(&id) {
                            track.interval = next_interval(
                                track.interval,
                                track.last_change.elapsed().max(EAGER),
                            );
                            track.next_poll = Instant::now() + track.interval;
                            track.in_flight = false;
                        }
                    }
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_stays_fast_after_a_change_then_backs_off_to_ten_seconds() {
        assert_eq!(
            next_interval(FAST, Duration::from_secs(3)),
            FAST,
            "fast right after a change"
        );
        let mut interval = FAST;
        let mut seen = vec![interval];
        for _ in 0..8 {
            interval = next_interval(interval, EAGER + Duration::from_secs(1));
            seen.push(interval);
        }
        assert!(seen.windows(2).all(|w| w[1] >= w[0]), "{seen:?}");
        assert!(seen[1] > FAST);
        assert_eq!(interval, SLOW);
        assert_eq!(
            next_interval(SLOW, Duration::ZERO),
            FAST,
            "a change snaps back"
        );
        assert_eq!(
            next_interval(Duration::from_millis(10), EAGER * 2),
            FAST,
            "never faster than a second"
        );
    }

    #[test]
    fn statuses_only_move_forward() {
        assert!(rank(&SessionStatus::Created) < rank(&SessionStatus::Active));
        assert!(rank(&SessionStatus::Active) < rank(&SessionStatus::Finalized));
        assert_eq!(
            rank(&SessionStatus::Cancelled),
            rank(&SessionStatus::Failed)
        );
    }
}
