use serde::{Deserialize, Serialize};
use specta::Type;

/// The page envelope every list endpoint returns [DOC §3.3].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct Page<T> {
    pub content: Vec<T>,
    pub total_elements: i64,
    pub total_pages: i32,
    pub page_number: i32,
    pub page_size: i32,
    pub first: bool,
    pub last: bool,
}

impl<T> Page<T> {
    /// Builds the envelope for one page of `total` items (used by the simulator).
    pub fn new(content: Vec<T>, total_elements: i64, page_number: i32, page_size: i32) -> Self {
        let total_pages = if page_size <= 0 {
            0
        } else {
            ((total_elements + i64::from(page_size) - 1) / i64::from(page_size)) as i32
        };
        Self {
            content,
            total_elements,
            total_pages,
            page_number,
            page_size,
            first: page_number == 0,
            last: page_number >= total_pages.saturating_sub(1),
        }
    }

    /// The same page with each item turned into something else (work done as each page arrives,
    /// while the next pages are still in flight).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            content: self.content.into_iter().map(f).collect(),
            total_elements: self.total_elements,
            total_pages: self.total_pages,
            page_number: self.page_number,
            page_size: self.page_size,
            first: self.first,
            last: self.last,
        }
    }
}

/// Which page to ask for: `page_number` is zero-based, `page_size` defaults to 20 [DOC §3.3].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page_number: i32,
    pub page_size: i32,
}

impl PageRequest {
    /// The largest page the list endpoints accept (enrollments: `1..100` [DOC]; devices [INF]).
    pub const MAX_SIZE: i32 = 100;

    pub fn new(page_number: i32, page_size: i32) -> Self {
        Self {
            page_number,
            page_size,
        }
    }

    pub fn first(page_size: i32) -> Self {
        Self::new(0, page_size)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::new(0, 20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_flags_and_page_count() {
        let page: Page<u8> = Page::new(vec![1, 2], 45, 2, 20);
        assert_eq!(page.total_pages, 3);
        assert!(!page.first);
        assert!(page.last);
        let empty: Page<u8> = Page::new(vec![], 0, 0, 20);
        assert_eq!(empty.total_pages, 0);
        assert!(empty.first && empty.last);
    }

    #[test]
    fn parses_the_documented_example() {
        let json = r#"{"content":[{},{}],"total_elements":2,"total_pages":1,"page_number":0,"page_size":20,"first":true,"last":true}"#;
        let page: Page<serde_json::Value> =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.content.len(), 2);
        assert_eq!(page.total_pages, 1);
    }
}
