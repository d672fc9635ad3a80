//! The words Rust itself puts on screen: the native dialogs it opens — save dialogs' titles, and
//! the confirmation of a production change. (Every other word is the UI's, from its message
//! catalogs; these dialogs are drawn by the OS and must not be worded by the page, so their words
//! come from here, in the UI's language.)

use crate::locale::Language;
use crate::profiles::guard::{DevicesChange, ProductionAction, ProductionChange};

/// Which file is being saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveTitle {
    PairingCards,
    PairingSheet,
    DevicesCsv,
    ActivityCsv,
    StaleCsv,
    JobReport,
    /// Not a save: the file dialog that opens a list of devices for a job.
    DeviceList,
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
        (SaveTitle::ActivityCsv, Language::En) => "Export the activity log",
        (SaveTitle::ActivityCsv, Language::Sv) => "Exportera aktivitetsloggen",
        (SaveTitle::ActivityCsv, Language::Nb) => "Eksporter aktivitetsloggen",
        (SaveTitle::StaleCsv, Language::En) => "Export the quiet devices",
        (SaveTitle::StaleCsv, Language::Sv) => "Exportera tysta enheter",
        (SaveTitle::StaleCsv, Language::Nb) => "Eksporter stille enheter",
        (SaveTitle::JobReport, Language::En) => "Export the job's report",
        (SaveTitle::JobReport, Language::Sv) => "Exportera jobbets rapport",
        (SaveTitle::JobReport, Language::Nb) => "Eksporter jobbens rapport",
        (SaveTitle::DeviceList, Language::En) => "Open a list of devices",
        (SaveTitle::DeviceList, Language::Sv) => "Öppna en lista med enheter",
        (SaveTitle::DeviceList, Language::Nb) => "Åpne en liste med enheter",
    }
}

/// The production confirmation: its title, its message, and the labels of its two buttons.
pub struct ConfirmationWords {
    pub title: &'static str,
    pub message: String,
    pub confirm: &'static str,
    pub cancel: &'static str,
}

/// The production confirmation for `change`, in `language`.
pub fn production_confirmation(change: &ProductionChange, language: Language) -> ConfirmationWords {
    let action = production_action(&change.action, language);
    let (title, account, warning, confirm, cancel) = match language {
        Language::En => (
            "Confirm a change to PRODUCTION",
            "Account",
            "This changes your production account and cannot be undone.",
            "Confirm",
            "Cancel",
        ),
        Language::Sv => (
            "Bekräfta en ändring i PRODUKTION",
            "Konto",
            "Detta ändrar ditt produktionskonto och kan inte ångras.",
            "Bekräfta",
            "Avbryt",
        ),
        Language::Nb => (
            "Bekreft en endring i PRODUKSJON",
            "Konto",
            "Dette endrer produksjonskontoen din og kan ikke angres.",
            "Bekreft",
            "Avbryt",
        ),
    };
    ConfirmationWords {
        title,
        message: format!("{action}\n\n{account}: {}\n\n{warning}", change.account),
        confirm,
        cancel,
    }
}

impl ProductionChange {
    /// The change in a sentence of English (for logs and errors; the dialog has its own words).
    /// Here, beside the words, so the guard needs nothing from the locale.
    pub fn describe(&self) -> String {
        production_action(&self.action, Language::En)
    }
}

/// What a production change does, in a sentence in `language`.
pub fn production_action(action: &ProductionAction, language: Language) -> String {
    use Language::{En, Nb, Sv};
    match (action, language) {
        (ProductionAction::DeleteProfile { name }, En) => format!("Delete the profile “{name}”."),
        (ProductionAction::DeleteProfile { name }, Sv) => format!("Ta bort profilen ”{name}”."),
        (ProductionAction::DeleteProfile { name }, Nb) => format!("Slett profilen «{name}»."),
        (ProductionAction::CancelCode { code }, En) => format!("Cancel the pairing code {code}."),
        (ProductionAction::CancelCode { code }, Sv) => format!("Avbryt kopplingskoden {code}."),
        (ProductionAction::CancelCode { code }, Nb) => format!("Avbryt paringskoden {code}."),
        (ProductionAction::DeregisterDevice { name }, En) => {
            format!("Deregister the device “{name}”. It must be enrolled again to take payments.")
        }
        (ProductionAction::DeregisterDevice { name }, Sv) => {
            format!("Avregistrera enheten ”{name}”. Den måste registreras igen för att ta betalt.")
        }
        (ProductionAction::DeregisterDevice { name }, Nb) => format!(
            "Avregistrer enheten «{name}». Den må registreres på nytt for å ta imot betaling."
        ),
        (ProductionAction::CancelSession { reference }, En) => {
            format!("Cancel the payment {reference}.")
        }
        (ProductionAction::CancelSession { reference }, Sv) => {
            format!("Avbryt betalningen {reference}.")
        }
        (ProductionAction::CancelSession { reference }, Nb) => {
            format!("Avbryt betalingen {reference}.")
        }
        (ProductionAction::ChangeDevices { count, change }, language) => {
            devices_change(*count, change, language)
        }
    }
}

fn devices_change(count: u32, change: &DevicesChange, language: Language) -> String {
    use Language::{En, Nb, Sv};
    let devices = match (language, count) {
        (En, 1) => "1 device".to_owned(),
        (En, n) => format!("{n} devices"),
        (Sv, 1) => "1 enhet".to_owned(),
        (Sv, n) => format!("{n} enheter"),
        (Nb, 1) => "1 enhet".to_owned(),
        (Nb, n) => format!("{n} enheter"),
    };
    match (change, language) {
        (DevicesChange::Move { store: Some(store) }, En) => format!("Move {devices} to {store}."),
        (DevicesChange::Move { store: Some(store) }, Sv) => {
            format!("Flytta {devices} till {store}.")
        }
        (DevicesChange::Move { store: Some(store) }, Nb) => format!("Flytt {devices} til {store}."),
        (DevicesChange::Move { store: None }, En) => format!("Take {devices} out of their store."),
        (DevicesChange::Move { store: None }, Sv) => format!("Ta {devices} ur sin butik."),
        (DevicesChange::Move { store: None }, Nb) => format!("Ta {devices} ut av butikken sin."),
        (DevicesChange::SetMetadata { key, value }, En) => {
            format!("Set {key} = {value} on {devices}.")
        }
        (DevicesChange::SetMetadata { key, value }, Sv) => {
            format!("Sätt {key} = {value} på {devices}.")
        }
        (DevicesChange::SetMetadata { key, value }, Nb) => {
            format!("Sett {key} = {value} på {devices}.")
        }
        (DevicesChange::RemoveMetadata { key }, En) => format!("Remove {key} from {devices}."),
        (DevicesChange::RemoveMetadata { key }, Sv) => format!("Ta bort {key} från {devices}."),
        (DevicesChange::RemoveMetadata { key }, Nb) => format!("Fjern {key} fra {devices}."),
        (DevicesChange::Rename, En) => format!("Rename {devices}."),
        (DevicesChange::Rename, Sv) => format!("Byt namn på {devices}."),
        (DevicesChange::Rename, Nb) => format!("Gi {devices} nye navn."),
        (DevicesChange::Deregister, En) => {
            format!("Deregister {devices}. They must be enrolled again to take payments.")
        }
        (DevicesChange::Deregister, Sv) => {
            format!("Avregistrera {devices}. De måste registreras igen för att ta betalt.")
        }
        (DevicesChange::Deregister, Nb) => {
            format!("Avregistrer {devices}. De må registreres på nytt for å ta imot betaling.")
        }
    }
}

/// A desktop notification's title and body.
pub struct NotificationWords {
    pub title: &'static str,
    pub body: String,
}

/// Why a payment notification is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum PaymentNews {
    Paid,
    AttemptFailed,
    Failed,
}

/// "Job finished": how a bulk job `label` went.
pub fn job_finished(
    label: &str,
    done: u32,
    failed: u32,
    skipped: u32,
    language: Language,
) -> NotificationWords {
    match language {
        Language::En => NotificationWords {
            title: if failed == 0 {
                "Job finished"
            } else {
                "Job finished with failures"
            },
            body: format!("{label}: {done} done, {failed} failed, {skipped} left as they were."),
        },
        Language::Sv => NotificationWords {
            title: if failed == 0 {
                "Jobbet är klart"
            } else {
                "Jobbet är klart, med fel"
            },
            body: format!(
                "{label}: {done} klara, {failed} misslyckades, {skipped} lämnades som de var."
            ),
        },
        Language::Nb => NotificationWords {
            title: if failed == 0 {
                "Jobben er ferdig"
            } else {
                "Jobben er ferdig, med feil"
            },
            body: format!("{label}: {done} ferdige, {failed} mislyktes, {skipped} ble latt være."),
        },
    }
}

/// "Device paired": `label` (none: a new device) at `store` is enrolled.
pub fn paired(label: Option<&str>, store: &str, language: Language) -> NotificationWords {
    let label = label.unwrap_or(match language {
        Language::En => "A new device",
        Language::Sv | Language::Nb => "En ny enhet",
    });
    match language {
        Language::En => NotificationWords {
            title: "Device paired",
            body: format!("{label} at {store} is enrolled."),
        },
        Language::Sv => NotificationWords {
            title: "Enheten är kopplad",
            body: format!("{label} i {store} är registrerad."),
        },
        Language::Nb => NotificationWords {
            title: "Enheten er koblet til",
            body: format!("{label} i {store} er registrert."),
        },
    }
}

/// A payment's news: `amount` on `device`.
pub fn payment(
    news: PaymentNews,
    amount: &str,
    device: &str,
    language: Language,
) -> NotificationWords {
    let title = match (news, language) {
        (PaymentNews::Paid, Language::En) => "Payment collected",
        (PaymentNews::Paid, Language::Sv) => "Betalningen är klar",
        (PaymentNews::Paid, Language::Nb) => "Betalingen er fullført",
        (PaymentNews::AttemptFailed, Language::En) => "Payment attempt failed",
        (PaymentNews::AttemptFailed, Language::Sv) => "Betalningsförsöket misslyckades",
        (PaymentNews::AttemptFailed, Language::Nb) => "Betalingsforsøket mislyktes",
        (PaymentNews::Failed, Language::En) => "Payment failed",
        (PaymentNews::Failed, Language::Sv) => "Betalningen misslyckades",
        (PaymentNews::Failed, Language::Nb) => "Betalingen mislyktes",
    };
    let body = match language {
        Language::En => format!("{amount} on {device}"),
        Language::Sv | Language::Nb => format!("{amount} på {device}"),
    };
    NotificationWords { title, body }
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
            SaveTitle::ActivityCsv,
            SaveTitle::StaleCsv,
            SaveTitle::JobReport,
            SaveTitle::DeviceList,
        ] {
            let [en, sv, nb] = Language::ALL.map(|language| save_title(what, language));
            assert!(en != sv && sv != nb && en != nb, "{en} / {sv} / {nb}");
        }
    }

    #[test]
    fn notifications_are_worded_in_each_language() {
        let [en, sv, nb] = Language::ALL.map(|l| paired(Some("Till 3"), "Malmö", l));
        assert!(en.title != sv.title && sv.title != nb.title);
        assert!(en.body.contains("Till 3") && sv.body.contains("Malmö"));
        let finished = job_finished("Move to Malmö", 98, 2, 0, Language::Nb);
        assert_eq!(finished.title, "Jobben er ferdig, med feil");
        assert!(finished.body.contains("98 ferdige, 2 mislyktes"));
        let paid = payment(PaymentNews::Paid, "1 234,50 SEK", "Till 3", Language::Sv);
        assert_eq!(paid.body, "1 234,50 SEK på Till 3");
    }

    #[test]
    fn the_production_confirmation_names_the_account_and_the_change_in_each_language() {
        let change = ProductionChange {
            account: "Stores SE (DM1)".into(),
            action: ProductionAction::ChangeDevices {
                count: 12,
                change: DevicesChange::Move {
                    store: Some("Malmö Triangeln".into()),
                },
            },
        };
        let [en, sv, nb] = Language::ALL.map(|language| production_confirmation(&change, language));
        for words in [&en, &sv, &nb] {
            assert!(
                words.message.contains("Stores SE (DM1)"),
                "{}",
                words.message
            );
            assert!(words.message.contains("12"), "{}", words.message);
            assert!(
                words.message.contains("Malmö Triangeln"),
                "{}",
                words.message
            );
        }
        assert!(en.message != sv.message && sv.message != nb.message);
        assert!(en.title.contains("PRODUCTION") && sv.title.contains("PRODUKTION"));
    }
}
