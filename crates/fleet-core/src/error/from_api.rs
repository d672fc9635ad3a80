//! How an API failure reads to a store manager: `kustom_ipp::ApiError` → [`AppError`].

use kustom_ipp::ApiError;

use crate::AppError;

impl From<ApiError> for AppError {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::Unauthorized(_) => AppError::Unauthorized {
                message: "Kustom rejected the API key (401). Check that the key is complete, \
                          belongs to this environment and to the profile's merchant ID, or enter \
                          it again in Settings."
                    .to_owned(),
            },
            // The key is valid (else 401) and the call exists: what an account is refused on
            // `/ipp/v1` as a whole is the product, which Kustom switches on per account [DOC §1].
            ApiError::Forbidden(problem) => {
                const HEADLINE: &str =
                    "In-Person Payments is not enabled for this merchant account";
                // Kustom's own words when they add to ours (not when they say the same thing).
                let detail = problem
                    .summary()
                    .filter(|s| !s.to_lowercase().contains(&HEADLINE.to_lowercase()))
                    .map(|s| format!(": {s}"))
                    .unwrap_or_default();
                AppError::IppNotEnabled {
                    message: format!(
                        "{HEADLINE}. Kustom switches it on per account: ask Kustom (your account \
                         manager or merchant support) to enable In-Person Payments for this \
                         merchant ID, then try again. (Kustom answered 403 Forbidden{detail}.)"
                    ),
                }
            }
            ApiError::NotFound(problem) => AppError::NotFound {
                message: problem
                    .summary()
                    .unwrap_or_else(|| "Kustom does not know that item (404).".to_owned()),
            },
            ApiError::Conflict(problem) => AppError::Conflict {
                message: problem.summary().unwrap_or_else(|| {
                    "The item changed and the request no longer applies (409).".to_owned()
                }),
            },
            ApiError::Validation { message, fields } => {
                let detail = if fields.is_empty() {
                    message.unwrap_or_else(|| "Kustom rejected the request as invalid.".to_owned())
                } else {
                    fields
                        .iter()
                        .map(|(field, problem)| format!("{field}: {problem}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                AppError::Validation {
                    message: detail,
                    fields,
                }
            }
            ApiError::RateLimited { retry_after } => AppError::RateLimited {
                message: format!(
                    "Kustom is rate limiting requests. Try again in {} s.",
                    retry_after.as_secs().max(1)
                ),
                retry_after_secs: retry_after.as_secs().min(u64::from(u32::MAX)) as u32,
            },
            ApiError::Server { status, .. } => AppError::Server {
                message: format!(
                    "Kustom had a problem on its side ({status}). Try again in a moment."
                ),
            },
            ApiError::UnexpectedStatus { status, problem } => AppError::Server {
                message: format!(
                    "Kustom answered with an unexpected status {status}{}.",
                    problem
                        .summary()
                        .map(|s| format!(": {s}"))
                        .unwrap_or_default()
                ),
            },
            ApiError::OutcomeUnknown { context, cause } => AppError::OutcomeUnknown {
                message: format!(
                    "Kustom's answer to “{context}” was lost ({cause}), so it may have been done. \
                     Check before trying again."
                ),
            },
            ApiError::Timeout => AppError::Timeout {
                message: "Kustom did not answer in time. Check your connection and try again."
                    .to_owned(),
            },
            ApiError::Offline(detail) => AppError::Offline {
                message: format!(
                    "Could not reach the API host ({detail}). Check the address and your connection."
                ),
            },
            ApiError::Tls(detail) => AppError::Offline {
                message: format!("A secure (TLS) connection to the API host failed: {detail}"),
            },
            ApiError::Decode { context, message } => AppError::Server {
                message: format!("Kustom's answer to “{context}” could not be read: {message}"),
            },
            ApiError::Config(detail) => AppError::Validation {
                message: detail.clone(),
                fields: std::collections::BTreeMap::from([("base_url".to_owned(), detail)]),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use kustom_ipp::Problem;

    use super::*;

    #[test]
    fn every_api_error_becomes_a_specific_app_error() {
        let cases: Vec<(ApiError, &str)> = vec![
            (ApiError::Unauthorized(Problem::default()), "UNAUTHORIZED"),
            (ApiError::Forbidden(Problem::default()), "IPP_NOT_ENABLED"),
            (ApiError::NotFound(Problem::default()), "NOT_FOUND"),
            (ApiError::Conflict(Problem::default()), "CONFLICT"),
            (ApiError::invalid("name", "must not be blank"), "VALIDATION"),
            (
                ApiError::RateLimited {
                    retry_after: Duration::from_secs(3),
                },
                "RATE_LIMITED",
            ),
            (
                ApiError::Server {
                    status: 503,
                    problem: Problem::default(),
                },
                "SERVER",
            ),
            (ApiError::Timeout, "TIMEOUT"),
            (ApiError::Offline("connection refused".into()), "OFFLINE"),
        ];
        for (api, code) in cases {
            let app = AppError::from(api);
            assert_eq!(app.code(), code);
            assert!(!app.to_string().is_empty());
        }
        let AppError::RateLimited {
            retry_after_secs, ..
        } = AppError::from(ApiError::RateLimited {
            retry_after: Duration::from_secs(3),
        })
        else {
            panic!("rate limited");
        };
        assert_eq!(retry_after_secs, 3);
        let AppError::Validation { fields, .. } =
            AppError::from(ApiError::invalid("name", "must not be blank"))
        else {
            panic!("validation");
        };
        assert_eq!(fields["name"], "must not be blank");
    }
}
