//! [`Desk`]: everything the app does, behind one handle the Tauri commands call.
//!
//! It owns the local database, the embedded local playground and a client per profile, and it is
//! the only place that reads secrets from the keychain. Its methods are `async`, and everything
//! blocking they do — the database, the keychain — runs on the blocking pool ([`blocking`]), so an
//! async worker never waits on SQLite or D-Bus.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kustom_ipp::{
    CallbackEvent, Client, ClientConfig, Credentials, Location, PageRequest, PagingOptions,
    RetryPolicy, Secret, WebhookSecret, fetch_all,
};
use parking_lot::Mutex;
use serde::Serialize;
use specta::Type;

use crate::AppError;
use crate::audit::AuditLog;
use crate::fleet_cache::FleetCache;
use crate::key_check::check_api_key;
use crate::playground::{self, LocalPlayground};
use crate::profile::{self, ActiveProfileSummary, Profile, ProfileInput, ProfileView, Profiles};
use crate::rollout::Rollouts;
use crate::sessions::SessionStore;
use crate::sessions::receiver::{DeliveryReport, Receiver, Secrets};
use crate::sessions::watcher::SessionWatcher;
use crate::store::{DamagedDatabase, Store};
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

/// The result of saving a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct SavedProfile {
    pub profile: Profile,
    /// The profile now talks to another host, so its stored API key was removed: a key is only
    /// ever sent to the host it was entered for. The user enters it again.
    pub key_removed: bool,
}

mod enrollments;
mod fleet;
mod palette;
mod plans;
mod sessions;

pub use enrollments::{EnrollmentPage, EnrollmentView, PairingDetails, RolloutDraft};
pub use fleet::{
    BulkPlan, DeviceRow, DeviceSelection, FleetOverview, FleetPage, LocationCount, SavedView,
};
pub use palette::PaletteResults;
pub use sessions::{ReceiverInfo, SessionDetail, SessionSettings, SessionView};

/// The locations of one profile, fetched once and kept until the fleet is refreshed.
type LocationMap = Arc<HashMap<String, Location>>;

pub struct Desk {
    store: Store,
    profiles: Profiles,
    audit: AuditLog,
    rollouts: Rollouts,
    fleet_cache: FleetCache,
    fleet: Mutex<Option<fleet::FleetState>>,
    locations: Mutex<HashMap<String, LocationMap>>,
    plans: enrollments::Plans,
    watcher: SessionWatcher,
    receiver: Option<Receiver>,
    /// Why callbacks cannot be received (the port is taken), if they cannot.
    receiver_problem: Option<String>,
    receiver_secrets: Secrets,
    /// Which profile and client a callback is for, by merchant id.
    callback_targets: Arc<Mutex<HashMap<String, (String, Client)>>>,
    playground_dir: PathBuf,
    playground: tokio::sync::Mutex<Option<LocalPlayground>>,
    clients: Mutex<HashMap<String, Client>>,
    keychain_problem: Option<AppError>,
    damaged_database: Option<DamagedDatabase>,
    /// Pairing codes seen in this run, for the command palette.
    recent_codes: palette::RecentCodes,
}

/// The setting that holds the language choice.
const LANGUAGE_SETTING: &str = "language";

impl Desk {
    /// Opens the database in `data_dir`, makes sure the local playground profile exists and starts
    /// the embedded simulator. `keychain` is the outcome of installing the OS credential store.
    pub async fn open(data_dir: &Path, keychain: Result<(), AppError>) -> Result<Self, AppError> {
        crate::private_files::create_private_dir(data_dir)
            .map_err(|err| crate::store::storage("create the data folder", err))?;
        let path = data_dir.join("fleetdesk.sqlite3");
        let (store, damaged_database) = blocking(move || Store::open(&path)).await?;
        let profiles = Profiles::new(store.clone());
        {
            let profiles = profiles.clone();
            blocking(move || profiles.ensure_local_playground(playground::MERCHANT_ID)).await?;
        }
        let playground_dir = data_dir.join("playground");
        if let Err(err) = &keychain {
            tracing::warn!(%err, "OS keychain unavailable");
        }

        // Callbacks: the receiver verifies and queues them; a task merges them into the watcher.
        let session_store = SessionStore::new(store.clone());
        let watcher = SessionWatcher::start(session_store.clone(), 25.0);
        let receiver_secrets = Secrets::default();
        let (events, mut incoming) = tokio::sync::mpsc::unbounded_channel::<CallbackEvent>();
        let port = {
            let store = store.clone();
            blocking(move || store.setting("receiver_port")).await?
        }
        .and_then(|p| p.parse().ok())
        .unwrap_or(sessions::DEFAULT_RECEIVER_PORT);
        let (receiver, receiver_problem) =
            match Receiver::start(port, receiver_secrets.clone(), session_store, events).await {
                Ok(receiver) => (Some(receiver), None),
                Err(err) => {
                    tracing::warn!(%err, "the callback receiver could not start");
                    (
                        None,
                        Some(format!(
                            "Callbacks cannot be received: {err}. Another program (or another \
                             Fleetdesk user on this computer) uses it; choose another port in \
                             Settings and restart. Sessions are still followed by polling."
                        )),
                    )
                }
            };
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
                    // The receiver has answered 200, so Kustom will not send this again: if it
                    // cannot be applied now (the API is briefly unreachable), try again later.
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
            });
        }
        // History stays bounded: prune at start and every ten minutes.
        {
            let store = store.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(600));
                loop {
                    every.tick().await;
                    let store = store.clone();
                    match blocking(move || crate::retention::prune(&store)).await {
                        Ok(pruned) if pruned != crate::retention::Pruned::default() => {
                            tracing::info!(?pruned, "pruned old history")
                        }
                        Ok(_) => {}
                        Err(err) => tracing::warn!(%err, "could not prune old history"),
                    }
                }
            });
        }
        let callback_url = receiver.as_ref().map(Receiver::url);
        let playground = LocalPlayground::start(&playground_dir, callback_url).await?;

        let desk = Self {
            audit: AuditLog::new(store.clone()),
            rollouts: Rollouts::new(store.clone()),
            fleet_cache: FleetCache::new(store.clone()),
            fleet: Mutex::new(None),
            locations: Mutex::new(HashMap::new()),
            plans: enrollments::Plans::default(),
            store,
            profiles,
            playground_dir,
            playground: tokio::sync::Mutex::new(Some(playground)),
            clients: Mutex::new(HashMap::new()),
            keychain_problem: keychain.err(),
            damaged_database,
            recent_codes: palette::RecentCodes::default(),
            watcher,
            receiver,
            receiver_problem,
            receiver_secrets,
            callback_targets,
        };
        desk.refresh_receiver_secrets().await;
        {
            let rollouts = desk.rollouts.clone();
            if let Err(err) = blocking(move || rollouts.purge_spent_codes()).await {
                tracing::warn!(%err, "could not purge spent pairing codes");
            }
        }
        // The local playground's callbacks are ours from the start.
        let local = desk.profile(crate::profile::LOCAL_PLAYGROUND_ID).await?;
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
        if let Ok(profile) = self.active_profile().await {
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

    /// The database found damaged at start and set aside, if that happened.
    pub fn damaged_database(&self) -> Option<&DamagedDatabase> {
        self.damaged_database.as_ref()
    }

    /// Why callbacks cannot be received, if they cannot.
    pub fn receiver_problem(&self) -> Option<&str> {
        self.receiver_problem.as_deref()
    }

    /// A setting, read on the blocking pool.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, AppError> {
        let (store, key) = (self.store.clone(), key.to_owned());
        blocking(move || store.setting(&key)).await
    }

    /// Writes a setting on the blocking pool.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), AppError> {
        let (store, key, value) = (self.store.clone(), key.to_owned(), value.to_owned());
        blocking(move || store.set_setting(&key, &value)).await
    }

    /// The language and the date formats in force: the choice in Settings against the OS's.
    pub async fn locale(&self) -> Result<crate::locale::LocaleInfo, AppError> {
        let choice = crate::locale::LanguageChoice::from_setting(
            self.setting(LANGUAGE_SETTING).await?.as_deref(),
        );
        Ok(crate::locale::resolve(
            choice,
            crate::locale::os_locale().as_deref(),
        ))
    }

    /// Saves the language choice and says what it resolves to.
    pub async fn set_language(
        &self,
        choice: crate::locale::LanguageChoice,
    ) -> Result<crate::locale::LocaleInfo, AppError> {
        self.set_setting(LANGUAGE_SETTING, choice.as_setting())
            .await?;
        self.locale().await
    }

    // ---- Profiles ----------------------------------------------------------------------------

    pub(crate) async fn profile(&self, id: &str) -> Result<Profile, AppError> {
        let (profiles, id) = (self.profiles.clone(), id.to_owned());
        blocking(move || profiles.get(&id)).await
    }

    pub async fn active_profile(&self) -> Result<Profile, AppError> {
        let profiles = self.profiles.clone();
        blocking(move || profiles.active()).await
    }

    pub async fn active_summary(&self) -> Result<ActiveProfileSummary, AppError> {
        Ok(ActiveProfileSummary::from(&self.active_profile().await?))
    }

    /// Every profile with the state of its secrets (never the secrets).
    pub async fn profile_views(&self) -> Result<Vec<ProfileView>, AppError> {
        let profiles = self.profiles.clone();
        let (list, active) =
            blocking(move || Ok((profiles.list()?, profiles.active()?.id))).await?;
        let mut views = Vec::with_capacity(list.len());
        for profile in list {
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
                custom_host: profile.has_custom_host(),
                api_key,
                webhook_secret,
                profile,
            });
        }
        Ok(views)
    }

    pub async fn create_profile(&self, input: &ProfileInput) -> Result<Profile, AppError> {
        let (profiles, owned) = (self.profiles.clone(), input.clone());
        let result = blocking(move || profiles.create(&owned)).await;
        self.audit_result(None, "profile.create", input.name.trim(), &result)
            .await;
        result
    }

    /// Saves a profile's edits. Keys are bound to the host they were entered for: when the
    /// origin (scheme, host, port) changes, the stored API key is deleted, not carried along.
    pub async fn update_profile(
        &self,
        id: &str,
        input: &ProfileInput,
    ) -> Result<SavedProfile, AppError> {
        let before = self.profile(id).await?;
        let updated = {
            let (profiles, id, input) = (self.profiles.clone(), id.to_owned(), input.clone());
            blocking(move || profiles.update(&id, &input)).await?
        };
        // Whatever happens next, no client for the old host is used again.
        self.forget_client(id);
        let mut key_removed = false;
        if !before.is_builtin() {
            let moved_host =
                profile::origin(&before.base_url) != profile::origin(&updated.base_url);
            let (from, to, key_id) = (before.environment, updated.environment, id.to_owned());
            key_removed = blocking(move || {
                let mut removed = false;
                if moved_host && vault::read(from, &key_id, SecretKind::ApiKey)?.is_some() {
                    vault::delete(from, &key_id, SecretKind::ApiKey)?;
                    removed = true;
                }
                // Secrets are filed under the environment; move what is left if it changed.
                if from != to {
                    for kind in [SecretKind::ApiKey, SecretKind::WebhookSecret] {
                        if let Some(secret) = vault::read(from, &key_id, kind)? {
                            vault::store(to, &key_id, kind, &secret)?;
                            vault::delete(from, &key_id, kind)?;
                        }
                    }
                }
                Ok(removed)
            })
            .await?;
        }
        self.audit_result(
            Some(&updated),
            if key_removed {
                "profile.update.key_removed"
            } else {
                "profile.update"
            },
            &updated.name,
            &Ok::<(), AppError>(()),
        )
        .await;
        Ok(SavedProfile {
            profile: updated,
            key_removed,
        })
    }

    /// A copy of a profile, with copies of its secrets (copied inside Rust, keychain to keychain).
    pub async fn duplicate_profile(&self, id: &str) -> Result<Profile, AppError> {
        let source = self.profile(id).await?;
        if source.is_builtin() {
            return Err(AppError::Conflict {
                message: "The local playground is built in; add a new profile instead.".to_owned(),
            });
        }
        let copy = {
            let (profiles, source) = (self.profiles.clone(), source.clone());
            blocking(move || {
                profiles.create(&ProfileInput {
                    name: profiles.copy_name(&source.name)?,
                    environment: source.environment,
                    custom_host: source.has_custom_host(),
                    base_url: Some(source.base_url.clone()),
                    merchant_id: source.merchant_id.clone(),
                })
            })
            .await?
        };
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
        )
        .await;
        Ok(copy)
    }

    /// Deletes a profile and its keychain entries. On production, `confirmation` must be the
    /// profile's name.
    pub async fn delete_profile(
        &self,
        id: &str,
        confirmation: Option<&str>,
    ) -> Result<(), AppError> {
        let profile = self.profile(id).await?;
        if profile.is_builtin() {
            return Err(AppError::Conflict {
                message:
                    "The local playground is built in and cannot be deleted; reset it instead."
                        .to_owned(),
            });
        }
        crate::confirmation::require(&profile, &profile.name, confirmation)?;
        let (env, key_id) = (profile.environment, profile.id.clone());
        blocking(move || {
            vault::delete(env, &key_id, SecretKind::ApiKey)?;
            vault::delete(env, &key_id, SecretKind::WebhookSecret)
        })
        .await?;
        {
            let (profiles, id) = (self.profiles.clone(), id.to_owned());
            blocking(move || profiles.delete(&id)).await?;
        }
        self.forget_fleet(id).await?;
        self.forget_client(id);
        self.locations.lock().remove(id);
        self.audit_result(
            Some(&profile),
            "profile.delete",
            &profile.name,
            &Ok::<(), AppError>(()),
        )
        .await;
        Ok(())
    }

    pub async fn switch_profile(&self, id: &str) -> Result<ActiveProfileSummary, AppError> {
        let profile = {
            let (profiles, id) = (self.profiles.clone(), id.to_owned());
            blocking(move || profiles.set_active(&id)).await?
        };
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
        let profile = self.profile(id).await?;
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
        )
        .await;
        Ok(StoreKeyOutcome::Stored { state: state? })
    }

    /// Stores the webhook signing secret (`whsec_…`) for a profile.
    pub async fn store_webhook_secret(&self, id: &str, secret: &str) -> Result<KeyState, AppError> {
        let profile = self.profile(id).await?;
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
        )
        .await;
        self.refresh_receiver_secrets().await;
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
        let profile = self.active_profile().await?;
        let client = self.client_for(&profile).await?;
        Ok((profile, client))
    }

    /// A profile's client, by id (a batch or a plan remembers the profile it was made for).
    pub(crate) async fn client_of(&self, profile_id: &str) -> Result<(Profile, Client), AppError> {
        let profile = self.profile(profile_id).await?;
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
        if let Some(client) = self.clients.lock().remove(id) {
            let base = client.config().base_url.clone();
            // Callbacks are not followed up through a client for a host the profile left.
            self.callback_targets
                .lock()
                .retain(|_, (_, c)| c.config().base_url != base);
        }
    }

    /// Calls the API (locations) with the stored key and reports what it found, or exactly why not.
    pub async fn test_connection(&self, id: &str) -> Result<ConnectionReport, AppError> {
        let profile = self.profile(id).await?;
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
            location_count: page.total_elements.max(0).min(i64::from(u32::MAX)) as u32,
            latency_ms: latency.as_millis().min(u128::from(u32::MAX)) as u32,
        });
        self.audit_result(Some(&profile), "connection.test", &profile.name, &report)
            .await;
        report
    }

    // ---- Locations ---------------------------------------------------------------------------

    /// A profile's locations by id: fetched once, then kept until [`Desk::refresh_locations`]
    /// (a fleet sync, the Locations view) — every session row and table window reads them.
    pub(crate) async fn locations_of(&self, profile: &Profile) -> Result<LocationMap, AppError> {
        if let Some(cached) = self.locations.lock().get(&profile.id) {
            return Ok(cached.clone());
        }
        self.refresh_locations(profile).await
    }

    /// Fetches a profile's locations again.
    pub(crate) async fn refresh_locations(
        &self,
        profile: &Profile,
    ) -> Result<LocationMap, AppError> {
        let client = self.client_for(profile).await?;
        let all = fetch_all(
            |page| {
                let client = client.clone();
                async move { client.list_locations(page).await }
            },
            PagingOptions::default(),
            |_| {},
        )
        .await?;
        let map: LocationMap = Arc::new(all.into_iter().map(|l| (l.id.clone(), l)).collect());
        self.locations
            .lock()
            .insert(profile.id.clone(), map.clone());
        Ok(map)
    }

    /// The active profile's locations, fetched fresh, by name.
    pub async fn list_locations(&self) -> Result<Vec<Location>, AppError> {
        let profile = self.active_profile().await?;
        let map = self.refresh_locations(&profile).await?;
        let mut locations: Vec<Location> = map.values().cloned().collect();
        locations.sort_by(|a, b| crate::name_order::compare(&a.name, &b.name));
        Ok(locations)
    }

    // ---- The local playground ----------------------------------------------------------------

    /// Forgets every change made in the local playground and starts over with fresh demo data.
    pub async fn reset_playground(&self) -> Result<(), AppError> {
        let mut guard = self.playground.lock().await;
        let current = guard.take();
        let callback = self.receiver.as_ref().map(Receiver::url);
        let fresh = match current {
            Some(playground) => playground.reset(callback).await,
            None => LocalPlayground::start(&self.playground_dir, callback).await,
        };
        self.forget_client(crate::profile::LOCAL_PLAYGROUND_ID);
        self.locations
            .lock()
            .remove(crate::profile::LOCAL_PLAYGROUND_ID);
        let outcome = fresh.map(|playground| {
            *guard = Some(playground);
        });
        drop(guard);
        self.refresh_receiver_secrets().await;
        if let Ok(local) = self.profile(crate::profile::LOCAL_PLAYGROUND_ID).await {
            let _ = self.client_for(&local).await;
        }
        let profile = self.profile(crate::profile::LOCAL_PLAYGROUND_ID).await.ok();
        self.audit_result(
            profile.as_ref(),
            "playground.reset",
            "Local playground",
            &outcome,
        )
        .await;
        outcome
    }

    /// Stops taking callbacks, then saves the playground and stops it (on app exit).
    pub async fn shutdown(&self) {
        // First the callback port: the app gives up its single-instance claim as it starts to
        // exit, before this runs, so Fleetdesk started again at once (a store manager closing
        // and reopening it) must find the port free rather than "in use by another program".
        if let Some(receiver) = &self.receiver {
            receiver.stop();
        }
        if let Some(playground) = self.playground.lock().await.take() {
            if let Err(err) = playground.stop().await {
                tracing::warn!(%err, "could not save the playground on exit");
            }
        }
    }

    /// The callback receiver's counters and latest deliveries.
    pub fn deliveries(&self) -> Option<DeliveryReport> {
        self.receiver.as_ref().map(Receiver::report)
    }

    /// Records an action and how it went in the audit log (on the blocking pool).
    pub(crate) async fn audit_result<T>(
        &self,
        profile: Option<&Profile>,
        action: &str,
        target: &str,
        result: &Result<T, AppError>,
    ) {
        self.audit_detail(
            profile,
            action,
            target,
            result.as_ref().map(|_| ()).err(),
            None,
        )
        .await;
    }

    /// Like [`Desk::audit_result`], with a detail line.
    pub(crate) async fn audit_detail(
        &self,
        profile: Option<&Profile>,
        action: &str,
        target: &str,
        error: Option<&AppError>,
        detail: Option<&str>,
    ) {
        let audit = self.audit.clone();
        let profile = profile.cloned();
        let (action, target) = (action.to_owned(), target.to_owned());
        let error = error.cloned();
        let detail = detail.map(str::to_owned);
        let written = blocking(move || {
            audit.record(
                profile.as_ref(),
                &action,
                &target,
                error.as_ref().map_or(Ok(()), Err),
                detail.as_deref(),
            )
        })
        .await;
        if let Err(err) = written {
            tracing::warn!(%err, "could not write the audit log");
        }
    }
}

/// Runs blocking work — the database, the keychain — on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|err| AppError::internal(format!("a background task failed: {err}")))?
}
