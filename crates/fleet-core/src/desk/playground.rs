//! The embedded local playground through the [`Desk`]: starting over with fresh demo data.

use super::Desk;
use crate::AppError;
use crate::playground::LocalPlayground;
use crate::sessions::receiver::Receiver;

impl Desk {
    /// Forgets every change made in the local playground and starts over with fresh demo data.
    pub async fn reset_playground(&self) -> Result<(), AppError> {
        let mut guard = self.playground.lock().await;
        let current = guard.take();
        let callback = self.receiver.as_ref().map(Receiver::url);
        let fresh = match current {
            Some(playground) => playground.reset(callback).await,
            None => {
                LocalPlayground::start(&self.playground_dir, callback, self.docs_minimal_playground)
                    .await
            }
        };
        self.forget_client(crate::profiles::LOCAL_PLAYGROUND_ID);
        self.locations
            .lock()
            .remove(crate::profiles::LOCAL_PLAYGROUND_ID);
        let outcome = fresh.map(|playground| {
            *guard = Some(playground);
        });
        drop(guard);
        self.refresh_receiver_secrets().await;
        if let Ok(local) = self.profile(crate::profiles::LOCAL_PLAYGROUND_ID).await {
            let _ = self.client_for(&local).await;
        }
        let profile = self
            .profile(crate::profiles::LOCAL_PLAYGROUND_ID)
            .await
            .ok();
        self.audit_result(
            profile.as_ref(),
            "playground.reset",
            "Local playground",
            &outcome,
        )
        .await;
        outcome
    }
}
