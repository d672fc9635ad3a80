//! The commands, their options and their help, written once: clap parses them, and the man page
//! and shell completions are generated from the same definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "fleetdesk",
    version,
    about = "Fleetdesk from a terminal: profiles, devices, pairing codes, rollouts, sessions and jobs",
    long_about = "Fleetdesk from a terminal. It works on the same profiles, keychain entries, \
                  database and fleet cache as the Fleetdesk app, and can run while the app is open.\n\n\
                  Changes to many devices are planned first and applied later: \
                  `fleetdesk devices move --to Malmö --meta region=Syd --plan plan.json` writes \
                  every change and changes nothing; `fleetdesk apply plan.json` runs exactly that plan.",
    after_help = "Exit codes: 0 done; 1 failed (some devices, or the command); 2 wrong usage or input; \
                  3 refused (a production change not confirmed, a plan that does not list what it would do)."
)]
pub struct Cli {
    /// The data folder (default: the app's own; also FLEETDESK_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Errors on stderr as JSON: {"code": …, "message": …}.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Profiles: which Kustom account Fleetdesk talks to.
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// The device fleet: list, show, and plan changes to many devices.
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// Runs a plan written by `devices … --plan`, exactly; prints each device's result.
    #[command(after_help = "Example:\n  fleetdesk apply plan.json --format csv > report.csv")]
    Apply(ApplyArgs),
    /// Pairing codes.
    #[command(subcommand)]
    Codes(CodesCommand),
    /// Store rollouts from a CSV (one row per device to pair).
    #[command(subcommand)]
    Rollout(RolloutCommand),
    /// Payment sessions.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Bulk jobs (from the app or from `apply`).
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Shell completions, to stdout.
    #[command(
        after_help = "Example:\n  fleetdesk completions bash > /etc/bash_completion.d/fleetdesk"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff), to stdout.
    #[command(hide = true)]
    Man,
}

/// How a listing is written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Columns for people.
    #[default]
    Table,
    /// One JSON array.
    Json,
    /// CSV with a header row (metadata keys as columns for devices).
    Csv,
    /// One JSON object a line.
    Ndjson,
}

#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// Every profile, the active one marked.
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One profile (default: the active one).
    Show { profile: Option<String> },
    /// Adds a profile; its API key is read from a prompt, or from stdin when stdin is not a
    /// terminal — never from an argument.
    #[command(
        after_help = "Example:\n  printf '%s' \"$KUSTOM_KEY\" | fleetdesk profiles add --name 'Stores SE' \\\n    --environment production --merchant-id DM11917000"
    )]
    Add(AddProfile),
    /// Makes a profile the active one (for the app too).
    Use { profile: String },
    /// Checks that a profile's key works (default: the active one).
    Test { profile: Option<String> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnvironmentArg {
    /// Kustom's hosted playground.
    Playground,
    /// Kustom production: real money.
    Production,
}

#[derive(Debug, Args)]
pub struct AddProfile {
    #[arg(long)]
    pub name: String,
    #[arg(long, value_enum)]
    pub environment: EnvironmentArg,
    #[arg(long)]
    pub merchant_id: String,
    /// Another API host (a test server or a proxy you trust): the key is sent there.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Add it without a key (store one later in the app).
    #[arg(long)]
    pub no_key: bool,
    /// Store the key even if it looks like another environment's (the warning is shown).
    #[arg(long)]
    pub accept_key_warning: bool,
    /// Make it the active profile.
    #[arg(long = "use")]
    pub make_active: bool,
}

/// Which devices: the app's filter language, or a list.
#[derive(Debug, Args, Default, Clone)]
pub struct Filter {
    /// A metadata chip, `key=value` (repeat: all must match).
    #[arg(long = "meta", value_name = "KEY=VALUE")]
    pub meta: Vec<String>,
    /// A store: its name or id, or `unassigned`.
    #[arg(long)]
    pub store: Option<String>,
    /// ios, android or terminal.
    #[arg(long)]
    pub platform: Option<String>,
    /// Whether a cash register is open on it: `open` or `none`.
    #[arg(long)]
    pub register: Option<String>,
    /// Last activity: day, week, month, quiet-month or never.
    #[arg(long)]
    pub activity: Option<String>,
    /// Text in the name, id, hardware id or a metadata value.
    #[arg(long)]
    pub text: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// The cached fleet, filtered (`--sync` fetches it first). Streams: any size.
    #[command(
        after_help = "Examples:\n  fleetdesk devices list --meta region=Syd --store 'Malmö Triangeln' --format json\n  fleetdesk devices list --sync --format ndjson | jq .name"
    )]
    List {
        #[command(flatten)]
        filter: Filter,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// Fetch the fleet from Kustom first.
        #[arg(long)]
        sync: bool,
    },
    /// One device, fresh from Kustom.
    Show {
        device: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Plans moving devices to a store.
    #[command(
        after_help = "Example:\n  fleetdesk devices move --to 'Göteborg Nordstan' --meta region=Väst --plan move.json"
    )]
    Move {
        /// The store: its name or id, or `unassigned`.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Plans renaming devices from a pattern: {store}, {n}, {nn}, {name}.
    #[command(
        after_help = "Example:\n  fleetdesk devices rename --pattern '{store} Kassa {n}' --store Malmö --plan rename.json"
    )]
    Rename {
        #[arg(long)]
        pattern: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Plans setting a metadata key.
    SetMetadata {
        #[arg(long)]
        key: String,
        #[arg(long)]
        value: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Plans removing a metadata key.
    RemoveMetadata {
        #[arg(long)]
        key: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Plans deregistering devices (each listed in the plan by name).
    #[command(
        after_help = "Example:\n  fleetdesk devices deregister --activity quiet-month --plan cleanup.json"
    )]
    Deregister {
        #[command(flatten)]
        targets: Targets,
    },
}

#[derive(Debug, Args)]
pub struct Targets {
    #[command(flatten)]
    pub filter: Filter,
    /// A list of device ids, names or hardware ids (one a line, or a CSV's first column); `-`
    /// reads stdin. Instead of the filter.
    #[arg(long, value_name = "FILE")]
    pub list: Option<PathBuf>,
    /// Where to write the plan. Nothing is changed: `fleetdesk apply FILE` runs it.
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// Fetch the fleet from Kustom first (the plan is of the fleet as cached otherwise).
    #[arg(long)]
    pub sync: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    pub plan: PathBuf,
    /// On production: the account's name, as confirmation (otherwise it is asked at the terminal).
    #[arg(long, value_name = "NAME")]
    pub confirm: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CardLanguage {
    En,
    Sv,
    Nb,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Expiry {
    #[value(name = "15m")]
    Minutes15,
    #[value(name = "2h")]
    Hours2,
    #[value(name = "24h")]
    Hours24,
    #[value(name = "72h")]
    Hours72,
}

#[derive(Debug, Subcommand)]
pub enum CodesCommand {
    /// Creates pairing codes for a store, and their printable cards.
    #[command(
        after_help = "Example:\n  fleetdesk codes create --store 'Malmö Triangeln' --count 12 --pdf cards.pdf --lang sv"
    )]
    Create {
        #[arg(long)]
        store: String,
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// A label for the device each code pairs (numbered when more than one).
        #[arg(long)]
        label: Option<String>,
        #[arg(long, value_enum, default_value = "24h")]
        expiry: Expiry,
        /// Write the printable cards to this PDF.
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
        /// The cards' language.
        #[arg(long, value_enum)]
        lang: Option<CardLanguage>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Pending pairing codes (`--all`: used ones too).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Cancels a pending code (its id, or the code itself).
    Cancel { code: String },
}

#[derive(Debug, Subcommand)]
pub enum RolloutCommand {
    /// Creates the rollout a CSV describes and runs it (resumable: run it again after a stop).
    #[command(after_help = "Example:\n  fleetdesk rollout run opening.csv --name 'Malmö opening'")]
    Run {
        file: PathBuf,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum, default_value = "72h")]
        expiry: Expiry,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// One session, with its timeline.
    Show {
        session: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Follows a session until it ends, a line (or an NDJSON object) per change.
    #[command(after_help = "Example:\n  fleetdesk sessions watch 0b6a… --format ndjson")]
    Watch {
        session: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// The active profile's jobs, newest first.
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One job, and each device's result (`--failed`: only the failures).
    Show {
        job: String,
        #[arg(long)]
        failed: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    Pause {
        job: String,
    },
    /// Resumes a paused job and works it through here (the app goes on with it too, if open).
    Resume {
        job: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Sends nothing more; what was sent is settled.
    Cancel {
        job: String,
    },
}

/// The command line's definitions, for generated help (man page, completions).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
