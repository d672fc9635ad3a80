//! What a command writes to stdout, in the format asked for: a table for people, JSON, CSV or
//! NDJSON for scripts. Progress and messages go to stderr, so stdout pipes cleanly.

use std::io::{BufWriter, Stdout, Write};

use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use fleet_core::AppError;
use serde::Serialize;

use crate::args::Format;

fn written(err: impl std::fmt::Display) -> AppError {
    AppError::Storage {
        message: format!("Could not write the output: {err}"),
    }
}

/// Buffered stdout (one `write` system call per few kilobytes, not per line).
pub fn stdout() -> BufWriter<Stdout> {
    BufWriter::with_capacity(64 * 1024, std::io::stdout())
}

/// A small listing (profiles, codes, jobs): `items` as the format says, a table from `headers`
/// and `cells`.
pub fn listing<T: Serialize>(
    format: Format,
    items: &[T],
    headers: &[&str],
    cells: impl Fn(&T) -> Vec<String>,
) -> Result<(), AppError> {
    let mut out = stdout();
    match format {
        Format::Table => {
            let mut table = Table::new();
            table.load_preset(UTF8_BORDERS_ONLY).set_header(headers);
            for item in items {
                table.add_row(cells(item));
            }
            writeln!(out, "{table}").map_err(written)?;
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, items).map_err(written)?;
            writeln!(out).map_err(written)?;
        }
        Format::Ndjson => {
            for item in items {
                serde_json::to_writer(&mut out, item).map_err(written)?;
                writeln!(out).map_err(written)?;
            }
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(&mut out);
            csv.write_record(headers).map_err(written)?;
            for item in items {
                csv.write_record(
                    cells(item)
                        .into_iter()
                        .map(fleet_core::fleet::export::neutralised),
                )
                .map_err(written)?;
            }
            csv.flush().map_err(written)?;
        }
    }
    out.flush().map_err(written)
}

/// One value: JSON (pretty) or as one NDJSON line; `table` prints it for people.
pub fn one<T: Serialize>(
    format: Format,
    value: &T,
    table: impl FnOnce(&T) -> Vec<(&'static str, String)>,
) -> Result<(), AppError> {
    let mut out = stdout();
    match format {
        Format::Json => serde_json::to_writer_pretty(&mut out, value).map_err(written)?,
        Format::Ndjson => serde_json::to_writer(&mut out, value).map_err(written)?,
        Format::Table | Format::Csv => {
            for (key, text) in table(value) {
                writeln!(out, "{key:<16} {text}").map_err(written)?;
            }
            return out.flush().map_err(written);
        }
    }
    writeln!(out).map_err(written)?;
    out.flush().map_err(written)
}

/// A line of text to stdout.
pub fn line(text: &str) -> Result<(), AppError> {
    let mut out = stdout();
    writeln!(out, "{text}").map_err(written)?;
    out.flush().map_err(written)
}

/// A streamed JSON array: `[`, then each item, then `]`.
pub struct JsonArray<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> JsonArray<W> {
    pub fn new(mut out: W) -> Result<Self, AppError> {
        out.write_all(b"[").map_err(written)?;
        Ok(Self { out, first: true })
    }

    pub fn push<T: Serialize>(&mut self, item: &T) -> Result<(), AppError> {
        self.out
            .write_all(if self.first { b"\n" } else { b",\n" })
            .map_err(written)?;
        self.first = false;
        serde_json::to_writer(&mut self.out, item).map_err(written)
    }

    pub fn finish(mut self) -> Result<W, AppError> {
        self.out.write_all(b"\n]\n").map_err(written)?;
        Ok(self.out)
    }
}

/// Text cut to `width` characters (an ellipsis marks the cut), padded to it.
pub fn cell(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text}{}", " ".repeat(width - count))
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

pub fn write_err(err: impl std::fmt::Display) -> AppError {
    written(err)
}
