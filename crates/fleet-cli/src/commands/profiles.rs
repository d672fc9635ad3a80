//! `fleetdesk profiles`: list, show, add (the key from a prompt or stdin), use, test.

use std::io::{IsTerminal, Read};

use fleet_core::desk::StoreKeyOutcome;
use fleet_core::profiles::vault::KeyState;
use fleet_core::profiles::{Environment, ProfileInput, ProfileView};
use fleet_core::{AppError, Desk};

use super::usage;
use crate::args::{AddProfile, EnvironmentArg, Format, ProfilesCommand};
use crate::exit::{DONE, REFUSED};
use crate::output;

fn key_text(state: &KeyState) -> String {
    match state {
        KeyState::Present { last4 } => format!("••••{last4}"),
        _ => "none".to_owned(),
    }
}

/// A profile by its id, or its name (any case).
pub async fn find(desk: &Desk, named: &str) -> Result<ProfileView, AppError> {
    let views = desk.profile_views().await?;
    if let Some(view) = views.iter().find(|v| v.profile.id == named) {
        return Ok(view.clone());
    }
    let matching: Vec<&ProfileView> = views
        .iter()
        .filter(|v| v.profile.name.to_lowercase() == named.trim().to_lowercase())
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(usage(
            "profile",
            format!("No profile is called “{named}”: `fleetdesk profiles list` shows them."),
        )),
        _ => Err(usage(
            "profile",
            format!("Several profiles are called “{named}”: give its id."),
        )),
    }
}

async fn active_or(desk: &Desk, named: Option<&str>) -> Result<ProfileView, AppError> {
    match named {
        Some(named) => find(desk, named).await,
        None => {
            let views = desk.profile_views().await?;
            views
                .into_iter()
                .find(|v| v.is_active)
                .ok_or_else(|| AppError::internal("no profile is active"))
        }
    }
}

fn details(view: &ProfileView) -> Vec<(&'static str, String)> {
    vec![
        ("name", view.profile.name.clone()),
        ("id", view.profile.id.clone()),
        ("environment", view.badge.clone()),
        ("merchant", view.profile.merchant_id.clone()),
        ("host", view.profile.base_url.clone()),
        ("api key", key_text(&view.api_key)),
        ("webhook secret", key_text(&view.webhook_secret)),
        (
            "active",
            if view.is_active { "yes" } else { "no" }.to_owned(),
        ),
    ]
}

/// The key, from a prompt that does not echo it, or from stdin in a script.
fn read_key() -> Result<String, AppError> {
    let key = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("API key (not shown): ")
            .map_err(|err| usage("api_key", format!("Could not read the key: {err}")))?
    } else {
        let mut text = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut text)
            .map_err(|err| {
                usage(
                    "api_key",
                    format!("Could not read the key from stdin: {err}"),
                )
            })?;
        text
    };
    let key = key.trim().to_owned();
    if key.is_empty() {
        return Err(usage(
            "api_key",
            "No key was given (use --no-key to add the profile without one).",
        ));
    }
    Ok(key)
}

async fn add(desk: &Desk, args: AddProfile) -> Result<u8, AppError> {
    // Read first: a profile is not left half-added when the key cannot be read.
    let key = if args.no_key { None } else { Some(read_key()?) };
    let environment = match args.environment {
        EnvironmentArg::Playground => Environment::KustomPlayground,
        EnvironmentArg::Production => Environment::KustomProduction,
    };
    let profile = desk
        .create_profile(&ProfileInput {
            name: args.name,
            environment,
            custom_host: args.base_url.is_some(),
            base_url: args.base_url,
            merchant_id: args.merchant_id,
        })
        .await?;
    if let Some(key) = key {
        match desk
            .store_api_key(&profile.id, &key, args.accept_key_warning)
            .await?
        {
            StoreKeyOutcome::Stored { .. } => {}
            StoreKeyOutcome::NeedsConfirmation { warning } => {
                eprintln!(
                    "fleetdesk: the profile was added, its key was not stored: {warning}\n\
                     Add it again with --accept-key-warning if the key is right."
                );
                return Ok(REFUSED);
            }
        }
    }
    if args.make_active {
        desk.switch_profile(&profile.id).await?;
    }
    eprintln!("Added “{}” ({}).", profile.name, profile.id);
    output::line(&profile.id)?;
    Ok(DONE)
}

pub async fn run(desk: &Desk, command: ProfilesCommand) -> Result<u8, AppError> {
    match command {
        ProfilesCommand::List { format } => {
            let views = desk.profile_views().await?;
            output::listing(
                format,
                &views,
                &["", "NAME", "ENVIRONMENT", "MERCHANT", "API KEY", "ID"],
                |v| {
                    vec![
                        if v.is_active { "*" } else { "" }.to_owned(),
                        v.profile.name.clone(),
                        v.badge.clone(),
                        v.profile.merchant_id.clone(),
                        key_text(&v.api_key),
                        v.profile.id.clone(),
                    ]
                },
            )?;
        }
        ProfilesCommand::Show { profile } => {
            let view = active_or(desk, profile.as_deref()).await?;
            output::one(Format::Table, &view, details)?;
        }
        ProfilesCommand::Add(args) => return add(desk, args).await,
        ProfilesCommand::Use { profile } => {
            let view = find(desk, &profile).await?;
            desk.switch_profile(&view.profile.id).await?;
            eprintln!("“{}” is the active profile.", view.profile.name);
        }
        ProfilesCommand::Test { profile } => {
            let view = active_or(desk, profile.as_deref()).await?;
            let report = desk.test_connection(&view.profile.id).await?;
            output::line(&format!(
                "OK: {} ({}) answered in {} ms; {} stores.",
                report.profile_name, report.merchant_id, report.latency_ms, report.location_count
            ))?;
        }
    }
    Ok(DONE)
}
