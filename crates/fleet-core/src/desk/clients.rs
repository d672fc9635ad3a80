//! Talking to the API: one client per profile, built from the profile and the key the keychain
//! holds for it (or the local playground's own), and the connection test.

use std::time::{Duration, Instant};

use kustom_ipp::{Client, ClientConfig, Credentials, PageRequest, RetryPolicy};
use serde::Serialize;
use specta::Type;

use super::{Desk, blocking};
use crate::AppError;
use crate::profiles::vault;
use crate::profiles::{self, Profile};

/// How a "Test connection" went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ConnectionReport {
    pub profile_name: String,
    pub merchant_id: String,
    pub base_url: String,
    pub location_count: u32,
    pub latency_ms: u32,
}

impl Desk {
    /// The client for a profile, built once and reused (one connection pool per profile). Built
    /// under the profile's lock from the profile as it is then (not the caller's copy, which an
    /// edit may have overtaken).
    pub async fn client_for(&self, profile: &Profile) -> Result<Client, AppError> {
        if let Some(client) = self.clients.lock().get(&profile.id) {
            return Ok(client.clone());
        }
        let _building = self.lock_profile(&profile.id).await;
        if let Some(client) = self.clients.lock().get(&profile.id) {
            return Ok(client.clone());
        }
        let profile = &self.profile(&profile.id).await?;
        let client = self
            .build_client(profile, RetryPolicy::default(), Duration::from_secs(20))
            .await?;
        self.clients
            .lock()
            .insert(profile.id.clone(), client.clone());
        // Callbacks for this merchant are now ours to follow up with this client.
        self.callbacks
            .follow(&profile.merchant_id, &profile.id, &client);
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
                message: "The local playground runs inside the Fleetdesk window; open Fleetdesk, \
                          or choose another profile."
                    .to_owned(),
            })?;
            (playground.base_url(), playground.api_key().clone())
        } else {
            let (env, id) = (profile.environment, profile.id.clone());
            let stored = blocking(move || vault::read_api_key(env, &id)).await?;
            let stored = stored.ok_or_else(|| AppError::Unauthorized {
                message: format!(
                    "No API key is stored for “{}”. Add it in Settings.",
                    profile.name
                ),
            })?;
            // A key is sent only to the origin it was entered for.
            let origin = profiles::origin_label(&profile.base_url);
            if stored.origin.as_ref().is_some_and(|kept| *kept != origin) {
                return Err(AppError::Unauthorized {
                    message: format!(
                        "The API key stored for “{}” was entered for another address, so it is \
                         not sent to {origin}. Enter the key again in Settings.",
                        profile.name
                    ),
                });
            }
            (profile.base_url.clone(), stored.key)
        };
        let config = ClientConfig::new(&base_url, Credentials::ApiKey(key))?
            .merchant_id(profile.merchant_id.clone())
            .timeouts(Duration::from_secs(5), timeout)
            .retry(retry)
            .budget(self.budget_for(profile).await);
        Ok(Client::new(config)?)
    }

    pub(crate) fn forget_client(&self, id: &str) {
        if let Some(client) = self.clients.lock().remove(id) {
            // Callbacks are not followed up through a client for a host the profile left.
            self.callbacks.forget_host(&client.config().base_url);
        }
    }

    /// Calls the API (locations) with the stored key and reports what it found, or exactly why not.
    pub async fn test_connection(&self, id: &str) -> Result<ConnectionReport, AppError> {
        // The client is built under the profile's lock, from the profile as it is then.
        let (profile, client) = {
            let _building = self.lock_profile(id).await;
            let profile = self.profile(id).await?;
            // No retries and a short timeout: the user is waiting for a verdict.
            let client = self
                .build_client(&profile, RetryPolicy::none(), Duration::from_secs(10))
                .await?;
            (profile, client)
        };
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
}
