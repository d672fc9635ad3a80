//! What an API key should look like [DOC §2.1]: `kco_<live|test>_<api>_<random>`, `live` for
//! production and `test` for the playground.

use serde::Serialize;
use specta::Type;

use super::environment::Environment;
use crate::AppError;

/// A well-formed key that may still deserve a second look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct KeyCheck {
    /// Set when the key's kind does not match the profile's environment; the user must confirm.
    pub warning: Option<String>,
    /// `live` (production) or `test` (playground) [DOC §2.1].
    pub kind: KeyKind,
}

/// What an API key is for, as its prefix says [DOC §2.1].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// `kco_live_…`: production, wherever it is sent.
    Live,
    /// `kco_test_…`: the playground.
    Test,
}

impl KeyKind {
    pub(crate) fn as_db(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Test => "test",
        }
    }

    pub(crate) fn from_db(value: &str) -> Option<Self> {
        match value {
            "live" => Some(Self::Live),
            "test" => Some(Self::Test),
            _ => None,
        }
    }

    /// The environment a key of this kind belongs to.
    pub fn environment(self) -> Environment {
        match self {
            Self::Live => Environment::KustomProduction,
            Self::Test => Environment::KustomPlayground,
        }
    }
}

pub fn check_api_key(environment: Environment, key: &str) -> Result<KeyCheck, AppError> {
    if key.is_empty() {
        return Err(AppError::invalid_field(
            "api_key",
            "Paste the API key from the Kustom Portal.",
        ));
    }
    if key.chars().any(char::is_whitespace) {
        return Err(AppError::invalid_field(
            "api_key",
            "The key contains spaces or line breaks; paste it again without them.",
        ));
    }
    let kind = key
        .strip_prefix("kco_")
        .and_then(|rest| rest.split_once('_'))
        .filter(|(kind, rest)| matches!(*kind, "live" | "test") && rest.len() > 4)
        .map(|(kind, _)| kind);
    let Some(kind) = kind else {
        return Err(AppError::invalid_field(
            "api_key",
            "This does not look like a Kustom API key (kco_live_api_… or kco_test_api_…).",
        ));
    };
    let kind_of = if kind == "live" {
        KeyKind::Live
    } else {
        KeyKind::Test
    };
    let warning = match (environment, kind) {
        (Environment::KustomPlayground, "live") => Some(
            "This is a live (production) key, but the profile is for the playground. Payments made with it are real.".to_owned(),
        ),
        (Environment::KustomProduction, "test") => Some(
            "This is a test (playground) key, but the profile is for production. It will be rejected there.".to_owned(),
        ),
        _ => None,
    };
    Ok(KeyCheck {
        warning,
        kind: kind_of,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_documented_keys_and_warns_on_environment_mismatch() {
        let ok = check_api_key(
            Environment::KustomPlayground,
            "kco_test_api_elZGI1B5dHBIRWltRjF5",
        );
        assert_eq!(
            ok.ok(),
            Some(KeyCheck {
                warning: None,
                kind: KeyKind::Test
            })
        );
        let live_on_playground =
            check_api_key(Environment::KustomPlayground, "kco_live_api_elZGI1B5dHBIRW");
        assert!(live_on_playground.is_ok_and(|c| c.warning.is_some_and(|w| w.contains("live"))));
        let test_on_production =
            check_api_key(Environment::KustomProduction, "kco_test_api_elZGI1B5dHBIRW");
        assert!(test_on_production.is_ok_and(|c| c.warning.is_some()));
    }

    #[test]
    fn rejects_what_is_not_a_key() {
        for bad in [
            "",
            "hello",
            "kco_prod_api_xxxxxxxx",
            "kco_test_",
            "kco_test_api_abc def",
        ] {
            assert!(
                matches!(
                    check_api_key(Environment::KustomProduction, bad),
                    Err(AppError::Validation { .. })
                ),
                "{bad:?}"
            );
        }
    }
}
