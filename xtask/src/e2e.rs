//! The end-to-end suite: the built app in a real window under Xvfb, driven through tauri-driver +
//! WebKitWebDriver, all inside one private `dbus-run-session` (which also hosts gnome-keyring, the
//! real Secret Service the keychain tests use).
//!
//! Outside the session xtask starts Xvfb; inside it (`e2e-in-session`) it starts gnome-keyring and
//! tauri-driver, then runs the tests. Every child is tracked and stopped by PID at the end.

use std::fs;
use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::setup::{self, Profile, Purpose};
use crate::{process, workspace};

const DRIVER_PORT: u16 = 4444;
const NATIVE_DRIVER_PORT: u16 = 4445;

/// `cargo xtask e2e [test-filter…]`
pub fn run_suite(filters: &[String]) -> Result<()> {
    run_window_tests(Profile::Debug, filters, &[])
}

/// The real-window benches (`#[ignore]`d tests named `window_bench_…`) against the release app,
/// recording their figures in `figures` (see `cargo xtask bench`).
pub fn run_window_bench(figures: &Path) -> Result<()> {
    run_window_tests(
        Profile::Release,
        &["window_bench".to_owned()],
        &[
            ("FLEETDESK_E2E_IGNORED", std::ffi::OsStr::new("1")),
            ("FLEETDESK_BENCH_FIGURES", figures.as_os_str()),
        ],
    )
}

fn run_window_tests(
    profile: Profile,
    filters: &[String],
    env: &[(&str, &std::ffi::OsStr)],
) -> Result<()> {
    if !cfg!(target_os = "linux") {
        bail!("the end-to-end suite runs on Linux (WebKitWebDriver under Xvfb)");
    }
    setup::ensure_system_packages(Purpose::Test)?;
    setup::ensure_ui_dependencies()?;
    setup::build_ui()?;
    let driver = setup::ensure_tauri_driver()?;
    let app = setup::build_app(profile)?;
    // The command line, for the test that runs it beside the window on one data folder.
    process::run(setup::cargo().args([
        "build",
        "--package",
        "fleet-cli",
        "--bin",
        setup::CLI_BINARY,
    ]))?;
    let cli = setup::binary_path(setup::Profile::Debug, setup::CLI_BINARY);
    // Compile the tests before the clock of the window session starts.
    process::run(setup::cargo().args(["test", "--package", "fleetdesk-e2e", "--no-run"]))?;
    process::run(setup::cargo().args([
        "test",
        "--package",
        "fleet-core",
        "--test",
        "secret_service",
        "--no-run",
    ]))?;
    process::run(setup::cargo().args([
        "test",
        "--package",
        "fleet-cli",
        "--test",
        "cli",
        "--no-run",
    ]))?;

    let run_dir = workspace::target_dir().join("e2e-run");
    let _ = fs::remove_dir_all(&run_dir);
    let screens = workspace::screenshots_dir();
    fs::create_dir_all(&screens)?;
    let runtime_dir = private_dir(&run_dir.join("runtime"))?;

    let display = start_xvfb()?;
    let xtask = std::env::current_exe().context("locating xtask")?;
    let mut session = Command::new("dbus-run-session");
    session
        .arg("--")
        .arg(xtask)
        .arg("e2e-in-session")
        .args(filters)
        .env("DISPLAY", &display)
        .env("XDG_RUNTIME_DIR", &runtime_dir)
        .env("XDG_DATA_HOME", private_dir(&run_dir.join("data"))?)
        .env("XDG_CONFIG_HOME", private_dir(&run_dir.join("config"))?)
        .env("XDG_CACHE_HOME", private_dir(&run_dir.join("cache"))?)
        .env("FLEETDESK_E2E_APP", &app)
        .env("FLEETDESK_E2E_CLI", &cli)
        .env("FLEETDESK_E2E_DRIVER", &driver)
        .env("FLEETDESK_E2E_SCREENS", &screens)
        .env("FLEETDESK_E2E_RUN_DIR", &run_dir)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("WAYLAND_DISPLAY");
    for (key, value) in env {
        session.env(key, value);
    }
    let outcome = process::run(&mut session);
    process::stop_all();
    outcome?;
    println!("xtask: screenshots in {}", screens.display());
    Ok(())
}

/// Runs inside `dbus-run-session`: keyring, the real-keychain tests (the core's and the command
/// line's), driver, then the window tests.
pub fn in_session(filters: &[String]) -> Result<()> {
    start_unlocked_keyring()?;
    // The real Secret Service test lives with the keychain code; only here is there a bus for it.
    process::run(setup::cargo().args([
        "test",
        "--package",
        "fleet-core",
        "--test",
        "secret_service",
        "--",
        "--ignored",
    ]))?;
    // The command line, run as its binary, on the same real keychain.
    process::run(setup::cargo().args([
        "test",
        "--package",
        "fleet-cli",
        "--test",
        "cli",
        "--",
        "--ignored",
    ]))?;
    let driver = std::env::var_os("FLEETDESK_E2E_DRIVER").context("FLEETDESK_E2E_DRIVER unset")?;
    let driver_pid = process::spawn_tracked(
        "tauri-driver",
        Command::new(driver).args([
            "--port",
            &DRIVER_PORT.to_string(),
            "--native-port",
            &NATIVE_DRIVER_PORT.to_string(),
        ]),
    )?;
    process::wait_for("tauri-driver to listen", Duration::from_secs(20), || {
        process::is_running(driver_pid) && TcpStream::connect(("127.0.0.1", DRIVER_PORT)).is_ok()
    })?;

    let mut tests = setup::cargo();
    tests
        .args(["test", "--package", "fleetdesk-e2e", "--no-fail-fast", "--"])
        .args(filters)
        .arg("--test-threads=1");
    // The window benches are ignored by the suite and run only by `cargo xtask bench`.
    if std::env::var_os("FLEETDESK_E2E_IGNORED").is_some() {
        // ...and print their tables.
        tests.args(["--ignored", "--nocapture"]);
    }
    tests.env(
        "FLEETDESK_E2E_WEBDRIVER",
        format!("http://127.0.0.1:{DRIVER_PORT}"),
    );
    let mut outcome = process::run(&mut tests);
    // The whole suite also walks its main flows again on a docs-minimal local playground (only
    // what Kustom's docs promise): pairing, a rollout, the fleet, and live sessions.
    if filters.is_empty() && std::env::var_os("FLEETDESK_E2E_IGNORED").is_none() {
        println!("\nxtask: the main flows again, on a docs-minimal local playground");
        let mut again = setup::cargo();
        again
            .args(["test", "--package", "fleetdesk-e2e", "--no-fail-fast", "--"])
            .args(DOCS_MINIMAL_FLOWS)
            .args(["--exact", "--test-threads=1"])
            .env(
                "FLEETDESK_E2E_WEBDRIVER",
                format!("http://127.0.0.1:{DRIVER_PORT}"),
            )
            .env("FLEETDESK_E2E_DOCS_MINIMAL", "1");
        outcome = outcome.and(process::run(&mut again));
    }
    process::stop_all();
    outcome
}

/// The flows the suite runs a second time on a docs-minimal local playground.
const DOCS_MINIMAL_FLOWS: [&str; 4] = [
    "a_code_shows_its_qr_counts_down_and_pairs_when_a_clerk_enters_it",
    "a_rollout_of_ten_codes_exports_a_pdf_sheet_with_every_code",
    "filter_bulk_move_rename_and_export_the_fleet",
    "taps_show_up_live_on_the_board_and_timeline_and_a_session_is_cancelled",
];

/// Starts Xvfb on the first free display and returns it (":99").
pub fn start_xvfb() -> Result<String> {
    let number = (99..199)
        .find(|n| {
            !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        })
        .context("no free X display between :99 and :198")?;
    let display = format!(":{number}");
    let pid = process::spawn_tracked(
        "Xvfb",
        Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )?;
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
    process::wait_for("Xvfb to start", Duration::from_secs(10), || {
        process::is_running(pid) && socket.exists()
    })?;
    Ok(display)
}

/// gnome-keyring in the foreground (so its PID is ours to stop), unlocked with a throw-away
/// password, serving only the Secret Service.
fn start_unlocked_keyring() -> Result<()> {
    let mut cmd = Command::new("gnome-keyring-daemon");
    cmd.args(["--foreground", "--unlock", "--components=secrets"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    let child = cmd.spawn().context("starting gnome-keyring-daemon")?;
    let pid = child.id();
    let mut child = child;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(b"fleetdesk-e2e")?;
    }
    process::adopt("gnome-keyring-daemon", child);
    process::wait_for(
        "the Secret Service on the session bus",
        Duration::from_secs(10),
        || process::is_running(pid) && secret_service_is_up(),
    )
}

fn secret_service_is_up() -> bool {
    process::output(Command::new("dbus-send").args([
        "--session",
        "--print-reply",
        "--dest=org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.NameHasOwner",
        "string:org.freedesktop.secrets",
    ]))
    .is_some_and(|reply| reply.contains("boolean true"))
}

fn private_dir(path: &Path) -> Result<PathBuf> {
    fs::create_dir_all(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
    }
    Ok(path.to_path_buf())
}
