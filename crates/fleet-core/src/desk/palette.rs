//! What the command palette finds as the user types: devices (name, id, hardware id, metadata),
//! locations, followed sessions (id or reference) and pairing codes seen in this run.
//!
//! Kustom has no get-enrollment-by-code, so the codes are the ones Fleetdesk listed, created or
//! refreshed since it started (per profile, the newest few hundred), not every code ever made.

use std::collections::HashMap;

use serde::Serialize;
use specta::Type;

use kustom_ipp::{EnrollmentStatus, Location};

use super::{Desk, EnrollmentView, fleet::DeviceRow};
use crate::AppError;
use crate::fleet::index::{FleetQuery, Sort, SortColumn};
use crate::sessions::TrackedSession;

/// Matches of one kind shown per search.
const PER_KIND: usize = 6;
/// Codes remembered per profile for the palette.
const RECENT_CODES: usize = 500;
/// The longest text searched (a pasted paragraph is not a query).
const MAX_QUERY: usize = 200;

/// One search's matches, by kind, best first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Type)]
pub struct PaletteResults {
    pub devices: Vec<DeviceRow>,
    pub locations: Vec<Location>,
    pub sessions: Vec<TrackedSession>,
    pub codes: Vec<EnrollmentView>,
}

/// Pairing codes this run has seen, per profile, newest last.
#[derive(Default)]
pub(crate) struct RecentCodes {
    by_profile: parking_lot::Mutex<HashMap<String, Vec<EnrollmentView>>>,
}

impl RecentCodes {
    /// Remembers `views` as the latest state of their codes, and gives back those this run had
    /// seen waiting and now sees paired (a clerk used them since).
    pub(crate) fn remember(
        &self,
        profile_id: &str,
        views: &[EnrollmentView],
    ) -> Vec<EnrollmentView> {
        let mut all = self.by_profile.lock();
        let list = all.entry(profile_id.to_owned()).or_default();
        let mut paired = Vec::new();
        for view in views {
            let id = &view.enrollment.enrollment_id;
            let was_waiting = list.iter().any(|known| {
                &known.enrollment.enrollment_id == id
                    && known.enrollment.status == EnrollmentStatus::Pending
            });
            if was_waiting && view.enrollment.status == EnrollmentStatus::Consumed {
                paired.push(view.clone());
            }
            list.retain(|known| &known.enrollment.enrollment_id != id);
            list.push(view.clone());
        }
        let excess = list.len().saturating_sub(RECENT_CODES);
        list.drain(..excess);
        paired
    }

    /// Forgets the codes of a deleted profile.
    pub(crate) fn forget(&self, profile_id: &str) {
        self.by_profile.lock().remove(profile_id);
    }

    fn find(&self, profile_id: &str, text: &str) -> Vec<EnrollmentView> {
        let needle = code_key(text);
        if needle.len() < 2 {
            return Vec::new();
        }
        let all = self.by_profile.lock();
        all.get(profile_id)
            .map(|list| {
                list.iter()
                    .rev()
                    .filter(|view| {
                        code_key(view.enrollment.enrollment_code.as_str()).contains(&needle)
                    })
                    .take(PER_KIND)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A code as typed or read aloud: `abcd-efgh`, `ABCD EFGH` → `ABCDEFGH`.
fn code_key(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl Desk {
    /// Everything the palette can jump to that matches `text`.
    pub async fn palette_search(&self, text: &str) -> Result<PaletteResults, AppError> {
        let text: String = text.trim().chars().take(MAX_QUERY).collect();
        if text.is_empty() {
            return Ok(PaletteResults::default());
        }
        let profile = self.active_profile().await?;
        // The fleet cache may not be loaded yet (no sync so far): then there are no devices.
        let devices = match self
            .find_devices(
                &FleetQuery {
                    text: text.clone(),
                    ..FleetQuery::all()
                },
                Sort {
                    column: SortColumn::Name,
                    descending: false,
                },
                0,
                PER_KIND as u32,
            )
            .await
        {
            Ok(page) => page.rows,
            Err(err) => {
                tracing::debug!(%err, "the palette has no fleet to search");
                Vec::new()
            }
        };
        let lowered = text.to_lowercase();
        let mut locations: Vec<Location> = match self.locations_of(&profile).await {
            Ok(all) => all
                .values()
                .filter(|l| l.name.to_lowercase().contains(&lowered) || l.id.starts_with(&lowered))
                .cloned()
                .collect(),
            Err(_) => Vec::new(),
        };
        locations.sort_by(|a, b| crate::fleet::name_order::compare(&a.name, &b.name));
        locations.truncate(PER_KIND);
        let sessions = {
            let (store, profile_id, text) = (
                self.watcher().store().clone(),
                profile.id.clone(),
                text.clone(),
            );
            store
                .run(move |store| store.search(&profile_id, &text, PER_KIND))
                .await?
        };
        Ok(PaletteResults {
            devices,
            locations,
            sessions,
            codes: self.recent_codes.find(&profile.id, &text),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::code_key;

    #[test]
    fn codes_match_however_they_are_typed() {
        assert_eq!(code_key("abcd-efgh"), "ABCDEFGH");
        assert_eq!(code_key(" ABCD EFGH "), "ABCDEFGH");
    }
}
