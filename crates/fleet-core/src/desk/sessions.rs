//! Live sessions through the [`Desk`]: the receiver's address, test payments, lookups, cancel,
//! simulated devices and taps, the board and each session's timeline.

use chrono::Utc;
use kustom_ipp::{CreateSimulatedDevice, Device, Metadata, TapOutcome};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::Desk;
use crate::AppError;
use crate::device_edits::Applied;
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
    pub fn session_settings(&self) -> Result<SessionSettings, AppError> {
        let read = |key: &str| self.store.setting(key);
        Ok(SessionSettings {
            stuck_after_minutes: read("stuck_after_minutes")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(5),
            notifications: read("session_notifications")?.is_none_or(|v| v != "off"),
            receiver_port: read("receiver_port")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_RECEIVER_PORT),
        })
    }

    pub fn set_session_settings(&self, settings: &SessionSettings) -> Result<(), AppError> {
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
        self.store.set_setting(
            "stuck_after_minutes",
            &settings.stuck_after_minutes.to_string(),
        )?;
        self.store.set_setting(
            "session_notifications",
            if settings.notifications { "on" } else { "off" },
        )?;
        self.store
            .set_setting("receiver_port", &settings.receiver_port.to_string())
    }

    pub fn receiver_info(&self) -> Result<ReceiverInfo, AppError> {
        let guard = self.receiver.lock();
        let receiver = guard
            .as_ref()
            .ok_or_else(|| AppError::internal("the callback receiver is not running"))?;
        Ok(ReceiverInfo {
            url: receiver.url(),
            port: receiver.addr.port(),
        })
    }

    /// Decorates a tracked session for the board.
    pub async fn session_view(&self, tracked: TrackedSession) -> SessionView {
        let stuck_after = self
            .session_settings()
            .map(|s| s.stuck_after_minutes)
            .unwrap_or(5);
        let stuck = !tracked.session.status.is_terminal()
            && (Utc::now() - tracked.status_since).num_minutes() >= i64::from(stuck_after);
        let device = self.fleet_device(&tracked.session.device_id).await;
        let location_id = tracked
            .location_id
            .clone()
            .or_else(|| device.as_ref().and_then(|d| d.location_id.clone()));
        let location_name = match location_id {
            Some(id) => self
                .locations_by_id()
                .await
                .ok()
                .and_then(|l| l.get(&id).map(|l| l.name.clone())),
            None => None,
        };
        SessionView {
            device_name: device.map(|d| d.name),
            location_name,
            stuck,
            tracked,
        }
    }

    /// Creates a test payment for a device and follows it.
    pub async fn create_test_payment(
        &self,
        device_id: &str,
        currency: &str,
        lines: &[CartLine],
    ) -> Result<SessionView, AppError> {
        let (profile, client) = self.active_client().await?;
        let reference = format!("TEST-{}", Utc::now().format("%H%M%S"));
        let body = cart::session_request(device_id, currency, lines, &reference)?;
        let location = self
            .fleet_device(device_id)
            .await
            .and_then(|d| d.location_id);
        let result = client
            .create_session(location.as_deref(), &body)
            .await
            .map_err(AppError::from);
        self.audit_result(Some(&profile), "session.test_payment", device_id, &result);
        let session = result?;
        self.watcher.track(
            &profile.id,
            &client,
            &session,
            location.as_deref(),
            EventSource::App,
        )?;
        self.tracked(&session.session_id).await
    }

    /// Looks a session up by id and follows it.
    pub async fn lookup_session(&self, session_id: &str) -> Result<SessionView, AppError> {
        let (profile, client) = self.active_client().await?;
        let session = client.get_session(session_id.trim()).await?;
        self.watcher
            .track(&profile.id, &client, &session, None, EventSource::Poll)?;
        self.tracked(&session.session_id).await
    }

    pub async fn cancel_session(&self, session_id: &str) -> Result<SessionView, AppError> {
        let (profile, client) = self.active_client().await?;
        let result = client
            .cancel_session(session_id)
            .await
            .map_err(AppError::from);
        self.audit_result(Some(&profile), "session.cancel", session_id, &result);
        let session = result?;
        self.watcher
            .track(&profile.id, &client, &session, None, EventSource::App)?;
        self.tracked(session_id).await
    }

    /// A simulated card tap (playground profiles only).
    pub async fn simulate_tap(
        &self,
        session_id: &str,
        outcome: &TapOutcome,
    ) -> Result<SessionView, AppError> {
        let (profile, client) = self.active_client().await?;
        if !profile.environment.has_dev_tools() {
            return Err(AppError::Forbidden {
                message: "Simulated taps exist only in the playground.".to_owned(),
            });
        }
        let session = client.dev_simulate_tap(session_id, outcome).await?;
        self.watcher
            .track(&profile.id, &client, &session, None, EventSource::App)?;
        self.tracked(session_id).await
    }

    /// A simulated, already registered device (playground profiles only).
    pub async fn create_simulated_device(
        &self,
        name: &str,
        location_id: Option<String>,
    ) -> Result<Device, AppError> {
        let (profile, client) = self.active_client().await?;
        if !profile.environment.has_dev_tools() {
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
        self.audit_result(Some(&profile), "device.simulate", name, &result);
        let device = result?;
        self.remember(vec![Applied::Updated(device.clone())])
            .await?;
        Ok(device)
    }

    async fn tracked(&self, session_id: &str) -> Result<SessionView, AppError> {
        let tracked = self
            .watcher
            .store()
            .get(session_id)?
            .ok_or_else(|| AppError::internal("a tracked session was not saved"))?;
        Ok(self.session_view(tracked).await)
    }

    /// Sessions of the active profile: the board (`active_only`) or the history.
    pub async fn sessions(&self, filter: &SessionFilter) -> Result<Vec<SessionView>, AppError> {
        let profile = self.active_profile()?;
        let mut out = Vec::new();
        for tracked in self.watcher.store().list(&profile.id, filter)? {
            out.push(self.session_view(tracked).await);
        }
        Ok(out)
    }

    pub async fn session_detail(&self, session_id: &str) -> Result<SessionDetail, AppError> {
        let view = self.tracked(session_id).await?;
        let timeline = self.watcher.store().timeline(session_id)?;
        Ok(SessionDetail { view, timeline })
    }

    pub fn deliveries(&self, limit: u32) -> Result<Vec<crate::sessions::Delivery>, AppError> {
        self.watcher.store().deliveries(limit)
    }
}
