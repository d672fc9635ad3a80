//! The Kustom environments a profile can talk to, and the built-in local playground's identity.

use serde::{Deserialize, Serialize};
use specta::Type;

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

    /// Whether this is the production environment by its label. A profile's being production is
    /// decided by [`crate::profiles::Profile::is_production`], which also looks at its host and
    /// its key: a label is what the page may set.
    pub fn is_production(self) -> bool {
        matches!(self, Self::KustomProduction)
    }

    /// The documented host [DOC §1]; the local playground's is decided at run time.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Self::LocalPlayground => LOCAL_PLAYGROUND_URL,
            Self::KustomPlayground => "https://api.playground.kustom.co",
            Self::KustomProduction => "https://api.kustom.co",
        }
    }

    pub(crate) fn as_db(self) -> &'static str {
        match self {
            Self::LocalPlayground => "local_playground",
            Self::KustomPlayground => "kustom_playground",
            Self::KustomProduction => "kustom_production",
        }
    }

    pub(crate) fn from_db(value: &str) -> Option<Self> {
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
