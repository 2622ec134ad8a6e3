//! The demo's trustees: the key ceremony through the server, and after
//! voting closes their partial decryptions of the tally.

use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::http::{Method, StatusCode};
use serde_json::Value;
use tokio::task::JoinHandle;

use super::api::*;
use super::election::*;
use crate::error::CliError;
use crate::http::state::AppState;
use crate::record::ceremony::{self, ReceiveOutcome};
use crate::record::tally;

/// Copies every file of the server's ceremony directory to `dir`.
pub(super) async fn sync_ceremony(api: &Api, setup: i64, dir: &Path) -> Result<(), CliError> {
    let list = api.get(&format!("/api/elections/{setup}/ceremony")).await?;
    for f in list.as_array().into_iter().flatten() {
        let name = field(f, "name")
            .as_str()
            .filter(|n| !n.contains(['/', '\\']) && !n.starts_with('.'))
            .ok_or_else(|| failed(format!("a ceremony file's name: {f}")))?;
        let bytes = api
            .get_bytes(&format!("/api/elections/{setup}/ceremony/{name}"))
            .await?;
        tokio::fs::write(dir.join(name), bytes).await?;
    }
    Ok(())
}

/// A round of the key ceremony.
#[derive(Debug, Clone, Copy)]
pub(super) enum Round {
    Announce,
    Deal,
    Receive,
}

/// The key ceremony through the server: in each round every trustee
/// fetches the files so far, runs its step on its own files and uploads
/// its new file.
pub(super) async fn key_ceremony(
    router: &Router,
    setup: i64,
    trustees: &[DemoTrustee],
) -> Result<(), CliError> {
    let mut apis = Vec::new();
    for t in trustees {
        apis.push((Api::staff(router, &t.account).await?, t));
    }
    for round in [Round::Announce, Round::Deal, Round::Receive] {
        for (api, t) in &apis {
            let ceremony = t.dir.join("ceremony");
            sync_ceremony(api, setup, &ceremony).await?;
            let (secret, share, index) = (t.dir.join("secret"), t.share(), t.index);
            let c = ceremony.clone();
            let name = blocking(move || match round {
                Round::Announce => ceremony::trustee_announce(&c, index, &secret)
                    .map(|()| format!("announcement-{index}.json")),
                Round::Deal => ceremony::trustee_deal(&c, &secret)
                    .map(|()| format!("shares-from-{index}.json")),
                Round::Receive => match ceremony::trustee_receive(&c, &secret, &share)? {
                    ReceiveOutcome::Share => Ok(format!("confirmation-{index}.json")),
                    ReceiveOutcome::Complained(against) => Err(failed(format!(
                        "trustee {index} complained about trustee(s) {against:?}"
                    ))),
                },
            })
            .await?;
            let bytes = tokio::fs::read(ceremony.join(&name)).await?;
            api.expect(
                StatusCode::CREATED,
                Method::PUT,
                &format!("/api/elections/{setup}/ceremony/{name}"),
                Payload::Raw(bytes),
            )
            .await?;
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
/// [`tally::trustee_decrypt`] with its key share and uploads the share
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
    let s = format!("/api/elections/{}", e.id);
    for t in e.trustees.iter().take(e.threshold as usize) {
        let api = Api::staff(router, &t.account).await?;
        match field(&api.get(&s).await?, "status").as_str() {
            Some("closed") => {}
            Some("tallied") => return Ok(Tally::Published),
            // Closing is under way: the record is not complete yet.
            _ => return Ok(Tally::Waiting),
        }
        let record = t.dir.join("record");
        download_record(&api, e.id, &record).await?;
        let share = t.share();
        let path = blocking(move || tally::trustee_decrypt(&record, &share)).await?;
        let share: Value = serde_json::from_slice(&tokio::fs::read(&path).await?)
            .map_err(|err| failed(format!("trustee {}'s decryption share: {err}", t.index)))?;
        let answer = api
            .send(
                Method::POST,
                &format!("{s}/decryptions"),
                Payload::Json(share),
            )
            .await?;
        let body = answer.json();
        match answer.status {
            StatusCode::OK if field(&body, "tallied") == true => return Ok(Tally::Published),
            StatusCode::OK => {}
            StatusCode::CONFLICT if field(&body, "error") == "already_uploaded" => {}
            status => {
                return Err(failed(format!(
                    "trustee {}'s decryption share was refused ({status}): {body}",
                    t.index
                )));
            }
        }
    }
    Ok(Tally::Waiting)
}

/// Downloads a published record into `dir` (replacing what is there), as a
/// trustee checking it on their own machine would.
pub(super) async fn download_record(
    api: &Api,
    ballot_box: i64,
    dir: &Path,
) -> Result<(), CliError> {
    if tokio::fs::try_exists(dir).await? {
        tokio::fs::remove_dir_all(dir).await?;
    }
    tokio::fs::create_dir_all(dir).await?;
    let list = api
        .get(&format!("/api/elections/{ballot_box}/record"))
        .await?;
    for f in list.as_array().into_iter().flatten() {
        let name = field(f, "name")
            .as_str()
            .filter(|n| crate::election::tally::RECORD_FILES.contains(n))
            .ok_or_else(|| failed(format!("a record file's name: {f}")))?;
        let bytes = api
            .get_bytes(&format!("/api/elections/{ballot_box}/record/{name}"))
            .await?;
        tokio::fs::write(dir.join(name), bytes).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The files and the printout
