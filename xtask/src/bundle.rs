//! `cargo xtask bundle`: the release `.deb`, through the Tauri CLI from npm.

use std::fs;
use std::path::Path;
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
    let tauri = ensure_tauri_cli()?;
    let (terminal_binary, man_page) = command_line()?;
    // ui/dist is already built: no dev server or build command. The package carries the command
    // line beside the window, and its manual page.
    let config = serde_json::json!({
        "build": { "beforeBuildCommand": "" },
        "bundle": { "linux": { "deb": { "files": {
            "/usr/bin/fleetdesk": terminal_binary,
            "/usr/share/man/man1/fleetdesk.1.gz": man_page,
        } } } }
    });
    process::run(
        Command::new(&tauri)
            .args(["build", "--bundles", "deb", "--config"])
            .arg(config.to_string())
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
    let from_cli = fs::metadata(&deb)?.len();
    recompress_with_xz(&deb)?;
    let size = fs::metadata(&deb)?.len();
    println!(
        "xtask: {} ({:.1} MB; {:.1} MB as the Tauri CLI wrote it, with gzip)",
        deb.display(),
        size as f64 / 1_000_000.0,
        from_cli as f64 / 1_000_000.0
    );
    Ok(())
}

/// The command line's release binary and its manual page (generated from its own definitions,
/// gzipped as Debian installs man pages).
fn command_line() -> Result<(String, String)> {
    let binary = setup::build_release_binary("fleet-cli", setup::CLI_BINARY)?;
    let man_dir = workspace::target_dir().join("man");
    fs::create_dir_all(&man_dir)?;
    let page = Command::new(&binary)
        .arg("man")
        .output()
        .context("generating the manual page")?;
    if !page.status.success() || page.stdout.is_empty() {
        bail!("`fleetdesk man` wrote no manual page");
    }
    let man = man_dir.join("fleetdesk.1");
    fs::write(&man, &page.stdout)?;
    let _ = fs::remove_file(man.with_extension("1.gz"));
    process::run(Command::new("gzip").args(["-9", "-n", "-f"]).arg(&man))?;
    let text = |path: std::path::PathBuf| path.to_string_lossy().into_owned();
    Ok((text(binary), text(man_dir.join("fleetdesk.1.gz"))))
}

/// Rewrites the package with dpkg's own default compression, xz, instead of the gzip the Tauri
/// CLI uses: the same files and control data (checked by listing both), about a quarter smaller
/// to download. Every dpkg since 1.15.6 (2010) installs it.
fn recompress_with_xz(deb: &Path) -> Result<()> {
    let work = deb.with_extension("repack");
    let _ = fs::remove_dir_all(&work);
    // Each file's mode, size and path, sorted; the dates are the build's, and dpkg-deb writes
    // paths as `./usr/` where the Tauri CLI wrote `usr`.
    let listing = |package: &Path| -> Result<Vec<String>> {
        let out = Command::new("dpkg-deb")
            .arg("--contents")
            .arg(package)
            .output()
            .context("running dpkg-deb")?;
        if !out.status.success() {
            bail!("dpkg-deb could not list {}", package.display());
        }
        let mut entries: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let (mode, size, path) = (fields.first()?, fields.get(2)?, fields.last()?);
                let path = path.trim_start_matches("./").trim_end_matches('/');
                (!path.is_empty() && path != ".").then(|| format!("{mode} {size} {path}"))
            })
            .collect();
        entries.sort();
        Ok(entries)
    };
    let before = listing(deb)?;
    process::run(
        Command::new("dpkg-deb")
            .arg("--raw-extract")
            .arg(deb)
            .arg(&work),
    )?;
    let rebuilt = deb.with_extension("xz.deb");
    process::run(
        Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Zxz", "-z9", "--build"])
            .arg(&work)
            .arg(&rebuilt),
    )?;
    let after = listing(&rebuilt)?;
    if after != before || before.is_empty() {
        let differs = before
            .iter()
            .zip(&after)
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("{a:?} became {b:?}"))
            .unwrap_or_else(|| format!("{} entries became {}", before.len(), after.len()));
        bail!(
            "the xz package does not hold the same files as {}: {differs}",
            deb.display()
        );
    }
    fs::rename(&rebuilt, deb)?;
    fs::remove_dir_all(&work)?;
    Ok(())
}
