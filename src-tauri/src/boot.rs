//! What the first view needs before the data is open: the theme, the language, the last view and
//! the active profile, kept in a small file (`boot.json` in the data folder) beside the database.
//!
//! The database, the keychain and the local playground open in the background; the window must
//! not wait for them to paint (a locked keychain can take seconds to answer). The file is a copy:
//! every change of these choices writes it, and `app_info` rewrites it from the database once the
//! data is open, so a lost or stale file costs one start in the default look, never data.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use fleet_core::locale::{LanguageChoice, LocaleInfo};
use fleet_core::profiles::ActiveProfileSummary;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::prefs::{Theme, UiPrefs};

/// The file is a few hundred bytes; anything larger is not ours.
const MAX_BYTES: u64 = 64 * 1024;

/// What is kept between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Remembered {
    pub theme: Theme,
    pub language: LanguageChoice,
    pub last_view: Option<String>,
    pub device_columns: Option<String>,
    pub active_profile: Option<ActiveProfileSummary>,
}

impl Default for Remembered {
    fn default() -> Self {
        Self {
            theme: Theme::System,
            language: LanguageChoice::System,
            last_view: None,
            device_columns: None,
            active_profile: None,
        }
    }
}

/// What the UI paints its first view with.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BootInfo {
    pub version: String,
    pub theme: Theme,
    pub locale: LocaleInfo,
    pub ui_prefs: UiPrefs,
    /// The profile active when Fleetdesk was last used (none on a first start).
    pub active_profile: Option<ActiveProfileSummary>,
}

/// The page's first script: the boot facts as `window.__FLEETDESK_BOOT__`, there before any of
/// the page's own scripts run, so the first view paints in the right theme and language without
/// a round trip to Rust after the bundle loads, which the first paint would wait for.
/// Nothing secret is in it: the same facts `boot_info` answers.
pub fn initialization_script(info: &BootInfo) -> String {
    // JSON is a JavaScript expression (serde_json escapes what a string literal needs); a value
    // that cannot be written leaves the page to ask with `boot_info`, as before.
    let json = serde_json::to_string(info).unwrap_or_else(|_| "null".to_owned());
    format!(
        "Object.defineProperty(window, \"__FLEETDESK_BOOT__\", {{ value: Object.freeze({json}) }});"
    )
}

/// The remembered choices and where they are written.
pub struct BootFile {
    path: PathBuf,
    remembered: Mutex<Remembered>,
}

impl BootFile {
    /// Reads `boot.json` from the data folder; a missing, oversized or unreadable file gives the
    /// defaults (a first start looks exactly like that).
    pub fn load(data_dir: &Path) -> Self {
        let path = data_dir.join("boot.json");
        let remembered = std::fs::metadata(&path)
            .ok()
            .filter(|meta| meta.len() <= MAX_BYTES)
            .and_then(|_| std::fs::read(&path).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            path,
            remembered: Mutex::new(remembered),
        }
    }

    pub fn info(&self) -> BootInfo {
        let remembered = self.snapshot();
        BootInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            theme: remembered.theme,
            locale: fleet_core::locale::resolve(
                remembered.language,
                fleet_core::locale::os_locale().as_deref(),
            ),
            ui_prefs: UiPrefs {
                last_view: remembered.last_view,
                device_columns: remembered.device_columns,
            },
            active_profile: remembered.active_profile,
        }
    }

    fn snapshot(&self) -> Remembered {
        self.remembered
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Changes what is remembered and writes the file (atomically; a failure is logged, since the
    /// database still holds the truth).
    pub fn update(&self, change: impl FnOnce(&mut Remembered)) {
        let bytes = {
            let Ok(mut remembered) = self.remembered.lock() else {
                return;
            };
            change(&mut remembered);
            serde_json::to_vec_pretty(&*remembered)
        };
        let written = bytes.map_err(std::io::Error::other).and_then(|bytes| {
            fleet_core::storage::private_files::write_atomically(&self.path, &bytes)
        });
        if let Err(err) = written {
            tracing::warn!(%err, "could not write boot.json");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_survive_a_restart_and_a_damaged_file_gives_the_defaults() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let boot = BootFile::load(dir.path());
        assert!(boot.info().ui_prefs.last_view.is_none());
        boot.update(|r| {
            r.theme = Theme::Dark;
            r.language = LanguageChoice::Nb;
            r.last_view = Some("devices".into());
        });
        let again = BootFile::load(dir.path()).info();
        assert_eq!(again.theme, Theme::Dark);
        assert_eq!(again.locale.language, fleet_core::locale::Language::Nb);
        assert_eq!(again.ui_prefs.last_view.as_deref(), Some("devices"));

        std::fs::write(dir.path().join("boot.json"), b"{ not json")
            .unwrap_or_else(|e| panic!("{e}"));
        let damaged = BootFile::load(dir.path()).info();
        assert_eq!(damaged.theme, Theme::System);
        assert!(damaged.ui_prefs.last_view.is_none());
    }

    #[test]
    fn the_page_script_carries_the_facts_and_a_name_cannot_break_out_of_it() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let boot = BootFile::load(dir.path());
        let name = "Kassa \"1\"});alert(1);//\u{2028}</script>";
        boot.update(|r| {
            r.active_profile = Some(ActiveProfileSummary {
                id: "p1".into(),
                name: name.into(),
                environment: fleet_core::profiles::Environment::LocalPlayground,
                production: false,
                badge: "LOCAL".into(),
            });
        });
        let script = initialization_script(&boot.info());
        let json = script
            .strip_prefix(
                "Object.defineProperty(window, \"__FLEETDESK_BOOT__\", { value: Object.freeze(",
            )
            .and_then(|rest| rest.strip_suffix(") });"))
            .unwrap_or_else(|| panic!("unexpected script: {script}"));
        let facts: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        // The name comes back whole from one JSON value: nothing in it ended the string early.
        assert_eq!(facts["active_profile"]["name"], name);
    }
}
