//! Invitations to a staff account (`election::accounts`): a one-time token
//! for a role in an organisation, kept as its hash.

use tokio_postgres::Transaction;

use super::{GenericClient, StoreError};

/// An invitation as its organisation's admins see it.
#[derive(Debug)]
pub struct InvitationRow {
    /// Its id.
    pub id: i64,
    /// The role it gives.
    pub role: String,
    /// Whom it is for, in the admin's words.
    pub note: String,
    /// When it was made, RFC 3339.
    pub created_at: String,
    /// When it stops working, RFC 3339.
    pub expires_at: String,
    /// The account it became, if it was used.
    pub used_by: Option<String>,
    /// `open`, `used`, `expired` or `revoked`.
    pub state: String,
}

/// Adds an invitation valid for `days`; `None` when there is no such
/// organisation.
pub async fn create(
    tx: &Transaction<'_>,
    org: i64,
    role: &str,
    note: &str,
    token_hash: &[u8],
    created_by: i64,
    days: i32,
) -> Result<Option<(i64, String)>, StoreError> {
    Ok(tx
        .query_opt(
            "INSERT INTO staff_invitations \
               (organisation, role, note, token_hash, created_by, expires_at) \
             SELECT id, $2, $3, $4, $5, now() + make_interval(days => $6) \
               FROM organisations WHERE id = $1 \
             RETURNING id, to_char(expires_at AT TIME ZONE 'UTC', \
               'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
            &[&org, &role, &note, &token_hash, &created_by, &days],
        )
        .await?
        .map(|r| (r.get(0), r.get(1))))
}

/// The organisation's invitations, newest first.
pub async fn of(client: &impl GenericClient, org: i64) -> Result<Vec<InvitationRow>, StoreError> {
    Ok(client
        .query(
            "SELECT i.id, i.role, i.note, \
               to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
               to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
               s.username, \
               CASE WHEN i.used_at IS NOT NULL THEN 'used' \
                    WHEN i.revoked_at IS NOT NULL THEN 'revoked' \
                    WHEN i.expires_at <= now() THEN 'expired' \
                    ELSE 'open' END \
             FROM staff_invitations i LEFT JOIN staff s ON s.id = i.used_by \
             WHERE i.organisation = $1 ORDER BY i.id DESC",
            &[&org],
        )
        .await?
        .into_iter()
        .map(|r| InvitationRow {
            id: r.get(0),
            role: r.get(1),
            note: r.get(2),
            created_at: r.get(3),
            expires_at: r.get(4),
            used_by: r.get(5),
            state: r.get(6),
        })
        .collect())
}

/// An open invitation a token names.
#[derive(Debug)]
pub struct Open {
    /// Its id.
    pub id: i64,
    /// The organisation it is for.
    pub organisation: i64,
    /// The organisation's name.
    pub organisation_name: String,
    /// The role it gives.
    pub role: String,
}

/// The open invitation with this token's hash (not used, revoked or
/// expired); with `lock`, held until the transaction ends so that two
/// people cannot use one link.
pub async fn open(
    client: &impl GenericClient,
    token_hash: &[u8],
    lock: bool,
) -> Result<Option<Open>, StoreError> {
    let sql = format!(
        "SELECT i.id, i.organisation, o.name, i.role FROM staff_invitations i \
         JOIN organisations o ON o.id = i.organisation \
         WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.revoked_at IS NULL \
           AND i.expires_at > now(){}",
        if lock { " FOR UPDATE OF i" } else { "" }
    );
    Ok(client.query_opt(&sql, &[&token_hash]).await?.map(|r| Open {
        id: r.get(0),
        organisation: r.get(1),
        organisation_name: r.get(2),
        role: r.get(3),
    }))
}

/// Marks invitation `id` used by account `staff`.
pub async fn mark_used(tx: &Transaction<'_>, id: i64, staff: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE staff_invitations SET used_at = now(), used_by = $2 WHERE id = $1",
        &[&id, &staff],
    )
    .await?;
    Ok(())
}

/// Revokes organisation `org`'s open invitation `id`; whether there was one.
pub async fn revoke(tx: &Transaction<'_>, org: i64, id: i64) -> Result<bool, StoreError> {
    Ok(tx
        .execute(
            "UPDATE staff_invitations SET revoked_at = now() \
             WHERE id = $1 AND organisation = $2 AND used_at IS NULL AND revoked_at IS NULL",
            &[&id, &org],
        )
        .await?
        == 1)
}
