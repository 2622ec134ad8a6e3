//! `valurna demo`: a whole election in one process ([`inprocess`]), or
//! with `--serve` the real server with a demo election open for voting
//! ([`serve`]).

pub mod inprocess;
pub mod serve;

use std::path::PathBuf;

use clap::Args;

use super::common::{block_on, say};
use crate::error::CliError;

/// `valurna demo`'s options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Instead of running the election in this process, start the election
    /// server (PostgreSQL) with a demo election open for voting: prints the
    /// address, the committee's sign-in and voting codes. The staff
    /// accounts' password is VALURNA_DEMO_PASSWORD, or generated.
    #[arg(
        long,
        conflicts_with_all = [
            "districts", "candidates", "seats", "trustees", "threshold", "revote_percent",
            "weighted", "out", "trustee_dir", "quiet", "ranked",
        ]
    )]
    serve: bool,
    /// Eligible voters (each votes once; some vote again); default 10,000.
    /// With --serve: voters per district, default 20.
    #[arg(long)]
    voters: Option<u64>,
    /// With --serve: the address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", requires = "serve")]
    listen: String,
    /// With --serve: a PostgreSQL server where this user may create
    /// databases; the demo resets the database `valurna_demo` on it.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
    /// With --serve: the demo's files (trustees' key shares, published
    /// records, demo.json, voting-codes.csv).
    #[arg(long, default_value = "valurna-demo-serve", requires = "serve")]
    dir: PathBuf,
    /// Districts, one contest each.
    #[arg(long, default_value_t = 5)]
    districts: u32,
    /// Candidates per contest.
    #[arg(long, default_value_t = 8)]
    candidates: u32,
    /// Seats per contest (a voter may choose up to this many).
    #[arg(long, default_value_t = 3)]
    seats: u32,
    /// Trustees holding shares of the election key.
    #[arg(long, default_value_t = 3)]
    trustees: u32,
    /// Trustees needed to decrypt.
    #[arg(long, default_value_t = 2)]
    threshold: u32,
    /// Percentage of voters who vote a second time (the last ballot counts).
    #[arg(long, default_value_t = 1.0)]
    revote_percent: f64,
    /// Give voters weights (1, 2 or 3).
    #[arg(long)]
    weighted: bool,
    /// Where to write the election record.
    #[arg(long, default_value = "valurna-demo-record")]
    out: PathBuf,
    /// Also give the trustees their key shares here, to redo the tally with
    /// `valurna trustee decrypt` and `valurna tally finish`.
    #[arg(long)]
    trustee_dir: Option<PathBuf>,
    /// Hide progress bars.
    #[arg(long)]
    quiet: bool,
    /// Make every contest ranked, counted by `stv` (Scottish STV) or
    /// `schulze`, through a mix-net of two mix servers.
    #[arg(long, num_args = 0..=1, default_missing_value = "stv", value_parser = ["stv", "schulze"])]
    ranked: Option<String>,
}

/// Runs the demo.
pub fn run(a: DemoArgs) -> Result<(), CliError> {
    if a.serve {
        let config = serve::DemoServeConfig {
            listen: a.listen,
            database_url: a.database_url,
            dir: a.dir,
            voters: u32::try_from(a.voters.unwrap_or(20)).unwrap_or(u32::MAX),
            password: std::env::var("VALURNA_DEMO_PASSWORD").ok(),
        };
        return block_on(async move {
            let ready = serve::prepare(&config).await?;
            say(&ready.summary()?);
            ready.serve().await
        });
    }
    let config = inprocess::DemoConfig {
        voters: a.voters.unwrap_or(10_000),
        districts: a.districts,
        candidates: a.candidates,
        seats: a.seats,
        trustees: a.trustees,
        threshold: a.threshold,
        revote_percent: a.revote_percent,
        weighted: a.weighted,
        out: a.out,
        trustee_dir: a.trustee_dir,
        progress: !a.quiet,
        ranked: a.ranked,
        codes_out: None,
    };
    inprocess::run(&config).map(|report| inprocess::print_report(&report, &config.out))
}
