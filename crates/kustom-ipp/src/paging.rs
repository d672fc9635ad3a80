//! Fetching every page of a list with bounded concurrency.
//!
//! The first page tells how many there are; the rest are fetched `concurrency` at a time (each
//! with the client's own retries), and the items are returned in page order. Progress is
//! reported after every page.
//!
//! The server's numbers are not trusted with memory: a claimed page count above [`MAX_PAGES`] or
//! a negative total is an error before anything else is fetched, nothing is allocated from the
//! claim, a page with more items than were asked for is an error, and fetching stops at the first
//! page that says `last` or comes back empty.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicI32, Ordering};

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::error::ApiError;
use crate::models::{Page, PageRequest};

/// The most pages one list may have: 10,000 pages of 100 is a million items, ten times the largest
/// fleet Fleetdesk is built for. A server that claims more is not believed.
pub const MAX_PAGES: u32 = 10_000;

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

fn implausible(message: String) -> ApiError {
    ApiError::Decode {
        context: "list".to_owned(),
        message,
    }
}

/// Fetches all pages through `fetch_page` and returns the items in order.
pub async fn fetch_all<T, F, Fut>(
    fetch_page: F,
    options: PagingOptions,
    progress: impl FnMut(Progress),
) -> Result<Vec<T>, ApiError>
where
    F: Fn(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    let pages = fetch_pages(fetch_page, options, progress).await?;
    Ok(pages.into_iter().flatten().collect())
}

/// [`fetch_all`], with the items kept in their pages: the `n`th list is page number `n`, for
/// every page from 0 up to the last one. A page fetched beyond the last (a later page said
/// `last` or was empty while it was in flight) is not among them.
pub async fn fetch_pages<T, F, Fut>(
    fetch_page: F,
    options: PagingOptions,
    mut progress: impl FnMut(Progress),
) -> Result<Vec<Vec<T>>, ApiError>
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
    // A page holds at most what was asked for: a server sending more could fill memory and the
    // cache beyond anything the page count promised.
    let oversized = |number: i32, page: &Page<T>| {
        (page.content.len() > options.page_size as usize).then(|| {
            implausible(format!(
                "page {number} has {} items where at most {} were asked for; Fleetdesk does not \
                 read it",
                page.content.len(),
                options.page_size
            ))
        })
    };
    let first = fetch_page(PageRequest::first(options.page_size)).await?;
    if let Some(error) = oversized(0, &first) {
        return Err(error);
    }
    if first.total_pages < 0 || first.total_elements < 0 {
        return Err(implausible(format!(
            "the API reported {} items on {} pages",
            first.total_elements, first.total_pages
        )));
    }
    let claimed = first.total_pages.max(1) as u32;
    if claimed > MAX_PAGES {
        return Err(implausible(format!(
            "the API claims {claimed} pages; Fleetdesk reads at most {MAX_PAGES}"
        )));
    }
    let mut report = Progress {
        pages_done: 1,
        pages_total: claimed,
        items_done: first.content.len() as u64,
        items_total: first.total_elements as u64,
    };
    progress(report);
    // The number of the last page, as far as we know: lowered when a page says `last` or is empty.
    let end = AtomicI32::new(if first.last || first.content.is_empty() {
        0
    } else {
        claimed as i32 - 1
    });
    let mut pages: BTreeMap<i32, Vec<T>> = BTreeMap::new();
    pages.insert(0, first.content);

    let fetch_page = &fetch_page;
    let end = &end;
    let mut rest = stream::iter(1..claimed as i32)
        .take_while(|number| std::future::ready(*number <= end.load(Ordering::Relaxed)))
        .map(|number| async move {
            fetch_page(PageRequest::new(number, options.page_size))
                .await
                .map(|page| (number, page))
        })
        .buffer_unordered(options.concurrency.max(1));
    while let Some((number, page)) = rest.try_next().await? {
        if let Some(error) = oversized(number, &page) {
            return Err(error);
        }
        if page.last || page.content.is_empty() {
            end.fetch_min(
                if page.content.is_empty() {
                    number - 1
                } else {
                    number
                },
                Ordering::Relaxed,
            );
        }
        report.pages_done += 1;
        report.items_done += page.content.len() as u64;
        progress(report);
        pages.insert(number, page.content);
    }
    let end = end.load(Ordering::Relaxed);
    Ok(pages
        .into_iter()
        .take_while(|(number, _)| *number <= end)
        .map(|(_, content)| content)
        .collect())
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

    /// Item 4 of the untrusted-page issue: a server that sends more items than a page asked for
    /// is refused, on the first page and on a later one.
    #[tokio::test]
    async fn a_page_with_more_items_than_asked_for_is_refused() {
        for stuffed in [0, 2] {
            let result: Result<Vec<i64>, ApiError> = fetch_all(
                |request| async move {
                    let mut page = fake_page(request, 500);
                    if request.page_number == stuffed {
                        page.content.extend(0..1_000);
                    }
                    Ok(page)
                },
                PagingOptions {
                    page_size: 100,
                    concurrency: 2,
                },
                |_| {},
            )
            .await;
            let Err(ApiError::Decode { message, .. }) = result else {
                panic!("page {stuffed} stuffed: {result:?}");
            };
            assert!(message.contains("at most 100"), "{message}");
        }
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
    async fn absurd_page_counts_and_negative_totals_are_refused_without_allocating() {
        for (total_pages, total_elements) in [(i32::MAX, 10), (-1, 10), (3, -5)] {
            let result: Result<Vec<i64>, ApiError> = fetch_all(
                |request| async move {
                    let mut page = fake_page(request, 10);
                    page.total_pages = total_pages;
                    page.total_elements = total_elements;
                    page.last = false;
                    Ok(page)
                },
                PagingOptions::default(),
                |_| {},
            )
            .await;
            assert!(
                matches!(result, Err(ApiError::Decode { .. })),
                "{total_pages}/{total_elements}: {result:?}"
            );
        }
    }

    #[tokio::test]
    async fn fetching_stops_at_the_page_that_says_last_or_is_empty() {
        let asked = std::sync::Mutex::new(Vec::new());
        let items = fetch_all(
            |request| {
                if let Ok(mut asked) = asked.lock() {
                    asked.push(request.page_number);
                }
                async move {
                    // Claims 1,000 pages, but page 3 is the last one with items.
                    let mut page = fake_page(request, 350);
                    page.total_pages = 1_000;
                    page.last = request.page_number == 3;
                    Ok(page)
                }
            },
            PagingOptions {
                page_size: 100,
                concurrency: 2,
            },
            |_| {},
        )
        .await
        .unwrap_or_default();
        assert_eq!(items, (0..350).collect::<Vec<_>>());
        let asked = asked.lock().map(|a| a.len()).unwrap_or(usize::MAX);
        assert!(asked < 10, "asked for {asked} pages after the last one");
    }

    #[tokio::test]
    async fn pages_are_kept_apart_in_page_order_without_those_past_the_last() {
        let asked = std::sync::Mutex::new(Vec::new());
        let pages = fetch_pages(
            |request| {
                if let Ok(mut asked) = asked.lock() {
                    asked.push(request.page_number);
                }
                async move {
                    // Items on every page up to 9, but page 3 says it is the last: pages 4 and
                    // on, already in flight, must not be among the pages returned.
                    let mut page = fake_page(request, 1_000);
                    page.last = request.page_number == 3;
                    if request.page_number == 2 {
                        tokio::task::yield_now().await;
                    }
                    Ok(page)
                }
            },
            PagingOptions {
                page_size: 100,
                concurrency: 4,
            },
            |_| {},
        )
        .await
        .unwrap_or_default();
        let expected: Vec<Vec<i64>> = (0..4).map(|n| (n * 100..n * 100 + 100).collect()).collect();
        assert_eq!(pages, expected);
        let asked = asked.lock().map(|a| a.clone()).unwrap_or_default();
        assert!(
            asked.iter().any(|&n| n > 3),
            "no page past the last was in flight: {asked:?}"
        );
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
