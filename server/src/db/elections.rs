//! An election as the committee manages it (`setups`, with its
//! `districts` and `trustees`), and the only statement that changes its
//! status: [`advance`], which takes a [`Step`] of the lifecycle.

use time::OffsetDateTime;
use tokio_postgres::Transaction;

use super::{GenericClient, StoreError, u32_of, u64_of};
use crate::election::lifecycle::{Status, Step};
use crate::election::setup::NewElection;

/// An election's row.
#[derive(Debug, Clone)]
pub struct ElectionRow {
    /// Its id (also its ballot box's, once voting opened).
    pub id: i64,
    /// Its organisation.
    pub organisation: i64,
    /// The organisation's slug.
    pub org_slug: String,
    /// The election's id within the organisation.
    pub election_id: String,
    /// Title.
    pub title: String,
    /// `n`.
    pub trustees: u32,
    /// `t`.
    pub threshold: u32,
    /// Its status.
    pub status: Status,
    /// The frozen manifest.
    pub manifest: Option<Vec<u8>>,
    /// Whether voting has opened (its ballot box exists).
    pub voting_opened: bool,
    /// When voting opens by itself.
    pub opens_at: Option<OffsetDateTime>,
    /// When voting closes by itself.
    pub closes_at: Option<OffsetDateTime>,
}

/// Adds an election with its districts, in `draft` (`None`: no such
/// organisation); an id the organisation has is
/// [`StoreError::is_duplicate`].
pub async fn create(
    tx: &Transaction<'_>,
    org: i64,
    e: &NewElection,
) -> Result<Option<i64>, StoreError> {
    let Some(row) = tx
        .query_opt(
            "INSERT INTO setups (organisation, election_id, title, trustees, threshold, status) \
             SELECT id, $2, $3, $4, $5, 'draft' FROM organisations WHERE id = $1 RETURNING id",
            &[
                &org,
                &e.election_id,
                &e.title,
                &(e.trustees as i32),
                &(e.threshold as i32),
            ],
        )
        .await?
    else {
        return Ok(None);
    };
    let id: i64 = row.get(0);
    let districts: Vec<&str> = e.districts.iter().map(|d| d.district.as_str()).collect();
    let seats: Vec<i32> = e.districts.iter().map(|d| d.seats as i32).collect();
    tx.execute(
        "INSERT INTO districts (setup, district, seats) \
         SELECT $1, * FROM unnest($2::text[], $3::int[])",
        &[&id, &districts, &seats],
    )
    .await?;
    Ok(Some(id))
}

/// Reads an election, locked until the transaction ends with `lock`.
pub async fn get(
    client: &impl GenericClient,
    id: i64,
    lock: bool,
) -> Result<Option<ElectionRow>, StoreError> {
    let sql = format!(
        "SELECT s.id, s.organisation, o.slug, s.election_id, s.title, s.trustees, s.threshold, \
         s.status, s.manifest, s.ballot_box IS NOT NULL, s.opens_at, s.closes_at \
         FROM setups s JOIN organisations o \
         ON o.id = s.organisation WHERE s.id = $1{}",
        if lock { " FOR UPDATE OF s" } else { "" }
    );
    let Some(r) = client.query_opt(&sql, &[&id]).await? else {
        return Ok(None);
    };
    let status: String = r.get(7);
    Ok(Some(ElectionRow {
        id: r.get(0),
        organisation: r.get(1),
        org_slug: r.get(2),
        election_id: r.get(3),
        title: r.get(4),
        trustees: u32_of(r.get(5)),
        threshold: u32_of(r.get(6)),
        status: Status::parse(&status).ok_or(StoreError::Corrupt("an unknown status"))?,
        manifest: r.get(8),
        voting_opened: r.get(9),
        opens_at: r.get(10),
        closes_at: r.get(11),
    }))
}

/// Writes a lifecycle step: the status moves from the step's `from` to its
/// `to`. The row must be in `from` (the caller locked it).
pub async fn advance(tx: &Transaction<'_>, step: &Step) -> Result<(), StoreError> {
    let n = tx
        .execute(
            "UPDATE setups SET status = $3 WHERE id = $1 AND status = $2",
            &[&step.election(), &step.from().as_str(), &step.to().as_str()],
        )
        .await?;
    if n != 1 {
        return Err(StoreError::Corrupt(
            "the election's status moved under a lock",
        ));
    }
    Ok(())
}

/// Sets the voting period (the caller checked it and locked the row).
pub async fn set_period(
    tx: &Transaction<'_>,
    id: i64,
    opens_at: Option<OffsetDateTime>,
    closes_at: Option<OffsetDateTime>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE setups SET opens_at = $2, closes_at = $3 WHERE id = $1",
        &[&id, &opens_at, &closes_at],
    )
    .await?;
    Ok(())
}

/// Waits until no other transaction takes a lifecycle step of election
/// `id`, and keeps others waiting until `tx` ends (an advisory lock).
pub async fn one_step_at_a_time(tx: &Transaction<'_>, id: i64) -> Result<(), StoreError> {
    // The only advisory lock of the server: its key is the election's id.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&id])
        .await?;
    Ok(())
}

/// A voting period's step whose time has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Voting is to open (the key ceremony may still be running).
    Open,
    /// Voting is to close.
    Close,
}

/// The elections whose opening or closing time has passed, in id order.
pub async fn due(client: &impl GenericClient) -> Result<Vec<(i64, Due)>, StoreError> {
    Ok(client
        .query(
            "SELECT id, status = 'open' FROM setups \
             WHERE (status = 'ceremony' AND opens_at <= now() \
                    AND (closes_at IS NULL OR closes_at > now())) \
                OR (status = 'open' AND closes_at <= now()) ORDER BY id",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), if r.get(1) { Due::Close } else { Due::Open }))
        .collect())
}

/// Keeps the frozen manifest.
pub async fn set_manifest(tx: &Transaction<'_>, id: i64, bytes: &[u8]) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE setups SET manifest = $2 WHERE id = $1",
        &[&id, &bytes],
    )
    .await?;
    Ok(())
}

/// Marks that the election's ballot box (with the same id) exists.
pub async fn set_voting_opened(tx: &Transaction<'_>, id: i64) -> Result<(), StoreError> {
    tx.execute("UPDATE setups SET ballot_box = id WHERE id = $1", &[&id])
        .await?;
    Ok(())
}

/// The names of an election's districts.
pub async fn districts(client: &impl GenericClient, id: i64) -> Result<Vec<String>, StoreError> {
    Ok(client
        .query("SELECT district FROM districts WHERE setup = $1", &[&id])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// Per district: seats, the roll and nominations.
#[derive(Debug)]
pub struct DistrictRow {
    /// The district.
    pub district: String,
    /// Seats.
    pub seats: u32,
    /// Members on the roll.
    pub eligible: u64,
    /// Nominations made.
    pub nominations: u64,
    /// Nominees who accepted (approved or not yet decided).
    pub accepted: u64,
    /// Candidates the committee approved.
    pub approved: u64,
}

/// Every district of an election, by name.
pub async fn overview(
    client: &impl GenericClient,
    id: i64,
) -> Result<Vec<DistrictRow>, StoreError> {
    client
        .query(
            "SELECT d.district, d.seats, \
               (SELECT count(*) FROM members m WHERE m.setup = d.setup AND m.district = d.district), \
               count(n.id), \
               count(n.id) FILTER (WHERE n.status IN ('accepted', 'approved')), \
               count(n.id) FILTER (WHERE n.status = 'approved') \
             FROM districts d \
             LEFT JOIN members m ON m.setup = d.setup AND m.district = d.district \
             LEFT JOIN nominations n ON n.nominee = m.id \
             WHERE d.setup = $1 GROUP BY d.setup, d.district, d.seats ORDER BY d.district",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| {
            let n = |i: usize| u64_of(r.get(i), "count");
            Ok(DistrictRow {
                district: r.get(0),
                seats: u32_of(r.get(1)),
                eligible: n(2)?,
                nominations: n(3)?,
                accepted: n(4)?,
                approved: n(5)?,
            })
        })
        .collect()
}

/// The trustees named: number and account name, by number.
pub async fn trustees(
    client: &impl GenericClient,
    id: i64,
) -> Result<Vec<(u32, String)>, StoreError> {
    Ok(client
        .query(
            "SELECT t.idx, s.username FROM trustees t JOIN staff s ON s.id = t.staff \
             WHERE t.setup = $1 ORDER BY t.idx",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| (u32_of(r.get(0)), r.get(1)))
        .collect())
}

/// Names staff account `staff` trustee `index`; a number or account
/// already named is [`StoreError::is_duplicate`].
pub async fn name_trustee(
    tx: &Transaction<'_>,
    id: i64,
    index: u32,
    staff: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO trustees (setup, idx, staff) VALUES ($1, $2, $3)",
        &[&id, &(index as i32), &staff],
    )
    .await?;
    Ok(())
}

/// Account `staff` takes trustee number `index`; an account already a
/// trustee of the election is [`StoreError::is_duplicate`].
pub async fn replace_trustee(
    tx: &Transaction<'_>,
    id: i64,
    index: u32,
    staff: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE trustees SET staff = $3 WHERE setup = $1 AND idx = $2",
        &[&id, &(index as i32), &staff],
    )
    .await?;
    Ok(())
}

/// Trustee `index` leaves the election: the trustees after it move down
/// one number, and the election has one trustee fewer.
pub async fn drop_trustee(tx: &Transaction<'_>, id: i64, index: u32) -> Result<(), StoreError> {
    let index = index as i32;
    tx.execute(
        "DELETE FROM trustees WHERE setup = $1 AND idx = $2",
        &[&id, &index],
    )
    .await?;
    // In two steps, so that no two rows share a number on the way.
    tx.execute(
        "UPDATE trustees SET idx = idx + 1000000 WHERE setup = $1 AND idx > $2",
        &[&id, &index],
    )
    .await?;
    tx.execute(
        "UPDATE trustees SET idx = idx - 1000001 WHERE setup = $1 AND idx > 1000000",
        &[&id],
    )
    .await?;
    tx.execute(
        "UPDATE setups SET trustees = trustees - 1 WHERE id = $1",
        &[&id],
    )
    .await?;
    Ok(())
}

/// Staff account `staff`'s trustee number in the election, if any.
pub async fn trustee_index(
    client: &impl GenericClient,
    id: i64,
    staff: i64,
) -> Result<Option<u32>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT idx FROM trustees WHERE setup = $1 AND staff = $2",
            &[&id, &staff],
        )
        .await?
        .map(|r| u32_of(r.get(0))))
}

/// An election in a list.
#[derive(Debug)]
pub struct Listed {
    /// Its id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Status.
    pub status: Status,
    /// The organisation's name.
    pub organisation: String,
}

fn listed(rows: &[tokio_postgres::Row]) -> Result<Vec<Listed>, StoreError> {
    rows.iter()
        .map(|r| {
            let status: String = r.get(2);
            Ok(Listed {
                id: r.get(0),
                title: r.get(1),
                status: Status::parse(&status).ok_or(StoreError::Corrupt("an unknown status"))?,
                organisation: r.get(3),
            })
        })
        .collect()
}

/// The latest 200 elections of organisation `org` (all with `None`).
pub async fn list(
    client: &impl GenericClient,
    org: Option<i64>,
) -> Result<Vec<Listed>, StoreError> {
    listed(
        &client
            .query(
                "SELECT s.id, s.title, s.status, o.name FROM setups s \
                 JOIN organisations o ON o.id = s.organisation \
                 WHERE $1::BIGINT IS NULL OR s.organisation = $1 ORDER BY s.id DESC LIMIT 200",
                &[&org],
            )
            .await?,
    )
}

/// The latest `limit` elections whose nominations are open.
pub async fn in_nominations(
    client: &impl GenericClient,
    limit: i64,
) -> Result<Vec<Listed>, StoreError> {
    listed(
        &client
            .query(
                "SELECT s.id, s.title, s.status, o.name FROM setups s \
                 JOIN organisations o ON o.id = s.organisation \
                 WHERE s.status = 'nominations' ORDER BY s.id DESC LIMIT $1",
                &[&limit],
            )
            .await?,
    )
}
