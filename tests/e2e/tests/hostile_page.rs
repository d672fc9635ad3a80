//! A hostile page: the real window, driven through the page's own invoke bridge as a compromised
//! page would drive it. Every command in `ui/src/lib/bindings.ts` is called — the list is read
//! from the bindings, so a new command is covered the day it is added — with hostile arguments:
//! path-changing ids, production relabelling, an origin change racing a connection test,
//! confirmation texts sent back, plans run twice at once. Then the test asserts what a security
//! reviewer asks:
//!
//! - no request left for a host other than the profile's origin (a recording server stands at
//!   another origin, where a moved profile would point);
//! - no path outside `/ipp/v1/<resource>[/<id>[/cancel]]` was requested (a recording proxy stands
//!   in front of the production simulator);
//! - no production change happened without Rust's native dialog being answered (a watcher
//!   declines every dialog; only the last step answers one, and only then does a change happen);
//! - no file was written (every save dialog is cancelled; the home folder and the run folder are
//!   compared before and after).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::IntoResponse;
use fleetdesk_e2e::{App, with_app};
use ipp_sim::{MerchantConfig, Mode, Running, SeedSpec, SimConfig};
use parking_lot::Mutex;
use serde_json::{Value, json};

const MERCHANT: &str = "DM66600001";
/// The title of Rust's production confirmation (the app runs in English here).
const CONFIRM_TITLE: &str = "Confirm a change to PRODUCTION";
/// The save dialogs' titles (English).
const SAVE_TITLES: [&str; 7] = [
    "Save the pairing cards",
    "Save the pairing sheet",
    "Export devices",
    "Export the activity log",
    "Export the quiet devices",
    "Export the job's report",
    "Open a list of devices",
];

/// Ids that change a path once a URL parser reads them, and plain garbage.
const HOSTILE_IDS: [&str; 8] = [
    ".\t.\\enrollments\\X",
    "../../dev/devices",
    "x/../../enrollments",
    "%2e%2e%2fenrollments",
    "a\nb",
    "\u{ff0f}enrollments",
    "",
    "?page_size=1000000",
];

// ---- Recording servers ------------------------------------------------------------------------

#[derive(Clone)]
struct Proxy {
    target: String,
    http: reqwest::Client,
    seen: Arc<Mutex<Vec<String>>>,
}

/// Forwards every request to the simulator and records `METHOD /path?query` as it arrived.
async fn forward(
    State(proxy): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    proxy.seen.lock().push(format!("{method} {path}"));
    let mut request = proxy
        .http
        .request(method, format!("{}{path}", proxy.target))
        .body(body.to_vec());
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    match request.send().await {
        Ok(answer) => {
            let status = answer.status();
            let content_type = answer.headers().get("content-type").cloned();
            let body = answer.bytes().await.unwrap_or_default();
            let mut response = (status, body).into_response();
            if let Some(value) = content_type {
                response.headers_mut().insert("content-type", value);
            }
            response
        }
        Err(_) => axum::http::StatusCode::BAD_GATEWAY.into_response(),
    }
}

async fn serve(router: axum::Router) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(base)
}

/// A proxy in front of `sim` recording every request line.
async fn recording_proxy(sim: &Running) -> Result<(String, Arc<Mutex<Vec<String>>>)> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let proxy = Proxy {
        target: sim.base_url(),
        http: kustom_ipp::tls::http_client()?,
        seen: seen.clone(),
    };
    let router = axum::Router::new().fallback(forward).with_state(proxy);
    Ok((serve(router).await?, seen))
}

/// Another origin: answers 401 to everything and records what reached it, headers included.
async fn elsewhere() -> Result<(String, Arc<Mutex<Vec<String>>>)> {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let recorded = heard.clone();
    let router =
        axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap| {
            let recorded = recorded.clone();
            async move {
                recorded.lock().push(format!("{method} {uri} {headers:?}"));
                axum::http::StatusCode::UNAUTHORIZED
            }
        });
    Ok((serve(router).await?, heard))
}

// ---- Native dialogs -----------------------------------------------------------------------------

/// Watches for Rust's native dialogs while the page attacks: every save dialog is cancelled;
/// every production confirmation is declined (Escape), unless `accept` is set, and counted.
struct DialogWatcher {
    stop: Arc<AtomicBool>,
    accept: Arc<AtomicBool>,
    confirmations: Arc<AtomicUsize>,
    saves: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn windows_named(title: &str) -> Vec<String> {
    std::process::Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", &format!("^{title}$")])
        .output()
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Answers the dialog `window` with `key` as a user would: the dialog is given the keyboard focus
/// (no window manager runs under Xvfb), then the key is typed — a real press and release (XTEST),
/// never an event sent to the window's id. (Sent to a window that closes on the press, the
/// release met a window that no longer existed, xdotool stopped on the X error, and the key
/// stayed down for every later test: their dialogs closed as they opened.)
fn press(window: &str, key: &str) {
    let run = |args: &[&str]| {
        std::process::Command::new("xdotool")
            .args(args)
            .status()
            .is_ok_and(|s| s.success())
    };
    if run(&["windowraise", window]) && run(&["windowfocus", "--sync", window]) {
        run(&["key", key]);
    }
}

/// Lets go of the keys the watcher types, whatever happened (a key left down would answer every
/// later dialog, in this test and the next).
fn release_keys() {
    let _ = std::process::Command::new("xdotool")
        .args(["keyup", "Escape", "Return"])
        .status();
}

impl DialogWatcher {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let accept = Arc::new(AtomicBool::new(false));
        let confirmations = Arc::new(AtomicUsize::new(0));
        let saves = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (stop, accept, confirmations, saves) = (
                stop.clone(),
                accept.clone(),
                confirmations.clone(),
                saves.clone(),
            );
            std::thread::spawn(move || {
                // Each dialog seen, and when it was last answered: a dialog is answered again only
                // if it is still there a while later (the keys went elsewhere).
                let mut answered: Vec<(String, std::time::Instant)> = Vec::new();
                let due = |answered: &[(String, std::time::Instant)], window: &str| {
                    answered
                        .iter()
                        .find(|(seen, _)| seen == window)
                        .is_none_or(|(_, at)| at.elapsed() > Duration::from_millis(1500))
                };
                let mark = |answered: &mut Vec<(String, std::time::Instant)>, window: &str| {
                    answered.retain(|(seen, _)| seen != window);
                    answered.push((window.to_owned(), std::time::Instant::now()));
                };
                while !stop.load(Ordering::SeqCst) {
                    for window in windows_named(CONFIRM_TITLE) {
                        if !answered.iter().any(|(seen, _)| *seen == window) {
                            confirmations.fetch_add(1, Ordering::SeqCst);
                            // Time for the dialog to take input, as a person would take to read it.
                            std::thread::sleep(Duration::from_millis(300));
                        }
                        if due(&answered, &window) && windows_named(CONFIRM_TITLE).contains(&window)
                        {
                            let key = if accept.load(Ordering::SeqCst) {
                                "Return"
                            } else {
                                "Escape"
                            };
                            press(&window, key);
                            mark(&mut answered, &window);
                        }
                    }
                    for title in SAVE_TITLES {
                        for window in windows_named(title) {
                            if !answered.iter().any(|(seen, _)| *seen == window) {
                                saves.fetch_add(1, Ordering::SeqCst);
                            }
                            if due(&answered, &window) {
                                press(&window, "Escape");
                                mark(&mut answered, &window);
                            }
                        }
                    }
                    std::thread::sleep(Duration::from_millis(150));
                }
                release_keys();
            })
        };
        Self {
            stop,
            accept,
            confirmations,
            saves,
            thread: Some(thread),
        }
    }
}

impl Drop for DialogWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ---- Files ----------------------------------------------------------------------------------------

/// Every file under `root` (to `depth` levels) with its size, leaving out `skip`.
fn files(root: &Path, depth: usize, skip: &[PathBuf]) -> BTreeMap<PathBuf, u64> {
    let mut found = BTreeMap::new();
    if depth == 0 || skip.iter().any(|s| root.starts_with(s)) {
        return found;
    }
    let Ok(entries) = std::fs::read_dir(root) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => found.extend(files(&path, depth - 1, skip)),
            Ok(kind) if kind.is_file() => {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                found.insert(path, size);
            }
            _ => {}
        }
    }
    found
}

// ---- The commands ----------------------------------------------------------------------------------

/// A command's name and its arguments' names and TypeScript types.
type Command = (String, Vec<(String, String)>);

/// Every command the page can call, with its arguments' names and TypeScript types, read from
/// the generated bindings.
fn commands_from_bindings() -> Result<Vec<Command>> {
    let bindings = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings.ts");
    let text = std::fs::read_to_string(&bindings)
        .with_context(|| format!("reading {}", bindings.display()))?;
    let mut found = Vec::new();
    for line in text.lines() {
        let Some(at) = line.find("__TAURI_INVOKE") else {
            continue;
        };
        let Some(name) = line[at..]
            .split('"')
            .nth(1)
            .filter(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        else {
            continue;
        };
        // `camelName: (a: T, b: U) => …`
        let params = line
            .split_once(": (")
            .and_then(|(_, rest)| rest.split_once(") =>"))
            .map(|(params, _)| params)
            .unwrap_or("");
        let mut args = Vec::new();
        for param in params.split(", ").filter(|p| !p.trim().is_empty()) {
            if let Some((arg, ty)) = param.split_once(": ") {
                args.push((arg.trim().to_owned(), ty.trim().to_owned()));
            }
        }
        found.push((name.to_owned(), args));
    }
    Ok(found)
}

/// Hostile values for an argument of TypeScript type `ty` named `arg`, given the real ids the
/// test knows (so that destructive commands meet real production things).
fn hostile_values(arg: &str, ty: &str, known: &Known) -> Vec<Value> {
    let ids = || {
        let mut values: Vec<Value> = HOSTILE_IDS.iter().map(|id| json!(id)).collect();
        values.push(json!("x".repeat(100_000)));
        values
    };
    let base_ty = ty.trim_end_matches(" | null");
    match base_ty {
        "string" => {
            let mut values = ids();
            match arg {
                "deviceId" => values.push(json!(known.device_id)),
                "sessionId" => values.push(json!(known.session_id)),
                "id" | "profileId" => values.push(json!(known.profile_id)),
                "planId" => values.push(json!(known.plan_id.lock().clone())),
                "apiKey" => values.push(json!("kco_test_api_attackerattacker")),
                "secret" => values.push(json!("whsec_aXBwLXRlc3Qtc2lnbmluZy1rZXk= ".repeat(50))),
                _ => {}
            }
            values
        }
        "number" => vec![json!(4_294_967_295u64), json!(-1), json!(1e308)],
        "boolean" => vec![json!(true)],
        "Enrollment" => {
            let mut values: Vec<Value> = HOSTILE_IDS
                .iter()
                .map(|id| {
                    json!({ "enrollment_id": id, "enrollment_code": "ABCDEFGH", "status": "PENDING",
                            "expires_at": "2030-01-01T00:00:00Z", "metadata": {} })
                })
                .collect();
            values.push(known.enrollment.clone());
            values
        }
        "ProfileInput" => vec![
            // Relabelled as a playground at production's own host.
            json!({ "name": "Relabelled", "environment": "kustom_playground", "custom_host": true,
                    "base_url": "https://api.kustom.co", "merchant_id": MERCHANT }),
            // Relabelled as a playground at the same (custom) address.
            json!({ "name": "Relabelled", "environment": "kustom_playground", "custom_host": true,
                    "base_url": known.proxy, "merchant_id": MERCHANT }),
        ],
        "DeviceChange" => vec![
            json!({ "kind": "rename", "name": "y".repeat(100_000) }),
            json!({ "kind": "move", "location_id": ".\t.\\enrollments\\X" }),
            json!({ "kind": "metadata", "set": { "k": "v" }, "remove": [] }),
        ],
        "BulkAction" => vec![
            json!({ "kind": "deregister" }),
            json!({ "kind": "assign_location", "location_id": "../../x" }),
            json!({ "kind": "rename_pattern", "pattern": "{".repeat(100_000) }),
        ],
        "JobTargets" => vec![
            json!({ "kind": "selection", "selection": { "kind": "ids", "ids": [known.device_id] } }),
            json!({ "kind": "list", "text": format!("{}\n", known.device_id).repeat(150_000) }),
            json!({ "kind": "list", "text": "\u{0}\"\n,,\r\n".repeat(50_000) }),
        ],
        "JobState" => vec![
            json!("running"),
            json!("cancelled"),
            json!("finished"),
            json!("exploded"),
        ],
        "JobRowFilter" => vec![json!("all"), json!("everything")],
        "DeviceSelection" => vec![
            json!({ "kind": "ids", "ids": [known.device_id, ".\t.\\enrollments\\X"] }),
            json!({ "kind": "matching", "query": { "metadata": [], "location": { "kind": "any" },
                    "platform": null, "text": "" } }),
        ],
        "FleetQuery" => vec![json!({ "metadata": vec![["k", "v"]; 10_000],
                                      "location": { "kind": "any" }, "platform": null, "text": "z".repeat(10_000) })],
        "PairingCard[]" => vec![json!(vec![
            json!({ "location_name": "S", "device_label": null,
                                                     "code": "ABCDEFGH", "expires_at": "2030-01-01T00:00:00Z" });
            5_000
        ])],
        "CartLine[]" => vec![json!(vec![
            json!({ "name": "x", "quantity": 1, "unit_price": 100,
                                                  "tax_rate": 2500, "discount": 0 });
            5_000
        ])],
        _ => vec![json!({}), json!(null)],
    }
}

struct Known {
    profile_id: String,
    device_id: String,
    session_id: String,
    enrollment: Value,
    proxy: String,
    plan_id: Mutex<String>,
}

/// Calls `command` with `args`, whatever it answers (an attacker does not care).
async fn attempt(app: &App, command: &str, args: Value) -> Option<Value> {
    tokio::time::timeout(Duration::from_secs(30), app.invoke(command, args))
        .await
        .ok()
        .and_then(Result::ok)
}

/// What production holds that no command may change without a confirmed dialog.
fn production_state(sim: &Running) -> (usize, usize, Vec<String>) {
    sim.inspect(|state| {
        (
            state.devices.len(),
            state
                .enrollments
                .iter()
                .filter(|e| e.enrollment.status == kustom_ipp::EnrollmentStatus::Pending)
                .count(),
            state
                .sessions
                .values()
                .map(|s| format!("{}:{}", s.session.session_id, s.session.status.as_str()))
                .collect(),
        )
    })
}

fn is_api_path(line: &str) -> bool {
    let Some((_, path)) = line.split_once(' ') else {
        return false;
    };
    let path = path.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').collect();
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    match segments.as_slice() {
        ["", "ipp", "v1", resource] => {
            ["enrollments", "locations", "devices", "sessions"].contains(resource)
        }
        ["", "ipp", "v1", resource, id] => {
            ["enrollments", "locations", "devices", "sessions"].contains(resource) && plain(id)
        }
        ["", "ipp", "v1", "sessions", id, "cancel"] => plain(id),
        _ => false,
    }
}

#[tokio::test]
async fn a_hostile_page_cannot_reach_production_move_the_key_or_leave_the_apis_paths() -> Result<()>
{
    let merchant = MerchantConfig::new(MERCHANT, Mode::Production).seed(SeedSpec {
        locations: 3,
        devices: 12,
        pending_enrollments: 3,
        ..SeedSpec::default()
    });
    let sim = ipp_sim::start(SimConfig::new(Mode::Production).merchants(vec![merchant])).await?;
    let key = sim.merchants()[0].api_key.clone();
    ensure!(key.starts_with("kco_live_"));
    let (proxy, requested) = recording_proxy(&sim).await?;
    let (other_origin, heard) = elsewhere().await?;
    // A payment in progress on production, and a pending code.
    let client = kustom_ipp::Client::new(
        kustom_ipp::ClientConfig::new(
            &sim.base_url(),
            kustom_ipp::Credentials::ApiKey(kustom_ipp::Secret::new(key.clone())),
        )?
        .merchant_id(MERCHANT),
    )?;
    let device = sim.inspect(|state| state.devices[0].clone());
    // The documented example request, for this device.
    let mut request: Value = serde_json::from_str(include_str!(
        "../../../crates/kustom-ipp/tests/fixtures/sessions.create.request.json"
    ))?;
    request["device_id"] = json!(device.id);
    request
        .as_object_mut()
        .map(|r| r.remove("purchase_started_at"));
    let session = client
        .create_session(
            device.location_id.as_deref(),
            &serde_json::from_value(request)?,
        )
        .await?;
    let enrollment = sim.inspect(|state| {
        state
            .enrollments
            .iter()
            .find(|e| e.enrollment.status == kustom_ipp::EnrollmentStatus::Pending)
            .map(|e| serde_json::to_value(&e.enrollment))
    });
    let enrollment = enrollment.context("a pending code")??;

    let outcome = with_app("hostile_page", async |app: &App| {
        // The user's own set-up: a production profile, its live key, a synced fleet.
        let profile = app
            .invoke(
                "create_profile",
                json!({ "input": { "name": "Stores NO", "environment": "kustom_production",
                                   "custom_host": true, "base_url": proxy, "merchant_id": MERCHANT } }),
            )
            .await?;
        let profile_id = profile["id"].as_str().context("a profile id")?.to_owned();
        app.invoke(
            "store_api_key",
            json!({ "profileId": profile_id, "apiKey": key, "confirmed": false }),
        )
        .await?;
        app.invoke("switch_profile", json!({ "id": profile_id })).await?;
        app.invoke("sync_fleet", json!({})).await?;
        let plan = app
            .invoke(
                "plan_job",
                json!({ "action": { "kind": "deregister" },
                        "targets": { "kind": "selection", "selection": { "kind": "ids", "ids": [device.id] } } }),
            )
            .await?;
        let known = Known {
            profile_id: profile_id.clone(),
            device_id: device.id.clone(),
            session_id: session.session_id.clone(),
            enrollment: enrollment.clone(),
            proxy: proxy.clone(),
            plan_id: Mutex::new(plan["plan_id"].as_str().unwrap_or_default().to_owned()),
        };
        let before = production_state(&sim);
        let home = PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()));
        let run_dir = PathBuf::from(std::env::var("FLEETDESK_E2E_RUN_DIR")?);
        let skip = vec![app.data_dir().to_path_buf(), run_dir.join("data"), run_dir.join("cache"), home.join(".cache"), home.join(".cargo"), home.join(".npm"), home.join(".rustup")];
        let files_before = (files(&home, 3, &skip), files(&run_dir, 2, &skip));
        let watcher = DialogWatcher::start();

        // 1. Production relabelled, then a destructive action: still production, still asked.
        for input in hostile_values("input", "ProfileInput", &known) {
            let _ = attempt(app, "update_profile", json!({ "id": profile_id, "input": input })).await;
        }
        let summary = app.invoke("app_info", json!({})).await?;
        ensure!(summary["active_profile"]["production"] == json!(true), "{summary}");
        // The texts the old guard expected, sent back: ignored, the dialog still asks.
        let _ = attempt(
            app,
            "deregister_device",
            json!({ "deviceId": device.id, "confirmation": device.name }),
        )
        .await;
        let _ = attempt(app, "start_job", json!({ "planId": known.plan_id.lock().clone(), "confirmation": "1 device" })).await;

        // 2. Concurrent runs of one plan (a fresh one): declined in the dialog, run at most once.
        let plan = app
            .invoke(
                "plan_job",
                json!({ "action": { "kind": "deregister" },
                        "targets": { "kind": "list", "text": device.id } }),
            )
            .await?;
        let plan_id = plan["plan_id"].as_str().unwrap_or_default().to_owned();
        let _ = tokio::join!(
            attempt(app, "start_job", json!({ "planId": plan_id })),
            attempt(app, "start_job", json!({ "planId": plan_id }))
        );

        // 3. Every command, every hostile argument.
        let commands = commands_from_bindings()?;
        ensure!(commands.len() >= 55, "only {} commands found in the bindings", commands.len());
        for (command, args) in &commands {
            // Leaving the profile comes last (below), so that the rest runs against production.
            if ["update_profile", "delete_profile", "switch_profile", "reset_playground"].contains(&command.as_str()) {
                continue;
            }
            if args.is_empty() {
                let _ = attempt(app, command, json!({})).await;
                continue;
            }
            // Each argument in turn takes each of its hostile values; the others a first value.
            let firsts: Vec<Value> = args
                .iter()
                .map(|(arg, ty)| hostile_values(arg, ty, &known).remove(0))
                .collect();
            for (at, (arg, ty)) in args.iter().enumerate() {
                for value in hostile_values(arg, ty, &known) {
                    let mut call = serde_json::Map::new();
                    for (other, (name, _)) in args.iter().enumerate() {
                        let v = if other == at { value.clone() } else { firsts[other].clone() };
                        call.insert(name.clone(), v);
                    }
                    let _ = attempt(app, command, Value::Object(call)).await;
                }
            }
        }

        // 4. The origin changes while connection tests run: the key never goes to the new host.
        let moved = json!({ "name": "Stores NO", "environment": "kustom_production", "custom_host": true,
                            "base_url": other_origin, "merchant_id": MERCHANT });
        let tests = async {
            for _ in 0..10 {
                let _ = attempt(app, "test_connection", json!({ "profileId": profile_id })).await;
            }
        };
        let _ = tokio::join!(tests, attempt(app, "update_profile", json!({ "id": profile_id, "input": moved })));
        for _ in 0..3 {
            let _ = attempt(app, "test_connection", json!({ "profileId": profile_id })).await;
            let _ = attempt(app, "sync_fleet", json!({})).await;
        }
        let _ = attempt(app, "delete_profile", json!({ "id": profile_id })).await;
        tokio::time::sleep(Duration::from_secs(1)).await;

        let declined = watcher.confirmations.load(Ordering::SeqCst);
        let saves = watcher.saves.load(Ordering::SeqCst);
        drop(watcher);
        app.screenshot("hostile-page-after").await?;

        // What a reviewer asks.
        let heard = heard.lock().clone();
        ensure!(heard.is_empty(), "requests reached another origin: {heard:#?}");
        let outside: Vec<String> = requested.lock().iter().filter(|l| !is_api_path(l)).cloned().collect();
        ensure!(outside.is_empty(), "paths outside the API's: {outside:#?}");
        ensure!(
            production_state(&sim) == before,
            "production changed without a confirmed dialog: {:?} → {:?}",
            before,
            production_state(&sim)
        );
        ensure!(declined >= 3, "only {declined} production dialogs were shown");
        let files_after = (files(&home, 3, &skip), files(&run_dir, 2, &skip));
        ensure!(files_after == files_before, "files were written: before {files_before:?}\nafter {files_after:?}");
        eprintln!("hostile page: {} commands, {declined} production dialogs declined, {saves} save dialogs cancelled, {} API requests, all within /ipp/v1", commands.len(), requested.lock().len());
        Ok(())
    })
    .await;
    sim.shutdown().await;
    outcome
}

/// The other half of the guard: a production change does happen once the person answers Rust's
/// dialog, and only then.
#[tokio::test]
async fn a_production_change_happens_once_the_native_dialog_is_answered() -> Result<()> {
    let merchant = MerchantConfig::new(MERCHANT, Mode::Production).seed(SeedSpec {
        locations: 2,
        devices: 4,
        ..SeedSpec::default()
    });
    let sim = ipp_sim::start(SimConfig::new(Mode::Production).merchants(vec![merchant])).await?;
    let key = sim.merchants()[0].api_key.clone();
    let device = sim.inspect(|state| state.devices[0].clone());
    let outcome = with_app("production_dialog", async |app: &App| {
        let profile = app
            .invoke(
                "create_profile",
                json!({ "input": { "name": "Stores NO", "environment": "kustom_production",
                                   "custom_host": true, "base_url": sim.base_url(), "merchant_id": MERCHANT } }),
            )
            .await?;
        let profile_id = profile["id"].as_str().context("a profile id")?.to_owned();
        app.invoke("store_api_key", json!({ "profileId": profile_id, "apiKey": key, "confirmed": false }))
            .await?;
        app.invoke("switch_profile", json!({ "id": profile_id })).await?;
        app.invoke("sync_fleet", json!({})).await?;
        let watcher = DialogWatcher::start();
        let declined = attempt(app, "deregister_device", json!({ "deviceId": device.id })).await;
        ensure!(declined.is_none(), "a declined dialog let the change through");
        ensure!(sim.inspect(|s| s.devices.iter().any(|d| d.id == device.id)));
        watcher.accept.store(true, Ordering::SeqCst);
        app.invoke("deregister_device", json!({ "deviceId": device.id })).await?;
        ensure!(!sim.inspect(|s| s.devices.iter().any(|d| d.id == device.id)), "the device is still there");
        ensure!(watcher.confirmations.load(Ordering::SeqCst) == 2);
        Ok(())
    })
    .await;
    sim.shutdown().await;
    outcome
}
