//! The ballot box: elections loaded for voting, their public credential
//! lists and their hash-chained boards (record.md §4–§5).
//!
//! Appending a ballot is one transaction that locks the election's row
//! (`SELECT … FOR UPDATE`), so positions and heads are handed out in one
//! order, and commits the board entry together with the election's new
//! head: a receipt is only ever answered for a committed entry.

use std::collections::HashMap;

use valurna_engine::ballot::{Tracker, VerifiedBallot};
use valurna_engine::board::{Head, Receipt, genesis, next_head, seal};
use valurna_engine::encoding::Element;
use valurna_engine::record::BoardLine;

use super::{Pool, StoreError, array32, i64_of, u64_of};
use crate::receipt::ReceiptKey;
use crate::record::setup::Setup;

/// Locks the election's row until the transaction ends (`FOR UPDATE`),
/// which orders every append and the close; returns its status, board
/// length and head.
async fn lock_election(
    tx: &tokio_postgres::Transaction<'_>,
    election: i64,
) -> Result<(String, i64, Head), StoreError> {
    let row = tx
        .query_opt(
            "SELECT status, board_count, board_head FROM elections WHERE id = $1 FOR UPDATE",
            &[&election],
        )
        .await?
        .ok_or(StoreError::NoElection)?;
    Ok((row.get(0), row.get(1), array32(&row.get::<_, Vec<u8>>(2))?))
}

/// Loads an election whose key ceremony is done and whose credential list
/// is fixed (the files of [`Setup`]) and opens it for voting, with the
/// ballot box's receipt key `receipt_key`. Returns its id (a new one).
pub async fn load_election(
    pool: &Pool,
    setup: &Setup,
    receipt_key: &Element,
) -> Result<i64, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let id = load_election_in(&tx, None, setup, receipt_key).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`load_election`] inside the caller's transaction; with `id`, the ballot
/// box takes that id (the committee's election it opens).
pub async fn load_election_in(
    tx: &tokio_postgres::Transaction<'_>,
    id: Option<i64>,
    setup: &Setup,
    receipt_key: &Element,
) -> Result<i64, StoreError> {
    let credentials_hash = hex::decode(&setup.parameters.credentials_hash)
        .map_err(|_| StoreError::Corrupt("credentials hash"))?;
    let row = tx
        .query_one(
            "INSERT INTO elections (id, election_id, organisation, manifest, parameters, \
             ceremony, credentials_file, credentials_hash, base_hash, receipt_key, status, \
             board_head) VALUES (coalesce($11, nextval('setups_id_seq')), $1, $2, $3, $4, $5, \
             $6, $7, $8, $9, 'open', $10) RETURNING id",
            &[
                &setup.manifest.election_id,
                &setup.manifest.organisation,
                &setup.manifest_bytes,
                &setup.parameters_bytes,
                &setup.ceremony_bytes,
                &setup.credentials_bytes,
                &credentials_hash,
                &setup.base_hash.as_slice(),
                &receipt_key.as_bytes().as_slice(),
                &genesis(&setup.base_hash).as_slice(),
                &id,
            ],
        )
        .await?;
    let id: i64 = row.get(0);
    for chunk in setup.credentials.chunks(10_000) {
        let mut creds = Vec::with_capacity(chunk.len());
        let mut districts = Vec::with_capacity(chunk.len());
        let mut weights = Vec::with_capacity(chunk.len());
        for line in chunk {
            creds.push(line.element()?.as_bytes().to_vec());
            districts.push(line.district.clone());
            weights.push(i64_of(line.weight)?);
        }
        tx.execute(
            "INSERT INTO credentials (election, credential, district, weight) \
             SELECT $1, * FROM unnest($2::bytea[], $3::text[], $4::bigint[])",
            &[&id, &creds, &districts, &weights],
        )
        .await?;
    }
    Ok(id)
}

/// A receipt with the ballot box's signature (record.md §5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedReceipt {
    /// Position, tracker, head.
    pub receipt: Receipt,
    /// The Schnorr signature's 64 bytes.
    pub signature: [u8; 64],
}

/// The outcome of casting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cast {
    /// Appended now.
    Appended(SignedReceipt),
    /// Already on the board: the receipt it got then.
    Replayed(SignedReceipt),
    /// Not stored: voting is closed.
    Closed,
}

fn receipt_of(row: &tokio_postgres::Row, tracker: &Tracker) -> Result<SignedReceipt, StoreError> {
    let position: i64 = row.get(0);
    let head: Vec<u8> = row.get(1);
    let signature: Vec<u8> = row.get(2);
    Ok(SignedReceipt {
        receipt: Receipt {
            position: u64_of(position, "position")?,
            tracker: *tracker,
            head: array32(&head)?,
        },
        signature: signature
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::Corrupt("signature length"))?,
    })
}

/// The receipt of a ballot already on the board, if it is.
pub async fn find_receipt(
    pool: &Pool,
    election: i64,
    tracker: &Tracker,
) -> Result<Option<SignedReceipt>, StoreError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT position, head, signature FROM board WHERE election = $1 AND tracker = $2",
            &[&election, &tracker.as_slice()],
        )
        .await?;
    row.map(|r| receipt_of(&r, tracker)).transpose()
}

/// Appends verified ballots to an election's board, in the given order, in
/// one transaction (a group commit), and signs their receipts. The
/// election's row is locked for the transaction, so positions and heads
/// are handed out in one order even with several ballot boxes. A ballot
/// already on the board — or earlier in the same batch — gets its receipt
/// back and is not stored again; in a closed election every other ballot
/// gets [`Cast::Closed`]. Nothing is answered before the commit.
pub async fn append_batch(
    pool: &Pool,
    election: i64,
    base_hash: &[u8; 32],
    ballots: &[&VerifiedBallot],
    key: &ReceiptKey,
) -> Result<Vec<Cast>, StoreError> {
    let mut client = pool.get().await?;
    // Read committed, whatever the server's default: the lock on the
    // election's row orders the appends, and each sees the last commit.
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::ReadCommitted)
        .start()
        .await?;
    let (status, mut count, mut head) = lock_election(&tx, election).await?;
    let trackers: Vec<&[u8]> = ballots.iter().map(|b| b.tracker().as_slice()).collect();
    let mut known: HashMap<Tracker, SignedReceipt> = HashMap::new();
    for r in tx
        .query(
            "SELECT position, head, signature, tracker FROM board \
             WHERE election = $1 AND tracker = ANY($2)",
            &[&election, &trackers],
        )
        .await?
    {
        let tracker = array32(&r.get::<_, Vec<u8>>(3))?;
        known.insert(tracker, receipt_of(&r, &tracker)?);
    }
    let mut outcomes = Vec::with_capacity(ballots.len());
    let mut rows = NewRows::default();
    for b in ballots {
        let tracker = b.tracker();
        if let Some(r) = known.get(tracker) {
            outcomes.push(Cast::Replayed(r.clone()));
            continue;
        }
        if status != "open" {
            outcomes.push(Cast::Closed);
            continue;
        }
        let position = u64_of(count, "board count")?;
        let receipt = Receipt {
            position,
            tracker: *tracker,
            head: next_head(&head, position, tracker),
        };
        let signed = SignedReceipt {
            receipt,
            signature: key.sign(base_hash, &receipt),
        };
        rows.push(count, b, &signed);
        known.insert(*tracker, signed.clone());
        outcomes.push(Cast::Appended(signed));
        head = receipt.head;
        count += 1;
    }
    if !rows.positions.is_empty() {
        tx.execute(
            "INSERT INTO board (election, position, tracker, ballot, head, credential, signature)              SELECT $1, * FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[],              $6::bytea[], $7::bytea[])",
            &[
                &election,
                &rows.positions,
                &rows.trackers,
                &rows.ballots,
                &rows.heads,
                &rows.credentials,
                &rows.signatures,
            ],
        )
        .await?;
        tx.execute(
            "UPDATE elections SET board_count = $2, board_head = $3 WHERE id = $1",
            &[&election, &count, &head.as_slice()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Columns of new board rows, for one multi-row insert.
#[derive(Default)]
struct NewRows<'a> {
    positions: Vec<i64>,
    trackers: Vec<&'a [u8]>,
    ballots: Vec<&'a [u8]>,
    heads: Vec<Vec<u8>>,
    credentials: Vec<&'a [u8]>,
    signatures: Vec<Vec<u8>>,
}

impl<'a> NewRows<'a> {
    fn push(&mut self, position: i64, b: &'a VerifiedBallot, r: &SignedReceipt) {
        self.positions.push(position);
        self.trackers.push(b.tracker().as_slice());
        self.ballots.push(b.bytes());
        self.heads.push(r.receipt.head.to_vec());
        self.credentials
            .push(b.ballot().credential.as_bytes().as_slice());
        self.signatures.push(r.signature.to_vec());
    }
}

/// An election as the ballot box needs it to validate ballots.
#[derive(Debug)]
pub struct StoredElection {
    /// The database id.
    pub id: i64,
    /// `open` or `closed`.
    pub status: String,
    /// The set-up files' bytes: manifest, parameters, ceremony.
    pub manifest: Vec<u8>,
    /// `parameters.json`.
    pub parameters: Vec<u8>,
    /// `ceremony.json`.
    pub ceremony: Vec<u8>,
    /// The receipt key's public element.
    pub receipt_key: [u8; 32],
}

/// Reads an election.
pub async fn election(pool: &Pool, id: i64) -> Result<StoredElection, StoreError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT status, manifest, parameters, ceremony, receipt_key FROM elections WHERE id = $1",
            &[&id],
        )
        .await?
        .ok_or(StoreError::NoElection)?;
    let key: Vec<u8> = row.get(4);
    Ok(StoredElection {
        id,
        status: row.get(0),
        manifest: row.get(1),
        parameters: row.get(2),
        ceremony: row.get(3),
        receipt_key: array32(&key)?,
    })
}

/// A listed credential's district and weight, and whether the election is
/// open.
pub async fn credential(
    pool: &Pool,
    election: i64,
    credential: &Element,
) -> Result<Option<(String, u64, bool)>, StoreError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT c.district, c.weight, e.status = 'open' FROM credentials c \
             JOIN elections e ON e.id = c.election \
             WHERE c.election = $1 AND c.credential = $2",
            &[&election, &credential.as_bytes().as_slice()],
        )
        .await?;
    row.map(|r| {
        let w: i64 = r.get(1);
        Ok((r.get(0), u64_of(w, "weight")?, r.get(2)))
    })
    .transpose()
}

/// Board entries from `from`, at most `limit`, in order.
pub async fn board_page(
    pool: &Pool,
    election: i64,
    from: u64,
    limit: u64,
) -> Result<Vec<BoardLine>, StoreError> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT position, tracker, ballot, head FROM board WHERE election = $1 \
             AND position >= $2 ORDER BY position LIMIT $3",
            &[&election, &i64_of(from)?, &i64_of(limit)?],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let position: i64 = r.get(0);
            let tracker: Vec<u8> = r.get(1);
            let ballot: Vec<u8> = r.get(2);
            let head: Vec<u8> = r.get(3);
            Ok(BoardLine::new(
                u64_of(position, "position")?,
                &array32(&tracker)?,
                &ballot,
                &array32(&head)?,
            ))
        })
        .collect()
}

/// The board's length and head, and its seal once closed.
pub async fn board_head(
    pool: &Pool,
    election: i64,
) -> Result<(u64, Head, Option<[u8; 32]>), StoreError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT board_count, board_head, seal FROM elections WHERE id = $1",
            &[&election],
        )
        .await?
        .ok_or(StoreError::NoElection)?;
    let count: i64 = row.get(0);
    let head: Vec<u8> = row.get(1);
    let seal: Option<Vec<u8>> = row.get(2);
    Ok((
        u64_of(count, "board count")?,
        array32(&head)?,
        seal.map(|s| array32(&s)).transpose()?,
    ))
}

/// Where a tracker stands: its position, and the position of the same
/// credential's last ballot if that is a later one.
pub async fn tracker_status(
    pool: &Pool,
    election: i64,
    tracker: &Tracker,
) -> Result<Option<(u64, Option<u64>)>, StoreError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT b.position, (SELECT max(position) FROM board l \
               WHERE l.election = b.election AND l.credential = b.credential) \
             FROM board b WHERE b.election = $1 AND b.tracker = $2",
            &[&election, &tracker.as_slice()],
        )
        .await?;
    row.map(|r| {
        let p: i64 = r.get(0);
        let last: i64 = r.get(1);
        let p = u64_of(p, "position")?;
        let last = u64_of(last, "position")?;
        Ok((p, (last > p).then_some(last)))
    })
    .transpose()
}

/// Voters who have cast a ballot, per district (counts only).
pub async fn turnout(pool: &Pool, election: i64) -> Result<Vec<(String, u64, u64)>, StoreError> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT c.district, count(*) AS eligible, \
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM board b \
                 WHERE b.election = c.election AND b.credential = c.credential)) AS voted \
             FROM credentials c WHERE c.election = $1 GROUP BY c.district ORDER BY c.district",
            &[&election],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let eligible: i64 = r.get(1);
            let voted: i64 = r.get(2);
            Ok((
                r.get(0),
                u64_of(eligible, "count")?,
                u64_of(voted, "count")?,
            ))
        })
        .collect()
}

/// Closes voting: no ballot is accepted afterwards, and the board is
/// sealed (record.md §5.5). Returns the seal.
pub async fn close(pool: &Pool, election: i64) -> Result<[u8; 32], StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let (status, count, head) = lock_election(&tx, election).await?;
    if status != "open" {
        return Err(StoreError::Closed);
    }
    let s = seal(&head, u64_of(count, "board count")?);
    tx.execute(
        "UPDATE elections SET status = 'closed', seal = $2, closed_at = now() WHERE id = $1",
        &[&election, &s.as_slice()],
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}

/// An election as the public pages list it: the status is the committee's
/// (which knows `tallied`) when it was managed here, else the ballot box's
/// (`open` or `closed`).
#[derive(Debug)]
pub struct PublicElection {
    /// Its id.
    pub id: i64,
    /// `manifest.json`.
    pub manifest: Vec<u8>,
    /// Its status.
    pub status: String,
    /// Ballots on the board.
    pub board_count: u64,
}

fn public_of(r: &tokio_postgres::Row) -> Result<PublicElection, StoreError> {
    Ok(PublicElection {
        id: r.get(0),
        manifest: r.get(1),
        status: r.get(2),
        board_count: u64_of(r.get(3), "board count")?,
    })
}

const PUBLIC: &str = "SELECT e.id, e.manifest, coalesce(s.status, e.status), e.board_count \
                      FROM elections e LEFT JOIN setups s ON s.id = e.id";

/// One election for the public pages.
pub async fn public_election(pool: &Pool, id: i64) -> Result<PublicElection, StoreError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(&format!("{PUBLIC} WHERE e.id = $1"), &[&id])
        .await?
        .ok_or(StoreError::NoElection)?;
    public_of(&row)
}

/// The latest `limit` elections for the public pages, newest first.
pub async fn public_elections(pool: &Pool, limit: i64) -> Result<Vec<PublicElection>, StoreError> {
    let client = pool.get().await?;
    client
        .query(&format!("{PUBLIC} ORDER BY e.id DESC LIMIT $1"), &[&limit])
        .await?
        .iter()
        .map(public_of)
        .collect()
}

/// The first tracker on the board between `lo` and `hi` (a short
/// tracker's range), in board order.
pub async fn tracker_in_range(
    pool: &Pool,
    election: i64,
    lo: &[u8; 32],
    hi: &[u8; 32],
) -> Result<Option<[u8; 32]>, StoreError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT tracker FROM board WHERE election = $1 AND tracker BETWEEN $2 AND $3 \
             ORDER BY position LIMIT 1",
            &[&election, &lo.as_slice(), &hi.as_slice()],
        )
        .await?;
    row.map(|r| array32(&r.get::<_, Vec<u8>>(0))).transpose()
}

/// When an election's voting opened and closed and its result was
/// published (the protocol's times).
#[derive(Debug, Clone, Copy)]
pub struct Times {
    /// Voting opened: the ballot box was loaded.
    pub opened: time::OffsetDateTime,
    /// Voting closed.
    pub closed: Option<time::OffsetDateTime>,
    /// The tally was decrypted and the result published (from the audit log).
    pub tallied: Option<time::OffsetDateTime>,
}

/// [`Times`] of election `id`.
pub async fn times(pool: &Pool, id: i64) -> Result<Times, StoreError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT e.created_at, e.closed_at, \
             (SELECT max(a.at) FROM audit_log a WHERE a.action = 'election.tallied' \
              AND a.detail->>'election' = e.id::text) \
             FROM elections e WHERE e.id = $1",
            &[&id],
        )
        .await?
        .ok_or(StoreError::NoElection)?;
    Ok(Times {
        opened: row.get(0),
        closed: row.get(1),
        tallied: row.get(2),
    })
}
