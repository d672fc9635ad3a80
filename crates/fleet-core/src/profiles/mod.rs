//! Profiles: which Kustom account and environment Fleetdesk talks to, and the secrets that go
//! with each.
//!
//! - [`environment`]: the three environments and the built-in local playground's identity;
//! - [`profile`]: a profile and the rules of its form (names, hosts, merchant ids);
//! - [`saved`]: profiles in the database, and which one is active;
//! - [`vault`]: the OS keychain, the only place a key or signing secret is kept;
//! - [`key_check`]: what an API key looks like, per environment;
//! - [`guard`]: the production guard, enforced in Rust.

pub mod environment;
pub mod guard;
pub mod key_check;
pub mod profile;
pub mod saved;
pub mod vault;

pub use environment::{Environment, LOCAL_PLAYGROUND_ID, LOCAL_PLAYGROUND_URL};
pub use profile::{
    ActiveProfileSummary, Profile, ProfileInput, ProfileView, ValidProfile, check_base_url, origin,
    origin_label,
};
pub use saved::Profiles;
