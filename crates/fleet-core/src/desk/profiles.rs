//! Profiles through the [`Desk`]: list, create, edit, duplicate, delete, switch, and their secrets
//! (stored in the keychain from here; never read back out to a front-end).

use kustom_ipp::{Secret, WebhookSecret};
use serde::Serialize;
use specta::Type;

use super::{Desk, blocking};
use crate::AppError;
use crate::profiles::guard::{ProductionAction, ProductionChange};
use crate::profiles::key_check::check_api_key;
use crate::profiles::vault::{self, KeyState, SecretKind};
use crate::profiles::{self, ActiveProfileSummary, Profile, ProfileInput, ProfileView};

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

/// The most signing secrets a profile keeps at once: during a rotation Kustom signs with the old
/// and the new; every stored secret is one more HMAC for each callback received.
pub const MAX_WEBHOOK_SECRETS: usize = 3;

impl Desk {
    /// Forgets what Fleetdesk was doing for a profile that is being deleted: its rollouts and
    /// their codes, its jobs, its followed sessions (no longer polled with its client), its kept plans and
    /// the codes the palette remembers.
    async fn forget_profile_work(&self, id: &str) -> Result<(), AppError> {
        self.watcher.forget_profile(id);
        self.plans
            .rollouts
            .forget_where(|plan| plan.profile_id == id);
        self.plans.jobs.forget_where(|plan| plan.profile_id == id);
        self.recent_codes.forget(id);
        let (rollouts, issued, sessions, jobs, owned) = (
            self.rollouts.clone(),
            self.issued.clone(),
            self.watcher.store().clone(),
            self.jobs.clone(),
            id.to_owned(),
        );
        blocking(move || {
            rollouts.forget_profile(&owned)?;
            jobs.forget_profile(&owned)?;
            issued.forget_profile(&owned)?;
            sessions.forget_profile(&owned)?;
            Ok(())
        })
        .await
    }

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
                badge: profile.badge().to_owned(),
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

    /// Saves a profile's edits. A key belongs to the host it was entered for: when the origin
    /// (scheme, host and port) changes, the stored API key is deleted *before* the new address is
    /// written, and if it cannot be deleted (a locked keychain) nothing is changed. A change of
    /// environment is checked against the stored key's kind. The profile's lock is held
    /// throughout, so no client is built from half an edit.
    pub async fn update_profile(
        &self,
        id: &str,
        input: &ProfileInput,
    ) -> Result<SavedProfile, AppError> {
        let _edit = self.lock_profile(id).await;
        let before = self.profile(id).await?;
        let moved_host = !before.is_builtin()
            && input.validate().is_ok_and(|valid| {
                profiles::origin(&before.base_url) != profiles::origin(&valid.base_url)
            });
        let key_kind_after = if moved_host {
            None
        } else {
            before.api_key_kind
        };
        {
            let (profiles, before, input) = (self.profiles.clone(), before.clone(), input.clone());
            blocking(move || profiles.check_update(&before, &input, key_kind_after)).await?;
        }
        // No client for the old settings is used again, whatever happens next.
        self.forget_client(id);
        let mut key_removed = false;
        if moved_host {
            let (env, key_id, profiles) =
                (before.environment, id.to_owned(), self.profiles.clone());
            key_removed = blocking(move || {
                let had = vault::read(env, &key_id, SecretKind::ApiKey)?.is_some();
                vault::delete(env, &key_id, SecretKind::ApiKey)?;
                profiles.set_key_kind(&key_id, None)?;
                Ok(had)
            })
            .await?;
        }
        let updated = {
            let (profiles, before, input) = (self.profiles.clone(), before.clone(), input.clone());
            blocking(move || profiles.write_update(&before, &input)).await?
        };
        if !before.is_builtin() && before.environment != updated.environment {
            // Secrets are filed under the environment; what is left moves with it (as kept:
            // the key with the origin it was entered for).
            let (from, to, key_id) = (before.environment, updated.environment, id.to_owned());
            blocking(move || {
                for kind in [SecretKind::ApiKey, SecretKind::WebhookSecret] {
                    if let Some(secret) = vault::read(from, &key_id, kind)? {
                        vault::store(to, &key_id, kind, &secret)?;
                        vault::delete(from, &key_id, kind)?;
                    }
                }
                Ok(())
            })
            .await?;
        }
        self.forget_client(id);
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
        self.refresh_receiver_secrets().await;
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
        let (profiles, kind) = (self.profiles.clone(), source.api_key_kind);
        let copy = blocking(move || {
            for secret_kind in [SecretKind::ApiKey, SecretKind::WebhookSecret] {
                if let Some(secret) = vault::read(env, &from, secret_kind)? {
                    vault::store(env, &to, secret_kind, &secret)?;
                }
            }
            profiles.set_key_kind(&to, kind)?;
            profiles.get(&to)
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

    /// Deletes a profile and everything Fleetdesk kept for it: its keychain entries, its cached
    /// fleet and saved views, its pairing codes and rollouts, its followed sessions (no longer
    /// polled), its client. On production the deletion is confirmed outside the page first.
    pub async fn delete_profile(&self, id: &str) -> Result<(), AppError> {
        let profile = self.profile(id).await?;
        if profile.is_builtin() {
            return Err(AppError::Conflict {
                message:
                    "The local playground is built in and cannot be deleted; reset it instead."
                        .to_owned(),
            });
        }
        self.confirm_production(
            &profile,
            ProductionChange::new(
                &profile,
                ProductionAction::DeleteProfile {
                    name: profile.name.clone(),
                },
            ),
        )
        .await?;
        let _edit = self.lock_profile(id).await;
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
        self.forget_profile_work(id).await?;
        self.forget_client(id);
        self.locations.lock().remove(id);
        self.refresh_receiver_secrets().await;
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
        let _edit = self.lock_profile(id).await;
        // Read again under the lock: the key is bound to the address the profile has now.
        let profile = self.profile(id).await?;
        let origin = profiles::origin_label(&profile.base_url);
        let secret = Secret::new(key);
        let (env, key_id, profiles) = (
            profile.environment,
            profile.id.clone(),
            self.profiles.clone(),
        );
        let state = blocking(move || {
            vault::store_api_key(env, &key_id, &origin, &secret)?;
            profiles.set_key_kind(&key_id, Some(check.kind))?;
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
        if parsed.len() > MAX_WEBHOOK_SECRETS {
            return Err(AppError::invalid_field(
                "webhook_secret",
                format!(
                    "At most {MAX_WEBHOOK_SECRETS} signing secrets at once (the current one and \
                     those being rotated out)."
                ),
            ));
        }
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
}
