//! The outbox, for an organisation that mails its members itself:
//! `POST /api/elections/{id}/outbox/export` hands out every waiting
//! message as CSV (`recipient,subject,body`) and removes them in the same
//! transaction, so each is handed out once.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use super::access::{audit, visible};
use super::error::ApiError;
use super::extract::{P, Staff};
use super::state::AppState;
use crate::db;
use crate::election::accounts::MANAGERS;
use crate::election::text::csv_cell;

/// The outbox's route.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/api/elections/{id}/outbox/export", post(export))
}

async fn export(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Response, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    let messages = db::outbox::take_all(&tx, id).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["recipient", "subject", "body"])
        .map_err(|_| ApiError::internal("csv"))?;
    for m in &messages {
        // Cells a spreadsheet would run are written as text.
        w.write_record([&m.recipient, &m.subject, &m.body].map(|c| csv_cell(c).into_owned()))
            .map_err(|_| ApiError::internal("csv"))?;
    }
    let out = w.into_inner().map_err(|_| ApiError::internal("csv"))?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "outbox.export",
        json!({"election": id, "messages": messages.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        Body::from(out),
    )
        .into_response())
}
