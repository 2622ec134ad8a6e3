//! Staff accounts' second factor (`staff.totp_*`): the confirmed secret,
//! the one being set up, and the last step whose code was taken.

use tokio_postgres::Transaction;
use zeroize::Zeroizing;

use super::{GenericClient, StoreError};

/// An account's second factor as stored.
pub struct SecondFactor {
    /// The confirmed secret: codes are asked for at sign-in.
    pub secret: Option<Zeroizing<Vec<u8>>>,
    /// A secret being set up, not yet confirmed with a code.
    pub pending: Option<Zeroizing<Vec<u8>>>,
    /// The last step whose code was taken.
    pub last_step: i64,
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactor")
            .field("secret", &self.secret.as_ref().map(|_| "…"))
            .field("pending", &self.pending.as_ref().map(|_| "…"))
            .field("last_step", &self.last_step)
            .finish()
    }
}

/// Account `id`'s second factor (`None`: no such account).
pub async fn of(client: &impl GenericClient, id: i64) -> Result<Option<SecondFactor>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT totp_secret, totp_pending, totp_step FROM staff WHERE id = $1",
            &[&id],
        )
        .await?
        .map(|r| SecondFactor {
            secret: r.get::<_, Option<Vec<u8>>>(0).map(Zeroizing::new),
            pending: r.get::<_, Option<Vec<u8>>>(1).map(Zeroizing::new),
            last_step: r.get(2),
        }))
}

/// Keeps `secret` as account `id`'s secret being set up (replacing any).
pub async fn set_pending(tx: &Transaction<'_>, id: i64, secret: &[u8]) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE staff SET totp_pending = $2 WHERE id = $1",
        &[&id, &secret],
    )
    .await?;
    Ok(())
}

/// Makes the secret being set up account `id`'s second factor, its code of
/// `step` taken; false if none was being set up.
pub async fn confirm(tx: &Transaction<'_>, id: i64, step: i64) -> Result<bool, StoreError> {
    Ok(tx
        .execute(
            "UPDATE staff SET totp_secret = totp_pending, totp_pending = NULL, \
             totp_step = $2 WHERE id = $1 AND totp_pending IS NOT NULL",
            &[&id, &step],
        )
        .await?
        == 1)
}

/// Takes the code of `step` for account `id`: false if a code of that step
/// or a later one was already taken (two sign-ins racing with one code).
pub async fn take_step(
    client: &impl GenericClient,
    id: i64,
    step: i64,
) -> Result<bool, StoreError> {
    Ok(client
        .execute(
            "UPDATE staff SET totp_step = $2 WHERE id = $1 AND totp_step < $2",
            &[&id, &step],
        )
        .await?
        == 1)
}

/// Removes account `id`'s second factor (and any being set up); whether
/// it had one.
pub async fn remove(tx: &Transaction<'_>, id: i64) -> Result<bool, StoreError> {
    Ok(tx
        .query_one(
            "WITH old AS (SELECT totp_secret IS NOT NULL AS had FROM staff WHERE id = $1) \
             , upd AS (UPDATE staff SET totp_secret = NULL, totp_pending = NULL WHERE id = $1) \
             SELECT coalesce((SELECT had FROM old), false)",
            &[&id],
        )
        .await?
        .get(0))
}
