//! The first run: the platform admin's account from the browser.
//!
//! While the database has no account, `valurna serve` makes a one-time
//! setup token ([`new_setup_token`]) and prints it to the operator;
//! `/staff/setup` asks for it with the new account's username and
//! password. Only its hash is kept, it works for a day, and every setup
//! token stops working when the first account exists (made here or by
//! `valurna admin-create`). Two people claiming at once are serialised by
//! the database, so there is one first account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::access::password_hash;
use super::error::ApiError;
use super::extract::JsonBody;
use super::organisations::Created;
use super::state::AppState;
use crate::db::{self, Pool, StoreError};
use crate::election::accounts;

/// The first run's routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/api/setup", get(status).post(set_up))
}

/// Makes a setup token if the database has no account yet (else `None`).
pub async fn new_setup_token(pool: &Pool) -> Result<Option<Zeroizing<String>>, StoreError> {
    let token = accounts::token();
    Ok(
        db::first_run::add_token(pool, &accounts::token_hash(&token))
            .await?
            .then_some(token),
    )
}

/// `GET /api/setup`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetupStatus {
    /// Whether the first account is still to be made.
    pub needed: bool,
}

/// Whether the first account is still to be made.
pub async fn needed(app: &AppState) -> Result<bool, ApiError> {
    let client = app.pool().get().await?;
    Ok(db::first_run::needed(&client).await?)
}

async fn status(State(app): State<AppState>) -> Result<Json<SetupStatus>, ApiError> {
    Ok(Json(SetupStatus {
        needed: needed(&app).await?,
    }))
}

/// `POST /api/setup`: the platform admin's account.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// The setup token `valurna serve` printed.
    pub token: Zeroizing<String>,
    /// 3 to 64 of a-z, 0-9, `.`, `_`, `-`.
    pub username: String,
    /// At least 12 characters, not a common password.
    pub password: Zeroizing<String>,
}

fn done() -> ApiError {
    ApiError::said(
        StatusCode::CONFLICT,
        "already_set_up",
        "api-already_set_up",
        &[],
    )
}

/// Why a token does not work: the first account exists, or it is wrong.
async fn refusal(app: &AppState) -> Result<ApiError, ApiError> {
    Ok(if needed(app).await? {
        ApiError::said(
            StatusCode::FORBIDDEN,
            "bad_setup_token",
            "api-bad_setup_token",
            &[],
        )
    } else {
        done()
    })
}

async fn set_up(
    State(app): State<AppState>,
    JsonBody(body): JsonBody<Setup>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    if !needed(&app).await? {
        return Err(done());
    }
    let token_hash = accounts::token_hash(body.token.trim());
    // A wrong token is refused before the (costly) password hash.
    if !db::first_run::works(&app.pool().get().await?, &token_hash).await? {
        return Err(refusal(&app).await?);
    }
    accounts::check_new_account(&body.username, &body.password)?;
    let password_hash = password_hash(&body.password).await?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    if !db::first_run::claim(&tx, &token_hash).await? {
        drop(tx);
        return Err(refusal(&app).await?);
    }
    let id = db::organisations::insert_platform_admin(&tx, &body.username, &password_hash)
        .await
        .map_err(|e| ApiError::duplicate(e, "username_taken", "api-username_taken"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
