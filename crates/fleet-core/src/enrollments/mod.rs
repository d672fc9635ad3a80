//! Enrollments: pairing codes one at a time or by the store, and the cards clerks pair with.
//!
//! - [`codes`]: the new-code form's rules, list filters, and finding one enrollment again;
//! - [`issued`]: what is kept about the codes Fleetdesk made (their location, their device), since
//!   the API does not give it back;
//! - [`rollout`]: store rollouts from a CSV file or "N codes for this store", resumable;
//! - [`card`] and [`card_text`]: pairing cards on screen, on paper and as PDF, in the clerk's
//!   language.

pub mod card;
pub mod card_text;
pub mod codes;
pub mod issued;
pub mod rollout;
