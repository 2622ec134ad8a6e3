//! The tally and the record: each trustee uploads a decryption share,
//! checked against the published tally before it is kept; the `t`-th
//! valid share publishes the result. The record of a closed election is
//! public, file by file.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use valurna_engine::record::DecryptionShareJson;

use super::access::{audit, trustee_index, visible};
use super::ceremony::FileJson;
use super::error::ApiError;
use super::extract::{JsonBody, P, Staff};
use super::state::AppState;
use crate::db;
use crate::election::lifecycle::Transition;
use crate::election::tally::{RECORD_FILES, check_decryption, check_sender};
use crate::record::tally::tally_finish;

/// The routes of the tally and the record.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/elections/{id}/decryptions", post(upload_decryption))
        .route("/api/elections/{id}/record", get(record_files))
        .route("/api/elections/{id}/record/{file}", get(record_file))
}

/// What the tally stands at after a decryption share.
#[derive(Debug, Serialize, Deserialize)]
pub struct TallyProgress {
    /// Valid shares so far.
    pub valid_shares: u32,
    /// Needed.
    pub threshold: u32,
    /// Whether the result is published.
    pub tallied: bool,
}

async fn upload_decryption(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
    JsonBody(body): JsonBody<DecryptionShareJson>,
) -> Result<Json<TallyProgress>, ApiError> {
    let share = body;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    let index = trustee_index(&tx, &staff, id).await?;
    e.status.require(&[Transition::Tally.from()])?;
    check_sender(index, share.trustee)?;
    let dir = app.record_dir(id);
    let checked = tokio::task::spawn_blocking({
        let (dir, share) = (dir.clone(), share.clone());
        move || check_decryption(&dir, &share)
    })
    .await
    .map_err(|_| ApiError::internal("share check"))?;
    if let Err(e) = checked {
        tracing::warn!(election = id, trustee = index, "decryption share refused");
        return Err(e.into());
    }
    let bytes = serde_json::to_vec_pretty(&share).map_err(|_| ApiError::internal("share"))?;
    let valid = db::ceremony::add_decryption(&tx, id, index, &bytes)
        .await
        .map_err(|e| ApiError::duplicate(e, "already_uploaded", "api-share_uploaded"))?;
    std::fs::write(dir.join(format!("decryption-share-{index}.json")), &bytes)
        .map_err(|_| ApiError::internal("record directory"))?;
    // Every share is in the log under its trustee; the one that completes
    // the threshold also logs the tally.
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "decryption.upload",
        json!({"election": id, "trustee": index}),
    )
    .await?;
    let tallied = valid >= e.threshold;
    if tallied {
        let step = Transition::Tally.apply(id, e.status)?;
        let (result, _) = tokio::task::spawn_blocking(move || tally_finish(&dir))
            .await
            .map_err(|_| ApiError::internal("tally"))?
            .map_err(|e| ApiError::internal(&format!("tally: {e}")))?;
        db::elections::advance(&tx, &step).await?;
        // Every member hears that the result is published.
        let link = super::messages::result_link(&app, id);
        super::messages::broadcast(
            &tx,
            id,
            crate::election::messages::Kind::Result,
            &e.title,
            &[("link", &link)],
        )
        .await?;
        audit(
            &tx,
            Some(&staff),
            Some(e.organisation),
            &step.action(),
            json!({"election": id, "contests": result.contests.len()}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(TallyProgress {
        valid_shares: valid,
        threshold: e.threshold,
        tallied,
    }))
}

async fn record_files(
    State(app): State<AppState>,
    P(id): P<i64>,
) -> Result<Json<Vec<FileJson>>, ApiError> {
    let dir = app.record_dir(id);
    if !dir.is_dir() {
        return Err(ApiError::not_found(
            "no_record",
            "no record is published for this election (yet)",
        ));
    }
    let mut list = Vec::new();
    for name in RECORD_FILES {
        if let Ok(meta) = tokio::fs::metadata(dir.join(name)).await {
            list.push(FileJson {
                name: (*name).into(),
                size: meta.len(),
            });
        }
    }
    Ok(Json(list))
}

async fn record_file(
    State(app): State<AppState>,
    P((id, file)): P<(i64, String)>,
) -> Result<Response, ApiError> {
    if !RECORD_FILES.contains(&file.as_str()) {
        return Err(ApiError::not_found("no_such_file", "no such record file"));
    }
    let f = tokio::fs::File::open(app.record_dir(id).join(&file))
        .await
        .map_err(|_| ApiError::not_found("no_such_file", "this file is not published (yet)"))?;
    let content_type = if file.ends_with(".jsonl") {
        "application/jsonl"
    } else {
        "application/json"
    };
    Ok((
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(tokio_util::io::ReaderStream::new(f)),
    )
        .into_response())
}
