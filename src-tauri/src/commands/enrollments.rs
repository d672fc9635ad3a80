//! Pairing codes, pairing cards and store rollouts.

use fleet_core::AppError;
use fleet_core::desk::{EnrollmentPage, PairingDetails, RolloutDraft};
use fleet_core::enrollments::card::{PairingCard, Paper, PrintableCard};
use fleet_core::enrollments::codes::{EnrollmentDraft, EnrollmentFilters, ExpiryPreset};
use fleet_core::enrollments::rollout::{BatchDetail, BatchSummary};
use fleet_core::locale::Language;
use kustom_ipp::{Device, Enrollment, PageRequest};
use tauri::AppHandle;
use tauri_specta::Event;

use super::DeskState;
use crate::events::RolloutProgress;
use crate::save_dialog::{self, Exported};
use fleet_core::locale::dialog_text::{SaveTitle, save_title};

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

/// Cancels a pending code. On production, Rust asks first in a native dialog.
#[tauri::command]
#[specta::specta]
pub async fn cancel_enrollment(
    desk: DeskState<'_>,
    enrollment: Enrollment,
) -> Result<(), AppError> {
    let desk = desk.get().await?;
    desk.cancel_enrollment(&enrollment).await
}

/// Plays the clerk entering a code (local playground only).
#[tauri::command]
#[specta::specta]
pub async fn simulate_clerk(desk: DeskState<'_>, code: String) -> Result<Device, AppError> {
    let desk = desk.get().await?;
    desk.simulate_clerk(&code).await
}

/// Cards ready for the webview's print layout, worded in `language` (the UI's when not given).
#[tauri::command]
#[specta::specta]
pub async fn printable_cards(
    desk: DeskState<'_>,
    cards: Vec<PairingCard>,
    language: Option<Language>,
) -> Result<Vec<PrintableCard>, AppError> {
    let desk = desk.get().await?;
    desk.printable_cards(cards, language).await
}

/// Asks where to save (a dialog opened here, in Rust) and writes a PDF of the cards there.
#[tauri::command]
#[specta::specta]
pub async fn export_pairing_pdf(
    app: AppHandle,
    desk: DeskState<'_>,
    cards: Vec<PairingCard>,
    paper: Paper,
    language: Option<Language>,
    suggested_name: String,
) -> Result<Exported, AppError> {
    let desk = desk.get().await?;
    let title = save_title(SaveTitle::PairingCards, desk.locale().await?.language);
    let Some(path) = save_dialog::ask(&app, title, &suggested_name, ("PDF", &["pdf"])).await?
    else {
        return Ok(Exported::Cancelled);
    };
    let count = cards.len() as u32;
    desk.export_cards(&path, cards, paper, language, "Fleetdesk pairing cards")
        .await?;
    Ok(Exported::Saved {
        file_name: save_dialog::file_name(&path),
        count,
    })
}

/// Asks where to save and writes a rollout's pending codes as a PDF sheet.
#[tauri::command]
#[specta::specta]
pub async fn export_rollout_pdf(
    app: AppHandle,
    desk: DeskState<'_>,
    batch_id: String,
    paper: Paper,
    language: Option<Language>,
    suggested_name: String,
) -> Result<Exported, AppError> {
    let desk = desk.get().await?;
    let cards = desk.rollout_cards(&batch_id).await?;
    let title = save_title(SaveTitle::PairingSheet, desk.locale().await?.language);
    let Some(path) = save_dialog::ask(&app, title, &suggested_name, ("PDF", &["pdf"])).await?
    else {
        return Ok(Exported::Cancelled);
    };
    let count = cards.len() as u32;
    desk.export_cards(&path, cards, paper, language, "Fleetdesk pairing cards")
        .await?;
    Ok(Exported::Saved {
        file_name: save_dialog::file_name(&path),
        count,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn preview_rollout_csv(
    desk: DeskState<'_>,
    text: String,
) -> Result<RolloutDraft, AppError> {
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
) -> Result<RolloutDraft, AppError> {
    let desk = desk.get().await?;
    desk.preview_rollout_generated(&location_id, count, &label_prefix)
        .await
}

/// Saves a batch from a preview Fleetdesk made (`plan_id`, from a preview command).
#[tauri::command]
#[specta::specta]
pub async fn create_rollout(
    desk: DeskState<'_>,
    plan_id: String,
    name: String,
    expiry: ExpiryPreset,
) -> Result<String, AppError> {
    let desk = desk.get().await?;
    desk.create_rollout(&plan_id, &name, expiry).await
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
    desk.rollouts().await
}

#[tauri::command]
#[specta::specta]
pub async fn get_rollout(desk: DeskState<'_>, batch_id: String) -> Result<BatchDetail, AppError> {
    let desk = desk.get().await?;
    desk.rollout(&batch_id).await
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
    desk.rollout_cards(&batch_id).await
}
