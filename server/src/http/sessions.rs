//! Signing in and out: staff with a username and password, members with a
//! one-time code sent to the contact on the roll (asking for one never
//! says whether the member exists).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::access::password_hash;
use super::error::ApiError;
use super::extract::{
    ClientIp, JsonBody, Member, Staff, expired_cookie, request_session, session_cookie,
};
use super::state::AppState;
use crate::db;

use crate::election::accounts::{self, CODE_MINUTES, CODE_TRIES};
use crate::election::messages::Kind as MessageKind;
use crate::election::roll::normalise_member_number;
use crate::election::second_factor;
use crate::election::throttle::{self, Policy};

/// How long asking for a sign-in code takes, whatever the answer: the
/// work for a member on the roll (a code, a message) is done within it,
/// so the time says nothing of who is on the roll.
pub const CODE_ANSWER: std::time::Duration = std::time::Duration::from_millis(250);

/// The 429 of a locked key.
fn too_many(secs: i64) -> ApiError {
    ApiError::too_many(
        "too_many_attempts",
        format!("too many attempts: try again in {secs} seconds"),
        u64::try_from(secs).unwrap_or(1),
    )
}

/// The keys of a sign-in: its subject's under `subject_policy`, and the
/// client address's under `address_policy`.
fn keys(
    subject_policy: &Policy,
    subject: &str,
    address_policy: &Policy,
    ip: Option<std::net::IpAddr>,
) -> Vec<(String, Policy)> {
    let mut keys = vec![(subject_policy.key(subject), *subject_policy)];
    if let Some(ip) = ip {
        keys.push((address_policy.key(&ip.to_string()), *address_policy));
    }
    keys
}

/// Refuses with 429 while any of `keys` is locked.
async fn check_unlocked(
    client: &impl db::GenericClient,
    keys: &[(String, Policy)],
) -> Result<(), ApiError> {
    for (key, _) in keys {
        if let Some(secs) = db::throttle::locked(client, key).await? {
            return Err(too_many(secs));
        }
    }
    Ok(())
}

/// Counts a hit on every key; the lock the subject's key (the first)
/// started, if any.
async fn hit_all(
    client: &impl db::GenericClient,
    keys: &[(String, Policy)],
) -> Result<Option<i64>, ApiError> {
    let mut first = None;
    for (i, (key, policy)) in keys.iter().enumerate() {
        let hit = db::throttle::hit(client, key, policy).await?;
        if i == 0 {
            first = hit.locked;
        }
    }
    Ok(first)
}

/// The routes of signing in and out.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/me/password", post(change_password))
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
    /// The six-digit code of the account's authenticator app, if the
    /// account has a second factor (empty is none).
    #[serde(default)]
    pub code: Option<Zeroizing<String>>,
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
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<Response, ApiError> {
    let req = body;
    if req.username.len() > 64 || req.password.len() > 1024 {
        return Err(bad_credentials());
    }
    // Limits per account name (known or not) and per client address; a
    // locked key refuses the right password too.
    let limits = keys(
        &throttle::STAFF_ACCOUNT,
        &req.username.to_lowercase(),
        &throttle::STAFF_ADDRESS,
        ip,
    );
    let mut client = app.pool().get().await?;
    check_unlocked(&client, &limits).await?;
    let account = db::organisations::login(&client, &req.username).await?;
    let stored = account.as_ref().map_or_else(
        || accounts::dummy_hash().to_string(),
        |a| a.password_hash.clone(),
    );
    let password = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || accounts::verify_password(&password, &stored))
        .await
        .map_err(|_| ApiError::internal("password check"))?;
    if !ok {
        let tx = client.transaction().await?;
        let locked = hit_all(&tx, &limits).await?;
        let (actor, org) = account
            .as_ref()
            .map_or((None, None), |a| (Some(a.id), a.organisation));
        let detail = json!({
            "username": super::error::excerpt(&req.username),
            "address": ip.map(|ip| ip.to_string()),
        });
        db::audit::write(&tx, actor, org, "login.failed", &detail).await?;
        if let Some(secs) = locked {
            db::audit::write(
                &tx,
                actor,
                org,
                "login.locked",
                &json!({"username": detail.get("username"), "seconds": secs}),
            )
            .await?;
        }
        tx.commit().await?;
        return Err(bad_credentials());
    }
    let Some(account) = account else {
        return Err(bad_credentials());
    };
    // Said only to whoever knows the password.
    if account.disabled {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account_disabled",
            "this account is disabled: ask your organisation's admin",
        ));
    }
    let code = req.code.as_deref().map(|c| c.trim()).unwrap_or("");
    match check_code(&client, account.id, code).await? {
        Check::NotNeeded | Check::Taken => {}
        Check::Missing => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "second_factor_required",
                "enter the six-digit code from your authenticator app",
            ));
        }
        Check::Wrong => {
            let tx = client.transaction().await?;
            let locked = hit_all(&tx, &limits).await?;
            let org = account.organisation;
            let detail = json!({"second_factor": true, "locked_seconds": locked,
                                "address": ip.map(|ip| ip.to_string())});
            db::audit::write(&tx, Some(account.id), org, "login.failed", &detail).await?;
            tx.commit().await?;
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong_code",
                "wrong or already used code: enter the app's current code",
            ));
        }
    }
    let token = accounts::token();
    let csrf = accounts::token();
    let tx = client.transaction().await?;
    if let Some((key, _)) = limits.first() {
        db::throttle::clear(&tx, key).await?;
    }
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
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<CodeRequest>,
) -> Result<StatusCode, ApiError> {
    let deadline = tokio::time::Instant::now() + CODE_ANSWER;
    let answer = send_code(&app, ip, body).await;
    // The same answer, at the same time, whether or not the member exists:
    // nobody learns who is on the roll by asking.
    tokio::time::sleep_until(deadline).await;
    answer
}

async fn send_code(
    app: &AppState,
    ip: Option<std::net::IpAddr>,
    req: CodeRequest,
) -> Result<StatusCode, ApiError> {
    let number = normalise_member_number(&req.member_number);
    // Codes per member (known or not) and per client address: a few an
    // hour, however often they are asked for.
    let limits = keys(
        &throttle::CODE_REQUESTS,
        &format!("{}:{number}", req.election),
        &throttle::CODE_REQUESTS_ADDRESS,
        ip,
    );
    let mut client = app.pool().get().await?;
    check_unlocked(&client, &limits).await?;
    let tx = client.transaction().await?;
    hit_all(&tx, &limits).await?;
    if let Some((member, contact, title)) =
        db::sessions::code_recipient(&tx, req.election, &number).await?
    {
        let code = accounts::one_time_code();
        db::sessions::store_code(
            &tx,
            member,
            &accounts::code_hash(member, &code),
            CODE_MINUTES,
        )
        .await?;
        let link = super::messages::nominations_link(app);
        let (subject, body) = super::messages::letter(
            &tx,
            req.election,
            MessageKind::SignInCode,
            &title,
            &[
                ("code", code.as_str()),
                ("minutes", &CODE_MINUTES.to_string()),
                ("link", &link),
            ],
        )
        .await?;
        db::outbox::queue(&tx, req.election, &contact, &subject, &body).await?;
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
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<MemberLogin>,
) -> Result<Response, ApiError> {
    let req = body;
    let number = normalise_member_number(&req.member_number);
    // Wrong codes per member (over all their codes, known or not) and per
    // client address.
    let limits = keys(
        &throttle::CODE_FAILURES,
        &format!("{}:{number}", req.election),
        &throttle::CODE_FAILURES_ADDRESS,
        ip,
    );
    let mut client = app.pool().get().await?;
    check_unlocked(&client, &limits).await?;
    let tx = client.transaction().await?;
    let row = db::sessions::code_for_update(&tx, req.election, &number).await?;
    let good = row.as_ref().is_some_and(|row| {
        let matches =
            bool::from(accounts::code_hash(row.member, req.code.trim()).ct_eq(&row.code_hash));
        row.fresh && row.attempts < CODE_TRIES && matches
    });
    let row = match row {
        Some(row) if good => row,
        row => {
            if let Some(row) = &row {
                db::sessions::code_failed(&tx, row.member).await?;
            }
            if let Some(secs) = hit_all(&tx, &limits).await? {
                db::audit::write_for_election(
                    &tx,
                    req.election,
                    "member_login.locked",
                    &json!({"member_number": number, "seconds": secs}),
                )
                .await?;
            }
            tx.commit().await?;
            return Err(bad_code());
        }
    };
    if let Some((key, _)) = limits.first() {
        db::throttle::clear(&tx, key).await?;
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

/// `POST /api/me/password`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    pub current_password: Zeroizing<String>,
    /// The new one (12 to 1024 characters, hard to guess).
    pub new_password: Zeroizing<String>,
}

/// Changes the signed-in account's own password and ends its other
/// sessions. A wrong current password counts against the account's sign-in
/// limits, as a failed sign-in does.
async fn change_password(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    accounts::check_password(&body.new_password, &[&staff.username])?;
    confirm_password(&app, &staff, ip, &body.current_password).await?;
    let hash = password_hash(&body.new_password).await?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    db::organisations::set_password(&tx, staff.id, &hash).await?;
    let ended = db::sessions::end_staff_sessions(&tx, staff.id, Some(&staff.session)).await?;
    audit(
        &tx,
        &staff,
        "password.change",
        json!({"sessions_ended": ended}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the signed-in account's own password, as a change to its
/// sign-in asks for: a wrong one counts against the account's sign-in
/// limits and is audited (`password.failed`), and a locked account is
/// refused even the right one.
pub(super) async fn confirm_password(
    app: &AppState,
    staff: &Staff,
    ip: Option<std::net::IpAddr>,
    password: &Zeroizing<String>,
) -> Result<(), ApiError> {
    if password.len() > 1024 {
        return Err(bad_credentials());
    }
    let limits = keys(
        &throttle::STAFF_ACCOUNT,
        &staff.username.to_lowercase(),
        &throttle::STAFF_ADDRESS,
        ip,
    );
    let mut client = app.pool().get().await?;
    check_unlocked(&client, &limits).await?;
    let stored = db::organisations::password_hash(&client, staff.id)
        .await?
        .ok_or_else(|| ApiError::internal("account"))?;
    let current = password.clone();
    let ok = tokio::task::spawn_blocking(move || accounts::verify_password(&current, &stored))
        .await
        .map_err(|_| ApiError::internal("password check"))?;
    if ok {
        return Ok(());
    }
    let tx = client.transaction().await?;
    let locked = hit_all(&tx, &limits).await?;
    audit(
        &tx,
        staff,
        "password.failed",
        json!({"locked_seconds": locked}),
    )
    .await?;
    tx.commit().await?;
    Err(bad_credentials())
}

async fn audit(
    tx: &tokio_postgres::Transaction<'_>,
    staff: &Staff,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    super::access::audit(tx, Some(staff), staff.organisation, action, detail).await
}

/// What a sign-in's code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// The account has no second factor.
    NotNeeded,
    /// It has one and no code was given.
    Missing,
    /// The code is wrong, too old or already used.
    Wrong,
    /// The code is right, and now used.
    Taken,
}

/// Checks a sign-in's `code` (empty: none given) for account `id`, and
/// takes it if it is right.
async fn check_code(
    client: &impl db::GenericClient,
    id: i64,
    code: &str,
) -> Result<Check, db::StoreError> {
    let Some(stored) = db::second_factor::of(client, id).await? else {
        return Ok(Check::NotNeeded);
    };
    let Some(secret) = stored.secret else {
        return Ok(Check::NotNeeded);
    };
    if code.is_empty() {
        return Ok(Check::Missing);
    }
    match second_factor::matching_step(&secret, code, second_factor::now(), stored.last_step) {
        Some(step) if db::second_factor::take_step(client, id, step).await? => Ok(Check::Taken),
        _ => Ok(Check::Wrong),
    }
}
