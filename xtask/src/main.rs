//! Fleetdesk's project tasks. The README's two commands, `cargo xtask run` and `cargo xtask test`,
//! do all set-up on a fresh machine; `bench`, `e2e`, `bundle` and `bindings` are for developers.

mod api_contract;
mod bench;
mod bundle;
mod e2e;
mod long_runs;
mod process;
mod setup;
mod steps;
mod workspace;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <task>

  run       install what is missing, build the UI and the app, open Fleetdesk on the local playground
  test      install test tools, then fmt, clippy, cargo test, UI checks and the end-to-end suite
  e2e       only the end-to-end suite (real window under Xvfb, through tauri-driver)
  api       only the API contract checks (OpenAPI document validated, schemathesis against ipp-sim)
  bench     start-up time and memory versus a minimal Tauri window, and the later issues' figures
  fuzz      every outside-fed parser under generated input for a while (--seconds N, default 600)
  soak      the headless desk for a while under a faulty API (--minutes N, default 10)
  bundle    build the release .deb and print its size
  bindings  regenerate ui/src/lib/bindings.ts from the Rust commands and events
";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = dispatch(&args);
    // Whatever happened, nothing we started may outlive us.
    process::stop_all();
    if let Err(err) = result {
        eprintln!("xtask: {err:#}");
        std::process::exit(1);
    }
}

fn dispatch(args: &[String]) -> Result<()> {
    let task = args.first().map(String::as_str).unwrap_or("");
    let rest = args.get(1..).unwrap_or_default();
    match task {
        "run" => run(),
        "test" => steps::test_all(),
        "e2e" => e2e::run_suite(rest),
        "api" => api_contract::run(),
        // Internal: the part of the e2e run that lives inside `dbus-run-session`.
        "e2e-in-session" => e2e::in_session(rest),
        "bench" => bench::run(rest),
        "fuzz" => long_runs::fuzz(rest),
        "soak" => long_runs::soak(rest),
        "bundle" => bundle::run(),
        "bindings" => setup::regenerate_bindings(),
        "" | "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task `{other}`\n\n{USAGE}"),
    }
}

fn run() -> Result<()> {
    setup::ensure_system_packages(setup::Purpose::Build)?;
    setup::ensure_ui_dependencies()?;
    setup::build_ui()?;
    let app = setup::build_app(setup::Profile::Debug)?;
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        bail!(
            "Fleetdesk is built ({}), but there is no display to open its window on. \
             Run `cargo xtask run` from a desktop session.",
            app.display()
        );
    }
    println!("xtask: opening Fleetdesk");
    let status = std::process::Command::new(&app).status()?;
    if !status.success() {
        bail!("Fleetdesk exited with {status}");
    }
    Ok(())
}
