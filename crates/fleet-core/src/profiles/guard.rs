//! The production guard, enforced where it matters: in Rust, not only in the UI.
//!
//! On a production profile a destructive action (deleting the profile, cancelling a code or a
//! session, deregistering devices) must come with the confirmation the user typed: the name of
//! what changes — the profile's or device's name, the code, the session's reference, or
//! "N devices". The expected text is worked out here from the thing itself, never taken from the
//! UI, so a webview that skipped its dialog cannot act on production.

use super::profile::Profile;
use crate::AppError;

/// `Ok` unless `profile` is production and `given` is not `expected` (whitespace around ignored).
pub fn require(profile: &Profile, expected: &str, given: Option<&str>) -> Result<(), AppError> {
    if !profile.environment.is_production() {
        return Ok(());
    }
    match given {
        Some(text) if text.trim() == expected.trim() => Ok(()),
        _ => Err(AppError::ConfirmationRequired {
            message: format!(
                "This changes your PRODUCTION account. Type “{}” to confirm.",
                expected.trim()
            ),
            expected: expected.trim().to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::profiles::Environment;

    fn profile(environment: Environment) -> Profile {
        Profile {
            id: "p".into(),
            name: "Stores".into(),
            environment,
            base_url: environment.default_base_url().into(),
            merchant_id: "M".into(),
            created_at: Utc::now(),
            last_used_at: None,
        }
    }

    #[test]
    fn only_production_needs_the_typed_name() {
        let playground = profile(Environment::KustomPlayground);
        assert!(require(&playground, "Till 1", None).is_ok());
        let production = profile(Environment::KustomProduction);
        assert!(matches!(
            require(&production, "Till 1", None),
            Err(AppError::ConfirmationRequired { expected, .. }) if expected == "Till 1"
        ));
        assert!(require(&production, "Till 1", Some("Till 2")).is_err());
        assert!(require(&production, "Till 1", Some(" Till 1 ")).is_ok());
    }
}
