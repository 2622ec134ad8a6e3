//! Nominations: who proposed whom, the nominee's answer, the committee's
//! decision and the candidate's presentation.

use tokio_postgres::Transaction;

use super::{GenericClient, StoreError};

/// A nomination as the committee sees it.
#[derive(Debug)]
pub struct NominationRow {
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
    /// Its status.
    pub status: String,
    /// The committee's reason for a rejection.
    pub reason: Option<String>,
    /// The candidate's presentation.
    pub presentation: Option<String>,
}

/// Every nomination of an election, by district.
pub async fn list(
    client: &impl GenericClient,
    election: i64,
) -> Result<Vec<NominationRow>, StoreError> {
    Ok(client
        .query(
            "SELECT n.id, m.district, m.member_number, m.name, p.member_number, n.status, \
             n.reason, n.presentation FROM nominations n \
             JOIN members m ON m.id = n.nominee JOIN members p ON p.id = n.proposer \
             WHERE n.setup = $1 ORDER BY m.district, n.id",
            &[&election],
        )
        .await?
        .iter()
        .map(|r| NominationRow {
            id: r.get(0),
            district: r.get(1),
            nominee: r.get(2),
            name: r.get(3),
            proposer: r.get(4),
            status: r.get(5),
            reason: r.get(6),
            presentation: r.get(7),
        })
        .collect())
}

/// A member's own nominations, made or received.
#[derive(Debug)]
pub struct MineRow {
    /// Its id.
    pub id: i64,
    /// `nominee` or `proposer`.
    pub role: String,
    /// The nominee's member number.
    pub nominee: String,
    /// The nominee's name.
    pub name: String,
    /// Its status.
    pub status: String,
    /// The committee's reason, if rejected.
    pub reason: Option<String>,
    /// The presentation.
    pub presentation: Option<String>,
}

/// The nominations member `member` made or received, in order.
pub async fn of_member(
    client: &impl GenericClient,
    member: i64,
) -> Result<Vec<MineRow>, StoreError> {
    Ok(client
        .query(
            "SELECT n.id, CASE WHEN n.nominee = $1 THEN 'nominee' ELSE 'proposer' END, \
             m.member_number, m.name, n.status, n.reason, n.presentation FROM nominations n \
             JOIN members m ON m.id = n.nominee \
             WHERE n.nominee = $1 OR n.proposer = $1 ORDER BY n.id",
            &[&member],
        )
        .await?
        .iter()
        .map(|r| MineRow {
            id: r.get(0),
            role: r.get(1),
            nominee: r.get(2),
            name: r.get(3),
            status: r.get(4),
            reason: r.get(5),
            presentation: r.get(6),
        })
        .collect())
}

/// The status of nomination `n` of the election, locked; with `nominee`,
/// only if it is that member's.
pub async fn status_for_update(
    tx: &Transaction<'_>,
    election: i64,
    n: i64,
    nominee: Option<i64>,
) -> Result<Option<String>, StoreError> {
    Ok(tx
        .query_opt(
            "SELECT status FROM nominations WHERE id = $1 AND setup = $2 \
             AND ($3::BIGINT IS NULL OR nominee = $3) FOR UPDATE",
            &[&n, &election, &nominee],
        )
        .await?
        .map(|r| r.get(0)))
}

/// Sets a nomination's status (and, for a decision, the reason).
pub async fn set_status(
    tx: &Transaction<'_>,
    n: i64,
    status: &str,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE nominations SET status = $2, reason = $3 WHERE id = $1",
        &[&n, &status, &reason],
    )
    .await?;
    Ok(())
}

/// The approved candidates (district, name, presentation) in ballot order:
/// by district, name, then member number.
pub async fn approved(
    client: &impl GenericClient,
    election: i64,
) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    Ok(client
        .query(
            "SELECT m.district, m.name, n.presentation FROM nominations n \
             JOIN members m ON m.id = n.nominee \
             WHERE n.setup = $1 AND n.status = 'approved' \
             ORDER BY m.district, m.name, m.member_number",
            &[&election],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// Adds a nomination; a member nominated already is
/// [`StoreError::is_duplicate`].
pub async fn create(
    tx: &Transaction<'_>,
    election: i64,
    nominee: i64,
    proposer: i64,
    status: &str,
) -> Result<i64, StoreError> {
    Ok(tx
        .query_one(
            "INSERT INTO nominations (setup, nominee, proposer, status) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[&election, &nominee, &proposer, &status],
        )
        .await?
        .get(0))
}

/// Sets the presentation of member `member`'s standing nominations; an
/// approved one whose presentation changes goes back to the committee's
/// review (`accepted`). Returns each nomination's id and whether it went
/// back.
pub async fn set_presentation(
    tx: &Transaction<'_>,
    member: i64,
    text: &str,
) -> Result<Vec<(i64, bool)>, StoreError> {
    Ok(tx
        .query(
            "WITH old AS (SELECT id, status, presentation FROM nominations \
             WHERE nominee = $1 AND status IN ('proposed', 'accepted', 'approved') FOR UPDATE) \
             UPDATE nominations n SET presentation = $2, status = CASE \
             WHEN old.status = 'approved' AND old.presentation IS DISTINCT FROM $2 \
             THEN 'accepted' ELSE n.status END \
             FROM old WHERE n.id = old.id \
             RETURNING n.id, old.status = 'approved' AND n.status = 'accepted'",
            &[&member, &text],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}
