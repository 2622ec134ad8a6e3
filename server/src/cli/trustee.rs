//! `valurna trustee …`: a trustee's own steps, each on the trustee's
//! machine: the ceremony's three rounds and the partial decryption.

use std::path::PathBuf;

use clap::Subcommand;

use super::common::say;
use crate::error::CliError;
use crate::record::ceremony::{ReceiveOutcome, trustee_announce, trustee_deal, trustee_receive};
use crate::record::tally::trustee_decrypt;

/// A trustee's own steps, each on the trustee's machine.
#[derive(Debug, Subcommand)]
pub enum TrusteeCommand {
    /// Round 1: make your keys and publish your announcement.
    Announce {
        /// The shared ceremony directory.
        #[arg(long)]
        dir: PathBuf,
        /// Your trustee number, 1 to n.
        #[arg(long)]
        index: u32,
        /// Your secret file (created; keep it to yourself).
        #[arg(long)]
        secret: PathBuf,
    },
    /// Round 2: publish the encrypted shares for the other trustees.
    Deal {
        /// The shared ceremony directory.
        #[arg(long)]
        dir: PathBuf,
        /// Your secret file.
        #[arg(long)]
        secret: PathBuf,
    },
    /// Round 3: check the shares sent to you; keep your key share.
    Receive {
        /// The shared ceremony directory.
        #[arg(long)]
        dir: PathBuf,
        /// Your secret file.
        #[arg(long)]
        secret: PathBuf,
        /// Your key share (created; keep it to yourself).
        #[arg(long)]
        share: PathBuf,
    },
    /// Decrypt the tally partially, with proofs.
    Decrypt {
        /// The election record directory.
        #[arg(long)]
        record: PathBuf,
        /// Your key share.
        #[arg(long)]
        share: PathBuf,
    },
}

/// Runs the command.
pub fn run(command: TrusteeCommand) -> Result<(), CliError> {
    match command {
        TrusteeCommand::Announce { dir, index, secret } => {
            trustee_announce(&dir, index, &secret)?;
            say(&format!(
                "trustee {index} announced; secret state in {}",
                secret.display()
            ));
        }
        TrusteeCommand::Deal { dir, secret } => {
            trustee_deal(&dir, &secret)?;
            say("shares dealt");
        }
        TrusteeCommand::Receive { dir, secret, share } => {
            match trustee_receive(&dir, &secret, &share)? {
                ReceiveOutcome::Share => say(&format!(
                    "all shares valid; your key share is in {}",
                    share.display()
                )),
                ReceiveOutcome::Complained(against) => {
                    return Err(CliError::Usage(format!(
                        "bad shares from trustee(s) {against:?}: complaints published"
                    )));
                }
            }
        }
        TrusteeCommand::Decrypt { record, share } => {
            let path = trustee_decrypt(&record, &share)?;
            say(&format!("decryption share written to {}", path.display()));
        }
    }
    Ok(())
}
