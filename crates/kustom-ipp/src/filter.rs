//! The metadata filter of the list endpoints [DOC §3.4]: `metadata=key:value`, repeatable, all
//! must match (AND), at most five, no key twice. The builder enforces the rules before anything
//! is sent, so a bad filter is a clear local error rather than a 400.

use std::collections::BTreeMap;

use crate::ApiError;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataFilter {
    pairs: Vec<(String, String)>,
}

impl MetadataFilter {
    /// At most five entries [DOC].
    pub const MAX_ENTRIES: usize = 5;

    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key:value`. Keys must be non-empty, must not contain `:` (the separator), and may
    /// appear once; values may be empty and may contain `:` (only the first one separates).
    pub fn and(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, ApiError> {
        let key = key.into();
        let value = value.into();
        if key.trim().is_empty() {
            return Err(ApiError::invalid(
                "metadata",
                "filter keys must not be empty",
            ));
        }
        if key.contains(':') {
            return Err(ApiError::invalid(
                "metadata",
                format!("filter key {key:?} must not contain ':'"),
            ));
        }
        if self.pairs.iter().any(|(existing, _)| *existing == key) {
            return Err(ApiError::invalid(
                "metadata",
                format!("filter key {key:?} appears twice; each key may be used once"),
            ));
        }
        if self.pairs.len() == Self::MAX_ENTRIES {
            return Err(ApiError::invalid(
                "metadata",
                format!("at most {} metadata filters are allowed", Self::MAX_ENTRIES),
            ));
        }
        self.pairs.push((key, value));
        Ok(self)
    }

    /// Builds a filter from pairs, applying the same rules.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ApiError> {
        pairs
            .into_iter()
            .try_fold(Self::new(), |filter, (key, value)| filter.and(key, value))
    }

    /// Parses the wire form `key:value` (as a server receives it).
    pub fn parse_entries<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, ApiError> {
        entries.into_iter().try_fold(Self::new(), |filter, entry| {
            let Some((key, value)) = entry.split_once(':') else {
                return Err(ApiError::invalid(
                    "metadata",
                    format!("{entry:?} is not of the form key:value"),
                ));
            };
            filter.and(key, value)
        })
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The `metadata` query parameters; the HTTP layer URL-encodes the colon (`%3A`).
    pub fn query_pairs(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        self.pairs
            .iter()
            .map(|(key, value)| ("metadata", format!("{key}:{value}")))
    }

    /// Whether a resource's metadata satisfies every entry.
    pub fn matches(&self, metadata: &BTreeMap<String, String>) -> bool {
        self.pairs
            .iter()
            .all(|(key, value)| metadata.get(key) == Some(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_the_documented_rules() {
        let five = MetadataFilter::from_pairs((0..5).map(|i| (format!("k{i}"), "v")));
        assert!(five.is_ok());
        let six = MetadataFilter::from_pairs((0..6).map(|i| (format!("k{i}"), "v")));
        assert!(
            matches!(six, Err(ApiError::Validation { fields, .. }) if fields["metadata"].contains("at most 5"))
        );
        let twice = MetadataFilter::from_pairs([("store_id", "1"), ("store_id", "2")]);
        assert!(
            matches!(twice, Err(ApiError::Validation { fields, .. }) if fields["metadata"].contains("twice"))
        );
        assert!(MetadataFilter::new().and("", "x").is_err());
        assert!(MetadataFilter::new().and("a:b", "x").is_err());
    }

    #[test]
    fn values_may_contain_colons_and_parse_back() {
        let filter = MetadataFilter::new()
            .and("url", "https://x")
            .unwrap_or_default();
        let wire: Vec<String> = filter.query_pairs().map(|(_, v)| v).collect();
        assert_eq!(wire, ["url:https://x"]);
        let parsed =
            MetadataFilter::parse_entries(wire.iter().map(String::as_str)).unwrap_or_default();
        assert_eq!(parsed, filter);
        assert!(MetadataFilter::parse_entries(["no-colon"]).is_err());
    }

    #[test]
    fn matches_is_and_of_all_entries() {
        let filter =
            MetadataFilter::from_pairs([("store_id", "1"), ("region", "EU")]).unwrap_or_default();
        let both = BTreeMap::from([
            ("store_id".to_owned(), "1".to_owned()),
            ("region".to_owned(), "EU".to_owned()),
        ]);
        let one = BTreeMap::from([("store_id".to_owned(), "1".to_owned())]);
        assert!(filter.matches(&both));
        assert!(!filter.matches(&one));
    }
}
