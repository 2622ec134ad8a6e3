//! The board writer: one task that appends verified ballots to the board
//! in group commits.
//!
//! It takes every verified ballot waiting (up to [`MAX_BATCH`]) and
//! appends them per election in one transaction, then answers each. Under
//! load the next batch gathers while one commits, so one commit serves
//! many ballots; when idle a ballot is written at once. A receipt is
//! answered only after its commit.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use valurna_engine::ballot::VerifiedBallot;

use super::error::ApiError;
use crate::db::Pool;
use crate::db::ballot_box::{self, Cast};
use crate::receipt::ReceiptKey;

/// The most ballots appended in one transaction.
pub const MAX_BATCH: usize = 512;

/// A verified ballot waiting for the board.
#[derive(Debug)]
pub struct Job {
    /// The election.
    pub election: i64,
    /// Its base hash (receipts are signed under it).
    pub base_hash: [u8; 32],
    /// The ballot.
    pub ballot: VerifiedBallot,
    /// Where the outcome goes.
    pub reply: oneshot::Sender<Result<Cast, ApiError>>,
}

/// Runs the writer until every sender is gone.
pub async fn run(pool: Pool, key: Arc<ReceiptKey>, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut by_election: Vec<(i64, Vec<Job>)> = Vec::new();
        for job in batch {
            match by_election.iter_mut().find(|(e, _)| *e == job.election) {
                Some((_, list)) => list.push(job),
                None => by_election.push((job.election, vec![job])),
            }
        }
        for (election, list) in by_election {
            let base_hash = list.first().map(|j| j.base_hash).unwrap_or_default();
            let ballots: Vec<&VerifiedBallot> = list.iter().map(|j| &j.ballot).collect();
            let outcome =
                ballot_box::append_batch(&pool, election, &base_hash, &ballots, &key).await;
            match outcome {
                Ok(casts) => {
                    for (job, cast) in list.into_iter().zip(casts) {
                        let _ = job.reply.send(Ok(cast));
                    }
                }
                Err(e) => {
                    let error = ApiError::from(e);
                    for job in list {
                        let _ = job.reply.send(Err(error.clone()));
                    }
                }
            }
        }
    }
}
