//! `fleetdesk sessions`: one payment session and its timeline, or followed until it ends.

use std::time::Duration;

use fleet_core::desk::SessionView;
use fleet_core::{AppError, Desk};
use serde::Serialize;

use crate::args::{Format, SessionsCommand};
use crate::exit::DONE;
use crate::output;

/// A status change as `watch` reports it.
#[derive(Serialize)]
struct Change<'a> {
    at: chrono::DateTime<chrono::Utc>,
    session_id: &'a str,
    status: String,
    amount_minor: i64,
    currency: &'a str,
    device: Option<&'a str>,
}

fn status(view: &SessionView) -> String {
    format!("{:?}", view.tracked.session.status).to_uppercase()
}

/// How often `watch` asks Kustom.
const EVERY: Duration = Duration::from_secs(2);

pub async fn run(desk: &Desk, command: SessionsCommand) -> Result<u8, AppError> {
    match command {
        SessionsCommand::Show { session, format } => {
            desk.lookup_session(&session).await?;
            let detail = desk.session_detail(session.trim()).await?;
            output::one(format, &detail, |d| {
                let s = &d.view.tracked.session;
                let mut lines = vec![
                    ("session", s.session_id.clone()),
                    ("status", status(&d.view)),
                    (
                        "amount",
                        format!("{} {}", s.order_amount, s.purchase_currency),
                    ),
                    (
                        "device",
                        d.view
                            .device_name
                            .clone()
                            .unwrap_or_else(|| s.device_id.clone()),
                    ),
                ];
                for entry in &d.timeline {
                    lines.push((
                        "timeline",
                        format!("{} {:?}", entry.at.to_rfc3339(), entry.event),
                    ));
                }
                lines
            })?;
        }
        SessionsCommand::Watch { session, format } => {
            let mut last: Option<String> = None;
            loop {
                let view = desk.lookup_session(&session).await?;
                let now = status(&view);
                if last.as_deref() != Some(now.as_str()) {
                    let s = &view.tracked.session;
                    let change = Change {
                        at: chrono::Utc::now(),
                        session_id: &s.session_id,
                        status: now.clone(),
                        amount_minor: s.order_amount,
                        currency: &s.purchase_currency,
                        device: view.device_name.as_deref(),
                    };
                    match format {
                        Format::Json | Format::Ndjson => output::line(
                            &serde_json::to_string(&change).map_err(output::write_err)?,
                        )?,
                        Format::Table | Format::Csv => output::line(&format!(
                            "{} {} {}",
                            change.at.format("%H:%M:%S"),
                            change.session_id,
                            change.status
                        ))?,
                    }
                    last = Some(now);
                }
                if view.tracked.session.status.is_terminal() {
                    break;
                }
                tokio::time::sleep(EVERY).await;
            }
        }
    }
    Ok(DONE)
}
