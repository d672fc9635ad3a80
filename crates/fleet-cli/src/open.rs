//! The desk a command works on: the app's data folder, the OS keychain, and none of the services
//! only one process may run (the callback receiver, the local playground's server, the pruner) —
//! so a command can run while the app is open. Changes are logged as made from the command line.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use fleet_core::audit::Source;
use fleet_core::desk::Services;
use fleet_core::profiles::guard::{ConfirmedAccount, Confirmer, NobodyToAsk, ProductionChange};
use fleet_core::profiles::vault;
use fleet_core::storage::data_dir;
use fleet_core::{AppError, Desk};
use futures::future::BoxFuture;

/// Asks at the terminal for a production change: the account's name typed back, on stderr and
/// stdin (only when both are a terminal: a script is never asked, it must pass `--confirm`).
struct AskAtTheTerminal;

impl Confirmer for AskAtTheTerminal {
    fn confirm(&self, change: &ProductionChange) -> BoxFuture<'static, bool> {
        let (account, what) = (change.account.clone(), change.describe());
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                eprintln!("This changes the PRODUCTION account {account}: {what}");
                eprint!("Type the account's name to confirm: ");
                let mut typed = String::new();
                if std::io::stdin().read_line(&mut typed).is_err() {
                    return false;
                }
                let name = account
                    .split_once(" (")
                    .map_or(account.as_str(), |(n, _)| n);
                typed.trim() == name || typed.trim() == account
            })
            .await
            .unwrap_or(false)
        })
    }
}

/// How production changes are confirmed in this run.
pub fn confirmer(confirm: Option<&str>) -> Arc<dyn Confirmer> {
    match confirm {
        Some(name) => Arc::new(ConfirmedAccount(name.to_owned())),
        None if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
            Arc::new(AskAtTheTerminal)
        }
        None => Arc::new(NobodyToAsk),
    }
}

/// Opens the desk in `data_dir` (else `FLEETDESK_DATA_DIR`, else the app's folder).
pub async fn desk(
    data_dir: Option<PathBuf>,
    confirmer: Arc<dyn Confirmer>,
) -> Result<Desk, AppError> {
    let dir = data_dir::resolve(data_dir)?;
    let keychain = tokio::task::spawn_blocking(vault::install_os_store)
        .await
        .unwrap_or_else(|err| Err(AppError::internal(err.to_string())));
    Desk::builder(&dir)
        .keychain(keychain)
        .services(Services::NONE)
        .source(Source::Cli)
        .confirmer(confirmer)
        .open()
        .await
}
