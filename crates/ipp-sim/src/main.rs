//! `ipp-sim`: the Kustom IPP simulator as a standalone server.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use ipp_sim::{FaultConfig, MerchantConfig, Mode, RateLimitBursts, SeedSpec, SimConfig};
use kustom_ipp::WebhookSecret;

#[derive(Parser)]
#[command(
    version,
    about = "A local simulator of the Kustom In-Person Payments API (/ipp/v1)"
)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    #[arg(long, value_enum, default_value_t = CliMode::Playground)]
    mode: CliMode,
    /// The demo merchant's id.
    #[arg(long, default_value = "DM20260001")]
    merchant_id: String,
    /// The demo merchant's API key (default: a demo key derived from the merchant id, with the
    /// mode's prefix, kco_test_api_… or kco_live_api_…).
    #[arg(long, env = "IPP_SIM_API_KEY")]
    api_key: Option<String>,
    #[arg(long, default_value_t = 6)]
    seed_locations: usize,
    #[arg(long, default_value_t = 40)]
    seed_devices: usize,
    /// Where to POST callbacks (repeatable).
    #[arg(long)]
    callback_url: Vec<String>,
    /// The callback signing secret, `whsec_<base64>` (default: a random one).
    #[arg(long, env = "IPP_SIM_WEBHOOK_SECRET")]
    webhook_secret: Option<String>,
    /// Share of requests answered 500/503 (0–1).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Share of requests whose connection is dropped (0–1).
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Every N requests, answer a burst of 429s (0 = off).
    #[arg(long, default_value_t = 0)]
    rate_limit_every: u64,
    #[arg(long, default_value_t = 3)]
    rate_limit_burst: u64,
    /// An account rate limit: at most this many requests a second, the rest answered 429.
    #[arg(long)]
    requests_per_second: Option<f64>,
    /// How long a session may stay unfinished before it turns EXPIRED, in seconds (Kustom's own
    /// figure is not documented).
    #[arg(long, default_value_t = 30 * 60)]
    session_timeout_secs: u64,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Seed of the fault injector.
    #[arg(long, default_value_t = 1)]
    fault_seed: u64,
    /// Serve the whole state as JSON at /__inspect/state (for soaks and tests in another process).
    #[arg(long)]
    inspect: bool,
    /// Answer with only the fields Kustom's docs promise, and read every inferred rule in the
    /// least convenient way that still fits the docs (the crate docs list each choice).
    #[arg(long)]
    docs_minimal: bool,
    /// The demo merchant's account does not have In-Person Payments: every authenticated
    /// /ipp/v1 call answers 403.
    #[arg(long)]
    ipp_disabled: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CliMode {
    Playground,
    Production,
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let mode_name = args.mode_name();
    let mode = match args.mode {
        CliMode::Playground => Mode::Playground,
        CliMode::Production => Mode::Production,
    };
    let mut merchant = MerchantConfig::new(&args.merchant_id, mode).seed(SeedSpec {
        locations: args.seed_locations,
        devices: args.seed_devices,
        ..SeedSpec::default()
    });
    let custom_key = args.api_key.is_some();
    if let Some(key) = args.api_key {
        merchant = merchant.api_key(key);
    }
    if args.ipp_disabled {
        merchant = merchant.ipp_disabled();
    }
    let mut config = SimConfig::new(mode)
        .merchants(vec![merchant])
        .session_timeout(Duration::from_secs(args.session_timeout_secs));
    config.addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    config.callback_urls = args.callback_url;
    if let Some(secret) = args.webhook_secret {
        config.webhook_secret = WebhookSecret::parse(&secret).context("--webhook-secret")?;
    }
    config.faults = FaultConfig {
        error_rate: args.fault_rate,
        drop_rate: args.drop_rate,
        rate_limit: (args.rate_limit_every > 0).then_some(RateLimitBursts {
            every: args.rate_limit_every,
            burst: args.rate_limit_burst,
            retry_after: Duration::from_secs(1),
        }),
        requests_per_second: args.requests_per_second,
        latency: Duration::from_millis(args.latency_ms),
        seed: args.fault_seed,
    };
    config.inspect = args.inspect;
    config.docs_minimal = args.docs_minimal;
    let running = ipp_sim::start(config)
        .await
        .context("starting the simulator")?;
    let merchant = running.merchants().first().context("no merchant")?.clone();
    println!(
        "ipp-sim listening on {} ({} mode{})",
        running.base_url(),
        mode_name,
        if args.docs_minimal {
            ", docs-minimal"
        } else {
            ""
        }
    );
    println!("  merchant id: {}", merchant.merchant_id);
    if custom_key {
        println!("  API key: the one given with --api-key");
    } else {
        // A demo key for a local simulator, derived from the merchant id; not a secret.
        println!("  API key: {}", merchant.api_key);
    }
    tokio::signal::ctrl_c().await?;
    running.shutdown().await;
    Ok(())
}

impl Args {
    fn mode_name(&self) -> &'static str {
        match self.mode {
            CliMode::Playground => "playground",
            CliMode::Production => "production",
        }
    }
}
