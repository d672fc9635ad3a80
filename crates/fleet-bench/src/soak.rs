//! `soak`: the headless desk for a long while under a misbehaving API, watching for leaks and
//! for changes that go missing or happen twice.
//!
//! The simulator runs in a process of its own (`ipp-sim --inspect`), so the memory measured is
//! the desk's alone: 10,000 devices, 10 % of requests answered 500/503, 5 % of connections dropped
//! (before or after processing), an account limit of 100 requests a second that the desk is set
//! above (so it meets 429s and slows down by itself), callbacks delivered to its own receiver.
//! The desk — a real `Desk`, with its database on disk and a mock keychain — loops: a full fleet
//! sync, a bulk move of 200 devices, 200 watched sessions with taps. Every 15 s it prints its
//! resident memory (and of it what is anonymous and what is mapped from files), what the Rust
//! heap and SQLite hold, its threads, the database file's size and its write-ahead log's; at the end
//! it prints the curve minute by minute,
//! fails if the memory after warm-up grew by more than 10 % or the database file by more than
//! 25 %, or if its write-ahead log is no longer cut back to its limit at the end,
//! and counts the changes that were lost (reported done, not in the API; or the API's sessions
//! the desk never learnt of or sees in another state) and duplicated (a status twice in a
//! session's timeline), checked against the simulator's own state (`/__inspect/state`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use chrono::{DateTime, Utc};
use fleet_core::Desk;
use fleet_core::desk::{DeviceSelection, JobTargets};
use fleet_core::fleet::edits::BulkAction;
use fleet_core::fleet::index::{FleetQuery, Sort, SortColumn};
use fleet_core::jobs::JobRowFilter;
use fleet_core::profiles::{Environment, ProfileInput};
use fleet_core::sessions::TimelineEvent;
use fleet_core::sessions::cart::CartLine;
use kustom_ipp::{SessionStatus, TapOutcome, WebhookSecret};

use crate::sim_process::{SimProcess, rss_mib, rss_split_mib, thread_count};

const MERCHANT: &str = "DM77770001";
const DEVICES: usize = 10_000;
const SESSIONS_PER_ROUND: usize = 200;
const BULK: usize = 200;
/// How long after its round a session is checked: one whose create answer was lost is learnt
/// from its callback, and under these faults the desk tries that for about a minute (what the
/// app tells the user: "it appears on the board within a minute").
const SETTLED_AFTER: Duration = Duration::from_secs(75);
/// The least warm-up: growth is measured from here, or from the round where the database first
/// reached every one of its retention limits if that comes later (before it, the database and
/// the page caches that follow it are still filling by design).
const WARM_UP: Duration = Duration::from_secs(5 * 60);
/// How long the simulator lets a session stay unfinished. A tap lost to a fault leaves its
/// session waiting; Kustom times such a session out (after a time its docs do not give) and the
/// desk learns of it by polling. Shorter than the warm-up, so that the run's steady state
/// includes sessions expiring; longer than a session's check (`SETTLED_AFTER` after its round),
/// so that none expires while it is being compared.
const SESSION_TIMEOUT: Duration = Duration::from_secs(4 * 60);
/// The most the desk's memory may grow after warm-up, and its database.
const MAX_MEMORY_GROWTH: f64 = 0.10;
const MAX_DATABASE_GROWTH: f64 = 0.25;

/// The database file's size on disk in MiB (without its write-ahead log).
fn db_mib(dir: &std::path::Path) -> f64 {
    file_mib(dir, "fleetdesk.sqlite3")
}

/// The write-ahead log alone: a sync's pages wait there until the checkpoint after it.
fn wal_mib(dir: &std::path::Path) -> f64 {
    file_mib(dir, "fleetdesk.sqlite3-wal")
}

fn file_mib(dir: &std::path::Path, name: &str) -> f64 {
    std::fs::metadata(dir.join(name)).map_or(0.0, |m| m.len() as f64) / (1024.0 * 1024.0)
}

/// What the database holds, table by table, and its free pages: where a growing file goes.
fn census(store: &fleet_core::storage::Store) -> String {
    let counted = store.with(|conn| {
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut parts = Vec::new();
        for table in tables {
            let rows: i64 =
                conn.query_row(&format!("SELECT COUNT(*) FROM \"{table}\""), [], |row| row.get(0))?;
            if rows > 0 {
                parts.push(format!("{table} {rows}"));
            }
        }
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |row| row.get(0))?;
        let free: i64 = conn.query_row("PRAGMA freelist_count", [], |row| row.get(0))?;
        parts.push(format!("pages {pages} (free {free})"));
        Ok(parts.join(", "))
    });
    counted.unwrap_or_else(|err| format!("(not counted: {err})"))
}

/// The bytes SQLite holds in this process (its page caches, schemas and statements).
#[allow(unsafe_code)]
fn sqlite_bytes() -> i64 {
    // SAFETY: `sqlite3_memory_used` takes nothing and reads a counter under SQLite's own mutex.
    unsafe { rusqlite::ffi::sqlite3_memory_used() }
}

pub async fn run(minutes: u64) -> Result<()> {
    // As the app does at start: the memory measured is the app's.
    fleet_core::fleet::freed_memory::configure_allocator();
    fleet_core::fleet::freed_memory::release_periodically();
    let store = keyring_core::mock::Store::new()?;
    keyring_core::set_default_store(store as Arc<keyring_core::CredentialStore>);
    let dir = tempfile::tempdir()?;
    // The receiver on any free port (the default one may be another Fleetdesk's).
    {
        let desk = Desk::open(dir.path(), Ok(())).await?;
        let mut settings = desk.session_settings().await?;
        settings.receiver_port = 0;
        desk.set_session_settings(&settings).await?;
        desk.shutdown().await;
    }
    let desk = Desk::open(dir.path(), Ok(())).await?;
    let receiver = desk.receiver_info()?;

    let secret = WebhookSecret::generate();
    let key = "kco_test_api_soak_in_another_process".to_owned();
    let sim = SimProcess::playground(
        MERCHANT,
        &key,
        12,
        DEVICES,
        &[
            "--fault-rate",
            "0.10",
            "--drop-rate",
            "0.05",
            // An account limit the desk's budget is set above (below): it meets real 429s,
            // slows down and comes back, as against Kustom.
            "--requests-per-second",
            "100",
            "--fault-seed",
            "11",
            "--session-timeout-secs",
            &SESSION_TIMEOUT.as_secs().to_string(),
            "--callback-url",
            &receiver.url,
            "--webhook-secret",
            secret.as_secret().expose(),
            "--inspect",
        ],
    )?;
    let profile = desk
        .create_profile(&ProfileInput {
            name: "Soak".into(),
            environment: Environment::KustomPlayground,
            custom_host: true,
            base_url: Some(sim.base_url().to_owned()),
            merchant_id: MERCHANT.into(),
        })
        .await?;
    desk.store_api_key(&profile.id, &key, true).await?;
    // Above the simulator's limit of 100 a second, so 429s come from the pace itself.
    desk.set_request_rate(&profile.id, 150).await?;
    desk.store_webhook_secret(&profile.id, secret.as_secret().expose())
        .await?;
    desk.switch_profile(&profile.id).await?;
    // Retention limits the run reaches within its first few minutes (the defaults take weeks of
    // real use), applied every round rather than every ten minutes: the mechanism that keeps the
    // database bounded. A round adds ~200 finished sessions, ~400 activity entries, one job and
    // ~600 callback ids.
    desk.set_setting("retention_sessions", "1000").await?;
    desk.set_setting("retention_audit", "2000").await?;
    desk.set_setting("retention_jobs", "5").await?;
    desk.set_setting("retention_deliveries", "3000").await?;

    println!(
        "\n== soak: {minutes} min, {DEVICES} devices, 10 % 5xx, 5 % drops, an account limit of 100 requests/s, the simulator in its own process =="
    );
    println!(
        "{:>8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>10} {:>10} {:>8} {:>9}",
        "elapsed",
        "RSS MiB",
        "anon MiB",
        "file MiB",
        "heap MiB",
        "SQLite MiB",
        "threads",
        "DB MiB",
        "+ WAL MiB",
        "rounds",
        "sessions"
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(minutes * 60);
    let mut next_sample = started;
    let mut rounds = 0u32;
    let mut lost = 0usize;
    let mut created_sessions = 0usize;
    let mut samples: Vec<Sample> = Vec::new();
    let mut next_census = started + Duration::from_secs(5 * 60);
    let mut sample = |rounds: u32, sessions: usize, next: &mut Instant| {
        if Instant::now() >= next_census {
            println!("  the database holds: {}", census(desk.store()));
            next_census += Duration::from_secs(5 * 60);
        }
        if Instant::now() >= *next {
            let (rss, db) = (rss_mib(), db_mib(dir.path()));
            // The heap the desk holds (the counting allocator), beside what the OS counts: a
            // growing heap is a leak, a growing RSS over a flat heap is the allocator's.
            let heap = crate::heap_bytes() as f64 / (1024.0 * 1024.0);
            // SQLite allocates through the C allocator, outside the counting one: its page
            // caches are a third part of the resident memory.
            let sqlite = sqlite_bytes() as f64 / (1024.0 * 1024.0);
            let (anon, file) = rss_split_mib();
            // Each thread keeps the stack pages it touched: part of the anonymous memory.
            let threads = thread_count();
            let wal = wal_mib(dir.path());
            samples.push(Sample {
                at: started.elapsed(),
                rss,
                db,
                wal,
            });
            println!(
                "{:>7.0}s {rss:>10.1} {anon:>10.1} {file:>10.1} {heap:>10.1} {sqlite:>10.1} {threads:>8} {db:>10.2} {wal:>10.2} {rounds:>8} {sessions:>9}",
                started.elapsed().as_secs_f64()
            );
            *next += Duration::from_secs(15);
        }
    };
    let locations: Vec<String> = sim
        .state()
        .await?
        .locations
        .iter()
        .filter(|l| l.merchant_id == MERCHANT)
        .map(|l| l.location.id.clone())
        .collect();

    let mut sessions_check = SessionCheck::default();
    // Which retention limits have pruned something, and since when all of them have.
    let mut limits_reached: HashSet<&str> = HashSet::new();
    let mut full_since: Option<Duration> = None;
    // Rounds whose sessions are not checked yet: when they began and ended.
    let mut unchecked: VecDeque<(DateTime<Utc>, DateTime<Utc>, Instant)> = VecDeque::new();
    while Instant::now() < deadline {
        rounds += 1;
        let round_started = chrono::Utc::now();
        // A full sync; under these faults it may fail, and is simply tried again next round.
        if let Err(err) = desk.sync_fleet(|_| {}).await {
            println!("  round {rounds}: sync failed ({err}); next round retries");
        }
        sample(rounds, created_sessions, &mut next_sample);

        // A bulk move of 200 devices to the next store.
        let target = locations[rounds as usize % locations.len()].clone();
        let page = desk
            .find_devices(
                &FleetQuery::all(),
                Sort {
                    column: SortColumn::Name,
                    descending: false,
                },
                (rounds * 211) % 9_000,
                BULK as u32,
            )
            .await?;
        let ids: Vec<String> = page.rows.iter().map(|r| r.device.id.clone()).collect();
        let plan = desk
            .plan_job(
                &BulkAction::AssignLocation {
                    location_id: Some(target.clone()),
                },
                &JobTargets::Selection {
                    selection: DeviceSelection::Ids { ids },
                },
            )
            .await?;
        let job = desk.start_job(&plan.plan_id).await?;
        match desk.run_job(&job.id).await {
            Ok(_) => {
                let done = desk
                    .job_devices(&job.id, JobRowFilter::Done, 0, BULK as u32)
                    .await?;
                let ok: HashSet<String> = done.rows.into_iter().map(|r| r.device_id).collect();
                let applied = sim
                    .devices_at(&target, round_started)
                    .await?
                    .devices
                    .iter()
                    .filter(|d| ok.contains(&d.id))
                    .filter(|d| d.location_id.as_deref() == Some(target.as_str()))
                    .count();
                lost += ok.len() - applied;
            }
            Err(err) => println!("  round {rounds}: the job stopped ({err})"),
        }
        sample(rounds, created_sessions, &mut next_sample);

        // 200 sessions on a simulated device, tapped: a decline, then a success.
        if let Ok(device) = desk
            .create_simulated_device(&format!("Soak till {rounds}"), None)
            .await
        {
            for n in 0..SESSIONS_PER_ROUND {
                let lines = [CartLine {
                    name: format!("Item {n}"),
                    quantity: 1,
                    unit_price: 1_000 + n as i64,
                    tax_rate: 2_500,
                    discount: 0,
                }];
                let Ok(view) = desk.create_test_payment(&device.id, "SEK", &lines).await else {
                    continue;
                };
                created_sessions += 1;
                let id = view.tracked.session.session_id.clone();
                let _ = desk.simulate_tap(&id, &TapOutcome::DeclinedGeneric).await;
                let _ = desk.simulate_tap(&id, &TapOutcome::Success).await;
                sample(rounds, created_sessions, &mut next_sample);
            }
        }

        // The sessions of rounds old enough, as the API has them (including any whose create
        // answer was lost), against what the desk knows once callbacks and polls have landed.
        tokio::time::sleep(Duration::from_secs(12)).await;
        unchecked.push_back((round_started, chrono::Utc::now(), Instant::now()));
        while let Some(&(from, to, ended)) = unchecked.front() {
            if ended.elapsed() < SETTLED_AFTER {
                break;
            }
            check_sessions(&sim, &desk, from, to, &mut sessions_check).await?;
            unchecked.pop_front();
        }
        // The history retention the app runs every ten minutes.
        let store = desk.store().clone();
        let pruned =
            tokio::task::spawn_blocking(move || fleet_core::storage::retention::prune(&store))
                .await??;
        for (kind, count) in [
            ("sessions", pruned.sessions),
            ("activity entries", pruned.audit_entries),
            ("jobs", pruned.jobs),
            ("callback ids", pruned.deliveries),
        ] {
            if count > 0 && limits_reached.insert(kind) && limits_reached.len() == 4 {
                full_since = Some(started.elapsed());
                println!(
                    "  round {rounds}: the database has reached every retention limit ({:.0}s)",
                    started.elapsed().as_secs_f64()
                );
            }
        }
        sample(rounds, created_sessions, &mut next_sample);
    }

    // The last rounds' sessions, once they too have had their minute.
    while let Some((from, to, ended)) = unchecked.pop_front() {
        tokio::time::sleep(SETTLED_AFTER.saturating_sub(ended.elapsed())).await;
        check_sessions(&sim, &desk, from, to, &mut sessions_check).await?;
    }

    let cache = desk
        .find_devices(
            &FleetQuery::all(),
            Sort {
                column: SortColumn::Name,
                descending: false,
            },
            0,
            1,
        )
        .await?;
    let sim_devices = sim
        .state()
        .await?
        .devices
        .iter()
        .filter(|d| d.merchant_id == MERCHANT)
        .count();

    println!("\n== soak result ({rounds} rounds, {created_sessions} sessions) ==");
    println!("the curve, a line a minute (the desk's own process; the simulator runs apart):");
    println!(
        "{:>8} {:>10} {:>10} {:>10}",
        "minute", "RSS MiB", "DB MiB", "+ WAL MiB"
    );
    let mut minute = 0;
    for Sample { at, rss, db, wal } in &samples {
        if at.as_secs() / 60 >= minute {
            println!(
                "{:>8} {rss:>10.1} {db:>10.2} {wal:>10.2}",
                at.as_secs() / 60
            );
            minute = at.as_secs() / 60 + 1;
        }
    }
    // After warm-up: the median of the two minutes after it against the last two minutes'.
    let median = |values: Vec<f64>| -> f64 {
        let mut values = values;
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or_default()
    };
    let end = samples.last().map_or(Duration::ZERO, |s| s.at);
    let in_window =
        |from: Duration, to: Duration| samples.iter().filter(move |s| s.at >= from && s.at <= to);
    if full_since.is_none() {
        println!(
            "the database did not reach every retention limit: measured from the warm-up's least"
        );
    }
    let warm = WARM_UP.max(full_since.unwrap_or_default()).min(end / 3);
    let two = Duration::from_secs(120).min(end / 6);
    let (first, last) = ((warm, warm + two), (end.saturating_sub(two), end));
    let window_median = |(from, to): (Duration, Duration), pick: fn(&Sample) -> f64| {
        median(in_window(from, to).map(pick).collect())
    };
    let (rss_after, rss_end) = (
        window_median(first, |s| s.rss),
        window_median(last, |s| s.rss),
    );
    let (db_after, db_end) = (
        window_median(first, |s| s.db),
        window_median(last, |s| s.db),
    );
    let rss_growth = rss_end / rss_after.max(1.0) - 1.0;
    let db_growth = db_end / db_after.max(0.01) - 1.0;
    // The log grows with each write until a checkpoint copies it into the file and cuts it back
    // to its limit; at any instant it is wherever the sync cycle is. Bounded means it is still cut
    // back at the end.
    let wal_limit = fleet_core::storage::JOURNAL_SIZE_LIMIT as f64 / (1024.0 * 1024.0);
    let wal_low_at_end = in_window(last.0, last.1)
        .map(|s| s.wal)
        .fold(f64::INFINITY, f64::min);
    let wal_peak = in_window(warm, end).map(|s| s.wal).fold(0.0, f64::max);
    println!(
        "warm-up: the first {:.0}s (the database reached every retention limit at {})",
        warm.as_secs_f64(),
        full_since.map_or("no point".to_owned(), |at| format!(
            "{:.0}s",
            at.as_secs_f64()
        ))
    );
    println!(
        "resident memory after warm-up: {rss_after:.1} MiB → {rss_end:.1} MiB at the end ({:+.1} %; goal ≤ {:.0} %)",
        rss_growth * 100.0,
        MAX_MEMORY_GROWTH * 100.0
    );
    println!(
        "database file after warm-up: {db_after:.2} MiB → {db_end:.2} MiB at the end ({:+.1} %; goal ≤ {:.0} %)",
        db_growth * 100.0,
        MAX_DATABASE_GROWTH * 100.0
    );
    println!(
        "write-ahead log after warm-up: at most {wal_peak:.2} MiB, cut back to {wal_low_at_end:.2} MiB in the last minutes (its limit {wal_limit:.0} MiB)"
    );
    println!(
        "lost changes: {lost} bulk moves, {} sessions (of {} checked)",
        sessions_check.lost, sessions_check.checked
    );
    println!(
        "duplicated changes: {} timeline entries",
        sessions_check.duplicated
    );
    println!(
        "fleet cache vs API: {} vs {sim_devices} devices (after the last sync)",
        cache.total
    );
    desk.shutdown().await;
    drop(sim);
    ensure!(
        lost == 0 && sessions_check.lost == 0 && sessions_check.duplicated == 0,
        "changes were lost or duplicated"
    );
    ensure!(
        rss_growth <= MAX_MEMORY_GROWTH,
        "the desk's memory grew by {:.1} % after warm-up",
        rss_growth * 100.0
    );
    ensure!(
        db_growth <= MAX_DATABASE_GROWTH,
        "the database grew by {:.1} % after warm-up",
        db_growth * 100.0
    );
    ensure!(
        wal_low_at_end <= wal_limit,
        "the write-ahead log was not cut back to its {wal_limit:.0} MiB limit in the last minutes (at least {wal_low_at_end:.2} MiB)"
    );
    Ok(())
}

/// One 15-second sample of the desk, in MiB.
struct Sample {
    at: Duration,
    /// Resident memory.
    rss: f64,
    /// The database file.
    db: f64,
    /// Its write-ahead log.
    wal: f64,
}

/// Sessions checked against the API, and what was found wrong.
#[derive(Default)]
struct SessionCheck {
    checked: usize,
    lost: usize,
    duplicated: usize,
}

/// The merchant's sessions created between `from` and `to`, as the API has them, against what
/// the desk knows: a session it does not know or sees in another state is lost; a status twice
/// on a session's timeline is a duplicate.
async fn check_sessions(
    sim: &SimProcess,
    desk: &Desk,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    check: &mut SessionCheck,
) -> Result<()> {
    let truth: HashMap<String, SessionStatus> = sim
        .sessions_since(from)
        .await?
        .sessions
        .values()
        .filter(|stored| stored.merchant_id == MERCHANT)
        .filter(|stored| stored.created_at >= from && stored.created_at < to)
        .map(|stored| {
            (
                stored.session.session_id.clone(),
                stored.session.status.clone(),
            )
        })
        .collect();
    for (id, status) in &truth {
        check.checked += 1;
        let detail = desk.session_detail(id).await.ok();
        let mine = detail
            .as_ref()
            .map(|d| d.view.tracked.session.status.clone());
        if mine.as_ref() != Some(status) {
            check.lost += 1;
            if check.lost <= 10 {
                println!("  lost: session {id} is {status} in the API, {mine:?} in the desk");
            }
        }
        if let Some(detail) = detail {
            let mut statuses: Vec<String> = detail
                .timeline
                .iter()
                .filter_map(|e| match &e.event {
                    TimelineEvent::Status { status } => Some(status.clone()),
                    TimelineEvent::PaymentFailed { .. } => None,
                })
                .collect();
            let before = statuses.len();
            statuses.sort();
            statuses.dedup();
            check.duplicated += before - statuses.len();
        }
    }
    Ok(())
}
