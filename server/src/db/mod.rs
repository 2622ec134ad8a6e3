//! Storage in PostgreSQL: **every SQL statement of the server is in this
//! module**, one submodule per aggregate, each returning typed rows.
//!
//! | module | tables | what |
//! |---|---|---|
//! | [`ballot_box`] | `elections`, `credentials`, `board` | loading an election for voting, appending ballots, the board, closing (record.md §4–§5) |
//! | [`export`] | the same | writing a closed election's record (record.md §1) |
//! | [`organisations`] | `organisations`, `staff` | organisations and their staff accounts |
//! | [`sessions`] | `sessions`, `login_codes` | staff and members signed in; members' one-time codes |
//! | [`elections`] | `setups`, `districts`, `trustees` | an election as the committee manages it, and its status |
//! | [`roll`] | `members` | the voter roll |
//! | [`nominations`] | `nominations` | proposals, answers, decisions, presentations |
//! | [`ceremony`] | `ceremony_files`, `decryption_shares` | the trustees' files |
//! | [`outbox`] | `outbox` | messages waiting for delivery |
//! | [`audit`] | `audit_log` | the append-only audit log |
//!
//! One election has one id: its row in `setups` (the committee's side) and
//! its ballot box in `elections` share it (migration V3). An election
//! loaded from files (`valurna election load`) has only the ballot box.
//!
//! Functions that change more than one row take the caller's transaction
//! (`&Transaction`), so that a step and its audit entry commit together;
//! reads take any client. The schema is in `migrations/`, embedded in the
//! binary and applied by [`migrate`].

pub mod audit;
pub mod ballot_box;
pub mod ceremony;
pub mod elections;
pub mod export;
pub mod first_run;
pub mod invitations;
pub mod messages;
pub mod nominations;
pub mod organisations;
pub mod outbox;
pub mod roll;
pub mod second_factor;
pub mod sessions;
pub mod throttle;

pub use deadpool_postgres::{GenericClient, Pool};
use deadpool_postgres::{Manager, ManagerConfig, RecyclingMethod};
use tokio_postgres::NoTls;
pub use tokio_postgres::Transaction;
use tokio_postgres::error::SqlState;

mod embedded {
    refinery::embed_migrations!("src/db/migrations");
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
}

impl StoreError {
    /// Whether a unique constraint refused the row (the name, number or
    /// file is taken).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, StoreError::Database(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION))
    }

    /// Whether a foreign key refused the row (what it refers to is not
    /// there).
    pub fn is_missing_reference(&self) -> bool {
        matches!(self, StoreError::Database(e) if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION))
    }
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

/// Whether the database answers (`/readyz`).
pub async fn ping(pool: &Pool) -> Result<(), StoreError> {
    pool.get().await?.query_one("SELECT 1", &[]).await?;
    Ok(())
}

/// How many elections the database holds, of either side (set-ups and
/// ballot boxes): a database with none has never signed a receipt.
pub async fn election_count(pool: &Pool) -> Result<u64, StoreError> {
    let n: i64 = pool
        .get()
        .await?
        .query_one(
            "SELECT (SELECT count(*) FROM elections) + (SELECT count(*) FROM setups)",
            &[],
        )
        .await?
        .get(0);
    u64_of(n, "count")
}

/// Drops database `name` (closing its connections) if it is there and
/// creates it empty, through `client` connected to another database of
/// the server. `name` must be a plain identifier (a-z, 0-9, `_`).
pub async fn recreate_database(
    client: &tokio_postgres::Client,
    name: &str,
) -> Result<(), tokio_postgres::Error> {
    debug_assert!(
        name.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    );
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
}

pub(crate) fn i64_of(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt("a number beyond i64"))
}

pub(crate) fn u64_of(n: i64, what: &'static str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(what))
}

pub(crate) fn u32_of(n: i32) -> u32 {
    n.unsigned_abs()
}

pub(crate) fn array32(bytes: &[u8]) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a 32-byte value of another length"))
}
