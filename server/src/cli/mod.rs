//! The `valurna` command line: one module per command group, each with its
//! options (clap) and what it runs; `main.rs` only parses and dispatches.
//!
//! | command | module |
//! |---|---|
//! | `valurna serve` | [`serve`]: the election server, with its first-start checks |
//! | `valurna demo [--serve]` | [`demo`] |
//! | `valurna ceremony init\|finish` | [`ceremony`] |
//! | `valurna trustee announce\|deal\|receive\|decrypt` | [`trustee`] |
//! | `valurna mix` | [`mix`] |
//! | `valurna tally finish` | [`tally`] |
//! | `valurna election load\|close\|retention\|export` | [`election`] |
//! | `valurna migrate`, `valurna admin-create` | [`admin`] |

pub mod admin;
pub mod api;
pub mod ceremony;
pub mod common;
pub mod demo;
pub mod election;
pub mod mix;
pub mod serve;
pub mod tally;
pub mod trustee;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// `valurna`.
#[derive(Debug, Parser)]
#[command(
    name = "valurna",
    version,
    about = "End-to-end verifiable elections for member organisations"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a whole election in this process and write its record; or, with
    /// --serve, start the server with a demo election open for voting.
    Demo(demo::DemoArgs),
    /// The key ceremony's shared steps (the committee, or anyone).
    #[command(subcommand)]
    Ceremony(ceremony::CeremonyCommand),
    /// A trustee's own steps, each on the trustee's machine.
    #[command(subcommand)]
    Trustee(trustee::TrusteeCommand),
    /// The tally's shared steps.
    #[command(subcommand)]
    Tally(tally::TallyCommand),
    /// One mix server's step for the ranked contests: checks the record and
    /// the mix chain so far, and adds its shuffle with proof.
    Mix(mix::MixArgs),
    /// Run the election server: the API, the pages, the ballot box and the
    /// public board over HTTP (PostgreSQL). On a database that holds no
    /// election it creates the receipt key.
    Serve(serve::ServeArgs),
    /// Apply the database schema's migrations and exit.
    Migrate(common::DatabaseArgs),
    /// The committee's steps on the ballot box's database.
    #[command(subcommand)]
    Election(election::ElectionCommand),
    /// Create the platform administrator's account (the first account;
    /// every other is made through the API). The password is read from
    /// VALURNA_ADMIN_PASSWORD or, if unset, the first line of standard input.
    AdminCreate(admin::AdminArgs),
}

/// Runs a command.
pub fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Demo(a) => demo::run(a),
        Command::Ceremony(c) => ceremony::run(c),
        Command::Trustee(c) => trustee::run(c),
        Command::Tally(c) => tally::run(c),
        Command::Mix(a) => mix::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Migrate(d) => admin::migrate(d),
        Command::Election(c) => election::run(c),
        Command::AdminCreate(a) => admin::run(a),
    }
}
