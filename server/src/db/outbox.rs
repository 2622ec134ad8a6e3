//! Messages waiting for delivery: sign-in codes, nomination notices and
//! voting codes. A message leaves the outbox when it is sent or exported;
//! voting codes are kept nowhere else.

use tokio_postgres::Transaction;
use zeroize::Zeroizing;

use super::StoreError;

/// A message.
#[derive(Debug)]
pub struct Message {
    /// Its id, in order of queueing.
    pub id: i64,
    /// An e-mail address or a phone number.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Body (it may hold a code).
    pub body: Zeroizing<String>,
}

fn message_of(r: &tokio_postgres::Row) -> Message {
    Message {
        id: r.get(0),
        recipient: r.get(1),
        subject: r.get(2),
        body: Zeroizing::new(r.get(3)),
    }
}

/// Queues one message of election `election`.
pub async fn queue(
    tx: &Transaction<'_>,
    election: i64,
    recipient: &str,
    subject: &str,
    body: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO outbox (setup, recipient, subject, body) VALUES ($1, $2, $3, $4)",
        &[&election, &recipient, &subject, &body],
    )
    .await?;
    Ok(())
}

/// Queues one message per recipient, each with its body, all with one
/// subject.
pub async fn queue_many(
    tx: &Transaction<'_>,
    election: i64,
    subject: &str,
    recipients: &[&str],
    bodies: &[&str],
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO outbox (setup, recipient, subject, body) \
         SELECT $1, r, $2, b FROM unnest($3::text[], $4::text[]) AS u(r, b)",
        &[&election, &subject, &recipients, &bodies],
    )
    .await?;
    Ok(())
}

/// Takes every waiting message of an election out of the outbox, in order.
pub async fn take_all(tx: &Transaction<'_>, election: i64) -> Result<Vec<Message>, StoreError> {
    let mut list: Vec<Message> = tx
        .query(
            "DELETE FROM outbox WHERE setup = $1 RETURNING id, recipient, subject, body",
            &[&election],
        )
        .await?
        .iter()
        .map(message_of)
        .collect();
    list.sort_by_key(|m| m.id);
    Ok(list)
}

/// Up to `limit` waiting e-mails (of any election), locked for this
/// transaction and skipped by any other sender.
pub async fn lock_emails(tx: &Transaction<'_>, limit: i64) -> Result<Vec<Message>, StoreError> {
    Ok(tx
        .query(
            "SELECT id, recipient, subject, body FROM outbox \
             WHERE recipient LIKE '%@%' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
            &[&limit],
        )
        .await?
        .iter()
        .map(message_of)
        .collect())
}

/// Removes delivered messages.
pub async fn delete(tx: &Transaction<'_>, ids: &[i64]) -> Result<(), StoreError> {
    tx.execute("DELETE FROM outbox WHERE id = ANY($1)", &[&ids])
        .await?;
    Ok(())
}
