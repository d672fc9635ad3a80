//! One activity entry, as written and as read back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::AppError;
use crate::fleet::index::SeenChange;
use crate::profiles::Profile;

/// Characters kept of any text in an entry: targets, values and errors can come from the API or
/// from files, and what is recorded is bounded.
pub const MAX_TEXT: usize = 500;

pub(super) fn bounded(text: &str) -> String {
    kustom_ipp::text::cut(text, MAX_TEXT)
}

/// Who or what an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The window, on behalf of its OS user.
    App,
    /// The command line, on behalf of its OS user.
    Cli,
    /// Seen in a sync: changed outside Fleetdesk (the Kustom Portal, another tool).
    Sync,
    /// Fleetdesk's own housekeeping (the log's retention).
    Fleetdesk,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Cli => "cli",
            Self::Sync => "sync",
            Self::Fleetdesk => "fleetdesk",
        }
    }

    pub(super) fn from_db(text: &str) -> Self {
        match text {
            "cli" => Self::Cli,
            "sync" => Self::Sync,
            "fleetdesk" => Self::Fleetdesk,
            _ => Self::App,
        }
    }
}

/// An entry to write. Built with the setters; [`NewEntry::new`] fills who and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub at: DateTime<Utc>,
    pub source: Source,
    pub os_user: String,
    pub profile_id: Option<String>,
    pub profile_name: Option<String>,
    pub environment: Option<String>,
    /// What was done: "device.rename", "enrollment.create", "sync.device_moved"…
    pub action: String,
    /// What it was done to (a name, an id).
    pub target: String,
    /// "ok", or "failed: <reason>".
    pub outcome: String,
    pub detail: Option<String>,
    pub device_id: Option<String>,
    pub hardware_id: Option<String>,
    /// The store the device was in (after the change, for a move).
    pub location_id: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub job_id: Option<String>,
}

impl NewEntry {
    /// `action` on `target` by this OS user, now, succeeded.
    pub fn new(source: Source, action: &str, target: &str) -> Self {
        Self {
            at: Utc::now(),
            source,
            os_user: os_user(),
            profile_id: None,
            profile_name: None,
            environment: None,
            action: action.to_owned(),
            target: bounded(target),
            outcome: "ok".to_owned(),
            detail: None,
            device_id: None,
            hardware_id: None,
            location_id: None,
            old_value: None,
            new_value: None,
            job_id: None,
        }
    }

    pub fn profile(mut self, profile: Option<&Profile>) -> Self {
        self.profile_id = profile.map(|p| p.id.clone());
        self.profile_name = profile.map(|p| p.name.clone());
        self.environment = profile.map(|p| p.environment.badge_label().to_owned());
        self
    }

    pub fn outcome(mut self, outcome: Result<(), &AppError>) -> Self {
        self.outcome = match outcome {
            Ok(()) => "ok".to_owned(),
            Err(err) => bounded(&format!("failed: {err}")),
        };
        self
    }

    pub fn detail(mut self, detail: Option<&str>) -> Self {
        self.detail = detail.map(bounded);
        self
    }

    /// The device it is about: its id, its hardware id (which links a phone's histories across
    /// enrolments) and its store.
    pub fn device(mut self, id: &str, hardware_id: &str, location_id: Option<&str>) -> Self {
        self.device_id = Some(bounded(id));
        self.hardware_id = Some(bounded(hardware_id)).filter(|h| !h.is_empty());
        self.location_id = location_id.map(bounded);
        self
    }

    /// The value before and after (a name, a store's id, `key=value` lines).
    pub fn change(mut self, old: Option<&str>, new: Option<&str>) -> Self {
        self.old_value = old.map(bounded);
        self.new_value = new.map(bounded);
        self
    }

    pub fn job(mut self, job_id: Option<&str>) -> Self {
        self.job_id = job_id.map(bounded);
        self
    }

    /// A change a sync saw that Fleetdesk did not make, between `previous_sync` and now.
    pub fn seen_in_sync(
        change: &SeenChange,
        profile: &Profile,
        previous_sync: DateTime<Utc>,
    ) -> Self {
        let device = change.device();
        let (action, old, new) = match change {
            SeenChange::Appeared { device } => {
                ("sync.device_appeared", None, Some(device.name.as_str()))
            }
            SeenChange::Disappeared { device } => {
                ("sync.device_disappeared", Some(device.name.as_str()), None)
            }
            SeenChange::Renamed { old, new, .. } => (
                "sync.device_renamed",
                Some(old.as_str()),
                Some(new.as_str()),
            ),
            SeenChange::Moved { old, new, .. } => {
                ("sync.device_moved", old.as_deref(), new.as_deref())
            }
            SeenChange::MetadataChanged { old, new, .. } => (
                "sync.device_metadata",
                Some(old.as_str()).filter(|o| !o.is_empty()),
                Some(new.as_str()).filter(|n| !n.is_empty()),
            ),
        };
        let mut entry = Self::new(Source::Sync, action, &device.name)
            .profile(Some(profile))
            .device(
                &device.id,
                &device.hardware_id,
                device.location_id.as_deref(),
            )
            .change(old, new)
            .detail(Some(&format!(
                "changed outside Fleetdesk since the sync of {}",
                previous_sync.to_rfc3339()
            )));
        entry.os_user = String::new();
        entry
    }
}

/// An entry as the activity log and a device's history show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActivityEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub source: Source,
    /// The OS user behind it ("" for what a sync saw).
    pub os_user: String,
    pub profile_name: Option<String>,
    pub environment: Option<String>,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: Option<String>,
    pub device_id: Option<String>,
    pub hardware_id: Option<String>,
    pub location_id: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub job_id: Option<String>,
}

/// The OS user running Fleetdesk: the account's name as the OS has it (not an environment
/// variable a script may leave unset), else "unknown".
pub fn os_user() -> String {
    Some(whoami::username())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}
