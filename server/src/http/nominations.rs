//! Trustees and nominations. The committee names the trustees, sees every
//! nomination and decides on the accepted ones; members (signed in with a
//! one-time code) propose candidates in their own district, answer their
//! own nominations and write a presentation; once the manifest is frozen
//! the candidates are public. The rules are in
//! [`crate::election::nominations`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::access::{audit, election, visible};
use super::error::ApiError;
use super::extract::{JsonBody, Member, P, Staff};
use super::organisations::Created;
use super::state::AppState;
use crate::db;
use crate::election::accounts::MANAGERS;
use crate::election::lifecycle::Status;
use crate::election::nominations as rules;
use crate::election::opening::number_candidates;
use crate::election::setup::check_trustee_index;

/// The routes of trustees and nominations.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/elections/{id}/trustees", post(name_trustee))
        .route("/api/elections/{id}/nominations", get(list))
        .route("/api/elections/{id}/nominations/{n}/decision", post(decide))
        .route("/api/elections/{id}/candidates", get(candidates))
        .route("/api/member/nominations", get(mine).post(nominate))
        .route("/api/member/nominations/{n}/respond", post(respond))
        .route("/api/member/presentation", put(presentation))
}

/// `POST /api/elections/{id}/trustees`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameTrustee {
    /// A trustee account of the organisation.
    pub username: String,
    /// Its trustee number, 1 to n.
    pub index: u32,
}

async fn name_trustee(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
    JsonBody(body): JsonBody<NameTrustee>,
) -> Result<StatusCode, ApiError> {
    let req = body;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    e.status.require(&[Status::Draft, Status::Nominations])?;
    check_trustee_index(req.index, e.trustees)?;
    let account = db::organisations::trustee_account(&tx, &req.username, e.organisation)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                "not_a_trustee",
                "no trustee account of this organisation has this username",
            )
        })?;
    db::elections::name_trustee(&tx, id, req.index, account)
        .await
        .map_err(|e| ApiError::duplicate(e, "trustee_taken", "api-trustee_taken"))?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "trustee.assign",
        json!({"election": id, "index": req.index, "staff": account}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A nomination as the committee sees it.
#[derive(Debug, Serialize, Deserialize)]
pub struct NominationJson {
    /// Its id.
    pub id: i64,
    /// The district.
    pub district: String,
    /// The nominee's member number.
    pub nominee: String,
    /// The nominee's name.
    pub name: String,
    /// The proposer's member number.
    pub proposer: String,
    /// `proposed`, `accepted`, `declined`, `approved` or `rejected`.
    pub status: String,
    /// The committee's reason for a rejection.
    pub reason: Option<String>,
    /// The candidate's presentation.
    pub presentation: Option<String>,
}

/// `GET /api/elections/{id}/nominations` (the committee's pages show the
/// same).
pub async fn list(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Vec<NominationJson>>, ApiError> {
    let client = app.pool().get().await?;
    visible(&client, &staff, id, false).await?;
    Ok(Json(
        db::nominations::list(&client, id)
            .await?
            .into_iter()
            .map(|n| NominationJson {
                id: n.id,
                district: n.district,
                nominee: n.nominee,
                name: n.name,
                proposer: n.proposer,
                status: n.status,
                reason: n.reason,
                presentation: n.presentation,
            })
            .collect(),
    ))
}

/// `POST /api/elections/{id}/nominations/{n}/decision`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Approve (true) or reject (false).
    pub approve: bool,
    /// Required for a rejection.
    pub reason: Option<String>,
}

async fn decide(
    State(app): State<AppState>,
    P((id, n)): P<(i64, i64)>,
    staff: Staff,
    JsonBody(body): JsonBody<Decision>,
) -> Result<StatusCode, ApiError> {
    let req = body;
    let reason = rules::decision_reason(req.approve, req.reason)?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    e.status.require(&[Status::Nominations])?;
    let status = db::nominations::status_for_update(&tx, id, n, None)
        .await?
        .ok_or_else(|| ApiError::not_found("no_such_nomination", "no such nomination"))?;
    let to = rules::decide(&status, req.approve)?;
    db::nominations::set_status(&tx, n, to, reason.as_deref()).await?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        &format!("nomination.{to}"),
        json!({"election": id, "nomination": n}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An approved candidate, public.
#[derive(Debug, Serialize, Deserialize)]
pub struct CandidateJson {
    /// The district.
    pub district: String,
    /// The candidate's id in the manifest.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Presentation.
    pub presentation: Option<String>,
}

/// The approved candidates of an election with their presentations and
/// the ids the frozen manifest gives them (`c1`, `c2`, … per district).
pub async fn candidate_list(
    client: &impl db::GenericClient,
    id: i64,
) -> Result<Vec<CandidateJson>, ApiError> {
    Ok(
        number_candidates(db::nominations::approved(client, id).await?)
            .into_iter()
            .map(|c| CandidateJson {
                district: c.district,
                id: Some(c.id),
                name: c.name,
                presentation: c.presentation,
            })
            .collect(),
    )
}

/// `GET /api/elections/{id}/candidates`: public once the manifest is
/// frozen.
async fn candidates(
    State(app): State<AppState>,
    P(id): P<i64>,
) -> Result<Json<Vec<CandidateJson>>, ApiError> {
    let client = app.pool().get().await?;
    let e = election(&client, id, false).await?;
    if !e.status.frozen() {
        return Err(ApiError::conflict(
            "not_frozen",
            "the candidates are published when nominations close",
        ));
    }
    Ok(Json(candidate_list(&client, id).await?))
}

/// A nomination as a member sees it.
#[derive(Debug, Serialize, Deserialize)]
pub struct MyNomination {
    /// Its id.
    pub id: i64,
    /// `nominee` (you were nominated) or `proposer` (you nominated).
    pub role: String,
    /// The nominee's member number.
    pub nominee: String,
    /// Its status.
    pub status: String,
    /// The committee's reason, if rejected.
    pub reason: Option<String>,
    /// The presentation.
    pub presentation: Option<String>,
}

async fn mine(
    State(app): State<AppState>,
    member: Member,
) -> Result<Json<Vec<MyNomination>>, ApiError> {
    let client = app.pool().get().await?;
    Ok(Json(
        db::nominations::of_member(&client, member.id)
            .await?
            .into_iter()
            .map(|n| MyNomination {
                id: n.id,
                role: n.role,
                nominee: n.nominee,
                status: n.status,
                reason: n.reason,
                presentation: n.presentation,
            })
            .collect(),
    ))
}

/// The member's election's title, if its nominations are open.
async fn nominations_open(
    tx: &impl db::GenericClient,
    member: &Member,
) -> Result<String, ApiError> {
    let e = election(tx, member.election, false).await?;
    rules::require_open(e.status)?;
    Ok(e.title)
}

/// `POST /api/member/nominations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nominate {
    /// The nominee's member number (your own to stand yourself).
    pub nominee: String,
}

async fn nominate(
    State(app): State<AppState>,
    member: Member,
    JsonBody(body): JsonBody<Nominate>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let req = body;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let title = nominations_open(&tx, &member).await?;
    // The number as a member types it: normalised as the roll's numbers are.
    let number = crate::election::roll::normalise_member_number(&req.nominee);
    let nominee = db::roll::by_number(&tx, member.election, &number)
        .await?
        .ok_or_else(|| ApiError::not_found("no_such_member", "no member with this number"))?;
    let own = nominee.id == member.id;
    let status = rules::nominate(&member.district, &nominee.district, own)?;
    let id = db::nominations::create(&tx, member.election, nominee.id, member.id, status)
        .await
        .map_err(|e| ApiError::duplicate(e, "already_nominated", "api-already_nominated"))?;
    if let (false, Some(contact)) = (own, &nominee.contact) {
        let link = super::messages::nominations_link(&app);
        let (subject, body) = super::messages::letter(
            &tx,
            member.election,
            crate::election::messages::Kind::Nominated,
            &title,
            &[("link", &link)],
        )
        .await?;
        let to = db::outbox::To {
            contact,
            member_number: &number,
            name: &nominee.name,
        };
        db::outbox::queue_many(&tx, member.election, &subject, &[to], &[&body]).await?;
    }
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// `POST /api/member/nominations/{n}/respond`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Respond {
    /// Accept (true) or decline (false).
    pub accept: bool,
}

async fn respond(
    State(app): State<AppState>,
    P(n): P<i64>,
    member: Member,
    JsonBody(body): JsonBody<Respond>,
) -> Result<StatusCode, ApiError> {
    let req = body;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    nominations_open(&tx, &member).await?;
    let status = db::nominations::status_for_update(&tx, member.election, n, Some(member.id))
        .await?
        .ok_or_else(|| {
            ApiError::not_found("no_such_nomination", "no nomination of yours has this id")
        })?;
    let to = rules::respond(&status, req.accept)?;
    db::nominations::set_status(&tx, n, to, None).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/member/presentation`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presentation {
    /// At most [`rules::MAX_PRESENTATION`] characters; line breaks allowed.
    pub text: String,
}

async fn presentation(
    State(app): State<AppState>,
    member: Member,
    JsonBody(body): JsonBody<Presentation>,
) -> Result<StatusCode, ApiError> {
    let req = body;
    let text = rules::presentation(&req.text)?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    nominations_open(&tx, &member).await?;
    let changed = db::nominations::set_presentation(&tx, member.id, text).await?;
    if changed.is_empty() {
        return Err(ApiError::not_found(
            "no_such_nomination",
            "you have no standing nomination",
        ));
    }
    // What the committee approved is what stands: a new presentation goes
    // back to its review, and the log says so.
    for (nomination, back) in changed.iter().filter(|(_, back)| *back) {
        db::audit::write_for_election(
            &tx,
            member.election,
            "nomination.presentation_changed",
            &serde_json::json!({"nomination": nomination, "back_to_review": back}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
