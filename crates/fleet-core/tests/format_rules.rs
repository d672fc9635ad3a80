//! Fleetdesk's own date and time rules (used for the pairing-card PDF) against ICU's, as recorded
//! in `format_cases.json` — the same file the UI's `Intl`-based formatter is tested against.

use chrono::{DateTime, FixedOffset, Utc};
use fleet_core::locale::FormatLocale;
use serde::Deserialize;

#[derive(Deserialize)]
struct Cases {
    utc_offset_hours: i32,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    locale: FormatLocale,
    utc: DateTime<Utc>,
    date_time: String,
    date: String,
    time: String,
}

#[test]
fn dates_and_times_are_written_as_icu_writes_them() {
    let cases: Cases = serde_json::from_str(include_str!("format_cases.json"))
        .unwrap_or_else(|e| panic!("format_cases.json: {e}"));
    let offset = FixedOffset::east_opt(cases.utc_offset_hours * 3600)
        .unwrap_or_else(|| panic!("a bad offset"));
    assert!(cases.cases.len() >= 30, "the file lost its cases");
    let mut wrong = Vec::new();
    for case in &cases.cases {
        let local = case.utc.with_timezone(&offset).naive_local();
        let got = (
            case.locale.date_time(local),
            case.locale.date(local),
            case.locale.time(local, true),
        );
        let want = (case.date_time.clone(), case.date.clone(), case.time.clone());
        if got != want {
            wrong.push(format!(
                "{} {}: got {got:?}, ICU {want:?}",
                case.locale.tag(),
                case.utc
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
