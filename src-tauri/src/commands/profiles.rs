//! Profiles, their secrets (write-only), connection tests and the local playground.

use fleet_core::desk::SavedProfile;
use fleet_core::profiles::vault::KeyState;
use fleet_core::profiles::{ActiveProfileSummary, Profile, ProfileInput, ProfileView};
use fleet_core::{AppError, ConnectionReport, StoreKeyOutcome};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use super::DeskState;
use crate::events::ProfileChanged;

fn announce(app: &AppHandle, active: ActiveProfileSummary) {
    if let Some(boot) = app.try_state::<crate::boot::BootFile>() {
        boot.update(|remembered| remembered.active_profile = Some(active.clone()));
    }
    if let Err(err) = (ProfileChanged { active }).emit(app) {
        tracing::warn!(%err, "could not announce the profile change");
    }
}

#[tauri::command]
#[specta::specta]
pub async fn list_profiles(desk: DeskState<'_>) -> Result<Vec<ProfileView>, AppError> {
    let desk = desk.get().await?;
    desk.profile_views().await
}

#[tauri::command]
#[specta::specta]
pub async fn create_profile(desk: DeskState<'_>, input: ProfileInput) -> Result<Profile, AppError> {
    let desk = desk.get().await?;
    desk.create_profile(&input).await
}

#[tauri::command]
#[specta::specta]
pub async fn update_profile(
    app: AppHandle,
    desk: DeskState<'_>,
    id: String,
    input: ProfileInput,
) -> Result<SavedProfile, AppError> {
    let desk = desk.get().await?;
    let saved = desk.update_profile(&id, &input).await?;
    let active = desk.active_summary().await?;
    if active.id == saved.profile.id {
        announce(&app, active);
    }
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub async fn duplicate_profile(desk: DeskState<'_>, id: String) -> Result<Profile, AppError> {
    let desk = desk.get().await?;
    desk.duplicate_profile(&id).await
}

/// Deletes a profile and its keychain entries; if it was active, the local playground takes over.
/// On production, Rust asks first in a native dialog.
#[tauri::command]
#[specta::specta]
pub async fn delete_profile(
    app: AppHandle,
    desk: DeskState<'_>,
    id: String,
) -> Result<(), AppError> {
    let desk = desk.get().await?;
    let was_active = desk.active_summary().await?.id == id;
    desk.delete_profile(&id).await?;
    if was_active {
        announce(&app, desk.active_summary().await?);
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn switch_profile(
    app: AppHandle,
    desk: DeskState<'_>,
    id: String,
) -> Result<ActiveProfileSummary, AppError> {
    let desk = desk.get().await?;
    let active = desk.switch_profile(&id).await?;
    announce(&app, active.clone());
    Ok(active)
}

/// Stores an API key in the OS keychain. Returns only whether it is stored and its last four
/// characters — or, for a key that does not match the environment, a warning to confirm.
#[tauri::command]
#[specta::specta]
pub async fn store_api_key(
    desk: DeskState<'_>,
    profile_id: String,
    api_key: String,
    confirmed: bool,
) -> Result<StoreKeyOutcome, AppError> {
    let desk = desk.get().await?;
    desk.store_api_key(&profile_id, &api_key, confirmed).await
}

#[tauri::command]
#[specta::specta]
pub async fn store_webhook_secret(
    desk: DeskState<'_>,
    profile_id: String,
    secret: String,
) -> Result<KeyState, AppError> {
    let desk = desk.get().await?;
    desk.store_webhook_secret(&profile_id, &secret).await
}

#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    desk: DeskState<'_>,
    profile_id: String,
) -> Result<ConnectionReport, AppError> {
    let desk = desk.get().await?;
    desk.test_connection(&profile_id).await
}

/// Forgets all local playground changes and restores the demo data.
#[tauri::command]
#[specta::specta]
pub async fn reset_playground(desk: DeskState<'_>) -> Result<(), AppError> {
    let desk = desk.get().await?;
    desk.reset_playground().await
}
