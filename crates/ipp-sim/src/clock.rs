//! The simulator's notion of "now", injectable so tests can expire codes and sessions at will.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use parking_lot::Mutex;

#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A clock that only moves when told to (tests).
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// A manual clock starting at `start`.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self::Manual(Arc::new(Mutex::new(start)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Self::System => Utc::now(),
            Self::Manual(now) => *now.lock(),
        }
    }

    /// Moves a manual clock forward; the system clock cannot be moved (no-op).
    pub fn advance(&self, by: Duration) {
        if let Self::Manual(now) = self {
            let mut now = now.lock();
            *now += by;
        }
    }
}
