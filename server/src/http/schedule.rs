//! The voting period: `PUT /api/elections/{id}/schedule` sets when voting
//! opens and closes ([`crate::election::schedule`]), and [`run`] — started
//! by `valurna serve` — opens and closes elections at those times, as the
//! committee's buttons would ([`super::elections::open`], `close`), with
//! the audit entry saying it was the schedule. Several servers may run it
//! at once: each step locks the election, and a step already taken is
//! refused to the later one.

use std::collections::HashMap;
use std::time::{Duration, Instant};

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
use crate::election::lifecycle::Status;
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
    // Not while the election is being closed (the close checks the time
    // under this lock).
    db::elections::one_step_at_a_time(&tx, id).await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    let period = body.check(e.status, OffsetDateTime::now_utc())?;
    // Once open, the opening time is history: it stays.
    let opens_at = match e.status {
        Status::Open => e.opens_at,
        _ => period.opens_at,
    };
    db::elections::set_period(&tx, id, opens_at, period.closes_at).await?;
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

/// How long the schedule leaves an election alone after a step of it
/// could not be taken (an unfinished key ceremony, say) before it tries
/// again.
pub const RETRY: Duration = Duration::from_secs(60);

/// Opens and closes the elections whose time has come, every `every`,
/// until the process ends. A step that cannot be taken yet (the key
/// ceremony is not complete) is tried again after [`RETRY`], and said in
/// the log when its outcome changes.
pub async fn run(app: AppState, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Per election: when to try again, and the last refusal's code.
    let mut waiting: HashMap<i64, (Instant, &'static str)> = HashMap::new();
    loop {
        ticks.tick().await;
        let due = match app.pool().get().await {
            Ok(client) => db::elections::due(&client).await,
            Err(e) => Err(e.into()),
        };
        let due = match due {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "voting period: cannot read the schedule");
                continue;
            }
        };
        let now = Instant::now();
        waiting.retain(|id, _| due.iter().any(|(d, _)| d == id));
        for (id, step) in due {
            if waiting.get(&id).is_some_and(|(next, _)| *next > now) {
                continue;
            }
            let done = match step {
                Due::Open => open(&app, id, By::Schedule).await.map(|_| ()),
                Due::Close => close(&app, id, By::Schedule).await.map(|_| ()),
            };
            match done {
                Ok(()) => {
                    waiting.remove(&id);
                    tracing::info!(election = id, ?step, "voting period: done");
                }
                Err(e) => {
                    let before = waiting.insert(id, (now + RETRY, e.code()));
                    if before.map(|(_, code)| code) != Some(e.code()) {
                        tracing::info!(
                            election = id,
                            ?step,
                            code = e.code(),
                            "voting period: not yet"
                        );
                    }
                }
            }
        }
    }
}
