//! The OS keychain, through the keyring family (`keyring-core` plus one store crate per OS).
//!
//! One service name per environment, account = profile id (the webhook signing secret gets a
//! `:webhook-secret` suffix). Only Rust reads a secret; what leaves this module for the UI is a
//! [`KeyState`]. When the keychain cannot be used the error says so and what to do — there is no
//! plain-text fallback anywhere.

use keyring_core::{Entry, Error as KeyringError};
use kustom_ipp::Secret;
use serde::Serialize;
use specta::Type;

use super::environment::Environment;
use crate::AppError;

/// What the UI may know about a stored secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KeyState {
    /// Nothing stored yet.
    Missing,
    /// Stored; the UI shows `••••last4`.
    Present { last4: String },
    /// Fleetdesk manages it (the local playground's key lives only in memory).
    Managed,
    /// The keychain could not be asked; `message` says why and what to do.
    Unavailable { message: String },
}

/// Which secret of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ApiKey,
    WebhookSecret,
}

/// Installs the OS's credential store as the process default. Call once at start-up; on failure the
/// app still runs, and every keychain use reports [`AppError::KeychainUnavailable`].
pub fn install_os_store() -> Result<(), AppError> {
    #[cfg(target_os = "linux")]
    let store = zbus_secret_service_keyring_store::Store::new()
        .map(|store| store as std::sync::Arc<keyring_core::CredentialStore>);
    #[cfg(target_os = "macos")]
    let store = apple_native_keyring_store::keychain::Store::new()
        .map(|store| store as std::sync::Arc<keyring_core::CredentialStore>);
    #[cfg(target_os = "windows")]
    let store = windows_native_keyring_store::Store::new()
        .map(|store| store as std::sync::Arc<keyring_core::CredentialStore>);
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    let store: Result<std::sync::Arc<keyring_core::CredentialStore>, KeyringError> =
        Err(KeyringError::NoDefaultStore);

    match store {
        Ok(store) => {
            keyring_core::set_default_store(store);
            Ok(())
        }
        Err(err) => Err(unavailable(&err)),
    }
}

fn service(environment: Environment) -> &'static str {
    match environment {
        Environment::LocalPlayground => "Fleetdesk (local playground)",
        Environment::KustomPlayground => "Fleetdesk (Kustom playground)",
        Environment::KustomProduction => "Fleetdesk (Kustom production)",
    }
}

fn account(profile_id: &str, kind: SecretKind) -> String {
    match kind {
        SecretKind::ApiKey => profile_id.to_owned(),
        SecretKind::WebhookSecret => format!("{profile_id}:webhook-secret"),
    }
}

fn entry(environment: Environment, profile_id: &str, kind: SecretKind) -> Result<Entry, AppError> {
    Entry::new(service(environment), &account(profile_id, kind)).map_err(|err| unavailable(&err))
}

/// An API key as stored: the key and the origin (scheme, host and port) it was entered for. A
/// key belongs to its origin; a client for another one is refused
/// (`Desk::build_client`), so a profile pointed elsewhere never sends its key there.
pub struct StoredKey {
    pub key: Secret,
    /// `None` for a key stored before origins were kept: it counts as the profile's own.
    pub origin: Option<String>,
}

/// How a key and its origin are kept in one keychain entry: a first line naming the origin.
const ORIGIN_LINE: &str = "fleetdesk-key-origin ";

/// Stores a profile's API key bound to `origin`, replacing any earlier one.
pub fn store_api_key(
    environment: Environment,
    profile_id: &str,
    origin: &str,
    key: &Secret,
) -> Result<(), AppError> {
    let kept = Secret::new(format!("{ORIGIN_LINE}{origin}\n{}", key.expose()));
    store(environment, profile_id, SecretKind::ApiKey, &kept)
}

/// A profile's API key and the origin it was stored for; `None` when none is stored.
pub fn read_api_key(
    environment: Environment,
    profile_id: &str,
) -> Result<Option<StoredKey>, AppError> {
    Ok(read(environment, profile_id, SecretKind::ApiKey)?.map(|kept| unpack(&kept)))
}

fn unpack(kept: &Secret) -> StoredKey {
    match kept
        .expose()
        .strip_prefix(ORIGIN_LINE)
        .and_then(|rest| rest.split_once('\n'))
    {
        Some((origin, key)) => StoredKey {
            key: Secret::new(key.to_owned()),
            origin: Some(origin.to_owned()),
        },
        None => StoredKey {
            key: kept.clone(),
            origin: None,
        },
    }
}

/// Stores a secret for a profile, replacing any earlier one.
pub fn store(
    environment: Environment,
    profile_id: &str,
    kind: SecretKind,
    secret: &Secret,
) -> Result<(), AppError> {
    entry(environment, profile_id, kind)?
        .set_password(secret.expose())
        .map_err(|err| unavailable(&err))
}

/// Reads a secret; `None` when nothing is stored.
pub fn read(
    environment: Environment,
    profile_id: &str,
    kind: SecretKind,
) -> Result<Option<Secret>, AppError> {
    match entry(environment, profile_id, kind)?.get_password() {
        Ok(value) => Ok(Some(Secret::new(value))),
        Err(KeyringError::NoEntry) => Ok(None),
        Err(err) => Err(unavailable(&err)),
    }
}

/// Deletes a secret; deleting what is not there is fine.
pub fn delete(
    environment: Environment,
    profile_id: &str,
    kind: SecretKind,
) -> Result<(), AppError> {
    match entry(environment, profile_id, kind)?.delete_credential() {
        Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
        Err(err) => Err(unavailable(&err)),
    }
}

/// What the UI may see of a secret: present with its last four characters, or missing, or why
/// the keychain could not be asked.
pub fn state(environment: Environment, profile_id: &str, kind: SecretKind) -> KeyState {
    match read(environment, profile_id, kind) {
        Ok(Some(secret)) => KeyState::Present {
            last4: match kind {
                SecretKind::ApiKey => unpack(&secret).key.last4(),
                SecretKind::WebhookSecret => secret.last4(),
            },
        },
        Ok(None) => KeyState::Missing,
        Err(err) => KeyState::Unavailable {
            message: err.to_string(),
        },
    }
}

/// Maps a keyring failure to a message that says what to do.
fn unavailable(err: &KeyringError) -> AppError {
    let message = match err {
        KeyringError::NoDefaultStore => {
            "No OS keychain is available. On Linux, Fleetdesk needs a Secret Service such as \
             GNOME Keyring or KWallet running in your session; start one and restart Fleetdesk."
                .to_owned()
        }
        KeyringError::NoStorageAccess(detail) => format!(
            "The OS keychain is locked or refused access ({detail}). Unlock your login keychain \
             and try again."
        ),
        KeyringError::PlatformFailure(detail) => format!(
            "The OS keychain failed ({detail}). Check that your keychain service is running and \
             try again."
        ),
        KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..) => {
            "The keychain entry is unreadable. Enter the key again to replace it.".to_owned()
        }
        other => format!("The OS keychain could not be used: {other}"),
    };
    AppError::KeychainUnavailable { message }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use keyring_core::mock;
    use parking_lot::{Mutex, MutexGuard};

    use super::*;

    /// The default store is process-global: keychain tests take this lock.
    static KEYCHAIN: Mutex<()> = Mutex::new(());

    /// Installs a fresh mock store for the duration of the guard.
    pub(crate) fn mock_keychain() -> MutexGuard<'static, ()> {
        let guard = KEYCHAIN.lock();
        let store = mock::Store::new().unwrap_or_else(|e| panic!("{e}"));
        keyring_core::set_default_store(store as Arc<keyring_core::CredentialStore>);
        guard
    }

    /// Makes the next call on a profile's entry fail with `error`.
    fn inject(environment: Environment, profile_id: &str, kind: SecretKind, error: KeyringError) {
        let entry = entry(environment, profile_id, kind).unwrap_or_else(|e| panic!("{e}"));
        let cred: &mock::Cred = entry
            .as_any()
            .downcast_ref()
            .unwrap_or_else(|| panic!("not a mock credential"));
        cred.set_error(error);
    }

    #[test]
    fn stores_reads_and_deletes_per_environment_and_kind() {
        let _keychain = mock_keychain();
        let env = Environment::KustomPlayground;
        store(
            env,
            "p1",
            SecretKind::ApiKey,
            &Secret::new("kco_test_api_abcd1234"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            state(env, "p1", SecretKind::ApiKey),
            KeyState::Present {
                last4: "1234".into()
            }
        );
        assert_eq!(
            state(env, "p1", SecretKind::WebhookSecret),
            KeyState::Missing
        );
        // Another environment's service is another entry.
        assert_eq!(
            state(Environment::KustomProduction, "p1", SecretKind::ApiKey),
            KeyState::Missing
        );
        let read_back = read(env, "p1", SecretKind::ApiKey).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            read_back.map(|s| s.expose().to_owned()).as_deref(),
            Some("kco_test_api_abcd1234")
        );
        delete(env, "p1", SecretKind::ApiKey).unwrap_or_else(|e| panic!("{e}"));
        delete(env, "p1", SecretKind::ApiKey).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(state(env, "p1", SecretKind::ApiKey), KeyState::Missing);
    }

    #[test]
    fn keychain_failures_become_specific_errors() {
        let _keychain = mock_keychain();
        let env = Environment::KustomProduction;
        store(
            env,
            "p2",
            SecretKind::ApiKey,
            &Secret::new("kco_live_api_zzzz9999"),
        )
        .unwrap_or_else(|e| panic!("{e}"));

        inject(
            env,
            "p2",
            SecretKind::ApiKey,
            KeyringError::NoStorageAccess("locked".into()),
        );
        let locked = read(env, "p2", SecretKind::ApiKey);
        assert!(
            matches!(&locked, Err(AppError::KeychainUnavailable { message }) if message.contains("locked")),
            "{locked:?}"
        );

        inject(
            env,
            "p2",
            SecretKind::ApiKey,
            KeyringError::PlatformFailure("dbus gone".into()),
        );
        let state_now = state(env, "p2", SecretKind::ApiKey);
        assert!(
            matches!(&state_now, KeyState::Unavailable { message } if message.contains("dbus gone"))
        );

        inject(
            env,
            "p2",
            SecretKind::ApiKey,
            KeyringError::NoStorageAccess("denied".into()),
        );
        let denied = store(
            env,
            "p2",
            SecretKind::ApiKey,
            &Secret::new("kco_live_api_new00000"),
        );
        assert!(matches!(denied, Err(AppError::KeychainUnavailable { .. })));
        // The failed write changed nothing.
        assert_eq!(
            state(env, "p2", SecretKind::ApiKey),
            KeyState::Present {
                last4: "9999".into()
            }
        );
    }

    #[test]
    fn no_store_at_all_is_keychain_unavailable() {
        let _keychain = KEYCHAIN.lock();
        let previous = keyring_core::unset_default_store();
        let result = read(Environment::KustomPlayground, "p3", SecretKind::ApiKey);
        assert!(
            matches!(&result, Err(AppError::KeychainUnavailable { message }) if message.contains("Secret Service"))
        );
        if let Some(previous) = previous {
            keyring_core::set_default_store(previous);
        }
    }
}
