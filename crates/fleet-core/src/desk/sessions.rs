//! Live sessions through the [`Desk`]: the receiver's address, test payments, lookups, cancel,
//! simulated devices and taps, the board and each session's timeline.

use chrono::Utc;
use kustom_ipp::{CreateSimulatedDevice, Device, Metadata, TapOutcome};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::{Desk, blocking};
use crate::AppError;
use crate::fleet::edits::Applied;
use crate::profiles::guard::{ProductionAction, ProductionChange};
use crate::sessions::cart::{self, CartLine};
use crate::sessions::{EventSource, SessionFilter, TimelineEntry, TrackedSession};

/// A session as the board shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct SessionView {
    pub tracked: TrackedSession,
    pub device_name: Option<String>,
    pub location_name: Option<String>,
    /// Sitting in CREATED or ACTIVE longer than the configured time.
    pub stuck: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct SessionDetail {
    pub view: SessionView,
    pub timeline: Vec<TimelineEntry>,
}

/// The live-session settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct SessionSettings {
    /// Minutes in CREATED or ACTIVE after which a session is flagged as stuck.
    pub stuck_after_minutes: u32,
    pub notifications: bool,
    /// The port the callback receiver listens on (on 127.0.0.1); takes effect at the next start.
    pub receiver_port: u16,
}

/// Where callbacks go and how to get them there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ReceiverInfo {
    pub url: String,
    pub port: u16,
}

pub const DEFAULT_RECEIVER_PORT: u16 = 8765;

impl Desk {
    pub async fn session_settings(&self) -> Result<SessionSettings, AppError> {
        let store = self.store.clone();
        blocking(move || {
            let read = |key: &str| store.setting(key);
            Ok(SessionSettings {
                stuck_after_minutes: read("stuck_after_minutes")?
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(5),
                notifications: read("session_notifications")?.is_none_or(|v| v != "off"),
                receiver_port: read("receiver_port")?
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(DEFAULT_RECEIVER_PORT),
            })
        })
        .await
    }

    pub async fn set_session_settings(&self, settings: &SessionSettings) -> Result<(), AppError> {
        if settings.stuck_after_minutes == 0 || settings.stuck_after_minutes > 24 * 60 {
            return Err(AppError::invalid_field(
                "stuck_after_minutes",
                "Between 1 minute and 24 hours.",
            ));
        }
        if settings.receiver_port != 0 && settings.receiver_port < 1024 {
            return Err(AppError::invalid_field(
                "receiver_port",
                "Use a port from 1024 to 65535 (or 0 for any free port).",
            ));
        }
        let (store, settings) = (self.store.clone(), *settings);
        blocking(move || {
            store.set_setting(
                "stuck_after_minutes",
                &settings.stuck_after_minutes.to_string(),
            )?;
            store.set_setting(
                "session_notifications",
                if settings.notifications { "on" } else { "off" },
            )?;
            store.set_setting("receiver_port", &settings.receiver_port.to_string())
        })
        .await
    }

    /// Where callbacks arrive, or why they cannot.
    pub fn receiver_info(&self) -> Result<ReceiverInfo, AppError> {
        let receiver = self.receiver.as_ref().ok_or_else(|| AppError::Conflict {
            message: self
                .receiver_problem
                .clone()
                .unwrap_or_else(|| "The callback receiver is not running.".to_owned()),
        })?;
        Ok(ReceiverInfo {
            url: receiver.url(),
            port: receiver.addr.port(),
        })
    }

    /// Decorates tracked sessions for the board: device and location names from the cached
    /// fleet and locations (one lookup for the whole list, not one per row).
    pub async fn session_views(
        &self,
        tracked: Vec<TrackedSession>,
    ) -> Result<Vec<SessionView>, AppError> {
        let stuck_after = self
            .session_settings()
            .await
            .map(|s| s.stuck_after_minutes)
            .unwrap_or(5);
        let profile = self.active_profile().await?;
        let locations = self.locations_of(&profile).await.unwrap_or_default();
        let fleet = self.fleet_of(&profile).await.ok();
        Ok(tracked
            .into_iter()
            .map(|tracked| {
                let stuck = !tracked.session.status.is_terminal()
                    && (Utc::now() - tracked.status_since).num_minutes() >= i64::from(stuck_after);
                let device = fleet
                    .as_ref()
                    .and_then(|f| f.read().get(&tracked.session.device_id));
                let location_id = tracked
                    .location_id
                    .clone()
                    .or_else(|| device.as_ref().and_then(|d| d.location_id.clone()));
                SessionView {
                    device_name: device.map(|d| d.name),
                    location_name: location_id
                        .and_then(|id| locations.get(&id).map(|l| l.name.clone())),
                    stuck,
                    tracked,
                }
            })
            .collect())
    }

    /// One session for the board.
    pub async fn session_view(&self, tracked: TrackedSession) -> Result<SessionView, AppError> {
        self.session_views(vec![tracked])
            .await?
            .pop()
            .ok_or_else(|| AppError::internal("a session view went missing"))
    }

    /// Follows again the sessions that had not finished when Fleetdesk last stopped (at most the
    /// newest 500), each with its own profile's client. A profile that cannot build one (no key
    /// now) is skipped; its sessions are pruned after a week unchanged.
    pub async fn resume_watching(&self) -> Result<usize, AppError> {
        let store = self.watcher.store().clone();
        let unfinished = blocking(move || store.unfinished(500)).await?;
        let mut followed = 0;
        let mut clients: std::collections::HashMap<String, Option<kustom_ipp::Client>> =
            std::collections::HashMap::new();
        for (session_id, profile_id, location_id) in unfinished {
            if !clients.contains_key(&profile_id) {
                let client = self.client_of(&profile_id).await.ok().map(|(_, c)| c);
                clients.insert(profile_id.clone(), client);
            }
            if let Some(Some(client)) = clients.get(&profile_id) {
                self.watcher
                    .follow_again(&profile_id, client, &session_id, location_id.as_deref());
                followed += 1;
            }
        }
        Ok(followed)
    }

    /// Creates a test payment for a device and follows it. A lost answer is not retried (a
    /// second payment could be made); the session, if it exists, is announced by its callback.
    pub async fn create_test_payment(
        &self,
        device_id: &str,
        currency: &str,
        lines: &[CartLine],
    ) -> Result<SessionView, AppError> {
        let (profile, client) = self.active_client().await?;
        if !profile.has_dev_tools() {
            return Err(AppError::Forbidden {
                message:
                    "Test payments are for playground profiles: on production a payment is real."
                        .to_owned(),
            });
        }
        let reference = format!("TEST-{}", Utc::now().format("%H%M%S"));
        let body = cart::session_request(device_id, currency, lines, &reference)?;
        let location = self
            .fleet_device(device_id)
            .await
            .and_then(|d| d.location_id);
        let result = match client.create_session(location.as_deref(), &body).await {
            Err(kustom_ipp::ApiError::OutcomeUnknown { cause, .. }) => {
                Err(AppError::OutcomeUnknown {
                    message: format!(
                        "Kustom's answer was lost ({cause}), so the payment may have been \
                         created. If it was, it appears on the board within a minute; do not \
                         create another one before then."
                    ),
                })
            }
            other => other.map_err(AppError::from),
        };
        self.audit_result(Some(&profile), "session.test_payment", device_id, &result)
            .await;
        let session = result?;
        self.watcher
            .track(
                &profile.id,
                &client,
                &session,
                location.as_deref(),
                EventSource::App,
            )
            .await?;
        self.tracked(&session.session_id).await
    }

    /// Looks a session up by id and follows it.
    pub async fn lookup_session(&self, session_id: &str) -> Result<SessionView, AppError> {
        let (profile, client) = self.active_client().await?;
        let session = client.get_session(session_id.trim()).await?;
        self.watcher
            .track(&profile.id, &client, &session, None, EventSource::Poll)
            .await?;
        self.tracked(&session.session_id).await
    }

    /// Cancels a session. On production it is confirmed outside the page first, naming the
    /// session by its reference (or its id when it has none), as Kustom has it.
    pub async fn cancel_session(&self, session_id: &str) -> Result<SessionView, AppError> {
        let (profile, client) = self.active_client().await?;
        if profile.is_production() {
            let session = client.get_session(session_id).await?;
            let named = session
                .merchant_reference1
                .clone()
                .filter(|r| !r.trim().is_empty())
                .unwrap_or(session.session_id);
            self.confirm_production(
                &profile,
                ProductionChange::new(
                    &profile,
                    ProductionAction::CancelSession { reference: named },
                ),
            )
            .await?;
        }
        let result = client
            .cancel_session(session_id)
            .await
            .map_err(AppError::from);
        self.audit_result(Some(&profile), "session.cancel", session_id, &result)
            .await;
        let session = result?;
        self.watcher
            .track(&profile.id, &client, &session, None, EventSource::App)
            .await?;
        self.tracked(session_id).await
    }

    /// A simulated card tap (playground profiles only).
    pub async fn simulate_tap(
        &self,
        session_id: &str,
        outcome: &TapOutcome,
    ) -> Result<SessionView, AppError> {
        let (profile, client) = self.active_client().await?;
        if !profile.has_dev_tools() {
            return Err(AppError::Forbidden {
                message: "Simulated taps exist only in the playground.".to_owned(),
            });
        }
        client.dev_simulate_tap(session_id, outcome).await?;
        // The tap's answer is not documented to be the session [GAP §11.2]: read it.
        let session = client.get_session(session_id).await?;
        self.watcher
            .track(&profile.id, &client, &session, None, EventSource::App)
            .await?;
        self.tracked(session_id).await
    }

    /// A simulated, already registered device (playground profiles only).
    pub async fn create_simulated_device(
        &self,
        name: &str,
        location_id: Option<String>,
    ) -> Result<Device, AppError> {
        let (profile, client) = self.active_client().await?;
        if !profile.has_dev_tools() {
            return Err(AppError::Forbidden {
                message: "Simulated devices exist only in the playground.".to_owned(),
            });
        }
        let result = client
            .dev_create_device(&CreateSimulatedDevice {
                name: name.trim().to_owned(),
                location_id,
                metadata: Some(Metadata::new()),
            })
            .await
            .map(|r| r.device)
            .map_err(AppError::from);
        self.audit_result(Some(&profile), "device.simulate", name, &result)
            .await;
        let device = result?;
        self.remember(&profile.id, vec![Applied::Updated(device.clone())])
            .await?;
        Ok(device)
    }

    async fn tracked(&self, session_id: &str) -> Result<SessionView, AppError> {
        let tracked = self
            .watcher
            .store()
            .get_async(session_id)
            .await?
            .ok_or_else(|| AppError::internal("a tracked session was not saved"))?;
        self.session_view(tracked).await
    }

    /// Sessions of the active profile: the board (`active_only`) or the history.
    pub async fn sessions(&self, filter: &SessionFilter) -> Result<Vec<SessionView>, AppError> {
        let profile = self.active_profile().await?;
        let (store, filter) = (self.watcher.store().clone(), filter.clone());
        let tracked = blocking(move || store.list(&profile.id, &filter)).await?;
        self.session_views(tracked).await
    }

    pub async fn session_detail(&self, session_id: &str) -> Result<SessionDetail, AppError> {
        let view = self.tracked(session_id).await?;
        let (store, id) = (self.watcher.store().clone(), session_id.to_owned());
        let timeline = blocking(move || store.timeline(&id)).await?;
        Ok(SessionDetail { view, timeline })
    }
}
