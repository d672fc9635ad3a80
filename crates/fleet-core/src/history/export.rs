//! The activity log and the stale-device report as CSV files, in the UI's language and formats,
//! every cell a spreadsheet would read as a formula written as text.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::stale::StaleReport;
use crate::AppError;
use crate::audit::ActivityEntry;
use crate::fleet::export::neutralised;
use crate::locale::report_text::{
    ActivityColumn, action_label, activity_source_label, source_label, stale_headers, unassigned,
};
use crate::locale::{FormatLocale, Language};
use crate::storage::storage;

fn local(at: DateTime<Utc>, format: FormatLocale) -> String {
    format.date_time(at.with_timezone(&chrono::Local).naive_local())
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, AppError> {
    writer
        .into_inner()
        .map_err(|err| storage("write the CSV file", err))
}

/// A store's name, else its id (a store deleted since), for the values a move records.
fn place(id: Option<&str>, names: &HashMap<String, String>) -> String {
    id.map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_owned()))
        .unwrap_or_default()
}

/// `entries` as CSV.
pub fn activity_csv(
    entries: &[ActivityEntry],
    names: &HashMap<String, String>,
    language: Language,
    format: FormatLocale,
) -> Result<Vec<u8>, AppError> {
    let failed = |err: csv::Error| storage("write the CSV file", err);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(ActivityColumn::ALL.map(|c| c.header(language)))
        .map_err(failed)?;
    for entry in entries {
        // A move's values are stores: written as their names.
        let value = |v: &Option<String>| {
            if entry.action.ends_with("move") || entry.action.ends_with("moved") {
                place(v.as_deref(), names)
            } else {
                v.clone().unwrap_or_default()
            }
        };
        let record = [
            local(entry.at, format),
            action_label(&entry.action, language)
                .map(str::to_owned)
                .unwrap_or_else(|| entry.action.clone()),
            entry.target.clone(),
            entry.device_id.clone().unwrap_or_default(),
            entry.hardware_id.clone().unwrap_or_default(),
            place(entry.location_id.as_deref(), names),
            value(&entry.old_value),
            value(&entry.new_value),
            entry.os_user.clone(),
            source_label(entry.source, language).to_owned(),
            entry.outcome.clone(),
            entry.detail.clone().unwrap_or_default(),
            entry.job_id.clone().unwrap_or_default(),
        ];
        writer
            .write_record(record.map(neutralised))
            .map_err(failed)?;
    }
    finish(writer)
}

/// The stale-device report as CSV: a row a device, its store first.
pub fn stale_csv(
    report: &StaleReport,
    language: Language,
    format: FormatLocale,
) -> Result<Vec<u8>, AppError> {
    let failed = |err: csv::Error| storage("write the CSV file", err);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(stale_headers(language))
        .map_err(failed)?;
    for store in &report.stores {
        let store_name = store
            .location_name
            .clone()
            .or_else(|| store.location_id.clone())
            .unwrap_or_else(|| unassigned(language).to_owned());
        for device in &store.devices {
            let record = [
                store_name.clone(),
                device.name.clone(),
                device.device_id.clone(),
                device.hardware_id.clone(),
                local(device.enrolled_at, format),
                local(device.last_activity.at, format),
                activity_source_label(device.last_activity.source, language).to_owned(),
            ];
            writer
                .write_record(record.map(neutralised))
                .map_err(failed)?;
        }
    }
    finish(writer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Source;

    #[test]
    fn the_log_reads_in_swedish_with_store_names_and_no_formulas() {
        let entry = ActivityEntry {
            id: 1,
            at: Utc::now(),
            source: Source::Sync,
            os_user: String::new(),
            profile_name: None,
            environment: None,
            action: "sync.device_moved".into(),
            target: "=HYPERLINK(\"x\")".into(),
            outcome: "ok".into(),
            detail: None,
            device_id: Some("d1".into()),
            hardware_id: Some("HW1".into()),
            location_id: Some("s2".into()),
            old_value: Some("s1".into()),
            new_value: Some("s2".into()),
            job_id: None,
        };
        let names = HashMap::from([
            ("s1".to_owned(), "Malmö".to_owned()),
            ("s2".to_owned(), "Lund".to_owned()),
        ]);
        let csv = activity_csv(&[entry], &names, Language::Sv, FormatLocale::SvSe)
            .unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8(csv).unwrap_or_default();
        let mut lines = text.lines();
        assert!(lines.next().is_some_and(|h| h.starts_with("Tid,Vad,")));
        let row = lines.next().unwrap_or_default();
        assert!(row.contains("Flyttad utanför Fleetdesk"), "{row}");
        assert!(row.contains(",Malmö,Lund,"), "{row}");
        assert!(row.contains("'=HYPERLINK"), "{row}");
    }
}
