//! Plans as files, for the command line: a job worked out and written down (every device's change,
//! every deregistration listed), and applied later on the profile it was planned for.

use std::sync::Arc;

use super::Desk;
use super::jobs::{JobTargets, Planning};
use crate::AppError;
use crate::fleet::edits::BulkAction;
use crate::jobs::JobSummary;
use crate::jobs::plan_file::{PLAN_FORMAT, PlanFile, PlannedChange, PlannedDeletion};
use crate::profiles::Profile;

/// The account a plan is for, as the production confirmation names it.
fn account(profile: &Profile) -> String {
    format!("{} ({})", profile.name, profile.merchant_id)
}

fn refused(message: String) -> AppError {
    AppError::ConfirmationRequired { message }
}

impl Desk {
    /// `action` on the devices `targets` names, written out: nothing is changed.
    pub async fn plan_file(
        &self,
        action: &BulkAction,
        targets: &JobTargets,
    ) -> Result<PlanFile, AppError> {
        let Planning {
            profile,
            label,
            devices,
            planned,
            preview,
            ..
        } = self.planning(action, targets).await?;
        let (changes, deletions) = if matches!(action, BulkAction::Deregister) {
            let deletions = devices
                .into_iter()
                .map(|d| PlannedDeletion {
                    device_id: d.id,
                    name: d.name,
                    hardware_id: d.hardware_id,
                    location_id: d.location_id,
                })
                .collect();
            (Vec::new(), deletions)
        } else {
            let changes = planned
                .into_iter()
                .zip(preview)
                .map(|(device, row)| PlannedChange {
                    device_id: device.device_id,
                    name: device.name,
                    location_id: device.location_id,
                    before: row.before,
                    after: row.after,
                    unchanged: row.unchanged,
                    planned: device.planned,
                    target: device.target,
                })
                .collect();
            (changes, Vec::new())
        };
        Ok(PlanFile {
            fleetdesk_plan: PLAN_FORMAT,
            profile_id: profile.id.clone(),
            account: account(&profile),
            production: profile.is_production(),
            action: action.clone(),
            label,
            created_at: chrono::Utc::now(),
            changes,
            deletions,
        })
    }

    /// Starts the job `plan` describes, exactly: on the profile it was planned for (refused if
    /// that profile is gone, or is now another account or environment), on the devices it lists.
    pub async fn apply_plan_file(&self, plan: &PlanFile) -> Result<JobSummary, AppError> {
        let devices = plan.devices()?;
        let profile = self.profile(&plan.profile_id).await.map_err(|_| {
            refused(format!(
                "Refused: the plan is for {}, a profile this Fleetdesk no longer has.",
                plan.account
            ))
        })?;
        if account(&profile) != plan.account || profile.is_production() != plan.production {
            return Err(refused(format!(
                "Refused: the plan is for {}{}, and that profile is now {}{}: plan again.",
                plan.account,
                if plan.production { " (production)" } else { "" },
                account(&profile),
                if profile.is_production() {
                    " (production)"
                } else {
                    ""
                },
            )));
        }
        let label: String = plan.label.chars().take(200).collect();
        self.start_planned(&profile, &plan.action, &label, &Arc::new(devices))
            .await
    }
}
