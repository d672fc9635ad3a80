//! The OpenAPI 3.1 description of `/ipp/v1`, written by hand from `shared/kustom-ipp/API.md`.
//!
//! It is deliberately *not* generated from this crate's types: it is the independent statement of
//! the contract that the simulator is fuzzed against (schemathesis, in `cargo xtask test`) and that
//! the contract tests validate every request the client sends and every response it parses
//! against. Each fact in it carries its provenance ([DOC]/[3P]/[INF]) in its description.

/// The document, as JSON text (`ipp-sim` serves it at `GET /openapi.json`).
pub const DOCUMENT: &str = include_str!("../openapi/ipp-v1.openapi.json");

#[cfg(test)]
mod tests {
    #[test]
    fn is_an_openapi_3_1_document_with_every_documented_operation() {
        let doc: serde_json::Value =
            serde_json::from_str(super::DOCUMENT).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(doc["openapi"], "3.1.0");
        // Every operation of API.md §4 (and the simulator-only registration calls).
        for (path, method) in [
            ("/ipp/v1/dev/sessions/{sessionId}/simulate-tap", "post"),
            ("/ipp/v1/dev/devices", "post"),
            ("/ipp/v1/enrollments", "get"),
            ("/ipp/v1/enrollments", "post"),
            ("/ipp/v1/enrollments", "delete"),
            ("/ipp/v1/enrollments/{enrollment_id}", "delete"),
            ("/ipp/v1/locations", "get"),
            ("/ipp/v1/locations/{id}", "get"),
            ("/ipp/v1/devices", "get"),
            ("/ipp/v1/devices/{id}", "get"),
            ("/ipp/v1/devices/{id}", "put"),
            ("/ipp/v1/devices/{id}", "delete"),
            ("/ipp/v1/devices/register", "post"),
            ("/ipp/v1/sessions", "post"),
            ("/ipp/v1/sessions/{session_id}", "get"),
            ("/ipp/v1/sessions/{session_id}/cancel", "put"),
        ] {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is missing"
            );
        }
        assert_eq!(
            doc["paths"]["/ipp/v1/devices/register"]["post"]["x-simulator-only"],
            true
        );
        for event in [
            "ipp.session.created",
            "ipp.session.activated",
            "ipp.session.finalized",
            "ipp.session.cancelled",
            "ipp.payment.failed",
        ] {
            assert!(doc["webhooks"][event]["post"].is_object(), "{event}");
        }
    }
}
