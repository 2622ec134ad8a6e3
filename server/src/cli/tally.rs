//! `valurna tally finish`: the tally's shared step on a record directory.

use std::path::PathBuf;

use clap::Subcommand;

use super::common::say;
use crate::error::CliError;
use crate::record::tally::tally_finish;

/// The tally's shared steps.
#[derive(Debug, Subcommand)]
pub enum TallyCommand {
    /// Verify the trustees' decryption shares, combine t of them, count and
    /// allocate seats.
    Finish {
        /// The election record directory.
        #[arg(long)]
        record: PathBuf,
    },
}

/// Runs the command.
pub fn run(command: TallyCommand) -> Result<(), CliError> {
    let TallyCommand::Finish { record } = command;
    let (result, refused) = tally_finish(&record)?;
    for r in refused {
        say(&format!("refused: {r}"));
    }
    for c in &result.contests {
        say(&format!("{}: elected {}", c.contest, c.elected.join(", ")));
    }
    Ok(())
}
