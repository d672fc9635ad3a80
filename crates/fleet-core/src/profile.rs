//! Profiles: which Kustom account and environment Fleetdesk talks to.
//!
//! A profile is a name, an environment, a base URL, a merchant id and — in the keychain, never
//! here — an API key and an optional webhook signing secret. The local playground profile is built
//! in: created on first start, pointing at the in-process simulator, and cannot be deleted.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use specta::Type;
use url::Url;

use crate::AppError;
use crate::store::Store;
use crate::vault::KeyState;

/// Which Kustom environment a profile talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// The simulator Fleetdesk runs in-process on loopback, with demo data.
    LocalPlayground,
    /// Kustom's hosted playground (`api.playground.kustom.co`).
    KustomPlayground,
    /// Kustom production (`api.kustom.co`): real money, guarded actions.
    KustomProduction,
}

impl Environment {
    /// The label the header badge shows.
    pub fn badge_label(self) -> &'static str {
        match self {
            Self::LocalPlayground => "Local playground",
            Self::KustomPlayground => "Playground",
            Self::KustomProduction => "PRODUCTION",
        }
    }

    /// Whether destructive actions need an explicit confirmation naming what will change.
    pub fn is_production(self) -> bool {
        matches!(self, Self::KustomProduction)
    }

    /// Whether `/ipp/v1/dev/*` (simulated devices and taps) exists there [DOC §11].
    pub fn has_dev_tools(self) -> bool {
        !self.is_production()
    }

    /// The documented host [DOC §1]; the local playground's is decided at run time.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Self::LocalPlayground => LOCAL_PLAYGROUND_URL,
            Self::KustomPlayground => "https://api.playground.kustom.co",
            Self::KustomProduction => "https://api.kustom.co",
        }
    }

    fn as_db(self) -> &'static str {
        match self {
            Self::LocalPlayground => "local_playground",
            Self::KustomPlayground => "kustom_playground",
            Self::KustomProduction => "kustom_production",
        }
    }

    fn from_db(value: &str) -> Option<Self> {
        match value {
            "local_playground" => Some(Self::LocalPlayground),
            "kustom_playground" => Some(Self::KustomPlayground),
            "kustom_production" => Some(Self::KustomProduction),
            _ => None,
        }
    }
}

/// The base URL stored for the built-in local playground: its port changes every run.
pub const LOCAL_PLAYGROUND_URL: &str = "embedded://local-playground";
/// The built-in local playground profile's id.
pub const LOCAL_PLAYGROUND_ID: &str = "local-playground";

/// A profile as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub environment: Environment,
    pub base_url: String,
    pub merchant_id: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl Profile {
    pub fn is_builtin(&self) -> bool {
        self.id == LOCAL_PLAYGROUND_ID
    }

    /// Whether the profile talks to a host other than its environment's documented one.
    pub fn has_custom_host(&self) -> bool {
        !self.is_builtin() && self.base_url != self.environment.default_base_url()
    }
}

/// Scheme, host and port of a base URL: what a stored key is bound to.
pub fn origin(base_url: &str) -> Option<(String, String, u16)> {
    let url = Url::parse(base_url).ok()?;
    Some((
        url.scheme().to_owned(),
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?,
    ))
}

/// What the header needs to know about the active profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ActiveProfileSummary {
    pub id: String,
    pub name: String,
    pub environment: Environment,
    pub badge: String,
}

impl From<&Profile> for ActiveProfileSummary {
    fn from(profile: &Profile) -> Self {
        Self {
            id: profile.id.clone(),
            name: profile.name.clone(),
            environment: profile.environment,
            badge: profile.environment.badge_label().to_owned(),
        }
    }
}

/// A profile as the Settings view shows it: never a secret, only its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ProfileView {
    pub profile: Profile,
    pub badge: String,
    pub is_active: bool,
    pub is_builtin: bool,
    /// Talks to a host other than Kustom's documented one (shown clearly marked).
    pub custom_host: bool,
    pub api_key: KeyState,
    pub webhook_secret: KeyState,
}

/// What the user types when adding or editing a profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
pub struct ProfileInput {
    pub name: String,
    pub environment: Environment,
    /// Talk to `base_url` instead of the environment's documented host: a choice the user makes
    /// explicitly (a test server, a proxy), never the default.
    #[serde(default)]
    pub custom_host: bool,
    /// The custom host's URL; ignored unless `custom_host`.
    pub base_url: Option<String>,
    pub merchant_id: String,
}

/// A validated input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProfile {
    pub name: String,
    pub environment: Environment,
    pub base_url: String,
    pub merchant_id: String,
}

impl ProfileInput {
    /// Checks every field; all problems are reported at once, by field.
    pub fn validate(&self) -> Result<ValidProfile, AppError> {
        let mut fields = std::collections::BTreeMap::new();
        let name = self.name.trim();
        if name.is_empty() {
            fields.insert("name".to_owned(), "Give the profile a name.".to_owned());
        } else if name.chars().count() > 60 {
            fields.insert("name".to_owned(), "Use at most 60 characters.".to_owned());
        }
        if self.environment == Environment::LocalPlayground {
            fields.insert(
                "environment".to_owned(),
                "The local playground is built in; choose Kustom playground or production."
                    .to_owned(),
            );
        }
        let merchant_id = self.merchant_id.trim();
        if merchant_id.is_empty() {
            fields.insert(
                "merchant_id".to_owned(),
                "Enter the merchant id (MID) shown in the Kustom Portal.".to_owned(),
            );
        } else if merchant_id.len() > 64 || merchant_id.chars().any(char::is_whitespace) {
            fields.insert(
                "merchant_id".to_owned(),
                "A merchant id has no spaces and at most 64 characters.".to_owned(),
            );
        }
        let custom = self
            .base_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        let base_url = match (self.custom_host, custom) {
            // Kustom's documented host unless a custom one was chosen on purpose: a key is
            // never sent to a host the user did not clearly pick.
            (false, _) => self.environment.default_base_url().to_owned(),
            (true, None) => {
                fields.insert(
                    "base_url".to_owned(),
                    "Enter the custom host's URL, or use Kustom's own host.".to_owned(),
                );
                String::new()
            }
            (true, Some(raw)) => match check_base_url(raw) {
                Ok(url) => url,
                Err(problem) => {
                    fields.insert("base_url".to_owned(), problem);
                    String::new()
                }
            },
        };
        if !fields.is_empty() {
            let message = fields.values().cloned().collect::<Vec<_>>().join(" ");
            return Err(AppError::Validation { message, fields });
        }
        Ok(ValidProfile {
            name: name.to_owned(),
            environment: self.environment,
            base_url,
            merchant_id: merchant_id.to_owned(),
        })
    }
}

/// A custom host must be https, except on this machine (a local simulator), and nothing but a
/// scheme, a host and a port: credentials, a query or a fragment in it would travel with (or
/// redirect) every request that carries the key.
pub fn check_base_url(raw: &str) -> Result<String, String> {
    let url = Url::parse(raw)
        .map_err(|_| "Enter a full URL such as https://api.kustom.co.".to_owned())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Enter the host without a user name or password in it.".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() || raw.contains(['?', '#']) {
        return Err("Enter only the host, without ?… or #… after it.".to_owned());
    }
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err("Enter a full URL such as https://api.kustom.co.".to_owned());
    }
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1");
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err("Use https:// (plain http is only allowed for this computer).".to_owned());
        }
        _ => return Err("The URL must start with https://.".to_owned()),
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(
            "Enter only the host (https://host), without a path; /ipp/v1 is added for you."
                .to_owned(),
        );
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

// ---- Persistence -----------------------------------------------------------------------------

const ACTIVE_PROFILE: &str = "active_profile_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Profile> {
    let environment: String = row.get("environment")?;
    Ok(Profile {
        id: row.get("id")?,
        name: row.get("name")?,
        environment: Environment::from_db(&environment).unwrap_or(Environment::KustomProduction),
        base_url: row.get("base_url")?,
        merchant_id: row.get("merchant_id")?,
        created_at: row.get("created_at")?,
        last_used_at: row.get("last_used_at")?,
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
        if current.is_builtin() {
            let name = input.name.trim();
            if name.is_empty() || name.chars().count() > 60 {
                return Err(AppError::invalid_field(
                    "name",
                    "Give the profile a name of at most 60 characters.",
                ));
            }
            self.ensure_unique_name(name, Some(id))?;
            self.store.with(|conn| {
                conn.execute("UPDATE profiles SET name = ?1 WHERE id = ?2", [name, id])
            })?;
            return self.get(id);
        }
        let valid = input.validate()?;
        self.ensure_unique_name(&valid.name, Some(id))?;
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
        if let Some(id) = self.active_id()? {
            if let Ok(profile) = self.get(&id) {
                return Ok(profile);
            }
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
    fn validation_reports_every_field() {
        let bad = ProfileInput {
            name: " ".into(),
            environment: Environment::KustomProduction,
            custom_host: true,
            base_url: Some("http://api.example.com".into()),
            merchant_id: "has space".into(),
        };
        let Err(AppError::Validation { fields, .. }) = bad.validate() else {
            panic!("expected a validation error");
        };
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            ["base_url", "merchant_id", "name"]
        );
    }

    #[test]
    fn base_urls_default_per_environment_and_custom_hosts_are_checked() {
        let prod = input("Prod", Environment::KustomProduction)
            .validate()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(prod.base_url, "https://api.kustom.co");
        // A URL typed without choosing a custom host is not used: the documented host is.
        let mut sneaky = input("Prod", Environment::KustomProduction);
        sneaky.base_url = Some("https://attacker.example".into());
        assert_eq!(
            sneaky.validate().map(|v| v.base_url).ok().as_deref(),
            Some("https://api.kustom.co")
        );
        let mut local = input("Sim", Environment::KustomProduction);
        local.custom_host = true;
        local.base_url = Some("http://127.0.0.1:8787/".into());
        assert_eq!(
            local.validate().map(|v| v.base_url).ok().as_deref(),
            Some("http://127.0.0.1:8787")
        );
        local.base_url = Some("https://host/ipp/v1".into());
        assert!(local.validate().is_err());
        local.base_url = None;
        assert!(local.validate().is_err(), "a custom host needs its URL");
        assert!(input("x", Environment::LocalPlayground).validate().is_err());
    }

    #[test]
    fn base_urls_with_credentials_a_query_or_a_fragment_are_refused() {
        for bad in [
            "https://user:pass@api.kustom.co",
            "https://user@api.kustom.co",
            "https://api.kustom.co/?next=https://evil.example",
            "https://api.kustom.co/#x",
            "https://api.kustom.co?",
            "http://api.example.com",
            "ftp://api.kustom.co",
            "https://",
            "api.kustom.co",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad} was accepted");
        }
        assert_eq!(
            check_base_url("https://API.Example.com:8443/")
                .ok()
                .as_deref(),
            Some("https://api.example.com:8443")
        );
    }

    #[test]
    fn origins_name_scheme_host_and_port() {
        assert_eq!(
            origin("https://api.kustom.co"),
            origin("https://API.kustom.co:443/")
        );
        assert_ne!(
            origin("https://api.kustom.co"),
            origin("https://api.playground.kustom.co")
        );
        assert_ne!(
            origin("http://127.0.0.1:8787"),
            origin("http://127.0.0.1:8788")
        );
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
