//! Typed client for the Kustom In-Person Payments API (`/ipp/v1`).
//!
//! The source of truth is `shared/kustom-ipp/API.md`. Facts tagged [DOC] there are matched
//! exactly; [3P] shapes are accepted; [INF] choices are ours, noted where they are made:
//!
//! - Errors are parsed as RFC 7807 problem bodies; every field optional [3P/INF].
//! - Enrollment cancel is `DELETE /enrollments/{id}` (and a bulk `DELETE /enrollments` with
//!   `{"enrollment_ids": [...]}`) → 204 [INF]; `GET /devices/{id}` exists [INF]; device list takes
//!   the same `location_id` and `metadata` filters as enrollments [INF].
//! - Device registration (the POS app's call) is `POST /devices/register` without authentication,
//!   and a device-side token check is `GET /device/me` — both simulator paths [INF].
//! - `PUT /devices/{id}` replaces all of name, metadata and location [INF, as the 3P client assumes],
//!   so callers always send the full current body.
//! - Retries: only requests that are safe to repeat are retried after an unknown outcome; see
//!   [`client`].
//!
//! Nothing here logs or prints a key, a token, a webhook secret or a full enrollment code.

pub mod api;
pub mod client;
pub mod error;
pub mod filter;
pub mod models;
pub mod openapi;
pub mod paging;
pub mod secret;
mod string_enum;
pub mod webhooks;

pub use api::{DeviceQuery, EnrollmentQuery};
pub use client::{Client, ClientConfig, Credentials, RetryPolicy};
pub use error::{ApiError, Problem};
pub use filter::MetadataFilter;
pub use models::*;
pub use paging::{PagingOptions, Progress, fetch_all};
pub use secret::Secret;
pub use webhooks::{WebhookError, WebhookSecret};
