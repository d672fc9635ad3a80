//! Real-window benches, run by `cargo xtask bench window` against the release app (ignored by the
//! e2e suite): with 100,000 devices synced from a simulator, type queries into the fleet filter one
//! character at a time and time each keystroke until the table shows its new rows; then the
//! resident memory of the app's processes with those devices in the fleet view.
//!
//! A keystroke is timed inside the page, from its `keydown` to the animation frame after the table
//! changed (its match count or its first rows), so WebDriver's own round trips are not counted.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use fleetdesk_e2e::{App, KEY_CONTROL, KEY_NULL, with_app};
use ipp_sim::{MerchantConfig, Mode, SeedSpec, SimConfig};
use serde_json::json;

const MID: &str = "DM30300002";
const DEVICES: usize = 100_000;
const KEY_BACKSPACE: char = '\u{E003}';

/// Watches the device table and times keystrokes in the filter (see the module comment).
const TIMER: &str = r#"
  window.__keystrokes = [];
  // What the table shows: its match count and first rows. `null` while rows are still blank (a
  // window of rows not yet arrived), so a half-drawn table never counts as the answer.
  const signature = () => {
    const count = document.querySelector("[data-testid='match-count']")?.textContent ?? "";
    const rows = [...document.querySelectorAll("[data-testid='device-row']")].slice(0, 5).map((r) => r.dataset.deviceId ?? "");
    if (rows.some((id) => id === "")) return null;
    return count + "|" + rows.join(",");
  };
  let pending = null;
  // Where a keystroke's time goes: until the table's answer (`find_devices`, fetched from Tauri's
  // IPC scheme) had arrived, until the table's DOM changed, and until the next frame.
  window.__asked = [];
  window.__answered = [];
  window.__changed = [];
  let lastAsk = 0;
  let lastAnswer = 0;
  const fetchInPage = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const asked = String(input).includes("find_devices");
    if (asked) lastAsk = performance.now();
    const answer = fetchInPage(input, init);
    if (asked) answer.then(() => { lastAnswer = performance.now(); }, () => {});
    return answer;
  };
  // When the typed character reached the search box (the browser's part of a keystroke).
  window.__input = [];
  let lastInput = 0;
  document.addEventListener("input", () => { lastInput = performance.now(); }, true);
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLElement && event.target.closest("[data-testid='device-search']")) {
      pending = { at: performance.now(), before: signature() };
    }
  }, true);
  new MutationObserver(() => {
    if (!pending) return;
    const now = signature();
    if (now === null || now === pending.before) return;
    const timed = pending;
    pending = null;
    window.__changed.push(performance.now() - timed.at);
    window.__input.push(lastInput > timed.at ? lastInput - timed.at : null);
    window.__asked.push(lastAsk > timed.at ? lastAsk - timed.at : null);
    window.__answered.push(lastAnswer > timed.at ? lastAnswer - timed.at : null);
    requestAnimationFrame(() => window.__keystrokes.push(performance.now() - timed.at));
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
"#;

/// Two seconds of animation frames with nothing changing: the time between each two (ms).
const IDLE_FRAMES: &str = r#"
  const done = arguments[arguments.length - 1];
  const gaps = [];
  let last = null;
  const frame = (now) => {
    if (last !== null) gaps.push(now - last);
    last = now;
    if (gaps.length === 0 || gaps.reduce((a, b) => a + b, 0) < 2000) requestAnimationFrame(frame);
    else done(gaps);
  };
  requestAnimationFrame(frame);
"#;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

/// Appends one figure to the bench's figures file, in the shape `cargo xtask bench` gathers.
fn record(name: &str, unit: &str, value: f64, at_most: Option<f64>) -> Result<()> {
    use std::io::Write;
    let Ok(path) = std::env::var("FLEETDESK_BENCH_FIGURES") else {
        return Ok(());
    };
    let line = json!({
        "name": name, "unit": unit, "value": value, "baseline": null, "ratio": null,
        "goal": at_most.map(|limit| json!({ "at_most": limit })),
        "met": at_most.map(|limit| value <= limit),
    });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(file, "{line}")?;
    Ok(())
}

/// The resident memory of the app started on `data_dir` and all its children (WebKit's web and
/// network processes).
fn app_memory(data_dir: &std::path::Path, describe: bool) -> Result<Memory> {
    let marker = data_dir.to_string_lossy().into_owned();
    let mut parents: Vec<(u32, u32)> = Vec::new();
    let mut root = None;
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parents.push((pid, ppid));
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&marker) && root.is_none() {
            root = Some(pid);
        }
    }
    let root = root.context("the app's process was not found")?;
    let mut tree = BTreeSet::from([root]);
    loop {
        let before = tree.len();
        for (pid, ppid) in &parents {
            if tree.contains(ppid) {
                tree.insert(*pid);
            }
        }
        if tree.len() == before {
            break;
        }
    }
    let rss_mb = |pid: &u32| {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find(|line| line.starts_with("VmRSS:"))
                    .and_then(|line| line.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
            .map_or(0.0, |kb| kb as f64 / 1024.0)
    };
    // Each process's resident memory by kind (private heap, mapped files such as libraries,
    // shared memory such as WebKit's graphics buffers), to see where the total comes from.
    for pid in tree.iter().filter(|_| describe) {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|line| line.starts_with(name))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
                .map_or(0.0, |kb| kb as f64 / 1024.0)
        };
        let name = status
            .lines()
            .find_map(|line| line.strip_prefix("Name:"))
            .unwrap_or("")
            .trim()
            .to_owned();
        println!(
            "  process {pid:>7} {name:<16} resident {:>7.1} MB: heap {:>7.1}, files {:>6.1}, shared {:>6.1}",
            field("VmRSS:"),
            field("RssAnon:"),
            field("RssFile:"),
            field("RssShmem:")
        );
    }
    Ok(Memory {
        app: rss_mb(&root),
        all: tree.iter().map(rss_mb).sum(),
    })
}

/// The app's memory once the sync's leftovers are given back: sampled every half second until two
/// samples in a row differ by less than 1 % (at most 15 s), so a figure does not depend on whether
/// the allocator had returned the sync's buffers at one instant.
async fn settled_memory(app: &App) -> Result<Memory> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut previous = app_memory(app.data_dir(), false)?;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = app_memory(app.data_dir(), false)?;
        let settled = (now.all - previous.all).abs() < previous.all * 0.01;
        if settled || tokio::time::Instant::now() >= deadline {
            println!(
                "memory settled: {settled} ({:.1} → {:.1} MB)",
                previous.all, now.all
            );
            return app_memory(app.data_dir(), true);
        }
        previous = now;
    }
}

/// Resident memory in MB: the app's own process, and with WebKit's processes.
struct Memory {
    app: f64,
    all: f64,
}

#[tokio::test]
#[ignore = "a bench: run by `cargo xtask bench window` against the release app"]
async fn window_bench_keystroke_to_table_at_100k_devices() -> Result<()> {
    let merchant = MerchantConfig::new(MID, Mode::Playground).seed(SeedSpec {
        locations: 400,
        devices: DEVICES,
        pending_enrollments: 0,
        consumed_enrollments: 0,
        rng_seed: 7,
    });
    let sim = ipp_sim::start(SimConfig::new(Mode::Playground).merchants(vec![merchant])).await?;
    let key = sim.merchants()[0].api_key.clone();
    let outcome = with_app("window_bench", async |app: &App| {
        let at_start = app_memory(app.data_dir(), true)?;
        app.use_simulator_profile("Big fleet", &sim.base_url(), MID, &key).await?;
        app.click_view("devices").await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
        while !app.text("[data-testid='synced']").await?.contains("100,000") {
            ensure!(tokio::time::Instant::now() < deadline, "the 100,000 devices never synced");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        app.wait_for(Locator::Css("[data-testid='device-row'][data-device-id]")).await?;
        let memory = settled_memory(app).await?;

        app.client().execute(TIMER, vec![]).await?;
        app.click("input[data-testid='device-search'], [data-testid='device-search'] input").await?;
        // The window's own frame rate with nothing changing: a keystroke waits for the frame in
        // flight and then needs one of its own, so this bounds what typing can feel like here.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut idle: Vec<f64> = serde_json::from_value(app.client().execute_async(IDLE_FRAMES, vec![]).await?)?;
        idle.sort_by(f64::total_cmp);
        let (idle_p50, idle_p95) = (percentile(&idle, 0.5), percentile(&idle, 0.95));
        let mut typed = 0usize;
        for query in ["stockholm till", "göteborg pop", "r58", "handheld 2", "väst"] {
            for character in query.chars() {
                let before = keystrokes(app).await?.len();
                app.press(&character.to_string()).await?;
                typed += 1;
                wait_for_more(app, before).await?;
            }
            // Back to the whole fleet for the next query (not timed as typing).
            app.press(&format!("{KEY_CONTROL}a{KEY_NULL}{KEY_BACKSPACE}")).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let mut times = keystrokes(app).await?;
        // Each keystroke's steps in typing order, to see which keys are slow and where.
        let steps = app
            .client()
            .execute(
                "return window.__keystrokes.map((t, i) => [window.__input[i], window.__asked[i], window.__answered[i], window.__changed[i], t].map((v) => v === null ? null : Math.round(v)));",
                vec![],
            )
            .await?;
        println!("keystrokes in order, ms after keydown [input event, asked, answered, DOM changed, painted]: {steps}");
        // A keystroke that leaves the table as it was (no match before and after, say) has no
        // repaint to time; the rest must be enough for a p95.
        ensure!(times.len() >= 20, "only {} of {typed} keystrokes changed the table", times.len());
        times.sort_by(f64::total_cmp);
        let (p50, p95) = (percentile(&times, 0.5), percentile(&times, 0.95));
        println!("\n== bench: keystroke → table in the real window, {DEVICES} devices ({} of {typed} keystrokes changed the table) ==", times.len());
        println!("{:<44} p50 {p50:>7.1} ms   p95 {p95:>7.1} ms   (goal p95 ≤ 50 ms)", "fleet filter, typed one character at a time");
        // Where the time went: each step the page timed, as a figure of its own.
        let mut steps = Vec::new();
        for (window_name, step) in [
            ("__asked", "until find_devices was asked"),
            ("__answered", "until find_devices answered"),
            ("__changed", "until the table's DOM changed"),
        ] {
            let figures = page_figures(app, window_name).await?;
            let (p50, p95) = (percentile(&figures, 0.5), percentile(&figures, 0.95));
            println!(
                "{:<44} p50 {p50:>7.1} ms   p95 {p95:>7.1} ms   ({} keystrokes)",
                format!("  of which {step}"),
                figures.len()
            );
            steps.push((step, p50, p95));
        }
        println!(
            "{:<44} p50 {idle_p50:>7.1} ms   p95 {idle_p95:>7.1} ms   ({} frames in 2 s, nothing typed)",
            "  frame to frame in this window, idle",
            idle.len()
        );
        println!(
            "{:<44} {:>7.1} MB (the app's own process {:.1} MB)",
            "resident memory, app + WebKit, at start", at_start.all, at_start.app
        );
        println!(
            "{:<44} {:>7.1} MB (the app's own process {:.1} MB)",
            "resident memory, app + WebKit, 100,000 devices", memory.all, memory.app
        );
        app.screenshot("window-bench-100k").await?;
        record("keystroke → table, 100,000 devices, p50", "ms", p50, None)?;
        record("keystroke → table, 100,000 devices, p95", "ms", p95, Some(50.0))?;
        for (step, p50, p95) in steps {
            record(&format!("  of which {step}, p50"), "ms", p50, None)?;
            record(&format!("  of which {step}, p95"), "ms", p95, None)?;
        }
        record("  frame to frame in the window, idle, p50", "ms", idle_p50, None)?;
        record("  frame to frame in the window, idle, p95", "ms", idle_p95, None)?;
        record("resident memory with 100,000 devices in the fleet view", "MB", memory.all, None)?;
        record("  of which the app's own process", "MB", memory.app, None)?;
        Ok(())
    })
    .await;
    sim.shutdown().await;
    outcome
}

/// A list of times the page kept (`window[name]`), sorted; keystrokes it has no time for are left out.
async fn page_figures(app: &App, name: &str) -> Result<Vec<f64>> {
    let value = app
        .client()
        .execute(&format!("return window.{name} || [];"), vec![])
        .await?;
    let figures: Vec<Option<f64>> = serde_json::from_value(value)?;
    let mut figures: Vec<f64> = figures.into_iter().flatten().collect();
    figures.sort_by(f64::total_cmp);
    Ok(figures)
}

async fn keystrokes(app: &App) -> Result<Vec<f64>> {
    let value = app
        .client()
        .execute("return window.__keystrokes || [];", vec![])
        .await?;
    Ok(serde_json::from_value(value)?)
}

/// Waits until one more keystroke was timed (or a second passed: that key did not change the table).
async fn wait_for_more(app: &App, before: usize) -> Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while tokio::time::Instant::now() < deadline {
        if keystrokes(app).await?.len() > before {
            return Ok(());
        }
        // Not more often: each look runs a script on the page's main thread, beside the typing.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Times, inside the page, from the click on "Full history" to the frame after its first page
/// (and the count of every entry) is on screen.
const HISTORY_TIMER: &str = r#"
  window.__history = [];
  let clicked = null;
  document.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("[data-testid='device-history-all']")) clicked = performance.now();
  }, true);
  new MutationObserver(() => {
    if (clicked === null) return;
    const count = document.querySelector("[data-testid='history-count']");
    const entries = document.querySelectorAll("[data-testid='device-history-full'] [data-testid='history-entry']").length;
    if (!count || entries < 100) return;
    const at = clicked;
    clicked = null;
    requestAnimationFrame(() => window.__history.push(performance.now() - at));
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
"#;

/// Entries written into the log for each timed device.
const HISTORY_ENTRIES: usize = 10_000;

#[tokio::test]
#[ignore = "a bench: run by `cargo xtask bench window` against the release app"]
async fn window_bench_a_device_history_of_10000_entries_opens() -> Result<()> {
    with_app("window_bench_history", async |app: &App| {
        app.click_view("devices").await?;
        app.wait_for(Locator::Css("[data-testid='device-row'][data-device-id]")).await?;
        let mut devices = Vec::new();
        for row in app.client().find_all(Locator::Css("[data-testid='device-row'][data-device-id]")).await?.into_iter().take(5) {
            devices.push(row.attr("data-device-id").await?.context("a row without an id")?);
        }
        // Ten thousand changes a device, written into the app's own log beside it (chained, as
        // the app writes them).
        let log = fleet_core::audit::AuditLog::new(
            fleet_core::storage::Store::open(&app.data_dir().join("fleetdesk.sqlite3"))?.0,
        );
        for device in &devices {
            let entries: Vec<fleet_core::audit::NewEntry> = (0..HISTORY_ENTRIES)
                .map(|n| {
                    let mut entry = fleet_core::audit::NewEntry::new(
                        fleet_core::audit::Source::App,
                        "device.rename",
                        &format!("Till {n}"),
                    )
                    .device(device, "HW", None)
                    .change(Some(&format!("Till {}", n.saturating_sub(1))), Some(&format!("Till {n}")));
                    entry.profile_id = Some(fleet_core::profiles::LOCAL_PLAYGROUND_ID.to_owned());
                    entry.at = chrono::Utc::now() - chrono::Duration::minutes((HISTORY_ENTRIES - n) as i64);
                    entry
                })
                .collect();
            log.write(&entries)?;
        }
        app.client().execute(HISTORY_TIMER, vec![]).await?;
        for device in &devices {
            app.click_view("devices").await?;
            app.click(&format!("[data-testid='device-row'][data-device-id='{device}']")).await?;
            app.wait_for(Locator::Css("[data-testid='device-history-all']")).await?;
            app.click("[data-testid='device-history-all']").await?;
            app.wait_for_text_containing("[data-testid='history-count']", "10,0").await?;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut times: Vec<f64> = serde_json::from_value(app.client().execute("return window.__history;", vec![]).await?)?;
        ensure!(times.len() == devices.len(), "timed {} of {} opens", times.len(), devices.len());
        times.sort_by(f64::total_cmp);
        let median = percentile(&times, 0.5);
        println!("\n== bench: a device history of {HISTORY_ENTRIES} entries, click → first page on screen ==");
        println!("  each open (ms): {times:?}; median {median:.0} ms (goal < 200 ms)");
        record("device history of 10,000 entries opens, median", "ms", median, Some(200.0))
    })
    .await
}
