//! A profile: a name, an environment, a base URL and a merchant id — and, in the keychain, never
//! here, an API key and an optional webhook signing secret — with the rules its form follows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;
use url::Url;

use super::environment::{Environment, LOCAL_PLAYGROUND_ID};
use super::key_check::KeyKind;
use super::vault::KeyState;
use crate::AppError;

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
    /// The kind of the stored API key (never the key), if one is stored.
    pub api_key_kind: Option<KeyKind>,
    /// Whether this profile moves real money: see [`Profile::is_production`]. Derived, never set.
    pub production: bool,
}

impl Profile {
    pub fn is_builtin(&self) -> bool {
        self.id == LOCAL_PLAYGROUND_ID
    }

    /// Whether this profile moves real money, as a fact rather than a label: its environment is
    /// production, or it talks to production's host, or its stored key is a live key (a
    /// `kco_live_` key is production wherever it points). Production's destructive actions are
    /// confirmed outside the page; its playground tools do not exist.
    pub fn is_production(&self) -> bool {
        self.production
    }

    /// The fact behind [`Profile::is_production`].
    pub fn derive_production(
        environment: Environment,
        base_url: &str,
        api_key_kind: Option<KeyKind>,
    ) -> bool {
        environment.is_production()
            || origin(base_url) == origin(Environment::KustomProduction.default_base_url())
            || api_key_kind == Some(KeyKind::Live)
    }

    /// The label the header badge shows: PRODUCTION whenever the profile is production.
    pub fn badge(&self) -> &'static str {
        if self.is_production() {
            Environment::KustomProduction.badge_label()
        } else {
            self.environment.badge_label()
        }
    }

    /// Whether `/ipp/v1/dev/*` (simulated devices and taps) may be used: only away from
    /// production [DOC §11].
    pub fn has_dev_tools(&self) -> bool {
        !self.is_production()
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

/// The origin of a base URL as one text (`https://api.kustom.co:443`): what a stored key is bound
/// to in the keychain. An address that does not parse is its own text.
pub fn origin_label(base_url: &str) -> String {
    match origin(base_url) {
        Some((scheme, host, port)) => format!("{scheme}://{host}:{port}"),
        None => base_url.to_owned(),
    }
}

/// What the header needs to know about the active profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ActiveProfileSummary {
    pub id: String,
    pub name: String,
    pub environment: Environment,
    /// Production as a fact (host and key too, not only the label): the header is red for it.
    #[serde(default)]
    pub production: bool,
    pub badge: String,
}

impl From<&Profile> for ActiveProfileSummary {
    fn from(profile: &Profile) -> Self {
        Self {
            id: profile.id.clone(),
            name: profile.name.clone(),
            environment: profile.environment,
            production: profile.is_production(),
            badge: profile.badge().to_owned(),
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
        // Production's host is production, whatever the label says.
        if self.environment != Environment::KustomProduction
            && !base_url.is_empty()
            && origin(&base_url) == origin(Environment::KustomProduction.default_base_url())
        {
            fields.insert(
                "base_url".to_owned(),
                "That is Kustom's production host: choose the production environment for it."
                    .to_owned(),
            );
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
