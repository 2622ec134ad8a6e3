//! The voting period: `PUT /api/elections/{id}/schedule` sets when voting
//! opens and closes ([`crate::election::schedule`]), and [`run`] — started
//! by `valurna serve` — opens and closes elections at those times, as the
//! committee's buttons would ([`super::elections::open`], `close`), with
//! the audit entry saying it was the schedule. Several servers may run it
//! at once: each step locks the election, and a step already taken is
//! refused to the later one.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::put;
use serde_json::json;
use time::OffsetDateTime;

use super::access::{audit, visible};
use super::elections::{By, close, open};
use super::error::ApiError;
use super::extract::{JsonBody, P, Staff};
use super::state::AppState;
use crate::db;
use crate::db::elections::Due;
use crate::election::accounts::MANAGERS;
use crate::election::schedule::PeriodRequest;

/// The voting period's route.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/api/elections/{id}/schedule", put(set))
}

async fn set(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
    JsonBody(body): JsonBody<PeriodRequest>,
) -> Result<StatusCode, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    let period = body.check(e.status, OffsetDateTime::now_utc())?;
    db::elections::set_period(&tx, id, period.opens_at, period.closes_at).await?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "election.schedule",
        json!({"election": id, "opens_at": body.opens_at, "closes_at": body.closes_at}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Opens and closes the elections whose time has come, every `every`,
/// until the process ends. An opening that cannot happen yet (the key
/// ceremony is not complete) is tried again at the next turn.
pub async fn run(app: AppState, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let due = match app.pool().get().await {
            Ok(client) => db::elections::due(&client).await,
            Err(e) => Err(e.into()),
        };
        match due {
            Ok(due) => {
                for (id, step) in due {
                    let done = match step {
                        Due::Open => open(&app, id, By::Schedule).await.map(|_| ()),
                        Due::Close => close(&app, id, By::Schedule).await.map(|_| ()),
                    };
                    match done {
                        Ok(()) => tracing::info!(election = id, ?step, "voting period: done"),
                        Err(e) => {
                            tracing::info!(
                                election = id,
                                ?step,
                                code = e.code(),
                                "voting period: not yet"
                            )
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "voting period: cannot read the schedule"),
        }
    }
}
