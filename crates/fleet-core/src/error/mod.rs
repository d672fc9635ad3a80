//! The one error type that crosses the IPC boundary.
//!
//! It serializes as `{ "code": "...", "message": "...", ... }`: `code` is a stable identifier the UI
//! may branch on, `message` is a sentence a store manager can act on. Variants carry only the extra
//! fields the UI needs (field errors for forms, the wait for rate limits). Nothing secret is ever
//! put in a message.

mod from_api;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use specta::Type;

/// An error a command reports to the UI.
// Deserialize: a job keeps each device's failure in the database, as the UI will read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, thiserror::Error)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AppError {
    /// The API rejected the credentials (401).
    #[error("{message}")]
    Unauthorized { message: String },
    /// The credentials are valid but not allowed to do this.
    #[error("{message}")]
    Forbidden { message: String },
    /// Kustom refuses the account In-Person Payments (403 from `/ipp/v1`): the product is
    /// switched on per merchant account [DOC §1], and this one does not have it (yet).
    #[error("{message}")]
    IppNotEnabled { message: String },
    /// The thing asked for does not exist (404).
    #[error("{message}")]
    NotFound { message: String },
    /// The request conflicts with the current state (409).
    #[error("{message}")]
    Conflict { message: String },
    /// Input was rejected, locally or by the API; `fields` maps a field name to what is wrong.
    #[error("{message}")]
    Validation {
        message: String,
        fields: BTreeMap<String, String>,
    },
    /// Too many requests; try again after `retry_after_secs`.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u32,
    },
    /// The API host could not be reached.
    #[error("{message}")]
    Offline { message: String },
    /// The API did not answer in time.
    #[error("{message}")]
    Timeout { message: String },
    /// A create was sent and its answer lost: the thing may exist. Look before trying again.
    #[error("{message}")]
    OutcomeUnknown { message: String },
    /// A destructive action on a production profile was not confirmed outside the page (the
    /// native dialog was cancelled, or there was nobody to ask).
    #[error("{message}")]
    ConfirmationRequired { message: String },
    /// The API failed on its side (5xx) or answered with something unreadable.
    #[error("{message}")]
    Server { message: String },
    /// The OS keychain could not be used (no Secret Service, locked, access denied).
    #[error("{message}")]
    KeychainUnavailable { message: String },
    /// The local database or file system failed.
    #[error("{message}")]
    Storage { message: String },
    /// A bug: something that should not happen. The message says what, without secrets.
    #[error("{message}")]
    Internal { message: String },
}

impl AppError {
    /// The stable code, as serialized (`"NOT_FOUND"` …).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized { .. } => "UNAUTHORIZED",
            Self::Forbidden { .. } => "FORBIDDEN",
            Self::IppNotEnabled { .. } => "IPP_NOT_ENABLED",
            Self::NotFound { .. } => "NOT_FOUND",
            Self::Conflict { .. } => "CONFLICT",
            Self::Validation { .. } => "VALIDATION",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Offline { .. } => "OFFLINE",
            Self::Timeout { .. } => "TIMEOUT",
            Self::OutcomeUnknown { .. } => "OUTCOME_UNKNOWN",
            Self::ConfirmationRequired { .. } => "CONFIRMATION_REQUIRED",
            Self::Server { .. } => "SERVER",
            Self::KeychainUnavailable { .. } => "KEYCHAIN_UNAVAILABLE",
            Self::Storage { .. } => "STORAGE",
            Self::Internal { .. } => "INTERNAL",
        }
    }

    /// A validation error for one field.
    pub fn invalid_field(field: &str, problem: impl Into<String>) -> Self {
        let problem = problem.into();
        Self::Validation {
            message: format!("{field}: {problem}"),
            fields: BTreeMap::from([(field.to_owned(), problem)]),
        }
    }

    /// An internal error with a message that names what failed.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal {
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message() {
        let json = serde_json::to_value(AppError::NotFound {
            message: "Device 42 does not exist.".into(),
        })
        .unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"code": "NOT_FOUND", "message": "Device 42 does not exist."})
        );
    }

    #[test]
    fn code_matches_serialized_tag_for_every_variant() {
        let all = [
            AppError::Unauthorized {
                message: "m".into(),
            },
            AppError::Forbidden {
                message: "m".into(),
            },
            AppError::IppNotEnabled {
                message: "m".into(),
            },
            AppError::NotFound {
                message: "m".into(),
            },
            AppError::Conflict {
                message: "m".into(),
            },
            AppError::invalid_field("name", "must not be empty"),
            AppError::RateLimited {
                message: "m".into(),
                retry_after_secs: 3,
            },
            AppError::Offline {
                message: "m".into(),
            },
            AppError::Timeout {
                message: "m".into(),
            },
            AppError::OutcomeUnknown {
                message: "m".into(),
            },
            AppError::ConfirmationRequired {
                message: "m".into(),
            },
            AppError::Server {
                message: "m".into(),
            },
            AppError::KeychainUnavailable {
                message: "m".into(),
            },
            AppError::Storage {
                message: "m".into(),
            },
            AppError::internal("m"),
        ];
        for err in all {
            let json = serde_json::to_value(&err).unwrap_or_default();
            assert_eq!(json["code"], err.code(), "{err:?}");
            assert!(json["message"].is_string());
        }
    }

    #[test]
    fn validation_carries_field_errors() {
        let json = serde_json::to_value(AppError::invalid_field("name", "must not be empty"))
            .unwrap_or_default();
        assert_eq!(json["fields"]["name"], "must not be empty");
    }
}
