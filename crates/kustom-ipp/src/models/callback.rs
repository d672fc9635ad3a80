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

/// A callback body as received, read tolerantly.
///
/// Kustom's examples carry every field [DOC §10.3], but the third-party client models a minimal
/// `{type, data}` [3P]; a receiver that answered such a delivery 400 would make Kustom retry it
/// forever. So only `type` is required, and what is missing is taken from the Standard Webhooks
/// headers ([`CallbackEnvelope::into_event`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CallbackEnvelope {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub merchant_id: Option<String>,
    #[serde(default)]
    pub timestamp: Option<Timestamp>,
    #[serde(rename = "type")]
    pub event_type: EventType,
    #[serde(default)]
    pub data: CallbackData,
}

impl CallbackEnvelope {
    /// The event, with the delivery's `webhook-id` as its id and `webhook-timestamp` (Unix
    /// seconds) as its time where the body has none.
    pub fn into_event(self, webhook_id: &str, webhook_timestamp: i64) -> CallbackEvent {
        let id = self
            .id
            .filter(|id| !id.trim().is_empty())
            .unwrap_or_else(|| webhook_id.to_owned());
        let timestamp = self.timestamp.unwrap_or_else(|| {
            chrono::DateTime::from_timestamp(webhook_timestamp, 0).unwrap_or_default()
        });
        CallbackEvent {
            id,
            merchant_id: self.merchant_id.unwrap_or_default(),
            timestamp,
            event_type: self.event_type,
            data: self.data,
        }
    }
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
    fn a_minimal_envelope_takes_its_id_and_time_from_the_headers() {
        let envelope: CallbackEnvelope = serde_json::from_str(
            r#"{"type":"session.finalized","data":{"session_id":"660e8400-e29b-41d4-a716-446655440001"}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let event = envelope.into_event("msg_1", 1_700_000_000);
        assert_eq!(event.id, "msg_1");
        assert_eq!(event.timestamp.timestamp(), 1_700_000_000);
        assert_eq!(event.event_type, EventType::SessionFinalized);
        assert_eq!(event.merchant_id, "");
        let full: CallbackEnvelope = serde_json::from_str(include_str!(
            "../../tests/fixtures/callback.ipp.session.finalized.json"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            full.into_event("msg_2", 0).id,
            "kevt_62EvxyMEaAaHSGeoDTza47",
            "the body's own id wins"
        );
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
