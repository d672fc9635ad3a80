//! Desktop notifications, raised by Rust only: a code paired, a payment's outcome, a job
//! finished. The page has no
//! permission to raise one, so it can neither choose when a notification appears nor what it says.

use std::sync::Arc;

use fleet_core::Desk;
use fleet_core::desk::{Notice, SessionView, payment_news};
use fleet_core::locale::dialog_text::{self, NotificationWords};
use fleet_core::locale::{FormatLocale, Language};
use fleet_core::sessions::TimelineEntry;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::boot::BootFile;

/// The UI's language and formats (as the boot file keeps them).
fn locale(app: &AppHandle) -> (Language, FormatLocale) {
    app.try_state::<BootFile>()
        .map_or((Language::En, FormatLocale::EnGb), |boot| {
            let info = boot.info().locale;
            (info.language, info.format_locale)
        })
}

fn show(app: &AppHandle, words: NotificationWords) {
    // No notification service (a headless session): the window shows it anyway.
    if let Err(err) = app
        .notification()
        .builder()
        .title(words.title)
        .body(words.body)
        .show()
    {
        tracing::debug!(%err, "could not show a desktop notification");
    }
}

fn words(app: &AppHandle, notice: &Notice) -> NotificationWords {
    let (language, format) = locale(app);
    match notice {
        Notice::Paired { label, store } => dialog_text::paired(label.as_deref(), store, language),
        Notice::Payment {
            news,
            amount_minor,
            currency,
            device,
        } => dialog_text::payment(
            *news,
            &format.money(*amount_minor, currency),
            device,
            language,
        ),
        Notice::JobFinished {
            label,
            done,
            failed,
            skipped,
        } => dialog_text::job_finished(label, *done, *failed, *skipped, language),
    }
}

/// Passes on the desk's notices (a code paired) as they come.
pub async fn forward(app: AppHandle, desk: Arc<Desk>) {
    let mut notices = desk.notices();
    loop {
        match notices.recv().await {
            Ok(notice) => show(&app, words(&app, &notice)),
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// A payment's outcome, when desktop notifications are on in Settings.
pub async fn payment(app: &AppHandle, desk: &Desk, view: &SessionView, entry: &TimelineEntry) {
    let wanted = desk
        .session_settings()
        .await
        .is_ok_and(|settings| settings.notifications);
    if !wanted {
        return;
    }
    if let Some(notice) = payment_news(&view.tracked, entry, view.device_name.as_deref()) {
        show(app, words(app, &notice));
    }
}
