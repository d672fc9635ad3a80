//! What the desk announces for a front-end to pass on (the window raises a desktop notification):
//! a code paired, a payment's outcome, a job finished. Decided here, in Rust, from what the API said — the page
//! cannot raise a notification of its own, nor choose what one says.

use kustom_ipp::SessionStatus;
use serde::Serialize;

use crate::locale::dialog_text::PaymentNews;
use crate::sessions::{TimelineEntry, TimelineEvent, TrackedSession};

/// Something worth telling the person at the computer, even when the view that started it is
/// closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Notice {
    /// A clerk used a code: the device `label` (none: a new device) at `store` is enrolled.
    Paired {
        label: Option<String>,
        store: String,
    },
    /// A payment finished, or an attempt at it failed.
    Payment {
        news: PaymentNews,
        amount_minor: i64,
        currency: String,
        device: String,
    },
    /// A bulk job has a result for every device.
    JobFinished {
        label: String,
        done: u32,
        failed: u32,
        skipped: u32,
    },
}

/// The payment news in a session's change, if it is news: paid, failed, or an attempt failed.
pub fn payment_news(
    session: &TrackedSession,
    entry: &TimelineEntry,
    device: Option<&str>,
) -> Option<Notice> {
    let news = match &entry.event {
        TimelineEvent::PaymentFailed { .. } => PaymentNews::AttemptFailed,
        TimelineEvent::Status { status } => match SessionStatus::parse(status) {
            SessionStatus::Finalized => PaymentNews::Paid,
            SessionStatus::Failed => PaymentNews::Failed,
            _ => return None,
        },
    };
    Some(Notice::Payment {
        news,
        amount_minor: session.session.order_amount,
        currency: session.session.purchase_currency.clone(),
        device: device
            .map(str::to_owned)
            .unwrap_or_else(|| session.session.device_id.clone()),
    })
}
