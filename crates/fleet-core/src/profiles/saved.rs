//! Profiles in the local database: create, edit, delete, the active one, and the built-in local
//! playground's row.

use chrono::Utc;
use rusqlite::{OptionalExtension, Row};

use super::environment::{Environment, LOCAL_PLAYGROUND_ID, LOCAL_PLAYGROUND_URL};
use super::key_check::KeyKind;
use super::profile::{Profile, ProfileInput};
use crate::AppError;
use crate::storage::Store;

const ACTIVE_PROFILE: &str = "active_profile_id";

/// Profiles kept at most (each may hold keys in the keychain).
pub const MAX_PROFILES: usize = 100;

fn from_row(row: &Row<'_>) -> rusqlite::Result<Profile> {
    let environment: String = row.get("environment")?;
    // An unknown label reads as production: the guard then asks rather than not.
    let environment = Environment::from_db(&environment).unwrap_or(Environment::KustomProduction);
    let base_url: String = row.get("base_url")?;
    let api_key_kind = row
        .get::<_, Option<String>>("api_key_kind")?
        .as_deref()
        .and_then(KeyKind::from_db);
    Ok(Profile {
        id: row.get("id")?,
        name: row.get("name")?,
        production: Profile::derive_production(environment, &base_url, api_key_kind),
        environment,
        base_url,
        merchant_id: row.get("merchant_id")?,
        created_at: row.get("created_at")?,
        last_used_at: row.get("last_used_at")?,
        api_key_kind,
    })
}

/// Profiles in the local database.
#[derive(Clone)]
pub struct Profiles {
    store: Store,
}

impl Profiles {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// All profiles: the built-in one first, then by name.
    pub fn list(&self) -> Result<Vec<Profile>, AppError> {
        self.store.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT * FROM profiles ORDER BY id <> ?1, name COLLATE NOCASE, created_at",
            )?;
            stmt.query_map([LOCAL_PLAYGROUND_ID], from_row)?.collect()
        })
    }

    pub fn get(&self, id: &str) -> Result<Profile, AppError> {
        self.store
            .with(|conn| {
                conn.query_row("SELECT * FROM profiles WHERE id = ?1", [id], from_row)
                    .optional()
            })?
            .ok_or_else(|| AppError::NotFound {
                message: "That profile no longer exists.".to_owned(),
            })
    }

    /// Creates the built-in local playground profile unless it exists.
    pub fn ensure_local_playground(&self, merchant_id: &str) -> Result<Profile, AppError> {
        let now = Utc::now();
        self.store.with(|conn| {
            conn.execute(
                "INSERT OR IGNORE INTO profiles (id, name, environment, base_url, merchant_id, created_at)
                 VALUES (?1, 'Local playground', ?2, ?3, ?4, ?5)",
                rusqlite::params![
                    LOCAL_PLAYGROUND_ID,
                    Environment::LocalPlayground.as_db(),
                    LOCAL_PLAYGROUND_URL,
                    merchant_id,
                    now
                ],
            )
        })?;
        self.get(LOCAL_PLAYGROUND_ID)
    }

    pub fn create(&self, input: &ProfileInput) -> Result<Profile, AppError> {
        let valid = input.validate()?;
        self.ensure_unique_name(&valid.name, None)?;
        if self.list()?.len() >= MAX_PROFILES {
            return Err(AppError::invalid_field(
                "name",
                format!("Fleetdesk keeps at most {MAX_PROFILES} profiles; delete one first."),
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        self.store.with(|conn| {
            conn.execute(
                "INSERT INTO profiles (id, name, environment, base_url, merchant_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    id,
                    valid.name,
                    valid.environment.as_db(),
                    valid.base_url,
                    valid.merchant_id,
                    Utc::now()
                ],
            )
        })?;
        self.get(&id)
    }

    /// Edits a profile. The built-in local playground can only be renamed.
    pub fn update(&self, id: &str, input: &ProfileInput) -> Result<Profile, AppError> {
        let current = self.get(id)?;
        self.check_update(&current, input, current.api_key_kind)?;
        self.write_update(&current, input)
    }

    /// Whether `input` may be saved over `current`, its key kind then being `key_kind` (`None`
    /// when its key is to be deleted first): every rule that can refuse the edit, checked
    /// before anything is changed.
    pub fn check_update(
        &self,
        current: &Profile,
        input: &ProfileInput,
        key_kind: Option<KeyKind>,
    ) -> Result<(), AppError> {
        if current.is_builtin() {
            let name = input.name.trim();
            if name.is_empty() || name.chars().count() > 60 {
                return Err(AppError::invalid_field(
                    "name",
                    "Give the profile a name of at most 60 characters.",
                ));
            }
            return self.ensure_unique_name(name, Some(&current.id));
        }
        let valid = input.validate()?;
        self.ensure_unique_name(&valid.name, Some(&current.id))?;
        // A stored key decides what the profile is: a live key keeps it production, a test key
        // keeps it playground. (A key for another host is deleted before the edit is written.)
        if let Some(kind) = key_kind
            && valid.environment != current.environment
            && kind.environment() != valid.environment
        {
            return Err(AppError::invalid_field(
                "environment",
                match kind {
                    KeyKind::Live => {
                        "This profile holds a live (production) key, so it stays a production \
                         profile. To use it with the playground, store a playground key first."
                    }
                    KeyKind::Test => {
                        "This profile holds a test (playground) key, which production refuses. \
                         Store the production key first, then change the environment."
                    }
                },
            ));
        }
        Ok(())
    }

    /// Writes an edit [`Profiles::check_update`] allowed.
    pub fn write_update(
        &self,
        current: &Profile,
        input: &ProfileInput,
    ) -> Result<Profile, AppError> {
        let id = current.id.as_str();
        if current.is_builtin() {
            let name = input.name.trim();
            self.store.with(|conn| {
                conn.execute("UPDATE profiles SET name = ?1 WHERE id = ?2", [name, id])
            })?;
            return self.get(id);
        }
        let valid = input.validate()?;
        self.store.with(|conn| {
            conn.execute(
                "UPDATE profiles SET name = ?1, environment = ?2, base_url = ?3, merchant_id = ?4 WHERE id = ?5",
                rusqlite::params![valid.name, valid.environment.as_db(), valid.base_url, valid.merchant_id, id],
            )
        })?;
        self.get(id)
    }

    pub fn delete(&self, id: &str) -> Result<Profile, AppError> {
        let profile = self.get(id)?;
        if profile.is_builtin() {
            return Err(AppError::Conflict {
                message:
                    "The local playground is built in and cannot be deleted; reset it instead."
                        .to_owned(),
            });
        }
        self.store
            .with(|conn| conn.execute("DELETE FROM profiles WHERE id = ?1", [id]))?;
        if self.active_id()?.as_deref() == Some(id) {
            self.set_active(LOCAL_PLAYGROUND_ID)?;
        }
        Ok(profile)
    }

    /// Records the kind of the key now stored for a profile (`None`: no key is stored).
    pub fn set_key_kind(&self, id: &str, kind: Option<KeyKind>) -> Result<(), AppError> {
        self.store.with(|conn| {
            conn.execute(
                "UPDATE profiles SET api_key_kind = ?1 WHERE id = ?2",
                rusqlite::params![kind.map(KeyKind::as_db), id],
            )
        })?;
        Ok(())
    }

    /// A name not used by another profile: "Name (copy)", "Name (copy 2)", …
    pub fn copy_name(&self, name: &str) -> Result<String, AppError> {
        let taken: Vec<String> = self
            .list()?
            .into_iter()
            .map(|p| p.name.to_lowercase())
            .collect();
        let mut candidate = format!("{name} (copy)");
        let mut n = 2;
        while taken.contains(&candidate.to_lowercase()) {
            candidate = format!("{name} (copy {n})");
            n += 1;
        }
        Ok(candidate)
    }

    fn ensure_unique_name(&self, name: &str, except: Option<&str>) -> Result<(), AppError> {
        let clash = self
            .list()?
            .into_iter()
            .any(|p| p.name.eq_ignore_ascii_case(name) && Some(p.id.as_str()) != except);
        if clash {
            return Err(AppError::invalid_field(
                "name",
                format!("A profile named “{name}” already exists."),
            ));
        }
        Ok(())
    }

    /// The active profile's id, if one was chosen.
    pub fn active_id(&self) -> Result<Option<String>, AppError> {
        self.store.setting(ACTIVE_PROFILE)
    }

    /// Makes a profile active and records when it was last used.
    pub fn set_active(&self, id: &str) -> Result<Profile, AppError> {
        let profile = self.get(id)?;
        self.store.set_setting(ACTIVE_PROFILE, id)?;
        self.store.with(|conn| {
            conn.execute(
                "UPDATE profiles SET last_used_at = ?1 WHERE id = ?2",
                rusqlite::params![Utc::now(), id],
            )
        })?;
        Ok(profile)
    }

    /// The active profile, falling back to the local playground if none is set or it vanished.
    pub fn active(&self) -> Result<Profile, AppError> {
        if let Some(id) = self.active_id()?
            && let Ok(profile) = self.get(&id)
        {
            return Ok(profile);
        }
        self.get(LOCAL_PLAYGROUND_ID)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profiles() -> Profiles {
        let profiles = Profiles::new(Store::in_memory().unwrap_or_else(|e| panic!("{e}")));
        profiles
            .ensure_local_playground("DM20260001")
            .unwrap_or_else(|e| panic!("{e}"));
        profiles
    }

    fn input(name: &str, environment: Environment) -> ProfileInput {
        ProfileInput {
            name: name.into(),
            environment,
            custom_host: false,
            base_url: None,
            merchant_id: "DM123".into(),
        }
    }

    #[test]
    fn create_edit_duplicate_names_and_delete() {
        let profiles = profiles();
        let created = profiles
            .create(&input("Stores SE", Environment::KustomPlayground))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(created.base_url, "https://api.playground.kustom.co");
        assert!(
            profiles
                .create(&input("stores se", Environment::KustomProduction))
                .is_err(),
            "names are unique"
        );
        assert_eq!(
            profiles.copy_name("Stores SE").ok().as_deref(),
            Some("Stores SE (copy)")
        );

        let edited = profiles
            .update(
                &created.id,
                &input("Stores NO", Environment::KustomProduction),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (edited.name.as_str(), edited.environment),
            ("Stores NO", Environment::KustomProduction)
        );
        assert_eq!(edited.base_url, "https://api.kustom.co");

        profiles
            .set_active(&created.id)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            profiles.active().map(|p| p.id).ok(),
            Some(created.id.clone())
        );
        profiles
            .delete(&created.id)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            profiles.active().map(|p| p.id).ok().as_deref(),
            Some(LOCAL_PLAYGROUND_ID),
            "back to the playground"
        );
        assert!(matches!(
            profiles.get(&created.id),
            Err(AppError::NotFound { .. })
        ));
    }

    #[test]
    fn the_local_playground_is_built_in() {
        let profiles = profiles();
        assert!(matches!(
            profiles.delete(LOCAL_PLAYGROUND_ID),
            Err(AppError::Conflict { .. })
        ));
        let renamed = profiles
            .update(
                LOCAL_PLAYGROUND_ID,
                &input("Demo", Environment::KustomProduction),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(renamed.name, "Demo");
        assert_eq!(
            renamed.environment,
            Environment::LocalPlayground,
            "only the name changes"
        );
        let again = profiles
            .ensure_local_playground("DM20260001")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.name, "Demo", "ensuring does not overwrite");
    }
}
