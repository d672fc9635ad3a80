//! The simulator in a process of its own (`ipp-sim`, built beside this binary), so what a bench
//! measures of memory is the desk's alone.

use anyhow::Result;
use ipp_sim::SimState;

/// The simulator in its own process, killed when dropped.
pub struct SimProcess {
    child: std::process::Child,
    base_url: String,
    http: reqwest::Client,
}

impl SimProcess {
    /// A playground simulator on a free port for `merchant` (whose key is `key`), seeded with
    /// `locations` stores and `devices` devices; `more` are further `ipp-sim` arguments.
    pub fn playground(
        merchant: &str,
        key: &str,
        locations: usize,
        devices: usize,
        more: &[&str],
    ) -> Result<Self> {
        let (locations, devices) = (locations.to_string(), devices.to_string());
        let mut args: Vec<String> = [
            "--port",
            "0",
            "--mode",
            "playground",
            "--merchant-id",
            merchant,
            "--api-key",
            key,
            "--seed-locations",
            &locations,
            "--seed-devices",
            &devices,
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
        args.extend(more.iter().map(|a| (*a).to_owned()));
        Self::start(&args)
    }

    /// Starts `ipp-sim` (the binary next to this one, or `IPP_SIM_BIN`) with `args`.
    fn start(args: &[String]) -> Result<Self> {
        use std::io::{BufRead, BufReader};
        let binary = std::env::var_os("IPP_SIM_BIN")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::env::current_exe()
                    .ok()
                    .and_then(|exe| exe.parent().map(|dir| dir.join("ipp-sim")))
                    .unwrap_or_else(|| "ipp-sim".into())
            });
        let mut child = std::process::Command::new(&binary)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|err| anyhow::anyhow!("could not start {}: {err}", binary.display()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().transpose()?.unwrap_or_default();
        // Keep reading what it prints, or its next line would meet a closed pipe.
        std::thread::spawn(move || for _ in lines {});
        let base_url = first
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .ok_or_else(|| anyhow::anyhow!("ipp-sim did not say where it listens: {first:?}"))?
            .to_owned();
        Ok(Self {
            child,
            base_url,
            http: kustom_ipp::tls::http_client()?,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The simulator's whole state, as it has it (never through its faults).
    pub async fn state(&self) -> Result<SimState> {
        self.inspect(&[]).await
    }

    /// The sessions created since `since`, and no devices: what a long run checks of its
    /// sessions each round, the same size however many sessions the simulator has seen.
    pub async fn sessions_since(&self, since: chrono::DateTime<chrono::Utc>) -> Result<SimState> {
        self.inspect(&[("sessions_since", &rfc3339(since)), ("devices_at", "")])
            .await
    }

    /// The devices at `location` (and the sessions since `since`): what a long run checks of a
    /// move, without parsing the whole fleet in the process it measures.
    pub async fn devices_at(
        &self,
        location: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<SimState> {
        self.inspect(&[
            ("sessions_since", &rfc3339(since)),
            ("devices_at", location),
        ])
        .await
    }

    async fn inspect(&self, query: &[(&str, &str)]) -> Result<SimState> {
        let mut url = reqwest::Url::parse(&format!("{}/__inspect/state", self.base_url))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let body = self
            .http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        Ok(serde_json::from_slice(&body)?)
    }
}

/// UTC with a `Z`, as the simulator reads it.
fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The resident memory of this process, in MiB.
pub fn rss_mib() -> f64 {
    status_mib("VmRSS:")
}

/// Of the resident memory, what is anonymous (heaps, stacks: what a leak grows) and what is
/// mapped from files (the program's code, paged in as its paths are first taken), in MiB.
pub fn rss_split_mib() -> (f64, f64) {
    (status_mib("RssAnon:"), status_mib("RssFile:"))
}

/// How many threads this process has (each keeps the stack pages it touched resident).
pub fn thread_count() -> u32 {
    status_field("Threads:") as u32
}

/// A `kB` figure of `/proc/self/status`, in MiB (0 where there is none).
fn status_mib(field: &str) -> f64 {
    status_field(field) / 1024.0
}

/// A number of `/proc/self/status` (0 where there is none).
fn status_field(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
}
