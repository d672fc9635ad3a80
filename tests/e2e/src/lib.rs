//! The harness for Fleetdesk's end-to-end suite.
//!
//! Each test launches the real, built app through tauri-driver + WebKitWebDriver (started by
//! `cargo xtask e2e` inside Xvfb and a private D-Bus session) and drives it as a user would:
//! clicks, keys, reading what is on screen. Screenshots go to `target/e2e-screens/`.
//!
//! Run outside `cargo xtask e2e`, the tests have no window to drive; they fail with a message
//! saying so rather than silently passing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// The sidebar views, in order, with the heading each one shows.
pub const VIEWS: [(&str, &str); 8] = [
    ("enrollments", "Enrollments"),
    ("devices", "Devices"),
    ("sessions", "Sessions"),
    ("locations", "Locations"),
    ("activity", "Activity"),
    ("jobs", "Jobs"),
    ("playground", "Playground"),
    ("settings", "Settings"),
];

const WAIT: Duration = Duration::from_secs(15);

/// The script `App::scroll_to` runs: the nearest box that scrolls (else the window) is scrolled
/// so that the element sits in its middle.
const SCROLL_IN_ITS_BOX: &str = r#"
  const element = document.querySelector(arguments[0]);
  let box = element.parentElement;
  while (box && !(/(auto|scroll)/.test(getComputedStyle(box).overflowY) && box.scrollHeight > box.clientHeight)) box = box.parentElement;
  if (!box) { element.scrollIntoView({ block: "center" }); return; }
  const inner = element.getBoundingClientRect();
  const outer = box.getBoundingClientRect();
  box.scrollTop += inner.top - outer.top - (outer.height - inner.height) / 2;
"#;

/// A running Fleetdesk window under WebDriver control.
pub struct App {
    client: Client,
    data_dir: PathBuf,
}

static LAUNCHES: AtomicUsize = AtomicUsize::new(0);

/// How long a start may take to show its window (a cold start under load takes ~10 s).
const LAUNCH_PATIENCE: Duration = Duration::from_secs(45);
/// Starts tried before a test fails (see [`App::launch_with`]).
const LAUNCH_ATTEMPTS: u32 = 2;

/// Whether this is the suite's docs-minimal pass (`FLEETDESK_E2E_DOCS_MINIMAL=1`, set by
/// `cargo xtask e2e` for its second pass over the main flows): every launch then runs the local
/// playground with only what Kustom's docs promise, and screenshots are named `docs-minimal-…`.
pub fn docs_minimal_pass() -> bool {
    std::env::var_os("FLEETDESK_E2E_DOCS_MINIMAL").is_some_and(|v| v == "1")
}

/// The debug build's switch for a docs-minimal local playground.
pub const DOCS_MINIMAL_FLAG: &str = "--playground-docs-minimal";

impl App {
    /// Launches the app on a fresh, empty data folder (a first start) and waits for the shell.
    pub async fn launch() -> Result<Self> {
        Self::launch_in(Self::fresh_data_dir()?, &[]).await
    }

    /// [`App::launch`] with the local playground in docs-minimal mode, whichever pass this is.
    pub async fn launch_docs_minimal() -> Result<Self> {
        Self::launch_in(Self::fresh_data_dir()?, &[DOCS_MINIMAL_FLAG]).await
    }

    fn fresh_data_dir() -> Result<PathBuf> {
        let run_dir = PathBuf::from(env("FLEETDESK_E2E_RUN_DIR")?);
        let data_dir = run_dir.join(format!(
            "app-{}-{}",
            std::process::id(),
            LAUNCHES.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&data_dir);
        Ok(data_dir)
    }

    /// Launches the app on an existing data folder (a restart).
    pub async fn launch_with(data_dir: PathBuf) -> Result<Self> {
        Self::launch_in(data_dir, &[]).await
    }

    async fn launch_in(data_dir: PathBuf, extra: &[&str]) -> Result<Self> {
        let webdriver = env("FLEETDESK_E2E_WEBDRIVER")?;
        let application = env("FLEETDESK_E2E_APP")?;
        let mut args = vec![
            "--data-dir".to_owned(),
            data_dir.to_string_lossy().into_owned(),
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        if docs_minimal_pass() && !extra.contains(&DOCS_MINIMAL_FLAG) {
            args.push(DOCS_MINIMAL_FLAG.to_owned());
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({
                "application": application,
                "args": args,
            }),
        );
        // A window that never comes must fail the test, not hang it. Once (2026-12-03, a clean
        // clone's CI run) a start opened no window and left no process and no log behind, with
        // nothing else running; the cause is not known, so the harness says what it saw and tries
        // once more before it gives up.
        let mut attempt = 1;
        let client = loop {
            // The app is single-instance: a start while an earlier one still runs is handed to
            // that one and opens no window, so the session below would wait for nothing.
            make_way_for_a_start(&application).await;
            // tauri-driver listens on loopback over plain HTTP.
            let mut builder = ClientBuilder::new(HttpConnector::new());
            builder.capabilities(caps.clone());
            match tokio::time::timeout(LAUNCH_PATIENCE, builder.connect(&webdriver)).await {
                Ok(connected) => {
                    break connected
                        .with_context(|| format!("connecting to tauri-driver at {webdriver}"))?;
                }
                Err(_) => {
                    let seen = format!(
                        "tauri-driver at {webdriver} opened no window in {} s\n\
                         Fleetdesk processes now: {}\nthe single-instance name is held by: {}\n\
                         the new app's log ends with:\n{}",
                        LAUNCH_PATIENCE.as_secs(),
                        describe_processes(&app_processes(&application)),
                        single_instance_owner(),
                        log_tail(&data_dir, 30)
                    );
                    if attempt == LAUNCH_ATTEMPTS {
                        bail!("{seen}");
                    }
                    eprintln!("e2e: {seen}\ne2e: starting the app once more");
                    attempt += 1;
                }
            }
        };
        let app = Self { client, data_dir };
        app.wait_for(Locator::Css("nav.sidebar")).await?;
        // The header fills in once the backend has answered: the shell is fully up.
        app.wait_for(Locator::Css("[data-testid='active-profile']"))
            .await?;
        Ok(app)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The app's data folder (database, playground state, logs).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Everything the app logged (its log files rotate daily: all of them, in order).
    pub fn log(&self) -> Result<String> {
        read_logs(&self.data_dir)
    }

    /// Clicks the first element matching `selector`. A live view may re-render the element
    /// between finding and clicking it (a session update arrives); that is retried, as a person
    /// would simply click again.
    pub async fn click(&self, selector: &str) -> Result<()> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let element = self.wait_for(Locator::Css(selector)).await?;
            match element.click().await {
                Ok(()) => return Ok(()),
                Err(err)
                    if err.to_string().to_lowercase().contains("stale")
                        && tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Replaces the value of an input with `text`, as typed.
    pub async fn fill(&self, selector: &str, text: &str) -> Result<()> {
        let input = self.wait_for(Locator::Css(selector)).await?;
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Chooses an `<option>` by value in a `<select>`.
    pub async fn select(&self, selector: &str, value: &str) -> Result<()> {
        let select = self.wait_for(Locator::Css(selector)).await?;
        select.select_by_value(value).await?;
        Ok(())
    }

    /// The `value` of the first form control matching `selector` ("" if there is none).
    pub async fn value_of(&self, selector: &str) -> Result<String> {
        let value = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.value : '';",
                vec![json!(selector)],
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// The text of every element matching `selector`, trimmed, read from the DOM (WebDriver's
    /// own text is "" for an element scrolled out of view).
    pub async fn texts_of(&self, selector: &str) -> Result<Vec<String>> {
        let texts = self
            .client
            .execute(
                "return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent.trim());",
                vec![json!(selector)],
            )
            .await?;
        Ok(serde_json::from_value(texts)?)
    }

    /// A generated rollout: `count` codes for the first store, named `name`, valid for `expiry`
    /// (the form's default when `None`); returns once every row has its code.
    pub async fn create_rollout(
        &self,
        count: u32,
        name: &str,
        expiry: Option<&str>,
    ) -> Result<Vec<String>> {
        self.click_view("enrollments").await?;
        self.click("[data-testid='tab-rollouts']").await?;
        self.choose_first_option("[data-testid='rollout-location']")
            .await?;
        self.fill("[data-testid='rollout-count']", &count.to_string())
            .await?;
        self.fill("[data-testid='rollout-prefix']", "Till").await?;
        self.click("[data-testid='rollout-preview']").await?;
        self.wait_for_text_containing(
            "[data-testid='rollout-create']",
            &format!("Create {count} codes"),
        )
        .await?;
        self.fill("[data-testid='rollout-name']", name).await?;
        if let Some(expiry) = expiry {
            self.select("[data-testid='rollout-expiry']", expiry)
                .await?;
        }
        self.click("[data-testid='rollout-create']").await?;
        let created = "[data-testid='rollout-row'][data-state='created']";
        eventually(
            &format!("{count} rows created"),
            Duration::from_secs(20),
            async || Ok((self.count(created).await? == count as usize).then_some(())),
        )
        .await?;
        self.texts_of("[data-testid='rollout-row'] td.mono").await
    }

    /// Waits until the first element matching `selector` contains `needle`, and returns its text.
    pub async fn wait_for_text_containing(&self, selector: &str, needle: &str) -> Result<String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut last = String::new();
        while tokio::time::Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(selector)).await {
                last = element.text().await.unwrap_or_default();
                if last.is_empty() {
                    // WebKitWebDriver's text atom reads some flex layouts as empty; the rendered
                    // text (innerText) is what a person sees there.
                    last = element
                        .prop("innerText")
                        .await
                        .ok()
                        .flatten()
                        .unwrap_or_default();
                }
                if last.contains(needle) {
                    return Ok(last);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("`{selector}` read {last:?}, expected it to contain {needle:?}")
    }

    /// Scrolls the first element matching `selector` to the middle of the box that scrolls it, as
    /// a wheel over that box would (for screenshots). `scrollIntoView` would scroll every box
    /// around it too: a drawer's section brought into view also scrolled the page behind the
    /// drawer, and the screenshot showed a view without its heading.
    pub async fn scroll_to(&self, selector: &str) -> Result<()> {
        self.wait_for(Locator::Css(selector)).await?;
        self.client
            .execute(SCROLL_IN_ITS_BOX, vec![json!(selector)])
            .await?;
        Ok(())
    }

    /// How many elements match `selector` right now. A live view may replace elements while
    /// WebKitWebDriver collects them ("stale element"); that is asked again.
    pub async fn count(&self, selector: &str) -> Result<usize> {
        let mut attempts = 0;
        loop {
            match self.client.find_all(Locator::Css(selector)).await {
                Ok(found) => return Ok(found.len()),
                Err(err) if err.to_string().to_lowercase().contains("stale") && attempts < 10 => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Starts recording every IPC response body (Tauri's custom-protocol IPC goes through
    /// `fetch`), so a test can check what crossed from Rust to the UI.
    pub async fn record_ipc(&self) -> Result<()> {
        self.client
            .execute(
                r#"
                window.__ipcLog = [];
                const original = window.fetch.bind(window);
                window.fetch = async (input, init) => {
                  const response = await original(input, init);
                  const url = typeof input === "string" ? input : input.url;
                  if (url.startsWith("ipc:") || url.includes("ipc.localhost")) {
                    const body = await response.clone().text();
                    window.__ipcLog.push(url + " " + body);
                  }
                  return response;
                };
                "#,
                vec![],
            )
            .await?;
        Ok(())
    }

    /// The IPC responses recorded since [`App::record_ipc`].
    pub async fn ipc_log(&self) -> Result<Vec<String>> {
        let value = self
            .client
            .execute("return window.__ipcLog || [];", vec![])
            .await?;
        Ok(serde_json::from_value(value)?)
    }

    /// The whole DOM as HTML, including input values.
    pub async fn dom(&self) -> Result<String> {
        let value = self
            .client
            .execute(
                "for (const i of document.querySelectorAll('input')) i.setAttribute('data-value', i.value); return document.documentElement.outerHTML;",
                vec![],
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Waits for an element to be present and returns it.
    pub async fn wait_for(&self, locator: Locator<'_>) -> Result<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(locator)
            .await
            .with_context(|| format!("waiting for {locator:?}"))
    }

    /// Clicks a sidebar item.
    pub async fn click_view(&self, view: &str) -> Result<()> {
        let selector = format!("nav.sidebar button[data-view='{view}']");
        self.wait_for(Locator::Css(&selector))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Waits until the main heading reads `expected`, and returns it.
    pub async fn wait_for_heading(&self, expected: &str) -> Result<String> {
        self.wait_for_text("main h1", expected).await
    }

    /// Waits until the first element matching `selector` has exactly the text `expected`.
    pub async fn wait_for_text(&self, selector: &str, expected: &str) -> Result<String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut last = String::new();
        while tokio::time::Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(selector)).await {
                last = element.text().await.unwrap_or_default();
                if last.trim() == expected {
                    return Ok(last);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("`{selector}` read {last:?}, expected {expected:?}")
    }

    /// The text of the first element matching `selector`.
    pub async fn text(&self, selector: &str) -> Result<String> {
        Ok(self.wait_for(Locator::Css(selector)).await?.text().await?)
    }

    /// Sends keys to the focused element (WebDriver key codes for modifiers). When nothing can
    /// take them (focus fell to the page because the focused button became disabled), they are
    /// pressed on the keyboard instead and reach the page, as a user's keys would: WebDriver's
    /// Element Send Keys refuses an element that is not focusable.
    pub async fn press(&self, keys: &str) -> Result<()> {
        let sent = match self.client.active_element().await {
            Ok(focused) => focused.send_keys(keys).await.map_err(anyhow::Error::from),
            Err(error) => Err(error.into()),
        };
        if let Err(error) = sent {
            self.client
                .perform_actions(keyboard_presses(keys))
                .await
                .with_context(|| format!("pressing keys on the page after: {error:#}"))?;
            self.client.release_actions().await?;
        }
        Ok(())
    }

    /// Saves a PNG of the window's contents to `target/e2e-screens/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        // WebKit's snapshot can lag the DOM by a frame: let two frames paint first.
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
                vec![],
            )
            .await?;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let png = self.client.screenshot().await?;
        let dir = PathBuf::from(env("FLEETDESK_E2E_SCREENS")?);
        std::fs::create_dir_all(&dir)?;
        let prefix = if docs_minimal_pass() {
            "docs-minimal-"
        } else {
            ""
        };
        let path = dir.join(format!("{prefix}{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Closes the window and ends the WebDriver session, then waits until the app's process has
    /// gone: the app is single-instance, so a start while the last one still lingers would be
    /// handed to it and never open a window of its own. An app still running 15 s after its
    /// window closed fails the test (a user starting it again would see nothing) and is stopped.
    pub async fn close(self) -> Result<()> {
        let closed = self.client.close().await;
        let marker = self.data_dir.to_string_lossy().into_owned();
        let lingering = wait_until_gone(|| app_processes(&marker), Duration::from_secs(15)).await;
        closed?;
        if !lingering.is_empty() {
            bail!(
                "the app was still running 15 s after its window closed and was stopped: {}\n\
                 its log ends with:\n{}",
                lingering,
                log_tail(&self.data_dir, 30)
            );
        }
        Ok(())
    }
}

/// Runs `body` against a freshly launched app and always closes it, also when `body` fails (a
/// session left open would refuse the next test). A failure leaves a `failed-<name>.png`.
pub async fn with_app(name: &str, body: impl AsyncFnOnce(&App) -> Result<()>) -> Result<()> {
    run_app(App::launch().await?, name, body).await
}

/// [`with_app`] on a docs-minimal local playground.
pub async fn with_docs_minimal_app(
    name: &str,
    body: impl AsyncFnOnce(&App) -> Result<()>,
) -> Result<()> {
    run_app(App::launch_docs_minimal().await?, name, body).await
}

async fn run_app(app: App, name: &str, body: impl AsyncFnOnce(&App) -> Result<()>) -> Result<()> {
    let outcome = body(&app).await;
    if outcome.is_err() {
        let _ = app.screenshot(&format!("failed-{name}")).await;
    }
    let closed = app.close().await;
    outcome.and(closed)
}

/// Asks `check` every 200 ms until it answers `Some`, for at most `patience`; fails naming `what`
/// (and the last error, if asking failed).
pub async fn eventually<T>(
    what: &str,
    patience: Duration,
    mut check: impl AsyncFnMut() -> Result<Option<T>>,
) -> Result<T> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let last = match check().await {
            Ok(Some(found)) => return Ok(found),
            Ok(None) => String::new(),
            Err(err) => format!(" (last: {err:#})"),
        };
        if tokio::time::Instant::now() >= deadline {
            bail!("waited {} s for {what}{last}", patience.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `keys` in Element Send Keys' notation as keyboard actions: a modifier is held until
/// [`KEY_NULL`] (or the end), every other key is pressed and released.
fn keyboard_presses(keys: &str) -> KeyActions {
    let mut held = Vec::new();
    let mut actions = KeyActions::new("keyboard".into());
    for key in keys.chars() {
        if key == KEY_NULL {
            for modifier in held.drain(..).rev() {
                actions = actions.then(KeyAction::Up { value: modifier });
            }
        } else if [KEY_SHIFT, KEY_CONTROL, KEY_ALT, KEY_META].contains(&key) {
            held.push(key);
            actions = actions.then(KeyAction::Down { value: key });
        } else {
            actions = actions
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key });
        }
    }
    for modifier in held.into_iter().rev() {
        actions = actions.then(KeyAction::Up { value: modifier });
    }
    actions
}

/// WebDriver's key code for Alt, held until [`KEY_NULL`].
const KEY_ALT: char = '\u{E00A}';
/// WebDriver's key code for Meta, held until [`KEY_NULL`].
const KEY_META: char = '\u{E03D}';
/// WebDriver's key code for Control, held until [`KEY_NULL`].
pub const KEY_CONTROL: char = '\u{E009}';
/// Releases held modifiers.
pub const KEY_NULL: char = '\u{E000}';
pub const KEY_ARROW_DOWN: char = '\u{E015}';
pub const KEY_ARROW_UP: char = '\u{E013}';
pub const KEY_END: char = '\u{E010}';
pub const KEY_HOME: char = '\u{E011}';

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| {
        format!("{name} is not set: run the end-to-end suite with `cargo xtask e2e`")
    })
}

/// Answers the GTK save dialog titled `title` as a user would: focus its name field, replace the
/// name with `path`, press Enter — and check that the dialog went away, trying again if the keys
/// went elsewhere (no window manager runs under Xvfb: the dialog is given the keyboard focus
/// explicitly, and the pointer is put over its name field as well).
pub async fn answer_save_dialog(title: &str, path: &Path) -> Result<()> {
    let title = title.to_owned();
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let find = || -> Result<Option<String>> {
            let found = std::process::Command::new("xdotool")
                .args(["search", "--onlyvisible", "--name", &format!("^{title}$")])
                .output()?;
            Ok(String::from_utf8_lossy(&found.stdout)
                .lines()
                .next()
                .map(str::to_owned))
        };
        let run = |args: &[&str]| std::process::Command::new("xdotool").args(args).status();
        let mut attempts = 0;
        for _ in 0..100 {
            let Some(window) = find()? else {
                if attempts > 0 {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(200));
                continue;
            };
            ensure_attempts(attempts, &title)?;
            attempts += 1;
            std::thread::sleep(Duration::from_millis(500));
            // The name field runs along the top of the dialog.
            run(&["windowraise", &window])?;
            run(&["windowfocus", "--sync", &window])?;
            run(&["mousemove", "--window", &window, "300", "26"])?;
            run(&["click", "1"])?;
            run(&["key", "--clearmodifiers", "ctrl+a"])?;
            run(&["type", "--delay", "5", &path.to_string_lossy()])?;
            run(&["key", "Return"])?;
            std::thread::sleep(Duration::from_millis(1000));
        }
        bail!("the save dialog “{title}” never opened")
    })
    .await?
}

fn ensure_attempts(attempts: u32, title: &str) -> Result<()> {
    if attempts >= 3 {
        bail!("the save dialog “{title}” did not take the file name after {attempts} tries");
    }
    Ok(())
}

impl App {
    /// Calls one of the app's commands through its IPC, as the UI would (for actions that happen
    /// outside the view under test, like a clerk's tap on a phone).
    pub async fn invoke(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value> {
        let answer = self
            .client
            .execute_async(
                "const [cmd, args, done] = arguments; window.__TAURI_INTERNALS__.invoke(cmd, args).then((ok) => done({ ok }), (err) => done({ err }));",
                vec![json!(command), args],
            )
            .await?;
        if let Some(err) = answer.get("err") {
            bail!("{command} failed: {err}");
        }
        Ok(answer.get("ok").cloned().unwrap_or_default())
    }

    /// Adds a Kustom playground profile for a simulator through Settings and switches to it.
    pub async fn use_simulator_profile(
        &self,
        name: &str,
        base_url: &str,
        merchant_id: &str,
        key: &str,
    ) -> Result<()> {
        self.click_view("settings").await?;
        self.click("[data-testid='profile-add']").await?;
        self.fill("[data-testid='profile-name']", name).await?;
        self.select("[data-testid='profile-environment']", "kustom_playground")
            .await?;
        self.fill("[data-testid='profile-merchant']", merchant_id)
            .await?;
        self.click("[data-testid='profile-custom-host']").await?;
        self.fill("[data-testid='profile-url']", base_url).await?;
        self.click("[data-testid='profile-save']").await?;
        self.wait_for_text_containing("[data-testid='profile-editor'] h2", name)
            .await?;
        self.fill("[data-testid='api-key-input']", key).await?;
        self.click("[data-testid='api-key-save']").await?;
        self.wait_for_text_containing("[data-testid='api-key-state']", "Stored")
            .await?;
        self.click("[data-testid='profile-use']").await?;
        self.wait_for_text("[data-testid='active-profile']", name)
            .await?;
        Ok(())
    }
}

/// One accessibility problem axe-core found: its rule, impact and where.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AxeViolation {
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    pub targets: Vec<String>,
}

impl AxeViolation {
    /// Serious and critical violations fail the suite (WCAG 2.2 AA).
    pub fn blocks(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }
}

impl App {
    /// Runs axe-core (npm, from ui/node_modules) on the page as it is now, with the WCAG 2.x A and
    /// AA rules, and returns every violation with the elements it concerns.
    pub async fn axe(&self) -> Result<Vec<AxeViolation>> {
        let loaded = self
            .client
            .execute("return typeof window.axe !== 'undefined';", vec![])
            .await?;
        if loaded != json!(true) {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../ui/node_modules/axe-core/axe.min.js");
            let source = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {} (run `npm ci` in ui/)", path.display()))?;
            self.client.execute(&source, vec![]).await?;
        }
        let value = self
            .client
            .execute_async(
                r#"
                const done = arguments[arguments.length - 1];
                window.axe
                  .run(document, {
                    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
                    resultTypes: ["violations"],
                  })
                  .then((results) =>
                    done(results.violations.map((v) => ({
                      id: v.id,
                      impact: v.impact,
                      help: v.help,
                      targets: v.nodes.map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").split("\n").slice(1).join(" ").trim()),
                    }))),
                  )
                  .catch((err) => done([{ id: "axe-error", impact: "critical", help: String(err), targets: [] }]));
                "#,
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(value)?)
    }
}

impl App {
    /// Whether the focused element matches `selector`.
    pub async fn focus_is(&self, selector: &str) -> Result<bool> {
        let value = self
            .client
            .execute(
                "const a = document.activeElement; return !!a && a.matches(arguments[0]);",
                vec![json!(selector)],
            )
            .await?;
        Ok(value == json!(true))
    }

    /// Presses Tab (or Shift+Tab with `backwards`) until the focus is on `selector`, as a
    /// keyboard user moves through a screen; fails after `max` presses.
    pub async fn tab_to(&self, selector: &str, backwards: bool, max: usize) -> Result<()> {
        for _ in 0..max {
            if self.focus_is(selector).await? {
                return Ok(());
            }
            let key = if backwards {
                format!("{KEY_SHIFT}{KEY_TAB}{KEY_NULL}")
            } else {
                KEY_TAB.to_string()
            };
            self.press(&key).await?;
        }
        if self.focus_is(selector).await? {
            return Ok(());
        }
        let focused = self
            .client
            .execute("const a = document.activeElement; return a ? a.outerHTML.slice(0, 200) : 'nothing';", vec![])
            .await?;
        bail!("{max} Tab presses never reached `{selector}`; the focus is on {focused}")
    }
}

pub const KEY_TAB: char = '\u{E004}';
pub const KEY_SHIFT: char = '\u{E008}';
pub const KEY_ENTER: char = '\u{E007}';
pub const KEY_ESCAPE: char = '\u{E00C}';
pub const KEY_SPACE: char = '\u{E00D}';

impl App {
    /// Chooses the first real option of a `<select>` (the one after its "Choose…" prompt), once
    /// the options have loaded.
    pub async fn choose_first_option(&self, select: &str) -> Result<()> {
        self.wait_for(Locator::Css(&format!("{select} option:nth-child(2)")))
            .await?;
        self.client
            .execute(
                "const s = document.querySelector(arguments[0]); s.selectedIndex = 1; s.dispatchEvent(new Event('change'));",
                vec![json!(select)],
            )
            .await?;
        Ok(())
    }
}

/// Renders the first page of a PDF to `target/e2e-screens/<name>.png` (poppler's pdftoppm), to be
/// looked at like the screenshots.
pub fn render_pdf_page(pdf: &Path, name: &str, dpi: u32) -> Result<()> {
    let screens = PathBuf::from(env("FLEETDESK_E2E_SCREENS")?);
    let rendered = std::process::Command::new("pdftoppm")
        .args([
            "-png",
            "-r",
            &dpi.to_string(),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(pdf)
        .arg(screens.join(name))
        .status()?;
    if !rendered.success() {
        bail!("pdftoppm could not render {}", pdf.display());
    }
    Ok(())
}

impl App {
    /// Resizes the window so that its page is `width`×`height` CSS pixels (no window manager runs
    /// under Xvfb, so the outer size is the inner size; checked rather than assumed).
    pub async fn resize(&self, width: u32, height: u32) -> Result<()> {
        self.client().set_window_size(width, height).await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let size: Vec<f64> = serde_json::from_value(
                self.client()
                    .execute("return [window.innerWidth, window.innerHeight];", vec![])
                    .await?,
            )?;
            if size == [f64::from(width), f64::from(height)] {
                return Ok(());
            }
            ensure!(
                tokio::time::Instant::now() < deadline,
                "the page is {size:?}, not {width}×{height}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Chooses a colour theme in Settings and waits until the page wears it.
    pub async fn set_theme(&self, theme: &str) -> Result<()> {
        self.click_view("settings").await?;
        self.click(&format!("[data-testid='theme-{theme}']"))
            .await?;
        self.wait_for(Locator::Css(&format!("html[data-theme='{theme}']")))
            .await?;
        Ok(())
    }
}

/// Waits until no earlier start of `application` runs; one still running after 15 s is stopped
/// (the test that left it has already failed in [`App::close`]).
async fn make_way_for_a_start(application: &str) {
    let lingering = wait_until_gone(|| app_processes(application), Duration::from_secs(15)).await;
    if !lingering.is_empty() {
        eprintln!("e2e: an earlier Fleetdesk was still running and was stopped: {lingering}");
    }
}

/// Polls `processes` until it finds none or `patience` has passed; then stops those left (TERM,
/// then KILL) and describes them. Empty when everything had gone by itself.
async fn wait_until_gone(processes: impl Fn() -> Vec<u32>, patience: Duration) -> String {
    let deadline = tokio::time::Instant::now() + patience;
    while tokio::time::Instant::now() < deadline {
        if processes().is_empty() {
            return String::new();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let left = processes();
    let described = describe_processes(&left);
    for signal in ["-TERM", "-KILL"] {
        for pid in processes() {
            let _ = std::process::Command::new("kill")
                .args([signal, &pid.to_string()])
                .status();
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    described
}

/// Which process owns the app's single-instance D-Bus name (a start exits at once, before it
/// logs anything, when the name is taken), or why that could not be found out.
fn single_instance_owner() -> String {
    let asked = std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:se.fleetdesk.desktop.SingleInstance",
        ])
        .output();
    match asked {
        Ok(out) if out.status.success() => {
            let reply = String::from_utf8_lossy(&out.stdout);
            match reply
                .split_whitespace()
                .last()
                .and_then(|pid| pid.parse::<u32>().ok())
            {
                Some(pid) => describe_processes(&[pid]),
                None => format!("(unreadable reply: {reply})"),
            }
        }
        // The usual answer: nobody owns it.
        Ok(out) => format!("nobody ({})", String::from_utf8_lossy(&out.stderr).trim()),
        Err(err) => format!("(dbus-send could not run: {err})"),
    }
}

/// "pid 123 (state S): /path/fleetdesk --data-dir …" for each process, or "none".
fn describe_processes(pids: &[u32]) -> String {
    if pids.is_empty() {
        return "none".to_owned();
    }
    pids.iter()
        .map(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let state = std::fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()
                .and_then(|status| {
                    status
                        .lines()
                        .find(|line| line.starts_with("State:"))
                        .map(|line| line.trim_start_matches("State:").trim().to_owned())
                })
                .unwrap_or_default();
            format!("pid {pid} ({state}): {}", cmdline.trim())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Everything the app on `data_dir` logged (its log files rotate daily: all of them, in order).
fn read_logs(data_dir: &Path) -> Result<String> {
    let dir = data_dir.join("logs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "log"))
        .collect();
    files.sort();
    let mut text = String::new();
    for file in files {
        text.push_str(&std::fs::read_to_string(file)?);
    }
    Ok(text)
}

/// The last `lines` lines of the app's logs in `data_dir`, for a failure message.
fn log_tail(data_dir: &Path, lines: usize) -> String {
    match read_logs(data_dir) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(err) => format!("({err:#})"),
    }
}

/// The running processes started with `marker` (a data folder) on their command line.
pub fn app_processes(marker: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline);
            (cmdline.contains("--data-dir") && cmdline.contains(marker)).then_some(pid)
        })
        .collect()
}
