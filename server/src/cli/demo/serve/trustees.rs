//! The demo's trustees: the key ceremony through the server, and after
//! voting closes their partial decryptions of the tally.

use std::time::Duration;

use axum::Router;
use tokio::task::JoinHandle;

use super::api::*;
use super::election::*;
use crate::cli::trustee::remote::{Folder, Progress, Trustee};
use crate::error::CliError;
use crate::http::state::AppState;

async fn signed_in(router: &Router, setup: i64, t: &DemoTrustee) -> Result<Trustee, CliError> {
    Ok(Trustee {
        api: Api::staff(router, &t.account).await?,
        election: setup,
        index: t.index,
        folder: Folder(t.dir.clone()),
    })
}

/// The key ceremony through the server: in each of the three rounds every
/// trustee takes its step, as `valurna trustee ceremony --server` does.
pub(super) async fn key_ceremony(
    router: &Router,
    setup: i64,
    trustees: &[DemoTrustee],
) -> Result<(), CliError> {
    let mut signed = Vec::new();
    for t in trustees {
        signed.push(signed_in(router, setup, t).await?);
    }
    for round in 1..=3 {
        for t in &signed {
            match t.ceremony_step().await? {
                Progress::Did(_) => {}
                other => {
                    return Err(failed(format!(
                        "trustee {} in round {round} of the ceremony: {other:?}",
                        t.index
                    )));
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The trustees after voting

/// Where the tally stands, as the trustees see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tally {
    /// Voting is not closed yet.
    Waiting,
    /// The result is published.
    Published,
}

/// Starts the demo's trustees: a task that every `every` checks whether
/// the committee has closed voting (the board is sealed and the set-up
/// closed, its record published), then for `threshold` trustees
/// downloads the record into the trustee's directory, runs
/// [`Trustee::decrypt_step`] with its key share and uploads the share
/// (`POST /api/elections/{setup}/decryptions`, signed in as that trustee).
/// The task ends with `Ok` once the result is published; after ten
/// failed tries in a row it ends with the last error.
pub fn spawn_trustees(
    state: &AppState,
    election: &DemoElection,
    every: Duration,
) -> JoinHandle<Result<(), CliError>> {
    let router = crate::http::app(state.clone());
    let election = election.clone();
    tokio::spawn(async move {
        let mut failures = 0u32;
        loop {
            tokio::time::sleep(every).await;
            match decrypt_when_closed(&router, &election).await {
                Ok(Tally::Published) => {
                    tracing::info!(
                        election = election.id,
                        "the demo's trustees decrypted the tally; the result is published"
                    );
                    return Ok(());
                }
                Ok(Tally::Waiting) => failures = 0,
                Err(e) => {
                    failures += 1;
                    tracing::warn!(election = election.id, error = %e, "the demo's trustees");
                    if failures >= 10 {
                        return Err(e);
                    }
                }
            }
        }
    })
}

pub(super) async fn decrypt_when_closed(
    router: &Router,
    e: &DemoElection,
) -> Result<Tally, CliError> {
    let anonymous = Api::anonymous(router);
    let head = anonymous
        .get(&format!("/api/elections/{}/board/head", e.id))
        .await?;
    if field(&head, "seal").is_null() {
        return Ok(Tally::Waiting);
    }
    let mut last = None;
    for t in e.trustees.iter().take(e.threshold as usize) {
        let t = signed_in(router, e.id, t).await?;
        if let Progress::Waiting(_) = t.decrypt_step(None).await? {
            return Ok(Tally::Waiting);
        }
        last = Some(t);
    }
    let Some(t) = last else {
        return Ok(Tally::Waiting);
    };
    let overview = t.api.get(&format!("/api/elections/{}", e.id)).await?;
    Ok(match field(&overview, "status").as_str() {
        Some("tallied") => Tally::Published,
        _ => Tally::Waiting,
    })
}

// ---------------------------------------------------------------------------
// The files and the printout
