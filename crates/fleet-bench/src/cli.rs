//! The command line at fleet scale: `fleetdesk devices list --format ndjson` over a cached fleet
//! of 100,000 devices, each run a cold process, against the `sqlite3` shell dumping the same
//! cached rows to /dev/null (the floor: reading them at all). And its memory at 10,000 and at
//! 100,000 devices: a streamed listing holds a page, not the fleet.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use fleet_core::Desk;
use fleet_core::desk::Services;
use fleet_core::fleet::cache::FleetCache;
use fleet_core::profiles::{Environment, ProfileInput};

use crate::figures::{Goal, millis, report};
use crate::{median, ms};

const ROUNDS: usize = 5;

/// The `fleetdesk` binary next to this one (or `FLEETDESK_CLI_BIN`).
fn cli_binary() -> PathBuf {
    std::env::var_os("FLEETDESK_CLI_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|dir| dir.join("fleetdesk")))
                .unwrap_or_else(|| "fleetdesk".into())
        })
}

/// A data folder whose active profile holds a cached fleet of `devices`; its profile id and
/// the fleet's generation.
async fn data_folder(dir: &Path, devices: usize) -> Result<(String, i64)> {
    let desk = Desk::builder(dir).services(Services::NONE).open().await?;
    let profile = desk
        .create_profile(&ProfileInput {
            name: "Bench".into(),
            environment: Environment::KustomPlayground,
            custom_host: true,
            base_url: Some("http://127.0.0.1:9".into()),
            merchant_id: "DM20260001".into(),
        })
        .await?;
    desk.switch_profile(&profile.id).await?;
    let mut state = crate::fleet::seeded_fleet(7);
    state.devices.truncate(devices);
    FleetCache::new(desk.store().clone()).replace(&profile.id, &state.devices)?;
    let generation: i64 = desk.store().with(|conn| {
        conn.query_row(
            "SELECT generation FROM fleet_sync WHERE profile_id = ?1",
            [&profile.id],
            |row| row.get(0),
        )
    })?;
    desk.shutdown().await;
    Ok((profile.id, generation))
}

/// Runs `command` with stdout to /dev/null: how long, and its peak resident memory in MiB: the
/// kernel's high-water mark (`VmHWM`), read from /proc every millisecond. The mark only
/// rises, so the last read before the process ends holds every earlier peak (reading the current
/// `VmRSS` instead missed the peaks of a listing that lives 9 ms). `wait4`'s `ru_maxrss` would
/// count this process's own peak too: a spawned child's is taken over from the memory it was
/// started from.
fn timed(command: &mut Command) -> Result<(Duration, f64)> {
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting the command")?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0.0f64;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if let Some(kib) = std::fs::read_to_string(&status_path).ok().and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        }) {
            peak_kib = peak_kib.max(kib);
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let took = started.elapsed();
    ensure!(status.success(), "{command:?} failed: {status}");
    Ok((took, peak_kib / 1024.0))
}

pub async fn run() -> Result<()> {
    println!("\n== bench: the command line over a cached fleet (cold processes) ==");
    let cli = cli_binary();
    let mut peaks = Vec::new();
    for devices in [10_000, 100_000] {
        let dir = tempfile::tempdir()?;
        let (profile, generation) = data_folder(dir.path(), devices).await?;
        let db = dir.path().join("fleetdesk.sqlite3");
        let listing = || {
            let mut command = Command::new(&cli);
            command
                .arg("--data-dir")
                .arg(dir.path())
                .args(["devices", "list", "--format", "ndjson"])
                // No keychain is asked for a listing; none is offered.
                .env_remove("DBUS_SESSION_BUS_ADDRESS");
            command
        };
        let dump = || {
            let mut command = Command::new("sqlite3");
            command.arg(&db).arg(format!(
                "SELECT body FROM fleet_pages WHERE profile_id = '{profile}' AND generation = {generation} ORDER BY page;"
            ));
            command
        };
        // Warm the file cache for both alike.
        timed(&mut listing())?;
        timed(&mut dump())?;
        let (mut cli_times, mut dump_times, mut peak) = (Vec::new(), Vec::new(), 0.0f64);
        for _ in 0..ROUNDS {
            let (took, rss) = timed(&mut listing())?;
            cli_times.push(took);
            peak = peak.max(rss);
            dump_times.push(timed(&mut dump())?.0);
        }
        let (cli_time, dump_time) = (median(cli_times), median(dump_times));
        println!(
            "{:<52} {:>10} (sqlite3 dumping the same rows {}; {:.1} MiB at most)",
            format!("fleetdesk devices list --format ndjson, {devices}"),
            ms(cli_time),
            ms(dump_time),
            peak
        );
        if devices == 100_000 {
            report(
                "fleetdesk devices list --format ndjson, 100,000 cached devices / sqlite3 dumping them",
                "ms",
                millis(cli_time),
                Some(millis(dump_time)),
                Goal::RatioAtMost(2.0),
            );
        }
        peaks.push(peak);
    }
    report(
        "fleetdesk devices list, resident memory at 100,000 devices / at 10,000",
        "MiB",
        peaks[1],
        Some(peaks[0]),
        // Streamed: the same (a page at a time), with room for the allocator and SQLite's cache.
        Goal::RatioAtMost(1.25),
    );
    Ok(())
}
