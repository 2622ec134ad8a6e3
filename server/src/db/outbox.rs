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
    /// The member's number and name, where the roll gave them.
    pub member: Option<(String, String)>,
}

/// The columns [`message_of`] reads.
const COLUMNS: &str = "id, recipient, subject, body, member_number, name";

fn message_of(r: &tokio_postgres::Row) -> Message {
    let number: Option<String> = r.get(4);
    let name: Option<String> = r.get(5);
    Message {
        id: r.get(0),
        recipient: r.get(1),
        subject: r.get(2),
        body: Zeroizing::new(r.get(3)),
        member: number.zip(name),
    }
}

/// A member a message goes to.
#[derive(Debug, Clone, Copy)]
pub struct To<'a> {
    /// Their e-mail address or phone number.
    pub contact: &'a str,
    /// Their member number.
    pub member_number: &'a str,
    /// Their name.
    pub name: &'a str,
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

/// Queues one message per member, each with its body, all with one
/// subject.
pub async fn queue_many(
    tx: &Transaction<'_>,
    election: i64,
    subject: &str,
    to: &[To<'_>],
    bodies: &[&str],
) -> Result<(), StoreError> {
    let recipients: Vec<&str> = to.iter().map(|t| t.contact).collect();
    let numbers: Vec<&str> = to.iter().map(|t| t.member_number).collect();
    let names: Vec<&str> = to.iter().map(|t| t.name).collect();
    tx.execute(
        "INSERT INTO outbox (setup, recipient, subject, body, member_number, name) \
         SELECT $1, r, $2, b, n, m FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) \
         AS u(r, b, n, m)",
        &[&election, &subject, &recipients, &bodies, &numbers, &names],
    )
    .await?;
    Ok(())
}

/// Takes every waiting message of an election out of the outbox, in order.
pub async fn take_all(tx: &Transaction<'_>, election: i64) -> Result<Vec<Message>, StoreError> {
    take_where(tx, election, "TRUE").await
}

/// Takes an election's waiting messages that meet `condition` (SQL, a
/// constant of this module) out of the outbox, in order.
async fn take_where(
    tx: &Transaction<'_>,
    election: i64,
    condition: &str,
) -> Result<Vec<Message>, StoreError> {
    let mut list: Vec<Message> = tx
        .query(
            &format!("DELETE FROM outbox WHERE setup = $1 AND ({condition}) RETURNING {COLUMNS}"),
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
            &format!(
                "SELECT {COLUMNS} FROM outbox \
                 WHERE recipient LIKE '%@%' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
            ),
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

/// Takes the waiting messages of an election to members without an
/// e-mail address out of the outbox, in order: for printed letters. Only
/// messages that name their member (not sign-in codes, which last minutes
/// and are for the phone).
pub async fn take_letters(tx: &Transaction<'_>, election: i64) -> Result<Vec<Message>, StoreError> {
    take_where(
        tx,
        election,
        "recipient NOT LIKE '%@%' AND member_number IS NOT NULL",
    )
    .await
}
