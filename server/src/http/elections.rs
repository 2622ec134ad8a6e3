//! An election, from draft to tallied: creating it, its overview, and the
//! lifecycle's transitions ([`crate::election::lifecycle`]) — opening
//! nominations, freezing the manifest, opening voting, closing voting —
//! and, once tallied, retention.
//!
//! Every change staff make is written to the append-only audit log in the
//! same transaction. Personal data (names, contacts) never goes to the log,
//! the audit log or an error message.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::access::{audit, election, visible};
use super::error::ApiError;
use super::extract::{JsonBody, P, Staff};
use super::organisations::Created;
use super::state::AppState;
use crate::db::{self, StoreError};
use crate::election::accounts::{MANAGERS, Role};
use crate::election::ceremony::{CEREMONY_PARAMS, new_params};
use crate::election::lifecycle::{Status, Transition};
use crate::election::messages::Kind as MessageKind;
use crate::election::opening::{self, DistrictCount, Frozen};
use crate::election::setup::NewElection;
use crate::election::tally::Retention;

/// The routes of an election and its lifecycle.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/organisations/{org}/elections", post(create))
        .route("/api/elections/{id}", get(overview))
        .route(
            "/api/elections/{id}/nominations/open",
            post(open_nominations),
        )
        .route("/api/elections/{id}/freeze", post(freeze))
        .route("/api/elections/{id}/open", post(open_voting))
        .route("/api/elections/{id}/close", post(close_voting))
        .route("/api/elections/{id}/retention", post(retention))
}

async fn create(
    State(app): State<AppState>,
    P(org): P<i64>,
    staff: Staff,
    lang: crate::i18n::Lang,
    JsonBody(body): JsonBody<NewElection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    staff.require(org, MANAGERS)?;
    let req = body;
    req.check()?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let id = db::elections::create(&tx, org, &req)
        .await
        .map_err(|e| ApiError::duplicate(e, "election_id_taken", "api-election_id_taken"))?
        .ok_or_else(|| ApiError::not_found("no_such_organisation", "no such organisation"))?;
    // Its messages go out in the language of the person who made it.
    db::messages::set_language(&tx, id, lang).await?;
    audit(
        &tx,
        Some(&staff),
        Some(org),
        "election.create",
        json!({"election": id, "election_id": req.election_id, "districts": req.districts.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Per district: what the committee's overview shows.
#[derive(Debug, Serialize, Deserialize)]
pub struct DistrictOverview {
    /// The district.
    pub district: String,
    /// Seats.
    pub seats: u32,
    /// Members on the roll.
    pub eligible: u64,
    /// Nominations made.
    pub nominations: u64,
    /// Nominees who accepted (approved or not yet decided).
    pub accepted: u64,
    /// Candidates the committee approved.
    pub approved: u64,
    /// Fewer approved candidates than seats.
    pub lacking: bool,
}

/// A trustee named for an election.
#[derive(Debug, Serialize, Deserialize)]
pub struct TrusteeAccount {
    /// Its trustee number.
    pub index: u32,
    /// Its account.
    pub username: String,
}

/// `GET /api/elections/{id}`: the committee's overview.
#[derive(Debug, Serialize, Deserialize)]
pub struct ElectionJson {
    /// Its id.
    pub id: i64,
    /// Its organisation.
    pub organisation: i64,
    /// The election's id within the organisation.
    pub election_id: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: String,
    /// `n`.
    pub trustees: u32,
    /// `t`.
    pub threshold: u32,
    /// The trustees named so far.
    pub trustee_accounts: Vec<TrusteeAccount>,
    /// Per district.
    pub districts: Vec<DistrictOverview>,
    /// Districts with fewer approved candidates than seats.
    pub lacking: Vec<String>,
    /// When voting opens by itself, RFC 3339.
    pub opens_at: Option<String>,
    /// When voting closes by itself, RFC 3339.
    pub closes_at: Option<String>,
}

/// A time as RFC 3339 (UTC).
pub fn rfc3339(t: time::OffsetDateTime) -> Option<String> {
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

async fn districts(
    client: &impl db::GenericClient,
    id: i64,
) -> Result<Vec<DistrictOverview>, ApiError> {
    Ok(db::elections::overview(client, id)
        .await?
        .into_iter()
        .map(|d| DistrictOverview {
            lacking: d.approved < u64::from(d.seats),
            district: d.district,
            seats: d.seats,
            eligible: d.eligible,
            nominations: d.nominations,
            accepted: d.accepted,
            approved: d.approved,
        })
        .collect())
}

/// `GET /api/elections/{id}` (the committee's pages show the same).
pub async fn overview(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<ElectionJson>, ApiError> {
    let client = app.pool().get().await?;
    let e = visible(&client, &staff, id, false).await?;
    let districts = districts(&client, id).await?;
    let trustee_accounts = db::elections::trustees(&client, id)
        .await?
        .into_iter()
        .map(|(index, username)| TrusteeAccount { index, username })
        .collect();
    Ok(Json(ElectionJson {
        id,
        opens_at: e.opens_at.and_then(rfc3339),
        closes_at: e.closes_at.and_then(rfc3339),
        organisation: e.organisation,
        election_id: e.election_id,
        title: e.title,
        status: e.status.as_str().into(),
        trustees: e.trustees,
        threshold: e.threshold,
        trustee_accounts,
        lacking: districts
            .iter()
            .filter(|d| d.lacking)
            .map(|d| d.district.clone())
            .collect(),
        districts,
    }))
}

async fn open_nominations(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<StatusCode, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    let step = Transition::OpenNominations.apply(id, e.status)?;
    if db::roll::count(&tx, id).await? == 0 {
        return Err(ApiError::conflict(
            "empty_roll",
            "import the voter roll first",
        ));
    }
    db::elections::advance(&tx, &step).await?;
    // Every member hears that nominations are open.
    let link = super::messages::nominations_link(&app);
    let told = super::messages::broadcast(
        &tx,
        id,
        MessageKind::NominationsOpen,
        &e.title,
        &[("link", &link)],
    )
    .await?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        &step.action(),
        json!({"election": id, "messages": told}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn freeze(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Value>, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    let step = Transition::Freeze.apply(id, e.status)?;
    let named = db::elections::trustees(&tx, id).await?.len() as u64;
    let counts: Vec<DistrictCount> = db::elections::overview(&tx, id)
        .await?
        .into_iter()
        .map(|d| DistrictCount {
            district: d.district,
            seats: d.seats,
            approved: d.approved,
        })
        .collect();
    let candidates = opening::number_candidates(db::nominations::approved(&tx, id).await?);
    let manifest = opening::freeze(
        &Frozen {
            organisation: &e.org_slug,
            election_id: &e.election_id,
            title: &e.title,
            trustees: e.trustees,
            named,
        },
        &counts,
        candidates,
    )?;
    let bytes = manifest.to_json();
    let params = new_params(&bytes, e.trustees, e.threshold);
    let params_json =
        serde_json::to_vec_pretty(&params).map_err(|_| ApiError::internal("ceremony params"))?;
    db::elections::set_manifest(&tx, id, &bytes).await?;
    db::ceremony::add_file(&tx, id, CEREMONY_PARAMS, &params_json, None).await?;
    db::elections::advance(&tx, &step).await?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        &step.action(),
        json!({"election": id, "manifest_hash": params.manifest_hash}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({
        "manifest_hash": params.manifest_hash,
        "ceremony_id": params.ceremony_id,
    })))
}

/// Who takes a lifecycle step: one of the election's managers, or its
/// voting period ([`super::schedule`]).
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// A signed-in manager.
    Staff(&'a Staff),
    /// The voting period's opening or closing time.
    Schedule,
}

impl<'a> By<'a> {
    /// The election, locked with `lock`, if `self` may manage it.
    async fn election(
        self,
        client: &impl db::GenericClient,
        id: i64,
        lock: bool,
    ) -> Result<db::elections::ElectionRow, ApiError> {
        match self {
            By::Staff(staff) => {
                let e = visible(client, staff, id, lock).await?;
                staff.require(e.organisation, MANAGERS)?;
                Ok(e)
            }
            By::Schedule => election(client, id, lock).await,
        }
    }

    fn staff(self) -> Option<&'a Staff> {
        match self {
            By::Staff(staff) => Some(staff),
            By::Schedule => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            By::Staff(_) => "staff",
            By::Schedule => "schedule",
        }
    }
}

async fn open_voting(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Value>, ApiError> {
    open(&app, id, By::Staff(&staff)).await.map(Json)
}

/// The schedule's step is not due on the locked row (its time moved).
fn not_due() -> ApiError {
    ApiError::conflict("not_due", "the voting period's time has moved")
}

/// Opens voting: checks the whole ceremony, loads the ballot box, queues
/// the voting codes.
pub async fn open(app: &AppState, id: i64, by: By<'_>) -> Result<Value, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = by.election(&tx, id, true).await?;
    let step = Transition::OpenVoting.apply(id, e.status)?;
    let now = time::OffsetDateTime::now_utc();
    // A voting period that is over never opens, by hand or by itself.
    if e.closes_at.is_some_and(|c| c <= now) {
        return Err(ApiError::said(
            StatusCode::CONFLICT,
            "period_over",
            "api-period_past",
            &[],
        ));
    }
    // The schedule re-checks the time on the locked row: the committee may
    // have moved it since the schedule read it.
    if matches!(by, By::Schedule) && e.opens_at.is_none_or(|o| o > now) {
        return Err(not_due());
    }
    let manifest_bytes = e
        .manifest
        .clone()
        .ok_or_else(|| ApiError::internal("frozen election without a manifest"))?;
    let ceremony = db::ceremony::all(&tx, id).await?;
    let voters = db::roll::voters(&tx, id).await?;
    let districts: Vec<String> = voters.iter().map(|v| v.district.clone()).collect();
    let (setup, codes) = tokio::task::spawn_blocking(move || {
        opening::prepare(ceremony, &manifest_bytes, &districts)
    })
    .await
    .map_err(|_| ApiError::internal("opening"))??;
    db::ballot_box::load_election_in(&tx, Some(id), &setup, app.receipt_key().public()).await?;
    // The voting codes go to the outbox, and nowhere else.
    let (lang, template) = super::messages::template(&tx, id, MessageKind::VotingCode).await?;
    let link = super::messages::booth_link(app, id);
    let closes = super::messages::closes_text(lang, e.closes_at);
    let mut subject = String::new();
    for chunk in voters.iter().zip(&codes).collect::<Vec<_>>().chunks(10_000) {
        let mut to = Vec::with_capacity(chunk.len());
        let mut bodies = Vec::with_capacity(chunk.len());
        for (voter, code) in chunk {
            let Some(contact) = voter.contact.as_deref() else {
                continue;
            };
            let shown = Zeroizing::new(code.display());
            let (s, body) = template.render(&[
                ("election", &e.title),
                ("code", &shown),
                ("link", &link),
                ("closes", &closes),
            ]);
            subject = s;
            to.push(db::outbox::To {
                contact,
                member_number: &voter.member_number,
                name: &voter.name,
            });
            bodies.push(body);
        }
        let body_refs: Vec<&str> = bodies.iter().map(|b| b.as_str()).collect();
        db::outbox::queue_many(&tx, id, &subject, &to, &body_refs).await?;
    }
    db::elections::set_voting_opened(&tx, id).await?;
    db::elections::advance(&tx, &step).await?;
    audit(
        &tx,
        by.staff(),
        Some(e.organisation),
        &step.action(),
        json!({"election": id, "credentials": codes.len(),
               "base_hash": hex::encode(setup.base_hash), "by": by.name()}),
    )
    .await?;
    tx.commit().await?;
    Ok(json!({
        "credentials": codes.len(),
        "joint_key": setup.parameters.joint_key,
        "base_hash": hex::encode(setup.base_hash),
    }))
}

async fn close_voting(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Value>, ApiError> {
    close(&app, id, By::Staff(&staff)).await.map(Json)
}

/// Closes voting: seals the board and publishes the record up to the
/// encrypted tally.
pub async fn close(app: &AppState, id: i64, by: By<'_>) -> Result<Value, ApiError> {
    // One close of an election at a time (a committee's and the
    // schedule's, or two servers'): the second finds it closed.
    let mut guard_client = app.pool().get().await?;
    let guard = guard_client.transaction().await?;
    db::elections::one_step_at_a_time(&guard, id).await?;
    let e = by.election(&guard, id, false).await?;
    Transition::CloseVoting.apply(id, e.status)?;
    if matches!(by, By::Schedule)
        && e.closes_at
            .is_none_or(|c| c > time::OffsetDateTime::now_utc())
    {
        return Err(not_due());
    }
    // Sealing is its own transaction (it locks the ballot box's row, as
    // every append does); a retry after a failure below finds it closed.
    match db::ballot_box::close(app.pool(), id).await {
        Ok(_) | Err(StoreError::Closed) => {}
        Err(e) => return Err(e.into()),
    }
    let dir = app.record_dir(id);
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(|_| ApiError::internal("data directory"))?;
    }
    if !dir.exists() {
        db::export::export(app.pool(), id, &dir).await?;
    }
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = election(&tx, id, true).await?;
    let step = Transition::CloseVoting.apply(id, e.status)?;
    let (count, head, seal) = db::ballot_box::board_head(app.pool(), id).await?;
    db::elections::advance(&tx, &step).await?;
    audit(
        &tx,
        by.staff(),
        Some(e.organisation),
        &step.action(),
        json!({"election": id, "board": count, "seal": seal.map(hex::encode), "by": by.name()}),
    )
    .await?;
    tx.commit().await?;
    guard.commit().await?;
    Ok(json!({
        "count": count,
        "head": hex::encode(head),
        "seal": seal.map(hex::encode),
    }))
}

/// `POST /api/elections/{id}/retention`: the organisation's admin deletes
/// the election's personal data after the result is published.
async fn retention(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Retention>, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, &[Role::OrgAdmin])?;
    e.status.require(&[Status::Tallied])?;
    let removed = db::roll::retention(&tx, id).await?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "retention.apply",
        json!({"election": id, "contacts": removed.contacts, "names": removed.names,
               "messages": removed.messages, "sessions": removed.sessions}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(removed))
}
