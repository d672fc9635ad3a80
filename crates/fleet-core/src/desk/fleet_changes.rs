//! Changing the fleet through the [`Desk`]: one device (read-modify-write), a deregistration, and
//! what each answer (these, and each device of a job) leaves in the cache and the index.

use std::collections::HashMap;
use std::sync::Arc;

use kustom_ipp::Device;
use parking_lot::RwLock;

use super::fleet::SharedIndex;
use super::{Desk, blocking};
use crate::AppError;
use crate::fleet::edits::{self, Applied, BulkAction, DeviceChange};
use crate::profiles::guard::{DevicesChange, ProductionAction, ProductionChange};

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
        BulkAction::RenamePattern { .. } => DevicesChange::Rename,
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
}
