//! The long runs that are not part of `cargo xtask test` (the machines are shared; these take
//! minutes): `fuzz` and `soak`. Both run release builds.

use anyhow::Result;

use crate::{process, setup};

/// The value after `--flag`, if given.
fn option(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}

/// `cargo xtask fuzz [--seconds N] [target…]`: every parser target for N seconds in all.
pub fn fuzz(args: &[String]) -> Result<()> {
    let seconds = option(args, "--seconds").unwrap_or_else(|| "600".into());
    let targets: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--seconds"))
        .map(|(_, a)| a)
        .collect();
    let mut cmd = setup::cargo();
    cmd.args([
        "run",
        "--quiet",
        "--release",
        "--package",
        "fleet-fuzz",
        "--",
    ])
    .args(["--seconds", &seconds])
    .args(targets);
    process::run(&mut cmd)
}

/// Builds `ipp-sim` in release mode, for a run that starts it in a process of its own beside
/// fleet-bench (which finds it next to itself).
pub fn build_release_simulator() -> Result<()> {
    setup::build_release_binary("ipp-sim", "ipp-sim").map(drop)
}

/// `cargo xtask soak [--minutes N]`: the simulator is built too, and runs in a process of its
/// own beside the soak.
pub fn soak(args: &[String]) -> Result<()> {
    let minutes = option(args, "--minutes").unwrap_or_else(|| "10".into());
    build_release_simulator()?;
    process::run(&mut fleet_bench(&["soak", &minutes]))
}

/// `fleet-bench` with `args`, run from a release build (the figures are for the shipped profile).
pub fn fleet_bench(args: &[&str]) -> std::process::Command {
    let mut command = setup::cargo();
    command
        .args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "fleet-bench",
            "--",
        ])
        .args(args);
    command
}
