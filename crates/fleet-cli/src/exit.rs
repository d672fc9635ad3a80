//! How a command ends: its exit code, and an error on stderr as the app words it (`--json`: the
//! same `{code, message}` the window receives).

use std::io::Write;
use std::process::ExitCode;

use fleet_core::AppError;

/// Everything went as asked.
pub const DONE: u8 = 0;
/// The command failed, or some devices of a job did.
pub const FAILED: u8 = 1;
/// The command was used wrongly, or its input is invalid.
pub const USAGE: u8 = 2;
/// Refused: a production change not confirmed, a plan that does not list what it would do.
pub const REFUSED: u8 = 3;

/// The exit code for an error.
pub fn code_for(error: &AppError) -> u8 {
    match error {
        AppError::ConfirmationRequired { .. } => REFUSED,
        AppError::Validation { .. } => USAGE,
        _ => FAILED,
    }
}

/// Writes `error` to stderr and gives its exit code.
pub fn report(error: &AppError, json: bool) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    let _ = if json {
        writeln!(
            stderr,
            "{}",
            serde_json::to_string(error).unwrap_or_else(|_| "{}".to_owned())
        )
    } else {
        let fields = match error {
            AppError::Validation { fields, .. } if !fields.is_empty() => fields
                .iter()
                .map(|(field, problem)| format!("\n  {field}: {problem}"))
                .collect::<String>(),
            _ => String::new(),
        };
        writeln!(stderr, "fleetdesk: {error}{fields}")
    };
    ExitCode::from(code_for(error))
}
