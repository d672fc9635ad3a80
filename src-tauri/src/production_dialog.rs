//! The production guard's question, asked in a native dialog that Rust opens and the page cannot
//! see, answer or dismiss: a compromised page can neither read what it says nor click it.

use fleet_core::locale::Language;
use fleet_core::locale::dialog_text::production_confirmation;
use fleet_core::profiles::guard::{Confirmer, ProductionChange};
use futures::future::BoxFuture;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

use crate::boot::BootFile;

/// Asks in a native dialog, over the main window, in the UI's language.
pub struct NativeDialog {
    app: AppHandle,
}

impl NativeDialog {
    pub fn new(app: AppHandle) -> Self {
        Self { app }
    }
}

impl Confirmer for NativeDialog {
    fn confirm(&self, change: &ProductionChange) -> BoxFuture<'static, bool> {
        let (app, change) = (self.app.clone(), change.clone());
        Box::pin(async move {
            let language = app
                .try_state::<BootFile>()
                .map_or(Language::En, |boot| boot.info().locale.language);
            let words = production_confirmation(&change, language);
            let (answered, answer) = tokio::sync::oneshot::channel();
            let mut dialog = app
                .dialog()
                .message(words.message)
                .title(words.title)
                .kind(MessageDialogKind::Warning)
                .buttons(MessageDialogButtons::OkCancelCustom(
                    words.confirm.to_owned(),
                    words.cancel.to_owned(),
                ));
            if let Some(window) = app.get_webview_window("main") {
                dialog = dialog.parent(&window);
            }
            tracing::info!(change = %change.describe(), "asking to confirm a production change");
            dialog.show(move |yes| {
                let _ = answered.send(yes);
            });
            // A dialog that goes away unanswered is a no.
            let yes = answer.await.unwrap_or(false);
            tracing::info!(yes, "the production change was answered");
            yes
        })
    }
}
