//! The ballot box's storage in PostgreSQL: elections, their public
//! credential lists and their hash-chained boards (record.md §4–§5).
//!
//! Appending a ballot is one transaction that locks the election's row
//! (`SELECT … FOR UPDATE`), so positions and heads are handed out in one
//! order, and commits the board entry together with the election's new
//! head: a receipt is only ever answered for a committed entry. The schema
//! is in `server/migrations/`, embedded in the binary and applied by
//! [`migrate`].

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::Path;

pub use deadpool_postgres::Pool;
use deadpool_postgres::{Manager, ManagerConfig, RecyclingMethod};
use tokio_postgres::NoTls;
use valurna_engine::ballot::{Tracker, VerifiedBallot};
use valurna_engine::board::{CountedSet, Head, Receipt, genesis, next_head, seal};
use valurna_engine::encoding::Element;
use valurna_engine::record::{self, BoardLine, BoardSeal, TallyFile, files};
use valurna_engine::tally::TallyAccumulator;

use crate::commands::Setup;
use crate::receipt::ReceiptKey;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// What storage can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or could not be reached.
    #[error("database: {0}")]
    Database(#[from] tokio_postgres::Error),
    /// No connection from the pool.
    #[error("database pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// A schema migration failed.
    #[error("migration: {0}")]
    Migration(#[from] refinery::Error),
    /// The stored data breaks an invariant.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(&'static str),
    /// No such election.
    #[error("no such election")]
    NoElection,
    /// The election is closed.
    #[error("the election is closed")]
    Closed,
    /// The election is still open (close it before exporting).
    #[error("the election is still open; close it first")]
    StillOpen,
    /// Writing an export failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The engine refused something.
    #[error(transparent)]
    Engine(#[from] valurna_engine::Error),
    /// The request was refused (a bad username or password).
    #[error("{0}")]
    Refused(String),
}

/// A pool of connections to `url` (a `postgres://` URL).
pub fn pool(url: &str, size: usize) -> Result<Pool, StoreError> {
    pool_with(url.parse()?, size)
}

/// A pool of connections with `config`.
pub fn pool_with(config: tokio_postgres::Config, size: usize) -> Result<Pool, StoreError> {
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    // Waiting for a connection, or making one, never hangs: after the
    // timeout the caller gets an error (a 503 for an HTTP request).
    Pool::builder(manager)
        .max_size(size.max(1))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .wait_timeout(Some(std::time::Duration::from_secs(10)))
        .create_timeout(Some(std::time::Duration::from_secs(10)))
        .build()
        .map_err(|_| StoreError::Corrupt("the pool could not be built"))
}

/// Applies the embedded schema migrations that are not applied yet.
pub async fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let client: &mut tokio_postgres::Client = &mut client;
    embedded::migrations::runner().run_async(client).await?;
    Ok(())
}

fn i64_of(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt("a number beyond i64"))
}

fn u64_of(n: i64, what: &'static str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(what))
}

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

fn array32(bytes: &[u8]) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a 32-byte value of another length"))
}

/// Loads an election whose key ceremony is done and whose credential list
/// is fixed (the files of [`Setup`]) and opens it for voting, with the
/// ballot box's receipt key `receipt_key`. Returns its id.
pub async fn load_election(
    pool: &Pool,
    setup: &Setup,
    receipt_key: &Element,
) -> Result<i64, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let id = load_election_in(&tx, setup, receipt_key).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`load_election`] inside the caller's transaction.
pub async fn load_election_in(
    tx: &tokio_postgres::Transaction<'_>,
    setup: &Setup,
    receipt_key: &Element,
) -> Result<i64, StoreError> {
    let credentials_hash = hex::decode(&setup.parameters.credentials_hash)
        .map_err(|_| StoreError::Corrupt("credentials hash"))?;
    let row = tx
        .query_one(
            "INSERT INTO elections (election_id, organisation, manifest, parameters, ceremony, \
             credentials_file, credentials_hash, base_hash, receipt_key, status, board_head) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10) RETURNING id",
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

/// Creates the platform administrator's account (`valurna admin-create`),
/// with an audit entry. Returns its id.
pub async fn create_platform_admin(
    pool: &Pool,
    username: &str,
    password: &str,
) -> Result<i64, StoreError> {
    let bad = |e: crate::serve::ApiError| StoreError::Refused(e.message().to_string());
    crate::manage::check_new_account(username, password).map_err(bad)?;
    let hash = crate::auth::hash_password(password).map_err(bad)?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO staff (username, password_hash, role)              VALUES ($1, $2, 'platform_admin') RETURNING id",
            &[&username, &hash],
        )
        .await?
        .get(0);
    tx.execute(
        "INSERT INTO audit_log (actor, action, detail) VALUES ($1, 'staff.create',          jsonb_build_object('staff', $1::bigint, 'role', 'platform_admin'))",
        &[&id],
    )
    .await?;
    tx.commit().await?;
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

/// Writes a closed election's record up to the encrypted tally
/// (record.md §1): the set-up files, `credentials.jsonl`, `board.jsonl`,
/// `board_seal.json` and `tally.json`. The trustees then add their
/// decryption shares (`valurna trustee decrypt`) and the committee the
/// result (`valurna tally finish`).
pub async fn export(pool: &Pool, election: i64, dir: &Path) -> Result<(), StoreError> {
    if dir.exists() {
        return Err(StoreError::Io(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} exists; export into a new directory", dir.display()),
        )));
    }
    // Written next to its destination and renamed into place when
    // complete, so a failed export leaves no record that looks whole.
    let partial = dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial)?;
    match export_into(pool, election, &partial).await {
        Ok(()) => Ok(std::fs::rename(&partial, dir)?),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            Err(e)
        }
    }
}

async fn export_into(pool: &Pool, election: i64, dir: &Path) -> Result<(), StoreError> {
    let stored = self::election(pool, election).await?;
    if stored.status != "closed" {
        return Err(StoreError::StillOpen);
    }
    std::fs::write(dir.join(files::MANIFEST), &stored.manifest)?;
    std::fs::write(dir.join(files::PARAMETERS), &stored.parameters)?;
    std::fs::write(dir.join(files::CEREMONY), &stored.ceremony)?;
    let manifest = valurna_engine::manifest::Manifest::from_json(&stored.manifest)?;
    let parameters: record::Parameters = serde_json::from_slice(&stored.parameters)
        .map_err(|_| StoreError::Corrupt("parameters"))?;
    let client = pool.get().await?;

    // The credential list exactly as loaded (its hash is in the base hash),
    // and the weights from the table.
    let file: Vec<u8> = client
        .query_one(
            "SELECT credentials_file FROM elections WHERE id = $1",
            &[&election],
        )
        .await?
        .get(0);
    std::fs::write(dir.join(files::CREDENTIALS), &file)?;
    if hex::encode(record::sha256_file(&dir.join(files::CREDENTIALS))?)
        != parameters.credentials_hash
    {
        return Err(StoreError::Corrupt(
            "the stored credential list does not hash to the election's credentials hash",
        ));
    }
    let mut weights = HashMap::new();
    for r in client
        .query(
            "SELECT credential, weight FROM credentials WHERE election = $1",
            &[&election],
        )
        .await?
    {
        let weight: i64 = r.get(1);
        weights.insert(array32(&r.get::<_, Vec<u8>>(0))?, u64_of(weight, "weight")?);
    }

    // The board, and the tally of its counted ballots.
    let shapes: Vec<_> = manifest.contests.iter().map(|c| c.shape()).collect();
    let ctx = valurna_engine::ballot::BallotContext {
        base_hash: parameters.computed_base_hash()?,
        key: parameters.joint_key()?,
        shapes: shapes.clone(),
        preferences: manifest.preferences(),
    };
    let rows = client
        .query(
            "SELECT position, tracker, ballot, head, credential FROM board WHERE election = $1 \
             ORDER BY position",
            &[&election],
        )
        .await?;
    let mut counted = CountedSet::new();
    for r in &rows {
        let position: i64 = r.get(0);
        let credential: Vec<u8> = r.get(4);
        counted.note(&array32(&credential)?, u64_of(position, "position")?);
    }
    let mut tally = TallyAccumulator::new(&shapes).with_ranked(&manifest.preferences());
    {
        let mut w = BufWriter::new(std::fs::File::create(dir.join(files::BOARD))?);
        for r in &rows {
            let position: i64 = r.get(0);
            let position = u64_of(position, "position")?;
            let tracker: Vec<u8> = r.get(1);
            let ballot: Vec<u8> = r.get(2);
            let head: Vec<u8> = r.get(3);
            let credential = array32(&r.get::<_, Vec<u8>>(4))?;
            record::write_line(
                &mut w,
                &BoardLine::new(position, &array32(&tracker)?, &ballot, &array32(&head)?),
            )?;
            if counted.counts(&credential, position) {
                let b = valurna_engine::ballot::Ballot::decode(&ballot, &ctx)?;
                let weight = weights
                    .get(&credential)
                    .copied()
                    .ok_or(StoreError::Corrupt(
                        "a ballot whose credential is not listed",
                    ))?;
                tally.add(&b, weight);
            }
        }
        w.flush()?;
    }
    // Give the connection back first: the pool may have only one.
    drop(client);
    let (count, head, sealed) = board_head(pool, election).await?;
    let sealed = sealed.ok_or(StoreError::Corrupt("a closed election without a seal"))?;
    if seal(&head, count) != sealed {
        return Err(StoreError::Corrupt(
            "the stored seal does not match the board",
        ));
    }
    record::write_json(
        &dir.join(files::BOARD_SEAL),
        &BoardSeal {
            count,
            head: hex::encode(head),
            seal: hex::encode(sealed),
        },
    )?;
    record::write_json(&dir.join(files::TALLY), &TallyFile::new(&tally.finish()?))?;
    Ok(())
}
