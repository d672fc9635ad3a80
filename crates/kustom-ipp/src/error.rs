//! What can go wrong talking to the API, as one enum the app can map to a message.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

/// An RFC 7807 problem body (`application/problem+json`). Kustom's error schema is not documented
/// [GAP]; the third-party client parses these fields [3P §3.5], so every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Problem {
    #[serde(default, rename = "type")]
    pub problem_type: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub detail: Option<String>,
    /// Field errors on validation failures: `{field: message}`.
    #[serde(default)]
    pub errors: BTreeMap<String, String>,
}

impl Problem {
    /// The same problem with every text cut to [`crate::text::MAX_TEXT`] characters and at most
    /// 20 field errors: what an API sends is shown and recorded, so it is bounded.
    pub fn bounded(self) -> Self {
        use crate::text::bounded;
        Self {
            problem_type: self.problem_type.as_deref().map(bounded),
            title: self.title.as_deref().map(bounded),
            status: self.status,
            detail: self.detail.as_deref().map(bounded),
            errors: self
                .errors
                .into_iter()
                .take(20)
                .map(|(field, message)| (bounded(&field), bounded(&message)))
                .collect(),
        }
    }

    /// The most specific human text in the body.
    pub fn summary(&self) -> Option<String> {
        match (&self.title, &self.detail) {
            (_, Some(detail)) if !detail.is_empty() => Some(detail.clone()),
            (Some(title), _) if !title.is_empty() => Some(title.clone()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 401: missing or wrong API key.
    #[error("the API key was rejected{}", detail(.0))]
    Unauthorized(Problem),
    /// 403: the key may not do this (or `x-merchant-id` does not match it).
    #[error("not allowed{}", detail(.0))]
    Forbidden(Problem),
    /// 404.
    #[error("not found{}", detail(.0))]
    NotFound(Problem),
    /// 409: the request conflicts with the resource's state.
    #[error("conflict{}", detail(.0))]
    Conflict(Problem),
    /// 400/422 with field errors, or a request the client refused to send.
    #[error("invalid request{}", validation_detail(.message, .fields))]
    Validation {
        message: Option<String>,
        fields: BTreeMap<String, String>,
    },
    /// 429 (or 503 with Retry-After) after retries ran out.
    #[error("rate limited; retry after {}s", .retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// Any other 5xx.
    #[error("server error {status}{}", detail(.problem))]
    Server { status: u16, problem: Problem },
    /// Any other unexpected status.
    #[error("unexpected status {status}{}", detail(.problem))]
    UnexpectedStatus { status: u16, problem: Problem },
    /// No answer within the configured time.
    #[error("the request timed out")]
    Timeout,
    /// A request that is not safe to repeat (a create) may or may not have been applied: its
    /// answer was lost or was a server error. Look before sending it again.
    #[error("the outcome of “{context}” is unknown ({cause})")]
    OutcomeUnknown {
        context: String,
        cause: Box<ApiError>,
    },
    /// The host could not be reached, or the connection dropped.
    #[error("could not reach the API: {0}")]
    Offline(String),
    /// TLS failed (certificate, protocol).
    #[error("TLS error: {0}")]
    Tls(String),
    /// The response could not be read as what the API promised.
    #[error("could not read the API's answer to {context}: {message}")]
    Decode { context: String, message: String },
    /// The client was misconfigured (bad base URL…).
    #[error("configuration error: {0}")]
    Config(String),
}

fn detail(problem: &Problem) -> String {
    problem
        .summary()
        .map(|text| format!(": {text}"))
        .unwrap_or_default()
}

fn validation_detail(message: &Option<String>, fields: &BTreeMap<String, String>) -> String {
    let mut parts: Vec<String> = message.iter().cloned().collect();
    parts.extend(
        fields
            .iter()
            .map(|(field, problem)| format!("{field} {problem}")),
    );
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join("; "))
    }
}

impl ApiError {
    /// A local validation failure for one field, before anything is sent.
    pub fn invalid(field: &str, problem: impl Into<String>) -> Self {
        Self::Validation {
            message: None,
            fields: BTreeMap::from([(field.to_owned(), problem.into())]),
        }
    }

    /// Maps a non-success status and its body to an error.
    pub fn from_status(status: u16, problem: Problem, retry_after: Option<Duration>) -> Self {
        match status {
            400 | 422 => Self::Validation {
                message: problem.summary(),
                fields: problem.errors,
            },
            401 => Self::Unauthorized(problem),
            403 => Self::Forbidden(problem),
            404 => Self::NotFound(problem),
            409 | 410 => Self::Conflict(problem),
            429 => Self::RateLimited {
                retry_after: retry_after.unwrap_or(Duration::from_secs(1)),
            },
            500..=599 => Self::Server { status, problem },
            _ => Self::UnexpectedStatus { status, problem },
        }
    }

    /// Whether trying the same request again may succeed (for requests that are safe to repeat).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Timeout | Self::Offline(_)
        )
        // (An unknown outcome is not: repeating may do the thing twice.)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn third_party_error_bodies_map_to_specific_errors() {
        let fixtures: serde_json::Value = serde_json::from_str(include_str!(
            "../tests/fixtures/third-party.error-bodies.json"
        ))
        .unwrap_or_default();
        let mut mapped = Vec::new();
        for fixture in fixtures.as_array().into_iter().flatten() {
            let status = fixture["status"].as_u64().unwrap_or_default() as u16;
            let problem: Problem =
                serde_json::from_value(fixture["body"].clone()).unwrap_or_default();
            mapped.push(ApiError::from_status(status, problem, None));
        }
        assert!(
            matches!(&mapped[0], ApiError::Validation { fields, .. } if fields["ttl"] == "must not be null")
        );
        assert!(
            matches!(&mapped[1], ApiError::Unauthorized(p) if p.detail.as_deref() == Some("Access Denied"))
        );
        assert!(matches!(&mapped[2], ApiError::Unauthorized(_)));
        assert!(
            matches!(&mapped[3], ApiError::Conflict(p) if p.summary().as_deref() == Some("Device is offline"))
        );
        assert!(matches!(&mapped[4], ApiError::Server { status: 503, .. }));
        assert_eq!(mapped[3].to_string(), "conflict: Device is offline");
    }
}
