//! Recording what the desk did in the activity log (on the blocking pool, never failing the
//! action): an action and how it went, and each device a change touched, old → new.

use super::{Desk, blocking};
use crate::AppError;
use crate::audit::NewEntry;
use crate::history::changes::{self, Changed};
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
        let source = self.source;
        let written = blocking(move || {
            audit.write(&[NewEntry::new(source, &action, &target)
                .profile(profile.as_ref())
                .outcome(error.as_ref().map_or(Ok(()), Err))
                .detail(detail.as_deref())])
        })
        .await;
        if let Err(err) = written {
            tracing::warn!(%err, "could not write the audit log");
        }
    }

    /// Records each device `changed` touched: one entry per field, old → new (see
    /// [`changes::entries`]), all in one write, and notes them as the devices' latest activity.
    pub(crate) async fn record_changes(
        &self,
        profile: &Profile,
        changed: &[Changed],
        job: Option<&str>,
    ) {
        let entries: Vec<NewEntry> = changed
            .iter()
            .flat_map(|c| changes::entries(c, self.source, profile, job))
            .collect();
        if entries.is_empty() {
            return;
        }
        self.saw_activity(
            &profile.id,
            entries
                .iter()
                .filter_map(|e| e.device_id.clone().map(|id| (id, e.at))),
        );
        let audit = self.audit.clone();
        if let Err(err) = blocking(move || audit.write(&entries)).await {
            tracing::warn!(%err, "could not write the activity log");
        }
    }
}
