//! Live sessions: how long from a simulated card tap to the session update the UI is sent (the
//! watcher's broadcast, which the app forwards as a Tauri event), by callback and by polling
//! alone; and the CPU and request rate while watching 200 active sessions.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use fleet_core::sessions::receiver::{Receiver, Secrets};
use fleet_core::sessions::watcher::SessionWatcher;
use fleet_core::sessions::{EventSource, SessionStore};
use fleet_core::storage::Store;
use ipp_sim::{MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use kustom_ipp::webhooks::WebhookSecret;
use kustom_ipp::{
    Client, ClientConfig, CreateSession, CreateSimulatedDevice, Credentials, Secret, SessionStatus,
};
use rand::Rng;
use tokio::sync::mpsc;

use crate::figures::{Goal, millis, report};
use crate::ms;

const SESSIONS: usize = 100;

pub async fn run() -> Result<()> {
    let (webhook_p50, webhook_p95) = tap_latency(true).await?;
    let (poll_p50, poll_p95) = tap_latency(false).await?;
    println!("\n== bench: tap → session update for the UI ({SESSIONS} sessions) ==");
    println!(
        "{:<30} p50 {:>9}   p95 {:>9}   (goal p95 ≤ 150 ms)",
        "webhook path",
        ms(webhook_p50),
        ms(webhook_p95)
    );
    println!(
        "{:<30} p50 {:>9}   p95 {:>9}   (goal p95 ≤ 1.2 s)",
        "polling only",
        ms(poll_p50),
        ms(poll_p95)
    );
    report(
        "tap → UI update, webhook path, p95",
        "ms",
        millis(webhook_p95),
        None,
        Goal::AtMost(150.0),
    );
    report(
        "tap → UI update, polling only, p95",
        "ms",
        millis(poll_p95),
        None,
        Goal::AtMost(1200.0),
    );
    watching_load().await
}

async fn sim(callback: Option<String>, secret: WebhookSecret) -> Result<Running> {
    let merchant = MerchantConfig::new("DM20260001", Mode::Playground).seed(SeedSpec::default());
    let mut config = SimConfig::new(Mode::Playground)
        .merchants(vec![merchant])
        .webhook_secret(secret);
    if let Some(url) = callback {
        config = config.callback_url(url);
    }
    Ok(ipp_sim::start(config).await?)
}

fn client(sim: &Running) -> Result<Client> {
    let config = ClientConfig::new(
        &sim.base_url(),
        Credentials::ApiKey(Secret::new(sim.merchants()[0].api_key.clone())),
    )?
    .merchant_id("DM20260001");
    Ok(Client::new(config)?)
}

fn cart(device_id: &str) -> Result<CreateSession> {
    let mut body: CreateSession = serde_json::from_str(include_str!(
        "../../kustom-ipp/tests/fixtures/sessions.create.request.json"
    ))?;
    body.device_id = device_id.to_owned();
    Ok(body)
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.95))
}

async fn tap_latency(webhooks: bool) -> Result<(Duration, Duration)> {
    let secret = WebhookSecret::generate();
    let secrets = Secrets::default();
    secrets.set(vec![secret.clone()]);
    let store = SessionStore::new(Store::in_memory()?);
    let (events, mut incoming) = mpsc::unbounded_channel();
    let receiver = Receiver::start(0, secrets, store.clone(), events).await?;
    let sim = sim(webhooks.then(|| receiver.url()), secret).await?;
    let client = client(&sim)?;
    let watcher = SessionWatcher::start(store, 50.0);
    {
        let watcher = watcher.clone();
        let client = client.clone();
        tokio::spawn(async move {
            while let Some(event) = incoming.recv().await {
                let _ = watcher.on_callback(&event, "bench", &client).await;
            }
        });
    }
    let device = client
        .dev_create_device(&CreateSimulatedDevice {
            name: "Bench till".into(),
            location_id: None,
            metadata: None,
        })
        .await?
        .device
        .id;
    let mut updates = watcher.subscribe();
    let mut samples = Vec::with_capacity(SESSIONS);
    for _ in 0..SESSIONS {
        let session = client.create_session(None, &cart(&device)?).await?;
        watcher
            .track("bench", &client, &session, None, EventSource::App)
            .await?;
        // A clerk taps some time after the payment reaches the phone.
        let wait = rand::rng().random_range(0..2_000);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        while updates.try_recv().is_ok() {}
        // The tap itself goes straight to the simulator, as the phone's would.
        let tapped = Instant::now();
        let url = format!(
            "{}/ipp/v1/dev/sessions/{}/simulate-tap?outcome=SUCCESS",
            sim.base_url(),
            session.session_id
        );
        kustom_ipp::tls::http_client()?
            .post(url)
            .header(
                "authorization",
                format!("Basic {}", sim.merchants()[0].api_key),
            )
            .send()
            .await?
            .error_for_status()?;
        loop {
            let update = tokio::time::timeout(Duration::from_secs(15), updates.recv())
                .await
                .context("no update")??;
            if update.session.session.session_id == session.session_id
                && update.session.session.status == SessionStatus::Finalized
            {
                samples.push(tapped.elapsed());
                break;
            }
        }
    }
    drop(receiver);
    sim.shutdown().await;
    Ok(percentiles(samples))
}

/// CPU seconds this process has used (user + system), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of /proc/pid/stat (11 and 12 after the name).
    (ticks(11) + ticks(12)) / 100.0
}

async fn watching_load() -> Result<()> {
    let sim = sim(None, WebhookSecret::generate()).await?;
    let client = client(&sim)?;
    let watcher = SessionWatcher::start(SessionStore::new(Store::in_memory()?), 25.0);
    let device = client
        .dev_create_device(&CreateSimulatedDevice {
            name: "Bench till".into(),
            location_id: None,
            metadata: None,
        })
        .await?
        .device
        .id;
    for _ in 0..200 {
        let session = client.create_session(None, &cart(&device)?).await?;
        watcher
            .track("bench", &client, &session, None, EventSource::App)
            .await?;
    }
    // Settle past the eager phase, then measure a steady minute's share.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let (cpu0, req0, t0) = (cpu_seconds(), watcher.requests(), Instant::now());
    tokio::time::sleep(Duration::from_secs(20)).await;
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = (cpu_seconds() - cpu0) / elapsed * 100.0;
    // A watcher keeping exactly to 25/s makes 500 or 501 requests in 20 s, depending on where the
    // window's edges fall; the n requests seen span n − 1 intervals, which is what the rate is.
    let seen = watcher.requests() - req0;
    let rate = seen.saturating_sub(1) as f64 / elapsed;
    println!(
        "\n== bench: watching 200 active sessions (steady state, 20 s, simulator in the same process) =="
    );
    println!("{:<30} {:>8.1} requests/s (budget 25/s)", "poll rate", rate);
    report(
        "watching 200 sessions: poll rate",
        "requests/s",
        rate,
        None,
        Goal::AtMost(25.0),
    );
    println!(
        "{:<30} {:>8.1} % of one core (watcher + simulator)",
        "CPU", cpu
    );
    sim.shutdown().await;
    Ok(())
}
