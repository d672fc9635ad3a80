//! The harness for Fleetdesk's end-to-end suite.
//!
//! Each test launches the real, built app through tauri-driver + WebKitWebDriver (started by
//! `cargo xtask e2e` inside Xvfb and a private D-Bus session) and drives it as a user would:
//! clicks, keys, reading what is on screen. Screenshots go to `target/e2e-screens/`.
//!
//! Run outside `cargo xtask e2e`, the tests have no window to drive; they fail with a message
//! saying so rather than silently passing.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The sidebar views, in order, with the heading each one shows.
pub const VIEWS: [(&str, &str); 6] = [
    ("enrollments", "Enrollments"),
    ("devices", "Devices"),
    ("sessions", "Sessions"),
    ("locations", "Locations"),
    ("playground", "Playground"),
    ("settings", "Settings"),
];

const WAIT: Duration = Duration::from_secs(15);

/// A running Fleetdesk window under WebDriver control.
pub struct App {
    client: Client,
}

impl App {
    /// Launches the app and waits for the shell to be on screen.
    pub async fn launch() -> Result<Self> {
        let webdriver = env("FLEETDESK_E2E_WEBDRIVER")?;
        let application = env("FLEETDESK_E2E_APP")?;
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({ "application": application }),
        );
        let client = ClientBuilder::rustls()
            .context("building the WebDriver client")?
            .capabilities(caps)
            .connect(&webdriver)
            .await
            .with_context(|| format!("connecting to tauri-driver at {webdriver}"))?;
        let app = Self { client };
        app.wait_for(Locator::Css("nav.sidebar")).await?;
        // The header fills in once the backend has answered: the shell is fully up.
        app.wait_for(Locator::Css("[data-testid='active-profile']"))
            .await?;
        Ok(app)
    }

    pub fn client(&self) -> &Client {
        &self.client
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

    /// Sends keys to the focused element (WebDriver key codes for modifiers).
    pub async fn press(&self, keys: &str) -> Result<()> {
        self.client.active_element().await?.send_keys(keys).await?;
        Ok(())
    }

    /// Saves a PNG of the window's contents to `target/e2e-screens/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let dir = PathBuf::from(env("FLEETDESK_E2E_SCREENS")?);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Closes the window and ends the WebDriver session.
    pub async fn close(self) -> Result<()> {
        self.client.close().await?;
        Ok(())
    }
}

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
