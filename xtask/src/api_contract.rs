//! The API contract step of `cargo xtask test`: the hand-written OpenAPI document of `/ipp/v1`
//! (`crates/kustom-ipp/openapi/ipp-v1.openapi.json`) is validated with `openapi-spec-validator`,
//! then a live `ipp-sim` is fuzzed against it with schemathesis — in playground mode, in
//! production mode (where every `/dev/*` call is a 404), and both again in docs-minimal mode
//! (only the fields the docs promise, the least convenient reading of every inferred rule). Both
//! tools come from PyPI into a virtual environment under `target/tools/python`, pinned by
//! `tests/api/requirements.txt`.
//!
//! Before the fuzzing, the contract tests (`tests/contract`) run again against the docs-minimal
//! simulator. Schemathesis runs with every check (`--checks all`). `tests/api/schemathesis_hooks.py`
//! teaches it the two rules the document states in prose because JSON Schema cannot; see there.
//! `FLEETDESK_SCHEMATHESIS_EXAMPLES` and `FLEETDESK_SCHEMATHESIS_SEED` change the budget and seed.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::{process, setup, workspace};

const MERCHANT: &str = "DM20260001";

fn requirements() -> PathBuf {
    workspace::root().join("tests/api/requirements.txt")
}

fn document() -> PathBuf {
    workspace::root().join("crates/kustom-ipp/openapi/ipp-v1.openapi.json")
}

/// The virtual environment with the pinned tools; created or updated when the pins change.
pub fn ensure_python_tools() -> Result<PathBuf> {
    let venv = workspace::tools_root().join("python");
    let bin = venv.join("bin");
    let stamp = venv.join(".requirements");
    let wanted =
        fs::read_to_string(requirements()).context("reading tests/api/requirements.txt")?;
    if fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str())
        && bin.join("st").exists()
    {
        return Ok(bin);
    }
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| process::on_path(p))
        .context("Python 3 is not installed; the API contract checks need it (schemathesis)")?;
    process::run(Command::new(python).args(["-m", "venv"]).arg(&venv)).context(
        "creating the Python virtual environment (on Debian: apt-get install python3-venv)",
    )?;
    process::run(
        Command::new(bin.join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(requirements()),
    )?;
    fs::write(&stamp, wanted)?;
    Ok(bin)
}

pub fn run() -> Result<()> {
    // The contract tests once more, against the simulator's docs-minimal mode (`cargo test` ran
    // them against the convenient one): every flow they cover must work on what the docs promise.
    process::run(
        setup::cargo()
            .args(["test", "--package", "contract-tests"])
            .env("FLEETDESK_DOCS_MINIMAL", "1"),
    )?;
    let bin = ensure_python_tools()?;
    process::run(Command::new(bin.join("openapi-spec-validator")).arg(document()))?;
    process::run(setup::cargo().args(["build", "--package", "ipp-sim", "--bin", "ipp-sim"]))?;
    let sim = setup::binary_path(setup::Profile::Debug, "ipp-sim");
    let examples =
        std::env::var("FLEETDESK_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "100".into());
    let seed = std::env::var("FLEETDESK_SCHEMATHESIS_SEED").unwrap_or_else(|_| "20261122".into());
    let report = workspace::target_dir().join("schemathesis");
    let _ = fs::remove_dir_all(&report);
    let mut summaries = Vec::new();
    for (mode, docs_minimal) in [
        ("playground", false),
        ("production", false),
        ("playground", true),
        ("production", true),
    ] {
        let name = if docs_minimal {
            format!("{mode}, docs-minimal")
        } else {
            mode.to_owned()
        };
        let folder = name.replace(", ", "-");
        summaries.push(schemathesis(
            &bin,
            &sim,
            Run {
                mode,
                docs_minimal,
                name: &name,
            },
            &examples,
            &seed,
            &report.join(folder),
        )?);
    }
    println!(
        "\nxtask: schemathesis against ipp-sim ({examples} examples per operation, seed {seed}):"
    );
    for summary in summaries {
        println!("  {summary}");
    }
    Ok(())
}

/// One simulator set-up to fuzz.
struct Run<'a> {
    mode: &'a str,
    docs_minimal: bool,
    name: &'a str,
}

/// Starts `ipp-sim` as `run` says on a free port, runs schemathesis against it, stops it.
fn schemathesis(
    bin: &Path,
    sim: &Path,
    run: Run<'_>,
    examples: &str,
    seed: &str,
    report: &Path,
) -> Result<String> {
    let Run {
        mode,
        docs_minimal,
        name,
    } = run;
    let prefix = if mode == "production" {
        "kco_live_api_"
    } else {
        "kco_test_api_"
    };
    let key = format!("{prefix}SchemathesisContractKey0001");
    // Several locations, as a chain has: an enrollment without a location is then refused, as
    // the document says [3P §5.5].
    let mut sim = Command::new(sim);
    sim.args(["--port", "0", "--mode", mode, "--merchant-id", MERCHANT])
        .args([
            "--seed-locations",
            "6",
            "--seed-devices",
            "20",
            "--api-key",
            &key,
        ]);
    if docs_minimal {
        sim.arg("--docs-minimal");
    }
    let mut child = sim
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting ipp-sim")?;
    let stdout = child.stdout.take().context("ipp-sim stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    reader.read_line(&mut first)?;
    // Keep reading what it prints, or its next line would meet a closed pipe (SIGPIPE).
    std::thread::spawn(move || for _ in reader.lines() {});
    process::adopt(&format!("ipp-sim ({name})"), child);
    let base = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .with_context(|| format!("ipp-sim did not say where it listens: {first:?}"))?
        .to_owned();
    // Schemathesis keeps its example database (`.schemathesis/`) in the folder it runs in: under
    // `target/`, so a test run leaves the checkout as it found it.
    fs::create_dir_all(report)?;
    let output = Command::new(bin.join("st"))
        .arg("run")
        .arg(format!("{base}/openapi.json"))
        .args(["--url", &base, "--wait-for-schema", "10", "--no-color"])
        .args([
            "--max-examples",
            examples,
            "--seed",
            seed,
            "--checks",
            "all",
        ])
        .args(["-H", &format!("Authorization: Basic {key}")])
        .args(["-H", &format!("x-merchant-id: {MERCHANT}")])
        .args(["--report", "junit", "--report-dir"])
        .arg(report)
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .env("PYTHONPATH", workspace::root().join("tests/api"))
        .current_dir(report)
        .output()
        .context("running schemathesis")?;
    process::stop_all();
    let text = String::from_utf8_lossy(&output.stdout);
    print!("{text}");
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        bail!("schemathesis found failures against ipp-sim ({name})");
    }
    let line = |needle: &str| {
        text.lines()
            .find(|line| line.contains(needle))
            .map(|line| line.trim().to_owned())
            .unwrap_or_default()
    };
    Ok(format!(
        "{name}: operations {}; test cases {}",
        line("Tested:").trim_start_matches("Tested:").trim(),
        line(" generated, ")
    ))
}
