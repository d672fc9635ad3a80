//! Fetching every page of a list with bounded concurrency.
//!
//! The first page tells how many there are; the rest are fetched `concurrency` at a time (each
//! with the client's own retries), and the items are returned in page order. Progress is
//! reported after every page.

use std::future::Future;

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::error::ApiError;
use crate::models::{Page, PageRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagingOptions {
    pub page_size: i32,
    /// Pages in flight at once.
    pub concurrency: usize,
}

impl Default for PagingOptions {
    fn default() -> Self {
        Self {
            page_size: PageRequest::MAX_SIZE,
            concurrency: 8,
        }
    }
}

/// How far a fetch has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub pages_done: u32,
    pub pages_total: u32,
    pub items_done: u64,
    pub items_total: u64,
}

/// Fetches all pages through `fetch_page` and returns the items in order.
pub async fn fetch_all<T, F, Fut>(
    fetch_page: F,
    options: PagingOptions,
    mut progress: impl FnMut(Progress),
) -> Result<Vec<T>, ApiError>
where
    F: Fn(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    if !(1..=PageRequest::MAX_SIZE).contains(&options.page_size) {
        return Err(ApiError::invalid(
            "page_size",
            format!("must be between 1 and {}", PageRequest::MAX_SIZE),
        ));
    }
    let first = fetch_page(PageRequest::first(options.page_size)).await?;
    let pages_total = first.total_pages.max(1) as u32;
    let items_total = first.total_elements.max(0) as u64;
    let mut report = Progress {
        pages_done: 1,
        pages_total,
        items_done: first.content.len() as u64,
        items_total,
    };
    progress(report);

    let mut pages: Vec<Vec<T>> = Vec::with_capacity(pages_total as usize);
    pages.push(first.content);
    pages.resize_with(pages_total as usize, Vec::new);

    let fetch_page = &fetch_page;
    let mut rest = stream::iter(1..pages_total as i32)
        .map(|number| async move {
            fetch_page(PageRequest::new(number, options.page_size))
                .await
                .map(|page| (number as usize, page.content))
        })
        .buffer_unordered(options.concurrency.max(1));
    while let Some((number, content)) = rest.try_next().await? {
        report.pages_done += 1;
        report.items_done += content.len() as u64;
        progress(report);
        if let Some(slot) = pages.get_mut(number) {
            *slot = content;
        }
    }
    Ok(pages.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_page(request: PageRequest, total: i64) -> Page<i64> {
        let start = i64::from(request.page_number) * i64::from(request.page_size);
        let end = (start + i64::from(request.page_size)).min(total);
        Page::new(
            (start..end).collect(),
            total,
            request.page_number,
            request.page_size,
        )
    }

    #[tokio::test]
    async fn returns_every_item_in_order_and_reports_progress() {
        let mut seen = Vec::new();
        let items = fetch_all(
            |request| async move { Ok(fake_page(request, 1_234)) },
            PagingOptions {
                page_size: 100,
                concurrency: 4,
            },
            |p| seen.push(p),
        )
        .await
        .unwrap_or_default();
        assert_eq!(items, (0..1_234).collect::<Vec<_>>());
        assert_eq!(seen.len(), 13);
        assert_eq!(
            seen.last()
                .map(|p| (p.pages_done, p.pages_total, p.items_done)),
            Some((13, 13, 1_234))
        );
    }

    #[tokio::test]
    async fn an_empty_list_is_one_page() {
        let items = fetch_all(
            |request| async move { Ok(fake_page(request, 0)) },
            PagingOptions::default(),
            |_| {},
        )
        .await
        .unwrap_or_default();
        assert!(items.is_empty());
    }

    #[tokio::test]
    async fn a_failing_page_fails_the_fetch() {
        let result = fetch_all(
            |request| async move {
                if request.page_number == 3 {
                    Err(ApiError::Timeout)
                } else {
                    Ok(fake_page(request, 1_000))
                }
            },
            PagingOptions {
                page_size: 100,
                concurrency: 2,
            },
            |_| {},
        )
        .await;
        assert_eq!(result, Err(ApiError::Timeout));
    }
}
