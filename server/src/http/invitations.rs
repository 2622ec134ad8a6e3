//! Staff accounts by invitation (SECURITY.md, staff accounts): an
//! organisation's admin (or the platform admin) makes a one-time link for
//! a role; whoever opens it chooses their own username and password, so
//! no password ever passes through the admin. A link works once, for
//! [`VALID_DAYS`] days, and can be revoked while open; only its SHA-256
//! is kept.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zeroize::Zeroizing;

use super::access::{audit, password_hash};
use super::error::ApiError;
use super::extract::{JsonBody, P, Staff};
use super::organisations::{Created, staff_role};
use super::state::AppState;
use crate::db;
use crate::election::accounts::{self, Role};
use crate::election::text;

/// How long an invitation link works.
pub const VALID_DAYS: i32 = 7;

/// The longest note on an invitation, in bytes.
const MAX_NOTE: usize = 200;

/// The invitations' routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/api/organisations/{org}/invitations",
            post(create).get(list),
        )
        .route(
            "/api/organisations/{org}/invitations/{id}/revoke",
            post(revoke),
        )
        .route("/api/invitations/{token}", get(show).post(accept))
}

/// `POST /api/organisations/{org}/invitations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    /// `org_admin`, `committee`, `trustee` or `observer`.
    pub role: String,
    /// Whom it is for, in the admin's words (shown in the list only).
    #[serde(default)]
    pub note: String,
}

/// A fresh invitation: the link is shown once and never again.
#[derive(Debug, Serialize, Deserialize)]
pub struct InvitationLink {
    /// Its id.
    pub id: i64,
    /// The page that takes it, `/staff/invite/{token}`.
    pub path: String,
    /// When it stops working, RFC 3339.
    pub expires_at: String,
}

async fn create(
    State(app): State<AppState>,
    P(org): P<i64>,
    staff: Staff,
    JsonBody(body): JsonBody<NewInvitation>,
) -> Result<(StatusCode, Json<InvitationLink>), ApiError> {
    staff.require(org, &[Role::OrgAdmin])?;
    let role = staff_role(&body.role)?;
    let note = body.note.trim();
    if !note.is_empty() && !text::display_ok(note, MAX_NOTE, false) {
        return Err(ApiError::invalid(
            "invalid_field",
            format!(
                "note: at most {MAX_NOTE} bytes on one line, no control or invisible characters"
            ),
        ));
    }
    let token = accounts::token();
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let (id, expires_at) = db::invitations::create(
        &tx,
        org,
        role.as_str(),
        note,
        &accounts::token_hash(&token),
        staff.id,
        VALID_DAYS,
    )
    .await?
    .ok_or_else(|| ApiError::not_found("no_such_organisation", "no such organisation"))?;
    audit(
        &tx,
        Some(&staff),
        Some(org),
        "invitation.create",
        json!({"invitation": id, "role": role.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationLink {
            id,
            path: format!("/staff/invite/{}", token.as_str()),
            expires_at,
        }),
    ))
}

/// An invitation as its organisation's admins see it (never its link).
#[derive(Debug, Serialize, Deserialize)]
pub struct InvitationJson {
    /// Its id.
    pub id: i64,
    /// The role it gives.
    pub role: String,
    /// Whom it is for.
    pub note: String,
    /// When it was made, RFC 3339.
    pub created_at: String,
    /// When it stops working, RFC 3339.
    pub expires_at: String,
    /// `open`, `used`, `expired` or `revoked`.
    pub state: String,
    /// The account it became.
    pub used_by: Option<String>,
}

impl From<db::invitations::InvitationRow> for InvitationJson {
    fn from(r: db::invitations::InvitationRow) -> Self {
        InvitationJson {
            id: r.id,
            role: r.role,
            note: r.note,
            created_at: r.created_at,
            expires_at: r.expires_at,
            state: r.state,
            used_by: r.used_by,
        }
    }
}

/// The organisation's invitations, newest first.
pub async fn invitations_of(
    app: &AppState,
    staff: &Staff,
    org: i64,
) -> Result<Vec<InvitationJson>, ApiError> {
    staff.require(org, &[Role::OrgAdmin])?;
    let client = app.pool().get().await?;
    let rows = db::invitations::of(&client, org).await?;
    Ok(rows.into_iter().map(InvitationJson::from).collect())
}

async fn list(
    State(app): State<AppState>,
    P(org): P<i64>,
    staff: Staff,
) -> Result<Json<Vec<InvitationJson>>, ApiError> {
    invitations_of(&app, &staff, org).await.map(Json)
}

async fn revoke(
    State(app): State<AppState>,
    P((org, id)): P<(i64, i64)>,
    staff: Staff,
) -> Result<StatusCode, ApiError> {
    staff.require(org, &[Role::OrgAdmin])?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    if !db::invitations::revoke(&tx, org, id).await? {
        return Err(ApiError::not_found(
            "no_such_invitation",
            "no open invitation with this id in this organisation",
        ));
    }
    audit(
        &tx,
        Some(&staff),
        Some(org),
        "invitation.revoke",
        json!({"invitation": id}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an invitation's page shows before the account is made.
#[derive(Debug, Serialize, Deserialize)]
pub struct InvitationView {
    /// The organisation's name.
    pub organisation: String,
    /// The role the account will have.
    pub role: String,
}

fn gone() -> ApiError {
    ApiError::said(
        StatusCode::NOT_FOUND,
        "no_such_invitation",
        "api-no_such_invitation",
        &[],
    )
}

/// The open invitation a link names.
pub async fn view(app: &AppState, token: &str) -> Result<InvitationView, ApiError> {
    let client = app.pool().get().await?;
    let open = db::invitations::open(&client, &accounts::token_hash(token), false)
        .await?
        .ok_or_else(gone)?;
    Ok(InvitationView {
        organisation: open.organisation_name,
        role: open.role,
    })
}

async fn show(
    State(app): State<AppState>,
    P(token): P<String>,
) -> Result<Json<InvitationView>, ApiError> {
    view(&app, &token).await.map(Json)
}

/// `POST /api/invitations/{token}`: the account the invited person chooses.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// 3 to 64 of a-z, 0-9, `.`, `_`, `-`.
    pub username: String,
    /// At least 12 characters, not a common password.
    pub password: Zeroizing<String>,
}

async fn accept(
    State(app): State<AppState>,
    P(token): P<String>,
    JsonBody(body): JsonBody<Acceptance>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let hash = accounts::token_hash(&token);
    // A used or expired link says so before the password is checked.
    view(&app, &token).await?;
    accounts::check_new_account(&body.username, &body.password)?;
    let password_hash = password_hash(&body.password).await?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    // Locked: of two people using one link at once, one gets the account.
    let open = db::invitations::open(&tx, &hash, true)
        .await?
        .ok_or_else(gone)?;
    let id = db::organisations::create_staff(
        &tx,
        open.organisation,
        &body.username,
        &password_hash,
        &open.role,
    )
    .await
    .map_err(|e| ApiError::duplicate(e, "username_taken", "api-username_taken"))?
    .ok_or_else(gone)?;
    db::invitations::mark_used(&tx, open.id, id).await?;
    db::audit::write(
        &tx,
        Some(id),
        Some(open.organisation),
        "staff.create",
        &json!({"staff": id, "username": body.username, "role": open.role,
                "invitation": open.id}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
