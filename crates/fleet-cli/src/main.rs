//! `fleetdesk`: Fleetdesk from a terminal (see the crate docs and `fleetdesk --help`).

use std::process::ExitCode;

use clap::Parser;
use fleet_cli::args::{Cli, Command, command};
use fleet_cli::{commands, exit, open};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut command(), "fleetdesk", &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        Command::Man => {
            return match clap_mangen::Man::new(command()).render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("fleetdesk: could not write the manual page: {err}");
                    ExitCode::from(exit::FAILED)
                }
            };
        }
        _ => {}
    }
    let confirm = match &cli.command {
        Command::Apply(args) => args.confirm.clone(),
        _ => None,
    };
    let desk = match open::desk(cli.data_dir.clone(), open::confirmer(confirm.as_deref())).await {
        Ok(desk) => desk,
        Err(err) => return exit::report(&err, cli.json),
    };
    let outcome = commands::run(&desk, cli.command).await;
    desk.shutdown().await;
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(err) => exit::report(&err, cli.json),
    }
}
