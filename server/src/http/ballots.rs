//! Casting a ballot (`POST /api/elections/{id}/ballots`) and what a voter's
//! device needs to encrypt one (`manifest.json`, `parameters.json`).
//!
//! Casting checks, cheapest first: the body's size and JSON shape, base64,
//! a replay of a ballot already on the board (answered with its old
//! receipt, nothing stored), the credential being listed and the election
//! open, then — admitted to a bounded queue (or answered 503 at once) and
//! run two per core — strict decoding, the contests being the district's,
//! the signature and every proof. The board is appended by the
//! [board writer](super::board_writer) and the signed receipt
//! (record.md §5.7) is sent only after its commit.

use axum::Json;
use axum::extract::State;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use valurna_engine::ballot::Ballot;
use valurna_engine::encoding::{Element, IdentityRule};

use super::board_writer::Job;
use super::error::ApiError;
use super::extract::{ClientIp, JsonBody, P};
use super::state::{AppState, Loaded};
use crate::db::StoreError;
use crate::db::ballot_box::{self, Cast, SignedReceipt};

/// The routes of casting.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/elections/{id}/ballots", post(cast))
        .route("/api/elections/{id}/manifest.json", get(manifest_file))
        .route("/api/elections/{id}/parameters.json", get(parameters_file))
}

/// `GET /api/elections/{id}/manifest.json`: what a voter's device needs,
/// byte for byte as it is hashed.
async fn manifest_file(State(app): State<AppState>, P(id): P<i64>) -> Result<Response, ApiError> {
    let stored = ballot_box::election(app.pool(), id).await?;
    Ok(json_bytes(stored.manifest))
}

/// `GET /api/elections/{id}/parameters.json`: the joint key and hashes.
async fn parameters_file(State(app): State<AppState>, P(id): P<i64>) -> Result<Response, ApiError> {
    let stored = ballot_box::election(app.pool(), id).await?;
    Ok(json_bytes(stored.parameters))
}

/// A stored JSON file as the answer.
pub fn json_bytes(bytes: Vec<u8>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}

/// `POST /api/elections/{id}/ballots`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CastRequest {
    /// The ballot's bytes (record.md §5.1), base64.
    pub ballot: String,
}

/// A receipt as JSON (record.md §5.7).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReceiptJson {
    /// The manifest's `election_id`.
    pub election: String,
    /// Board position.
    pub position: u64,
    /// The tracker, hex.
    pub tracker: String,
    /// The chain head after this entry, hex.
    pub head: String,
    /// The ballot box's receipt key, hex.
    pub server_key: String,
    /// The signature, hex.
    pub signature: String,
}

fn receipt_json(l: &Loaded, key: &Element, r: &SignedReceipt) -> ReceiptJson {
    ReceiptJson {
        election: l.election_id.clone(),
        position: r.receipt.position,
        tracker: hex::encode(r.receipt.tracker),
        head: hex::encode(r.receipt.head),
        server_key: key.to_hex(),
        signature: hex::encode(r.signature),
    }
}

async fn cast(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    P(id): P<i64>,
    body: Result<JsonBody<CastRequest>, ApiError>,
) -> Result<(StatusCode, Json<ReceiptJson>), ApiError> {
    // A client whose ballots keep being refused waits (super::limits).
    if let Some(ip) = ip
        && app.limiter().blocked(ip)
    {
        app.metrics().ballot_rejected("rate_limited");
        return Err(ApiError::too_many(
            "rate_limited",
            "too many refused ballots from this address; try again in 10 seconds",
            super::limits::WINDOW.as_secs(),
        ));
    }
    let outcome = cast_ballot(&app, id, body).await;
    match &outcome {
        Ok((status, _)) => app.metrics().ballot_accepted(*status == StatusCode::OK),
        Err(e) => {
            app.metrics().ballot_rejected(e.code());
            if let Some(ip) = ip
                && e.status().is_client_error()
            {
                app.limiter().refused(ip);
            }
        }
    }
    outcome
}

async fn cast_ballot(
    app: &AppState,
    id: i64,
    body: Result<JsonBody<CastRequest>, ApiError>,
) -> Result<(StatusCode, Json<ReceiptJson>), ApiError> {
    let JsonBody(request) = body?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&request.ballot)
        .map_err(|_| ApiError::bad("malformed_ballot", "the ballot is not canonical base64"))?;
    let l = app.loaded(id).await?;
    let tracker = Ballot::tracker(&bytes);
    // A ballot already on the board: its receipt again, nothing new stored.
    if let Some(r) = ballot_box::find_receipt(app.pool(), id, &tracker).await? {
        return Ok((
            StatusCode::OK,
            Json(receipt_json(&l, app.receipt_key().public(), &r)),
        ));
    }
    // The credential is the ballot's first 32 bytes: look it up (and
    // whether voting is open) before any expensive work.
    let credential = bytes
        .get(..32)
        .and_then(|c| Element::decode(c, IdentityRule::Forbidden).ok())
        .ok_or_else(|| ApiError::bad("malformed_ballot", "the ballot's credential is malformed"))?;
    let (district, _, open) = ballot_box::credential(app.pool(), id, &credential)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "unlisted_credential",
                "the ballot's credential is not on this election's list",
            )
        })?;
    if !open {
        return Err(StoreError::Closed.into());
    }
    let contests = l.districts.get(&district).cloned().unwrap_or_default();
    let kib = u32::try_from(bytes.len().div_ceil(1024)).unwrap_or(u32::MAX);
    let _admitted = app
        .admitted()
        .clone()
        .try_acquire_many_owned(kib)
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the ballot box is busy; try again in a moment",
            )
        })?;
    let running = app.running().clone().acquire_owned().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "shutting down",
        )
    })?;
    let ctx = l.clone();
    let verified = tokio::task::spawn_blocking(move || {
        let _running = running;
        let ballot = Ballot::decode(&bytes, &ctx.ctx)
            .map_err(|e| ApiError::bad("malformed_ballot", e.to_string()))?;
        ballot.verify(&ctx.ctx, &contests).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_ballot",
                e.to_string(),
            )
        })
    })
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "verification stopped",
        )
    })??;
    let (reply, answer) = oneshot::channel();
    let job = Job {
        election: id,
        base_hash: l.ctx.base_hash,
        ballot: verified,
        reply,
    };
    let unavailable = || {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the ballot box is shutting down; try again",
        )
    };
    app.writer().send(job).await.map_err(|_| unavailable())?;
    let cast = answer.await.map_err(|_| unavailable())??;
    Ok(match cast {
        Cast::Appended(r) => (
            StatusCode::CREATED,
            Json(receipt_json(&l, app.receipt_key().public(), &r)),
        ),
        Cast::Replayed(r) => (
            StatusCode::OK,
            Json(receipt_json(&l, app.receipt_key().public(), &r)),
        ),
        Cast::Closed => return Err(StoreError::Closed.into()),
    })
}
