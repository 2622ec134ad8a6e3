//! The key ceremony through the server: the ceremony directory as a list
//! of files, which staff read and each trustee adds their own to
//! ([`crate::election::ceremony`] says which).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::access::{audit, trustee_index, visible};
use super::ballots::json_bytes;
use super::error::{ApiError, MAX_BODY};
use super::extract::JsonBody;
use super::extract::{P, Staff, raw_body};
use super::state::AppState;
use crate::db;
use crate::election::accounts::MANAGERS;
use crate::election::ceremony::{
    CEREMONY_PARAMS, Restart, Standing, check_proofs, check_upload, faults, new_params,
    restart as may_restart,
};
use crate::election::lifecycle::Status;
use crate::record::ceremony::CeremonyParamsFile;

/// The largest ceremony file accepted (the server's body limit).
pub const MAX_CEREMONY_FILE: usize = MAX_BODY;

/// The ceremony's routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/elections/{id}/ceremony", get(files))
        .route("/api/elections/{id}/ceremony/{name}", get(file).put(upload))
        .route("/api/elections/{id}/ceremony-standing", get(standing))
        .route("/api/elections/{id}/ceremony-restart", post(restart))
}

/// A file of a directory (the ceremony's, the record's).
#[derive(Debug, Serialize, Deserialize)]
pub struct FileJson {
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Where the key ceremony stands: the trustees' pages follow it, and the
/// committee's page shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct StandingJson {
    /// The election's status.
    pub status: String,
    /// `n`.
    pub trustees: u32,
    /// This run of the ceremony (a restart draws a new one).
    pub ceremony_id: String,
    /// The round under way, 1 to 3; 4 once every trustee has confirmed.
    pub round: u8,
    /// Per trustee 1 to n, the rounds it has done.
    pub done: Vec<u8>,
    /// Whom the round waits for (none once stopped or complete).
    pub waiting: Vec<u32>,
    /// The trustees who complained.
    pub complained: Vec<u32>,
    /// Who is at fault, once a complaint is in (record.md §6.4).
    pub faults: Vec<FaultJson>,
}

/// A trustee at fault.
#[derive(Debug, Serialize, Deserialize)]
pub struct FaultJson {
    /// The trustee.
    pub trustee: u32,
    /// What it did, in the engine's words.
    pub reason: String,
}

/// `GET /api/elections/{id}/ceremony-standing`.
pub async fn standing(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<StandingJson>, ApiError> {
    let client = app.pool().get().await?;
    let e = visible(&client, &staff, id, false).await?;
    let files = db::ceremony::all(&client, id).await?;
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let s = Standing::of(&names, e.trustees);
    let ceremony_id = files
        .iter()
        .find(|(n, _)| n == CEREMONY_PARAMS)
        .and_then(|(_, b)| serde_json::from_slice::<CeremonyParamsFile>(b).ok())
        .map(|p| p.ceremony_id)
        .unwrap_or_default();
    let faults = tokio::task::spawn_blocking(move || faults(&files))
        .await
        .map_err(|_| ApiError::internal("checking the complaints"))?;
    Ok(Json(StandingJson {
        status: e.status.as_str().to_string(),
        trustees: e.trustees,
        ceremony_id,
        round: s.round as u8 + 1,
        done: s.done,
        waiting: s.waiting,
        complained: s.complained,
        faults: faults
            .into_iter()
            .map(|f| FaultJson {
                trustee: f.trustee,
                reason: f.reason,
            })
            .collect(),
    }))
}

/// `GET /api/elections/{id}/ceremony` (the committee's pages show the
/// same).
pub async fn files(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Vec<FileJson>>, ApiError> {
    let client = app.pool().get().await?;
    visible(&client, &staff, id, false).await?;
    Ok(Json(
        db::ceremony::list(&client, id)
            .await?
            .into_iter()
            .map(|(name, size)| FileJson { name, size })
            .collect(),
    ))
}

async fn file(
    State(app): State<AppState>,
    P((id, name)): P<(i64, String)>,
    staff: Staff,
) -> Result<Response, ApiError> {
    let client = app.pool().get().await?;
    visible(&client, &staff, id, false).await?;
    let bytes = db::ceremony::file(&client, id, &name)
        .await?
        .ok_or_else(|| ApiError::not_found("no_such_file", "no such ceremony file"))?;
    Ok(json_bytes(bytes))
}

async fn upload(
    State(app): State<AppState>,
    P((id, name)): P<(i64, String)>,
    staff: Staff,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let bytes = raw_body(bytes, MAX_CEREMONY_FILE)?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    let index = trustee_index(&tx, &staff, id).await?;
    e.status.require(&[Status::Ceremony])?;
    check_upload(&name, index, &bytes)?;
    let files = db::ceremony::all(&tx, id).await?;
    let (checked, bytes) = tokio::task::spawn_blocking(move || {
        let verdict = check_proofs(&files, &name, &bytes);
        (verdict.map(|()| name), bytes)
    })
    .await
    .map_err(|_| ApiError::internal("checking an upload"))?;
    let name = checked?;
    db::ceremony::add_file(&tx, id, &name, &bytes, Some(staff.id))
        .await
        .map_err(|e| ApiError::duplicate(e, "already_uploaded", "api-file_uploaded"))?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "ceremony.upload",
        json!({"election": id, "file": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// `POST /api/elections/{id}/ceremony-restart`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestartBody {
    /// The trustee the ceremony goes on without, 1 to n.
    pub without: u32,
    /// A trustee account of the organisation that takes their number; none,
    /// and the election has one trustee fewer.
    #[serde(default)]
    pub replacement: Option<String>,
}

/// `POST /api/elections/{id}/ceremony-restart`: the committee restarts
/// the key ceremony without a trustee who cheated or vanished.
async fn restart(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
    JsonBody(body): JsonBody<RestartBody>,
) -> Result<Json<StandingJson>, ApiError> {
    {
        let mut client = app.pool().get().await?;
        let tx = client.transaction().await?;
        let e = visible(&tx, &staff, id, true).await?;
        staff.require(e.organisation, MANAGERS)?;
        e.status.require(&[Status::Ceremony])?;
        let files = db::ceremony::all(&tx, id).await?;
        let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
        let replacement = match body.replacement.as_deref().filter(|u| !u.is_empty()) {
            Some(username) => Some(
                db::organisations::trustee_account(&tx, username, e.organisation)
                    .await?
                    .ok_or_else(|| {
                        ApiError::said(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "not_a_trustee",
                            "api-not_a_trustee_account",
                            &[],
                        )
                    })?,
            ),
            None => None,
        };
        let standing = Standing::of(&names, e.trustees);
        let outcome = may_restart(
            &standing,
            e.trustees,
            e.threshold,
            body.without,
            replacement.is_some(),
        )?;
        let faults = tokio::task::spawn_blocking(move || faults(&files))
            .await
            .map_err(|_| ApiError::internal("checking the complaints"))?;
        let trustees = match (outcome, replacement) {
            (Restart::Replaced, Some(account)) => {
                db::elections::replace_trustee(&tx, id, body.without, account)
                    .await
                    .map_err(|e| ApiError::duplicate(e, "trustee_taken", "api-trustee_taken"))?;
                e.trustees
            }
            (Restart::Dropped { trustees }, _) => {
                db::elections::drop_trustee(&tx, id, body.without).await?;
                trustees
            }
            (Restart::Replaced, None) => return Err(ApiError::internal("a replacement")),
        };
        let manifest = e
            .manifest
            .clone()
            .ok_or_else(|| ApiError::internal("a frozen election without its manifest"))?;
        let params = new_params(&manifest, trustees, e.threshold);
        let params_json = serde_json::to_vec_pretty(&params)
            .map_err(|_| ApiError::internal("ceremony params"))?;
        db::ceremony::clear(&tx, id).await?;
        db::ceremony::add_file(&tx, id, CEREMONY_PARAMS, &params_json, None).await?;
        audit(
            &tx,
            Some(&staff),
            Some(e.organisation),
            "ceremony.restart",
            json!({"election": id, "without": body.without, "replacement": body.replacement,
                   "trustees": trustees, "ceremony_id": params.ceremony_id,
                   "faults": faults.iter().map(|f| json!({"trustee": f.trustee, "reason": f.reason})).collect::<Vec<_>>()}),
        )
        .await?;
        tx.commit().await?;
    }
    standing(State(app), P(id), staff).await
}
