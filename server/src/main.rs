//! `valurna`: run an election from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use valurna_server::demo::{self, DemoConfig};

#[derive(Debug, Parser)]
#[command(
    name = "valurna",
    version,
    about = "End-to-end verifiable elections for member organisations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a whole election in this process and write its record.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Eligible voters (each votes once; some vote again).
    #[arg(long, default_value_t = 10_000)]
    voters: u64,
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
    /// Hide progress bars.
    #[arg(long)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(a) => {
            let config = DemoConfig {
                voters: a.voters,
                districts: a.districts,
                candidates: a.candidates,
                seats: a.seats,
                trustees: a.trustees,
                threshold: a.threshold,
                revote_percent: a.revote_percent,
                weighted: a.weighted,
                out: a.out,
                progress: !a.quiet,
            };
            demo::run(&config).map(|report| demo::print_report(&report, &config.out))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("valurna: {e}");
            ExitCode::FAILURE
        }
    }
}
