//! Callbacks through the [`Desk`]: the receiver on its loopback port, which profile and client a
//! verified callback is followed up with, and the signing secrets it verifies against.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kustom_ipp::{CallbackEvent, Client, WebhookSecret};
use parking_lot::Mutex;

use super::{Desk, blocking};
use crate::AppError;
use crate::playground;
use crate::profiles::vault::{self, SecretKind};
use crate::sessions::SessionStore;
use crate::sessions::receiver::{Receiver, Secrets};
use crate::sessions::watcher::SessionWatcher;
use crate::storage::Store;

/// Which profile and client a verified callback is followed up with, by merchant id.
type Targets = Arc<Mutex<HashMap<String, (String, Client)>>>;

/// The receiver's secrets and where its callbacks go.
pub(super) struct Callbacks {
    secrets: Secrets,
    targets: Targets,
    watcher: SessionWatcher,
}

impl Callbacks {
    pub(super) fn new(watcher: SessionWatcher) -> Self {
        Self {
            secrets: Secrets::default(),
            targets: Arc::default(),
            watcher,
        }
    }

    /// Starts the receiver on the configured port and the task that merges what it accepts into
    /// the watcher. When the port is taken, says why instead (sessions are then polled only).
    pub(super) async fn start_receiver(
        &self,
        store: &Store,
        session_store: SessionStore,
    ) -> Result<(Option<Receiver>, Option<String>), AppError> {
        let (events, incoming) = tokio::sync::mpsc::unbounded_channel::<CallbackEvent>();
        let port = {
            let store = store.clone();
            blocking(move || store.setting("receiver_port")).await?
        }
        .and_then(|p| p.parse().ok())
        .unwrap_or(super::sessions::DEFAULT_RECEIVER_PORT);
        let started = Receiver::start(port, self.secrets.clone(), session_store, events).await;
        let receiver = match started {
            Ok(receiver) => receiver,
            Err(err) => {
                tracing::warn!(%err, "the callback receiver could not start");
                return Ok((
                    None,
                    Some(format!(
                        "Callbacks cannot be received: {err}. Another program (or another \
                         Fleetdesk user on this computer) uses it; choose another port in \
                         Settings and restart. Sessions are still followed by polling."
                    )),
                ));
            }
        };
        tokio::spawn(follow_up(
            incoming,
            self.targets.clone(),
            self.watcher.clone(),
        ));
        Ok((Some(receiver), None))
    }

    /// Callbacks for `merchant_id` are followed up as `profile_id`, with `client`.
    pub(super) fn follow(&self, merchant_id: &str, profile_id: &str, client: &Client) {
        self.targets.lock().insert(
            merchant_id.to_owned(),
            (profile_id.to_owned(), client.clone()),
        );
    }

    /// No callback is followed up through a client for `base_url` any more.
    pub(super) fn forget_host(&self, base_url: &url::Url) {
        self.targets
            .lock()
            .retain(|_, (_, client)| client.config().base_url != *base_url);
    }
}

/// Merges each accepted callback into the watcher, with the client of its merchant's profile.
async fn follow_up(
    mut incoming: tokio::sync::mpsc::UnboundedReceiver<CallbackEvent>,
    targets: Targets,
    watcher: SessionWatcher,
) {
    while let Some(event) = incoming.recv().await {
        let target = targets.lock().get(&event.merchant_id).cloned();
        let Some((profile_id, client)) = target else {
            tracing::info!(merchant = %event.merchant_id, "callback for a merchant with no open profile; recorded only");
            continue;
        };
        // The receiver has answered 200, so Kustom will not send this again: if it cannot be
        // applied now (the API is briefly unreachable), try again later.
        let watcher = watcher.clone();
        tokio::spawn(async move {
            let mut wait = Duration::from_secs(2);
            for attempt in 1..=6 {
                match watcher.on_callback(&event, &profile_id, &client).await {
                    Ok(()) => return,
                    Err(err) if attempt == 6 => {
                        tracing::warn!(%err, "a callback could not be applied; polling will catch up")
                    }
                    Err(_) => {}
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
        });
    }
}

impl Desk {
    /// Callbacks verify against the local playground's secret and the active profile's secret(s)
    /// (several, space-separated, during a rotation).
    pub(crate) async fn refresh_receiver_secrets(&self) {
        let mut secrets = Vec::new();
        if let Some(playground) = self.playground.lock().await.as_ref() {
            secrets.push((
                playground::MERCHANT_ID.to_owned(),
                playground.webhook_secret().clone(),
            ));
        }
        if let Ok(profile) = self.active_profile().await
            && !profile.is_builtin()
        {
            let (env, id) = (profile.environment, profile.id.clone());
            if let Ok(Some(stored)) =
                blocking(move || vault::read(env, &id, SecretKind::WebhookSecret)).await
            {
                secrets.extend(
                    stored
                        .expose()
                        .split_whitespace()
                        .filter_map(|s| WebhookSecret::parse(s).ok())
                        .map(|secret| (profile.merchant_id.clone(), secret)),
                );
            }
        }
        self.callbacks.secrets.set_with_merchants(secrets);
    }
}
