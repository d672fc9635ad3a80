//! The fleet as a CSV file: one row a device, metadata flattened to `metadata.<key>` columns, and
//! every cell that a spreadsheet would read as a formula written as text.

use std::collections::{BTreeSet, HashMap};

use kustom_ipp::Device;

use crate::AppError;
use crate::storage::storage;

/// A spreadsheet cell that starts like a formula is written as text: `'=…` (CSV injection). A
/// cell that starts with a control character, or with blanks before a formula's first character,
/// counts too: spreadsheets trim leading blanks on import and would then read the formula.
pub fn neutralised(cell: String) -> String {
    let after_blanks = cell.trim_start_matches([' ', '\n', '\r', '\t']);
    if cell.starts_with(['\t', '\r', '\n']) || after_blanks.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// Devices written as CSV one at a time (the command line streams a whole fleet through it): the
/// app's columns, then one column per metadata key, which must be known before the first row.
pub struct DevicesCsv<W: std::io::Write> {
    keys: Vec<String>,
    writer: csv::Writer<W>,
}

fn failed(err: csv::Error) -> AppError {
    storage("write the CSV file", err)
}

impl<W: std::io::Write> DevicesCsv<W> {
    /// Writes the header to `out`.
    pub fn new(out: W, metadata_keys: impl IntoIterator<Item = String>) -> Result<Self, AppError> {
        let keys: Vec<String> = metadata_keys.into_iter().collect();
        let mut writer = csv::Writer::from_writer(out);
        let mut header = [
            "id",
            "name",
            "platform",
            "hardware_id",
            "location_id",
            "location_name",
            "created_at",
            "open_cash_register_id",
        ]
        .map(str::to_owned)
        .to_vec();
        header.extend(keys.iter().map(|k| neutralised(format!("metadata.{k}"))));
        writer.write_record(&header).map_err(failed)?;
        Ok(Self { keys, writer })
    }

    pub fn row(&mut self, device: &Device, location_name: Option<&str>) -> Result<(), AppError> {
        let mut record = vec![
            device.id.clone(),
            device.name.clone(),
            device.platform.as_str().to_owned(),
            device.hardware_id.clone(),
            device.location_id.clone().unwrap_or_default(),
            location_name.unwrap_or_default().to_owned(),
            device.created_at.to_rfc3339(),
            device
                .open_cash_register_id
                .map(|n| n.to_string())
                .unwrap_or_default(),
        ];
        record.extend(
            self.keys
                .iter()
                .map(|k| device.metadata.get(k).cloned().unwrap_or_default()),
        );
        self.writer
            .write_record(record.into_iter().map(neutralised))
            .map_err(failed)
    }

    pub fn finish(self) -> Result<W, AppError> {
        self.writer
            .into_inner()
            .map_err(|err| storage("write the CSV file", err))
    }
}

/// `devices` as CSV, with each location's name from `location_names`.
pub fn devices_csv(
    devices: &[Device],
    location_names: &HashMap<String, String>,
) -> Result<Vec<u8>, AppError> {
    let keys = devices
        .iter()
        .flat_map(|d| d.metadata.keys().cloned())
        .collect::<BTreeSet<_>>();
    let mut csv = DevicesCsv::new(Vec::new(), keys)?;
    for device in devices {
        let name = device
            .location_id
            .as_ref()
            .and_then(|id| location_names.get(id));
        csv.row(device, name.map(String::as_str))?;
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_written_as_text() {
        for cell in ["=1+1", "+46 70", "-5", "@SUM(A1)", "\tx", "\r=x", "\nx"] {
            assert!(neutralised(cell.to_owned()).starts_with('\''), "{cell:?}");
        }
        // Spreadsheets trim leading blanks on import, and then read the formula.
        for cell in [" =1+1", "  @SUM(A1)", " \n=HYPERLINK(\"x\")", " -2+3"] {
            assert!(neutralised(cell.to_owned()).starts_with('\''), "{cell:?}");
        }
        assert_eq!(neutralised("Till 1".to_owned()), "Till 1");
        assert_eq!(neutralised(" Till 1".to_owned()), " Till 1");
    }
}
