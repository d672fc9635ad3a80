//! A job's report as CSV: every device with its result, in the UI's language and formats, every
//! cell a spreadsheet would read as a formula written as text.

use std::collections::HashMap;

use super::outcome::JobOutcome;
use super::store::JobDevice;
use crate::AppError;
use crate::fleet::export::neutralised;
use crate::locale::report_text::{job_headers, job_outcome_label, unassigned};
use crate::locale::{FormatLocale, Language};
use crate::storage::storage;

/// What the detail column says: the value someone else set (a store by its name), or Kustom's
/// reason for a failure.
fn detail(outcome: Option<&JobOutcome>, names: &HashMap<String, String>) -> String {
    match outcome {
        Some(JobOutcome::ChangedElsewhere { now: Some(now) }) => {
            names.get(now).cloned().unwrap_or_else(|| now.clone())
        }
        Some(JobOutcome::Failed { error }) => error.to_string(),
        _ => String::new(),
    }
}

/// `rows` (a job's devices) as CSV.
pub fn csv(
    rows: &[JobDevice],
    names: &HashMap<String, String>,
    language: Language,
    format: FormatLocale,
) -> Result<Vec<u8>, AppError> {
    let failed = |err: csv::Error| storage("write the CSV file", err);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(job_headers(language)).map_err(failed)?;
    for row in rows {
        let store = row.location_id.as_deref().map_or_else(
            || unassigned(language).to_owned(),
            |id| names.get(id).cloned().unwrap_or_else(|| id.to_owned()),
        );
        let when = row
            .updated_at
            .map(|at| format.date_time(at.with_timezone(&chrono::Local).naive_local()))
            .unwrap_or_default();
        let record = [
            row.name.clone(),
            row.device_id.clone(),
            store,
            job_outcome_label(row.outcome.as_ref(), language).to_owned(),
            detail(row.outcome.as_ref(), names),
            when,
        ];
        writer
            .write_record(record.into_iter().map(neutralised))
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|err| storage("write the CSV file", err))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::DeviceState;

    fn row(name: &str, outcome: Option<JobOutcome>) -> JobDevice {
        JobDevice {
            seq: 0,
            device_id: "dev_1".to_owned(),
            name: name.to_owned(),
            location_id: Some("loc_1".to_owned()),
            state: outcome
                .as_ref()
                .map_or(DeviceState::Pending, JobOutcome::state),
            outcome,
            updated_at: None,
        }
    }

    #[test]
    fn the_report_names_each_result_in_swedish_and_defuses_formulas() {
        let names = HashMap::from([("loc_1".to_owned(), "Göteborg".to_owned())]);
        let rows = [
            row("=HYPERLINK(\"x\")", Some(JobOutcome::Changed)),
            row(
                "Kassa 2",
                Some(JobOutcome::ChangedElsewhere {
                    now: Some("loc_1".to_owned()),
                }),
            ),
            row("Kassa 3", None),
        ];
        let bytes =
            csv(&rows, &names, Language::Sv, FormatLocale::SvSe).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{e}"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Enhet,Enhets-id,Butik vid planeringen,Resultat,Detaljer,När"
        );
        assert!(lines[1].starts_with("\"'=HYPERLINK"), "{}", lines[1]);
        assert!(lines[1].contains("Göteborg,Ändrad,"));
        assert!(lines[2].contains("Ändrad av någon annan sedan planen"));
        assert!(
            lines[2].ends_with("lämnad som den är,Göteborg,"),
            "{}",
            lines[2]
        );
        assert!(lines[3].contains("Inte klar än"));
    }
}
