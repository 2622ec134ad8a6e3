//! A staff account's second factor (`election::second_factor`): set up
//! with the account's password and confirmed with a first code, then asked
//! for at every sign-in; removed by the account (with its password) or, for
//! a lost phone, by an organisation's admin (`PATCH` on the account).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::json;
use zeroize::Zeroizing;

use super::error::ApiError;
use super::extract::{ClientIp, JsonBody, Staff};
use super::sessions::confirm_password;
use super::state::AppState;
use crate::db;
use crate::election::second_factor;

/// The second factor's routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/me/second-factor", post(begin))
        .route("/api/me/second-factor/confirm", post(confirm))
        .route("/api/me/second-factor/remove", post(remove))
}

/// The account's password, to change how it signs in.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordOnly {
    /// The account's password.
    pub password: Zeroizing<String>,
}

/// A secret to put into an authenticator app.
#[derive(Debug, Serialize, Deserialize)]
pub struct SecondFactorSetup {
    /// The secret in base32, to type in.
    pub secret: String,
    /// The `otpauth://totp/…` link (also what the QR code holds).
    pub otpauth_url: String,
}

/// A code from the app.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeOnly {
    /// The app's six-digit code.
    pub code: Zeroizing<String>,
}

/// Starts setting up a second factor: a fresh secret, kept pending until
/// [`confirm`] (a new start replaces it).
async fn begin(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    JsonBody(body): JsonBody<PasswordOnly>,
) -> Result<Json<SecondFactorSetup>, ApiError> {
    confirm_password(&app, &staff, ip, &body.password).await?;
    let secret = second_factor::new_secret();
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    db::second_factor::set_pending(&tx, staff.id, &secret).await?;
    tx.commit().await?;
    let enrolment = second_factor::enrolment(&secret, &staff.username);
    Ok(Json(SecondFactorSetup {
        secret: enrolment.secret,
        otpauth_url: enrolment.url,
    }))
}

/// Confirms the pending secret with a code made from it: from now on,
/// signing in asks for a code.
async fn confirm(
    State(app): State<AppState>,
    staff: Staff,
    JsonBody(body): JsonBody<CodeOnly>,
) -> Result<StatusCode, ApiError> {
    let mut client = app.pool().get().await?;
    let stored = db::second_factor::of(&client, staff.id)
        .await?
        .ok_or_else(|| ApiError::internal("account"))?;
    let Some(pending) = stored.pending else {
        return Err(ApiError::conflict(
            "nothing_to_confirm",
            "start setting up two-step sign-in first",
        ));
    };
    // A new secret: no code of it was taken yet.
    let step = second_factor::matching_step(&pending, &body.code, second_factor::now(), 0)
        .ok_or_else(|| {
            ApiError::invalid(
                "wrong_code",
                "wrong code: enter the code your app shows now",
            )
        })?;
    let tx = client.transaction().await?;
    if !db::second_factor::confirm(&tx, staff.id, step).await? {
        return Err(ApiError::conflict(
            "nothing_to_confirm",
            "start setting up two-step sign-in first",
        ));
    }
    super::access::audit(
        &tx,
        Some(&staff),
        staff.organisation,
        "second_factor.enable",
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the account's own second factor.
async fn remove(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    JsonBody(body): JsonBody<PasswordOnly>,
) -> Result<StatusCode, ApiError> {
    confirm_password(&app, &staff, ip, &body.password).await?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let had = db::second_factor::remove(&tx, staff.id).await?;
    super::access::audit(
        &tx,
        Some(&staff),
        staff.organisation,
        "second_factor.remove",
        json!({"by": "self", "had": had}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
