//! Which language Fleetdesk speaks and how it writes dates and times.
//!
//! Two separate choices, both resolved here once so the UI and the Rust-made documents (the
//! pairing-card PDF) agree:
//!
//! - the **language** of words: English, Swedish or Norwegian Bokmål — the user's choice in
//!   Settings, or the operating system's language when it is one of those (English otherwise);
//! - the **format locale** of dates, times and numbers: one of a few locales whose rules are
//!   written out below (the OS locale when it is one of them, else the language's own). The UI
//!   formats with `Intl` in the same locale; `format_cases.json` (next to the tests) holds
//!   examples both sides are checked against, so the PDF says "2026-11-22 14:05" exactly where the
//!   screen does.

pub mod dialog_text;
pub mod report_text;

use chrono::{NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};
use specta::Type;

/// A language Fleetdesk's words (and pairing cards) are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    En,
    Sv,
    Nb,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::Sv, Language::Nb];

    /// The formats of the language's home country: for text written for someone else, like a
    /// Norwegian store's cards printed by a Swedish head office (dates as a Norwegian reads them).
    pub fn home_format(self) -> FormatLocale {
        match self {
            Language::En => FormatLocale::EnGb,
            Language::Sv => FormatLocale::SvSe,
            Language::Nb => FormatLocale::NbNo,
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Sv => "sv",
            Language::Nb => "nb",
        }
    }

    /// The language of a BCP 47 or POSIX locale name (`sv-SE`, `nb_NO.UTF-8`, `no`), if it is one
    /// Fleetdesk speaks. Norwegian Nynorsk readers get Bokmål, the nearer of the two.
    pub fn of_locale(locale: &str) -> Option<Language> {
        match primary_subtag(locale).as_str() {
            "en" => Some(Language::En),
            "sv" => Some(Language::Sv),
            "nb" | "nn" | "no" => Some(Language::Nb),
            _ => None,
        }
    }
}

/// What the user chose in Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum LanguageChoice {
    /// Follow the operating system.
    System,
    En,
    Sv,
    Nb,
}

impl LanguageChoice {
    pub fn as_setting(self) -> &'static str {
        match self {
            LanguageChoice::System => "system",
            LanguageChoice::En => "en",
            LanguageChoice::Sv => "sv",
            LanguageChoice::Nb => "nb",
        }
    }

    pub fn from_setting(value: Option<&str>) -> Self {
        match value {
            Some("en") => LanguageChoice::En,
            Some("sv") => LanguageChoice::Sv,
            Some("nb") => LanguageChoice::Nb,
            _ => LanguageChoice::System,
        }
    }
}

/// The locales whose date and time rules Fleetdesk writes out (the Nordic ones its merchants use,
/// and the two English ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
pub enum FormatLocale {
    #[serde(rename = "sv-SE")]
    SvSe,
    #[serde(rename = "nb-NO")]
    NbNo,
    #[serde(rename = "da-DK")]
    DaDk,
    #[serde(rename = "fi-FI")]
    FiFi,
    #[serde(rename = "de-DE")]
    DeDe,
    #[serde(rename = "en-GB")]
    EnGb,
    #[serde(rename = "en-US")]
    EnUs,
}

impl FormatLocale {
    pub fn tag(self) -> &'static str {
        match self {
            FormatLocale::SvSe => "sv-SE",
            FormatLocale::NbNo => "nb-NO",
            FormatLocale::DaDk => "da-DK",
            FormatLocale::FiFi => "fi-FI",
            FormatLocale::DeDe => "de-DE",
            FormatLocale::EnGb => "en-GB",
            FormatLocale::EnUs => "en-US",
        }
    }

    /// The format locale of an OS locale name, if it is one of ours (`en_US.UTF-8` → en-US; a
    /// bare `sv` → sv-SE; `en_IE` → en-GB, the day-first English).
    pub fn of_locale(locale: &str) -> Option<FormatLocale> {
        let region = region_subtag(locale);
        Some(match primary_subtag(locale).as_str() {
            "sv" => FormatLocale::SvSe,
            "nb" | "nn" | "no" => FormatLocale::NbNo,
            "da" => FormatLocale::DaDk,
            "fi" => FormatLocale::FiFi,
            "de" => FormatLocale::DeDe,
            "en" if matches!(region.as_deref(), Some("US" | "PH" | "PR" | "UM" | "AS")) => {
                FormatLocale::EnUs
            }
            "en" => FormatLocale::EnGb,
            _ => return None,
        })
    }

    fn of_language(language: Language) -> FormatLocale {
        match language {
            Language::En => FormatLocale::EnGb,
            Language::Sv => FormatLocale::SvSe,
            Language::Nb => FormatLocale::NbNo,
        }
    }

    /// A date and a time of day, to the minute: `2026-11-22 14:05` in sv-SE.
    pub fn date_time(self, at: NaiveDateTime) -> String {
        let (date, time) = (self.date(at), self.time(at, false));
        match self {
            FormatLocale::SvSe => format!("{date} {time}"),
            FormatLocale::FiFi => format!("{date} klo {time}"),
            _ => format!("{date}, {time}"),
        }
    }

    /// A date in figures: `2026-11-22`, `22.11.2026`, `22/11/2026`, `11/22/2026`.
    pub fn date(self, at: NaiveDateTime) -> String {
        match self {
            FormatLocale::SvSe => at.format("%Y-%m-%d").to_string(),
            FormatLocale::NbNo | FormatLocale::DaDk | FormatLocale::FiFi | FormatLocale::DeDe => {
                at.format("%d.%m.%Y").to_string()
            }
            FormatLocale::EnGb => at.format("%d/%m/%Y").to_string(),
            FormatLocale::EnUs => at.format("%m/%d/%Y").to_string(),
        }
    }

    /// An amount in minor units with its currency code: `1 234,50 SEK` in sv-SE, `1,234.50 SEK`
    /// in English (the words Rust itself shows: a desktop notification).
    pub fn money(self, minor: i64, currency: &str) -> String {
        let (group, decimal) = match self {
            FormatLocale::EnGb | FormatLocale::EnUs => (',', '.'),
            FormatLocale::DeDe | FormatLocale::DaDk => ('.', ','),
            FormatLocale::SvSe | FormatLocale::NbNo | FormatLocale::FiFi => ('\u{a0}', ','),
        };
        let (sign, minor) = if minor < 0 {
            ("-", minor.unsigned_abs())
        } else {
            ("", minor.unsigned_abs())
        };
        let whole = (minor / 100).to_string();
        let mut grouped = String::new();
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(digit);
        }
        format!("{sign}{grouped}{decimal}{:02} {currency}", minor % 100)
    }

    /// A time of day: 24-hour everywhere but en-US.
    pub fn time(self, at: NaiveDateTime, seconds: bool) -> String {
        let (h, m, s) = (at.hour(), at.minute(), at.second());
        let sep = match self {
            FormatLocale::DaDk | FormatLocale::FiFi => '.',
            _ => ':',
        };
        match self {
            FormatLocale::EnUs => {
                let (hour, half) = match h {
                    0 => (12, "AM"),
                    1..=11 => (h, "AM"),
                    12 => (12, "PM"),
                    _ => (h - 12, "PM"),
                };
                if seconds {
                    format!("{hour}:{m:02}:{s:02} {half}")
                } else {
                    format!("{hour}:{m:02} {half}")
                }
            }
            _ if seconds => format!("{h:02}{sep}{m:02}{sep}{s:02}"),
            _ => format!("{h:02}{sep}{m:02}"),
        }
    }
}

/// The language and format locale in force, and what they came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct LocaleInfo {
    pub choice: LanguageChoice,
    pub language: Language,
    pub format_locale: FormatLocale,
    /// The operating system's locale name, as reported (for the Settings page).
    pub os_locale: Option<String>,
}

/// Resolves the user's choice against the operating system's locale.
pub fn resolve(choice: LanguageChoice, os_locale: Option<&str>) -> LocaleInfo {
    let os_language = os_locale.and_then(Language::of_locale);
    let os_format = os_locale.and_then(FormatLocale::of_locale);
    let language = match choice {
        LanguageChoice::System => os_language.unwrap_or(Language::En),
        LanguageChoice::En => Language::En,
        LanguageChoice::Sv => Language::Sv,
        LanguageChoice::Nb => Language::Nb,
    };
    // The OS's formats when they belong to the chosen language (an American keeps US dates in
    // English); the language's own otherwise (a Swede who picks Norwegian gets Norwegian dates).
    let format_locale = match os_format {
        Some(format) if os_language == Some(language) => format,
        Some(format) if choice == LanguageChoice::System && os_language.is_none() => format,
        _ => FormatLocale::of_language(language),
    };
    LocaleInfo {
        choice,
        language,
        format_locale,
        os_locale: os_locale.map(str::to_owned),
    }
}

/// The operating system's locale name, if it says (`LANG=C` says nothing useful).
pub fn os_locale() -> Option<String> {
    sys_locale::get_locale().filter(|name| {
        let primary = primary_subtag(name);
        !primary.is_empty() && primary != "c" && primary != "posix"
    })
}

/// `sv` of `sv-SE`, `sv_SE.UTF-8` or `sv`.
fn primary_subtag(locale: &str) -> String {
    locale
        .split(['-', '_', '.', '@'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// `SE` of `sv-SE` or `sv_SE.UTF-8`.
fn region_subtag(locale: &str) -> Option<String> {
    let base = locale.split(['.', '@']).next().unwrap_or_default();
    base.split(['-', '_'])
        .skip(1)
        .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_and_separated_as_each_locale_writes_it() {
        assert_eq!(
            FormatLocale::SvSe.money(123_450, "SEK"),
            "1\u{a0}234,50 SEK"
        );
        assert_eq!(FormatLocale::EnGb.money(123_450, "SEK"), "1,234.50 SEK");
        assert_eq!(
            FormatLocale::DeDe.money(100_000_005, "EUR"),
            "1.000.000,05 EUR"
        );
        assert_eq!(FormatLocale::NbNo.money(-995, "NOK"), "-9,95 NOK");
        assert_eq!(FormatLocale::EnUs.money(0, "USD"), "0.00 USD");
    }

    #[test]
    fn the_os_language_is_followed_when_fleetdesk_speaks_it() {
        let sv = resolve(LanguageChoice::System, Some("sv_SE.UTF-8"));
        assert_eq!(
            (sv.language, sv.format_locale),
            (Language::Sv, FormatLocale::SvSe)
        );
        let nn = resolve(LanguageChoice::System, Some("nn-NO"));
        assert_eq!(
            (nn.language, nn.format_locale),
            (Language::Nb, FormatLocale::NbNo)
        );
        let us = resolve(LanguageChoice::System, Some("en-US"));
        assert_eq!(
            (us.language, us.format_locale),
            (Language::En, FormatLocale::EnUs)
        );
        let fi = resolve(LanguageChoice::System, Some("fi_FI"));
        assert_eq!(
            (fi.language, fi.format_locale),
            (Language::En, FormatLocale::FiFi),
            "Finnish formats, English words"
        );
        let c = resolve(LanguageChoice::System, None);
        assert_eq!(
            (c.language, c.format_locale),
            (Language::En, FormatLocale::EnGb)
        );
    }

    #[test]
    fn a_chosen_language_brings_its_formats_unless_the_os_shares_it() {
        let chosen = resolve(LanguageChoice::Nb, Some("sv-SE"));
        assert_eq!(
            (chosen.language, chosen.format_locale),
            (Language::Nb, FormatLocale::NbNo)
        );
        let english = resolve(LanguageChoice::En, Some("en-US"));
        assert_eq!(english.format_locale, FormatLocale::EnUs);
        let english_on_swedish = resolve(LanguageChoice::En, Some("sv-SE"));
        assert_eq!(english_on_swedish.format_locale, FormatLocale::EnGb);
    }

    #[test]
    fn twelve_oclock_is_pm_and_midnight_is_am() {
        let at = |h, m| {
            chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
                .and_then(|d| d.and_hms_opt(h, m, 0))
                .unwrap_or_default()
        };
        assert_eq!(FormatLocale::EnUs.time(at(0, 5), false), "12:05 AM");
        assert_eq!(FormatLocale::EnUs.time(at(12, 0), false), "12:00 PM");
        assert_eq!(FormatLocale::EnUs.time(at(23, 59), false), "11:59 PM");
        assert_eq!(FormatLocale::SvSe.time(at(0, 5), false), "00:05");
    }
}
