//! The sign-in limits' counts ([`crate::election::throttle`]).

use super::{GenericClient, StoreError};
use crate::election::throttle::{Hit, Policy};

/// Seconds `key` is still locked for, if it is.
pub async fn locked(client: &impl GenericClient, key: &str) -> Result<Option<i64>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT ceil(extract(epoch FROM locked_until - now()))::bigint FROM throttle \
             WHERE key = $1 AND locked_until > now()",
            &[&key],
        )
        .await?
        .map(|r| r.get::<_, i64>(0)))
}

/// Counts one hit on `key` under `policy`, and locks it when the policy
/// says so.
pub async fn hit(
    client: &impl GenericClient,
    key: &str,
    policy: &Policy,
) -> Result<Hit, StoreError> {
    let count: i32 = client
        .query_one(
            "INSERT INTO throttle AS t (key, count, last_at) VALUES ($1, 1, now()) \
             ON CONFLICT (key) DO UPDATE SET \
             count = CASE WHEN t.last_at < now() - make_interval(secs => $2) \
                     THEN 1 ELSE t.count + 1 END, \
             last_at = now() \
             RETURNING count",
            &[&key, &(policy.window as f64)],
        )
        .await?
        .get(0);
    let locked = policy.lock_after(count);
    if let Some(secs) = locked {
        client
            .execute(
                "UPDATE throttle SET locked_until = now() + make_interval(secs => $2) \
                 WHERE key = $1",
                &[&key, &(secs as f64)],
            )
            .await?;
    }
    Ok(Hit { count, locked })
}

/// Forgets `key` (a right password ends its account's count).
pub async fn clear(client: &impl GenericClient, key: &str) -> Result<(), StoreError> {
    client
        .execute("DELETE FROM throttle WHERE key = $1", &[&key])
        .await?;
    Ok(())
}
