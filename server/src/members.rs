//! Members during nominations: they sign in with a one-time code sent to
//! the contact on the roll, propose a candidate in their own district
//! (themselves or another member), accept or decline their own
//! nomination, and write a presentation (issue 5 §4).
//!
//! | method and path | what |
//! |---|---|
//! | `POST /api/member/code` | `{setup, member_number}`: a code goes to the member's contact (always 202) |
//! | `POST /api/member/login` | `{setup, member_number, code}`: a session cookie |
//! | `POST /api/member/logout` | ends it |
//! | `GET /api/member/nominations` | the nominations the member made or received |
//! | `POST /api/member/nominations` | `{nominee}`: propose a member of the same district |
//! | `POST /api/member/nominations/{n}/respond` | `{accept}`: the nominee's answer |
//! | `PUT /api/member/presentation` | `{text}`: the nominee's presentation |

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::auth::{self, Member};
use crate::manage::{Created, setup_row};
use crate::serve::{ApiError, AppState, P};

/// Minutes a one-time code is valid.
pub const CODE_MINUTES: f64 = 15.0;
/// Wrong tries before a code is spent.
pub const CODE_TRIES: i32 = 5;
/// Longest presentation, in characters.
pub const MAX_PRESENTATION: usize = 2000;

/// The members' routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/member/code", post(request_code))
        .route("/api/member/login", post(login))
        .route("/api/member/logout", post(logout))
        .route("/api/member/nominations", get(mine).post(nominate))
        .route("/api/member/nominations/{n}/respond", post(respond))
        .route("/api/member/presentation", put(presentation))
}

fn code_hash(member: i64, code: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"valurna/login-code/v1");
    h.update(member.to_le_bytes());
    h.update(code.as_bytes());
    h.finalize().to_vec()
}

/// `POST /api/member/code`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The election (set-up).
    pub setup: i64,
    /// The member's number on the roll.
    pub member_number: String,
}

async fn request_code(
    State(app): State<AppState>,
    body: Result<Json<CodeRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(req) = body?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT m.id, m.contact, s.title FROM members m JOIN setups s ON s.id = m.setup \
             WHERE m.setup = $1 AND m.member_number = $2 AND s.status = 'nominations' \
             AND m.contact IS NOT NULL",
            &[&req.setup, &req.member_number],
        )
        .await?;
    // The same answer whether or not the member exists: nobody learns who
    // is on the roll by asking.
    if let Some(row) = row {
        let member: i64 = row.get(0);
        let contact: String = row.get(1);
        let title: String = row.get(2);
        let code = auth::one_time_code();
        tx.execute(
            "INSERT INTO login_codes (member, code_hash, expires_at, attempts) \
             VALUES ($1, $2, now() + make_interval(mins => $3), 0) \
             ON CONFLICT (member) DO UPDATE SET code_hash = $2, \
             expires_at = now() + make_interval(mins => $3), attempts = 0",
            &[&member, &code_hash(member, &code), &(CODE_MINUTES as i32)],
        )
        .await?;
        let body = Zeroizing::new(format!(
            "Your sign-in code for the nominations of \"{title}\" is {}. It is valid for \
             {CODE_MINUTES} minutes.",
            code.as_str()
        ));
        tx.execute(
            "INSERT INTO outbox (setup, recipient, subject, body) VALUES ($1, $2, $3, $4)",
            &[&req.setup, &contact, &"Your sign-in code", &body.as_str()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::ACCEPTED)
}

/// `POST /api/member/login`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberLogin {
    /// The election (set-up).
    pub setup: i64,
    /// The member's number.
    pub member_number: String,
    /// The one-time code.
    pub code: Zeroizing<String>,
}

/// A member's session.
#[derive(Debug, Serialize, Deserialize)]
pub struct MemberSession {
    /// Send this in `X-CSRF-Token`.
    pub csrf_token: String,
    /// The member's district.
    pub district: String,
}

fn bad_code() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "bad_code",
        "wrong, expired or spent code: ask for a new one",
    )
}

async fn login(
    State(app): State<AppState>,
    body: Result<Json<MemberLogin>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT m.id, m.district, c.code_hash, c.attempts, c.expires_at > now() \
             FROM members m JOIN login_codes c ON c.member = m.id \
             WHERE m.setup = $1 AND m.member_number = $2 FOR UPDATE OF c",
            &[&req.setup, &req.member_number],
        )
        .await?
        .ok_or_else(bad_code)?;
    let member: i64 = row.get(0);
    let stored: Vec<u8> = row.get(2);
    let attempts: i32 = row.get(3);
    let fresh: bool = row.get(4);
    let matches = bool::from(code_hash(member, req.code.trim()).ct_eq(&stored));
    if !fresh || attempts >= CODE_TRIES || !matches {
        tx.execute(
            "UPDATE login_codes SET attempts = attempts + 1 WHERE member = $1",
            &[&member],
        )
        .await?;
        tx.commit().await?;
        return Err(bad_code());
    }
    tx.execute("DELETE FROM login_codes WHERE member = $1", &[&member])
        .await?;
    let token = auth::token();
    let csrf = auth::token();
    tx.execute(
        "INSERT INTO sessions (token_hash, member, csrf, expires_at) \
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        &[
            &auth::token_hash(&token),
            &member,
            &csrf.as_str(),
            &(auth::MEMBER_SESSION_SECS as f64),
        ],
    )
    .await?;
    tx.commit().await?;
    let cookie = auth::session_cookie(&token, auth::MEMBER_SESSION_SECS, app.secure_cookies());
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(MemberSession {
            csrf_token: csrf.to_string(),
            district: row.get(1),
        }),
    )
        .into_response())
}

async fn logout(
    State(app): State<AppState>,
    _member: Member,
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
    let rows = client
        .query(
            "SELECT n.id, CASE WHEN n.nominee = $1 THEN 'nominee' ELSE 'proposer' END, \
             m.member_number, n.status, n.reason, n.presentation FROM nominations n \
             JOIN members m ON m.id = n.nominee \
             WHERE n.nominee = $1 OR n.proposer = $1 ORDER BY n.id",
            &[&member.id],
        )
        .await?;
    Ok(Json(
        rows.iter()
            .map(|r| MyNomination {
                id: r.get(0),
                role: r.get(1),
                nominee: r.get(2),
                status: r.get(3),
                reason: r.get(4),
                presentation: r.get(5),
            })
            .collect(),
    ))
}

/// `POST /api/member/nominations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nominate {
    /// The nominee's member number (your own to stand yourself).
    pub nominee: String,
}

async fn nominations_open(
    tx: &deadpool_postgres::Transaction<'_>,
    member: &Member,
) -> Result<String, ApiError> {
    let s = setup_row(tx, member.setup, false).await?;
    if s.status != "nominations" {
        return Err(ApiError::conflict(
            "nominations_closed",
            "nominations are not open",
        ));
    }
    Ok(s.title)
}

async fn nominate(
    State(app): State<AppState>,
    member: Member,
    body: Result<Json<Nominate>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let Json(req) = body?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let title = nominations_open(&tx, &member).await?;
    let nominee = tx
        .query_opt(
            "SELECT id, district, contact FROM members WHERE setup = $1 AND member_number = $2",
            &[&member.setup, &req.nominee],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("no_such_member", "no member with this number"))?;
    let nominee_id: i64 = nominee.get(0);
    let district: String = nominee.get(1);
    if district != member.district {
        return Err(ApiError::invalid(
            "wrong_district",
            "you can nominate members of your own district only",
        ));
    }
    let own = nominee_id == member.id;
    let status = if own { "accepted" } else { "proposed" };
    let id: i64 = tx
        .query_one(
            "INSERT INTO nominations (setup, nominee, proposer, status) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[&member.setup, &nominee_id, &member.id, &status],
        )
        .await
        .map_err(|e| {
            if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
                ApiError::conflict("already_nominated", "this member is nominated already")
            } else {
                e.into()
            }
        })?
        .get(0);
    if let (false, Some(contact)) = (own, nominee.get::<_, Option<String>>(2)) {
        tx.execute(
            "INSERT INTO outbox (setup, recipient, subject, body) VALUES ($1, $2, $3, $4)",
            &[
                &member.setup,
                &contact,
                &"You have been nominated",
                &format!(
                    "You have been nominated as a candidate in \"{title}\". Sign in to the \
                     nominations to accept or decline."
                ),
            ],
        )
        .await?;
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
    body: Result<Json<Respond>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(req) = body?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    nominations_open(&tx, &member).await?;
    let status: String = tx
        .query_opt(
            "SELECT status FROM nominations WHERE id = $1 AND nominee = $2 FOR UPDATE",
            &[&n, &member.id],
        )
        .await?
        .ok_or_else(|| {
            ApiError::not_found("no_such_nomination", "no nomination of yours has this id")
        })?
        .get(0);
    if status != "proposed" {
        return Err(ApiError::conflict(
            "already_answered",
            format!("the nomination is {status}"),
        ));
    }
    let to = if req.accept { "accepted" } else { "declined" };
    tx.execute(
        "UPDATE nominations SET status = $2 WHERE id = $1",
        &[&n, &to],
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/member/presentation`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presentation {
    /// At most [`MAX_PRESENTATION`] characters; line breaks allowed.
    pub text: String,
}

async fn presentation(
    State(app): State<AppState>,
    member: Member,
    body: Result<Json<Presentation>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(req) = body?;
    let text = req.text.trim();
    if text.is_empty()
        || text.chars().count() > MAX_PRESENTATION
        || text.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(ApiError::invalid(
            "invalid_field",
            format!("a presentation has 1 to {MAX_PRESENTATION} characters"),
        ));
    }
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    nominations_open(&tx, &member).await?;
    let updated = tx
        .execute(
            "UPDATE nominations SET presentation = $2 WHERE nominee = $1 \
             AND status IN ('proposed', 'accepted', 'approved')",
            &[&member.id, &text],
        )
        .await?;
    if updated == 0 {
        return Err(ApiError::not_found(
            "no_such_nomination",
            "you have no standing nomination",
        ));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
