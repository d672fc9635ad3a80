//! A job's plan as a file (`fleetdesk devices move … --plan plan.json`): every device's change,
//! old → new, and every deregistration listed one by one — written, read by a person or a script,
//! and applied later (`fleetdesk apply plan.json`) exactly as written.
//!
//! Applying trusts the file no more than it must: it runs on the profile it was planned for, a
//! deregistration runs only on the devices its `deletions` list names (a plan that asks for
//! deregistration without listing them, or lists deletions for another action, is refused), and
//! each device is read again before it is changed, as every job's is.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::store::PlannedDevice;
use crate::AppError;
use crate::fleet::edits::BulkAction;

/// The format this Fleetdesk writes and reads.
pub const PLAN_FORMAT: u32 = 1;

/// One device's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedChange {
    pub device_id: String,
    pub name: String,
    pub location_id: Option<String>,
    /// As a person reads it: the value now, and after.
    pub before: String,
    pub after: String,
    /// Already as asked: nothing will be sent.
    pub unchanged: bool,
    /// What the job compares with the device when its turn comes (someone else's change since
    /// the plan is then reported and kept).
    pub planned: Option<String>,
    /// The device's own new value, where each has its own (a rename pattern's name).
    pub target: Option<String>,
}

/// One device to deregister.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedDeletion {
    pub device_id: String,
    pub name: String,
    pub hardware_id: String,
    pub location_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFile {
    pub fleetdesk_plan: u32,
    pub profile_id: String,
    /// The account, as the production confirmation names it: "Name (merchant id)".
    pub account: String,
    pub production: bool,
    pub action: BulkAction,
    pub label: String,
    pub created_at: DateTime<Utc>,
    /// Every device the plan changes (none for a deregistration).
    pub changes: Vec<PlannedChange>,
    /// Every device the plan deregisters (only a deregistration lists any).
    pub deletions: Vec<PlannedDeletion>,
}

fn refused(message: impl Into<String>) -> AppError {
    AppError::ConfirmationRequired {
        message: message.into(),
    }
}

impl PlanFile {
    /// The devices applying the plan works on, once the file has been checked.
    pub fn devices(&self) -> Result<Vec<PlannedDevice>, AppError> {
        if self.fleetdesk_plan != PLAN_FORMAT {
            return Err(AppError::invalid_field(
                "plan",
                format!(
                    "This plan is in format {} and this Fleetdesk reads format {PLAN_FORMAT}: plan again.",
                    self.fleetdesk_plan
                ),
            ));
        }
        let devices: Vec<PlannedDevice> = match &self.action {
            BulkAction::Deregister => {
                if !self.changes.is_empty() {
                    return Err(refused(
                        "Refused: this plan deregisters, but lists changes instead of deletions. \
                         A deregistration runs only on the devices its plan lists under \
                         \"deletions\"; plan it again.",
                    ));
                }
                self.deletions
                    .iter()
                    .map(|d| PlannedDevice {
                        device_id: d.device_id.clone(),
                        name: d.name.clone(),
                        location_id: d.location_id.clone(),
                        planned: Some(d.name.clone()),
                        target: None,
                    })
                    .collect()
            }
            _ => {
                if !self.deletions.is_empty() {
                    return Err(refused(format!(
                        "Refused: this plan is to “{}” but lists {} deletions; a plan deregisters \
                         only when it says so.",
                        self.label,
                        self.deletions.len()
                    )));
                }
                self.changes
                    .iter()
                    .map(|c| PlannedDevice {
                        device_id: c.device_id.clone(),
                        name: c.name.clone(),
                        location_id: c.location_id.clone(),
                        planned: c.planned.clone(),
                        target: c.target.clone(),
                    })
                    .collect()
            }
        };
        if devices.is_empty() {
            return Err(AppError::invalid_field("plan", "The plan lists no device."));
        }
        let mut ids: Vec<&str> = devices.iter().map(|d| d.device_id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(AppError::invalid_field(
                "plan",
                "The plan lists a device twice.",
            ));
        }
        if let BulkAction::RenamePattern { .. } = &self.action
            && devices.iter().any(|d| d.target.is_none())
        {
            return Err(AppError::invalid_field(
                "plan",
                "A rename plan gives every device its new name.",
            ));
        }
        Ok(devices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(action: BulkAction) -> PlanFile {
        PlanFile {
            fleetdesk_plan: PLAN_FORMAT,
            profile_id: "p".into(),
            account: "Stores (DM1)".into(),
            production: false,
            action,
            label: "x".into(),
            created_at: Utc::now(),
            changes: vec![PlannedChange {
                device_id: "d1".into(),
                name: "Till 1".into(),
                location_id: Some("a".into()),
                before: "A".into(),
                after: "B".into(),
                unchanged: false,
                planned: Some("a".into()),
                target: None,
            }],
            deletions: Vec::new(),
        }
    }

    #[test]
    fn a_deregistration_runs_only_on_the_deletions_it_lists() {
        let moved = BulkAction::AssignLocation {
            location_id: Some("b".into()),
        };
        assert_eq!(plan(moved.clone()).devices().map(|d| d.len()).ok(), Some(1));
        // The action swapped for a deregistration, the devices left as changes: refused.
        let swapped = plan(BulkAction::Deregister);
        assert!(matches!(
            swapped.devices(),
            Err(AppError::ConfirmationRequired { .. })
        ));
        // Deletions slipped into a move: refused.
        let mut slipped = plan(moved);
        slipped.deletions.push(PlannedDeletion {
            device_id: "d2".into(),
            name: "Till 2".into(),
            hardware_id: "HW".into(),
            location_id: None,
        });
        assert!(matches!(
            slipped.devices(),
            Err(AppError::ConfirmationRequired { .. })
        ));
        // A deregistration that lists them: each one, by name.
        let mut listed = plan(BulkAction::Deregister);
        listed.deletions = std::mem::take(&mut slipped.deletions);
        listed.changes.clear();
        let devices = listed.devices().unwrap_or_default();
        assert_eq!(devices.len(), 1);
        assert_eq!(devices[0].planned.as_deref(), Some("Till 2"));
    }

    #[test]
    fn a_device_listed_twice_or_a_newer_format_is_refused() {
        let mut twice = plan(BulkAction::RemoveMetadata { key: "k".into() });
        twice.changes.push(twice.changes[0].clone());
        assert!(twice.devices().is_err());
        let mut newer = plan(BulkAction::RemoveMetadata { key: "k".into() });
        newer.fleetdesk_plan = 2;
        assert!(newer.devices().is_err());
    }
}
