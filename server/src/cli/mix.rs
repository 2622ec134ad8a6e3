//! `valurna mix`: one mix server's step for the ranked contests
//! (record.md §9.3).

use std::path::PathBuf;

use clap::Args;

use super::common::say;
use crate::error::CliError;
use crate::record::tally::mix_record;

/// One mix server's step for the ranked contests: checks the record and
/// the mix chain so far, and adds its shuffle with proof.
#[derive(Debug, Args)]
pub struct MixArgs {
    /// The election record directory.
    #[arg(long)]
    pub record: PathBuf,
    /// This mix server's step, from 1.
    #[arg(long)]
    pub step: u32,
}

/// Runs the command.
pub fn run(a: MixArgs) -> Result<(), CliError> {
    let mixed = mix_record(&a.record, a.step)?;
    say(&format!(
        "mix step {}: shuffled {} item(s) in {} ranked contest(s)",
        a.step,
        mixed.iter().sum::<usize>(),
        mixed.len()
    ));
    Ok(())
}
