//! The words Rust itself puts on screen: the titles of the native save dialogs it opens. (Every
//! other word is the UI's, from its message catalogs; these dialogs are drawn by the OS, so their
//! titles come from here, in the UI's language.)

use crate::locale::Language;

/// Which file is being saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveTitle {
    PairingCards,
    PairingSheet,
    DevicesCsv,
}

/// The save dialog's title in `language`.
pub fn save_title(what: SaveTitle, language: Language) -> &'static str {
    match (what, language) {
        (SaveTitle::PairingCards, Language::En) => "Save the pairing cards",
        (SaveTitle::PairingCards, Language::Sv) => "Spara kopplingskorten",
        (SaveTitle::PairingCards, Language::Nb) => "Lagre paringskortene",
        (SaveTitle::PairingSheet, Language::En) => "Save the pairing sheet",
        (SaveTitle::PairingSheet, Language::Sv) => "Spara arket med kopplingskoder",
        (SaveTitle::PairingSheet, Language::Nb) => "Lagre arket med paringskoder",
        (SaveTitle::DevicesCsv, Language::En) => "Export devices",
        (SaveTitle::DevicesCsv, Language::Sv) => "Exportera enheter",
        (SaveTitle::DevicesCsv, Language::Nb) => "Eksporter enheter",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_title_differs_between_languages() {
        for what in [
            SaveTitle::PairingCards,
            SaveTitle::PairingSheet,
            SaveTitle::DevicesCsv,
        ] {
            let [en, sv, nb] = Language::ALL.map(|language| save_title(what, language));
            assert!(en != sv && sv != nb && en != nb, "{en} / {sv} / {nb}");
        }
    }
}
