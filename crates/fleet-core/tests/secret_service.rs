//! The real OS keychain: the Secret Service (gnome-keyring in a private D-Bus session).
//!
//! Ignored in a plain `cargo test`, which has no session bus; `cargo xtask test` runs it inside
//! the end-to-end D-Bus session with an unlocked gnome-keyring (`--ignored`).

use fleet_core::Desk;
use fleet_core::profiles::vault::{self, KeyState, SecretKind};
use fleet_core::profiles::{Environment, ProfileInput};

#[tokio::test]
#[ignore = "needs a Secret Service; run by `cargo xtask test` inside its D-Bus session"]
async fn a_key_is_stored_read_back_and_removed_with_its_profile() {
    vault::install_os_store()
        .unwrap_or_else(|e| panic!("the OS keychain could not be installed: {e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let desk = Desk::open(dir.path(), Ok(()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let profile = desk
        .create_profile(&ProfileInput {
            name: "Secret Service check".into(),
            environment: Environment::KustomPlayground,
            custom_host: false,
            base_url: None,
            merchant_id: "DM424242".into(),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let key = format!("kco_test_api_real{}", std::process::id());
    desk.store_api_key(&profile.id, &key, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // Read back inside Rust, from the real keychain, with the address it was entered for.
    let read = vault::read_api_key(Environment::KustomPlayground, &profile.id)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.as_ref().map(|s| s.key.expose()), Some(key.as_str()));
    assert_eq!(
        read.and_then(|s| s.origin).as_deref(),
        Some("https://api.playground.kustom.co:443")
    );
    assert_eq!(
        vault::state(
            Environment::KustomPlayground,
            &profile.id,
            SecretKind::ApiKey
        ),
        KeyState::Present {
            last4: key[key.len() - 4..].to_owned()
        }
    );

    desk.delete_profile(&profile.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let gone = vault::read(
        Environment::KustomPlayground,
        &profile.id,
        SecretKind::ApiKey,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        gone.is_none(),
        "the keychain entry is gone with the profile"
    );
    desk.shutdown().await;
}
