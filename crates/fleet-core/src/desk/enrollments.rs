//! Enrollments and rollouts through the [`Desk`]: create, list, find again, cancel, simulate a
//! clerk, pairing cards, and batches.

use std::collections::HashMap;
use std::path::Path;

use kustom_ipp::{
    Device, Enrollment, Location, PageRequest, PagingOptions, Platform, RegisterDevice, fetch_all,
};
use serde::Serialize;
use specta::Type;

use super::Desk;
use crate::AppError;
use crate::enrollments::{
    DEVICE_LABEL_KEY, EnrollmentDraft, EnrollmentFilters, ExpiryPreset, build_request,
    query_to_find,
};
use crate::pairing_card::{self, PairingCard, Paper};
use crate::profile::Environment;
use crate::rollout::{self, BatchDetail, BatchProgress, BatchSummary, RolloutPreview};
use crate::store::storage;

/// An enrollment as the list and the pairing view show it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct EnrollmentView {
    pub enrollment: Enrollment,
    pub location_name: Option<String>,
    pub device_label: Option<String>,
    /// `ABCD EFGH`.
    pub code_grouped: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct EnrollmentPage {
    pub items: Vec<EnrollmentView>,
    pub total_elements: u32,
    pub total_pages: u32,
    pub page_number: u32,
}

/// Everything the pairing view draws.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct PairingDetails {
    pub view: EnrollmentView,
    /// The QR code as an SVG document.
    pub qr_svg: String,
    pub expiry_label: String,
    /// Whether "Simulate a clerk" is available (the local playground's simulator).
    pub can_simulate_clerk: bool,
}

impl Desk {
    pub(crate) async fn locations_by_id(&self) -> Result<HashMap<String, Location>, AppError> {
        let (_, client) = self.active_client().await?;
        let all = fetch_all(
            |page| {
                let client = client.clone();
                async move { client.list_locations(page).await }
            },
            PagingOptions::default(),
            |_| {},
        )
        .await?;
        // A location without an id (the docs' items are "any" [DOC §8.1]) cannot be referred to.
        Ok(all
            .into_iter()
            .filter(Location::is_usable)
            .map(|l| (l.id.clone(), l))
            .collect())
    }

    fn view(enrollment: Enrollment, locations: &HashMap<String, Location>) -> EnrollmentView {
        EnrollmentView {
            location_name: enrollment
                .location_id
                .as_ref()
                .and_then(|id| locations.get(id))
                .map(|l| l.name.clone()),
            device_label: enrollment.metadata.get(DEVICE_LABEL_KEY).cloned(),
            code_grouped: pairing_card::grouped(enrollment.enrollment_code.as_str()),
            enrollment,
        }
    }

    async fn details(&self, enrollment: Enrollment) -> Result<PairingDetails, AppError> {
        let locations = self.locations_by_id().await?;
        let qr_svg = pairing_card::qr_svg(enrollment.enrollment_code.as_str())?;
        let expiry_label = pairing_card::expiry_label(enrollment.expires_at);
        let can_simulate_clerk = self.active_profile()?.environment == Environment::LocalPlayground;
        Ok(PairingDetails {
            view: Self::view(enrollment, &locations),
            qr_svg,
            expiry_label,
            can_simulate_clerk,
        })
    }

    /// Creates a pairing code from the form.
    pub async fn create_enrollment(
        &self,
        draft: &EnrollmentDraft,
    ) -> Result<PairingDetails, AppError> {
        let request = build_request(draft)?;
        let (profile, client) = self.active_client().await?;
        let result = client
            .create_enrollment(&request)
            .await
            .map_err(AppError::from);
        let target = draft
            .device_label
            .clone()
            .unwrap_or_else(|| draft.location_id.clone());
        self.audit_result(Some(&profile), "enrollment.create", &target, &result);
        self.details(result?).await
    }

    pub async fn list_enrollments(
        &self,
        filters: &EnrollmentFilters,
        page: PageRequest,
    ) -> Result<EnrollmentPage, AppError> {
        let query = filters.to_query()?;
        let (_, client) = self.active_client().await?;
        let result = client.list_enrollments(&query, page).await?;
        let locations = self.locations_by_id().await?;
        Ok(EnrollmentPage {
            total_elements: result.total_elements.max(0) as u32,
            total_pages: result.total_pages.max(0) as u32,
            page_number: result.page_number.max(0) as u32,
            items: result
                .content
                .into_iter()
                .map(|e| Self::view(e, &locations))
                .collect(),
        })
    }

    /// The current state of an enrollment the UI holds (there is no get-by-id in the API).
    pub async fn refresh_enrollment(&self, known: &Enrollment) -> Result<PairingDetails, AppError> {
        let (_, client) = self.active_client().await?;
        let query = query_to_find(known);
        let mut page = PageRequest::new(0, PageRequest::MAX_SIZE);
        loop {
            let result = client.list_enrollments(&query, page).await?;
            if let Some(found) = result
                .content
                .into_iter()
                .find(|e| e.enrollment_id == known.enrollment_id)
            {
                return self.details(found).await;
            }
            if result.last || page.page_number >= 20 {
                break;
            }
            page.page_number += 1;
        }
        // Only cancelled enrollments are never listed [DOC §5.3].
        let mut cancelled = known.clone();
        cancelled.status = kustom_ipp::EnrollmentStatus::Cancelled;
        self.details(cancelled).await
    }

    pub async fn cancel_enrollment(&self, enrollment_id: &str) -> Result<(), AppError> {
        let (profile, client) = self.active_client().await?;
        let result = client
            .cancel_enrollment(enrollment_id)
            .await
            .map_err(AppError::from);
        self.audit_result(Some(&profile), "enrollment.cancel", enrollment_id, &result);
        result
    }

    /// Plays the clerk: registers a device with the code through the simulator's registration
    /// endpoint. Only on the local playground, whose simulator has that endpoint.
    pub async fn simulate_clerk(&self, code: &str) -> Result<Device, AppError> {
        let (profile, client) = self.active_client().await?;
        if profile.environment != Environment::LocalPlayground {
            return Err(AppError::Forbidden {
                message: "Simulating a clerk needs the local playground: Kustom's registration endpoint is only \
                          called by the POS app."
                    .to_owned(),
            });
        }
        let suffix: String = uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase();
        let result = client
            .register_device(&RegisterDevice {
                enrollment_code: code.to_owned(),
                hardware_id: format!("SIM-{suffix}"),
                platform: Platform::Android,
                name: None,
            })
            .await
            .map(|registered| registered.device)
            .map_err(AppError::from);
        self.audit_result(
            Some(&profile),
            "enrollment.simulate_clerk",
            "pairing code",
            &result,
        );
        result
    }

    pub async fn get_device(&self, device_id: &str) -> Result<Device, AppError> {
        let (_, client) = self.active_client().await?;
        Ok(client.get_device(device_id).await?)
    }

    /// Writes a PDF of pairing cards to `path`.
    pub fn export_cards(
        &self,
        path: &Path,
        cards: &[PairingCard],
        paper: Paper,
        title: &str,
    ) -> Result<(), AppError> {
        let pdf = pairing_card::sheet_pdf(cards, paper, title)?;
        std::fs::write(path, pdf).map_err(|err| storage("save the PDF", err))
    }

    // ---- Rollouts ----------------------------------------------------------------------------

    pub async fn preview_rollout_csv(&self, text: &str) -> Result<RolloutPreview, AppError> {
        let locations: Vec<Location> = self.locations_by_id().await?.into_values().collect();
        rollout::parse_csv(text, &locations)
    }

    pub async fn preview_rollout_generated(
        &self,
        location_id: &str,
        count: u32,
        label_prefix: &str,
    ) -> Result<RolloutPreview, AppError> {
        let locations = self.locations_by_id().await?;
        let location = locations
            .get(location_id)
            .ok_or_else(|| AppError::invalid_field("location_id", "Choose a location."))?;
        rollout::generate(location, count, label_prefix)
    }

    pub fn create_rollout(
        &self,
        name: &str,
        expiry: ExpiryPreset,
        rows: &[rollout::PreviewRow],
    ) -> Result<String, AppError> {
        let profile = self.active_profile()?;
        let id = self.rollouts.create(&profile.id, name, expiry, rows);
        self.audit_result(Some(&profile), "rollout.create", name, &id);
        id
    }

    /// Creates the batch's missing codes (also resumes and retries), reporting progress.
    pub async fn run_rollout(
        &self,
        batch_id: &str,
        progress: impl FnMut(BatchProgress),
    ) -> Result<BatchDetail, AppError> {
        let (profile, client) = self.active_client().await?;
        let result = self.rollouts.run(&client, batch_id, progress).await;
        let detail = result
            .as_ref()
            .map(|d| format!("{} created, {} failed", d.summary.created, d.summary.failed));
        if let Err(err) = self.audit.record(
            Some(&profile),
            "rollout.run",
            batch_id,
            result.as_ref().map(|_| ()),
            detail.as_deref().ok(),
        ) {
            tracing::warn!(%err, "could not write the audit log");
        }
        result
    }

    pub fn rollouts(&self) -> Result<Vec<BatchSummary>, AppError> {
        self.rollouts.list(&self.active_profile()?.id)
    }

    pub fn rollout(&self, batch_id: &str) -> Result<BatchDetail, AppError> {
        self.rollouts.detail(batch_id)
    }

    pub async fn reconcile_rollout(&self, batch_id: &str) -> Result<BatchDetail, AppError> {
        let (_, client) = self.active_client().await?;
        self.rollouts.reconcile(&client, batch_id).await
    }

    /// The batch's created codes as cards.
    pub fn rollout_cards(&self, batch_id: &str) -> Result<Vec<PairingCard>, AppError> {
        let detail = self.rollouts.detail(batch_id)?;
        Ok(detail
            .rows
            .into_iter()
            .filter_map(|row| {
                Some(PairingCard {
                    location_name: row.location_name,
                    device_label: row.device_label,
                    code: row.code?,
                    expires_at: row.expires_at?,
                })
            })
            .collect())
    }
}
