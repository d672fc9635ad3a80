//! A profile's locations, fetched once and kept in Rust until the fleet is synced or the user
//! refreshes them: every table window, session row and store picker reads this one copy.

use std::collections::HashMap;
use std::sync::Arc;

use kustom_ipp::{Location, PagingOptions, fetch_all};

use super::Desk;
use crate::AppError;
use crate::profiles::Profile;

/// The locations of one profile, by id.
pub(crate) type LocationMap = Arc<HashMap<String, Location>>;

impl Desk {
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

    /// The active profile's locations by name, from the kept copy (fetched on first use).
    pub async fn list_locations(&self) -> Result<Vec<Location>, AppError> {
        let profile = self.active_profile().await?;
        Ok(by_name(&self.locations_of(&profile).await?))
    }

    /// The active profile's locations fetched again (the Locations view's Refresh; a store added
    /// in the Kustom Portal), by name.
    pub async fn reload_locations(&self) -> Result<Vec<Location>, AppError> {
        let profile = self.active_profile().await?;
        Ok(by_name(&self.refresh_locations(&profile).await?))
    }
}

fn by_name(map: &LocationMap) -> Vec<Location> {
    let mut locations: Vec<Location> = map.values().cloned().collect();
    locations.sort_by(|a, b| crate::fleet::name_order::compare(&a.name, &b.name));
    locations
}
