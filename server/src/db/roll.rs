//! The voter roll (`members`): only what the election needs — member
//! number, name, contact, district. Nothing here links a member to a
//! credential or a ballot.

use std::collections::HashMap;

use tokio_postgres::Transaction;

use super::{GenericClient, StoreError, u64_of};
use crate::election::roll::RollMember;
use crate::election::tally::Retention;

/// Members on an election's roll.
pub async fn count(client: &impl GenericClient, election: i64) -> Result<u64, StoreError> {
    let n: i64 = client
        .query_one(
            "SELECT count(*) FROM members WHERE setup = $1",
            &[&election],
        )
        .await?
        .get(0);
    u64_of(n, "count")
}

/// The whole roll as stored.
pub async fn members(
    client: &impl GenericClient,
    election: i64,
) -> Result<Vec<RollMember>, StoreError> {
    Ok(client
        .query(
            "SELECT member_number, name, coalesce(contact, ''), district FROM members \
             WHERE setup = $1",
            &[&election],
        )
        .await?
        .iter()
        .map(|r| RollMember {
            member_number: r.get(0),
            name: r.get(1),
            contact: r.get(2),
            district: r.get(3),
        })
        .collect())
}

/// Of `numbers`, the members who proposed or were proposed.
pub async fn in_nomination(
    tx: &Transaction<'_>,
    election: i64,
    numbers: &[String],
) -> Result<Vec<String>, StoreError> {
    Ok(tx
        .query(
            "SELECT m.member_number FROM members m JOIN nominations n \
             ON n.nominee = m.id OR n.proposer = m.id \
             WHERE m.setup = $1 AND m.member_number = ANY($2)",
            &[&election, &numbers],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// Applies an import: removes the members `removed` (and their sessions),
/// adds `added` and updates `changed` (member numbers; the rows are in
/// `new`).
pub async fn apply(
    tx: &Transaction<'_>,
    election: i64,
    removed: &[String],
    added: &[String],
    changed: &[String],
    new: &[RollMember],
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM sessions WHERE member IN (SELECT id FROM members \
         WHERE setup = $1 AND member_number = ANY($2))",
        &[&election, &removed],
    )
    .await?;
    tx.execute(
        "DELETE FROM members WHERE setup = $1 AND member_number = ANY($2)",
        &[&election, &removed],
    )
    .await?;
    let by_number: HashMap<&str, &RollMember> =
        new.iter().map(|m| (m.member_number.as_str(), m)).collect();
    for (list, sql) in [
        (
            added,
            "INSERT INTO members (setup, member_number, name, contact, district) \
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])",
        ),
        (
            changed,
            "UPDATE members m SET name = u.name, contact = u.contact, district = u.district \
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) \
               AS u(member_number, name, contact, district) \
             WHERE m.setup = $1 AND m.member_number = u.member_number",
        ),
    ] {
        for chunk in list.chunks(10_000) {
            let rows: Vec<&RollMember> = chunk
                .iter()
                .filter_map(|n| by_number.get(n.as_str()).copied())
                .collect();
            let numbers: Vec<&str> = rows.iter().map(|m| m.member_number.as_str()).collect();
            let names: Vec<&str> = rows.iter().map(|m| m.name.as_str()).collect();
            let contacts: Vec<&str> = rows.iter().map(|m| m.contact.as_str()).collect();
            let districts: Vec<&str> = rows.iter().map(|m| m.district.as_str()).collect();
            tx.execute(sql, &[&election, &numbers, &names, &contacts, &districts])
                .await?;
        }
    }
    Ok(())
}

/// Every member's contact (if any) and district, in roll order: one voting
/// code each.
pub async fn voters(
    client: &impl GenericClient,
    election: i64,
) -> Result<Vec<(Option<String>, String)>, StoreError> {
    Ok(client
        .query(
            "SELECT contact, district FROM members WHERE setup = $1 ORDER BY id",
            &[&election],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// A member found by number.
#[derive(Debug)]
pub struct Found {
    /// The member's row.
    pub id: i64,
    /// Their district.
    pub district: String,
    /// Their contact, if any.
    pub contact: Option<String>,
}

/// The member with number `number` on the election's roll.
pub async fn by_number(
    client: &impl GenericClient,
    election: i64,
    number: &str,
) -> Result<Option<Found>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT id, district, contact FROM members WHERE setup = $1 AND member_number = $2",
            &[&election, &number],
        )
        .await?
        .map(|r| Found {
            id: r.get(0),
            district: r.get(1),
            contact: r.get(2),
        }))
}

/// Deletes the election's personal data (see [`Retention`]).
pub async fn retention(tx: &Transaction<'_>, election: i64) -> Result<Retention, StoreError> {
    let sessions = tx
        .execute(
            "DELETE FROM sessions WHERE member IN (SELECT id FROM members WHERE setup = $1)",
            &[&election],
        )
        .await?
        + tx.execute(
            "DELETE FROM login_codes WHERE member IN \
                 (SELECT id FROM members WHERE setup = $1)",
            &[&election],
        )
        .await?;
    let messages = tx
        .execute("DELETE FROM outbox WHERE setup = $1", &[&election])
        .await?;
    let contacts = tx
        .execute(
            "UPDATE members SET contact = NULL WHERE setup = $1 AND contact IS NOT NULL",
            &[&election],
        )
        .await?;
    let names = tx
        .execute(
            "UPDATE members m SET name = '' WHERE m.setup = $1 AND m.name <> '' \
             AND NOT EXISTS (SELECT 1 FROM nominations n WHERE n.nominee = m.id \
                             AND n.status = 'approved')",
            &[&election],
        )
        .await?;
    Ok(Retention {
        contacts,
        names,
        messages,
        sessions,
    })
}
