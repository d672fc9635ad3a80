//! Query strings with repeated keys (`metadata=a:1&metadata=b:2`) and typed, validated numbers.

use std::collections::BTreeMap;

use crate::error::SimError;
use crate::state::Paging;

pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn get_all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool, SimError> {
        match self.get(key) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(SimError::field(
                key,
                format!("{other:?} is not true or false"),
            )),
        }
    }

    /// `page_number` ≥ 0 (default 0) and `page_size` within `1..=max_size` (default 20) [DOC §3.3].
    ///
    /// Out of range is refused, not clamped — kept: the docs give the range (`1..100` for
    /// enrollments) and say nothing of clamping, and a client that asks for 500 and silently gets
    /// 100 would miss items if it trusted its own page size. Refusing is the reading under which
    /// such a client fails.
    pub fn paging(&self, max_size: i32) -> Result<Paging, SimError> {
        let mut errors = BTreeMap::new();
        let mut number = |key: &str, default: i32, range: std::ops::RangeInclusive<i32>| match self
            .get(key)
            .map(str::parse::<i32>)
        {
            None => default,
            Some(Ok(value)) if range.contains(&value) => value,
            Some(_) => {
                errors.insert(
                    key.to_owned(),
                    format!(
                        "must be an integer between {} and {}",
                        range.start(),
                        range.end()
                    ),
                );
                default
            }
        };
        let page_number = number("page_number", 0, 0..=i32::MAX);
        let page_size = number("page_size", 20, 1..=max_size);
        SimError::fields(errors)?;
        Ok(Paging {
            page_number,
            page_size,
        })
    }
}
