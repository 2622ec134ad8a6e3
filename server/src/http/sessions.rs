//! Signing in and out: staff with a username and password, members with a
//! one-time code sent to the contact on the roll (asking for one never
//! says whether the member exists).

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::error::ApiError;
use super::extract::{Member, Staff, expired_cookie, json_body, request_session, session_cookie};
use super::state::AppState;
use crate::db;
use crate::election::accounts::{self, CODE_MINUTES, CODE_TRIES};

/// The routes of signing in and out.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/member/code", post(request_code))
        .route("/api/member/login", post(member_login))
        .route("/api/member/logout", post(member_logout))
}

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
    let account = db::organisations::login(&client, &req.username).await?;
    let stored = account.as_ref().map_or_else(
        || accounts::dummy_hash().to_string(),
        |a| a.password_hash.clone(),
    );
    let password = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || accounts::verify_password(&password, &stored))
        .await
        .map_err(|_| ApiError::internal("password check"))?;
    let Some(account) = account.filter(|_| ok) else {
        return Err(bad_credentials());
    };
    let token = accounts::token();
    let csrf = accounts::token();
    let tx = client.transaction().await?;
    db::sessions::create_staff(
        &tx,
        &accounts::token_hash(&token),
        account.id,
        &csrf,
        accounts::STAFF_SESSION_SECS,
    )
    .await?;
    db::audit::write(
        &tx,
        Some(account.id),
        account.organisation,
        "login",
        &json!({}),
    )
    .await?;
    tx.commit().await?;
    let cookie = session_cookie(&token, accounts::STAFF_SESSION_SECS, app.secure_cookies());
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(SessionJson {
            csrf_token: csrf.to_string(),
            username: req.username,
            role: account.role,
            organisation: account.organisation,
        }),
    )
        .into_response())
}

/// Ends the request's session and clears its cookie.
async fn end_session(app: &AppState, headers: &HeaderMap) -> Result<Response, ApiError> {
    if let Some(hash) = request_session(headers) {
        db::sessions::delete(&app.pool().get().await?, &hash).await?;
    }
    Ok((
        [(header::SET_COOKIE, expired_cookie(app.secure_cookies()))],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

async fn logout(
    State(app): State<AppState>,
    // Signing out needs a valid session and its CSRF token.
    _staff: Staff,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    end_session(&app, &headers).await
}

async fn me(staff: Staff) -> Json<SessionJson> {
    Json(SessionJson {
        csrf_token: staff.csrf,
        username: staff.username,
        role: staff.role.as_str().into(),
        organisation: staff.organisation,
    })
}

/// `POST /api/member/code`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The election.
    pub election: i64,
    /// The member's number on the roll.
    pub member_number: String,
}

async fn request_code(
    State(app): State<AppState>,
    body: Result<Json<CodeRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let req = json_body(body)?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    // The same answer whether or not the member exists: nobody learns who
    // is on the roll by asking.
    if let Some((member, contact, title)) =
        db::sessions::code_recipient(&tx, req.election, &req.member_number).await?
    {
        let code = accounts::one_time_code();
        db::sessions::store_code(
            &tx,
            member,
            &accounts::code_hash(member, &code),
            CODE_MINUTES,
        )
        .await?;
        let body = Zeroizing::new(format!(
            "Your sign-in code for the nominations of \"{title}\" is {}. It is valid for \
             {CODE_MINUTES} minutes.",
            code.as_str()
        ));
        db::outbox::queue(&tx, req.election, &contact, "Your sign-in code", &body).await?;
    }
    tx.commit().await?;
    Ok(StatusCode::ACCEPTED)
}

/// `POST /api/member/login`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberLogin {
    /// The election.
    pub election: i64,
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

async fn member_login(
    State(app): State<AppState>,
    body: Result<Json<MemberLogin>, JsonRejection>,
) -> Result<Response, ApiError> {
    let req = json_body(body)?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let row = db::sessions::code_for_update(&tx, req.election, &req.member_number)
        .await?
        .ok_or_else(bad_code)?;
    let matches =
        bool::from(accounts::code_hash(row.member, req.code.trim()).ct_eq(&row.code_hash));
    if !row.fresh || row.attempts >= CODE_TRIES || !matches {
        db::sessions::code_failed(&tx, row.member).await?;
        tx.commit().await?;
        return Err(bad_code());
    }
    db::sessions::code_used(&tx, row.member).await?;
    let token = accounts::token();
    let csrf = accounts::token();
    db::sessions::create_member(
        &tx,
        &accounts::token_hash(&token),
        row.member,
        &csrf,
        accounts::MEMBER_SESSION_SECS,
    )
    .await?;
    tx.commit().await?;
    let cookie = session_cookie(&token, accounts::MEMBER_SESSION_SECS, app.secure_cookies());
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(MemberSession {
            csrf_token: csrf.to_string(),
            district: row.district,
        }),
    )
        .into_response())
}

async fn member_logout(
    State(app): State<AppState>,
    _member: Member,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    end_session(&app, &headers).await
}
