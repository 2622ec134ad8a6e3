//! The trustees' files: the key ceremony's public files and, after
//! voting, their decryption shares.

use tokio_postgres::Transaction;

use super::{GenericClient, StoreError};

/// Adds a ceremony file; one already there is [`StoreError::is_duplicate`].
pub async fn add_file(
    tx: &Transaction<'_>,
    election: i64,
    name: &str,
    bytes: &[u8],
    uploaded_by: Option<i64>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO ceremony_files (setup, name, bytes, uploaded_by) VALUES ($1, $2, $3, $4)",
        &[&election, &name, &bytes, &uploaded_by],
    )
    .await?;
    Ok(())
}

/// The ceremony's files: name and size, by name.
pub async fn list(
    client: &impl GenericClient,
    election: i64,
) -> Result<Vec<(String, u64)>, StoreError> {
    Ok(client
        .query(
            "SELECT name, length(bytes) FROM ceremony_files WHERE setup = $1 ORDER BY name",
            &[&election],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), u64::from(r.get::<_, i32>(1).unsigned_abs())))
        .collect())
}

/// One ceremony file's bytes.
pub async fn file(
    client: &impl GenericClient,
    election: i64,
    name: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT bytes FROM ceremony_files WHERE setup = $1 AND name = $2",
            &[&election, &name],
        )
        .await?
        .map(|r| r.get(0)))
}

/// Every ceremony file, name and bytes.
pub async fn all(
    client: &impl GenericClient,
    election: i64,
) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
    Ok(client
        .query(
            "SELECT name, bytes FROM ceremony_files WHERE setup = $1",
            &[&election],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// Keeps trustee `trustee`'s decryption share; a second one is
/// [`StoreError::is_duplicate`]. Returns the shares kept so far.
pub async fn add_decryption(
    tx: &Transaction<'_>,
    election: i64,
    trustee: u32,
    bytes: &[u8],
) -> Result<u32, StoreError> {
    tx.execute(
        "INSERT INTO decryption_shares (setup, trustee, bytes) VALUES ($1, $2, $3)",
        &[&election, &(trustee as i32), &bytes],
    )
    .await?;
    let n: i64 = tx
        .query_one(
            "SELECT count(*) FROM decryption_shares WHERE setup = $1",
            &[&election],
        )
        .await?
        .get(0);
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Drops every file of the election's ceremony (a restart).
pub async fn clear(tx: &Transaction<'_>, election: i64) -> Result<u64, StoreError> {
    Ok(tx
        .execute("DELETE FROM ceremony_files WHERE setup = $1", &[&election])
        .await?)
}
