//! `valurna ceremony init|finish`: the key ceremony's shared steps
//! (record.md §6), in a directory the trustees share.

use std::path::PathBuf;

use clap::Subcommand;

use super::common::say;
use crate::error::CliError;
use crate::record::ceremony::{ceremony_finish, ceremony_init};

/// The key ceremony's shared steps (the committee, or anyone).
#[derive(Debug, Subcommand)]
pub enum CeremonyCommand {
    /// Start a ceremony for a manifest in a shared directory.
    Init {
        /// The election's manifest.json.
        #[arg(long)]
        manifest: PathBuf,
        /// Trustees n.
        #[arg(long)]
        trustees: u32,
        /// Threshold t.
        #[arg(long)]
        threshold: u32,
        /// The shared ceremony directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Check everything and write ceremony.json with the joint key.
    Finish {
        /// The shared ceremony directory.
        #[arg(long)]
        dir: PathBuf,
    },
}

/// Runs the command.
pub fn run(command: CeremonyCommand) -> Result<(), CliError> {
    match command {
        CeremonyCommand::Init {
            manifest,
            trustees,
            threshold,
            dir,
        } => {
            ceremony_init(&manifest, trustees, threshold, &dir)?;
            say(&format!(
                "ceremony for {trustees} trustees, threshold {threshold}, in {}",
                dir.display()
            ));
        }
        CeremonyCommand::Finish { dir } => {
            let outcome = ceremony_finish(&dir)?;
            say(&format!(
                "joint election key {}",
                outcome.joint_key.element().to_hex()
            ));
        }
    }
    Ok(())
}
