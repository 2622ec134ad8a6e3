//! Organisations, their staff accounts and their audit log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::access::{audit, password_hash};
use super::error::ApiError;
use super::extract::{JsonBody, P, Staff};
use super::state::AppState;
use crate::db;
use crate::election::accounts::{self, Role};
use crate::election::setup::NewOrganisation;

/// The routes of organisations and staff.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/organisations", post(create_organisation))
        .route(
            "/api/organisations/{org}/staff",
            post(create_staff).get(list_staff),
        )
        .route(
            "/api/organisations/{org}/staff/{staff}",
            patch(update_staff),
        )
        .route("/api/organisations/{org}/audit", get(audit_log))
}

/// A role an organisation's account can have (any but the platform
/// admin's), or `invalid_field`.
pub fn staff_role(role: &str) -> Result<Role, ApiError> {
    Role::parse(role)
        .filter(|r| *r != Role::PlatformAdmin)
        .ok_or_else(|| {
            ApiError::invalid(
                "invalid_field",
                "role: org_admin, committee, trustee or observer",
            )
        })
}

/// A created resource's id.
#[derive(Debug, Serialize, Deserialize)]
pub struct Created {
    /// Its id.
    pub id: i64,
}

async fn create_organisation(
    State(app): State<AppState>,
    staff: Staff,
    JsonBody(body): JsonBody<NewOrganisation>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    if staff.role != Role::PlatformAdmin {
        return Err(ApiError::forbidden());
    }
    let req = body;
    req.check()?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let id = db::organisations::create(&tx, &req.slug, &req.name)
        .await
        .map_err(|e| ApiError::duplicate(e, "slug_taken", "api-slug_taken"))?;
    audit(
        &tx,
        Some(&staff),
        Some(id),
        "organisation.create",
        json!({"slug": req.slug}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// `POST /api/organisations/{org}/staff`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    /// 3 to 64 of a-z, 0-9, `.`, `_`, `-`.
    pub username: String,
    /// At least 12 characters.
    pub password: Zeroizing<String>,
    /// `org_admin`, `committee`, `trustee` or `observer`.
    pub role: String,
}

async fn create_staff(
    State(app): State<AppState>,
    P(org): P<i64>,
    staff: Staff,
    JsonBody(body): JsonBody<NewStaff>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    staff.require(org, &[Role::OrgAdmin])?;
    let req = body;
    let role = staff_role(&req.role)?;
    accounts::check_new_account(&req.username, &req.password)?;
    let hash = password_hash(&req.password).await?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let id = db::organisations::create_staff(&tx, org, &req.username, &hash, role.as_str())
        .await
        .map_err(|e| ApiError::duplicate(e, "username_taken", "api-username_taken"))?
        .ok_or_else(|| ApiError::not_found("no_such_organisation", "no such organisation"))?;
    audit(
        &tx,
        Some(&staff),
        Some(org),
        "staff.create",
        json!({"staff": id, "username": req.username, "role": role.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// One audit log entry.
#[derive(Debug, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its sequence number.
    pub id: i64,
    /// When, RFC 3339.
    pub at: String,
    /// The staff account, if any.
    pub actor: Option<String>,
    /// What was done.
    pub action: String,
    /// Its details (ids and counts, never personal data).
    pub detail: Value,
}

async fn audit_log(
    State(app): State<AppState>,
    P(org): P<i64>,
    staff: Staff,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    staff.require(org, &[Role::OrgAdmin, Role::Observer, Role::Committee])?;
    let client = app.pool().get().await?;
    db::audit::entries(&client, org)
        .await?
        .into_iter()
        .map(|e| {
            Ok(AuditEntry {
                id: e.id,
                at: e.at,
                actor: e.actor,
                action: e.action,
                detail: serde_json::from_str(&e.detail)
                    .map_err(|_| ApiError::internal("audit detail"))?,
            })
        })
        .collect::<Result<_, _>>()
        .map(Json)
}

/// A staff account as its organisation's admin sees it.
#[derive(Debug, Serialize, Deserialize)]
pub struct StaffJson {
    /// Its id.
    pub id: i64,
    /// Its username.
    pub username: String,
    /// `org_admin`, `committee`, `trustee` or `observer`.
    pub role: String,
    /// Whether it is disabled (cannot sign in, has no sessions).
    pub disabled: bool,
    /// Whether signing in asks for a code from an authenticator app.
    pub second_factor: bool,
}

impl From<db::organisations::StaffRow> for StaffJson {
    fn from(r: db::organisations::StaffRow) -> Self {
        StaffJson {
            id: r.id,
            username: r.username,
            role: r.role,
            disabled: r.disabled,
            second_factor: r.second_factor,
        }
    }
}

/// `GET /api/organisations/{org}/staff`: the organisation's accounts
/// (its admins).
async fn list_staff(
    State(app): State<AppState>,
    P(org): P<i64>,
    staff: Staff,
) -> Result<Json<Vec<StaffJson>>, ApiError> {
    staff.require(org, &[Role::OrgAdmin])?;
    let client = app.pool().get().await?;
    let rows = db::organisations::staff_of(&client, org).await?;
    Ok(Json(rows.into_iter().map(StaffJson::from).collect()))
}

/// `PATCH /api/organisations/{org}/staff/{staff}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffChange {
    /// A new role: `org_admin`, `committee`, `trustee` or `observer`.
    pub role: Option<String>,
    /// Disable (`true`) or enable (`false`) the account.
    pub disabled: Option<bool>,
    /// `false` removes the account's second factor (a lost phone); only
    /// the account itself sets one up.
    pub second_factor: Option<bool>,
}

/// Changes an account's role or disables it (its organisation's admins;
/// not their own account, so an organisation cannot lose its last admin
/// by accident). Disabling ends the account's sessions at once; a role
/// change takes effect on its next request.
async fn update_staff(
    State(app): State<AppState>,
    P((org, id)): P<(i64, i64)>,
    staff: Staff,
    JsonBody(body): JsonBody<StaffChange>,
) -> Result<Json<StaffJson>, ApiError> {
    staff.require(org, &[Role::OrgAdmin])?;
    let role = match &body.role {
        None => None,
        Some(r) => Some(staff_role(r)?),
    };
    if body.second_factor == Some(true) {
        return Err(ApiError::invalid(
            "invalid_field",
            "second_factor: only false (remove it); an account sets up its own",
        ));
    }
    let remove_second_factor = body.second_factor == Some(false);
    if id == staff.id {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "own_account",
            "another admin of the organisation changes your own account",
        ));
    }
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let row = db::organisations::update_staff(
        &tx,
        org,
        id,
        role.map(Role::as_str),
        body.disabled,
        remove_second_factor,
    )
    .await?
    .ok_or_else(|| ApiError::not_found("no_such_staff", "no such account in this organisation"))?;
    let ended = if row.disabled {
        db::sessions::end_staff_sessions(&tx, id, None).await?
    } else {
        0
    };
    audit(
        &tx,
        Some(&staff),
        Some(org),
        "staff.update",
        json!({"staff": id, "role": role.map(Role::as_str), "disabled": body.disabled,
               "second_factor_removed": remove_second_factor, "sessions_ended": ended}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(row.into()))
}
