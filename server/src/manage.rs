//! The committee's side of `valurna serve`: organisations and staff, an
//! election's set-up (voter roll, trustees, nominations), the key ceremony
//! through the server, opening, closing and the tally (issue 5).
//!
//! An election as the committee manages it is a *set-up*
//! (`/api/setups/{id}`); when voting opens it becomes an election of the
//! ballot box (`/api/elections/{ballot_box}`, see [`crate::serve`]).
//!
//! | status | what happens | who moves it on |
//! |---|---|---|
//! | `draft` | districts and seats are set; the roll is imported; trustees are named | committee: `nominations/open` |
//! | `nominations` | members propose, nominees accept, the committee approves | committee: `freeze` (every district has enough approved candidates, every trustee named) |
//! | `ceremony` | the manifest is frozen; trustees upload their ceremony files | committee: `open` (the ceremony checks out; credentials are made) |
//! | `open` | voting | committee: `close` (the board is sealed, the encrypted tally published) |
//! | `closed` | trustees upload decryption shares | the `t`-th valid share |
//! | `tallied` | the result and the whole record are published | |
//!
//! Every change staff make is written to the append-only audit log in the
//! same transaction. Personal data (names, contacts) never goes to the log,
//! the audit log or an error message.

use std::collections::HashMap;
use std::path::Path as FsPath;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_postgres::Transaction;
use tokio_postgres::error::SqlState;
use valurna_engine::credential::{VotingCode, public_credentials};
use valurna_engine::manifest::{Candidate, Contest, Manifest, manifest_hash};
use valurna_engine::record::{
    self, AnnouncementJson, ComplaintJson, ConfirmationJson, CredentialLine, DecryptionFile,
    DecryptionShareJson, EncryptedShareJson, Parameters, TallyFile, files,
};
use valurna_engine::rng::os_rng;
use zeroize::Zeroizing;

use crate::auth::{self, Role, Staff, forbidden};
use crate::commands::{self, CeremonyParamsFile};
use crate::roll;
use crate::serve::{ApiError, AppState, P};
use crate::store;

/// The largest voter roll accepted, in bytes (about 5 million members).
pub const MAX_ROLL: usize = 512 << 20;
/// The largest ceremony file accepted (the server's body limit).
pub const MAX_CEREMONY_FILE: usize = crate::serve::MAX_BODY;
/// Most trustees of one election.
pub const MAX_TRUSTEES: u32 = 64;

/// The committee's routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/organisations", post(create_organisation))
        .route("/api/organisations/{org}/staff", post(create_staff))
        .route("/api/organisations/{org}/elections", post(create_setup))
        .route("/api/organisations/{org}/audit", get(audit_log))
        .route("/api/setups/{id}", get(setup))
        .route(
            "/api/setups/{id}/roll",
            post(import_roll).layer(DefaultBodyLimit::max(MAX_ROLL)),
        )
        .route("/api/setups/{id}/trustees", post(assign_trustee))
        .route("/api/setups/{id}/nominations", get(nominations))
        .route("/api/setups/{id}/nominations/open", post(open_nominations))
        .route("/api/setups/{id}/nominations/{n}/decision", post(decide))
        .route("/api/setups/{id}/candidates", get(candidates))
        .route("/api/setups/{id}/freeze", post(freeze))
        .route("/api/setups/{id}/ceremony", get(ceremony_files))
        .route(
            "/api/setups/{id}/ceremony/{name}",
            get(ceremony_file).put(upload_ceremony_file),
        )
        .route("/api/setups/{id}/open", post(open_voting))
        .route("/api/setups/{id}/outbox/export", post(export_outbox))
        .route("/api/setups/{id}/close", post(close_voting))
        .route("/api/setups/{id}/decryptions", post(upload_decryption))
        .route("/api/setups/{id}/retention", post(retention))
        .route("/api/elections/{id}/record", get(record_files))
        .route("/api/elections/{id}/record/{file}", get(record_file))
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    Ok(body?.0)
}

/// A raw body, or the JSON error for one that is too large (the route's
/// body limit is `limit`) or could not be read.
fn raw_body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is over {limit} bytes"),
            )
        } else {
            ApiError::bad("unreadable_body", e.body_text())
        }
    })
}

/// Writes one entry of the audit log (in the caller's transaction).
pub async fn audit(
    tx: &Transaction<'_>,
    actor: Option<&Staff>,
    organisation: Option<i64>,
    action: &str,
    detail: Value,
) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO audit_log (actor, organisation, action, detail) VALUES ($1, $2, $3, $4::text::jsonb)",
        &[&actor.map(|s| s.id), &organisation, &action, &detail.to_string()],
    )
    .await?;
    Ok(())
}

fn is_unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

fn text_ok(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.len() <= max && !s.chars().any(char::is_control)
}

// ---------------------------------------------------------------------------
// Sessions

/// `POST /api/login`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account.
    pub username: String,
    /// Its password.
    pub password: Zeroizing<String>,
}

/// A session as the client sees it.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionJson {
    /// Send this in `X-CSRF-Token` with every request that changes something.
    pub csrf_token: String,
    /// The account.
    pub username: String,
    /// Its role.
    pub role: String,
    /// Its organisation.
    pub organisation: Option<i64>,
}

/// A hash to check unknown usernames against, so that a login takes as
/// long whether or not the account exists.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password("no such account").unwrap_or_default())
}

fn bad_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
        "wrong username or password",
    )
}

async fn login(
    State(app): State<AppState>,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let req = json_body(body)?;
    if req.username.len() > 64 || req.password.len() > 1024 {
        return Err(bad_credentials());
    }
    let mut client = app.pool().get().await?;
    let row = client
        .query_opt(
            "SELECT id, password_hash, role, organisation FROM staff WHERE username = $1",
            &[&req.username],
        )
        .await?;
    let stored: String = row
        .as_ref()
        .map_or_else(|| dummy_hash().to_string(), |r| r.get(1));
    let password = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &stored))
        .await
        .map_err(|_| ApiError::internal("password check"))?;
    let Some(row) = row.filter(|_| ok) else {
        return Err(bad_credentials());
    };
    let id: i64 = row.get(0);
    let token = auth::token();
    let csrf = auth::token();
    let tx = client.transaction().await?;
    // Expired sessions go when anyone signs in.
    tx.execute("DELETE FROM sessions WHERE expires_at < now()", &[])
        .await?;
    tx.execute(
        "INSERT INTO sessions (token_hash, staff, csrf, expires_at) \
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        &[
            &auth::token_hash(&token),
            &id,
            &csrf.as_str(),
            &(auth::STAFF_SESSION_SECS as f64),
        ],
    )
    .await?;
    let organisation: Option<i64> = row.get(3);
    tx.execute(
        "INSERT INTO audit_log (actor, organisation, action, detail) VALUES ($1, $2, 'login', '{}')",
        &[&id, &organisation],
    )
    .await?;
    tx.commit().await?;
    let cookie = auth::session_cookie(&token, auth::STAFF_SESSION_SECS, app.secure_cookies());
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(SessionJson {
            csrf_token: csrf.to_string(),
            username: req.username,
            role: row.get(2),
            organisation,
        }),
    )
        .into_response())
}

async fn logout(
    State(app): State<AppState>,
    // Signing out needs a valid session and its CSRF token.
    _staff: Staff,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(hash) = auth::request_session(&headers) {
        let client = app.pool().get().await?;
        client
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&hash])
            .await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            auth::expired_cookie(app.secure_cookies()),
        )],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

async fn me(staff: Staff) -> Json<SessionJson> {
    Json(SessionJson {
        csrf_token: staff.csrf,
        username: staff.username,
        role: staff.role.as_str().into(),
        organisation: staff.organisation,
    })
}

// ---------------------------------------------------------------------------
// Organisations and staff

/// `POST /api/organisations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    /// Lower-case letters, digits and `-`, 1 to 64.
    pub slug: String,
    /// Display name.
    pub name: String,
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
    body: Result<Json<NewOrganisation>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    if staff.role != Role::PlatformAdmin {
        return Err(forbidden());
    }
    let req = json_body(body)?;
    let slug_ok = !req.slug.is_empty()
        && req.slug.len() <= 64
        && req
            .slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug_ok || !text_ok(&req.name, 200) {
        return Err(ApiError::invalid(
            "invalid_field",
            "slug: 1-64 of a-z, 0-9, '-'; name: 1-200 characters",
        ));
    }
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO organisations (slug, name) VALUES ($1, $2) RETURNING id",
            &[&req.slug, &req.name],
        )
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::conflict("slug_taken", "an organisation has this slug")
            } else {
                e.into()
            }
        })?
        .get(0);
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

/// Checks a new account's fields.
pub fn check_new_account(username: &str, password: &str) -> Result<(), ApiError> {
    let name_ok = (3..=64).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if !name_ok {
        return Err(ApiError::invalid(
            "invalid_field",
            "username: 3-64 of a-z, 0-9, '.', '_', '-'",
        ));
    }
    if password.chars().count() < 12 || password.len() > 1024 {
        return Err(ApiError::invalid(
            "weak_password",
            "a password has 12 to 1024 characters",
        ));
    }
    Ok(())
}

async fn create_staff(
    State(app): State<AppState>,
    P(org): P<i64>,
    staff: Staff,
    body: Result<Json<NewStaff>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    staff.require(org, &[Role::OrgAdmin])?;
    let req = json_body(body)?;
    let role = Role::parse(&req.role)
        .filter(|r| *r != Role::PlatformAdmin)
        .ok_or_else(|| {
            ApiError::invalid(
                "invalid_field",
                "role: org_admin, committee, trustee or observer",
            )
        })?;
    check_new_account(&req.username, &req.password)?;
    let password = req.password.clone();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|_| ApiError::internal("password hash"))??;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO staff (organisation, username, password_hash, role) \
             SELECT id, $2, $3, $4 FROM organisations WHERE id = $1 RETURNING id",
            &[&org, &req.username, &hash, &role.as_str()],
        )
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::conflict("username_taken", "this username is taken")
            } else {
                ApiError::not_found("no_such_organisation", "no such organisation")
            }
        })?
        .get(0);
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
    let rows = client
        .query(
            "SELECT a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
             s.username, a.action, a.detail::text FROM audit_log a \
             LEFT JOIN staff s ON s.id = a.actor \
             WHERE a.organisation = $1 ORDER BY a.id",
            &[&org],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let detail: String = r.get(4);
            Ok(AuditEntry {
                id: r.get(0),
                at: r.get(1),
                actor: r.get(2),
                action: r.get(3),
                detail: serde_json::from_str(&detail)
                    .map_err(|_| ApiError::internal("audit detail"))?,
            })
        })
        .collect::<Result<_, _>>()
        .map(Json)
}

// ---------------------------------------------------------------------------
// Set-ups

/// A district and its seats.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictSeats {
    /// The district's name, as the roll writes it.
    pub district: String,
    /// Seats to fill.
    pub seats: u32,
}

/// `POST /api/organisations/{org}/elections`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSetup {
    /// The election's identifier within the organisation.
    pub election_id: String,
    /// Its title.
    pub title: String,
    /// Trustees `n`.
    pub trustees: u32,
    /// Trustees needed to decrypt, `t`.
    pub threshold: u32,
    /// The districts, one contest each.
    pub districts: Vec<DistrictSeats>,
}

async fn create_setup(
    State(app): State<AppState>,
    P(org): P<i64>,
    staff: Staff,
    body: Result<Json<NewSetup>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    staff.require(org, &[Role::OrgAdmin, Role::Committee])?;
    let req = json_body(body)?;
    let id_ok = !req.election_id.is_empty()
        && req.election_id.len() <= 64
        && req
            .election_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !id_ok || !text_ok(&req.title, 200) {
        return Err(ApiError::invalid(
            "invalid_field",
            "election_id: 1-64 of A-Z, a-z, 0-9, '.', '_', '-'; title: 1-200 characters",
        ));
    }
    if req.threshold == 0 || req.threshold > req.trustees || req.trustees > MAX_TRUSTEES {
        return Err(ApiError::invalid(
            "invalid_field",
            format!("need 1 <= threshold <= trustees <= {MAX_TRUSTEES}"),
        ));
    }
    let mut names = std::collections::HashSet::new();
    let districts_ok = !req.districts.is_empty()
        && req.districts.len() <= valurna_engine::manifest::limits::MAX_CONTESTS
        && req.districts.iter().all(|d| {
            text_ok(&d.district, 100)
                && d.district.trim() == d.district
                && (1..=200).contains(&d.seats)
                && names.insert(d.district.clone())
        });
    if !districts_ok {
        return Err(ApiError::invalid(
            "invalid_field",
            "districts: 1 or more, distinct names of 1-100 characters, 1-200 seats each",
        ));
    }
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO setups (organisation, election_id, title, trustees, threshold, status) \
             SELECT id, $2, $3, $4, $5, 'draft' FROM organisations WHERE id = $1 RETURNING id",
            &[
                &org,
                &req.election_id,
                &req.title,
                &(req.trustees as i32),
                &(req.threshold as i32),
            ],
        )
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::conflict("election_id_taken", "the organisation has this election id")
            } else {
                ApiError::not_found("no_such_organisation", "no such organisation")
            }
        })?
        .get(0);
    let districts: Vec<&str> = req.districts.iter().map(|d| d.district.as_str()).collect();
    let seats: Vec<i32> = req.districts.iter().map(|d| d.seats as i32).collect();
    tx.execute(
        "INSERT INTO districts (setup, district, seats) \
         SELECT $1, * FROM unnest($2::text[], $3::int[])",
        &[&id, &districts, &seats],
    )
    .await?;
    audit(
        &tx,
        Some(&staff),
        Some(org),
        "election.create",
        json!({"setup": id, "election_id": req.election_id, "districts": districts.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A set-up's row.
#[derive(Debug, Clone)]
pub struct SetupRow {
    /// Its id.
    pub id: i64,
    /// Its organisation.
    pub organisation: i64,
    /// The organisation's slug.
    pub org_slug: String,
    /// The election's id.
    pub election_id: String,
    /// Title.
    pub title: String,
    /// `n`.
    pub trustees: u32,
    /// `t`.
    pub threshold: u32,
    /// Status (module docs).
    pub status: String,
    /// The frozen manifest.
    pub manifest: Option<Vec<u8>>,
    /// The ballot box's election, once open.
    pub ballot_box: Option<i64>,
}

/// Reads a set-up (locked for the transaction with `lock`).
pub async fn setup_row(
    client: &impl deadpool_postgres::GenericClient,
    id: i64,
    lock: bool,
) -> Result<SetupRow, ApiError> {
    let sql = format!(
        "SELECT s.id, s.organisation, o.slug, s.election_id, s.title, s.trustees, s.threshold, \
         s.status, s.manifest, s.ballot_box FROM setups s JOIN organisations o \
         ON o.id = s.organisation WHERE s.id = $1{}",
        if lock { " FOR UPDATE OF s" } else { "" }
    );
    let r = client
        .query_opt(&sql, &[&id])
        .await?
        .ok_or_else(|| ApiError::not_found("no_such_election", "no such election"))?;
    let trustees: i32 = r.get(5);
    let threshold: i32 = r.get(6);
    Ok(SetupRow {
        id: r.get(0),
        organisation: r.get(1),
        org_slug: r.get(2),
        election_id: r.get(3),
        title: r.get(4),
        trustees: trustees.unsigned_abs(),
        threshold: threshold.unsigned_abs(),
        status: r.get(7),
        manifest: r.get(8),
        ballot_box: r.get(9),
    })
}

fn require_status(s: &SetupRow, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&s.status.as_str()) {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "wrong_status",
            format!(
                "the election is {}; this needs it to be {}",
                s.status,
                allowed.join(" or ")
            ),
        ))
    }
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

/// `GET /api/setups/{id}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetupJson {
    /// Its id.
    pub id: i64,
    /// Its organisation.
    pub organisation: i64,
    /// The election's id.
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
    /// The ballot box's election id, once open.
    pub ballot_box: Option<i64>,
    /// Per district.
    pub districts: Vec<DistrictOverview>,
    /// Districts with fewer approved candidates than seats.
    pub lacking: Vec<String>,
}

async fn overview(
    client: &impl deadpool_postgres::GenericClient,
    setup: i64,
) -> Result<Vec<DistrictOverview>, ApiError> {
    let rows = client
        .query(
            "SELECT d.district, d.seats, \
               (SELECT count(*) FROM members m WHERE m.setup = d.setup AND m.district = d.district), \
               count(n.id), \
               count(n.id) FILTER (WHERE n.status IN ('accepted', 'approved')), \
               count(n.id) FILTER (WHERE n.status = 'approved') \
             FROM districts d \
             LEFT JOIN members m ON m.setup = d.setup AND m.district = d.district \
             LEFT JOIN nominations n ON n.nominee = m.id \
             WHERE d.setup = $1 GROUP BY d.setup, d.district, d.seats ORDER BY d.district",
            &[&setup],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let seats: i32 = r.get(1);
            let n = |i: usize| r.get::<_, i64>(i).unsigned_abs();
            DistrictOverview {
                district: r.get(0),
                seats: seats.unsigned_abs(),
                eligible: n(2),
                nominations: n(3),
                accepted: n(4),
                approved: n(5),
                lacking: n(5) < u64::from(seats.unsigned_abs()),
            }
        })
        .collect())
}

/// Reads a set-up that `staff` (any role of its organisation) may see.
async fn visible_setup(
    client: &impl deadpool_postgres::GenericClient,
    staff: &Staff,
    id: i64,
    lock: bool,
) -> Result<SetupRow, ApiError> {
    let s = setup_row(client, id, lock).await?;
    if staff.role != Role::PlatformAdmin && staff.organisation != Some(s.organisation) {
        // Another organisation's election is not there for this account.
        return Err(ApiError::not_found("no_such_election", "no such election"));
    }
    Ok(s)
}

const MANAGERS: &[Role] = &[Role::OrgAdmin, Role::Committee];

pub(crate) async fn setup(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<SetupJson>, ApiError> {
    let client = app.pool().get().await?;
    let s = visible_setup(&client, &staff, id, false).await?;
    let districts = overview(&client, id).await?;
    let trustee_accounts = client
        .query(
            "SELECT t.idx, s.username FROM trustees t JOIN staff s ON s.id = t.staff \
             WHERE t.setup = $1 ORDER BY t.idx",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| TrusteeAccount {
            index: r.get::<_, i32>(0).unsigned_abs(),
            username: r.get(1),
        })
        .collect();
    Ok(Json(SetupJson {
        id,
        organisation: s.organisation,
        election_id: s.election_id,
        title: s.title,
        status: s.status,
        trustees: s.trustees,
        threshold: s.threshold,
        trustee_accounts,
        ballot_box: s.ballot_box,
        lacking: districts
            .iter()
            .filter(|d| d.lacking)
            .map(|d| d.district.clone())
            .collect(),
        districts,
    }))
}

// ---------------------------------------------------------------------------
// The voter roll

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
    let s = visible_setup(&tx, &staff, id, true).await?;
    staff.require(s.organisation, MANAGERS)?;
    require_status(&s, &["draft", "nominations"])?;
    let districts: Vec<String> = tx
        .query("SELECT district FROM districts WHERE setup = $1", &[&id])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
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
    let old: Vec<roll::RollMember> = tx
        .query(
            "SELECT member_number, name, coalesce(contact, ''), district FROM members \
             WHERE setup = $1",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| roll::RollMember {
            member_number: r.get(0),
            name: r.get(1),
            contact: r.get(2),
            district: r.get(3),
        })
        .collect();
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
    let in_nomination: Vec<String> = tx
        .query(
            "SELECT m.member_number FROM members m JOIN nominations n \
             ON n.nominee = m.id OR n.proposer = m.id \
             WHERE m.setup = $1 AND m.member_number = ANY($2)",
            &[&id, &diff.removed],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if !in_nomination.is_empty() {
        return Err(ApiError::conflict(
            "member_in_nomination",
            format!(
                "members in a nomination cannot leave the roll: {}",
                in_nomination.join(", ")
            ),
        ));
    }
    tx.execute(
        "DELETE FROM sessions WHERE member IN (SELECT id FROM members \
         WHERE setup = $1 AND member_number = ANY($2))",
        &[&id, &diff.removed],
    )
    .await?;
    tx.execute(
        "DELETE FROM members WHERE setup = $1 AND member_number = ANY($2)",
        &[&id, &diff.removed],
    )
    .await?;
    let by_number: HashMap<&str, &roll::RollMember> =
        new.iter().map(|m| (m.member_number.as_str(), m)).collect();
    for (list, sql) in [
        (
            &diff.added,
            "INSERT INTO members (setup, member_number, name, contact, district) \
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])",
        ),
        (
            &diff.changed,
            "UPDATE members m SET name = u.name, contact = u.contact, district = u.district \
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) \
               AS u(member_number, name, contact, district) \
             WHERE m.setup = $1 AND m.member_number = u.member_number",
        ),
    ] {
        for chunk in list.chunks(10_000) {
            let rows: Vec<&roll::RollMember> = chunk
                .iter()
                .filter_map(|n| by_number.get(n.as_str()).copied())
                .collect();
            let numbers: Vec<&str> = rows.iter().map(|m| m.member_number.as_str()).collect();
            let names: Vec<&str> = rows.iter().map(|m| m.name.as_str()).collect();
            let contacts: Vec<&str> = rows.iter().map(|m| m.contact.as_str()).collect();
            let districts: Vec<&str> = rows.iter().map(|m| m.district.as_str()).collect();
            tx.execute(sql, &[&id, &numbers, &names, &contacts, &districts])
                .await?;
        }
    }
    audit(
        &tx,
        Some(&staff),
        Some(s.organisation),
        "roll.import",
        json!({"setup": id, "digest": digest, "added": answer.added,
               "removed": answer.removed, "changed": answer.changed}),
    )
    .await?;
    tx.commit().await?;
    answer.applied = true;
    Ok(Json(answer))
}

// ---------------------------------------------------------------------------
// Trustees and nominations

/// `POST /api/setups/{id}/trustees`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignTrustee {
    /// A trustee account of the organisation.
    pub username: String,
    /// Its trustee number, 1 to n.
    pub index: u32,
}

async fn assign_trustee(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
    body: Result<Json<AssignTrustee>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let req = json_body(body)?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let s = visible_setup(&tx, &staff, id, true).await?;
    staff.require(s.organisation, MANAGERS)?;
    require_status(&s, &["draft", "nominations"])?;
    if req.index == 0 || req.index > s.trustees {
        return Err(ApiError::invalid(
            "invalid_field",
            format!("index: 1 to {}", s.trustees),
        ));
    }
    let account: i64 = tx
        .query_opt(
            "SELECT id FROM staff WHERE username = $1 AND organisation = $2 AND role = 'trustee'",
            &[&req.username, &s.organisation],
        )
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                "not_a_trustee",
                "no trustee account of this organisation has this username",
            )
        })?
        .get(0);
    tx.execute(
        "INSERT INTO trustees (setup, idx, staff) VALUES ($1, $2, $3)",
        &[&id, &(req.index as i32), &account],
    )
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            ApiError::conflict(
                "trustee_taken",
                "this index or this account is already a trustee here",
            )
        } else {
            e.into()
        }
    })?;
    audit(
        &tx,
        Some(&staff),
        Some(s.organisation),
        "trustee.assign",
        json!({"setup": id, "index": req.index, "staff": account}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves a set-up from one status to the next, with an audit entry.
async fn advance(
    tx: &Transaction<'_>,
    staff: &Staff,
    s: &SetupRow,
    to: &str,
    detail: Value,
) -> Result<(), ApiError> {
    tx.execute("UPDATE setups SET status = $2 WHERE id = $1", &[&s.id, &to])
        .await?;
    audit(
        tx,
        Some(staff),
        Some(s.organisation),
        &format!("election.{to}"),
        detail,
    )
    .await
}

async fn open_nominations(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<StatusCode, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let s = visible_setup(&tx, &staff, id, true).await?;
    staff.require(s.organisation, MANAGERS)?;
    require_status(&s, &["draft"])?;
    let members: i64 = tx
        .query_one("SELECT count(*) FROM members WHERE setup = $1", &[&id])
        .await?
        .get(0);
    if members == 0 {
        return Err(ApiError::conflict(
            "empty_roll",
            "import the voter roll first",
        ));
    }
    advance(&tx, &staff, &s, "nominations", json!({"setup": id})).await?;
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

pub(crate) async fn nominations(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Vec<NominationJson>>, ApiError> {
    let client = app.pool().get().await?;
    visible_setup(&client, &staff, id, false).await?;
    let rows = client
        .query(
            "SELECT n.id, m.district, m.member_number, m.name, p.member_number, n.status, \
             n.reason, n.presentation FROM nominations n \
             JOIN members m ON m.id = n.nominee JOIN members p ON p.id = n.proposer \
             WHERE n.setup = $1 ORDER BY m.district, n.id",
            &[&id],
        )
        .await?;
    Ok(Json(
        rows.iter()
            .map(|r| NominationJson {
                id: r.get(0),
                district: r.get(1),
                nominee: r.get(2),
                name: r.get(3),
                proposer: r.get(4),
                status: r.get(5),
                reason: r.get(6),
                presentation: r.get(7),
            })
            .collect(),
    ))
}

/// `POST /api/setups/{id}/nominations/{n}/decision`.
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
    body: Result<Json<Decision>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let req = json_body(body)?;
    let reason = req.reason.filter(|r| !r.trim().is_empty());
    if !req.approve && !reason.as_deref().is_some_and(|r| text_ok(r, 1000)) {
        return Err(ApiError::invalid(
            "reason_required",
            "a rejection needs a reason (1-1000 characters)",
        ));
    }
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let s = visible_setup(&tx, &staff, id, true).await?;
    staff.require(s.organisation, MANAGERS)?;
    require_status(&s, &["nominations"])?;
    let status: String = tx
        .query_opt(
            "SELECT status FROM nominations WHERE id = $1 AND setup = $2 FOR UPDATE",
            &[&n, &id],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("no_such_nomination", "no such nomination"))?
        .get(0);
    if !matches!(status.as_str(), "accepted" | "approved" | "rejected") {
        return Err(ApiError::conflict(
            "not_accepted",
            format!(
                "the nomination is {status}: only a nomination the nominee accepted is decided"
            ),
        ));
    }
    let to = if req.approve { "approved" } else { "rejected" };
    tx.execute(
        "UPDATE nominations SET status = $2, reason = $3 WHERE id = $1",
        &[&n, &to, &reason],
    )
    .await?;
    audit(
        &tx,
        Some(&staff),
        Some(s.organisation),
        &format!("nomination.{to}"),
        json!({"setup": id, "nomination": n}),
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
    /// The candidate's id in the manifest, once frozen.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Presentation.
    pub presentation: Option<String>,
}

/// The approved candidates of a set-up per district, in ballot order
/// (by name, then member number).
async fn approved(
    client: &impl deadpool_postgres::GenericClient,
    setup: i64,
) -> Result<Vec<(String, String, Option<String>)>, ApiError> {
    Ok(client
        .query(
            "SELECT m.district, m.name, n.presentation FROM nominations n \
             JOIN members m ON m.id = n.nominee \
             WHERE n.setup = $1 AND n.status = 'approved' \
             ORDER BY m.district, m.name, m.member_number",
            &[&setup],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// `GET /api/setups/{id}/candidates`: public once the manifest is frozen.
async fn candidates(
    State(app): State<AppState>,
    P(id): P<i64>,
) -> Result<Json<Vec<CandidateJson>>, ApiError> {
    let client = app.pool().get().await?;
    let s = setup_row(&client, id, false).await?;
    if matches!(s.status.as_str(), "draft" | "nominations") {
        return Err(ApiError::conflict(
            "not_frozen",
            "the candidates are published when nominations close",
        ));
    }
    Ok(Json(candidate_list(&client, id).await?))
}

/// The approved candidates of a set-up with their presentations and the
/// ids the frozen manifest gives them (`c1`, `c2`, … per district).
pub async fn candidate_list(
    client: &impl deadpool_postgres::GenericClient,
    setup: i64,
) -> Result<Vec<CandidateJson>, ApiError> {
    let mut next: HashMap<String, usize> = HashMap::new();
    Ok(approved(client, setup)
        .await?
        .into_iter()
        .map(|(district, name, presentation)| {
            let k = next.entry(district.clone()).or_insert(0);
            *k += 1;
            CandidateJson {
                id: Some(format!("c{k}")),
                district,
                name,
                presentation,
            }
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Freezing the manifest and the key ceremony

const CEREMONY_PARAMS: &str = "ceremony-params.json";

async fn freeze(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Value>, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let s = visible_setup(&tx, &staff, id, true).await?;
    staff.require(s.organisation, MANAGERS)?;
    require_status(&s, &["nominations"])?;
    let named: i64 = tx
        .query_one("SELECT count(*) FROM trustees WHERE setup = $1", &[&id])
        .await?
        .get(0);
    if named.unsigned_abs() != u64::from(s.trustees) {
        return Err(ApiError::conflict(
            "trustees_missing",
            format!("{named} of {} trustees are named", s.trustees),
        ));
    }
    let districts = overview(&tx, id).await?;
    let lacking: Vec<&str> = districts
        .iter()
        .filter(|d| d.lacking)
        .map(|d| d.district.as_str())
        .collect();
    if !lacking.is_empty() {
        return Err(ApiError::conflict(
            "lacking_candidates",
            format!(
                "fewer approved candidates than seats in: {}",
                lacking.join(", ")
            ),
        )
        .with_details(json!({ "districts": lacking })));
    }
    let mut by_district: HashMap<String, Vec<Candidate>> = HashMap::new();
    for (district, name, _) in approved(&tx, id).await? {
        let list = by_district.entry(district).or_default();
        list.push(Candidate {
            id: format!("c{}", list.len() + 1),
            name,
        });
    }
    let manifest = Manifest {
        version: 1,
        organisation: s.org_slug.clone(),
        election_id: s.election_id.clone(),
        title: s.title.clone(),
        weighted: false,
        contests: districts
            .iter()
            .map(|d| Contest {
                id: d.district.clone(),
                title: format!("{} — {}", s.title, d.district),
                district: d.district.clone(),
                seats: d.seats,
                min_selections: 0,
                max_selections: u64::from(d.seats),
                candidates: by_district.remove(&d.district).unwrap_or_default(),
                kind: None,
                method: None,
            })
            .collect(),
    };
    manifest
        .validate()
        .map_err(|e| ApiError::conflict("invalid_manifest", e.to_string()))?;
    let bytes = manifest.to_json();
    let mut ceremony_id = [0u8; 16];
    rand_core::Rng::fill_bytes(&mut os_rng(), &mut ceremony_id);
    let params = CeremonyParamsFile {
        manifest_hash: hex::encode(manifest_hash(&bytes)),
        ceremony_id: hex::encode(ceremony_id),
        trustees: s.trustees,
        threshold: s.threshold,
    };
    let params_json =
        serde_json::to_vec_pretty(&params).map_err(|_| ApiError::internal("ceremony params"))?;
    tx.execute(
        "UPDATE setups SET manifest = $2 WHERE id = $1",
        &[&id, &bytes],
    )
    .await?;
    tx.execute(
        "INSERT INTO ceremony_files (setup, name, bytes) VALUES ($1, $2, $3)",
        &[&id, &CEREMONY_PARAMS, &params_json],
    )
    .await?;
    advance(
        &tx,
        &staff,
        &s,
        "ceremony",
        json!({"setup": id, "manifest_hash": params.manifest_hash}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({
        "manifest_hash": params.manifest_hash,
        "ceremony_id": params.ceremony_id,
    })))
}

/// A file of the ceremony directory.
#[derive(Debug, Serialize, Deserialize)]
pub struct CeremonyFileJson {
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

pub(crate) async fn ceremony_files(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Vec<CeremonyFileJson>>, ApiError> {
    let client = app.pool().get().await?;
    visible_setup(&client, &staff, id, false).await?;
    let rows = client
        .query(
            "SELECT name, length(bytes) FROM ceremony_files WHERE setup = $1 ORDER BY name",
            &[&id],
        )
        .await?;
    Ok(Json(
        rows.iter()
            .map(|r| CeremonyFileJson {
                name: r.get(0),
                size: u64::from(r.get::<_, i32>(1).unsigned_abs()),
            })
            .collect(),
    ))
}

async fn ceremony_file(
    State(app): State<AppState>,
    P((id, name)): P<(i64, String)>,
    staff: Staff,
) -> Result<Response, ApiError> {
    let client = app.pool().get().await?;
    visible_setup(&client, &staff, id, false).await?;
    let bytes: Vec<u8> = client
        .query_opt(
            "SELECT bytes FROM ceremony_files WHERE setup = $1 AND name = $2",
            &[&id, &name],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("no_such_file", "no such ceremony file"))?
        .get(0);
    Ok(crate::serve::json_bytes(bytes))
}

/// The trustee index of `staff` in set-up `id`.
async fn trustee_index(
    client: &impl deadpool_postgres::GenericClient,
    staff: &Staff,
    id: i64,
) -> Result<u32, ApiError> {
    if staff.role != Role::Trustee {
        return Err(forbidden());
    }
    let row = client
        .query_opt(
            "SELECT idx FROM trustees WHERE setup = $1 AND staff = $2",
            &[&id, &staff.id],
        )
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "not_this_trustee",
                "you are not a trustee of this election",
            )
        })?;
    Ok(row.get::<_, i32>(0).unsigned_abs())
}

/// Checks that an uploaded ceremony file is the kind its name says and
/// comes from trustee `index` (the same rule `valurna ceremony finish`
/// applies to a directory).
fn check_ceremony_upload(name: &str, index: u32, bytes: &[u8]) -> Result<(), ApiError> {
    let wrong = || {
        ApiError::invalid(
            "wrong_sender",
            "the file's content names another trustee than its sender",
        )
    };
    let malformed =
        |e: serde_json::Error| ApiError::invalid("malformed_file", format!("{name}: {e}"));
    if name == format!("announcement-{index}.json") {
        let a: AnnouncementJson = serde_json::from_slice(bytes).map_err(malformed)?;
        (a.index == index).then_some(()).ok_or_else(wrong)
    } else if name == format!("shares-from-{index}.json") {
        let s: Vec<EncryptedShareJson> = serde_json::from_slice(bytes).map_err(malformed)?;
        s.iter()
            .all(|s| s.from == index)
            .then_some(())
            .ok_or_else(wrong)
    } else if name == format!("complaints-from-{index}.json") {
        let c: Vec<ComplaintJson> = serde_json::from_slice(bytes).map_err(malformed)?;
        c.iter()
            .all(|c| c.accuser == index)
            .then_some(())
            .ok_or_else(wrong)
    } else if name == format!("confirmation-{index}.json") {
        let c: ConfirmationJson = serde_json::from_slice(bytes).map_err(malformed)?;
        (c.index == index).then_some(()).ok_or_else(wrong)
    } else {
        Err(ApiError::invalid(
            "wrong_file_name",
            format!(
                "trustee {index} uploads announcement-{index}.json, shares-from-{index}.json, \
                 complaints-from-{index}.json or confirmation-{index}.json"
            ),
        ))
    }
}

async fn upload_ceremony_file(
    State(app): State<AppState>,
    P((id, name)): P<(i64, String)>,
    staff: Staff,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let bytes = raw_body(bytes, MAX_CEREMONY_FILE)?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let s = visible_setup(&tx, &staff, id, true).await?;
    let index = trustee_index(&tx, &staff, id).await?;
    require_status(&s, &["ceremony"])?;
    check_ceremony_upload(&name, index, &bytes)?;
    tx.execute(
        "INSERT INTO ceremony_files (setup, name, bytes, uploaded_by) VALUES ($1, $2, $3, $4)",
        &[&id, &name, &bytes.as_ref(), &staff.id],
    )
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            ApiError::conflict("already_uploaded", "this file is there already")
        } else {
            e.into()
        }
    })?;
    audit(
        &tx,
        Some(&staff),
        Some(s.organisation),
        "ceremony.upload",
        json!({"setup": id, "file": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

// ---------------------------------------------------------------------------
// Opening: the ceremony's end, credentials, the ballot box

/// The voting codes and the public credential list of a roll: one code per
/// member, in roll order, and the list sorted by credential (record.md §4).
pub fn make_credentials(
    manifest_bytes: &[u8],
    districts: &[String],
) -> (Vec<VotingCode>, Vec<CredentialLine>) {
    let m_hash = manifest_hash(manifest_bytes);
    let codes: Vec<VotingCode> = districts
        .par_iter()
        .map_init(os_rng, |rng, _| VotingCode::generate(rng))
        .collect();
    let publics: Vec<_> = codes
        .par_chunks(1024)
        .flat_map_iter(|chunk| {
            let secrets: Vec<_> = chunk.iter().map(|c| c.secret(&m_hash)).collect();
            public_credentials(&secrets)
        })
        .collect();
    let mut lines: Vec<CredentialLine> = publics
        .iter()
        .zip(districts)
        .map(|(c, d)| CredentialLine {
            credential: c.to_hex(),
            district: d.clone(),
            weight: 1,
        })
        .collect();
    lines.sort_unstable_by(|a, b| a.credential.cmp(&b.credential));
    (codes, lines)
}

fn write_lines(path: &FsPath, lines: &[CredentialLine]) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    for line in lines {
        record::write_line(&mut w, line)?;
    }
    w.flush()
}

/// Opening's CPU and file work, off the runtime: finishes the ceremony
/// from its files, makes the credentials and checks the set-up exactly as
/// `valurna election load` does.
fn prepare_opening(
    ceremony: Vec<(String, Vec<u8>)>,
    manifest_bytes: &[u8],
    districts: &[String],
) -> Result<(commands::Setup, Vec<VotingCode>), ApiError> {
    let dir = tempfile::tempdir().map_err(|_| ApiError::internal("temporary directory"))?;
    let io = |_| ApiError::internal("temporary files");
    for (name, bytes) in &ceremony {
        std::fs::write(dir.path().join(name), bytes).map_err(io)?;
    }
    let outcome = commands::ceremony_finish(dir.path())
        .map_err(|e| ApiError::conflict("ceremony_incomplete", e.to_string()))?;
    let (codes, lines) = make_credentials(manifest_bytes, districts);
    std::fs::write(dir.path().join(files::MANIFEST), manifest_bytes).map_err(io)?;
    write_lines(&dir.path().join(files::CREDENTIALS), &lines).map_err(io)?;
    let credentials_hash = record::sha256_file(&dir.path().join(files::CREDENTIALS)).map_err(io)?;
    let params: CeremonyParamsFile = ceremony
        .iter()
        .find(|(n, _)| n == CEREMONY_PARAMS)
        .and_then(|(_, b)| serde_json::from_slice(b).ok())
        .ok_or_else(|| ApiError::internal("ceremony params"))?;
    let m_hash = manifest_hash(manifest_bytes);
    let base_hash = record::base_hash(
        &m_hash,
        params.trustees,
        params.threshold,
        outcome.joint_key.element(),
        &credentials_hash,
    );
    record::write_json(
        &dir.path().join(files::PARAMETERS),
        &Parameters {
            version: 1,
            trustees: params.trustees,
            threshold: params.threshold,
            dlog_bound: valurna_engine::elgamal::DLOG_BOUND,
            manifest_hash: hex::encode(m_hash),
            credentials_hash: hex::encode(credentials_hash),
            joint_key: outcome.joint_key.element().to_hex(),
            base_hash: hex::encode(base_hash),
        },
    )
    .map_err(io)?;
    let setup = commands::check_setup(dir.path())
        .map_err(|e| ApiError::internal(&format!("set-up does not check: {e}")))?;
    Ok((setup, codes))
}

async fn open_voting(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Value>, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let s = visible_setup(&tx, &staff, id, true).await?;
    staff.require(s.organisation, MANAGERS)?;
    require_status(&s, &["ceremony"])?;
    let manifest_bytes = s
        .manifest
        .clone()
        .ok_or_else(|| ApiError::internal("frozen set-up without a manifest"))?;
    let ceremony: Vec<(String, Vec<u8>)> = tx
        .query(
            "SELECT name, bytes FROM ceremony_files WHERE setup = $1",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let members = tx
        .query(
            "SELECT contact, district FROM members WHERE setup = $1 ORDER BY id",
            &[&id],
        )
        .await?;
    let contacts: Vec<Option<String>> = members.iter().map(|r| r.get(0)).collect();
    let districts: Vec<String> = members.iter().map(|r| r.get(1)).collect();
    let (setup, codes) =
        tokio::task::spawn_blocking(move || prepare_opening(ceremony, &manifest_bytes, &districts))
            .await
            .map_err(|_| ApiError::internal("opening"))??;
    let ballot_box = store::load_election_in(&tx, &setup, app.receipt_key().public())
        .await
        .map_err(ApiError::from)?;
    // The voting codes go to the outbox, and nowhere else.
    let subject = format!("Your voting code: {}", s.title);
    for chunk in contacts
        .iter()
        .zip(&codes)
        .collect::<Vec<_>>()
        .chunks(10_000)
    {
        let recipients: Vec<&str> = chunk.iter().filter_map(|(c, _)| c.as_deref()).collect();
        let bodies: Vec<Zeroizing<String>> = chunk
            .iter()
            .filter(|(c, _)| c.is_some())
            .map(|(_, code)| {
                Zeroizing::new(format!(
                    "Your voting code for \"{}\" is {}. Keep it secret: it is your vote. \
                     It cannot be sent again.",
                    s.title,
                    code.display()
                ))
            })
            .collect();
        let body_refs: Vec<&str> = bodies.iter().map(|b| b.as_str()).collect();
        tx.execute(
            "INSERT INTO outbox (setup, recipient, subject, body) \
             SELECT $1, r, $2, b FROM unnest($3::text[], $4::text[]) AS u(r, b)",
            &[&id, &subject, &recipients, &body_refs],
        )
        .await?;
    }
    tx.execute(
        "UPDATE setups SET ballot_box = $2 WHERE id = $1",
        &[&id, &ballot_box],
    )
    .await?;
    advance(
        &tx,
        &staff,
        &s,
        "open",
        json!({"setup": id, "ballot_box": ballot_box, "credentials": codes.len(),
               "base_hash": hex::encode(setup.base_hash)}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({
        "ballot_box": ballot_box,
        "credentials": codes.len(),
        "joint_key": setup.parameters.joint_key,
        "base_hash": hex::encode(setup.base_hash),
    })))
}

/// `POST /api/setups/{id}/outbox/export`: every waiting message as CSV
/// (`recipient,subject,body`), for the organisation's own mailing. The
/// messages leave the outbox in the same transaction: each is handed out
/// once.
async fn export_outbox(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Response, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let s = visible_setup(&tx, &staff, id, true).await?;
    staff.require(s.organisation, MANAGERS)?;
    let rows = tx
        .query(
            "DELETE FROM outbox WHERE setup = $1 RETURNING id, recipient, subject, body",
            &[&id],
        )
        .await?;
    let mut rows: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.get::<_, i64>(0),
                r.get::<_, String>(1),
                r.get::<_, String>(2),
                Zeroizing::new(r.get::<_, String>(3)),
            )
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["recipient", "subject", "body"])
        .map_err(|_| ApiError::internal("csv"))?;
    for (_, recipient, subject, body) in &rows {
        w.write_record([recipient.as_str(), subject.as_str(), body.as_str()])
            .map_err(|_| ApiError::internal("csv"))?;
    }
    let out = w.into_inner().map_err(|_| ApiError::internal("csv"))?;
    audit(
        &tx,
        Some(&staff),
        Some(s.organisation),
        "outbox.export",
        json!({"setup": id, "messages": rows.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        Body::from(out),
    )
        .into_response())
}

// ---------------------------------------------------------------------------
// Closing and the tally

async fn close_voting(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Value>, ApiError> {
    let s = {
        let client = app.pool().get().await?;
        visible_setup(&client, &staff, id, false).await?
    };
    staff.require(s.organisation, MANAGERS)?;
    require_status(&s, &["open"])?;
    let ballot_box = s
        .ballot_box
        .ok_or_else(|| ApiError::internal("open set-up without a ballot box"))?;
    // Sealing is its own transaction (it locks the election's row, as
    // every append does); a retry after a failure below finds it closed.
    match store::close(app.pool(), ballot_box).await {
        Ok(_) | Err(store::StoreError::Closed) => {}
        Err(e) => return Err(e.into()),
    }
    let dir = app.record_dir(ballot_box);
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(|_| ApiError::internal("data directory"))?;
    }
    if !dir.exists() {
        store::export(app.pool(), ballot_box, &dir).await?;
    }
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let s = setup_row(&tx, id, true).await?;
    require_status(&s, &["open"])?;
    let (count, head, seal) = store::board_head(app.pool(), ballot_box).await?;
    advance(
        &tx,
        &staff,
        &s,
        "closed",
        json!({"setup": id, "ballot_box": ballot_box, "board": count,
               "seal": seal.map(hex::encode)}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({
        "ballot_box": ballot_box,
        "count": count,
        "head": hex::encode(head),
        "seal": seal.map(hex::encode),
    })))
}

/// What the tally stands at after a decryption share.
#[derive(Debug, Serialize, Deserialize)]
pub struct TallyProgress {
    /// Valid shares so far.
    pub valid_shares: u32,
    /// Needed.
    pub threshold: u32,
    /// Whether the result is published.
    pub tallied: bool,
}

/// Checks one trustee's decryption share against the published tally,
/// ceremony and parameters in the record directory.
fn check_decryption(dir: &FsPath, json: &DecryptionShareJson) -> Result<(), ApiError> {
    let corrupt = |_| ApiError::internal("the published record does not read");
    let parameters: Parameters =
        record::read_json(&dir.join(files::PARAMETERS)).map_err(corrupt)?;
    let base_hash = parameters.computed_base_hash().map_err(corrupt)?;
    let tally = record::read_json::<TallyFile>(&dir.join(files::TALLY))
        .and_then(|t| t.tally())
        .map_err(corrupt)?;
    let ceremony: record::CeremonyFile =
        record::read_json(&dir.join(files::CEREMONY)).map_err(corrupt)?;
    let public = ceremony
        .public_shares()
        .map_err(corrupt)?
        .get((json.trustee as usize).wrapping_sub(1))
        .copied()
        .ok_or_else(|| ApiError::internal("no public share for the trustee"))?;
    let refuse = |e: valurna_engine::Error| {
        ApiError::invalid(
            "bad_decryption_share",
            format!("trustee {}: {e}", json.trustee),
        )
    };
    let share = DecryptionFile {
        shares: vec![json.clone()],
    }
    .shares()
    .map_err(refuse)?
    .into_iter()
    .next()
    .ok_or_else(|| ApiError::internal("share"))?;
    share.verify(&base_hash, &tally, &public).map_err(refuse)
}

async fn upload_decryption(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
    body: Result<Json<DecryptionShareJson>, JsonRejection>,
) -> Result<Json<TallyProgress>, ApiError> {
    let share = json_body(body)?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let s = visible_setup(&tx, &staff, id, true).await?;
    let index = trustee_index(&tx, &staff, id).await?;
    require_status(&s, &["closed"])?;
    if share.trustee != index {
        return Err(ApiError::invalid(
            "wrong_sender",
            format!(
                "you are trustee {index}; the share claims {}",
                share.trustee
            ),
        ));
    }
    let ballot_box = s
        .ballot_box
        .ok_or_else(|| ApiError::internal("closed set-up without a ballot box"))?;
    let dir = app.record_dir(ballot_box);
    let checked = tokio::task::spawn_blocking({
        let (dir, share) = (dir.clone(), share.clone());
        move || check_decryption(&dir, &share)
    })
    .await
    .map_err(|_| ApiError::internal("share check"))?;
    if let Err(e) = checked {
        tracing::warn!(setup = id, trustee = index, "decryption share refused");
        return Err(e);
    }
    let bytes = serde_json::to_vec_pretty(&share).map_err(|_| ApiError::internal("share"))?;
    tx.execute(
        "INSERT INTO decryption_shares (setup, trustee, bytes) VALUES ($1, $2, $3)",
        &[&id, &(index as i32), &bytes],
    )
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            ApiError::conflict("already_uploaded", "your share is there already")
        } else {
            e.into()
        }
    })?;
    std::fs::write(dir.join(format!("decryption-share-{index}.json")), &bytes)
        .map_err(|_| ApiError::internal("record directory"))?;
    let valid: i64 = tx
        .query_one(
            "SELECT count(*) FROM decryption_shares WHERE setup = $1",
            &[&id],
        )
        .await?
        .get(0);
    let valid = u32::try_from(valid).unwrap_or(u32::MAX);
    let tallied = valid >= s.threshold;
    if tallied {
        let (result, _) = tokio::task::spawn_blocking(move || commands::tally_finish(&dir))
            .await
            .map_err(|_| ApiError::internal("tally"))?
            .map_err(|e| ApiError::internal(&format!("tally: {e}")))?;
        advance(
            &tx,
            &staff,
            &s,
            "tallied",
            json!({"setup": id, "contests": result.contests.len()}),
        )
        .await?;
    } else {
        audit(
            &tx,
            Some(&staff),
            Some(s.organisation),
            "decryption.upload",
            json!({"setup": id, "trustee": index}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(TallyProgress {
        valid_shares: valid,
        threshold: s.threshold,
        tallied,
    }))
}

/// What the retention step removed.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Retention {
    /// Members whose contact (e-mail or phone) was deleted.
    pub contacts: u64,
    /// Members whose name was deleted (all but the approved candidates,
    /// whose names are public in the manifest).
    pub names: u64,
    /// Outbox messages deleted unsent (voting and sign-in codes among
    /// them).
    pub messages: u64,
    /// Members' sessions and sign-in codes deleted.
    pub sessions: u64,
}

/// Deletes an election's personal data once it is tallied (issue 8 §6):
/// contacts, names of members who were not candidates, the outbox, and
/// members' sessions and codes. What stays is the public record and the
/// member numbers and districts of the roll (its size per district). The
/// server never kept a link from a member to a credential or a ballot.
pub async fn apply_retention(tx: &Transaction<'_>, setup: i64) -> Result<Retention, ApiError> {
    let sessions = tx
        .execute(
            "DELETE FROM sessions WHERE member IN (SELECT id FROM members WHERE setup = $1)",
            &[&setup],
        )
        .await?
        + tx.execute(
            "DELETE FROM login_codes WHERE member IN \
                 (SELECT id FROM members WHERE setup = $1)",
            &[&setup],
        )
        .await?;
    let messages = tx
        .execute("DELETE FROM outbox WHERE setup = $1", &[&setup])
        .await?;
    let contacts = tx
        .execute(
            "UPDATE members SET contact = NULL WHERE setup = $1 AND contact IS NOT NULL",
            &[&setup],
        )
        .await?;
    let names = tx
        .execute(
            "UPDATE members m SET name = '' WHERE m.setup = $1 AND m.name <> '' \
             AND NOT EXISTS (SELECT 1 FROM nominations n WHERE n.nominee = m.id \
                             AND n.status = 'approved')",
            &[&setup],
        )
        .await?;
    Ok(Retention {
        contacts,
        names,
        messages,
        sessions,
    })
}

/// `valurna election retention`: [`apply_retention`] from the command line
/// (an operator's step, audited without a staff actor).
pub async fn retention_command(
    pool: &deadpool_postgres::Pool,
    id: i64,
) -> Result<Retention, ApiError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let s = setup_row(&tx, id, true).await?;
    require_status(&s, &["tallied"])?;
    let removed = apply_retention(&tx, id).await?;
    audit(
        &tx,
        None,
        Some(s.organisation),
        "retention.apply",
        json!({"setup": id, "contacts": removed.contacts, "names": removed.names,
               "messages": removed.messages, "sessions": removed.sessions, "by": "command"}),
    )
    .await?;
    tx.commit().await?;
    Ok(removed)
}

/// `POST /api/setups/{id}/retention`: the organisation's admin deletes the
/// election's personal data after the result is published.
async fn retention(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<Retention>, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let s = visible_setup(&tx, &staff, id, true).await?;
    staff.require(s.organisation, &[Role::OrgAdmin])?;
    require_status(&s, &["tallied"])?;
    let removed = apply_retention(&tx, id).await?;
    audit(
        &tx,
        Some(&staff),
        Some(s.organisation),
        "retention.apply",
        json!({"setup": id, "contacts": removed.contacts, "names": removed.names,
               "messages": removed.messages, "sessions": removed.sessions}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(removed))
}

/// The files of a published record, in the order `valurna-verify` reads
/// them.
pub const RECORD_FILES: &[&str] = &[
    files::MANIFEST,
    files::PARAMETERS,
    files::CEREMONY,
    files::CREDENTIALS,
    files::BOARD,
    files::BOARD_SEAL,
    files::TALLY,
    files::DECRYPTION,
    files::RESULT,
];

async fn record_files(
    State(app): State<AppState>,
    P(id): P<i64>,
) -> Result<Json<Vec<CeremonyFileJson>>, ApiError> {
    let dir = app.record_dir(id);
    if !dir.is_dir() {
        return Err(ApiError::not_found(
            "no_record",
            "no record is published for this election (yet)",
        ));
    }
    let mut list = Vec::new();
    for name in RECORD_FILES {
        if let Ok(meta) = tokio::fs::metadata(dir.join(name)).await {
            list.push(CeremonyFileJson {
                name: (*name).into(),
                size: meta.len(),
            });
        }
    }
    Ok(Json(list))
}

async fn record_file(
    State(app): State<AppState>,
    P((id, file)): P<(i64, String)>,
) -> Result<Response, ApiError> {
    if !RECORD_FILES.contains(&file.as_str()) {
        return Err(ApiError::not_found("no_such_file", "no such record file"));
    }
    let f = tokio::fs::File::open(app.record_dir(id).join(&file))
        .await
        .map_err(|_| ApiError::not_found("no_such_file", "this file is not published (yet)"))?;
    let content_type = if file.ends_with(".jsonl") {
        "application/jsonl"
    } else {
        "application/json"
    };
    Ok((
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(tokio_util::io::ReaderStream::new(f)),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn credentials_are_one_per_member_sorted_and_match_the_codes() {
        let manifest = b"{\"any\": \"bytes\"}";
        let districts: Vec<String> = ["North", "South", "North"].map(String::from).to_vec();
        let (codes, lines) = make_credentials(manifest, &districts);
        assert_eq!(codes.len(), 3);
        assert_eq!(lines.len(), 3);
        assert!(lines.windows(2).all(|w| w[0].credential < w[1].credential));
        let m_hash = manifest_hash(manifest);
        for (code, district) in codes.iter().zip(&districts) {
            let public = code.secret(&m_hash).public().to_hex();
            let line = lines.iter().find(|l| l.credential == public).unwrap();
            assert_eq!(&line.district, district);
            assert_eq!(line.weight, 1);
        }
    }

    #[test]
    fn a_trustee_uploads_only_its_own_files() {
        let announcement = serde_json::to_vec(&json!({
            "index": 2, "communication_key": "00", "communication_proof": "00", "commitments": []
        }))
        .unwrap();
        let confirmation = serde_json::to_vec(&json!({"index": 2, "proof": "00"})).unwrap();
        assert!(check_ceremony_upload("confirmation-2.json", 2, &confirmation).is_ok());
        assert_eq!(
            check_ceremony_upload("confirmation-3.json", 2, &confirmation)
                .unwrap_err()
                .code(),
            "wrong_file_name"
        );
        assert_eq!(
            check_ceremony_upload("confirmation-3.json", 3, &confirmation)
                .unwrap_err()
                .code(),
            "wrong_sender"
        );
        assert_eq!(
            check_ceremony_upload("confirmation-2.json", 2, b"{")
                .unwrap_err()
                .code(),
            "malformed_file"
        );
        assert_eq!(
            check_ceremony_upload("shares-from-2.json", 2, &announcement)
                .unwrap_err()
                .code(),
            "malformed_file"
        );
        assert_eq!(
            check_ceremony_upload("../etc/passwd", 2, &confirmation)
                .unwrap_err()
                .code(),
            "wrong_file_name"
        );
        let shares = serde_json::to_vec(&json!([])).unwrap();
        assert!(check_ceremony_upload("shares-from-2.json", 2, &shares).is_ok());
    }
}
