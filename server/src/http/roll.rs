//! Importing the voter roll: a CSV file is first previewed (what would be
//! added, removed and changed, and the file's digest), then applied by
//! sending the same file with `?apply=<digest>`. A bad file is refused
//! whole, with its bad rows; nothing is half-imported.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::access::{audit, visible};
use super::error::ApiError;
use super::extract::{P, Staff, raw_body};
use super::state::AppState;
use crate::db;
use crate::election::accounts::MANAGERS;
use crate::election::lifecycle::Status;
use crate::election::roll;

/// The largest voter roll accepted, in bytes (about 5 million members).
pub const MAX_ROLL: usize = 512 << 20;

/// The roll's route.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/api/elections/{id}/roll",
        post(import_roll).layer(DefaultBodyLimit::max(MAX_ROLL)),
    )
}

/// `?apply=<digest>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyQuery {
    /// The digest a preview returned: apply exactly that file.
    pub apply: Option<String>,
}

/// What an import would change, or changed.
#[derive(Debug, Serialize, Deserialize)]
pub struct RollImport {
    /// SHA-256 of the file: pass it as `?apply=` to apply this import.
    pub digest: String,
    /// Whether it was applied.
    pub applied: bool,
    /// Members added.
    pub added: u64,
    /// Members removed.
    pub removed: u64,
    /// Members whose name, contact or district changes.
    pub changed: u64,
    /// Members left as they are.
    pub unchanged: u64,
    /// Member numbers added, removed and changed (the first 1,000 of each).
    pub members: Value,
}

fn first(list: &[String]) -> &[String] {
    list.get(..list.len().min(1000)).unwrap_or(list)
}

async fn import_roll(
    State(app): State<AppState>,
    P(id): P<i64>,
    query: Result<Query<ApplyQuery>, QueryRejection>,
    staff: Staff,
    headers: HeaderMap,
    csv: Result<Bytes, BytesRejection>,
) -> Result<Json<RollImport>, ApiError> {
    let csv = raw_body(csv, MAX_ROLL)?;
    let Query(query) = query.map_err(|e| ApiError::bad("malformed_query", e.body_text()))?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("text/csv") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type",
            "send the roll as text/csv",
        ));
    }
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    e.status.require(&[Status::Draft, Status::Nominations])?;
    let districts = db::elections::districts(&tx, id).await?;
    let new = tokio::task::spawn_blocking({
        let csv = csv.clone();
        move || roll::parse(&csv, &districts)
    })
    .await
    .map_err(|_| ApiError::internal("roll parse"))?
    .map_err(|rows| {
        ApiError::invalid(
            "bad_rows",
            format!("{} bad row(s); nothing was imported", rows.len()),
        )
        .with_details(json!({ "rows": rows.iter().take(10_000).collect::<Vec<_>>() }))
    })?;
    let old = db::roll::members(&tx, id).await?;
    let diff = roll::diff(&old, &new);
    let digest = roll::digest(&csv);
    let mut answer = RollImport {
        digest: digest.clone(),
        applied: false,
        added: diff.added.len() as u64,
        removed: diff.removed.len() as u64,
        changed: diff.changed.len() as u64,
        unchanged: diff.unchanged,
        members: json!({
            "added": first(&diff.added),
            "removed": first(&diff.removed),
            "changed": first(&diff.changed),
        }),
    };
    let Some(apply) = query.apply else {
        return Ok(Json(answer));
    };
    if apply != digest {
        return Err(ApiError::conflict(
            "stale_preview",
            "this file is not the one previewed: preview it again",
        ));
    }
    // Members in a nomination stay on the roll.
    let in_nomination = db::roll::in_nomination(&tx, id, &diff.removed).await?;
    if !in_nomination.is_empty() {
        return Err(ApiError::conflict(
            "member_in_nomination",
            format!(
                "members in a nomination cannot leave the roll: {}",
                in_nomination.join(", ")
            ),
        ));
    }
    // A nominee or proposer keeps their district: a nomination is made
    // within one district.
    let moved = roll::moved(&old, &new, &diff.changed);
    let moved_in_nomination = db::roll::in_nomination(&tx, id, &moved).await?;
    if !moved_in_nomination.is_empty() {
        return Err(ApiError::conflict(
            "member_in_nomination_moved",
            format!(
                "members in a nomination cannot move to another district (nominations are \
                 made within a district): {}; withdraw their nominations first or keep \
                 their district",
                moved_in_nomination.join(", ")
            ),
        ));
    }
    db::roll::apply(&tx, id, &diff.removed, &diff.added, &diff.changed, &new).await?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "roll.import",
        json!({"election": id, "digest": digest, "added": answer.added,
               "removed": answer.removed, "changed": answer.changed}),
    )
    .await?;
    tx.commit().await?;
    answer.applied = true;
    Ok(Json(answer))
}
