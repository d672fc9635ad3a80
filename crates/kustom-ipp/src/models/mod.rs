//! Typed models of the `/ipp/v1` resources.
//!
//! Parsing is tolerant, because Kustom may add fields and values at any time: unknown fields are
//! ignored, unknown enum values land in an `Unknown(String)` variant, and optional fields the
//! documentation does not promise are `Option`. Amounts are integers in minor units; `tax_rate` is
//! in basis points (`2500` = 25 %).

mod callback;
mod device;
mod enrollment;
mod location;
mod page;
mod session;

pub use callback::*;
pub use device::*;
pub use enrollment::*;
pub use location::*;
pub use page::*;
pub use session::*;

use std::collections::BTreeMap;

/// Free-form string → string metadata on enrollments and devices [DOC §3.4].
pub type Metadata = BTreeMap<String, String>;

/// Reads metadata tolerantly: values are strings [DOC §3.4], but simulated devices carry
/// `simulated` = true [DOC §7.1], and one odd value must not make a whole page of devices fail to
/// decode. A non-string value is kept as its JSON text (`true`, `42`, `{"a":1}`); `null` is
/// dropped (it carries nothing to show).
pub(crate) fn metadata_as_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Metadata, D::Error> {
    use serde::Deserialize as _;
    let raw = Option::<BTreeMap<String, serde_json::Value>>::deserialize(deserializer)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(key, value)| match value {
            serde_json::Value::Null => None,
            serde_json::Value::String(text) => Some((key, text)),
            other => Some((key, other.to_string())),
        })
        .collect())
}

/// ISO-8601 UTC timestamps; Kustom sends seconds or nanoseconds precision [DOC §3.1].
pub type Timestamp = chrono::DateTime<chrono::Utc>;

#[cfg(test)]
mod typescript_tests {
    use specta::Types;

    use super::*;

    /// The models export to TypeScript, with open string enums: the documented values are listed,
    /// and any other string is accepted (so a new status from Kustom cannot break the UI's types).
    #[test]
    fn models_export_to_typescript_with_open_enums() {
        let mut types = Types::default();
        // (Whole models hold int64 amounts, which the app's exporter casts to number; here we
        // check the enums and newtypes on their own.)
        let _ = <SessionStatus as specta::Type>::definition(&mut types);
        let _ = <Platform as specta::Type>::definition(&mut types);
        let _ = <EnrollmentCode as specta::Type>::definition(&mut types);
        let _ = <CallbackData as specta::Type>::definition(&mut types);
        let ts = specta_typescript::Typescript::default()
            .export(&types, specta_serde::Format)
            .unwrap_or_else(|err| panic!("{err}"));
        assert!(
            ts.contains("export type SessionStatus = KnownSessionStatus | string"),
            "{ts}"
        );
        assert!(ts.contains("\"CREATED\""), "{ts}");
        assert!(
            ts.contains("export type Platform = KnownPlatform | string"),
            "{ts}"
        );
        assert!(ts.contains("export type EnrollmentCode = string"), "{ts}");
    }
}
