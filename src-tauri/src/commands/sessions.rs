//! Live sessions: the board, history, one session's timeline, test payments, simulated devices
//! and taps, cancel, and the callback receiver's address.

use fleet_core::AppError;
use fleet_core::desk::{ReceiverInfo, SessionDetail, SessionSettings, SessionView};
use fleet_core::sessions::SessionFilter;
use fleet_core::sessions::cart::{self, CartLine, CartTotals};
use fleet_core::sessions::receiver::DeliveryReport;
use kustom_ipp::{Device, TapOutcome};

use super::DeskState;

#[tauri::command]
#[specta::specta]
pub async fn list_sessions(
    desk: DeskState<'_>,
    filter: SessionFilter,
) -> Result<Vec<SessionView>, AppError> {
    let desk = desk.get().await?;
    desk.sessions(&filter).await
}

#[tauri::command]
#[specta::specta]
pub async fn session_detail(
    desk: DeskState<'_>,
    session_id: String,
) -> Result<SessionDetail, AppError> {
    let desk = desk.get().await?;
    desk.session_detail(&session_id).await
}

/// Starts following a session by its id.
#[tauri::command]
#[specta::specta]
pub async fn lookup_session(
    desk: DeskState<'_>,
    session_id: String,
) -> Result<SessionView, AppError> {
    let desk = desk.get().await?;
    desk.lookup_session(&session_id).await
}

/// Cancels a session. On production, Rust asks first in a native dialog.
#[tauri::command]
#[specta::specta]
pub async fn cancel_session(
    desk: DeskState<'_>,
    session_id: String,
) -> Result<SessionView, AppError> {
    let desk = desk.get().await?;
    desk.cancel_session(&session_id).await
}

/// The cart's totals as Kustom will check them (for the editor, before sending).
#[tauri::command]
#[specta::specta]
pub fn cart_totals(lines: Vec<CartLine>) -> Result<CartTotals, AppError> {
    cart::totals(&lines)
}

#[tauri::command]
#[specta::specta]
pub async fn create_test_payment(
    desk: DeskState<'_>,
    device_id: String,
    currency: String,
    lines: Vec<CartLine>,
) -> Result<SessionView, AppError> {
    let desk = desk.get().await?;
    desk.create_test_payment(&device_id, &currency, &lines)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn simulate_tap(
    desk: DeskState<'_>,
    session_id: String,
    outcome: TapOutcome,
) -> Result<SessionView, AppError> {
    let desk = desk.get().await?;
    desk.simulate_tap(&session_id, &outcome).await
}

#[tauri::command]
#[specta::specta]
pub async fn create_simulated_device(
    desk: DeskState<'_>,
    name: String,
    location_id: Option<String>,
) -> Result<Device, AppError> {
    let desk = desk.get().await?;
    desk.create_simulated_device(&name, location_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn receiver_info(desk: DeskState<'_>) -> Result<ReceiverInfo, AppError> {
    let desk = desk.get().await?;
    desk.receiver_info()
}

#[tauri::command]
#[specta::specta]
pub async fn recent_deliveries(desk: DeskState<'_>) -> Result<Option<DeliveryReport>, AppError> {
    let desk = desk.get().await?;
    Ok(desk.deliveries())
}

#[tauri::command]
#[specta::specta]
pub async fn get_session_settings(desk: DeskState<'_>) -> Result<SessionSettings, AppError> {
    let desk = desk.get().await?;
    desk.session_settings().await
}

#[tauri::command]
#[specta::specta]
pub async fn set_session_settings(
    desk: DeskState<'_>,
    settings: SessionSettings,
) -> Result<(), AppError> {
    let desk = desk.get().await?;
    desk.set_session_settings(&settings).await
}
