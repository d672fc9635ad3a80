//! `fleetdesk devices`: the cached fleet listed (streamed, any size), one device fresh from
//! Kustom, and changes to many devices planned into a file (nothing is changed until `apply`).

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use fleet_core::desk::{DeviceRow, DeviceSelection, JobTargets, StreamDetail};
use fleet_core::fleet::edits::BulkAction;
use fleet_core::fleet::export::DevicesCsv;
use fleet_core::fleet::index::FleetQuery;
use fleet_core::{AppError, Desk};

use super::{filters, usage};
use crate::args::{DevicesCommand, Format, Targets};
use crate::exit::DONE;
use crate::output::{self, JsonArray, cell, write_err};

/// Fetches the fleet, progress on stderr.
pub async fn sync(desk: &Desk) -> Result<(), AppError> {
    let info = desk
        .sync_fleet(|progress| {
            eprint!(
                "\rFetching the fleet: page {} of {}",
                progress.pages_done, progress.pages_total
            );
        })
        .await?;
    eprintln!("\rFetched {} devices.{:20}", info.device_count, "");
    Ok(())
}

type Shared<W> = Arc<Mutex<W>>;

fn lock<W>(shared: &Shared<W>) -> std::sync::MutexGuard<'_, W> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Lists the devices `query` matches on stdout; whether it listed any.
async fn list(desk: &Desk, query: &FleetQuery, format: Format) -> Result<bool, AppError> {
    let out = Arc::new(Mutex::new(output::stdout()));
    let matched = match format {
        Format::Ndjson => {
            // The cache's lines as they are (an export of the whole fleet is a copy).
            let (sink, listed) = (out.clone(), Arc::new(AtomicBool::new(false)));
            let any = listed.clone();
            desk.stream_device_lines(query, move |lines| {
                any.fetch_or(!lines.is_empty(), Ordering::Relaxed);
                lock(&sink).write_all(lines).map_err(write_err)
            })
            .await?;
            u64::from(listed.load(Ordering::Relaxed))
        }
        Format::Json => {
            let array = Arc::new(Mutex::new(JsonArray::new(output::stdout())?));
            let sink = array.clone();
            let matched = desk
                .stream_devices(query, StreamDetail::Device, move |row| {
                    lock(&sink).push(&row.device)
                })
                .await?;
            let array = Arc::try_unwrap(array)
                .map_err(|_| AppError::internal("the output is still in use"))?
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            array.finish()?.flush().map_err(write_err)?;
            matched
        }
        Format::Csv => {
            // The metadata keys are columns: read once for them, then again for the rows.
            let keys = Arc::new(Mutex::new(BTreeSet::new()));
            let seen = keys.clone();
            desk.stream_devices(query, StreamDetail::Device, move |row| {
                lock(&seen).extend(row.device.metadata.into_keys());
                Ok(())
            })
            .await?;
            let keys = std::mem::take(&mut *lock(&keys));
            let csv = Arc::new(Mutex::new(DevicesCsv::new(output::stdout(), keys)?));
            let sink = csv.clone();
            let matched = desk
                .stream_devices(query, StreamDetail::Row, move |row| {
                    lock(&sink).row(&row.device, row.location_name.as_deref())
                })
                .await?;
            let csv = Arc::try_unwrap(csv)
                .map_err(|_| AppError::internal("the output is still in use"))?
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            csv.finish()?.flush().map_err(write_err)?;
            matched
        }
        Format::Table => {
            writeln!(
                lock(&out),
                "{} {} {} {} ID",
                cell("NAME", 28),
                cell("STORE", 24),
                cell("PLATFORM", 9),
                cell("LAST ACTIVITY", 20)
            )
            .map_err(write_err)?;
            let sink = out.clone();
            desk.stream_devices(query, StreamDetail::Row, move |row: DeviceRow| {
                let activity = format!(
                    "{:?} {}",
                    row.last_activity.source,
                    row.last_activity.at.format("%Y-%m-%d")
                );
                writeln!(
                    lock(&sink),
                    "{} {} {} {} {}",
                    cell(&row.device.name, 28),
                    cell(row.location_name.as_deref().unwrap_or("—"), 24),
                    cell(row.device.platform.as_str(), 9),
                    cell(&activity, 20),
                    row.device.id
                )
                .map_err(write_err)
            })
            .await?
        }
    };
    lock(&out).flush().map_err(write_err)?;
    Ok(matched > 0)
}

fn read_list(path: &Path) -> Result<String, AppError> {
    let bytes = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(fleet_core::jobs::targets::MAX_FILE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| usage("list", format!("Could not read stdin: {err}")))?;
        bytes
    } else {
        std::fs::read(path)
            .map_err(|err| usage("list", format!("Could not read {}: {err}", path.display())))?
    };
    fleet_core::jobs::targets::decode_list_file(&bytes)
}

/// Plans `action` on the devices `targets` names and writes the plan; changes nothing.
async fn plan(desk: &Desk, action: BulkAction, targets: Targets) -> Result<u8, AppError> {
    if targets.sync {
        sync(desk).await?;
    }
    let job_targets = match &targets.list {
        Some(path) => {
            let text = read_list(path)?;
            let report = desk.match_device_list(&text).await?;
            eprintln!(
                "The list: {} lines, {} devices matched; {} not found, {} named twice, {} ambiguous (left out).",
                report.lines,
                report.matched,
                report.unknown_count,
                report.duplicate_count,
                report.ambiguous_count
            );
            for line in &report.unknown {
                eprintln!("  not found: {line}");
            }
            for line in &report.ambiguous {
                eprintln!(
                    "  ambiguous: {} ({} devices have that name)",
                    line.line, line.devices
                );
            }
            JobTargets::List { text }
        }
        None => JobTargets::Selection {
            selection: DeviceSelection::Matching {
                query: filters::query(desk, &targets.filter).await?,
            },
        },
    };
    let plan = desk.plan_file(&action, &job_targets).await?;
    let body = serde_json::to_vec_pretty(&plan).map_err(write_err)?;
    fleet_core::storage::private_files::write_atomically(&targets.plan, &body).map_err(|err| {
        usage(
            "plan",
            format!("Could not write {}: {err}", targets.plan.display()),
        )
    })?;
    let unchanged = plan.changes.iter().filter(|c| c.unchanged).count();
    let count = plan.changes.len() + plan.deletions.len();
    eprintln!(
        "Planned “{}” on {count} devices{}{} — nothing is changed yet.\n\
         Written to {}. Run it with: fleetdesk apply {}",
        plan.label,
        if unchanged > 0 {
            format!(" ({unchanged} already so)")
        } else {
            String::new()
        },
        if plan.production {
            " of the PRODUCTION account"
        } else {
            ""
        },
        targets.plan.display(),
        targets.plan.display()
    );
    Ok(DONE)
}

pub async fn run(desk: &Desk, command: DevicesCommand) -> Result<u8, AppError> {
    match command {
        DevicesCommand::List {
            filter,
            format,
            sync: fetch,
        } => {
            if fetch {
                sync(desk).await?;
            }
            let query = filters::query(desk, &filter).await?;
            let listed_any = list(desk, &query, format).await?;
            if !listed_any && desk.last_sync().await?.is_none() {
                eprintln!("This profile's fleet was never fetched: add --sync.");
            }
            Ok(DONE)
        }
        DevicesCommand::Show { device, format } => {
            let row = desk.device_detail(&device).await?;
            output::one(format, &row, |row| {
                let mut lines = vec![
                    ("name", row.device.name.clone()),
                    ("id", row.device.id.clone()),
                    ("hardware id", row.device.hardware_id.clone()),
                    ("platform", row.device.platform.as_str().to_owned()),
                    (
                        "store",
                        row.location_name
                            .clone()
                            .or(row.device.location_id.clone())
                            .unwrap_or_else(|| "unassigned".to_owned()),
                    ),
                    ("enrolled", row.device.created_at.to_rfc3339()),
                ];
                for (key, value) in &row.device.metadata {
                    lines.push(("metadata", format!("{key}={value}")));
                }
                lines
            })?;
            Ok(DONE)
        }
        DevicesCommand::Move { to, targets } => {
            let location_id = filters::store(desk, &to).await?.map(|l| l.id);
            plan(desk, BulkAction::AssignLocation { location_id }, targets).await
        }
        DevicesCommand::Rename { pattern, targets } => {
            plan(desk, BulkAction::RenamePattern { pattern }, targets).await
        }
        DevicesCommand::SetMetadata {
            key,
            value,
            targets,
        } => plan(desk, BulkAction::SetMetadata { key, value }, targets).await,
        DevicesCommand::RemoveMetadata { key, targets } => {
            plan(desk, BulkAction::RemoveMetadata { key }, targets).await
        }
        DevicesCommand::Deregister { targets } => plan(desk, BulkAction::Deregister, targets).await,
    }
}
