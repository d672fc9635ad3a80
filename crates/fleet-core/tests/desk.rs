//! `Desk` end to end without a window: profiles with keys in a (mock) keychain, switching that
//! survives restarts, and "Test connection" against real simulators over loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use fleet_core::desk::Services;
use fleet_core::profiles::guard::{Confirmer, ProductionAction, ProductionChange};
use fleet_core::profiles::vault::{self, KeyState, SecretKind};
use fleet_core::profiles::{Environment, LOCAL_PLAYGROUND_ID, ProfileInput};
use fleet_core::{AppError, Desk, StoreKeyOutcome};
use ipp_sim::{MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use tokio::sync::Mutex;

/// The keychain store is process-global; tests that use it run one at a time.
static KEYCHAIN: Mutex<()> = Mutex::const_new(());

async fn mock_keychain() -> tokio::sync::MutexGuard<'static, ()> {
    let guard = KEYCHAIN.lock().await;
    let store = keyring_core::mock::Store::new().unwrap_or_else(|e| panic!("{e}"));
    keyring_core::set_default_store(store as Arc<keyring_core::CredentialStore>);
    guard
}

async fn open(dir: &std::path::Path) -> Desk {
    Desk::open(dir, Ok(()))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Stands in for the native dialog: answers as told, and records what it was asked.
#[derive(Default)]
struct Dialog {
    yes: AtomicBool,
    asked: parking_lot::Mutex<Vec<ProductionChange>>,
}

impl Confirmer for Dialog {
    fn confirm(&self, change: &ProductionChange) -> futures::future::BoxFuture<'static, bool> {
        self.asked.lock().push(change.clone());
        Box::pin(std::future::ready(self.yes.load(Ordering::SeqCst)))
    }
}

async fn open_with(dir: &std::path::Path, dialog: Arc<Dialog>) -> Desk {
    Desk::builder(dir)
        .services(Services::WINDOW)
        .confirmer(dialog)
        .open()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn production_sim() -> Running {
    let merchant = MerchantConfig::new("DM55500001", Mode::Production).seed(SeedSpec {
        locations: 4,
        ..SeedSpec::default()
    });
    ipp_sim::start(SimConfig::new(Mode::Production).merchants(vec![merchant]))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn input(name: &str, base_url: &str, merchant_id: &str) -> ProfileInput {
    ProfileInput {
        name: name.into(),
        environment: Environment::KustomProduction,
        custom_host: true,
        base_url: Some(base_url.into()),
        merchant_id: merchant_id.into(),
    }
}

/// A new profile with its key stored, made the active one.
async fn use_new_profile(
    desk: &Desk,
    profile: &ProfileInput,
    key: &str,
) -> fleet_core::profiles::Profile {
    let profile = desk
        .create_profile(profile)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.store_api_key(&profile.id, key, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.switch_profile(&profile.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    profile
}

#[tokio::test]
async fn first_start_is_the_local_playground_and_it_answers() {
    let _keychain = mock_keychain().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = open(dir.path()).await;
    let active = desk
        .active_summary()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (active.id.as_str(), active.environment),
        (LOCAL_PLAYGROUND_ID, Environment::LocalPlayground)
    );
    let report = desk
        .test_connection(LOCAL_PLAYGROUND_ID)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.location_count >= 3);
    let views = desk.profile_views().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].api_key, KeyState::Managed);
    desk.shutdown().await;
}

#[tokio::test]
async fn a_production_profile_tests_its_connection_and_reports_each_failure() {
    let _keychain = mock_keychain().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = open(dir.path()).await;
    let sim = production_sim().await;
    let key = sim.merchants()[0].api_key.clone();

    let profile = desk
        .create_profile(&input("Stores NO", &sim.base_url(), "DM55500001"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Without a key: a clear message, no request.
    let missing = desk.test_connection(&profile.id).await;
    assert!(
        matches!(&missing, Err(AppError::Unauthorized { message }) if message.contains("No API key")),
        "{missing:?}"
    );

    let stored = desk
        .store_api_key(&profile.id, &key, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        stored,
        StoreKeyOutcome::Stored {
            state: KeyState::Present {
                last4: key[key.len() - 4..].to_owned()
            }
        }
    );
    let report = desk
        .test_connection(&profile.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (report.location_count, report.merchant_id.as_str()),
        (5, "DM55500001"),
        "\"My Store\" and the four demo stores"
    );

    // A wrong key: the 401 message.
    desk.store_api_key(&profile.id, "kco_live_api_wrongwrongwrong", false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let wrong = desk.test_connection(&profile.id).await;
    assert!(
        matches!(&wrong, Err(AppError::Unauthorized { message }) if message.contains("401")),
        "{wrong:?}"
    );

    // The right key with the wrong merchant id.
    desk.store_api_key(&profile.id, &key, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.update_profile(
        &profile.id,
        &input("Stores NO", &sim.base_url(), "DM00000000"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // The key and the merchant id do not go together: wrong credentials, named as such.
    let wrong_mid = desk.test_connection(&profile.id).await;
    assert!(
        matches!(&wrong_mid, Err(AppError::Unauthorized { message }) if message.contains("merchant ID")),
        "{wrong_mid:?}"
    );

    // An unreachable host. Moving the profile to another host removes its key: a key goes only
    // to the host it was entered for, so it must be entered again.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("{e}"));
    let saved = desk
        .update_profile(
            &profile.id,
            &input("Stores NO", &format!("http://{closed}"), "DM55500001"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(saved.key_removed);
    assert_eq!(
        vault::state(
            Environment::KustomProduction,
            &profile.id,
            SecretKind::ApiKey
        ),
        KeyState::Missing,
        "no key is left behind for the new host"
    );
    assert!(matches!(
        desk.test_connection(&profile.id).await,
        Err(AppError::Unauthorized { message }) if message.contains("No API key")
    ));
    desk.store_api_key(&profile.id, &key, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let offline = desk.test_connection(&profile.id).await;
    assert!(
        matches!(offline, Err(AppError::Offline { .. })),
        "{offline:?}"
    );

    // TLS to something that does not speak it.
    let tls = format!("https://{}", sim.addr);
    desk.update_profile(&profile.id, &input("Stores NO", &tls, "DM55500001"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.store_api_key(&profile.id, &key, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let tls_error = desk.test_connection(&profile.id).await;
    assert!(
        matches!(&tls_error, Err(AppError::Offline { message }) if message.to_lowercase().contains("tls") || message.to_lowercase().contains("ssl")),
        "{tls_error:?}"
    );
    desk.shutdown().await;
}

#[tokio::test]
async fn keys_that_do_not_match_the_environment_need_confirmation() {
    let _keychain = mock_keychain().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = open(dir.path()).await;
    let profile = desk
        .create_profile(&input("Prod", "https://api.kustom.co", "DM1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let asked = desk
        .store_api_key(&profile.id, "kco_test_api_abcdefgh1234", false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(asked, StoreKeyOutcome::NeedsConfirmation { .. }));
    assert_eq!(
        vault::state(
            Environment::KustomProduction,
            &profile.id,
            SecretKind::ApiKey
        ),
        KeyState::Missing,
        "not stored before confirming"
    );
    let confirmed = desk
        .store_api_key(&profile.id, "kco_test_api_abcdefgh1234", true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(confirmed, StoreKeyOutcome::Stored { .. }));
    assert!(matches!(
        desk.store_api_key(&profile.id, "not a key", true).await,
        Err(AppError::Validation { .. })
    ));
    desk.shutdown().await;
}

#[tokio::test]
async fn duplicate_copies_secrets_delete_removes_them_and_the_active_profile_survives_restarts() {
    let _keychain = mock_keychain().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = open(dir.path()).await;
    let profile = desk
        .create_profile(&input("Stores SE", "https://api.kustom.co", "DM1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.store_api_key(&profile.id, "kco_live_api_original9876", false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.store_webhook_secret(&profile.id, "whsec_aXBwLXRlc3Qtc2lnbmluZy1rZXk=")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let copy = desk
        .duplicate_profile(&profile.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(copy.name, "Stores SE (copy)");
    assert_eq!(
        vault::state(Environment::KustomProduction, &copy.id, SecretKind::ApiKey),
        KeyState::Present {
            last4: "9876".into()
        }
    );

    desk.switch_profile(&copy.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.shutdown().await;
    drop(desk);
    let dialog = Arc::new(Dialog::default());
    let reopened = open_with(dir.path(), dialog.clone()).await;
    assert_eq!(
        reopened.active_summary().await.map(|a| a.id).ok(),
        Some(copy.id.clone()),
        "the active profile survives a restart"
    );

    // Production: deleting is confirmed outside the page (the dialog, here a stand-in); declined,
    // nothing is deleted.
    assert!(matches!(
        reopened.delete_profile(&profile.id).await,
        Err(AppError::ConfirmationRequired { .. })
    ));
    assert_eq!(
        vault::state(
            Environment::KustomProduction,
            &profile.id,
            SecretKind::ApiKey
        ),
        KeyState::Present {
            last4: "9876".into()
        }
    );
    dialog.yes.store(true, Ordering::SeqCst);
    reopened
        .delete_profile(&profile.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let asked = dialog.asked.lock().clone();
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[1].account, "Stores SE (DM1)");
    assert_eq!(
        asked[1].action,
        ProductionAction::DeleteProfile {
            name: "Stores SE".into()
        }
    );
    for kind in [SecretKind::ApiKey, SecretKind::WebhookSecret] {
        assert_eq!(
            vault::state(Environment::KustomProduction, &profile.id, kind),
            KeyState::Missing
        );
    }
    assert_eq!(
        vault::state(Environment::KustomProduction, &copy.id, SecretKind::ApiKey),
        KeyState::Present {
            last4: "9876".into()
        }
    );

    // No view ever carries a secret.
    let views = reopened
        .profile_views()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let json = serde_json::to_string(&views).unwrap_or_default();
    assert!(
        !json.contains("original9876".trim_end_matches("9876"))
            && !json.contains("kco_live_api_original")
    );
    let audit = reopened
        .audit()
        .recent(20)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        audit
            .iter()
            .any(|e| e.action == "profile.delete" && e.outcome == "ok")
    );
    reopened.shutdown().await;
}

#[tokio::test]
async fn without_a_keychain_secrets_are_refused_never_stored_elsewhere() {
    let _keychain = KEYCHAIN.lock().await;
    let previous = keyring_core::unset_default_store();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = open(dir.path()).await;
    let profile = desk
        .create_profile(&input("Prod", "https://api.kustom.co", "DM1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = desk
        .store_api_key(&profile.id, "kco_live_api_secretvalue1", false)
        .await;
    assert!(
        matches!(&refused, Err(AppError::KeychainUnavailable { message }) if message.contains("Secret Service")),
        "{refused:?}"
    );
    let views = desk.profile_views().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(views[1].api_key, KeyState::Unavailable { .. }));
    // Nothing in the data folder holds the key.
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("secretvalue1"),
            "{}",
            entry.display()
        );
    }
    desk.shutdown().await;
    if let Some(previous) = previous {
        keyring_core::set_default_store(previous);
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A damaged database file is set aside at start and the app opens on a fresh one, saying so; the
/// profiles' keys, in the keychain, are not touched.
#[tokio::test]
async fn a_damaged_database_is_set_aside_and_the_desk_opens() {
    let _keychain = mock_keychain().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("fleetdesk.sqlite3"),
        b"this is not a database, it is what a crash left behind",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let desk = Desk::open(dir.path(), Ok(()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let damaged = desk
        .damaged_database()
        .cloned()
        .unwrap_or_else(|| panic!("the damage was not reported"));
    assert!(std::path::Path::new(&damaged.moved_to).exists());
    assert_eq!(
        desk.active_profile().await.map(|p| p.id).ok().as_deref(),
        Some(fleet_core::profiles::LOCAL_PLAYGROUND_ID),
        "a fresh database, on the local playground"
    );
    desk.shutdown().await;
}

/// Closing Fleetdesk and starting it again at once: the closing app gives up its single-instance
/// claim before it shuts down, so for a moment both run on the same data. The new one must get
/// the callback port (not report it taken by "another program") while the old one is still
/// finishing.
#[tokio::test]
async fn a_start_right_after_closing_gets_the_callback_port() {
    let _keychain = mock_keychain().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|probe| probe.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let first = open(dir.path()).await;
    let settings = first
        .session_settings()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    first
        .set_session_settings(&fleet_core::desk::SessionSettings {
            receiver_port: port,
            ..settings
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    drop(first);

    let closing = open(dir.path()).await;
    assert_eq!(
        closing.receiver_problem(),
        None,
        "the port is free at first"
    );
    assert_eq!(
        closing.receiver_info().map(|info| info.port).ok(),
        Some(port)
    );
    closing.shutdown().await;
    // `closing` is still alive (its process has not exited yet); the port is given back anyway.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the closing desk still holds the callback port"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let reopened = open(dir.path()).await;
    assert_eq!(reopened.receiver_problem(), None);
    assert_eq!(
        reopened.receiver_info().map(|info| info.port).ok(),
        Some(port)
    );
    drop(closing);
}

/// A raw HTTP listener that answers 401 and records each request's head as it arrived (a host a
/// key must never reach).
fn recording_host() -> (String, Arc<parking_lot::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let base = format!(
        "http://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    let heads = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let recorded = heads.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                head.push_str(&line);
                line.clear();
            }
            recorded.lock().push(head);
            let body = r#"{"title":"Unauthorized","status":401}"#;
            let _ = write!(
                reader.get_mut(),
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (base, heads)
}

/// Makes the next keychain call on a production profile's API key fail as a locked keychain does.
fn lock_the_keychain_once(profile_id: &str) {
    let entry = keyring_core::Entry::new("Fleetdesk (Kustom production)", profile_id)
        .unwrap_or_else(|e| panic!("{e}"));
    let cred: &keyring_core::mock::Cred = entry
        .as_any()
        .downcast_ref()
        .unwrap_or_else(|| panic!("not a mock credential"));
    cred.set_error(keyring_core::Error::NoStorageAccess(Box::new(
        std::io::Error::other("the keychain is locked"),
    )));
}

/// The untrusted-page issue, items 1 and 2: whatever a page sends, a live key stays production's
/// and stays with the host it was entered for.
#[tokio::test]
async fn production_is_a_fact_and_a_key_never_follows_its_profile_to_another_host() {
    let _keychain = mock_keychain().await;
    let sim = production_sim().await;
    let key = sim.merchants()[0].api_key.clone();
    assert!(key.starts_with("kco_live_"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dialog = Arc::new(Dialog::default());
    let desk = open_with(dir.path(), dialog.clone()).await;
    let profile = use_new_profile(
        &desk,
        &input("Stores SE", &sim.base_url(), "DM55500001"),
        &key,
    )
    .await;
    let playground_at = |url: &str| ProfileInput {
        environment: Environment::KustomPlayground,
        ..input("Stores SE", url, "DM55500001")
    };

    // Relabelled as a playground at the same address: refused, the live key decides.
    let relabelled = desk
        .update_profile(&profile.id, &playground_at(&sim.base_url()))
        .await;
    assert!(
        matches!(&relabelled, Err(AppError::Validation { fields, .. }) if fields.contains_key("environment")),
        "{relabelled:?}"
    );
    // Production's own host cannot be labelled playground at all.
    let disguised = desk
        .update_profile(&profile.id, &playground_at("https://api.kustom.co"))
        .await;
    assert!(
        matches!(&disguised, Err(AppError::Validation { fields, .. }) if fields.contains_key("base_url")),
        "{disguised:?}"
    );
    let summary = desk
        .active_summary()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(summary.production && summary.badge == "PRODUCTION");
    // Still production: a destructive action asks outside the page, and a no changes nothing.
    let device = sim
        .inspect(|state| state.devices.first().cloned())
        .unwrap_or_else(|| panic!("a seeded device"));
    desk.sync_fleet(|_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = desk.deregister_device(&device.id).await;
    assert!(
        matches!(refused, Err(AppError::ConfirmationRequired { .. })),
        "{refused:?}"
    );
    assert!(sim.inspect(|state| state.devices.iter().any(|d| d.id == device.id)));
    assert_eq!(dialog.asked.lock().len(), 1);

    // The keychain is locked when the address changes: nothing changes (fail closed).
    let (elsewhere, heads) = recording_host();
    let moved = input("Stores SE", &elsewhere, "DM55500001");
    lock_the_keychain_once(&profile.id);
    assert!(desk.update_profile(&profile.id, &moved).await.is_err());
    let kept = desk
        .profile_views()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|v| v.profile.id == profile.id)
        .unwrap_or_else(|| panic!("the profile"));
    assert_eq!(kept.profile.base_url, sim.base_url());
    assert!(matches!(kept.api_key, KeyState::Present { .. }));

    // Were the address ever written without the key being deleted (the race the lock prevents),
    // the key would still not go there: it is bound to the address it was entered for.
    let set_url = |url: String| {
        let id = profile.id.clone();
        desk.store()
            .with(move |conn| {
                conn.execute(
                    "UPDATE profiles SET base_url = ?1 WHERE id = ?2",
                    [url.as_str(), id.as_str()],
                )
            })
            .unwrap_or_else(|e| panic!("{e}"));
    };
    set_url(elsewhere.clone());
    let bound = desk.test_connection(&profile.id).await;
    assert!(
        matches!(&bound, Err(AppError::Unauthorized { message }) if message.contains("another address")),
        "{bound:?}"
    );
    assert!(heads.lock().is_empty(), "a request reached the other host");
    set_url(sim.base_url());

    // Moved while connection tests race it: the key never reaches the other host.
    let desk = Arc::new(desk);
    let mut racing = Vec::new();
    for _ in 0..20 {
        let (desk, id) = (desk.clone(), profile.id.clone());
        racing.push(tokio::spawn(async move {
            let _ = desk.test_connection(&id).await;
        }));
    }
    let saved = desk
        .update_profile(&profile.id, &moved)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(saved.key_removed);
    for task in racing {
        let _ = task.await;
    }
    let after = desk.test_connection(&profile.id).await;
    assert!(
        matches!(after, Err(AppError::Unauthorized { .. })),
        "{after:?}"
    );
    for head in heads.lock().iter() {
        assert!(
            !head.contains(&key),
            "the key reached another host:\n{head}"
        );
    }
    sim.shutdown().await;
}

/// A test payment (followed by the watcher) on the first device of the active profile's fleet.
async fn pay_on_the_first_device(desk: &Desk) {
    let device = desk
        .find_devices(
            &fleet_core::fleet::index::FleetQuery::all(),
            fleet_core::fleet::index::Sort {
                column: fleet_core::fleet::index::SortColumn::Name,
                descending: false,
            },
            0,
            1,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .rows
        .remove(0)
        .device;
    let lines = [fleet_core::sessions::cart::CartLine {
        name: "Kaffe".into(),
        quantity: 1,
        unit_price: 4_500,
        tax_rate: 1_200,
        discount: 0,
    }];
    desk.create_test_payment(&device.id, "SEK", &lines)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// The untrusted-page issue, item 7: a session that had not finished when Fleetdesk stopped is
/// followed again after a restart (and one that never finishes is pruned after a week, see
/// `storage::retention`).
#[tokio::test]
async fn unfinished_sessions_are_followed_again_after_a_restart() {
    let _keychain = mock_keychain().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = open(dir.path()).await;
    desk.sync_fleet(|_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    pay_on_the_first_device(&desk).await;
    assert_eq!(desk.watcher().tracked(), 1);
    desk.shutdown().await;
    drop(desk);

    let reopened = open(dir.path()).await;
    assert_eq!(
        reopened.watcher().tracked(),
        0,
        "nothing followed before resuming"
    );
    let followed = reopened
        .resume_watching()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(followed, 1);
    assert_eq!(reopened.watcher().tracked(), 1);
    reopened.shutdown().await;
}

/// The untrusted-page issue, item 9: deleting a profile stops following its sessions (no more
/// polls with its client) and leaves none of them behind.
#[tokio::test]
async fn deleting_a_profile_stops_following_its_sessions_and_keeps_none() {
    let _keychain = mock_keychain().await;
    let merchant = MerchantConfig::new("DM55500002", Mode::Playground);
    let sim = ipp_sim::start(SimConfig::new(Mode::Playground).merchants(vec![merchant]))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let key = sim.merchants()[0].api_key.clone();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = open(dir.path()).await;
    let profile = use_new_profile(
        &desk,
        &ProfileInput {
            environment: Environment::KustomPlayground,
            ..input("Test chain", &sim.base_url(), "DM55500002")
        },
        &key,
    )
    .await;
    desk.sync_fleet(|_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    pay_on_the_first_device(&desk).await;
    assert_eq!(desk.watcher().tracked(), 1);

    desk.switch_profile(LOCAL_PLAYGROUND_ID)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    desk.delete_profile(&profile.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        desk.watcher().tracked(),
        0,
        "a deleted profile's session is still followed"
    );
    let polls = desk.watcher().requests();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(
        desk.watcher().requests(),
        polls,
        "polled with a deleted profile's client"
    );
    assert_eq!(
        desk.watcher()
            .store()
            .forget_profile(&profile.id)
            .unwrap_or_else(|e| panic!("{e}")),
        0,
        "a deleted profile's sessions were kept"
    );
    desk.shutdown().await;
    sim.shutdown().await;
}
