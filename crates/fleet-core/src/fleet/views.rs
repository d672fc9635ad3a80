//! Saved views: a named filter-bar query per profile.

use super::cache::FleetCache;
use super::index::FleetQuery;
use crate::AppError;
use crate::storage::storage;

/// Saved views a profile keeps.
pub const MAX_VIEWS: usize = 200;
/// The largest filter saved as a view (its JSON).
pub const MAX_VIEW_BYTES: usize = 16 * 1024;

impl FleetCache {
    pub fn save_view(
        &self,
        profile_id: &str,
        name: &str,
        query: &FleetQuery,
    ) -> Result<(), AppError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(AppError::invalid_field(
                "name",
                "Give the view a name of at most 60 characters.",
            ));
        }
        let body = serde_json::to_string(query).map_err(|e| storage("save the view", e))?;
        if body.len() > MAX_VIEW_BYTES {
            return Err(AppError::invalid_field(
                "query",
                "This filter is too long to save as a view.",
            ));
        }
        let (count, exists): (i64, bool) = self.store.with(|conn| {
            conn.query_row(
                "SELECT COUNT(*), COALESCE(SUM(name = ?2), 0) > 0 FROM saved_views WHERE profile_id = ?1",
                [profile_id, name],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
        })?;
        if !exists && count >= MAX_VIEWS as i64 {
            return Err(AppError::invalid_field(
                "name",
                format!("A profile keeps at most {MAX_VIEWS} saved views; delete one first."),
            ));
        }
        self.store.with(|conn| {
            conn.execute(
                "INSERT INTO saved_views (profile_id, name, query) VALUES (?1, ?2, ?3)
                 ON CONFLICT(profile_id, name) DO UPDATE SET query = excluded.query",
                [profile_id, name, body.as_str()],
            )
            .map(|_| ())
        })
    }

    pub fn views(&self, profile_id: &str) -> Result<Vec<(String, FleetQuery)>, AppError> {
        let rows: Vec<(String, String)> = self.store.with(|conn| {
            let mut stmt = conn.prepare("SELECT name, query FROM saved_views WHERE profile_id = ?1 ORDER BY name COLLATE NOCASE")?;
            stmt.query_map([profile_id], |row| Ok((row.get(0)?, row.get(1)?)))?.collect()
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(name, body)| serde_json::from_str(&body).ok().map(|q| (name, q)))
            .collect())
    }

    pub fn delete_view(&self, profile_id: &str, name: &str) -> Result<(), AppError> {
        self.store.with(|conn| {
            conn.execute(
                "DELETE FROM saved_views WHERE profile_id = ?1 AND name = ?2",
                [profile_id, name],
            )
            .map(|_| ())
        })
    }
}
