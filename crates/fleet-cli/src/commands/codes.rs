//! `fleetdesk codes`: pairing codes made for a store (and their printable cards), listed, cancelled.

use fleet_core::desk::EnrollmentView;
use fleet_core::enrollments::card::{PairingCard, Paper};
use fleet_core::enrollments::codes::{EnrollmentDraft, EnrollmentFilters, ExpiryPreset};
use fleet_core::locale::Language;
use fleet_core::{AppError, Desk};
use kustom_ipp::PageRequest;

use super::{filters, usage};
use crate::args::{CardLanguage, CodesCommand, Expiry, Format};
use crate::exit::DONE;
use crate::output;

/// The most codes one command makes (a store opening; a chain's rollout is `rollout run`).
const MAX_CODES: u32 = 200;

pub fn expiry(expiry: Expiry) -> ExpiryPreset {
    match expiry {
        Expiry::Minutes15 => ExpiryPreset::Minutes15,
        Expiry::Hours2 => ExpiryPreset::Hours2,
        Expiry::Hours24 => ExpiryPreset::Hours24,
        Expiry::Hours72 => ExpiryPreset::Hours72,
    }
}

fn listing(format: Format, views: &[EnrollmentView]) -> Result<(), AppError> {
    output::listing(
        format,
        views,
        &["CODE", "STORE", "DEVICE", "STATUS", "EXPIRES", "ID"],
        |v| {
            vec![
                v.code_grouped.clone(),
                v.location_name.clone().unwrap_or_default(),
                v.device_label.clone().unwrap_or_default(),
                format!("{:?}", v.enrollment.status).to_uppercase(),
                v.enrollment.expires_at.format("%Y-%m-%d %H:%M").to_string(),
                v.enrollment.enrollment_id.clone(),
            ]
        },
    )
}

async fn all_codes(desk: &Desk, include_consumed: bool) -> Result<Vec<EnrollmentView>, AppError> {
    let filters = EnrollmentFilters {
        location_id: None,
        metadata: Vec::new(),
        include_consumed,
    };
    let mut views = Vec::new();
    for page in 0..100 {
        let listed = desk
            .list_enrollments(&filters, PageRequest::new(page, 100))
            .await?;
        let last = listed.page_number + 1 >= listed.total_pages || listed.items.is_empty();
        views.extend(listed.items);
        if last {
            break;
        }
    }
    Ok(views)
}

pub async fn run(desk: &Desk, command: CodesCommand) -> Result<u8, AppError> {
    match command {
        CodesCommand::Create {
            store,
            count,
            label,
            expiry: chosen,
            pdf,
            lang,
            format,
        } => {
            if !(1..=MAX_CODES).contains(&count) {
                return Err(usage(
                    "count",
                    format!("Make from 1 to {MAX_CODES} codes at a time (a rollout makes more)."),
                ));
            }
            let location = filters::store(desk, &store)
                .await?
                .ok_or_else(|| usage("store", "A pairing code is for a store: name one."))?;
            let mut made = Vec::new();
            for n in 1..=count {
                let device_label = label.as_ref().map(|label| {
                    if count > 1 {
                        format!("{label} {n}")
                    } else {
                        label.clone()
                    }
                });
                let details = desk
                    .create_enrollment(&EnrollmentDraft {
                        location_id: location.id.clone(),
                        device_label,
                        metadata: Vec::new(),
                        expiry: expiry(chosen),
                    })
                    .await?;
                eprint!("\rMade {n} of {count} codes");
                made.push(details.view);
            }
            eprintln!();
            if let Some(path) = pdf {
                let cards: Vec<PairingCard> = made
                    .iter()
                    .map(|v| PairingCard {
                        location_name: v
                            .location_name
                            .clone()
                            .unwrap_or_else(|| location.name.clone()),
                        device_label: v.device_label.clone(),
                        code: v.enrollment.enrollment_code.0.clone(),
                        expires_at: v.enrollment.expires_at,
                    })
                    .collect();
                let language = lang.map(|l| match l {
                    CardLanguage::En => Language::En,
                    CardLanguage::Sv => Language::Sv,
                    CardLanguage::Nb => Language::Nb,
                });
                desk.export_cards(&path, cards, Paper::A4, language, &location.name)
                    .await?;
                eprintln!("Cards written to {}.", path.display());
            }
            listing(format, &made)?;
        }
        CodesCommand::List { all, format } => {
            listing(format, &all_codes(desk, all).await?)?;
        }
        CodesCommand::Cancel { code } => {
            let wanted = code.replace([' ', '-'], "").to_uppercase();
            let views = all_codes(desk, false).await?;
            let found = views
                .iter()
                .find(|v| {
                    v.enrollment.enrollment_id == code
                        || v.enrollment.enrollment_code.0.clone().to_uppercase() == wanted
                })
                .ok_or_else(|| usage("code", format!("No pending code is “{code}”.")))?;
            desk.cancel_enrollment(&found.enrollment).await?;
            eprintln!("Cancelled {}.", found.code_grouped);
        }
    }
    Ok(DONE)
}
