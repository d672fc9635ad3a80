use serde::{Deserialize, Serialize};
use specta::Type;

use super::Timestamp;
use crate::api_enum;

api_enum! {
    /// Callback event types [DOC §10.2]. The documentation also spells some without the `ipp.`
    /// prefix, and once as `ipp.payment.finalized`; those spellings are accepted as aliases.
    EventType / KnownEventType {
        SessionCreated = "ipp.session.created" | "session.created",
        SessionActivated = "ipp.session.activated" | "session.activated",
        SessionFinalized = "ipp.session.finalized" | "session.finalized" | "ipp.payment.finalized",
        SessionCancelled = "ipp.session.cancelled" | "session.cancelled",
        PaymentFailed = "ipp.payment.failed" | "payment.failed",
    }
}

/// A callback envelope [DOC §10.3]: deliberately minimal; fetch the session for details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct CallbackEvent {
    /// `kevt_…`; deliveries can repeat, so de-duplicate on it.
    pub id: String,
    #[serde(default)]
    pub merchant_id: String,
    pub timestamp: Timestamp,
    #[serde(rename = "type")]
    pub event_type: EventType,
    #[serde(default)]
    pub data: CallbackData,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
pub struct CallbackData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default)]
    pub order_id: Option<String>,
    /// The decline code on `ipp.payment.failed` (the simulator uses the tap outcome) [INF].
    #[serde(default)]
    pub failure_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_callbacks() {
        for (json, kind) in [
            (
                include_str!("../../tests/fixtures/callback.ipp.session.activated.json"),
                EventType::SessionActivated,
            ),
            (
                include_str!("../../tests/fixtures/callback.ipp.session.finalized.json"),
                EventType::SessionFinalized,
            ),
        ] {
            let event: CallbackEvent = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(event.event_type, kind);
            assert!(event.id.starts_with("kevt_"));
            assert!(event.data.session_id.is_some());
        }
    }

    #[test]
    fn accepts_unprefixed_and_unknown_types() {
        assert_eq!(
            EventType::parse("session.finalized"),
            EventType::SessionFinalized
        );
        assert_eq!(
            EventType::parse("dispute.created"),
            EventType::Unknown("dispute.created".into())
        );
    }
}
