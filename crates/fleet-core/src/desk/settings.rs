//! Settings and the language through the [`Desk`].

use super::{Desk, blocking};
use crate::AppError;

/// The setting that holds the language choice.
const LANGUAGE_SETTING: &str = "language";

impl Desk {
    /// A setting, read on the blocking pool.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, AppError> {
        let (store, key) = (self.store.clone(), key.to_owned());
        blocking(move || store.setting(&key)).await
    }

    /// Writes a setting on the blocking pool.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), AppError> {
        let (store, key, value) = (self.store.clone(), key.to_owned(), value.to_owned());
        blocking(move || store.set_setting(&key, &value)).await
    }

    /// The language and the date formats in force: the choice in Settings against the OS's.
    pub async fn locale(&self) -> Result<crate::locale::LocaleInfo, AppError> {
        let choice = crate::locale::LanguageChoice::from_setting(
            self.setting(LANGUAGE_SETTING).await?.as_deref(),
        );
        Ok(crate::locale::resolve(
            choice,
            crate::locale::os_locale().as_deref(),
        ))
    }

    /// Saves the language choice and says what it resolves to.
    pub async fn set_language(
        &self,
        choice: crate::locale::LanguageChoice,
    ) -> Result<crate::locale::LocaleInfo, AppError> {
        self.set_setting(LANGUAGE_SETTING, choice.as_setting())
            .await?;
        self.locale().await
    }
}
