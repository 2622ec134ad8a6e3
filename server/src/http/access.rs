//! Which election a staff member may see and act on, the audit entry of
//! what they did, and a new password's hash.

use serde_json::Value;
use zeroize::Zeroizing;

use super::error::ApiError;
use super::extract::Staff;
use crate::db::elections::ElectionRow;
use crate::db::{self, GenericClient, Transaction};

/// Reads election `id`, locked for the transaction with `lock`; an
/// unknown id is a 404.
pub async fn election(
    client: &impl GenericClient,
    id: i64,
    lock: bool,
) -> Result<ElectionRow, ApiError> {
    db::elections::get(client, id, lock)
        .await?
        .ok_or_else(|| ApiError::not_found("no_such_election", "no such election"))
}

/// Reads an election that `staff` (any role of its organisation) may see;
/// another organisation's election is not there for them (404).
pub async fn visible(
    client: &impl GenericClient,
    staff: &Staff,
    id: i64,
    lock: bool,
) -> Result<ElectionRow, ApiError> {
    let e = election(client, id, lock).await?;
    if !staff.sees(e.organisation) {
        return Err(ApiError::not_found("no_such_election", "no such election"));
    }
    Ok(e)
}

/// Writes what `staff` did to the audit log, in the caller's transaction.
pub async fn audit(
    tx: &Transaction<'_>,
    staff: Option<&Staff>,
    organisation: Option<i64>,
    action: &str,
    detail: Value,
) -> Result<(), ApiError> {
    db::audit::write(tx, staff.map(|s| s.id), organisation, action, &detail).await?;
    Ok(())
}

/// The trustee number of `staff` in election `id`, or 403.
pub async fn trustee_index(
    client: &impl GenericClient,
    staff: &Staff,
    id: i64,
) -> Result<u32, ApiError> {
    if staff.role != crate::election::accounts::Role::Trustee {
        return Err(ApiError::forbidden());
    }
    db::elections::trustee_index(client, id, staff.id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "not_this_trustee",
                "you are not a trustee of this election",
            )
        })
}

/// Hashes a new password (checked by the caller) off the async threads:
/// Argon2id takes tens of milliseconds.
pub async fn password_hash(password: &Zeroizing<String>) -> Result<String, ApiError> {
    let password = password.clone();
    Ok(
        tokio::task::spawn_blocking(move || crate::election::accounts::hash_password(&password))
            .await
            .map_err(|_| ApiError::internal("password hash"))??,
    )
}
