//! The app's filter language from the command line: metadata chips, a store (by name or id), a
//! platform, an open cash register, last activity and text — turned into the app's own query.

use fleet_core::fleet::index::{ActivityBucket, FleetQuery, LocationFilter, RegisterFilter};
use fleet_core::{AppError, Desk};
use kustom_ipp::Location;

use super::usage;
use crate::args::Filter;

/// A store named on the command line: its id, or its name (any case), or `unassigned` (`None`).
pub async fn store(desk: &Desk, named: &str) -> Result<Option<Location>, AppError> {
    let named = named.trim();
    if named.eq_ignore_ascii_case("unassigned") {
        return Ok(None);
    }
    let locations = desk.list_locations().await?;
    if let Some(by_id) = locations.iter().find(|l| l.id == named) {
        return Ok(Some(by_id.clone()));
    }
    let by_name: Vec<&Location> = locations
        .iter()
        .filter(|l| l.name.to_lowercase() == named.to_lowercase())
        .collect();
    match by_name.as_slice() {
        [one] => Ok(Some((*one).clone())),
        [] => Err(usage(
            "store",
            format!("No store is called “{named}”: give its name as Kustom has it, or its id."),
        )),
        several => Err(usage(
            "store",
            format!(
                "{} stores are called “{named}”: give the id ({}).",
                several.len(),
                several
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The query `filter` describes.
pub async fn query(desk: &Desk, filter: &Filter) -> Result<FleetQuery, AppError> {
    let mut query = FleetQuery::all();
    for chip in &filter.meta {
        let Some((key, value)) = chip.split_once('=') else {
            return Err(usage(
                "meta",
                format!("“{chip}” is not key=value (for example region=Syd)."),
            ));
        };
        query
            .metadata
            .push((key.trim().to_owned(), value.trim().to_owned()));
    }
    if let Some(named) = &filter.store {
        query.location = match store(desk, named).await? {
            Some(location) => LocationFilter::At(location.id),
            None => LocationFilter::Unassigned,
        };
    }
    if let Some(platform) = &filter.platform {
        let upper = platform.trim().to_uppercase();
        if !["IOS", "ANDROID", "TERMINAL"].contains(&upper.as_str()) {
            return Err(usage(
                "platform",
                format!("“{platform}” is not a platform: ios, android or terminal."),
            ));
        }
        query.platform = Some(upper);
    }
    if let Some(register) = &filter.register {
        query.register = match register.trim() {
            "open" => RegisterFilter::Open,
            "none" => RegisterFilter::NoneOpen,
            other => {
                return Err(usage("register", format!("“{other}”: use open or none.")));
            }
        };
    }
    if let Some(activity) = &filter.activity {
        query.activity = match activity.trim() {
            "day" => ActivityBucket::Day,
            "week" => ActivityBucket::Week,
            "month" => ActivityBucket::Month,
            "quiet-month" => ActivityBucket::QuietMonth,
            "never" => ActivityBucket::NeverSincePairing,
            other => {
                return Err(usage(
                    "activity",
                    format!("“{other}”: use day, week, month, quiet-month or never."),
                ));
            }
        };
    }
    query.text = filter.text.clone().unwrap_or_default();
    Ok(query)
}
