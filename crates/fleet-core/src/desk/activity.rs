//! Recording what the desk did in the audit log (on the blocking pool, never failing the action).

use super::{Desk, blocking};
use crate::AppError;
use crate::profiles::Profile;

impl Desk {
    /// Records an action and how it went in the audit log (on the blocking pool).
    pub(crate) async fn audit_result<T>(
        &self,
        profile: Option<&Profile>,
        action: &str,
        target: &str,
        result: &Result<T, AppError>,
    ) {
        self.audit_detail(
            profile,
            action,
            target,
            result.as_ref().map(|_| ()).err(),
            None,
        )
        .await;
    }

    /// Like [`Desk::audit_result`], with a detail line.
    pub(crate) async fn audit_detail(
        &self,
        profile: Option<&Profile>,
        action: &str,
        target: &str,
        error: Option<&AppError>,
        detail: Option<&str>,
    ) {
        let audit = self.audit.clone();
        let profile = profile.cloned();
        let (action, target) = (action.to_owned(), target.to_owned());
        let error = error.cloned();
        let detail = detail.map(str::to_owned);
        let written = blocking(move || {
            audit.record(
                profile.as_ref(),
                &action,
                &target,
                error.as_ref().map_or(Ok(()), Err),
                detail.as_deref(),
            )
        })
        .await;
        if let Err(err) = written {
            tracing::warn!(%err, "could not write the audit log");
        }
    }
}
