//! The voter roll (`members`): only what the election needs — member
//! number, name, contact, district. Nothing here links a member to a
//! credential or a ballot.

use tokio_postgres::Transaction;

use super::{GenericClient, StoreError, u64_of};
use crate::election::roll::{ColumnMap, Row};
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

// An import is staged: the file's rows go into a temporary table as they
// are read (`stage`), and repeats, the difference with the roll and the
// change itself are worked out there, so the server never holds the file or
// the roll in memory. The table lives as long as the transaction.

/// Members of the roll that are not in the file.
const REMOVED: &str = "FROM members m WHERE m.setup = $1 AND NOT EXISTS \
     (SELECT 1 FROM roll_import s WHERE s.member_number = m.member_number)";
/// Rows of the file that are not on the roll.
const ADDED: &str = "FROM roll_import s WHERE NOT EXISTS \
     (SELECT 1 FROM members m WHERE m.setup = $1 AND m.member_number = s.member_number)";
/// Members of the roll and the file's row for them.
const BOTH: &str = "FROM members m JOIN roll_import s ON s.member_number = m.member_number \
     WHERE m.setup = $1";
/// Of [`BOTH`], those whose name, contact or district the file changes.
const DIFFERS: &str = "(m.name, coalesce(m.contact, ''), m.district) \
     IS DISTINCT FROM (s.name, s.contact, s.district)";

/// Opens the import's staging table, dropped when the transaction ends.
pub async fn stage_begin(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.batch_execute(
        "CREATE TEMP TABLE roll_import (line bigint NOT NULL, member_number text, \
         name text, contact text, district text, problems text) ON COMMIT DROP",
    )
    .await?;
    Ok(())
}

/// Adds rows read from the file: members, and bad rows with their
/// problems (and their member number when it is good, to find repeats).
pub async fn stage(tx: &Transaction<'_>, rows: &[Row]) -> Result<(), StoreError> {
    let mut lines: Vec<i64> = Vec::with_capacity(rows.len());
    let mut numbers: Vec<Option<&str>> = Vec::with_capacity(rows.len());
    let mut names: Vec<Option<&str>> = Vec::with_capacity(rows.len());
    let mut contacts: Vec<Option<&str>> = Vec::with_capacity(rows.len());
    let mut districts: Vec<Option<&str>> = Vec::with_capacity(rows.len());
    let mut problems: Vec<Option<String>> = Vec::with_capacity(rows.len());
    for row in rows {
        match row {
            Row::Member { line, member } => {
                lines.push(i64::try_from(*line).unwrap_or(i64::MAX));
                numbers.push(Some(&member.member_number));
                names.push(Some(&member.name));
                contacts.push(Some(&member.contact));
                districts.push(Some(&member.district));
                problems.push(None);
            }
            Row::Bad {
                line,
                member_number,
                problems: wrong,
            } => {
                lines.push(i64::try_from(*line).unwrap_or(i64::MAX));
                numbers.push(member_number.as_deref());
                names.push(None);
                contacts.push(None);
                districts.push(None);
                problems.push(Some(wrong.join("; ")));
            }
        }
    }
    tx.execute(
        "INSERT INTO roll_import SELECT * FROM \
         unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])",
        &[&lines, &numbers, &names, &contacts, &districts, &problems],
    )
    .await?;
    Ok(())
}

/// Ends staging: indexes the rows and tells the planner about them.
pub async fn stage_end(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.batch_execute("CREATE INDEX ON roll_import (member_number); ANALYZE roll_import")
        .await?;
    Ok(())
}

/// A bad row of the staged file.
#[derive(Debug)]
pub struct StagedError {
    /// Its line.
    pub line: u64,
    /// Its own problems, if any.
    pub problems: Option<String>,
    /// Its member number and the line where it first appeared, if it is a repeat.
    pub repeat: Option<(String, u64)>,
}

/// How many rows were staged, how many are bad (their own problems or a
/// repeated member number), and the first `limit` bad ones by line.
pub async fn staged_errors(
    tx: &Transaction<'_>,
    limit: i64,
) -> Result<(u64, u64, Vec<StagedError>), StoreError> {
    let rows: i64 = tx
        .query_one("SELECT count(*) FROM roll_import", &[])
        .await?
        .get(0);
    let bad = tx
        .query(
            "WITH firsts AS (SELECT member_number, min(line) AS first FROM roll_import \
               WHERE member_number IS NOT NULL GROUP BY member_number HAVING count(*) > 1), \
             bad AS (SELECT s.line, s.problems, s.member_number, f.first FROM roll_import s \
               LEFT JOIN firsts f ON f.member_number = s.member_number AND s.line > f.first \
               WHERE s.problems IS NOT NULL OR f.first IS NOT NULL) \
             SELECT line, problems, member_number, first, count(*) OVER () FROM bad \
             ORDER BY line LIMIT $1",
            &[&limit],
        )
        .await?;
    let total: i64 = bad.first().map_or(0, |r| r.get(4));
    let errors = bad
        .iter()
        .map(|r| {
            let first: Option<i64> = r.get(3);
            Ok(StagedError {
                line: u64_of(r.get(0), "line")?,
                problems: r.get(1),
                repeat: match first {
                    Some(first) => Some((r.get(2), u64_of(first, "line")?)),
                    None => None,
                },
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok((u64_of(rows, "count")?, u64_of(total, "count")?, errors))
}

/// What applying the staged file would change: for members added,
/// removed and changed, how many and the first member numbers (sorted
/// bytewise); and how many stay as they are.
#[derive(Debug)]
pub struct StagedDiff {
    /// Members added.
    pub added: (u64, Vec<String>),
    /// Members removed.
    pub removed: (u64, Vec<String>),
    /// Members whose name, contact or district changes.
    pub changed: (u64, Vec<String>),
    /// Members left as they are.
    pub unchanged: u64,
}

/// How many member numbers `column` of `from` has, and the first `shown`.
async fn numbers(
    tx: &Transaction<'_>,
    election: i64,
    column: &str,
    from: &str,
    shown: i64,
) -> Result<(u64, Vec<String>), StoreError> {
    let n: i64 = tx
        .query_one(&format!("SELECT count(*) {from}"), &[&election])
        .await?
        .get(0);
    let first = tx
        .query(
            &format!("SELECT {column} {from} ORDER BY {column} COLLATE \"C\" LIMIT $2"),
            &[&election, &shown],
        )
        .await?;
    Ok((
        u64_of(n, "count")?,
        first.iter().map(|r| r.get(0)).collect(),
    ))
}

/// The difference between the staged file and the roll.
pub async fn staged_diff(
    tx: &Transaction<'_>,
    election: i64,
    shown: i64,
) -> Result<StagedDiff, StoreError> {
    let added = numbers(tx, election, "s.member_number", ADDED, shown).await?;
    let removed = numbers(tx, election, "m.member_number", REMOVED, shown).await?;
    let changed = format!("{BOTH} AND {DIFFERS}");
    let changed = numbers(tx, election, "m.member_number", &changed, shown).await?;
    let both: i64 = tx
        .query_one(&format!("SELECT count(*) {BOTH}"), &[&election])
        .await?
        .get(0);
    Ok(StagedDiff {
        unchanged: u64_of(both, "count")?.saturating_sub(changed.0),
        added,
        removed,
        changed,
    })
}

/// Members in a nomination (as nominee or proposer) whom the staged file
/// would remove, and those it would move to another district.
pub async fn staged_in_nomination(
    tx: &Transaction<'_>,
    election: i64,
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let in_nomination = "EXISTS (SELECT 1 FROM nominations n \
         WHERE n.nominee = m.id OR n.proposer = m.id)";
    let removed = tx
        .query(
            &format!(
                "SELECT m.member_number {REMOVED} AND {in_nomination} \
                 ORDER BY m.member_number COLLATE \"C\""
            ),
            &[&election],
        )
        .await?;
    let moved = tx
        .query(
            &format!(
                "SELECT m.member_number {BOTH} AND m.district <> s.district \
                 AND {in_nomination} ORDER BY m.member_number COLLATE \"C\""
            ),
            &[&election],
        )
        .await?;
    let numbers = |rows: Vec<tokio_postgres::Row>| rows.iter().map(|r| r.get(0)).collect();
    Ok((numbers(removed), numbers(moved)))
}

/// Applies the staged file: removes the members it does not list (and
/// their sessions), adds the members it adds in file order, and updates
/// the members it changes.
pub async fn apply_staged(tx: &Transaction<'_>, election: i64) -> Result<(), StoreError> {
    tx.execute(
        &format!("DELETE FROM sessions WHERE member IN (SELECT m.id {REMOVED})"),
        &[&election],
    )
    .await?;
    tx.execute(
        "DELETE FROM members m WHERE m.setup = $1 AND NOT EXISTS \
         (SELECT 1 FROM roll_import s WHERE s.member_number = m.member_number)",
        &[&election],
    )
    .await?;
    tx.execute(
        &format!(
            "UPDATE members m SET name = s.name, contact = s.contact, district = s.district \
             FROM roll_import s WHERE m.setup = $1 AND s.member_number = m.member_number \
             AND {DIFFERS}"
        ),
        &[&election],
    )
    .await?;
    tx.execute(
        &format!(
            "INSERT INTO members (setup, member_number, name, contact, district) \
             SELECT $1, s.member_number, s.name, s.contact, s.district {ADDED} ORDER BY s.line"
        ),
        &[&election],
    )
    .await?;
    Ok(())
}

/// Every member's contact (if any) and district, in roll order: one voting
/// code each.
pub async fn voters(client: &impl GenericClient, election: i64) -> Result<Vec<Voter>, StoreError> {
    Ok(client
        .query(
            "SELECT contact, district, member_number, name FROM members WHERE setup = $1 \
             ORDER BY id",
            &[&election],
        )
        .await?
        .iter()
        .map(|r| Voter {
            contact: r.get(0),
            district: r.get(1),
            member_number: r.get(2),
            name: r.get(3),
        })
        .collect())
}

/// A member on the roll, as voting opens.
#[derive(Debug)]
pub struct Voter {
    /// Their contact, if any.
    pub contact: Option<String>,
    /// Their district.
    pub district: String,
    /// Their member number.
    pub member_number: String,
    /// Their name.
    pub name: String,
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
    /// Their name.
    pub name: String,
}

/// The member with number `number` on the election's roll.
pub async fn by_number(
    client: &impl GenericClient,
    election: i64,
    number: &str,
) -> Result<Option<Found>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT id, district, contact, name FROM members WHERE setup = $1 \
             AND member_number = $2",
            &[&election, &number],
        )
        .await?
        .map(|r| Found {
            id: r.get(0),
            district: r.get(1),
            contact: r.get(2),
            name: r.get(3),
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

/// Keeps `columns` as the organisation's register columns.
pub async fn save_columns(
    tx: &Transaction<'_>,
    organisation: i64,
    columns: &ColumnMap,
) -> Result<(), StoreError> {
    let json = columns.canonical();
    tx.execute(
        "INSERT INTO roll_columns (organisation, columns) VALUES ($1, $2::text::jsonb) \
         ON CONFLICT (organisation) DO UPDATE SET columns = EXCLUDED.columns, saved_at = now()",
        &[&organisation, &json],
    )
    .await?;
    Ok(())
}

/// The organisation's register columns, if an import saved them.
pub async fn saved_columns(
    client: &impl GenericClient,
    organisation: i64,
) -> Result<Option<ColumnMap>, StoreError> {
    let row = client
        .query_opt(
            "SELECT columns::text FROM roll_columns WHERE organisation = $1",
            &[&organisation],
        )
        .await?;
    row.map(|r| {
        serde_json::from_str(r.get::<_, &str>(0)).map_err(|_| StoreError::Corrupt("roll columns"))
    })
    .transpose()
}
