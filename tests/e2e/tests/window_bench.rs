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
  const signature = () => {
    const count = document.querySelector("[data-testid='match-count']")?.textContent ?? "";
    const rows = [...document.querySelectorAll("[data-testid='device-row']")].slice(0, 5).map((r) => r.dataset.deviceId ?? "");
    return count + "|" + rows.join(",");
  };
  let pending = null;
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLElement && event.target.closest("[data-testid='device-search']")) {
      pending = { at: performance.now(), before: signature() };
    }
  }, true);
  new MutationObserver(() => {
    if (!pending || signature() === pending.before) return;
    const started = pending.at;
    pending = null;
    requestAnimationFrame(() => window.__keystrokes.push(performance.now() - started));
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
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
/// network processes), in MB.
fn app_memory_mb(data_dir: &std::path::Path) -> Result<f64> {
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
    let kb: u64 = tree
        .iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter_map(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .sum();
    Ok(kb as f64 / 1024.0)
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
        app.use_simulator_profile("Big fleet", &sim.base_url(), MID, &key).await?;
        app.click_view("devices").await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
        while !app.text("[data-testid='synced']").await?.contains("100,000") {
            ensure!(tokio::time::Instant::now() < deadline, "the 100,000 devices never synced");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        app.wait_for(Locator::Css("[data-testid='device-row'][data-device-id]")).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let memory = app_memory_mb(app.data_dir())?;

        app.client().execute(TIMER, vec![]).await?;
        app.click("input[data-testid='device-search'], [data-testid='device-search'] input").await?;
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
        ensure!(times.len() * 10 >= typed * 7, "only {} of {typed} keystrokes changed the table", times.len());
        times.sort_by(f64::total_cmp);
        let (p50, p95) = (percentile(&times, 0.5), percentile(&times, 0.95));
        println!("\n== bench: keystroke → table in the real window, {DEVICES} devices ({} keystrokes) ==", times.len());
        println!("{:<44} p50 {p50:>7.1} ms   p95 {p95:>7.1} ms   (goal p95 ≤ 50 ms)", "fleet filter, typed one character at a time");
        println!("{:<44} {memory:>7.1} MB", "resident memory, app + WebKit, 100,000 devices");
        app.screenshot("window-bench-100k").await?;
        record("keystroke → table, 100,000 devices, p50", "ms", p50, None)?;
        record("keystroke → table, 100,000 devices, p95", "ms", p95, Some(50.0))?;
        record("resident memory with 100,000 devices in the fleet view", "MB", memory, None)?;
        Ok(())
    })
    .await;
    sim.shutdown().await;
    outcome
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
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}
