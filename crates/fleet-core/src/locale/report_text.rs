//! The words of the reports Rust writes to files: the activity log and the stale-device report as
//! CSV, in the UI's language (a spreadsheet is read by people, not parsed back).

use crate::audit::Source;
use crate::history::last_activity::ActivitySource;
use crate::jobs::JobOutcome;
use crate::locale::Language;

/// A column of the activity log's CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityColumn {
    Time,
    What,
    Device,
    DeviceId,
    HardwareId,
    Store,
    Before,
    After,
    Who,
    Source,
    Outcome,
    Detail,
    Job,
}

impl ActivityColumn {
    pub const ALL: [Self; 13] = [
        Self::Time,
        Self::What,
        Self::Device,
        Self::DeviceId,
        Self::HardwareId,
        Self::Store,
        Self::Before,
        Self::After,
        Self::Who,
        Self::Source,
        Self::Outcome,
        Self::Detail,
        Self::Job,
    ];

    pub fn header(self, language: Language) -> &'static str {
        use Language::{En, Nb, Sv};
        match (self, language) {
            (Self::Time, En) => "Time",
            (Self::Time, Sv) => "Tid",
            (Self::Time, Nb) => "Tid",
            (Self::What, En) => "What",
            (Self::What, Sv) => "Vad",
            (Self::What, Nb) => "Hva",
            (Self::Device, En) => "Device or item",
            (Self::Device, Sv) => "Enhet eller objekt",
            (Self::Device, Nb) => "Enhet eller objekt",
            (Self::DeviceId, En) => "Device id",
            (Self::DeviceId, Sv) => "Enhets-id",
            (Self::DeviceId, Nb) => "Enhets-ID",
            (Self::HardwareId, En) => "Hardware id",
            (Self::HardwareId, Sv) => "Hårdvaru-id",
            (Self::HardwareId, Nb) => "Maskinvare-ID",
            (Self::Store, En) => "Store",
            (Self::Store, Sv) => "Butik",
            (Self::Store, Nb) => "Butikk",
            (Self::Before, En) => "Before",
            (Self::Before, Sv) => "Före",
            (Self::Before, Nb) => "Før",
            (Self::After, En) => "After",
            (Self::After, Sv) => "Efter",
            (Self::After, Nb) => "Etter",
            (Self::Who, En) => "Who",
            (Self::Who, Sv) => "Vem",
            (Self::Who, Nb) => "Hvem",
            (Self::Source, En) => "From",
            (Self::Source, Sv) => "Från",
            (Self::Source, Nb) => "Fra",
            (Self::Outcome, En) => "Outcome",
            (Self::Outcome, Sv) => "Utfall",
            (Self::Outcome, Nb) => "Utfall",
            (Self::Detail, En) => "Detail",
            (Self::Detail, Sv) => "Detaljer",
            (Self::Detail, Nb) => "Detaljer",
            (Self::Job, En) => "Job",
            (Self::Job, Sv) => "Jobb",
            (Self::Job, Nb) => "Jobb",
        }
    }
}

/// What an action is called (the log's own name when it has no words here).
pub fn action_label(action: &str, language: Language) -> Option<&'static str> {
    use Language::{En, Nb, Sv};
    let words = match action {
        "device.rename" => ["Renamed", "Namn ändrat", "Navn endret"],
        "device.move" => ["Moved", "Flyttad", "Flyttet"],
        "device.metadata" => ["Metadata changed", "Metadata ändrad", "Metadata endret"],
        "device.deregister" => ["Deregistered", "Avregistrerad", "Avregistrert"],
        "device.paired" => ["Paired", "Parkopplad", "Paret"],
        "device.bulk" => ["Bulk action", "Massåtgärd", "Massehandling"],
        "job.start" => ["Job started", "Jobb startat", "Jobb startet"],
        "job.pause" => ["Job paused", "Jobb pausat", "Jobb satt på pause"],
        "job.resume" => ["Job resumed", "Jobb återupptaget", "Jobb gjenopptatt"],
        "job.cancel" => ["Job cancelled", "Jobb avbrutet", "Jobb avbrutt"],
        "job.retry" => [
            "Job's failures sent again",
            "Jobbets misslyckade skickade igen",
            "Jobbens mislykkede sendt på nytt",
        ],
        "job.finish" => ["Job finished", "Jobb klart", "Jobb ferdig"],
        "device.export_csv" => [
            "Devices exported",
            "Enheter exporterade",
            "Enheter eksportert",
        ],
        "device.simulate" => [
            "Simulated device created",
            "Simulerad enhet skapad",
            "Simulert enhet opprettet",
        ],
        "sync.device_appeared" => [
            "Appeared (outside Fleetdesk)",
            "Tillkom (utanför Fleetdesk)",
            "Dukket opp (utenfor Fleetdesk)",
        ],
        "sync.device_disappeared" => [
            "Disappeared (outside Fleetdesk)",
            "Försvann (utanför Fleetdesk)",
            "Forsvant (utenfor Fleetdesk)",
        ],
        "sync.device_renamed" => [
            "Renamed outside Fleetdesk",
            "Namn ändrat utanför Fleetdesk",
            "Navn endret utenfor Fleetdesk",
        ],
        "sync.device_moved" => [
            "Moved outside Fleetdesk",
            "Flyttad utanför Fleetdesk",
            "Flyttet utenfor Fleetdesk",
        ],
        "sync.device_metadata" => [
            "Metadata changed outside Fleetdesk",
            "Metadata ändrad utanför Fleetdesk",
            "Metadata endret utenfor Fleetdesk",
        ],
        "enrollment.create" => [
            "Pairing code created",
            "Kopplingskod skapad",
            "Paringskode opprettet",
        ],
        "enrollment.cancel" => [
            "Pairing code cancelled",
            "Kopplingskod avbruten",
            "Paringskode kansellert",
        ],
        "enrollment.simulate_clerk" => [
            "Clerk simulated",
            "Kassapersonal simulerad",
            "Kasseansatt simulert",
        ],
        "rollout.create" => [
            "Rollout created",
            "Utrullning skapad",
            "Utrulling opprettet",
        ],
        "rollout.run" => ["Rollout run", "Utrullning körd", "Utrulling kjørt"],
        "session.cancel" => [
            "Payment cancelled",
            "Betalning avbruten",
            "Betaling kansellert",
        ],
        "session.test_payment" => ["Test payment", "Testbetalning", "Testbetaling"],
        "profile.create" => ["Profile created", "Profil skapad", "Profil opprettet"],
        "profile.delete" => ["Profile deleted", "Profil borttagen", "Profil slettet"],
        "profile.duplicate" => ["Profile duplicated", "Profil kopierad", "Profil kopiert"],
        "connection.test" => [
            "Connection tested",
            "Anslutning testad",
            "Tilkobling testet",
        ],
        "playground.reset" => [
            "Playground reset",
            "Testmiljö återställt",
            "Testmiljø tilbakestilt",
        ],
        "log.pruned" => [
            "Old entries dropped",
            "Gamla poster borttagna",
            "Gamle oppføringer fjernet",
        ],
        _ => return None,
    };
    Some(match language {
        En => words[0],
        Sv => words[1],
        Nb => words[2],
    })
}

pub fn source_label(source: Source, language: Language) -> &'static str {
    use Language::{En, Nb, Sv};
    match (source, language) {
        (Source::App, En) => "Fleetdesk",
        (Source::App, Sv | Nb) => "Fleetdesk",
        (Source::Cli, En) => "Fleetdesk command line",
        (Source::Cli, Sv) => "Fleetdesk kommandorad",
        (Source::Cli, Nb) => "Fleetdesk kommandolinje",
        (Source::Sync, En) => "Outside Fleetdesk (seen in a sync)",
        (Source::Sync, Sv) => "Utanför Fleetdesk (sågs vid synkning)",
        (Source::Sync, Nb) => "Utenfor Fleetdesk (sett ved synkronisering)",
        (Source::Fleetdesk, En) => "Fleetdesk housekeeping",
        (Source::Fleetdesk, Sv) => "Fleetdesks underhåll",
        (Source::Fleetdesk, Nb) => "Fleetdesks vedlikehold",
    }
}

/// The stale-device CSV's headers.
pub fn stale_headers(language: Language) -> [&'static str; 7] {
    match language {
        Language::En => [
            "Store",
            "Device",
            "Device id",
            "Hardware id",
            "Enrolled",
            "Last activity",
            "From",
        ],
        Language::Sv => [
            "Butik",
            "Enhet",
            "Enhets-id",
            "Hårdvaru-id",
            "Registrerad",
            "Senaste aktivitet",
            "Från",
        ],
        Language::Nb => [
            "Butikk",
            "Enhet",
            "Enhets-ID",
            "Maskinvare-ID",
            "Registrert",
            "Siste aktivitet",
            "Fra",
        ],
    }
}

pub fn activity_source_label(source: ActivitySource, language: Language) -> &'static str {
    use Language::{En, Nb, Sv};
    match (source, language) {
        (ActivitySource::Paired, En) => "Paired",
        (ActivitySource::Paired, Sv) => "Parkoppling",
        (ActivitySource::Paired, Nb) => "Paring",
        (ActivitySource::Payment, En) => "Payment",
        (ActivitySource::Payment, Sv) => "Betalning",
        (ActivitySource::Payment, Nb) => "Betaling",
        (ActivitySource::Change, En) => "Change",
        (ActivitySource::Change, Sv) => "Ändring",
        (ActivitySource::Change, Nb) => "Endring",
    }
}

/// "Unassigned" for a device with no store.
pub fn unassigned(language: Language) -> &'static str {
    match language {
        Language::En => "Unassigned",
        Language::Sv => "Utan butik",
        Language::Nb => "Uten butikk",
    }
}

/// A job report's headers. The store is the one the plan saw (a move's report shows where each
/// device came from; the job's own line says where they went).
pub fn job_headers(language: Language) -> [&'static str; 6] {
    match language {
        Language::En => [
            "Device",
            "Device id",
            "Store when planned",
            "Result",
            "Detail",
            "When",
        ],
        Language::Sv => [
            "Enhet",
            "Enhets-id",
            "Butik vid planeringen",
            "Resultat",
            "Detaljer",
            "När",
        ],
        Language::Nb => [
            "Enhet",
            "Enhets-ID",
            "Butikk ved planleggingen",
            "Resultat",
            "Detaljer",
            "Når",
        ],
    }
}

/// What a job's device result is called; a device still waiting has no outcome.
pub fn job_outcome_label(outcome: Option<&JobOutcome>, language: Language) -> &'static str {
    use Language::{En, Nb, Sv};
    let words = match outcome {
        None => ["Not done yet", "Inte klar än", "Ikke ferdig ennå"],
        Some(JobOutcome::Changed) => ["Changed", "Ändrad", "Endret"],
        Some(JobOutcome::SettledAfterLostAnswer) => [
            "Changed (confirmed after a lost answer)",
            "Ändrad (bekräftad efter ett förlorat svar)",
            "Endret (bekreftet etter et tapt svar)",
        ],
        Some(JobOutcome::AlreadyAsAsked) => [
            "Already so: nothing sent",
            "Redan så: inget skickat",
            "Allerede slik: ingenting sendt",
        ],
        Some(JobOutcome::Gone) => [
            "No longer exists: nothing sent",
            "Finns inte längre: inget skickat",
            "Finnes ikke lenger: ingenting sendt",
        ],
        Some(JobOutcome::ChangedElsewhere { .. }) => [
            "Changed by someone else since the plan: left as it is",
            "Ändrad av någon annan sedan planen: lämnad som den är",
            "Endret av noen andre siden planen: latt være",
        ],
        Some(JobOutcome::Cancelled) => [
            "Job cancelled before its turn",
            "Jobbet avbröts före dess tur",
            "Jobben ble avbrutt før dens tur",
        ],
        Some(JobOutcome::Failed { .. }) => ["Failed", "Misslyckades", "Mislyktes"],
    };
    match language {
        En => words[0],
        Sv => words[1],
        Nb => words[2],
    }
}
