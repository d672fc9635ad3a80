//! Changing the fleet through the [`Desk`]: one device (read-modify-write), a deregistration, a
//! bulk action from its dry run, and what each answer leaves in the cache and the index.

use std::collections::HashMap;
use std::sync::Arc;

use kustom_ipp::Device;
use parking_lot::RwLock;
use serde::Serialize;
use specta::Type;

use super::fleet::{DeviceSelection, SharedIndex};
use super::{Desk, blocking};
use crate::AppError;
use crate::fleet::edits::{
    self, Applied, BulkAction, BulkPreviewRow, BulkProgress, BulkReport, DeviceChange,
};
use crate::profiles::guard::{DevicesChange, ProductionAction, ProductionChange};

/// A bulk action's dry run, kept in Rust under `plan_id`: running it acts on exactly these devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct BulkPlan {
    pub plan_id: String,
    pub rows: Vec<BulkPreviewRow>,
    /// Whether it changes a production account (it then runs only once confirmed outside the
    /// page, in a dialog the page cannot answer).
    pub production: bool,
}

/// What a bulk plan remembers: for which profile, what to do, to which devices.
#[derive(Clone)]
pub(crate) struct StoredBulk {
    pub(super) profile_id: String,
    action: BulkAction,
    targets: Vec<(String, String)>,
}

/// The most devices one bulk action may touch (the whole of a very large fleet).
const MAX_BULK: usize = 100_000;

/// A bulk action as the production confirmation names it.
pub(super) fn devices_change(
    action: &BulkAction,
    names: &HashMap<String, String>,
) -> DevicesChange {
    match action {
        BulkAction::AssignLocation { location_id } => DevicesChange::Move {
            store: location_id
                .as_ref()
                .map(|id| names.get(id).cloned().unwrap_or_else(|| id.clone())),
        },
        BulkAction::SetMetadata { key, value } => DevicesChange::SetMetadata {
            key: key.clone(),
            value: value.clone(),
        },
        BulkAction::RemoveMetadata { key } => DevicesChange::RemoveMetadata { key: key.clone() },
        BulkAction::Deregister => DevicesChange::Deregister,
    }
}

impl Desk {
    /// Applies one change with read-modify-write and updates the cache.
    pub async fn change_device(
        &self,
        device_id: &str,
        change: &DeviceChange,
    ) -> Result<Device, AppError> {
        let (profile, client) = self.active_client().await?;
        self.ensure_online(&profile.id)?;
        let result = edits::apply_change(&client, device_id, change).await;
        self.note(&profile.id, &result);
        let changed = match result {
            Ok(changed) => changed,
            Err(err) => {
                let label = match change {
                    DeviceChange::Rename { .. } => "device.rename",
                    DeviceChange::Metadata { .. } => "device.metadata",
                    DeviceChange::Move { .. } => "device.move",
                };
                self.audit_detail(Some(&profile), label, device_id, Some(&err), None)
                    .await;
                return Err(err);
            }
        };
        self.record_changes(&profile, std::slice::from_ref(&changed), None)
            .await;
        self.remember(&profile.id, vec![Applied::from(&changed)])
            .await?;
        changed
            .after
            .ok_or_else(|| AppError::internal("a change left no device"))
    }

    /// Deregisters a device: it is removed and its token revoked; the clerk must re-enroll it.
    /// On production it is confirmed outside the page first, naming the device as Kustom has it.
    pub async fn deregister_device(&self, device_id: &str) -> Result<(), AppError> {
        let (profile, client) = self.active_client().await?;
        self.ensure_online(&profile.id)?;
        if profile.is_production() {
            let device = client.get_device(device_id).await?;
            self.confirm_production(
                &profile,
                ProductionChange::new(
                    &profile,
                    ProductionAction::DeregisterDevice { name: device.name },
                ),
            )
            .await?;
        }
        let result = edits::deregister(&client, device_id).await;
        self.note(&profile.id, &result);
        let changed = match result {
            Ok(changed) => changed,
            Err(err) => {
                self.audit_detail(
                    Some(&profile),
                    "device.deregister",
                    device_id,
                    Some(&err),
                    None,
                )
                .await;
                return Err(err);
            }
        };
        self.record_changes(&profile, std::slice::from_ref(&changed), None)
            .await;
        self.remember(&profile.id, vec![Applied::from(&changed)])
            .await
    }

    /// Writes API answers into the cache of `profile_id` — the profile the change was made on,
    /// whichever is active by the time it finished — and into its index, in place: one device
    /// out, one in. Only when edits have piled up (a large bulk action) is the index built again.
    pub(crate) async fn remember(
        &self,
        profile_id: &str,
        applied: Vec<Applied>,
    ) -> Result<(), AppError> {
        if applied.is_empty() {
            return Ok(());
        }
        let profile = self.profile(profile_id).await?;
        // A sync running for this profile applies these again on top of what it fetched.
        if let Some(during) = self.sync_edits.lock().get_mut(&profile.id) {
            during.extend(applied.iter().cloned());
        }
        let index = self.fleet_of(&profile).await?;
        let (cache, id) = (self.fleet_cache.clone(), profile.id.clone());
        let edited = index.clone();
        let crowded = blocking(move || {
            crate::fleet::edits::write_into(&cache, &id, &applied)?;
            let mut index = edited.write();
            for change in &applied {
                match change {
                    Applied::Updated(device) => index.upsert(device)?,
                    Applied::Removed(device_id) => {
                        index.remove(device_id);
                    }
                }
            }
            Ok(index.needs_compaction())
        })
        .await?;
        if crowded {
            self.compact_index(&profile.id, index).await?;
        }
        Ok(())
    }

    /// Builds a profile's index again from its live devices, once edits have piled up on it. The
    /// new index replaces the old only if no edit came in while it was built (the next one tries
    /// again).
    async fn compact_index(&self, profile_id: &str, index: SharedIndex) -> Result<(), AppError> {
        let source = index.clone();
        let (built, edits) = blocking(move || {
            let index = source.read();
            Ok((index.compacted()?, index.edits()))
        })
        .await?;
        let mut fleet = self.fleet.lock();
        if let Some(state) = fleet
            .as_mut()
            .filter(|s| s.profile_id == profile_id && Arc::ptr_eq(&s.index, &index))
            && index.read().edits() == edits
        {
            state.index = Arc::new(RwLock::new(built));
        }
        Ok(())
    }

    /// The dry run of a bulk action: each device's change. Kept as a plan: running it acts on
    /// exactly the devices listed here.
    pub async fn bulk_preview(
        &self,
        action: &BulkAction,
        selection: &DeviceSelection,
    ) -> Result<BulkPlan, AppError> {
        let (profile, index) = self.fleet().await?;
        let known = self.known_activity(&profile).await?;
        let devices = Self::resolve_selection(&index.read(), selection, &known);
        if devices.is_empty() {
            return Err(AppError::invalid_field(
                "selection",
                "Select at least one device.",
            ));
        }
        if devices.len() > MAX_BULK {
            return Err(AppError::invalid_field(
                "selection",
                format!("At most {MAX_BULK} devices at once."),
            ));
        }
        let names = self.location_names(&profile).await;
        let refs: Vec<&Device> = devices.iter().collect();
        let rows = edits::preview(action, &refs, &names);
        let production = profile.is_production();
        let plan_id = self.plans.bulk.keep(StoredBulk {
            profile_id: profile.id.clone(),
            action: action.clone(),
            targets: devices.into_iter().map(|d| (d.id, d.name)).collect(),
        });
        Ok(BulkPlan {
            plan_id,
            rows,
            production,
        })
    }

    /// Runs a previewed bulk action on the devices its preview listed, with the account it was
    /// previewed on, reporting progress. A plan runs once: it is taken before anything else, so
    /// two calls with one plan cannot both run it. On production it is confirmed outside the
    /// page first.
    pub async fn bulk_run(
        &self,
        plan_id: &str,
        progress: impl FnMut(BulkProgress),
    ) -> Result<BulkReport, AppError> {
        let plan = self
            .plans
            .bulk
            .take(plan_id)
            .ok_or_else(|| AppError::Conflict {
                message: "That preview is no longer available (it ran, or is too old); preview \
                          the change again."
                    .to_owned(),
            })?;
        let (profile, client) = self.client_of(&plan.profile_id).await?;
        self.ensure_online(&profile.id)?;
        let names = self.location_names(&profile).await;
        let label = plan.action.describe(&names);
        self.confirm_production(
            &profile,
            ProductionChange::new(
                &profile,
                ProductionAction::ChangeDevices {
                    count: u32::try_from(plan.targets.len()).unwrap_or(u32::MAX),
                    change: devices_change(&plan.action, &names),
                },
            ),
        )
        .await?;
        let (report, changed) =
            edits::run_bulk(&client, &plan.action, plan.targets, label.clone(), progress).await;
        // Each device in the log, old → new; the action itself once, with its tally.
        self.record_changes(&profile, &changed, None).await;
        self.remember(&profile.id, changed.iter().map(Applied::from).collect())
            .await?;
        let detail = format!("{} ok, {} failed", report.succeeded, report.failed);
        self.audit_detail(Some(&profile), "device.bulk", &label, None, Some(&detail))
            .await;
        Ok(report)
    }
}
