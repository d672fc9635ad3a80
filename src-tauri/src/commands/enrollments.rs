//! Pairing codes, pairing cards and store rollouts.

use std::path::PathBuf;

use fleet_core::AppError;
use fleet_core::desk::{EnrollmentPage, PairingDetails};
use fleet_core::enrollments::{EnrollmentDraft, EnrollmentFilters, ExpiryPreset};
use fleet_core::pairing_card::{self, PairingCard, Paper};
use fleet_core::rollout::{BatchDetail, BatchSummary, PreviewRow, RolloutPreview};
use kustom_ipp::{Device, Enrollment, PageRequest};
use serde::Serialize;
use specta::Type;
use tauri::AppHandle;
use tauri_specta::Event;

use super::DeskState;
use crate::events::RolloutProgress;

#[tauri::command]
#[specta::specta]
pub async fn create_enrollment(
    desk: DeskState<'_>,
    draft: EnrollmentDraft,
) -> Result<PairingDetails, AppError> {
    let desk = desk.get().await?;
    desk.create_enrollment(&draft).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_enrollments(
    desk: DeskState<'_>,
    filters: EnrollmentFilters,
    page_number: u32,
    page_size: u32,
) -> Result<EnrollmentPage, AppError> {
    let desk = desk.get().await?;
    let page = PageRequest::new(
        page_number.min(i32::MAX as u32) as i32,
        page_size.clamp(1, 100) as i32,
    );
    desk.list_enrollments(&filters, page).await
}

/// The current state of an enrollment (the pairing view polls this while open).
#[tauri::command]
#[specta::specta]
pub async fn refresh_enrollment(
    desk: DeskState<'_>,
    enrollment: Enrollment,
) -> Result<PairingDetails, AppError> {
    let desk = desk.get().await?;
    desk.refresh_enrollment(&enrollment).await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_enrollment(desk: DeskState<'_>, enrollment_id: String) -> Result<(), AppError> {
    let desk = desk.get().await?;
    desk.cancel_enrollment(&enrollment_id).await
}

/// Plays the clerk entering a code (local playground only).
#[tauri::command]
#[specta::specta]
pub async fn simulate_clerk(desk: DeskState<'_>, code: String) -> Result<Device, AppError> {
    let desk = desk.get().await?;
    desk.simulate_clerk(&code).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_device(desk: DeskState<'_>, device_id: String) -> Result<Device, AppError> {
    let desk = desk.get().await?;
    desk.get_device(&device_id).await
}

/// A card ready for the webview's print layout.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PrintableCard {
    pub card: PairingCard,
    pub code_grouped: String,
    pub expiry_label: String,
    pub qr_svg: String,
    pub steps: Vec<String>,
}

#[tauri::command]
#[specta::specta]
pub fn printable_cards(cards: Vec<PairingCard>) -> Result<Vec<PrintableCard>, AppError> {
    cards
        .into_iter()
        .map(|card| {
            Ok(PrintableCard {
                code_grouped: pairing_card::grouped(&card.code),
                expiry_label: pairing_card::expiry_label(card.expires_at),
                qr_svg: pairing_card::qr_svg(&card.code)?,
                steps: pairing_card::CLERK_STEPS
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                card,
            })
        })
        .collect()
}

/// Writes a PDF of cards to the path the user chose in the save dialog.
#[tauri::command]
#[specta::specta]
pub async fn export_pairing_pdf(
    desk: DeskState<'_>,
    path: PathBuf,
    cards: Vec<PairingCard>,
    paper: Paper,
) -> Result<(), AppError> {
    let desk = desk.get().await?;
    desk.export_cards(&path, &cards, paper, "Fleetdesk pairing cards")
}

#[tauri::command]
#[specta::specta]
pub async fn preview_rollout_csv(
    desk: DeskState<'_>,
    text: String,
) -> Result<RolloutPreview, AppError> {
    let desk = desk.get().await?;
    desk.preview_rollout_csv(&text).await
}

#[tauri::command]
#[specta::specta]
pub async fn preview_rollout_generated(
    desk: DeskState<'_>,
    location_id: String,
    count: u32,
    label_prefix: String,
) -> Result<RolloutPreview, AppError> {
    let desk = desk.get().await?;
    desk.preview_rollout_generated(&location_id, count, &label_prefix)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn create_rollout(
    desk: DeskState<'_>,
    name: String,
    expiry: ExpiryPreset,
    rows: Vec<PreviewRow>,
) -> Result<String, AppError> {
    let desk = desk.get().await?;
    desk.create_rollout(&name, expiry, &rows)
}

/// Creates the batch's missing codes (first run, resume, or retry of failed rows), emitting
/// `RolloutProgress` as rows complete.
#[tauri::command]
#[specta::specta]
pub async fn run_rollout(
    app: AppHandle,
    desk: DeskState<'_>,
    batch_id: String,
) -> Result<BatchDetail, AppError> {
    let desk = desk.get().await?;
    desk.run_rollout(&batch_id, |progress| {
        let event = RolloutProgress {
            batch_id: batch_id.clone(),
            progress,
        };
        if let Err(err) = event.emit(&app) {
            tracing::warn!(%err, "could not report rollout progress");
        }
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn list_rollouts(desk: DeskState<'_>) -> Result<Vec<BatchSummary>, AppError> {
    let desk = desk.get().await?;
    desk.rollouts()
}

#[tauri::command]
#[specta::specta]
pub async fn get_rollout(desk: DeskState<'_>, batch_id: String) -> Result<BatchDetail, AppError> {
    let desk = desk.get().await?;
    desk.rollout(&batch_id)
}

#[tauri::command]
#[specta::specta]
pub async fn reconcile_rollout(
    desk: DeskState<'_>,
    batch_id: String,
) -> Result<BatchDetail, AppError> {
    let desk = desk.get().await?;
    desk.reconcile_rollout(&batch_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn rollout_cards(
    desk: DeskState<'_>,
    batch_id: String,
) -> Result<Vec<PairingCard>, AppError> {
    let desk = desk.get().await?;
    desk.rollout_cards(&batch_id)
}
