//! The local playground: `ipp-sim` running in-process on a random loopback port, seeded with demo
//! data on first start, its state saved in the app-data dir so it survives restarts.
//!
//! Its API key and webhook secret are made fresh each run and live only in memory: they protect a
//! loopback server that lives exactly as long as the app, so there is nothing worth keeping in the
//! keychain and nothing is ever written to disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use ipp_sim::{MerchantConfig, Mode, Running, SeedSpec, SimConfig, SimState};
use kustom_ipp::{Secret, WebhookSecret};
use parking_lot::Mutex;

use crate::AppError;
use crate::storage::storage;

/// The demo merchant of the local playground.
pub const MERCHANT_ID: &str = "DM20260001";

/// How often the simulator's state is saved (when it changed) while the app runs.
const SAVE_EVERY: Duration = Duration::from_secs(3);
/// Ended codes and finished payments the playground keeps; older ones are forgotten, so a
/// playground used for months stays small.
const KEEP_ENDED_CODES: usize = 2_000;
const KEEP_FINISHED_SESSIONS: usize = 2_000;

pub struct LocalPlayground {
    running: Running,
    api_key: Secret,
    webhook_secret: WebhookSecret,
    state_file: PathBuf,
    /// The state's revision last written to disk.
    last_saved: Arc<Mutex<Option<u64>>>,
    saver: tokio::task::JoinHandle<()>,
    /// Whether the simulator answers with only what Kustom's docs promise (a debug build's
    /// `--playground-docs-minimal`: the end-to-end suite's docs-minimal run).
    docs_minimal: bool,
}

impl LocalPlayground {
    /// Starts the simulator, restoring the saved state from `dir` if there is one; `docs_minimal`
    /// starts it in its docs-minimal mode.
    pub async fn start(
        dir: &Path,
        callback_url: Option<String>,
        docs_minimal: bool,
    ) -> Result<Self, AppError> {
        crate::storage::private_files::create_private_dir(dir)
            .map_err(|err| storage("create the playground folder", err))?;
        let state_file = dir.join("state.json");
        let restore = match std::fs::read(&state_file) {
            Ok(bytes) => match serde_json::from_slice::<SimState>(&bytes) {
                Ok(state) => Some(state),
                Err(err) => {
                    // A damaged file must not stop the app: keep it aside and start fresh.
                    tracing::warn!(%err, "playground state unreadable; starting with fresh demo data");
                    let _ = std::fs::rename(&state_file, dir.join("state.damaged.json"));
                    None
                }
            },
            Err(_) => None,
        };
        let random: [u8; 24] = rand::random();
        let api_key = Secret::new(format!(
            "kco_test_api_{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
        ));
        let webhook_secret = WebhookSecret::generate();
        let merchant = MerchantConfig::new(MERCHANT_ID, Mode::Playground)
            .api_key(api_key.expose())
            .seed(SeedSpec::default());
        let mut config = SimConfig::new(Mode::Playground)
            .merchants(vec![merchant])
            .webhook_secret(webhook_secret.clone())
            .docs_minimal(docs_minimal);
        if let Some(url) = callback_url {
            config = config.callback_url(url);
        }
        if let Some(state) = restore {
            config = config.restore(state);
        }
        let running = ipp_sim::start(config).await.map_err(|err| {
            AppError::internal(format!("The local playground could not start: {err}"))
        })?;
        let last_saved = Arc::new(Mutex::new(None));
        let saver = tokio::spawn(save_periodically(
            running.state_handle(),
            state_file.clone(),
            last_saved.clone(),
        ));
        let playground = Self {
            running,
            api_key,
            webhook_secret,
            state_file,
            last_saved,
            saver,
            docs_minimal,
        };
        playground.save()?;
        Ok(playground)
    }

    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    pub fn api_key(&self) -> &Secret {
        &self.api_key
    }

    pub fn webhook_secret(&self) -> &WebhookSecret {
        &self.webhook_secret
    }

    pub fn simulator(&self) -> &Running {
        &self.running
    }

    /// Writes the state now (if it changed since the last save).
    pub fn save(&self) -> Result<(), AppError> {
        save_if_changed(
            &self.running.state_handle(),
            &self.state_file,
            &self.last_saved,
        )
    }

    /// Saves and stops the simulator.
    pub async fn stop(self) -> Result<(), AppError> {
        self.saver.abort();
        let saved = self.save();
        self.running.shutdown().await;
        saved
    }

    /// Stops, forgets all playground data, and starts again with fresh demo data.
    pub async fn reset(self, callback_url: Option<String>) -> Result<Self, AppError> {
        let dir = self
            .state_file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        self.saver.abort();
        self.running.shutdown().await;
        match std::fs::remove_file(dir.join("state.json")) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(storage("remove the playground data", err)),
        }
        Self::start(&dir, callback_url, self.docs_minimal).await
    }
}

async fn save_periodically(
    state: Arc<Mutex<SimState>>,
    file: PathBuf,
    last_saved: Arc<Mutex<Option<u64>>>,
) {
    let mut tick = tokio::time::interval(SAVE_EVERY);
    loop {
        tick.tick().await;
        let (state, file, last_saved) = (state.clone(), file.clone(), last_saved.clone());
        // Serializing and writing are blocking work: off the async workers.
        let saved = tokio::task::spawn_blocking(move || {
            let forgotten = state.lock().prune(KEEP_ENDED_CODES, KEEP_FINISHED_SESSIONS);
            if forgotten > 0 {
                tracing::debug!(forgotten, "the playground forgot old codes and payments");
            }
            save_if_changed(&state, &file, &last_saved)
        })
        .await;
        match saved {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(%err, "could not save the playground state"),
            Err(err) => tracing::warn!(%err, "the playground saver stopped"),
        }
    }
}

/// Writes the state atomically and privately (temp file + rename) when its revision moved since
/// the last save: nothing is copied or encoded while nothing changes, and the state is encoded
/// in place under its lock, not cloned first.
fn save_if_changed(
    state: &Mutex<SimState>,
    file: &Path,
    last_saved: &Mutex<Option<u64>>,
) -> Result<(), AppError> {
    let mut last = last_saved.lock();
    let bytes = {
        let state = state.lock();
        if *last == Some(state.revision) {
            return Ok(());
        }
        let revision = state.revision;
        let bytes = serde_json::to_vec(&*state)
            .map_err(|err| storage("encode the playground state", err))?;
        (revision, bytes)
    };
    crate::storage::private_files::write_atomically(file, &bytes.1)
        .map_err(|err| storage("save the playground state", err))?;
    *last = Some(bytes.0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use kustom_ipp::{Client, ClientConfig, Credentials, DeviceQuery, PageRequest, UpdateDevice};

    use super::*;

    fn client(playground: &LocalPlayground) -> Client {
        let config = ClientConfig::new(
            &playground.base_url(),
            Credentials::ApiKey(playground.api_key().clone()),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .merchant_id(MERCHANT_ID);
        Client::new(config).unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn demo_data_persists_across_restarts_and_reset_starts_over() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let first = LocalPlayground::start(dir.path(), None, false)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let api = client(&first);
        let devices = api
            .list_devices(&DeviceQuery::default(), PageRequest::new(0, 100))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(devices.total_elements, 40);
        let locations = api
            .list_locations(PageRequest::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(locations.total_elements >= 3);
        let device = &devices.content[0];
        let mut rename = UpdateDevice::from_device(device);
        rename.name = "Renamed before restart".into();
        api.update_device(&device.id, &rename)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        first.stop().await.unwrap_or_else(|e| panic!("{e}"));

        let second = LocalPlayground::start(dir.path(), None, false)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let again = client(&second)
            .get_device(&device.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.name, "Renamed before restart");

        let fresh = second.reset(None).await.unwrap_or_else(|e| panic!("{e}"));
        let after_reset = client(&fresh)
            .get_device(&device.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(
            after_reset.name, "Renamed before restart",
            "reset restores the demo data"
        );
        fresh.stop().await.unwrap_or_else(|e| panic!("{e}"));
    }

    /// The untrusted-page issue, item 7: the saver neither copies nor writes the state while
    /// nothing changes, and writes it once something did.
    #[tokio::test]
    async fn the_state_is_written_only_when_it_changed() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let playground = LocalPlayground::start(dir.path(), None, false)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("state.json");
        let written = || std::fs::metadata(&file).and_then(|m| m.modified()).ok();
        let first = written();
        tokio::time::sleep(SAVE_EVERY + Duration::from_millis(700)).await;
        assert_eq!(written(), first, "rewritten with nothing changed");
        let api = client(&playground);
        let device = api
            .list_devices(&DeviceQuery::default(), PageRequest::new(0, 1))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .content
            .remove(0);
        let mut rename = UpdateDevice::from_device(&device);
        rename.name = "Renamed, to be saved".into();
        api.update_device(&device.id, &rename)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tokio::time::sleep(SAVE_EVERY + Duration::from_millis(700)).await;
        let saved = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(saved.contains("Renamed, to be saved"));
        playground.stop().await.unwrap_or_else(|e| panic!("{e}"));
    }

    #[tokio::test]
    async fn a_damaged_state_file_is_set_aside() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("state.json"), b"{not json")
            .unwrap_or_else(|e| panic!("{e}"));
        let playground = LocalPlayground::start(dir.path(), None, false)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(dir.path().join("state.damaged.json").exists());
        playground.stop().await.unwrap_or_else(|e| panic!("{e}"));
    }
}
