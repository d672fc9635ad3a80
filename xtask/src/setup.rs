//! Installing what is missing and building what is stale. Every step checks first, so second runs
//! skip what is already there.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

use crate::process;
use crate::workspace;

/// Why packages are needed: to build the app, or also to test it in a real window.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Build,
    Test,
}

/// The Debian packages from ../shared/TOOLCHAIN.md.
const BUILD_PACKAGES: &[&str] = &["libwebkit2gtk-4.1-dev", "build-essential", "pkg-config"];
const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xdotool",
    "imagemagick",
    "webkit2gtk-driver",
    "gnome-keyring",
    "dbus",
    // pdftotext/pdftoppm: the e2e suite reads exported PDFs and renders them to PNG.
    "poppler-utils",
    // The integrator's smoke script (crates/ipp-sim/examples/walkthrough.sh) is plain curl.
    "curl",
    // schemathesis and openapi-spec-validator live in a virtual environment under target/.
    "python3-venv",
    // The command-line bench's baseline: the sqlite3 shell dumping the cached fleet.
    "sqlite3",
];

/// Installs missing Debian packages with apt when root; otherwise prints the exact command and stops.
/// Nothing to do on macOS and Windows, where the system webview ships with the OS.
pub fn ensure_system_packages(purpose: Purpose) -> Result<()> {
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    if !process::on_path("dpkg-query") {
        println!(
            "xtask: not a Debian/Ubuntu system; make sure WebKitGTK 4.1 development files are installed"
        );
        return Ok(());
    }
    let mut wanted: Vec<&str> = BUILD_PACKAGES.to_vec();
    if purpose == Purpose::Test {
        wanted.extend_from_slice(TEST_PACKAGES);
    }
    let missing: Vec<&str> = wanted
        .into_iter()
        .filter(|package| !is_installed(package))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!("apt-get install -y {}", missing.join(" "));
    if !is_root() {
        bail!(
            "missing Debian packages: {}\nInstall them with:\n\n    sudo apt-get update && sudo {install}\n",
            missing.join(" ")
        );
    }
    println!("xtask: installing {}", missing.join(" "));
    let apt = |args: &[&str]| {
        let mut cmd = Command::new("apt-get");
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        process::run(&mut cmd)
    };
    apt(&["update", "-qq"])?;
    // With recommends, as checked in ../shared/TOOLCHAIN.md (fonts, GStreamer bits WebKit expects).
    let mut args = vec!["install", "-y", "-qq"];
    args.extend(missing.iter().copied());
    apt(&args)
}

fn is_installed(package: &str) -> bool {
    process::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", package]))
        .is_some_and(|status| status.ends_with("install ok installed"))
}

fn is_root() -> bool {
    process::output(Command::new("id").arg("-u")).as_deref() == Some("0")
}

/// `npm ci` in ui/, unless node_modules is already newer than the lockfile.
pub fn ensure_ui_dependencies() -> Result<()> {
    let ui = workspace::ui_dir();
    let lock = ui.join("package-lock.json");
    let installed = ui.join("node_modules/.package-lock.json");
    if newest_mtime(&installed) >= newest_mtime(&lock) && installed.exists() {
        return Ok(());
    }
    if !process::on_path("npm") {
        bail!("npm is not installed; install Node.js 20 or newer (https://nodejs.org)");
    }
    process::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&ui),
    )
}

/// Builds ui/dist when any UI source is newer than it. Skipping matters: a rebuilt dist makes cargo
/// re-embed the assets and recompile the app crate.
pub fn build_ui() -> Result<()> {
    let ui = workspace::ui_dir();
    let built = ui.join("dist/index.html");
    let sources = [
        ui.join("src"),
        ui.join("public"),
        ui.join("index.html"),
        ui.join("package-lock.json"),
        ui.join("vite.config.ts"),
        ui.join("tsconfig.json"),
    ];
    let newest_source = sources.iter().map(|path| newest_mtime(path)).max();
    if built.exists() && newest_mtime(&built) >= newest_source.flatten() {
        return Ok(());
    }
    process::run(Command::new("npm").args(["run", "build"]).current_dir(&ui))
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Debug,
    Release,
}

/// The window's binary (`fleetdesk`, in a terminal, is the command line).
pub const APP_BINARY: &str = "fleetdesk-app";

/// Builds the Fleetdesk binary and returns its path.
pub fn build_app(profile: Profile) -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.args(["build", "--package", "fleetdesk", "--bin", APP_BINARY]);
    if profile == Profile::Release {
        cmd.args(RELEASE_ARGS);
    }
    process::run(&mut cmd)?;
    Ok(binary_path(profile, APP_BINARY))
}

/// Builds a plain (non-Tauri) binary of the workspace in release and returns its path: the
/// simulator and the command line, timed and shipped as users get them.
pub fn build_release_binary(package: &str, binary: &str) -> Result<PathBuf> {
    process::run(cargo().args(["build", "--release", "--package", package, "--bin", binary]))?;
    Ok(binary_path(Profile::Release, binary))
}

/// The command line's binary, as a terminal types it.
pub const CLI_BINARY: &str = "fleetdesk";

/// How a release build is made: as `tauri build` makes the shipped one (the CLI adds the
/// `custom-protocol` feature), so benches measure what users get and share the build
/// `cargo xtask bundle` makes instead of compiling Tauri a second way.
pub const RELEASE_ARGS: [&str; 3] = ["--release", "--features", "tauri/custom-protocol"];

pub fn binary_path(profile: Profile, name: &str) -> PathBuf {
    let dir = match profile {
        Profile::Debug => "debug",
        Profile::Release => "release",
    };
    workspace::target_dir()
        .join(dir)
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// A `cargo` command run from the workspace root with the same toolchain as xtask.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(workspace::root());
    cmd
}

/// `tauri-driver ^2`, installed with `cargo install --locked` into target/tools.
pub fn ensure_tauri_driver() -> Result<PathBuf> {
    let root = workspace::tools_root();
    let driver = root
        .join("bin")
        .join(format!("tauri-driver{}", std::env::consts::EXE_SUFFIX));
    if driver.exists() {
        return Ok(driver);
    }
    let mut cmd = cargo();
    cmd.args([
        "install",
        "tauri-driver",
        "--version",
        "^2",
        "--locked",
        "--root",
    ])
    .arg(&root);
    process::run(&mut cmd).context("installing tauri-driver")?;
    Ok(driver)
}

/// Rewrites ui/src/lib/bindings.ts from the Rust side (the drift test, in update mode).
pub fn regenerate_bindings() -> Result<()> {
    build_ui_placeholder_if_missing()?;
    let mut cmd = cargo();
    cmd.args([
        "test",
        "--package",
        "fleetdesk",
        "--lib",
        "--",
        "ipc::tests::bindings_are_up_to_date",
        "--exact",
    ])
    .env("UPDATE_BINDINGS", "1");
    process::run(&mut cmd)
}

/// The app crate embeds ui/dist at compile time; when only Rust is being checked (bindings, clippy
/// on a machine without npm) a missing dist would stop the compile, so make sure one exists.
fn build_ui_placeholder_if_missing() -> Result<()> {
    let dist = workspace::ui_dir().join("dist");
    if dist.join("index.html").exists() {
        return Ok(());
    }
    ensure_ui_dependencies()?;
    build_ui()
}

/// The newest modification time of a file, or of any file under a directory.
fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let meta = fs::metadata(path).ok()?;
    if meta.is_file() {
        return meta.modified().ok();
    }
    fs::read_dir(path)
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| newest_mtime(&entry.path()))
        .max()
}
