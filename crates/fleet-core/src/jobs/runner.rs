//! Settling one device of a job: true results, whatever the network does.
//!
//! Every device is read first. Already as the job asks: nothing is sent (and a device whose
//! request went out without an answer — before a crash, say — counts as done, not changed twice).
//! Changed by someone else since the plan: reported and left alone, the other change kept. Only
//! then is the change sent; an answer that never came is settled by the next reading.

use kustom_ipp::{ApiError, Client, Device};

use super::outcome::{DeviceState, JobOutcome};
use super::store::PlannedDevice;
use crate::AppError;
use crate::fleet::edits::BulkAction;
use crate::history::changes::Changed;

/// How one device went.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// Its result is known (with the change, if one was made).
    Final {
        outcome: JobOutcome,
        // Boxed: a device and its change are large, and most outcomes carry neither.
        changed: Option<Box<Changed>>,
    },
    /// Not now: the API cannot be reached, is rate limiting or failing on its side. The device
    /// stays as it was (pending, or sent and unsettled) and is tried again.
    Later { why: Transient },
}

/// Why a device waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transient {
    Offline(AppError),
    Throttled(AppError),
    ServerTrouble(AppError),
}

fn transient(err: &ApiError) -> Option<Transient> {
    let error = AppError::from(err.clone());
    match err {
        ApiError::Offline(_) | ApiError::Timeout => Some(Transient::Offline(error)),
        ApiError::RateLimited { .. } => Some(Transient::Throttled(error)),
        ApiError::Server { .. } | ApiError::OutcomeUnknown { .. } => {
            Some(Transient::ServerTrouble(error))
        }
        _ => None,
    }
}

fn outcome(outcome: JobOutcome) -> Settled {
    Settled::Final {
        outcome,
        changed: None,
    }
}

fn failed(error: AppError) -> Settled {
    outcome(JobOutcome::Failed { error })
}

fn refused(err: &ApiError) -> Settled {
    transient(err).map_or_else(
        || failed(AppError::from(err.clone())),
        |why| Settled::Later { why },
    )
}

/// Settles `device` for `action`. `prior` is where the job had it (`Sending`: a request may have
/// gone out already). `sending` is called just before the change is sent (to record that).
pub async fn settle(
    client: &Client,
    action: &BulkAction,
    device: &PlannedDevice,
    prior: DeviceState,
    sending: impl AsyncFnOnce() -> Result<(), AppError>,
) -> Settled {
    let after_lost_answer = prior == DeviceState::Sending;
    let current: Device = match client.get_device(&device.device_id).await {
        Ok(current) => current,
        Err(ApiError::NotFound(_)) => {
            return outcome(match action {
                BulkAction::Deregister if after_lost_answer => JobOutcome::SettledAfterLostAnswer,
                _ => JobOutcome::Gone,
            });
        }
        Err(err) => return refused(&err),
    };
    if action.is_satisfied(&current, device.target.as_deref()) {
        return outcome(if after_lost_answer {
            JobOutcome::SettledAfterLostAnswer
        } else {
            JobOutcome::AlreadyAsAsked
        });
    }
    // Someone else changed what the job changes since it was planned: theirs is kept.
    let now = action.watched_value(&current);
    if !matches!(action, BulkAction::Deregister) && now != device.planned {
        return outcome(JobOutcome::ChangedElsewhere { now });
    }
    if let Err(err) = sending().await {
        return failed(err);
    }
    let sent = match action.device_change(device.target.as_deref()) {
        Some(change) => match change.apply(&current) {
            Ok(body) => client.update_device(&current.id, &body).await.map(Some),
            Err(err) => return failed(err),
        },
        None => client.delete_device(&current.id).await.map(|()| None),
    };
    match sent {
        Ok(after) => Settled::Final {
            outcome: JobOutcome::Changed,
            changed: Some(Box::new(Changed {
                before: current,
                after,
            })),
        },
        // A deregistration answered "not found": it went through before (a retry of a lost
        // answer, or someone else's just now).
        Err(ApiError::NotFound(_)) if matches!(action, BulkAction::Deregister) => Settled::Final {
            outcome: JobOutcome::SettledAfterLostAnswer,
            changed: Some(Box::new(Changed {
                before: current,
                after: None,
            })),
        },
        Err(err) => refused(&err),
    }
}

/// Settles a device of a cancelled job whose request had gone out: read, never sent again.
pub async fn settle_sent(client: &Client, action: &BulkAction, device: &PlannedDevice) -> Settled {
    match client.get_device(&device.device_id).await {
        Ok(current) if action.is_satisfied(&current, device.target.as_deref()) => {
            outcome(JobOutcome::SettledAfterLostAnswer)
        }
        Ok(_) => outcome(JobOutcome::Cancelled),
        Err(ApiError::NotFound(_)) if matches!(action, BulkAction::Deregister) => {
            outcome(JobOutcome::SettledAfterLostAnswer)
        }
        Err(ApiError::NotFound(_)) => outcome(JobOutcome::Gone),
        Err(err) => refused(&err),
    }
}
