//! Who is calling: the three accepted `Authorization` forms [DOC §2.1 + 3P], bound to a merchant,
//! and the `x-merchant-id` check [DOC §2.2; INF].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::AppState;
use crate::config::MerchantConfig;
use crate::error::SimError;

/// The detail of the 403 an account without In-Person Payments gets.
pub const IPP_NOT_ENABLED: &str = "In-Person Payments is not enabled for this merchant account";

/// The authenticated merchant of a request.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub id: String,
    /// Whether `x-merchant-id` was sent (it is required on some endpoints).
    pub header_present: bool,
}

impl Merchant {
    /// For the endpoints where the docs mark `x-merchant-id` as required [DOC §2.2].
    pub fn require_header(&self) -> Result<(), SimError> {
        if self.header_present {
            Ok(())
        } else {
            Err(SimError::field(
                "x-merchant-id",
                "required header is missing",
            ))
        }
    }
}

/// Resolves an `Authorization` header value to a merchant.
pub fn resolve<'a>(
    merchants: &'a [MerchantConfig],
    authorization: &str,
) -> Option<&'a MerchantConfig> {
    let credential = authorization.strip_prefix("Basic ")?.trim();
    // Form 1: the raw key.
    if credential.starts_with("kco_") {
        return merchants.iter().find(|m| m.api_key == credential);
    }
    let decoded = STANDARD.decode(credential).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, secret) = decoded.split_once(':')?;
    if secret.starts_with("kco_") {
        // Form 2: base64(username:key); the username is optional but must be right if given.
        return merchants
            .iter()
            .find(|m| m.api_key == secret && (user.is_empty() || user == m.portal_username));
    }
    // Form 3 [3P]: base64(merchant_id:shared_secret).
    merchants
        .iter()
        .find(|m| m.merchant_id == user && m.shared_secret == secret)
}

impl FromRequestParts<AppState> for Merchant {
    type Rejection = SimError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(&parts.headers, state)
    }
}

pub(super) fn authenticate(headers: &HeaderMap, state: &AppState) -> Result<Merchant, SimError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or(SimError::Unauthorized)?;
    let merchant = resolve(&state.merchants, authorization).ok_or(SimError::Unauthorized)?;
    // A valid key of an account without the product: refused as a whole [INF; see the crate docs].
    if !merchant.ipp_enabled {
        return Err(SimError::Forbidden(IPP_NOT_ENABLED.into()));
    }
    // When sent, the header must be a non-empty string naming the key's merchant [DOC §2.2; INF].
    let header = match headers.get("x-merchant-id") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .map(str::trim)
                .map_err(|_| SimError::field("x-merchant-id", "must be text"))?,
        ),
    };
    match header {
        Some("") => Err(SimError::field("x-merchant-id", "must not be blank")),
        // The key and the merchant id do not go together: wrong credentials, 401 [DOC §2.1
        // "missing or wrong credentials"]. (403 is kept for an account without the product.)
        Some(value) if value != merchant.merchant_id => Err(SimError::Unauthorized),
        Some(_) => Ok(Merchant {
            id: merchant.merchant_id.clone(),
            header_present: true,
        }),
        None => Ok(Merchant {
            id: merchant.merchant_id.clone(),
            header_present: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;

    #[test]
    fn accepts_the_three_forms_and_nothing_else() {
        let merchant = MerchantConfig::new("DM1", Mode::Playground);
        let merchants = vec![merchant.clone()];
        let key = merchant.api_key.clone();
        assert!(resolve(&merchants, &format!("Basic {key}")).is_some());
        let with_user = STANDARD.encode(format!("{}:{key}", merchant.portal_username));
        assert!(resolve(&merchants, &format!("Basic {with_user}")).is_some());
        let no_user = STANDARD.encode(format!(":{key}"));
        assert!(resolve(&merchants, &format!("Basic {no_user}")).is_some());
        let legacy = STANDARD.encode(format!("DM1:{}", merchant.shared_secret));
        assert!(resolve(&merchants, &format!("Basic {legacy}")).is_some());

        let wrong_user = STANDARD.encode(format!("someone-else:{key}"));
        assert!(resolve(&merchants, &format!("Basic {wrong_user}")).is_none());
        assert!(resolve(&merchants, "Basic kco_test_api_wrong").is_none());
        assert!(resolve(&merchants, &format!("Bearer {key}")).is_none());
        assert!(resolve(&merchants, "Basic !!!").is_none());
    }
}
