//! The words on a pairing card, written once for the screen, the printed sheet and the PDF, in
//! the clerk's language.
//!
//! The steps say only what Kustom documents: the clerk types the code into the Kustom POS app
//! [DOC §6]. The app's own button names and whether it scans QR codes are not documented, so the
//! card does not name or promise them.

use chrono::{DateTime, Local, Utc};
use serde::Serialize;
use specta::Type;

use crate::locale::{FormatLocale, Language};

/// What a card says besides the code and the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct CardText {
    pub language: Language,
    /// The device label, or "New device" in the card's language.
    pub device_label: String,
    /// "Valid until 2026-11-22 14:05", in the computer's time zone.
    pub expiry: String,
    /// The clerk's three steps, without numbers (lists number them).
    pub steps: Vec<String>,
}

struct Words {
    new_device: &'static str,
    valid_until: &'static str,
    steps: [&'static str; 3],
}

fn words(language: Language) -> Words {
    match language {
        Language::En => Words {
            new_device: "New device",
            valid_until: "Valid until {when}",
            steps: [
                "Open the Kustom POS app on the phone.",
                "Choose to enroll the device and type this code.",
                "Wait until the app says the device is paired.",
            ],
        },
        Language::Sv => Words {
            new_device: "Ny enhet",
            valid_until: "Giltig till {when}",
            steps: [
                "Öppna appen Kustom POS på telefonen.",
                "Välj att registrera enheten och skriv in den här koden.",
                "Vänta tills appen visar att enheten är kopplad.",
            ],
        },
        Language::Nb => Words {
            new_device: "Ny enhet",
            valid_until: "Gyldig til {when}",
            steps: [
                "Åpne Kustom POS-appen på telefonen.",
                "Velg å registrere enheten, og skriv inn denne koden.",
                "Vent til appen viser at enheten er koblet til.",
            ],
        },
    }
}

/// The card's words for a code expiring at `expires_at`, with the expiry in this computer's time
/// zone written the way `format` writes dates.
pub fn card_text(
    device_label: Option<&str>,
    expires_at: DateTime<Utc>,
    language: Language,
    format: FormatLocale,
) -> CardText {
    let words = words(language);
    let when = format.date_time(expires_at.with_timezone(&Local).naive_local());
    CardText {
        language,
        device_label: device_label
            .filter(|label| !label.trim().is_empty())
            .unwrap_or(words.new_device)
            .to_owned(),
        expiry: words.valid_until.replace("{when}", &when),
        steps: words.steps.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_its_own_words_and_the_date_in_its_format() {
        let at = Utc::now();
        let mut seen = std::collections::HashSet::new();
        for language in Language::ALL {
            let text = card_text(None, at, language, FormatLocale::SvSe);
            assert_eq!(text.steps.len(), 3);
            assert!(
                seen.insert(text.steps.concat()),
                "{language:?} repeats another language"
            );
            assert!(!text.expiry.contains("{when}"), "{}", text.expiry);
            let local = at.with_timezone(&Local).naive_local();
            assert!(text.expiry.ends_with(&FormatLocale::SvSe.date_time(local)));
        }
        let nb = card_text(Some("Kasse 2"), at, Language::Nb, FormatLocale::NbNo);
        assert_eq!(nb.device_label, "Kasse 2");
        assert!(nb.steps[0].starts_with("Åpne"));
        let blank = card_text(Some("  "), at, Language::Sv, FormatLocale::SvSe);
        assert_eq!(blank.device_label, "Ny enhet");
    }
}
