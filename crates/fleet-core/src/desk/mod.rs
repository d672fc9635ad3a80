//! [`Desk`]: the services a front-end asks for, composed from the domain modules, behind one
//! handle.
//!
//! A front-end opens the desk in parts ([`DeskBuilder`]): the database and profiles always, and
//! on request the callback receiver, the session watcher, the history pruner and the embedded
//! local playground — the window asks for all of them ([`Services::WINDOW`]), the command line
//! for none. The desk is the only place that reads secrets from the keychain. Its methods are
//! `async`, and everything blocking they do — the database, the keychain — runs on the blocking
//! pool ([`blocking`]), so an async worker never waits on SQLite or D-Bus.
//!
//! The methods live beside the domain they serve: [`profiles`](self) and clients, locations,
//! settings, the fleet, enrollments, sessions, the playground, the palette.

mod activity;
mod callbacks;
mod clients;
mod enrollments;
mod fleet;
mod fleet_changes;
mod fleet_stream;
mod history;
mod job_runner;
mod jobs;
mod locations;
mod notices;
mod palette;
mod plan_files;
mod plans;
mod playground;
mod profiles;
mod sessions;
mod settings;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use kustom_ipp::Client;
use parking_lot::Mutex;

use crate::AppError;
use crate::audit::{AuditLog, Source};
use crate::enrollments::issued::IssuedCodes;
use crate::enrollments::rollout::Rollouts;
use crate::fleet::cache::FleetCache;
use crate::playground::LocalPlayground;
use crate::profiles::Profiles;
use crate::profiles::guard::{Confirmer, NobodyToAsk};
use crate::sessions::SessionStore;
use crate::sessions::receiver::{DeliveryReport, Receiver};
use crate::sessions::watcher::SessionWatcher;
use crate::storage::{DamagedDatabase, Store};

pub use clients::ConnectionReport;
pub use enrollments::{EnrollmentPage, EnrollmentView, PairedDevice, PairingDetails, RolloutDraft};
pub use fleet::{DeviceRow, DeviceSelection, FleetOverview, FleetPage, SavedView};
pub use fleet_stream::StreamDetail;
pub use job_runner::spawn_job_runner;
pub use jobs::{
    JobDevicesPage, JobMoved, JobPlan, JobTargets, JobView, MAX_JOB, Progress, Slowdown, StoreCount,
};
pub use notices::{Notice, payment_news};
pub use palette::PaletteResults;
pub use profiles::{SavedProfile, StoreKeyOutcome};
pub use sessions::{ReceiverInfo, SessionDetail, SessionSettings, SessionView};

pub use crate::fleet::locations::LocationCount;

/// Polls per second the session watcher may send, across every tracked session.
const WATCHER_BUDGET_PER_SECOND: f64 = 25.0;

/// How often old history is pruned while the desk runs.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// What runs besides the database and the profiles, which always do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Services {
    /// The local callback receiver on its configured loopback port (one per computer).
    pub receiver: bool,
    /// The session watcher's polling of tracked, unfinished sessions.
    pub watcher: bool,
    /// Pruning old history at start and every ten minutes.
    pub pruner: bool,
    /// The embedded local playground (one per data folder).
    pub playground: bool,
}

impl Services {
    /// Everything: what the desktop window runs.
    pub const WINDOW: Self = Self {
        receiver: true,
        watcher: true,
        pruner: true,
        playground: true,
    };

    /// Nothing but the database and profiles: what a short command-line run needs.
    pub const NONE: Self = Self {
        receiver: false,
        watcher: false,
        pruner: false,
        playground: false,
    };
}

/// Opens a [`Desk`] with the services a front-end chooses.
pub struct DeskBuilder {
    data_dir: PathBuf,
    keychain: Result<(), AppError>,
    services: Services,
    confirmer: Arc<dyn Confirmer>,
    docs_minimal_playground: bool,
    source: Source,
}

impl DeskBuilder {
    /// The outcome of installing the OS credential store (the keychain may be unavailable; the
    /// desk then opens and says so).
    pub fn keychain(mut self, installed: Result<(), AppError>) -> Self {
        self.keychain = installed;
        self
    }

    pub fn services(mut self, services: Services) -> Self {
        self.services = services;
        self
    }

    /// Who confirms a production change outside the page: the window's native dialog, the
    /// terminal. Without one, every production change is refused.
    pub fn confirmer(mut self, confirmer: Arc<dyn Confirmer>) -> Self {
        self.confirmer = confirmer;
        self
    }

    /// Who the activity log says did what this desk does: the window (default) or the command line.
    pub fn source(mut self, source: Source) -> Self {
        self.source = source;
        self
    }

    /// Runs the local playground's simulator in its docs-minimal mode: only what Kustom's docs
    /// promise, so every flow can be tried on that (debug builds and tests).
    pub fn docs_minimal_playground(mut self, on: bool) -> Self {
        self.docs_minimal_playground = on;
        self
    }

    /// Opens the database in the data folder, makes sure the local playground profile exists, and
    /// starts the services asked for.
    pub async fn open(self) -> Result<Desk, AppError> {
        let Self {
            data_dir,
            keychain,
            services,
            confirmer,
            docs_minimal_playground,
            source,
        } = self;
        crate::storage::private_files::create_private_dir(&data_dir)
            .map_err(|err| crate::storage::storage("create the data folder", err))?;
        let path = data_dir.join("fleetdesk.sqlite3");
        let (store, damaged_database) = blocking(move || Store::open(&path)).await?;
        let profiles = Profiles::new(store.clone());
        {
            let profiles = profiles.clone();
            blocking(move || profiles.ensure_local_playground(crate::playground::MERCHANT_ID))
                .await?;
        }
        if let Err(err) = &keychain {
            tracing::warn!(%err, "OS keychain unavailable");
        }
        let session_store = SessionStore::new(store.clone());
        let watcher = SessionWatcher::new(session_store.clone(), WATCHER_BUDGET_PER_SECOND);
        if services.watcher {
            watcher.start_polling();
        }
        let callbacks = callbacks::Callbacks::new(watcher.clone());
        let (receiver, receiver_problem) = if services.receiver {
            callbacks.start_receiver(&store, session_store).await?
        } else {
            (None, None)
        };
        if services.pruner {
            start_pruner(store.clone());
        }
        let playground_dir = data_dir.join("playground");
        let playground = if services.playground {
            let callback_url = receiver.as_ref().map(Receiver::url);
            Some(
                LocalPlayground::start(&playground_dir, callback_url, docs_minimal_playground)
                    .await?,
            )
        } else {
            None
        };

        let jobs_store = crate::jobs::Jobs::new(store.clone(), &data_dir.join("runners"))?;
        let desk = Desk {
            audit: AuditLog::new(store.clone()),
            rollouts: Rollouts::new(store.clone()),
            issued: IssuedCodes::new(store.clone()),
            fleet_cache: FleetCache::new(store.clone()),
            fleet: Mutex::new(None),
            syncs: Mutex::new(HashMap::new()),
            sync_edits: Mutex::new(HashMap::new()),
            locations: Mutex::new(HashMap::new()),
            plans: enrollments::Plans::default(),
            store,
            profiles,
            playground_dir,
            playground: tokio::sync::Mutex::new(playground),
            docs_minimal_playground,
            source,
            activity: Mutex::new(HashMap::new()),
            chain: Arc::new(Mutex::new(None)),
            budgets: Mutex::new(HashMap::new()),
            jobs: jobs_store,
            job_progress: Arc::new(Mutex::new(HashMap::new())),
            clients: Mutex::new(HashMap::new()),
            profile_locks: Mutex::new(HashMap::new()),
            confirmer,
            notices: tokio::sync::broadcast::channel(64).0,
            job_updates: tokio::sync::broadcast::channel(256).0,
            keychain_problem: keychain.err(),
            damaged_database,
            recent_codes: palette::RecentCodes::default(),
            watcher,
            receiver,
            receiver_problem,
            callbacks,
        };
        desk.refresh_receiver_secrets().await;
        if services.pruner {
            // A long-running front-end checks the activity log once it has started.
            desk.check_chain_later();
        }
        {
            let rollouts = desk.rollouts.clone();
            if let Err(err) = blocking(move || rollouts.purge_spent_codes()).await {
                tracing::warn!(%err, "could not purge spent pairing codes");
            }
        }
        if services.playground {
            // The local playground's callbacks are ours from the start.
            let local = desk.profile(crate::profiles::LOCAL_PLAYGROUND_ID).await?;
            desk.client_for(&local).await?;
        }
        Ok(desk)
    }
}

/// History stays bounded: pruned at start and every ten minutes.
fn start_pruner(store: Store) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRUNE_EVERY);
        loop {
            every.tick().await;
            let store = store.clone();
            match blocking(move || crate::storage::retention::prune(&store)).await {
                Ok(pruned) if pruned != crate::storage::retention::Pruned::default() => {
                    tracing::info!(?pruned, "pruned old history")
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(%err, "could not prune old history"),
            }
        }
    });
}

pub struct Desk {
    store: Store,
    profiles: Profiles,
    audit: AuditLog,
    rollouts: Rollouts,
    /// What is kept about the codes this computer made (their location, their device).
    issued: IssuedCodes,
    fleet_cache: FleetCache,
    fleet: Mutex<Option<fleet::FleetState>>,
    /// The fleet sync running for each profile, for a second request to join.
    syncs: Mutex<HashMap<String, tokio::sync::watch::Sender<fleet::SyncNews>>>,
    /// Edits made while a profile's sync runs, applied again on top of its result.
    sync_edits: Mutex<HashMap<String, Vec<crate::fleet::edits::Applied>>>,
    locations: Mutex<HashMap<String, locations::LocationMap>>,
    plans: enrollments::Plans,
    watcher: SessionWatcher,
    receiver: Option<Receiver>,
    /// Why callbacks cannot be received (the port is taken), if they cannot.
    receiver_problem: Option<String>,
    callbacks: callbacks::Callbacks,
    playground_dir: PathBuf,
    playground: tokio::sync::Mutex<Option<LocalPlayground>>,
    /// See [`DeskBuilder::docs_minimal_playground`].
    docs_minimal_playground: bool,
    /// Who the activity log says acts through this desk.
    source: Source,
    /// Each profile's known payments and changes per device, and when they were read.
    activity: Mutex<HashMap<String, history::ActivityCache>>,
    /// What the last check of the activity log's chain found (`None` until it has run).
    chain: Arc<Mutex<Option<crate::audit::ChainReport>>>,
    /// Each profile's request budget, shared by all its clients (jobs and the user's calls).
    budgets: Mutex<HashMap<String, kustom_ipp::RateBudget>>,
    /// Durable bulk jobs, run by this process as one runner of them.
    jobs: crate::jobs::Jobs,
    /// What each job this process runs is doing now (rate, what slows it).
    job_progress: Arc<Mutex<HashMap<String, job_runner::Pace>>>,
    clients: Mutex<HashMap<String, Client>>,
    /// One lock per profile, held while its settings, its key or its client change or a client
    /// is built from them: a client never pairs one moment's URL with another moment's key.
    profile_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    confirmer: Arc<dyn Confirmer>,
    /// What a front-end may pass on as a desktop notification (see [`Desk::notices`]).
    notices: tokio::sync::broadcast::Sender<Notice>,
    /// The id of a job that moved (devices settled, paused, finished): for a window to refresh.
    job_updates: tokio::sync::broadcast::Sender<jobs::JobMoved>,
    keychain_problem: Option<AppError>,
    damaged_database: Option<DamagedDatabase>,
    /// Pairing codes seen in this run, for the command palette.
    recent_codes: palette::RecentCodes,
}

impl Desk {
    /// A builder for a desk on `data_dir` with no services yet.
    pub fn builder(data_dir: &Path) -> DeskBuilder {
        DeskBuilder {
            data_dir: data_dir.to_path_buf(),
            keychain: Ok(()),
            services: Services::NONE,
            confirmer: Arc::new(NobodyToAsk),
            docs_minimal_playground: false,
            source: Source::App,
        }
    }

    /// Opens the desk as the window runs it: every service. `keychain` is the outcome of
    /// installing the OS credential store.
    pub async fn open(data_dir: &Path, keychain: Result<(), AppError>) -> Result<Self, AppError> {
        Self::builder(data_dir)
            .keychain(keychain)
            .services(Services::WINDOW)
            .open()
            .await
    }

    /// The live-session watcher (the Tauri layer forwards its updates to the UI).
    pub fn watcher(&self) -> &SessionWatcher {
        &self.watcher
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

    /// The callback receiver's counters and latest deliveries.
    pub fn deliveries(&self) -> Option<DeliveryReport> {
        self.receiver.as_ref().map(Receiver::report)
    }

    /// What is worth a desktop notification, as it happens.
    pub fn notices(&self) -> tokio::sync::broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }

    /// Announces codes that were seen waiting and are now paired.
    pub(crate) fn announce_paired(&self, paired: Vec<EnrollmentView>) {
        for view in paired {
            // Nobody listening (the command line, a test) is fine.
            let _ = self.notices.send(Notice::Paired {
                label: view.device_label,
                store: view.location_name.unwrap_or_default(),
            });
        }
    }

    /// The lock of one profile's settings, key and client (see `profile_locks`).
    pub(crate) async fn lock_profile(&self, id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = self
            .profile_locks
            .lock()
            .entry(id.to_owned())
            .or_default()
            .clone();
        lock.lock_owned().await
    }

    /// Asks for a production change to be confirmed outside the page; `Ok` at once when the
    /// profile is not production.
    pub(crate) async fn confirm_production(
        &self,
        profile: &crate::profiles::Profile,
        change: crate::profiles::guard::ProductionChange,
    ) -> Result<(), AppError> {
        crate::profiles::guard::require(self.confirmer.as_ref(), profile, change).await
    }

    /// Stops taking callbacks, then saves the playground and stops it (on app exit).
    pub async fn shutdown(&self) {
        // First the callback port: the app gives up its single-instance claim as it starts to
        // exit, before this runs, so Fleetdesk started again at once (a store manager closing
        // and reopening it) must find the port free rather than "in use by another program".
        if let Some(receiver) = &self.receiver {
            receiver.stop();
        }
        if let Some(playground) = self.playground.lock().await.take()
            && let Err(err) = playground.stop().await
        {
            tracing::warn!(%err, "could not save the playground on exit");
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
