//! Errors the simulator answers with, as `application/problem+json` [INF §3.5].

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: BTreeMap<String, String>,
    },
    #[error("Access Denied")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
}

impl SimError {
    /// A 400 "Validation Failed" with one field error.
    pub fn field(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::BadRequest {
            detail: "Validation Failed".into(),
            errors: BTreeMap::from([(field.into(), problem.into())]),
        }
    }

    /// A 400 with several field errors (none if the map is empty).
    pub fn fields(errors: BTreeMap<String, String>) -> Result<(), Self> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Self::BadRequest {
                detail: "Validation Failed".into(),
                errors,
            })
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest {
            detail: detail.into(),
            errors: BTreeMap::new(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
        }
    }
}

/// Builds a problem+json response.
pub fn problem(
    status: StatusCode,
    title: &str,
    detail: &str,
    errors: Option<&BTreeMap<String, String>>,
) -> Response {
    let slug = title.to_lowercase().replace(' ', "-");
    let mut body = json!({
        "type": format!("https://docs.kustom.co/problems/{slug}"),
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
    });
    if let Some(errors) = errors {
        body["errors"] = json!(errors);
    }
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            Self::BadRequest { detail, errors } => problem(
                status,
                "Validation Failed",
                detail,
                (!errors.is_empty()).then_some(errors),
            ),
            Self::Unauthorized => problem(status, "Unauthorized", "Access Denied", None),
            Self::Forbidden(detail) => problem(status, "Forbidden", detail, None),
            Self::NotFound(detail) => problem(status, "Not Found", detail, None),
            Self::Conflict(detail) => problem(status, "Conflict", detail, None),
        }
    }
}
