use serde::{Deserialize, Serialize};
use specta::Type;

use super::Timestamp;
use crate::api_enum;

api_enum! {
    /// Where a payment session is [DOC §9.1].
    SessionStatus / KnownSessionStatus {
        Created = "CREATED",
        Active = "ACTIVE",
        Finalized = "FINALIZED",
        Cancelled = "CANCELLED",
        Expired = "EXPIRED",
        Failed = "FAILED",
    }
}

impl SessionStatus {
    /// FINALIZED and CANCELLED are terminal [DOC]; EXPIRED and FAILED too [INF, as the 3P client].
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Finalized | Self::Cancelled | Self::Expired | Self::Failed
        )
    }
}

api_enum! {
    /// Line item type: `physical` and `discount` are documented; the others are what the
    /// third-party client sends [3P §9.2].
    LineType / KnownLineType {
        Physical = "physical",
        Discount = "discount",
        Digital = "digital",
        ShippingFee = "shipping_fee",
        Surcharge = "surcharge",
    }
}

api_enum! {
    /// The outcome of a simulated card tap (playground only) [DOC §11.2].
    TapOutcome / KnownTapOutcome {
        Success = "SUCCESS",
        DeclinedGeneric = "DECLINED_GENERIC",
        InsufficientFunds = "INSUFFICIENT_FUNDS",
        LostCard = "LOST_CARD",
        StolenCard = "STOLEN_CARD",
        ExpiredCard = "EXPIRED_CARD",
        IncorrectCvc = "INCORRECT_CVC",
        ProcessingError = "PROCESSING_ERROR",
        IncorrectNumber = "INCORRECT_NUMBER",
        CardVelocityExceeded = "CARD_VELOCITY_EXCEEDED",
    }
}

/// One line of a session's cart [DOC §9.2]. Amounts in minor units, `tax_rate` in basis points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct OrderLine {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub line_type: Option<LineType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    pub unit_price: i64,
    pub total_amount: i64,
    pub tax_rate: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_discount_amount: Option<i64>,
    pub total_tax_amount: i64,
}

/// A payment session [DOC §9.1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct Session {
    pub session_id: String,
    pub status: SessionStatus,
    pub device_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    pub order_amount: i64,
    pub purchase_currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_started_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_completed_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_tax_amount: Option<i64>,
    #[serde(default)]
    pub order_items: Vec<OrderLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_data: Option<String>,
}

/// `POST /ipp/v1/sessions` body [DOC §9.3].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct CreateSession {
    pub device_id: String,
    pub order_amount: i64,
    pub purchase_currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_started_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_tax_amount: Option<i64>,
    pub order_items: Vec<OrderLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_data: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANCEL_EXAMPLE: &str =
        include_str!("../../tests/fixtures/sessions.cancel.response-200.json");
    const CREATE_EXAMPLE: &str = include_str!("../../tests/fixtures/sessions.create.request.json");
    const THIRD_PARTY_CREATE: &str =
        include_str!("../../tests/fixtures/third-party.sessions.create.request.json");

    #[test]
    fn parses_the_documented_cancel_response() {
        let session: Session =
            serde_json::from_str(CANCEL_EXAMPLE).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(session.status, SessionStatus::Cancelled);
        assert_eq!(session.order_amount, 240_000);
        assert_eq!(session.order_items.len(), 2);
        assert_eq!(session.order_items[0].tax_rate, 2500);
        assert!(session.status.is_terminal());
    }

    #[test]
    fn round_trips_the_documented_create_request() {
        let body: CreateSession =
            serde_json::from_str(CREATE_EXAMPLE).unwrap_or_else(|e| panic!("{e}"));
        let again: serde_json::Value = serde_json::to_value(&body).unwrap_or_default();
        let original: serde_json::Value = serde_json::from_str(CREATE_EXAMPLE).unwrap_or_default();
        assert_eq!(again, original);
    }

    #[test]
    fn accepts_the_third_party_shape() {
        // Placeholders in the fixture are not valid JSON values; substitute them first.
        let json = THIRD_PARTY_CREATE
            .replace("\"<started-at>\"", "\"2024-01-15T10:30:00Z\"")
            .replace("<order-number>", "1001")
            .replace("<order-id>", "1001")
            .replace("<site>", "https://shop.example");
        let body: CreateSession = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body.order_items[0].total_discount_amount, Some(0));
        assert!(body.merchant_data.is_some());
    }

    #[test]
    fn unknown_session_status_is_kept_and_not_terminal() {
        let status: SessionStatus =
            serde_json::from_str("\"PAUSED\"").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(status, SessionStatus::Unknown("PAUSED".into()));
        assert!(!status.is_terminal());
    }
}
