//! `valurna election …`: the committee's steps on the ballot box's
//! database, for an election run from files (`load`, `close`, `export`),
//! and retention for any tallied election.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;

use super::common::{DatabaseArgs, block_on, say};
use crate::db::{self, Pool};
use crate::election::lifecycle::Status;
use crate::election::tally::Retention;
use crate::error::CliError;
use crate::receipt::ReceiptKey;
use crate::record::setup::check_setup;

/// The committee's steps on the ballot box's database.
#[derive(Debug, Subcommand)]
pub enum ElectionCommand {
    /// Load an election whose ceremony is finished and whose credentials
    /// are fixed (manifest.json, parameters.json, ceremony.json,
    /// credentials.jsonl in DIR) and open it for voting.
    Load {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The directory with the set-up files.
        #[arg(long)]
        dir: PathBuf,
        /// The ballot box's receipt key, as for `serve`.
        #[arg(
            long,
            env = "VALURNA_RECEIPT_KEY",
            default_value = "valurna-receipt.key"
        )]
        receipt_key: PathBuf,
    },
    /// Close voting and seal the board.
    Close {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The election's id (as `load` printed it).
        #[arg(long)]
        id: i64,
    },
    /// Delete a tallied election's personal data: contacts, the names of
    /// members who were not candidates, the outbox, members' sessions and
    /// codes (the same as `POST /api/elections/{id}/retention`).
    Retention {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The election's id.
        #[arg(long)]
        id: i64,
    },
    /// Write a closed election's record (up to the encrypted tally) to OUT.
    Export {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The election's id.
        #[arg(long)]
        id: i64,
        /// Where to write the record.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Retention from the command line: an operator's step, audited without a
/// staff actor.
pub async fn retention(pool: &Pool, id: i64) -> Result<Retention, CliError> {
    let mut client = pool.get().await.map_err(db::StoreError::from)?;
    let tx = client.transaction().await.map_err(db::StoreError::from)?;
    let e = db::elections::get(&tx, id, true)
        .await?
        .ok_or_else(|| CliError::Usage(format!("no election has id {id}")))?;
    e.status
        .require(&[Status::Tallied])
        .map_err(|r| CliError::Usage(r.message))?;
    let removed = db::roll::retention(&tx, id).await?;
    db::audit::write(
        &tx,
        None,
        Some(e.organisation),
        "retention.apply",
        &json!({"election": id, "contacts": removed.contacts, "names": removed.names,
                "messages": removed.messages, "sessions": removed.sessions, "by": "command"}),
    )
    .await?;
    tx.commit().await.map_err(db::StoreError::from)?;
    Ok(removed)
}

/// Runs the command.
pub fn run(command: ElectionCommand) -> Result<(), CliError> {
    block_on(async move {
        match command {
            ElectionCommand::Load {
                database,
                dir,
                receipt_key,
            } => {
                let pool = db::pool(&database.database_url, 1)?;
                db::migrate(&pool).await?;
                let setup = check_setup(&dir)?;
                let key = ReceiptKey::load_or_create(&receipt_key)?;
                let id = db::ballot_box::load_election(&pool, &setup, key.public()).await?;
                say(&format!(
                    "election {} loaded as id {id}, open for voting",
                    setup.manifest.election_id
                ));
            }
            ElectionCommand::Close { database, id } => {
                let seal = db::ballot_box::close(&db::pool(&database.database_url, 1)?, id).await?;
                say(&format!("election {id} closed; seal {}", hex::encode(seal)));
            }
            ElectionCommand::Retention { database, id } => {
                let removed = retention(&db::pool(&database.database_url, 1)?, id).await?;
                say(&format!(
                    "personal data of election {id} deleted: {} contacts, {} names, \
                     {} messages, {} sessions and codes",
                    removed.contacts, removed.names, removed.messages, removed.sessions
                ));
            }
            ElectionCommand::Export { database, id, out } => {
                db::export::export(&db::pool(&database.database_url, 1)?, id, &out).await?;
                say(&format!(
                    "record of election {id} written to {}",
                    out.display()
                ));
            }
        }
        Ok(())
    })
}
