//! What happened to one device of a job, kept as data (the UI and the CSV word it in the user's
//! language; a failure keeps its error's code for that, and Kustom's words for the detail).

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::AppError;

/// Where one device of a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    Pending,
    /// Its request was (about to be) sent and the outcome is not recorded: settled by reading
    /// the device before it counts, after a crash too.
    Sending,
    Done,
    Failed,
    Skipped,
}

impl DeviceState {
    pub(super) fn as_db(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    pub(super) fn from_db(text: &str) -> Self {
        match text {
            "sending" => Self::Sending,
            "done" => Self::Done,
            "failed" => Self::Failed,
            "skipped" => Self::Skipped,
            _ => Self::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobOutcome {
    /// The change was sent and Kustom took it.
    Changed,
    /// The request had gone out without an answer (a crash, a lost connection); reading the
    /// device showed it went through. Counted once.
    SettledAfterLostAnswer,
    /// Already as the job asks: nothing sent.
    AlreadyAsAsked,
    /// The device no longer exists (deregistered since the plan): nothing sent.
    Gone,
    /// Someone changed what the job changes since the plan; theirs is kept (`now` is what the
    /// device has).
    ChangedElsewhere { now: Option<String> },
    /// The job was cancelled before this device's turn.
    Cancelled,
    /// Kustom refused the change, or it kept failing.
    Failed { error: AppError },
}

impl JobOutcome {
    /// The device's state once this is its outcome.
    pub fn state(&self) -> DeviceState {
        match self {
            Self::Changed | Self::SettledAfterLostAnswer => DeviceState::Done,
            Self::AlreadyAsAsked | Self::Gone | Self::ChangedElsewhere { .. } | Self::Cancelled => {
                DeviceState::Skipped
            }
            Self::Failed { .. } => DeviceState::Failed,
        }
    }

    pub(crate) fn to_db(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"kind":"changed"}"#.to_owned())
    }

    /// A stored outcome; one that does not read (written by a newer Fleetdesk, or damaged) is
    /// shown as a failure saying so rather than guessed.
    pub(crate) fn from_db(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_else(|_| Self::Failed {
            error: AppError::internal("this device's stored result could not be read"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_through_the_database_text() {
        let outcomes = [
            JobOutcome::Changed,
            JobOutcome::ChangedElsewhere {
                now: Some("Kassa 2".to_owned()),
            },
            JobOutcome::Failed {
                error: AppError::NotFound {
                    message: "gone".to_owned(),
                },
            },
        ];
        for outcome in outcomes {
            assert_eq!(JobOutcome::from_db(&outcome.to_db()), outcome);
        }
        assert_eq!(JobOutcome::from_db("nonsense").state(), DeviceState::Failed);
    }
}
