//! [`Desk`]: everything the app does, behind one handle the Tauri commands call.
//!
//! It owns the local database, the embedded local playground and a client per profile, and it is
//! the only place that reads secrets from the keychain. Methods that touch the keychain or the
//! network are `async`; keychain calls run on the blocking pool so they never stall the UI.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::sync::Arc;

use kustom_ipp::{
    CallbackEvent, Client, ClientConfig, Credentials, PageRequest, RetryPolicy, Secret,
    WebhookSecret,
};
use parking_lot::Mutex;
use serde::Serialize;
use specta::Type;

use crate::AppError;
use crate::audit::AuditLog;
use crate::fleet_cache::FleetCache;
use crate::key_check::check_api_key;
use crate::playground::{self, LocalPlayground};
use crate::profile::{ActiveProfileSummary, Profile, ProfileInput, ProfileView, Profiles};
use crate::rollout::Rollouts;
use crate::sessions::SessionStore;
use crate::sessions::receiver::{Receiver, Secrets};
use crate::sessions::watcher::SessionWatcher;
use crate::store::Store;
use crate::vault::{self, KeyState, SecretKind};

/// How a "Test connection" went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ConnectionReport {
    pub profile_name: String,
    pub merchant_id: String,
    pub base_url: String,
    pub location_count: u32,
    pub latency_ms: u32,
}

/// The result of storing an API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum StoreKeyOutcome {
    /// Saved in the keychain.
    Stored { state: KeyState },
    /// Not saved: the key does not match the environment; ask, then call again confirmed.
    NeedsConfirmation { warning: String },
}

mod enrollments;
mod fleet;
mod sessions;

pub use enrollments::{EnrollmentPage, EnrollmentView, PairingDetails};
pub use fleet::{DeviceRow, DeviceSelection, FleetOverview, FleetPage, LocationCount, SavedView};
pub use sessions::{ReceiverInfo, SessionDetail, SessionSettings, SessionView};

pub struct Desk {
    store: Store,
    profiles: Profiles,
    audit: AuditLog,
    rollouts: Rollouts,
    fleet_cache: FleetCache,
    fleet: Mutex<Option<fleet::FleetState>>,
    watcher: SessionWatcher,
    receiver: Mutex<Option<Receiver>>,
    receiver_secrets: Secrets,
    /// Which profile and client a callback is for, by merchant id.
    callback_targets: Arc<Mutex<HashMap<String, (String, Client)>>>,
    playground_dir: PathBuf,
    playground: tokio::sync::Mutex<Option<LocalPlayground>>,
    callback_url: Mutex<Option<String>>,
    clients: Mutex<HashMap<String, Client>>,
    keychain_problem: Option<AppError>,
}

impl Desk {
    /// Opens the database in `data_dir`, makes sure the local playground profile exists and starts
    /// the embedded simulator. `keychain` is the outcome of installing the OS credential store.
    pub async fn open(data_dir: &Path, keychain: Result<(), AppError>) -> Result<Self, AppError> {
        let store = Store::open(&data_dir.join("fleetdesk.sqlite3"))?;
        let profiles = Profiles::new(store.clone());
        profiles.ensure_local_playground(playground::MERCHANT_ID)?;
        let playground_dir = data_dir.join("playground");
        if let Err(err) = &keychain {
            tracing::warn!(%err, "OS keychain unavailable");
        }

        // Callbacks: the receiver verifies and queues them; a task merges them into the watcher.
        let session_store = SessionStore::new(store.clone());
        let watcher = SessionWatcher::start(session_store.clone(), 25.0);
        let receiver_secrets = Secrets::default();
        let (events, mut incoming) = tokio::sync::mpsc::unbounded_channel::<CallbackEvent>();
        let port = store
            .setting("receiver_port")?
            .and_then(|p| p.parse().ok())
            .unwrap_or(sessions::DEFAULT_RECEIVER_PORT);
        let receiver = Receiver::start(port, receiver_secrets.clone(), session_store, events)
            .await
            .map_err(|err| {
                AppError::internal(format!("the callback receiver could not start: {err}"))
            })?;
        let callback_targets: Arc<Mutex<HashMap<String, (String, Client)>>> = Arc::default();
        {
            let watcher = watcher.clone();
            let targets = callback_targets.clone();
            tokio::spawn(async move {
                while let Some(event) = incoming.recv().await {
                    let target = targets.lock().get(&event.merchant_id).cloned();
                    let Some((profile_id, client)) = target else {
                        tracing::info!(merchant = %event.merchant_id, "callback for a merchant with no open profile; recorded only");
                        continue;
                    };
                    if let Err(err) = watcher.on_callback(&event, &profile_id, &client).await {
                        tracing::warn!(%err, "could not apply a callback");
                    }
                }
            });
        }
        let playground = LocalPlayground::start(&playground_dir, Some(receiver.url())).await?;

        let desk = Self {
            audit: AuditLog::new(store.clone()),
            rollouts: Rollouts::new(store.clone()),
            fleet_cache: FleetCache::new(store.clone()),
            fleet: Mutex::new(None),
            store,
            profiles,
            playground_dir,
            playground: tokio::sync::Mutex::new(Some(playground)),
            callback_url: Mutex::new(Some(receiver.url())),
            clients: Mutex::new(HashMap::new()),
            keychain_problem: keychain.err(),
            watcher,
            receiver: Mutex::new(Some(receiver)),
            receiver_secrets,
            callback_targets,
        };
        desk.refresh_receiver_secrets().await;
        // The local playground's callbacks are ours from the start.
        let local = desk.profiles.get(crate::profile::LOCAL_PLAYGROUND_ID)?;
        desk.client_for(&local).await?;
        Ok(desk)
    }

    /// The live-session watcher (the Tauri layer forwards its updates to the UI).
    pub fn watcher(&self) -> &SessionWatcher {
        &self.watcher
    }

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
        if let Ok(profile) = self.profiles.active() {
            if !profile.is_builtin() {
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
        }
        self.receiver_secrets.set_with_merchants(secrets);
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// Why the keychain cannot be used, if it cannot.
    pub fn keychain_problem(&self) -> Option<&AppError> {
        self.keychain_problem.as_ref()
    }

    // ---- Profiles ----------------------------------------------------------------------------

    pub fn active_profile(&self) -> Result<Profile, AppError> {
        self.profiles.active()
    }

    pub fn active_summary(&self) -> Result<ActiveProfileSummary, AppError> {
        Ok(ActiveProfileSummary::from(&self.profiles.active()?))
    }

    /// Every profile with the state of its secrets (never the secrets).
    pub async fn profile_views(&self) -> Result<Vec<ProfileView>, AppError> {
        let profiles = self.profiles.list()?;
        let active = self.profiles.active()?.id;
        let mut views = Vec::with_capacity(profiles.len());
        for profile in profiles {
            let (api_key, webhook_secret) = if profile.is_builtin() {
                (KeyState::Managed, KeyState::Managed)
            } else {
                let env = profile.environment;
                let id = profile.id.clone();
                blocking(move || {
                    Ok((
                        vault::state(env, &id, SecretKind::ApiKey),
                        vault::state(env, &id, SecretKind::WebhookSecret),
                    ))
                })
                .await?
            };
            views.push(ProfileView {
                badge: profile.environment.badge_label().to_owned(),
                is_active: profile.id == active,
                is_builtin: profile.is_builtin(),
                api_key,
                webhook_secret,
                profile,
            });
        }
        Ok(views)
    }

    pub fn create_profile(&self, input: &ProfileInput) -> Result<Profile, AppError> {
        let result = self.profiles.create(input);
        self.audit_result(None, "profile.create", input.name.trim(), &result);
        result
    }

    pub async fn update_profile(
        &self,
        id: &str,
        input: &ProfileInput,
    ) -> Result<Profile, AppError> {
        let before = self.profiles.get(id)?;
        let updated = self.profiles.update(id, input)?;
        // Secrets are filed under the environment; move them if it changed.
        if before.environment != updated.environment && !before.is_builtin() {
            let (from, to, id) = (before.environment, updated.environment, id.to_owned());
            blocking(move || {
                for kind in [SecretKind::ApiKey, SecretKind::WebhookSecret] {
                    if let Some(secret) = vault::read(from, &id, kind)? {
                        vault::store(to, &id, kind, &secret)?;
                        vault::delete(from, &id, kind)?;
                    }
                }
                Ok(())
            })
            .await?;
        }
        self.forget_client(id);
        self.audit_result(
            Some(&updated),
            "profile.update",
            &updated.name,
            &Ok::<(), AppError>(()),
        );
        Ok(updated)
    }

    /// A copy of a profile, with copies of its secrets (copied inside Rust, keychain to keychain).
    pub async fn duplicate_profile(&self, id: &str) -> Result<Profile, AppError> {
        let source = self.profiles.get(id)?;
        if source.is_builtin() {
            return Err(AppError::Conflict {
                message: "The local playground is built in; add a new profile instead.".to_owned(),
            });
        }
        let copy = self.profiles.create(&ProfileInput {
            name: self.profiles.copy_name(&source.name)?,
            environment: source.environment,
            base_url: Some(source.base_url.clone()),
            merchant_id: source.merchant_id.clone(),
        })?;
        let (env, from, to) = (source.environment, source.id.clone(), copy.id.clone());
        blocking(move || {
            for kind in [SecretKind::ApiKey, SecretKind::WebhookSecret] {
                if let Some(secret) = vault::read(env, &from, kind)? {
                    vault::store(env, &to, kind, &secret)?;
                }
            }
            Ok(())
        })
        .await?;
        self.audit_result(
            Some(&copy),
            "profile.duplicate",
            &source.name,
            &Ok::<(), AppError>(()),
        );
        Ok(copy)
    }

    /// Deletes a profile and its keychain entries.
    pub async fn delete_profile(&self, id: &str) -> Result<(), AppError> {
        let profile = self.profiles.get(id)?;
        if profile.is_builtin() {
            return Err(AppError::Conflict {
                message:
                    "The local playground is built in and cannot be deleted; reset it instead."
                        .to_owned(),
            });
        }
        let (env, key_id) = (profile.environment, profile.id.clone());
        blocking(move || {
            vault::delete(env, &key_id, SecretKind::ApiKey)?;
            vault::delete(env, &key_id, SecretKind::WebhookSecret)
        })
        .await?;
        self.profiles.delete(id)?;
        self.forget_client(id);
        self.audit_result(
            Some(&profile),
            "profile.delete",
            &profile.name,
            &Ok::<(), AppError>(()),
        );
        Ok(())
    }

    pub async fn switch_profile(&self, id: &str) -> Result<ActiveProfileSummary, AppError> {
        let profile = self.profiles.set_active(id)?;
        self.refresh_receiver_secrets().await;
        Ok(ActiveProfileSummary::from(&profile))
    }

    /// Checks and stores an API key. A key whose kind does not match the environment is stored
    /// only once the user confirmed it.
    pub async fn store_api_key(
        &self,
        id: &str,
        key: &str,
        confirmed: bool,
    ) -> Result<StoreKeyOutcome, AppError> {
        let profile = self.profiles.get(id)?;
        if profile.is_builtin() {
            return Err(AppError::Conflict {
                message: "The local playground's key is managed by Fleetdesk.".to_owned(),
            });
        }
        let key = key.trim();
        let check = check_api_key(profile.environment, key)?;
        if let (Some(warning), false) = (check.warning, confirmed) {
            return Ok(StoreKeyOutcome::NeedsConfirmation { warning });
        }
        let secret = Secret::new(key);
        let (env, key_id) = (profile.environment, profile.id.clone());
        let state = blocking(move || {
            vault::store(env, &key_id, SecretKind::ApiKey, &secret)?;
            Ok(vault::state(env, &key_id, SecretKind::ApiKey))
        })
        .await;
        self.forget_client(id);
        self.audit_result(
            Some(&profile),
            "profile.api_key.store",
            &profile.name,
            &state,
        );
        Ok(StoreKeyOutcome::Stored { state: state? })
    }

    /// Stores the webhook signing secret (`whsec_…`) for a profile.
    pub async fn store_webhook_secret(&self, id: &str, secret: &str) -> Result<KeyState, AppError> {
        let profile = self.profiles.get(id)?;
        if profile.is_builtin() {
            return Err(AppError::Conflict {
                message: "The local playground's signing secret is managed by Fleetdesk."
                    .to_owned(),
            });
        }
        // Several secrets, space-separated, during a rotation.
        let parsed: Vec<WebhookSecret> = secret
            .split_whitespace()
            .map(WebhookSecret::parse)
            .collect::<Result<_, _>>()
            .ok()
            .filter(|all: &Vec<WebhookSecret>| !all.is_empty())
            .ok_or_else(|| {
                AppError::invalid_field(
                    "webhook_secret",
                    "A signing secret looks like whsec_ followed by base64 text.",
                )
            })?;
        let joined = Secret::new(
            parsed
                .iter()
                .map(|s| s.as_secret().expose().to_owned())
                .collect::<Vec<_>>()
                .join(" "),
        );
        let (env, key_id) = (profile.environment, profile.id.clone());
        let state = blocking(move || {
            vault::store(env, &key_id, SecretKind::WebhookSecret, &joined)?;
            Ok(vault::state(env, &key_id, SecretKind::WebhookSecret))
        })
        .await;
        self.audit_result(
            Some(&profile),
            "profile.webhook_secret.store",
            &profile.name,
            &state,
        );
        state
    }

    // ---- Talking to the API ------------------------------------------------------------------

    /// The client for a profile, built once and reused (one connection pool per profile).
    pub async fn client_for(&self, profile: &Profile) -> Result<Client, AppError> {
        if let Some(client) = self.clients.lock().get(&profile.id) {
            return Ok(client.clone());
        }
        let client = self
            .build_client(profile, RetryPolicy::default(), Duration::from_secs(20))
            .await?;
        self.clients
            .lock()
            .insert(profile.id.clone(), client.clone());
        // Callbacks for this merchant are now ours to follow up with this client.
        self.callback_targets.lock().insert(
            profile.merchant_id.clone(),
            (profile.id.clone(), client.clone()),
        );
        Ok(client)
    }

    /// The active profile's client.
    pub async fn active_client(&self) -> Result<(Profile, Client), AppError> {
        let profile = self.profiles.active()?;
        let client = self.client_for(&profile).await?;
        Ok((profile, client))
    }

    async fn build_client(
        &self,
        profile: &Profile,
        retry: RetryPolicy,
        timeout: Duration,
    ) -> Result<Client, AppError> {
        let (base_url, key) = if profile.is_builtin() {
            let guard = self.playground.lock().await;
            let playground = guard.as_ref().ok_or_else(|| AppError::Offline {
                message: "The local playground is restarting; try again in a moment.".to_owned(),
            })?;
            (playground.base_url(), playground.api_key().clone())
        } else {
            let (env, id) = (profile.environment, profile.id.clone());
            let key = blocking(move || vault::read(env, &id, SecretKind::ApiKey)).await?;
            let key = key.ok_or_else(|| AppError::Unauthorized {
                message: format!(
                    "No API key is stored for “{}”. Add it in Settings.",
                    profile.name
                ),
            })?;
            (profile.base_url.clone(), key)
        };
        let config = ClientConfig::new(&base_url, Credentials::ApiKey(key))?
            .merchant_id(profile.merchant_id.clone())
            .timeouts(Duration::from_secs(5), timeout)
            .retry(retry);
        Ok(Client::new(config)?)
    }

    fn forget_client(&self, id: &str) {
        self.clients.lock().remove(id);
    }

    /// Calls the API (locations) with the stored key and reports what it found, or exactly why not.
    pub async fn test_connection(&self, id: &str) -> Result<ConnectionReport, AppError> {
        let profile = self.profiles.get(id)?;
        // No retries and a short timeout: the user is waiting for a verdict.
        let client = self
            .build_client(&profile, RetryPolicy::none(), Duration::from_secs(10))
            .await?;
        let started = Instant::now();
        let result = client.list_locations(PageRequest::new(0, 100)).await;
        let latency = started.elapsed();
        let report = result.map_err(AppError::from).map(|page| ConnectionReport {
            profile_name: profile.name.clone(),
            merchant_id: profile.merchant_id.clone(),
            base_url: client
                .config()
                .base_url
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            location_count: page.total_elements.max(0) as u32,
            latency_ms: latency.as_millis().min(u128::from(u32::MAX)) as u32,
        });
        self.audit_result(Some(&profile), "connection.test", &profile.name, &report);
        report
    }

    // ---- The local playground ----------------------------------------------------------------

    /// Forgets every change made in the local playground and starts over with fresh demo data.
    pub async fn reset_playground(&self) -> Result<(), AppError> {
        let mut guard = self.playground.lock().await;
        let current = guard.take();
        let callback = self.callback_url.lock().clone();
        let fresh = match current {
            Some(playground) => playground.reset(callback).await,
            None => LocalPlayground::start(&self.playground_dir, callback).await,
        };
        self.forget_client(crate::profile::LOCAL_PLAYGROUND_ID);
        let outcome = fresh.map(|playground| {
            *guard = Some(playground);
        });
        drop(guard);
        self.refresh_receiver_secrets().await;
        if let Ok(local) = self.profiles.get(crate::profile::LOCAL_PLAYGROUND_ID) {
            let _ = self.client_for(&local).await;
        }
        let profile = self.profiles.get(crate::profile::LOCAL_PLAYGROUND_ID).ok();
        self.audit_result(
            profile.as_ref(),
            "playground.reset",
            "Local playground",
            &outcome,
        );
        outcome
    }

    /// Saves the playground and stops it (on app exit).
    pub async fn shutdown(&self) {
        if let Some(playground) = self.playground.lock().await.take() {
            if let Err(err) = playground.stop().await {
                tracing::warn!(%err, "could not save the playground on exit");
            }
        }
    }

    pub(crate) fn audit_result<T>(
        &self,
        profile: Option<&Profile>,
        action: &str,
        target: &str,
        result: &Result<T, AppError>,
    ) {
        let outcome = result.as_ref().map(|_| ());
        if let Err(err) = self.audit.record(profile, action, target, outcome, None) {
            tracing::warn!(%err, action, "could not write the audit log");
        }
    }
}

/// Runs keychain work on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|err| AppError::internal(format!("a background task failed: {err}")))?
}
