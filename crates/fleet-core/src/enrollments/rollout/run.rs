//! Running a batch: each row's code created exactly once — a row whose earlier attempt may have
//! made one is looked up by its tag first — and reconciling the rows with what the API lists.

use std::collections::HashMap;

use futures::StreamExt;
use kustom_ipp::{
    Client, CreateEnrollment, Enrollment, EnrollmentQuery, MetadataFilter, PageRequest,
    PagingOptions, fetch_all,
};

use super::batches::{BatchDetail, BatchProgress, BatchRow, Rollouts, RowState, row_token, tag};
use super::{BATCH_KEY, ROW_KEY};
use crate::AppError;
use crate::enrollments::codes::{DEVICE_LABEL_KEY, gone_status};

/// Rows created at once.
const CONCURRENCY: usize = 4;

impl Rollouts {
    /// Runs database work of this batch store on the blocking pool.
    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Rollouts) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|err| AppError::internal(format!("a database task failed: {err}")))?
    }

    /// Creates every row that has no code yet (pending, interrupted, failed), `CONCURRENCY` at a
    /// time, reporting progress after each row. Safe to call again at any point; a second call
    /// while one runs is refused (both would create codes for the same pending rows).
    pub async fn run(
        &self,
        client: &Client,
        batch_id: &str,
        mut progress: impl FnMut(BatchProgress),
    ) -> Result<BatchDetail, AppError> {
        let _running = self.lock(batch_id)?;
        let id = batch_id.to_owned();
        let (expires_in, rows) = self
            .db(move |r| Ok((r.expires_in(&id)?, r.rows(&id)?)))
            .await?;
        let total = rows.len() as u32;
        let created = rows.iter().filter(|r| r.state == RowState::Created).count() as u32;
        let mut report = BatchProgress {
            done: created,
            total,
            created,
            failed: 0,
        };
        progress(report);
        let todo: Vec<BatchRow> = rows
            .into_iter()
            .filter(|r| r.state != RowState::Created)
            .collect();
        let mut outcomes = futures::stream::iter(todo)
            .map(|row| async move {
                let outcome = self.create_row(client, batch_id, &row, expires_in).await;
                (row.row_number, outcome)
            })
            .buffer_unordered(CONCURRENCY);
        while let Some((row_number, outcome)) = outcomes.next().await {
            report.done += 1;
            let id = batch_id.to_owned();
            match outcome {
                Ok(enrollment) => {
                    self.db(move |r| r.record_created(&id, row_number, &enrollment))
                        .await?;
                    report.created += 1;
                }
                Err(err) => {
                    let message = err.to_string();
                    self.db(move |r| {
                        r.set_state(&id, row_number, RowState::Failed, Some(&message))
                    })
                    .await?;
                    report.failed += 1;
                }
            }
            progress(report);
        }
        let id = batch_id.to_owned();
        self.db(move |r| r.detail(&id)).await
    }

    /// One row: find its code if an earlier attempt made one, otherwise create it.
    async fn create_row(
        &self,
        client: &Client,
        batch_id: &str,
        row: &BatchRow,
        expires_in: i64,
    ) -> Result<Enrollment, AppError> {
        let token = row_token(batch_id, row.row_number);
        if row.state != RowState::Pending
            && let Some(existing) =
                find_by_token(client, &row.location_id, batch_id, &token).await?
        {
            return Ok(existing);
        }
        let (id, number) = (batch_id.to_owned(), row.row_number);
        self.db(move |r| r.set_state(&id, number, RowState::Creating, None))
            .await?;
        let mut metadata = row.metadata.clone();
        if let Some(label) = &row.device_label {
            metadata.insert(DEVICE_LABEL_KEY.to_owned(), label.clone());
        }
        metadata.insert(BATCH_KEY.to_owned(), tag(batch_id));
        metadata.insert(ROW_KEY.to_owned(), token.clone());
        let request = CreateEnrollment {
            metadata: Some(metadata),
            expires_in: Some(expires_in),
            location_id: Some(row.location_id.clone()),
            ttl: None,
        };
        match client.create_enrollment(&request).await {
            // The answer was lost: the row's tag finds the code if it was made.
            Err(kustom_ipp::ApiError::OutcomeUnknown { cause, .. }) => {
                find_by_token(client, &row.location_id, batch_id, &token)
                    .await?
                    .ok_or_else(|| AppError::OutcomeUnknown {
                        message: format!(
                            "Kustom's answer was lost ({cause}); run the rollout again to check \
                             and finish this row."
                        ),
                    })
            }
            other => Ok(other?),
        }
    }

    /// Asks the API where every code of the batch stands (pending, consumed, expired), records
    /// it, and forgets the codes that can no longer be used.
    pub async fn reconcile(
        &self,
        client: &Client,
        batch_id: &str,
    ) -> Result<BatchDetail, AppError> {
        // Not while the batch runs: a row being created would read as missing.
        let _reconciling = self.lock(batch_id)?;
        let query = EnrollmentQuery {
            location_id: None,
            metadata: MetadataFilter::new().and(BATCH_KEY, tag(batch_id))?,
            include_consumed: Some(true),
        };
        let live = fetch_all(
            |page| {
                let query = query.clone();
                async move { client.list_enrollments(&query, page).await }
            },
            PagingOptions::default(),
            |_| {},
        )
        .await?;
        let (id, now) = (batch_id.to_owned(), chrono::Utc::now());
        self.db(move |r| {
            let by_token: HashMap<&str, &Enrollment> = live
                .iter()
                .filter_map(|e| e.metadata.get(ROW_KEY).map(|t| (t.as_str(), e)))
                .collect();
            for row in r.rows(&id)? {
                let token = row_token(&id, row.row_number);
                let status = match by_token.get(token.as_str()) {
                    Some(enrollment) => enrollment.status.as_str().to_owned(),
                    // Expired and cancelled codes are never listed [DOC §5.3]: the code's expiry
                    // against the clock tells which — once. A code seen gone before its expiry
                    // was cancelled, and stays so after its expiry has passed too.
                    None if row.state == RowState::Created => match row.live_status.as_deref() {
                        Some(ended @ ("CANCELLED" | "EXPIRED")) => ended.to_owned(),
                        _ => gone_status(row.expires_at, now).as_str().to_owned(),
                    },
                    None => continue,
                };
                r.store.with(|conn| {
                    conn.execute(
                        "UPDATE rollout_rows SET live_status = ?3 WHERE batch_id = ?1 AND row_number = ?2",
                        rusqlite::params![id, row.row_number, status],
                    )
                })?;
            }
            r.purge_spent_codes()?;
            r.detail(&id)
        })
        .await
    }
}

/// The enrollment tagged with a row's token, if one exists.
async fn find_by_token(
    client: &Client,
    location_id: &str,
    batch_id: &str,
    token: &str,
) -> Result<Option<Enrollment>, AppError> {
    let query = EnrollmentQuery {
        location_id: Some(location_id.to_owned()),
        metadata: MetadataFilter::from_pairs([
            (BATCH_KEY, tag(batch_id)),
            (ROW_KEY, token.to_owned()),
        ])?,
        include_consumed: Some(true),
    };
    let page = client
        .list_enrollments(&query, PageRequest::new(0, 10))
        .await?;
    Ok(page
        .content
        .into_iter()
        .find(|e| e.metadata.get(ROW_KEY).map(String::as_str) == Some(token)))
}
