//! `cargo xtask bundle`: the release `.deb`, through the Tauri CLI from npm.

use std::fs;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::setup::{self, Purpose};
use crate::{process, workspace};

/// The Tauri CLI from npm (a prebuilt binary, ~3 s to install), kept under target/tools. It is not
/// a devDependency of ui/: its lockfile entries for other platforms would make `npm ci` depend on
/// packages this machine's registry may not serve.
fn ensure_tauri_cli() -> Result<std::path::PathBuf> {
    let prefix = workspace::tools_root().join("tauri-cli");
    let cli = prefix.join("node_modules/.bin/tauri");
    if !cli.exists() {
        process::run(
            Command::new("npm")
                .args([
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--no-save",
                    "--prefix",
                ])
                .arg(&prefix)
                .arg("@tauri-apps/cli@^2.12"),
        )?;
    }
    Ok(cli)
}

pub fn run() -> Result<()> {
    setup::ensure_system_packages(Purpose::Build)?;
    setup::ensure_ui_dependencies()?;
    setup::build_ui()?;
    let cli = ensure_tauri_cli()?;
    process::run(
        Command::new(&cli)
            .args(["build", "--bundles", "deb", "--config"])
            // ui/dist is already built; the CLI must not try to run a dev server or a build command.
            .arg(r#"{"build":{"beforeBuildCommand":""}}"#)
            .current_dir(workspace::root().join("src-tauri")),
    )?;
    let dir = workspace::target_dir().join("release/bundle/deb");
    let deb = fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "deb"))
        .max_by_key(|path| fs::metadata(path).and_then(|m| m.modified()).ok());
    let Some(deb) = deb else {
        bail!(
            "the Tauri CLI finished but left no .deb in {}",
            dir.display()
        );
    };
    let size = fs::metadata(&deb)?.len();
    println!(
        "xtask: {} ({:.1} MB)",
        deb.display(),
        size as f64 / 1_000_000.0
    );
    Ok(())
}
