//! Standard Webhooks signing and verification, as Kustom's callbacks are signed [3P §10.4].
//!
//! Signed content is `"{webhook-id}.{webhook-timestamp}.{raw body}"`, HMAC-SHA256 with the key that
//! is the base64 decoding of the secret after `whsec_`, base64-encoded and sent as `v1,<sig>`.
//! During a secret rotation Kustom signs with both secrets [DOC help centre], so the header may hold
//! several space-separated signatures and the receiver may hold several secrets; one match is
//! enough. HMAC and base64 come from the RustCrypto `hmac`/`sha2` and `base64` crates; the
//! comparison is constant-time (`Mac::verify_slice`).

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;

use crate::secret::Secret;

type HmacSha256 = Hmac<Sha256>;

/// An HMAC-SHA256 tag is 32 bytes.
const TAG_LEN: usize = 32;

pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// The receiver's default clock tolerance (the third-party client uses ±300 s) [3P].
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The most `v1,…` entries a `webhook-signature` header may carry. A sender signs with one secret,
/// or two during a rotation [DOC help centre]; a header with more is refused before any HMAC is
/// computed, so a forged header cannot make a delivery cost thousands of them.
pub const MAX_SIGNATURES: usize = 8;

/// A signing secret, `whsec_<base64 key>`. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    key: Vec<u8>,
    text: Secret,
}

impl WebhookSecret {
    /// Parses `whsec_…`. A secret without the prefix is accepted as bare base64.
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let encoded = text.trim().strip_prefix("whsec_").unwrap_or(text.trim());
        let key = BASE64
            .decode(encoded)
            .map_err(|_| WebhookError::InvalidSecret)?;
        if key.is_empty() {
            return Err(WebhookError::InvalidSecret);
        }
        Ok(Self {
            key,
            text: Secret::new(text.trim()),
        })
    }

    /// A fresh random secret (for the simulator and new local profiles).
    pub fn generate() -> Self {
        let key: [u8; 24] = rand::random();
        let text = format!("whsec_{}", BASE64.encode(key));
        Self {
            key: key.to_vec(),
            text: Secret::new(text),
        }
    }

    /// The `whsec_…` form, for storing in the keychain.
    pub fn as_secret(&self) -> &Secret {
        &self.text
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length; this cannot fail.
        <HmacSha256 as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!())
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(••••)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the `{0}` header is missing")]
    MissingHeader(&'static str),
    #[error("the `webhook-timestamp` header is not a Unix time")]
    InvalidTimestamp,
    #[error("the delivery is too old ({age_secs} s; tolerance {tolerance_secs} s)")]
    TooOld { age_secs: i64, tolerance_secs: u64 },
    #[error("the delivery is dated {ahead_secs} s in the future (tolerance {tolerance_secs} s)")]
    TooNew {
        ahead_secs: i64,
        tolerance_secs: u64,
    },
    #[error("no signature matches any signing secret")]
    NoMatchingSignature,
    #[error("the `webhook-signature` header has more than {MAX_SIGNATURES} entries")]
    TooManySignatures,
    #[error("the signing secret is not valid `whsec_<base64>`")]
    InvalidSecret,
    #[error("no signing secret is configured")]
    NoSecret,
}

/// What a verified delivery carried besides its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDelivery {
    pub webhook_id: String,
    pub timestamp: i64,
    /// Which of the given secrets signed it (its index).
    pub secret: usize,
}

/// The signature of one message with one secret: `v1,<base64>`.
pub fn sign(secret: &WebhookSecret, webhook_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = secret.mac();
    mac.update(signed_prefix(webhook_id, timestamp).as_bytes());
    mac.update(body);
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header for a message signed with every given secret (rotation).
pub fn signature_header(
    secrets: &[WebhookSecret],
    webhook_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|secret| sign(secret, webhook_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Verifies a delivery: headers present, timestamp within `tolerance` of `now` (Unix seconds), and
/// at least one `v1` signature matching one of `secrets` over the raw body.
pub fn verify(
    headers: &HeaderMap,
    raw_body: &[u8],
    secrets: &[WebhookSecret],
    now: i64,
    tolerance: Duration,
) -> Result<VerifiedDelivery, WebhookError> {
    if secrets.is_empty() {
        return Err(WebhookError::NoSecret);
    }
    let header = |name: &'static str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .ok_or(WebhookError::MissingHeader(name))
    };
    let webhook_id = header(HEADER_ID)?;
    let timestamp: i64 = header(HEADER_TIMESTAMP)?
        .parse()
        .map_err(|_| WebhookError::InvalidTimestamp)?;
    let signatures = header(HEADER_SIGNATURE)?;

    // Saturating: a crafted timestamp near i64::MIN/MAX must not overflow (or panic in debug).
    let tolerance_secs = tolerance.as_secs();
    let tolerance_i64 = i64::try_from(tolerance_secs).unwrap_or(i64::MAX);
    let age = now.saturating_sub(timestamp);
    if age > tolerance_i64 {
        return Err(WebhookError::TooOld {
            age_secs: age,
            tolerance_secs,
        });
    }
    if age < tolerance_i64.saturating_neg() {
        return Err(WebhookError::TooNew {
            ahead_secs: age.saturating_neg(),
            tolerance_secs,
        });
    }

    let entries: Vec<&str> = signatures.split_whitespace().collect();
    if entries.len() > MAX_SIGNATURES {
        return Err(WebhookError::TooManySignatures);
    }
    let candidates: Vec<Vec<u8>> = entries
        .iter()
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .filter_map(|(_, encoded)| BASE64.decode(encoded).ok())
        .collect();
    let prefix = signed_prefix(webhook_id, timestamp);
    // One MAC per secret over the body, compared (in constant time) with every candidate.
    for (index, secret) in secrets.iter().enumerate() {
        let mut mac = secret.mac();
        mac.update(prefix.as_bytes());
        mac.update(raw_body);
        let expected = mac.finalize();
        let matched = candidates.iter().any(|candidate| {
            candidate.len() == TAG_LEN
                && expected
                    == hmac::digest::CtOutput::<HmacSha256>::new(
                        hmac::digest::generic_array::GenericArray::clone_from_slice(candidate),
                    )
        });
        if matched {
            return Ok(VerifiedDelivery {
                webhook_id: webhook_id.to_owned(),
                timestamp,
                secret: index,
            });
        }
    }
    Err(WebhookError::NoMatchingSignature)
}

fn signed_prefix(webhook_id: &str, timestamp: i64) -> String {
    format!("{webhook_id}.{timestamp}.")
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    const FIXTURE_SECRET: &str = "whsec_aXBwLXRlc3Qtc2lnbmluZy1rZXk=";
    const NOW: i64 = 1_780_000_000;

    fn headers(id: &str, timestamp: i64, signature: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(
            HEADER_ID,
            HeaderValue::from_str(id).unwrap_or_else(|_| unreachable!()),
        );
        map.insert(HEADER_TIMESTAMP, HeaderValue::from(timestamp));
        map.insert(
            HEADER_SIGNATURE,
            HeaderValue::from_str(signature).unwrap_or_else(|_| unreachable!()),
        );
        map
    }

    fn secret(text: &str) -> WebhookSecret {
        WebhookSecret::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn matches_an_independent_hmac_of_the_fixture() {
        // Key "ipp-test-signing-key", content "msg_1.1700000000.{}".
        let body = br#"{"type":"session.finalized","data":{"session_id":"660e8400-e29b-41d4-a716-446655440001"}}"#;
        let signature = sign(&secret(FIXTURE_SECRET), "msg_1", 1_700_000_000, body);
        let mut mac = <HmacSha256 as Mac>::new_from_slice(b"ipp-test-signing-key")
            .unwrap_or_else(|_| unreachable!());
        mac.update(b"msg_1.1700000000.");
        mac.update(body);
        assert_eq!(
            signature,
            format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
        );
    }

    #[test]
    fn accepts_a_valid_delivery_and_rejects_tampering() {
        let key = secret(FIXTURE_SECRET);
        let body = br#"{"id":"kevt_1"}"#;
        let signature = sign(&key, "kevt_1", NOW, body);
        let ok = verify(
            &headers("kevt_1", NOW, &signature),
            body,
            std::slice::from_ref(&key),
            NOW + 10,
            DEFAULT_TOLERANCE,
        );
        assert_eq!(ok.map(|d| d.webhook_id), Ok("kevt_1".to_owned()));

        let tampered = verify(
            &headers("kevt_1", NOW, &signature),
            br#"{"id":"kevt_2"}"#,
            std::slice::from_ref(&key),
            NOW,
            DEFAULT_TOLERANCE,
        );
        assert_eq!(tampered, Err(WebhookError::NoMatchingSignature));
        let other_id = verify(
            &headers("kevt_2", NOW, &signature),
            body,
            std::slice::from_ref(&key),
            NOW,
            DEFAULT_TOLERANCE,
        );
        assert_eq!(other_id, Err(WebhookError::NoMatchingSignature));
        let wrong_secret = verify(
            &headers("kevt_1", NOW, &signature),
            body,
            &[WebhookSecret::generate()],
            NOW,
            DEFAULT_TOLERANCE,
        );
        assert_eq!(wrong_secret, Err(WebhookError::NoMatchingSignature));
    }

    #[test]
    fn rejects_stale_and_future_timestamps() {
        let key = secret(FIXTURE_SECRET);
        let body = b"{}";
        let signature = sign(&key, "m", NOW, body);
        let stale = verify(
            &headers("m", NOW, &signature),
            body,
            std::slice::from_ref(&key),
            NOW + 301,
            DEFAULT_TOLERANCE,
        );
        assert!(matches!(
            stale,
            Err(WebhookError::TooOld { age_secs: 301, .. })
        ));
        let future = verify(
            &headers("m", NOW, &signature),
            body,
            &[key],
            NOW - 301,
            DEFAULT_TOLERANCE,
        );
        assert!(matches!(future, Err(WebhookError::TooNew { .. })));
    }

    #[test]
    fn rotation_signs_with_both_and_either_secret_verifies() {
        let old = WebhookSecret::generate();
        let new = WebhookSecret::generate();
        let body = b"{\"x\":1}";
        let header = signature_header(&[old.clone(), new.clone()], "m", NOW, body);
        assert_eq!(header.split(' ').count(), 2);
        for receiver in [
            vec![old.clone()],
            vec![new.clone()],
            vec![WebhookSecret::generate(), new],
        ] {
            assert!(
                verify(
                    &headers("m", NOW, &header),
                    body,
                    &receiver,
                    NOW,
                    DEFAULT_TOLERANCE
                )
                .is_ok()
            );
        }
    }

    #[test]
    fn too_many_signatures_are_refused_and_crafted_timestamps_do_not_overflow() {
        let key = secret(FIXTURE_SECRET);
        let body = b"{}";
        let good = sign(&key, "m", NOW, body);
        let crowded = std::iter::repeat_n("v1,AAAA", MAX_SIGNATURES)
            .chain([good.as_str()])
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            verify(
                &headers("m", NOW, &crowded),
                body,
                std::slice::from_ref(&key),
                NOW,
                DEFAULT_TOLERANCE
            ),
            Err(WebhookError::TooManySignatures)
        );
        for timestamp in [i64::MIN, i64::MAX] {
            let result = verify(
                &headers("m", timestamp, &good),
                body,
                std::slice::from_ref(&key),
                NOW,
                DEFAULT_TOLERANCE,
            );
            assert!(
                matches!(
                    result,
                    Err(WebhookError::TooOld { .. } | WebhookError::TooNew { .. })
                ),
                "{result:?}"
            );
        }
        // The matching secret is named.
        let other = WebhookSecret::generate();
        let verified = verify(
            &headers("m", NOW, &good),
            body,
            &[other, key],
            NOW,
            DEFAULT_TOLERANCE,
        );
        assert_eq!(verified.map(|v| v.secret), Ok(1));
    }

    #[test]
    fn missing_headers_and_bad_secrets_are_specific_errors() {
        let key = secret(FIXTURE_SECRET);
        let mut map = headers("m", NOW, "v1,AAAA");
        map.remove(HEADER_TIMESTAMP);
        assert_eq!(
            verify(
                &map,
                b"",
                std::slice::from_ref(&key),
                NOW,
                DEFAULT_TOLERANCE
            ),
            Err(WebhookError::MissingHeader(HEADER_TIMESTAMP))
        );
        assert_eq!(
            verify(
                &headers("m", NOW, "v1,AAAA"),
                b"",
                &[],
                NOW,
                DEFAULT_TOLERANCE
            ),
            Err(WebhookError::NoSecret)
        );
        assert_eq!(
            WebhookSecret::parse("whsec_!!!"),
            Err(WebhookError::InvalidSecret)
        );
        assert!(!format!("{key:?}").contains("aXBw"));
    }
}
