//! A string that must never be shown: API keys, device bearer tokens, webhook secrets.
//!
//! `Debug` and `Display` print `Secret(••••)`; there is no `Serialize`, so a secret cannot leak into
//! an IPC response or a log line by accident. Code that truly needs the value calls
//! [`Secret::expose`], which is easy to grep for.

use std::fmt;

use serde::{Deserialize, Deserializer};

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself. Only for putting it on the wire or into the keychain.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last four characters, the most the UI ever shows (`••••abcd`).
    pub fn last4(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(••••)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("••••")
    }
}

/// Secrets arrive in API responses (device credentials), so they can be read, never written.
impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("kco_test_api_supersecretvalue");
        assert_eq!(format!("{secret:?}"), "Secret(••••)");
        assert_eq!(format!("{secret}"), "••••");
        assert!(!format!("{:?}", Some(&secret)).contains("supersecret"));
    }

    #[test]
    fn last4_is_the_tail_only() {
        assert_eq!(Secret::new("kco_test_api_abcd1234").last4(), "1234");
        assert_eq!(Secret::new("ab").last4(), "ab");
    }
}
