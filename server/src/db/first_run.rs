//! The first run (`election::accounts`): setup tokens, kept while the
//! database has no account.

use tokio_postgres::Transaction;

use super::{GenericClient, Pool, StoreError};

/// How long a setup token works, in hours.
pub const TOKEN_HOURS: i32 = 24;

/// Whether the database has no account yet.
pub async fn needed(client: &impl GenericClient) -> Result<bool, StoreError> {
    Ok(client
        .query_one("SELECT NOT EXISTS (SELECT 1 FROM staff)", &[])
        .await?
        .get(0))
}

/// Keeps a new setup token's hash, if the database still has no account;
/// `false` if it has one.
pub async fn add_token(pool: &Pool, token_hash: &[u8]) -> Result<bool, StoreError> {
    let client = pool.get().await?;
    let added = client
        .execute(
            "INSERT INTO setup_tokens (token_hash) \
             SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM staff)",
            &[&token_hash],
        )
        .await?;
    Ok(added == 1)
}

/// Whether `token_hash` is a setup token that still works, while no
/// account exists (a read, without waiting for a claim).
pub async fn works(client: &impl GenericClient, token_hash: &[u8]) -> Result<bool, StoreError> {
    Ok(client
        .query_one(WORKS, &[&token_hash, &TOKEN_HOURS])
        .await?
        .get(0))
}

/// Whether a setup token works (`$1` its hash, `$2` [`TOKEN_HOURS`]).
const WORKS: &str = "SELECT EXISTS (SELECT 1 FROM setup_tokens WHERE token_hash = $1 \
                            AND created_at > now() - make_interval(hours => $2)) \
                    AND NOT EXISTS (SELECT 1 FROM staff)";

/// Starts the first account's creation in `tx`: waits for any other one
/// (the table lock), then says whether `token_hash` is a setup token that
/// still works and no account exists.
pub async fn claim(tx: &Transaction<'_>, token_hash: &[u8]) -> Result<bool, StoreError> {
    tx.batch_execute("LOCK TABLE setup_tokens IN SHARE ROW EXCLUSIVE MODE")
        .await?;
    Ok(tx
        .query_one(WORKS, &[&token_hash, &TOKEN_HOURS])
        .await?
        .get(0))
}

/// Ends the first run: no setup token works once an account exists.
pub async fn end(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute("DELETE FROM setup_tokens", &[]).await?;
    Ok(())
}
