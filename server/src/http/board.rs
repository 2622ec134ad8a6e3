//! The public board and what a voter checks on it: board entries, its
//! head and seal, where a tracker stands, a credential's district, and the
//! turnout per district (counts only).

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use valurna_engine::encoding::{Element, IdentityRule, decode_hex};
use valurna_engine::record::BoardLine;

use super::error::ApiError;
use super::extract::P;
use super::state::AppState;
use crate::db::ballot_box;

/// The most board entries one page returns.
pub const MAX_PAGE: u64 = 1000;

/// The board's routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/elections/{id}/board", get(board))
        .route("/api/elections/{id}/board/head", get(head))
        .route("/api/elections/{id}/trackers/{tracker}", get(tracker))
        .route("/api/elections/{id}/turnout", get(turnout))
        .route(
            "/api/elections/{id}/credentials/{credential}",
            get(credential_district),
        )
}

/// `?from=&limit=`.
#[derive(Debug, Deserialize)]
pub struct Page {
    from: Option<u64>,
    limit: Option<u64>,
}

async fn board(
    State(app): State<AppState>,
    P(id): P<i64>,
    query: Result<Query<Page>, QueryRejection>,
) -> Result<Json<Vec<BoardLine>>, ApiError> {
    let Query(page) = query.map_err(|e| ApiError::bad("malformed_query", e.body_text()))?;
    let from = page.from.unwrap_or(0);
    let limit = page.limit.unwrap_or(100).min(MAX_PAGE);
    if from > i64::MAX as u64 {
        return Err(ApiError::bad("out_of_range", "from is too large"));
    }
    Ok(Json(
        ballot_box::board_page(app.pool(), id, from, limit).await?,
    ))
}

/// The board's head.
#[derive(Debug, Serialize, Deserialize)]
pub struct HeadJson {
    /// Entries.
    pub count: u64,
    /// The last head (the genesis value for an empty board).
    pub head: String,
    /// The seal, once voting is closed.
    pub seal: Option<String>,
}

async fn head(State(app): State<AppState>, P(id): P<i64>) -> Result<Json<HeadJson>, ApiError> {
    let (count, head, seal) = ballot_box::board_head(app.pool(), id).await?;
    Ok(Json(HeadJson {
        count,
        head: hex::encode(head),
        seal: seal.map(hex::encode),
    }))
}

/// Where a tracker stands.
#[derive(Debug, Serialize, Deserialize)]
pub struct TrackerJson {
    /// Board position.
    pub position: u64,
    /// `counted` or `superseded`.
    pub status: String,
    /// The position of the ballot that counts instead, if superseded.
    pub superseded_by: Option<u64>,
}

async fn tracker(
    State(app): State<AppState>,
    path: Result<Path<(i64, String)>, PathRejection>,
) -> Result<Json<TrackerJson>, ApiError> {
    let Path((id, tracker)) = path.map_err(|e| ApiError::bad("malformed_path", e.body_text()))?;
    let bytes: [u8; 32] = decode_hex(&tracker)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            ApiError::bad("malformed_tracker", "a tracker is 64 lower-case hex digits")
        })?;
    let (position, later) = ballot_box::tracker_status(app.pool(), id, &bytes)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_on_board",
                "no ballot with this tracker",
            )
        })?;
    Ok(Json(TrackerJson {
        position,
        status: if later.is_some() {
            "superseded"
        } else {
            "counted"
        }
        .into(),
        superseded_by: later,
    }))
}

/// A listed credential's district, for a voter's device.
#[derive(Debug, Serialize, Deserialize)]
pub struct CredentialJson {
    /// The district the credential votes in.
    pub district: String,
    /// Its weight.
    pub weight: u64,
}

/// `GET /api/elections/{id}/credentials/{credential}`: the district of a
/// listed credential (public in the record's `credentials.jsonl`), so the
/// booth can show the voter their district's contests.
async fn credential_district(
    State(app): State<AppState>,
    path: Result<Path<(i64, String)>, PathRejection>,
) -> Result<Json<CredentialJson>, ApiError> {
    let Path((id, credential)) =
        path.map_err(|e| ApiError::bad("malformed_path", e.body_text()))?;
    let credential = Element::from_hex(&credential, IdentityRule::Forbidden).map_err(|_| {
        ApiError::bad(
            "malformed_credential",
            "a credential is a canonical encoding in 64 lower-case hex digits",
        )
    })?;
    let (district, weight, _) = ballot_box::credential(app.pool(), id, &credential)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "not_listed",
                "this credential is not listed for the election",
            )
        })?;
    Ok(Json(CredentialJson { district, weight }))
}

/// Turnout of one district.
#[derive(Debug, Serialize, Deserialize)]
pub struct DistrictTurnout {
    /// The district.
    pub district: String,
    /// Listed credentials.
    pub eligible: u64,
    /// Credentials with a ballot on the board.
    pub voted: u64,
}

async fn turnout(
    State(app): State<AppState>,
    P(id): P<i64>,
) -> Result<Json<Vec<DistrictTurnout>>, ApiError> {
    app.loaded(id).await?;
    let rows = app.turnout(id).await?;
    Ok(Json(
        rows.iter()
            .map(|(district, eligible, voted)| DistrictTurnout {
                district: district.clone(),
                eligible: *eligible,
                voted: *voted,
            })
            .collect(),
    ))
}
