//! `cargo xtask test`: every check in order, a line per step, and a one-line summary.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::setup::{self, Purpose};
use crate::{api_contract, e2e, process, workspace};

struct Step {
    name: &'static str,
    outcome: Result<()>,
    took: Duration,
}

pub fn test_all() -> Result<()> {
    let started = Instant::now();
    let mut steps: Vec<Step> = Vec::new();
    let set_up = timed("set-up", &mut steps, &|| {
        setup::ensure_system_packages(Purpose::Test)?;
        setup::ensure_ui_dependencies()?;
        setup::build_ui()?;
        setup::ensure_tauri_driver()?;
        api_contract::ensure_python_tools().map(|_| ())
    });
    let mut step = |name: &'static str, body: &dyn Fn() -> Result<()>| {
        timed(name, &mut steps, body);
    };
    if set_up {
        step("rustfmt", &|| {
            process::run(setup::cargo().args(["fmt", "--all", "--", "--check"]))
        });
        step("clippy", &|| {
            process::run(setup::cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
        });
        step("cargo test", &|| {
            process::run(setup::cargo().args(["test", "--workspace", "--exclude", "fleetdesk-e2e"]))
        });
        step("api contract", &api_contract::run);
        step("svelte-check", &|| npm(&["run", "check"]));
        step("vitest", &|| npm(&["test"]));
        step("e2e", &|| e2e::run_suite(&[]));
    }

    println!("\n==> summary ({:.0?} in all)", started.elapsed());
    for s in &steps {
        let mark = if s.outcome.is_ok() { "ok  " } else { "FAIL" };
        println!("  {mark} {:<13} {:>7.1?}", s.name, s.took);
    }
    let failed = steps.iter().filter(|s| s.outcome.is_err()).count();
    let passed = steps.len() - failed;
    // The one-line summary CI reads.
    println!("xtask: {passed} passed, {failed} failed");
    if failed > 0 || !set_up {
        bail!("{failed} step(s) failed");
    }
    Ok(())
}

/// Runs one step, prints its failure, records it; returns whether it passed.
fn timed(name: &'static str, steps: &mut Vec<Step>, body: &dyn Fn() -> Result<()>) -> bool {
    println!("\n==> {name}");
    let begun = Instant::now();
    let outcome = body();
    if let Err(err) = &outcome {
        eprintln!("xtask: step `{name}` failed: {err:#}");
    }
    let passed = outcome.is_ok();
    steps.push(Step {
        name,
        outcome,
        took: begun.elapsed(),
    });
    passed
}

fn npm(args: &[&str]) -> Result<()> {
    process::run(
        Command::new("npm")
            .args(args)
            .current_dir(workspace::ui_dir()),
    )
}
