//! Profiles and the environments they point at.

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

    /// Whether destructive actions need an explicit confirmation naming what will change.
    pub fn is_production(self) -> bool {
        matches!(self, Self::KustomProduction)
    }
}

/// What the header needs to know about the active profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActiveProfileSummary {
    pub name: String,
    pub environment: Environment,
    pub badge: String,
}

impl ActiveProfileSummary {
    /// The built-in local playground, the profile Fleetdesk starts on when nothing is configured.
    pub fn local_playground() -> Self {
        Self::new("Local playground", Environment::LocalPlayground)
    }

    pub fn new(name: impl Into<String>, environment: Environment) -> Self {
        Self {
            name: name.into(),
            environment,
            badge: environment.badge_label().to_owned(),
        }
    }
}
