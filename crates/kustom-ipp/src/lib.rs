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
//!   [`client`]. Cancelling a session and deleting an enrollment or a device are safe to repeat;
//!   when an earlier attempt's answer was lost, a later 404 or 409 is settled by reading the state
//!   (a CANCELLED session, an enrollment no longer listed, a device that is gone are what was
//!   wanted), because what a repeat answers is [GAP].
//! - Reading is tolerant of what the docs leave open: metadata values that are not strings (a
//!   simulated device's `simulated` = true [DOC §7.1]) arrive as text; location items without an
//!   id parse (their schema is "any" [DOC §8.1]); a callback body needs only `type`, its id and
//!   time falling back to the `webhook-id`/`webhook-timestamp` headers ([`CallbackEnvelope`]).
//! - Paging trusts no size: at most [`paging::MAX_PAGES`] pages, none allocated from the claim, and
//!   fetching stops at a page that says `last` or is empty.
//!
//! The contract is stated independently of these types in `openapi/ipp-v1.openapi.json`
//! ([`openapi::DOCUMENT`]); the contract tests hold every exchange to it.
//!
//! Nothing here logs or prints a key, a token, a webhook secret or a full enrollment code.

pub mod api;
pub mod budget;
pub mod client;
pub mod error;
pub mod filter;
pub mod models;
pub mod openapi;
pub mod paging;
pub mod secret;
mod string_enum;
pub mod text;
pub mod tls;
pub mod webhooks;

pub use api::{DeviceQuery, EnrollmentQuery};
pub use budget::{BudgetStatus, Lane, RateBudget};
pub use client::{Client, ClientConfig, Credentials, RetryPolicy};
pub use error::{ApiError, Problem};
pub use filter::MetadataFilter;
pub use models::*;
pub use paging::{PagingOptions, Progress, fetch_all, fetch_pages};
pub use secret::Secret;
pub use webhooks::{WebhookError, WebhookSecret};
