//! The production guard, enforced where a page cannot reach it.
//!
//! A destructive action on a production profile (deleting the profile, cancelling a code or a
//! session, deregistering devices, a bulk change) runs only once the person at the computer has
//! confirmed it *outside the page*: the window asks in a native dialog opened by Rust, the command
//! line at its terminal (or by `--confirm <account>`). The page can neither see what the dialog
//! expects nor answer it, so a compromised page cannot act on production. Whether a profile is
//! production is itself a fact Rust derives ([`Profile::is_production`]), not a label.

use futures::future::BoxFuture;

use super::profile::Profile;
use crate::AppError;

/// A destructive change to production, named by what it changes (the confirmation words it in
/// the user's language: `locale::dialog_text`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductionAction {
    DeleteProfile {
        name: String,
    },
    CancelCode {
        code: String,
    },
    DeregisterDevice {
        name: String,
    },
    CancelSession {
        reference: String,
    },
    /// A change to many devices at once.
    ChangeDevices {
        count: u32,
        change: DevicesChange,
    },
}

/// What a change to many devices does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevicesChange {
    /// Moved to the named store; `None`: taken out of their store.
    Move {
        store: Option<String>,
    },
    SetMetadata {
        key: String,
        value: String,
    },
    RemoveMetadata {
        key: String,
    },
    Rename,
    Deregister,
}

/// What a production change is about to do, as the confirmation shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductionChange {
    /// The account it changes: the profile's name and merchant id.
    pub account: String,
    pub action: ProductionAction,
}

impl ProductionChange {
    pub fn new(profile: &Profile, action: ProductionAction) -> Self {
        Self {
            account: format!("{} ({})", profile.name, profile.merchant_id),
            action,
        }
    }
}

/// Asks the person at the computer to confirm a production change, outside the page. A
/// front-end gives the desk its own: a native dialog, a terminal prompt.
pub trait Confirmer: Send + Sync {
    /// `true` only when the person confirmed `change`; closing or cancelling is `false`.
    fn confirm(&self, change: &ProductionChange) -> BoxFuture<'static, bool>;
}

/// The confirmer of a desk with no way to ask anyone: every production change is refused.
pub struct NobodyToAsk;

impl Confirmer for NobodyToAsk {
    fn confirm(&self, _change: &ProductionChange) -> BoxFuture<'static, bool> {
        Box::pin(std::future::ready(false))
    }
}

/// Confirms exactly the changes to one account, as a person who typed its name for this run
/// did (`fleetdesk … --confirm <name>`), and nothing else.
pub struct ConfirmedAccount(pub String);

impl Confirmer for ConfirmedAccount {
    fn confirm(&self, change: &ProductionChange) -> BoxFuture<'static, bool> {
        let named = change.account == self.0
            || change
                .account
                .split_once(" (")
                .is_some_and(|(name, _)| name == self.0.trim());
        Box::pin(std::future::ready(named))
    }
}

/// `Ok` when `profile` is not production, or when `confirmer` got the person's yes to `change`.
pub async fn require(
    confirmer: &dyn Confirmer,
    profile: &Profile,
    change: ProductionChange,
) -> Result<(), AppError> {
    if !profile.is_production() {
        return Ok(());
    }
    if confirmer.confirm(&change).await {
        Ok(())
    } else {
        Err(AppError::ConfirmationRequired {
            message: format!(
                "Not done: “{}” on the PRODUCTION account {} was not confirmed.",
                change.describe(),
                change.account
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::Utc;

    use super::*;
    use crate::profiles::Environment;
    use crate::profiles::key_check::KeyKind;

    fn profile(environment: Environment, base_url: &str, key: Option<KeyKind>) -> Profile {
        Profile {
            id: "p".into(),
            name: "Stores".into(),
            environment,
            base_url: base_url.into(),
            merchant_id: "M".into(),
            created_at: Utc::now(),
            last_used_at: None,
            api_key_kind: key,
            production: Profile::derive_production(environment, base_url, key),
        }
    }

    /// Records what it was asked and answers `yes`.
    struct Answering {
        yes: bool,
        asked: Mutex<Vec<ProductionChange>>,
    }

    impl Confirmer for Answering {
        fn confirm(&self, change: &ProductionChange) -> BoxFuture<'static, bool> {
            self.asked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(change.clone());
            Box::pin(std::future::ready(self.yes))
        }
    }

    fn answering(yes: bool) -> Answering {
        Answering {
            yes,
            asked: Mutex::new(Vec::new()),
        }
    }

    #[tokio::test]
    async fn only_production_asks_and_only_a_yes_lets_the_change_through() {
        let playground = profile(
            Environment::KustomPlayground,
            "https://api.playground.kustom.co",
            Some(KeyKind::Test),
        );
        let nobody = answering(false);
        let change = ProductionChange::new(
            &playground,
            ProductionAction::DeregisterDevice {
                name: "Till 1".into(),
            },
        );
        assert!(require(&nobody, &playground, change).await.is_ok());
        assert!(
            nobody
                .asked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_empty(),
            "a playground change asks nobody"
        );

        let production = profile(
            Environment::KustomProduction,
            "https://api.kustom.co",
            Some(KeyKind::Live),
        );
        let change = ProductionChange::new(
            &production,
            ProductionAction::DeregisterDevice {
                name: "Till 1".into(),
            },
        );
        let refused = require(&nobody, &production, change.clone()).await;
        assert!(
            matches!(&refused, Err(AppError::ConfirmationRequired { message }) if message.contains("not confirmed")),
            "{refused:?}"
        );
        let yes = answering(true);
        assert!(require(&yes, &production, change.clone()).await.is_ok());
        assert_eq!(
            yes.asked.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            vec![change]
        );
    }

    #[test]
    fn production_is_a_fact_of_the_host_and_the_key_not_the_label() {
        // Labelled playground, production's host: production.
        assert!(
            profile(Environment::KustomPlayground, "https://api.kustom.co", None).is_production()
        );
        assert!(
            profile(
                Environment::KustomPlayground,
                "https://API.kustom.co:443/",
                None
            )
            .is_production()
        );
        // Labelled playground, a live key pointed at some other host: production.
        assert!(
            profile(
                Environment::KustomPlayground,
                "https://proxy.example",
                Some(KeyKind::Live)
            )
            .is_production()
        );
        // A playground with a test key: not.
        assert!(
            !profile(
                Environment::KustomPlayground,
                "https://api.playground.kustom.co",
                Some(KeyKind::Test)
            )
            .is_production()
        );
        assert!(
            profile(Environment::KustomProduction, "https://proxy.example", None).is_production()
        );
    }

    #[tokio::test]
    async fn a_typed_account_name_confirms_that_account_only() {
        let production = profile(Environment::KustomProduction, "https://api.kustom.co", None);
        let change = ProductionChange::new(
            &production,
            ProductionAction::CancelCode {
                code: "ABCD EFGH".into(),
            },
        );
        assert!(ConfirmedAccount("Stores".into()).confirm(&change).await);
        assert!(ConfirmedAccount("Stores (M)".into()).confirm(&change).await);
        assert!(!ConfirmedAccount("Other".into()).confirm(&change).await);
        assert!(!NobodyToAsk.confirm(&change).await);
    }
}
