//! The start-up bisection probe: the same window as the minimal baseline, but its page comes from
//! a folder named at run time (`FLEETDESK_PROBE_DIR`), served through a custom protocol the way
//! Fleetdesk's own assets are. `cargo xtask bench startup` builds the UI in stages (a blank page,
//! an empty Svelte mount, + styles and fonts, the whole app without its backend) and starts this
//! probe on each, so each piece of the page is timed without rebuilding Rust.
//!
//! A stage reports its first paint by fetching `/__ready` (two animation frames after mounting);
//! the probe prints the same `FLEETDESK_READY <ms>` line as the app and the minimal window.
//! Like the app (and unlike the bare minimal window), it chooses how WebKit rasterizes from what
//! the machine has (`fleetdesk_lib::rendering`).

use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use tauri::http::{Response, StatusCode, header};
use tauri::{WebviewUrl, WebviewWindowBuilder};

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html",
        Some("js") => "text/javascript",
        Some("css") => "text/css",
        Some("woff2") => "font/woff2",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// The file under `root` a request path names, if it stays inside `root`.
fn resolve(root: &Path, request: &str) -> Option<PathBuf> {
    let relative = request.trim_start_matches('/');
    let relative = if relative.is_empty() {
        "index.html"
    } else {
        relative
    };
    let path = Path::new(relative);
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    Some(root.join(path))
}

fn main() {
    let started = Instant::now();
    // The probe stands for the app's page, so it paints the way the app chooses to here.
    // SAFETY: the first thing the process does: no other thread exists yet.
    #[allow(unsafe_code)]
    let _ = unsafe { fleetdesk_lib::rendering::choose_for_this_machine() };
    let Some(root) = std::env::var_os("FLEETDESK_PROBE_DIR").map(PathBuf::from) else {
        eprintln!("set FLEETDESK_PROBE_DIR to a built page");
        std::process::exit(2);
    };
    let result = tauri::Builder::default()
        .register_uri_scheme_protocol("probe", move |_ctx, request| {
            let path = request.uri().path();
            if path == "/__ready" {
                println!("FLEETDESK_READY {}", started.elapsed().as_millis());
                return Response::builder()
                    .status(StatusCode::NO_CONTENT)
                    .body(Vec::new())
                    .unwrap_or_default();
            }
            // What a stage wants to say about itself (a bisection's own measurements).
            if path == "/__log" {
                println!("FLEETDESK_LOG {}", request.uri().query().unwrap_or(""));
                return Response::builder()
                    .status(StatusCode::NO_CONTENT)
                    .body(Vec::new())
                    .unwrap_or_default();
            }
            match resolve(&root, path).and_then(|file| std::fs::read(&file).ok().map(|b| (file, b)))
            {
                Some((file, body)) => Response::builder()
                    .header(header::CONTENT_TYPE, content_type(&file))
                    .body(body)
                    .unwrap_or_default(),
                None => Response::builder()
                    .status(StatusCode::NOT_FOUND)
                    .body(Vec::new())
                    .unwrap_or_default(),
            }
        })
        .setup(|app| {
            let url = "probe://localhost/index.html"
                .parse()
                .map_err(|err| format!("probe url: {err}"))?;
            WebviewWindowBuilder::new(app, "main", WebviewUrl::CustomProtocol(url))
                .title("Start-up probe")
                .inner_size(1280.0, 800.0)
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!(
            "examples/startup-probe/tauri.conf.json"
        ));
    if let Err(err) = result {
        eprintln!("the probe could not start: {err}");
        std::process::exit(1);
    }
}
