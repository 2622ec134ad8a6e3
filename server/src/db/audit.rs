//! The append-only audit log: every change staff make, in order, written
//! in the same transaction as the change. Details are ids and counts,
//! never personal data; a trigger refuses any update or delete.

use serde_json::Value;
use tokio_postgres::Transaction;

use super::{GenericClient, StoreError};

/// Writes one entry (in the caller's transaction).
pub async fn write(
    tx: &Transaction<'_>,
    actor: Option<i64>,
    organisation: Option<i64>,
    action: &str,
    detail: &Value,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit_log (actor, organisation, action, detail) \
         VALUES ($1, $2, $3, $4::text::jsonb)",
        &[&actor, &organisation, &action, &detail.to_string()],
    )
    .await?;
    Ok(())
}

/// Writes one entry without a staff actor (a member's sign-in locked) in
/// the log of election `election`'s organisation.
pub async fn write_for_election(
    tx: &Transaction<'_>,
    election: i64,
    action: &str,
    detail: &Value,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit_log (actor, organisation, action, detail) \
         SELECT NULL, organisation, $2, $3::text::jsonb FROM setups WHERE id = $1",
        &[&election, &action, &detail.to_string()],
    )
    .await?;
    Ok(())
}

/// One entry as stored.
#[derive(Debug)]
pub struct Entry {
    /// Its sequence number.
    pub id: i64,
    /// When, RFC 3339 in UTC.
    pub at: String,
    /// The staff account, if any.
    pub actor: Option<String>,
    /// What was done.
    pub action: String,
    /// Its details, JSON text.
    pub detail: String,
}

/// An entry from a row of id, time, actor, action and detail.
fn entry_of(r: &tokio_postgres::Row) -> Entry {
    Entry {
        id: r.get(0),
        at: r.get(1),
        actor: r.get(2),
        action: r.get(3),
        detail: r.get(4),
    }
}

/// An organisation's entries, oldest first.
pub async fn entries(
    client: &impl GenericClient,
    organisation: i64,
) -> Result<Vec<Entry>, StoreError> {
    Ok(client
        .query(
            "SELECT a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
             s.username, a.action, a.detail::text FROM audit_log a \
             LEFT JOIN staff s ON s.id = a.actor \
             WHERE a.organisation = $1 ORDER BY a.id",
            &[&organisation],
        )
        .await?
        .iter()
        .map(entry_of)
        .collect())
}

/// Election `election`'s last 50 takings out of the outbox (files and
/// letters), newest first.
pub async fn outbox_exports(
    client: &impl GenericClient,
    election: i64,
) -> Result<Vec<Entry>, StoreError> {
    Ok(client
        .query(
            "SELECT a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
             s.username, a.action, coalesce(a.detail->>'messages', '0') FROM audit_log a \
             LEFT JOIN staff s ON s.id = a.actor \
             WHERE a.action IN ('outbox.export', 'outbox.letters') \
             AND a.detail->>'election' = $1::text ORDER BY a.id DESC LIMIT 50",
            &[&election.to_string()],
        )
        .await?
        .iter()
        .map(entry_of)
        .collect())
}
