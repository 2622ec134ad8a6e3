//! Signed-in sessions of staff and members (only the tokens' hashes are
//! stored) and members' one-time sign-in codes (stored hashed).

use tokio_postgres::Transaction;

use super::{GenericClient, Pool, StoreError};

/// Starts a staff session; expired sessions go at the same time.
pub async fn create_staff(
    tx: &Transaction<'_>,
    token_hash: &[u8],
    staff: i64,
    csrf: &str,
    secs: i64,
) -> Result<(), StoreError> {
    tx.execute("DELETE FROM sessions WHERE expires_at < now()", &[])
        .await?;
    tx.execute(
        "INSERT INTO sessions (token_hash, staff, csrf, expires_at) \
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        &[&token_hash, &staff, &csrf, &(secs as f64)],
    )
    .await?;
    Ok(())
}

/// Starts a member's session.
pub async fn create_member(
    tx: &Transaction<'_>,
    token_hash: &[u8],
    member: i64,
    csrf: &str,
    secs: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO sessions (token_hash, member, csrf, expires_at) \
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        &[&token_hash, &member, &csrf, &(secs as f64)],
    )
    .await?;
    Ok(())
}

/// Ends a session.
pub async fn delete(client: &impl GenericClient, token_hash: &[u8]) -> Result<(), StoreError> {
    client
        .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
        .await?;
    Ok(())
}

/// A live staff session.
#[derive(Debug)]
pub struct StaffSession {
    /// The account's id.
    pub id: i64,
    /// Its organisation.
    pub organisation: Option<i64>,
    /// Its role's name.
    pub role: String,
    /// Its name.
    pub username: String,
    /// The session's CSRF token.
    pub csrf: String,
}

/// The live staff session with this token hash.
pub async fn staff(pool: &Pool, token_hash: &[u8]) -> Result<Option<StaffSession>, StoreError> {
    Ok(pool
        .get()
        .await?
        .query_opt(
            "SELECT s.id, s.organisation, s.role, s.username, x.csrf FROM sessions x \
             JOIN staff s ON s.id = x.staff \
             WHERE x.token_hash = $1 AND x.expires_at > now() AND s.disabled_at IS NULL",
            &[&token_hash],
        )
        .await?
        .map(|r| StaffSession {
            id: r.get(0),
            organisation: r.get(1),
            role: r.get(2),
            username: r.get(3),
            csrf: r.get(4),
        }))
}

/// A live member's session.
#[derive(Debug)]
pub struct MemberSession {
    /// The member's row.
    pub id: i64,
    /// The election whose roll they are on.
    pub election: i64,
    /// Their district.
    pub district: String,
    /// The session's CSRF token.
    pub csrf: String,
}

/// The live member's session with this token hash.
pub async fn member(pool: &Pool, token_hash: &[u8]) -> Result<Option<MemberSession>, StoreError> {
    Ok(pool
        .get()
        .await?
        .query_opt(
            "SELECT m.id, m.setup, m.district, x.csrf FROM sessions x \
             JOIN members m ON m.id = x.member \
             WHERE x.token_hash = $1 AND x.expires_at > now()",
            &[&token_hash],
        )
        .await?
        .map(|r| MemberSession {
            id: r.get(0),
            election: r.get(1),
            district: r.get(2),
            csrf: r.get(3),
        }))
}

/// Who gets a sign-in code: the member (row, contact) and the election's
/// title, if the member is on the roll with a contact and nominations are
/// open.
pub async fn code_recipient(
    tx: &Transaction<'_>,
    election: i64,
    member_number: &str,
) -> Result<Option<(i64, String, String)>, StoreError> {
    Ok(tx
        .query_opt(
            "SELECT m.id, m.contact, s.title FROM members m JOIN setups s ON s.id = m.setup \
             WHERE m.setup = $1 AND m.member_number = $2 AND s.status = 'nominations' \
             AND m.contact IS NOT NULL",
            &[&election, &member_number],
        )
        .await?
        .map(|r| (r.get(0), r.get(1), r.get(2))))
}

/// Keeps a member's new code (replacing any older one).
pub async fn store_code(
    tx: &Transaction<'_>,
    member: i64,
    code_hash: &[u8],
    minutes: f64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO login_codes (member, code_hash, expires_at, attempts) \
         VALUES ($1, $2, now() + make_interval(mins => $3), 0) \
         ON CONFLICT (member) DO UPDATE SET code_hash = $2, \
         expires_at = now() + make_interval(mins => $3), attempts = 0",
        &[&member, &code_hash, &(minutes as i32)],
    )
    .await?;
    Ok(())
}

/// A member's waiting code.
#[derive(Debug)]
pub struct CodeRow {
    /// The member's row.
    pub member: i64,
    /// Their district.
    pub district: String,
    /// The code's hash.
    pub code_hash: Vec<u8>,
    /// Wrong tries so far.
    pub attempts: i32,
    /// Not expired.
    pub fresh: bool,
}

/// The waiting code of member `member_number`, locked.
pub async fn code_for_update(
    tx: &Transaction<'_>,
    election: i64,
    member_number: &str,
) -> Result<Option<CodeRow>, StoreError> {
    Ok(tx
        .query_opt(
            "SELECT m.id, m.district, c.code_hash, c.attempts, c.expires_at > now() \
             FROM members m JOIN login_codes c ON c.member = m.id \
             WHERE m.setup = $1 AND m.member_number = $2 FOR UPDATE OF c",
            &[&election, &member_number],
        )
        .await?
        .map(|r| CodeRow {
            member: r.get(0),
            district: r.get(1),
            code_hash: r.get(2),
            attempts: r.get(3),
            fresh: r.get(4),
        }))
}

/// Counts a wrong try.
pub async fn code_failed(tx: &Transaction<'_>, member: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE login_codes SET attempts = attempts + 1 WHERE member = $1",
        &[&member],
    )
    .await?;
    Ok(())
}

/// Spends a code.
pub async fn code_used(tx: &Transaction<'_>, member: i64) -> Result<(), StoreError> {
    tx.execute("DELETE FROM login_codes WHERE member = $1", &[&member])
        .await?;
    Ok(())
}

/// Ends account `staff`'s sessions but the one whose token hashes to
/// `keep` (if any); returns how many ended.
pub async fn end_staff_sessions(
    tx: &Transaction<'_>,
    staff: i64,
    keep: Option<&[u8]>,
) -> Result<u64, StoreError> {
    Ok(tx
        .execute(
            "DELETE FROM sessions WHERE staff = $1 AND ($2::bytea IS NULL OR token_hash <> $2)",
            &[&staff, &keep],
        )
        .await?)
}
