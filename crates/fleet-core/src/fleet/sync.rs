//! The one sync loop, used by the app, the command line and the bench: every page of the fleet
//! through the client (bounded concurrency), each handed to the cache's writer and copied into the
//! next index as it arrives, beside the pages still in flight; then the flip that makes them the
//! profile's fleet, and the index that goes with it.

use kustom_ipp::{Client, DeviceQuery, PagingOptions, Progress, fetch_pages};

use super::cache::{FleetCache, SyncInfo};
use super::index::FleetIndex;
use crate::AppError;

/// How a sync pages through the fleet: the API's largest page, eight in flight.
pub const SYNC_PAGING: PagingOptions = PagingOptions {
    page_size: 100,
    concurrency: 8,
};

/// Fetches the whole fleet of `profile_id` into `cache` and returns what was synced with its
/// index. On any failure the previous fleet stays cached as it was and the pages written so far
/// are deleted.
pub async fn sync_fleet(
    client: &Client,
    cache: &FleetCache,
    profile_id: &str,
    progress: impl FnMut(Progress),
) -> Result<(SyncInfo, FleetIndex), AppError> {
    let writer = cache.begin_sync(profile_id)?;
    let pages = fetch_pages(
        |request| {
            let (client, writer) = (client.clone(), &writer);
            async move {
                let number = request.page_number;
                let (mut page, body) = client
                    .list_devices_with_body(&DeviceQuery::default(), request)
                    .await?;
                let sent_bytes = body.len();
                drop(body);
                let devices = std::mem::take(&mut page.content);
                let count = devices.len();
                writer
                    .write(number, devices, sent_bytes)
                    .await
                    .map_err(|refused| kustom_ipp::ApiError::Decode {
                        context: "list devices".to_owned(),
                        message: refused.to_string(),
                    })?;
                // The devices are the writer's now (in the index's rows and on their way to the
                // cache); the paging goes on with the page's shape, a `()` for each.
                let mut shape = page.map(drop);
                shape.content = vec![(); count];
                Ok(shape)
            }
        },
        SYNC_PAGING,
        progress,
    )
    .await
    .map_err(AppError::from)?;
    // On an error above the writer is dropped, and what it wrote is deleted.
    let cache = cache.clone();
    tokio::task::spawn_blocking(move || cache.finish_and_index(writer, pages.len()))
        .await
        .map_err(|err| AppError::internal(format!("a background task failed: {err}")))?
}
