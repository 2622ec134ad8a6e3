//! The turnout per district, cached per election and refreshed when the
//! board has grown: the count is one primary-key read, the turnout a scan
//! of the election's credentials, so readers polling the live chart cost
//! the ballot box one scan per board change at most, whatever their number.
//!
//! At most one scan per election runs at a time (single flight): readers
//! who come while it runs wait for it and share its answer instead of
//! starting another scan. The board count comes from the database, so
//! every instance refreshes on every commit, whichever instance took it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::db::{self, Pool, StoreError};

/// Turnout rows: district, listed credentials, credentials with a ballot.
pub type Rows = Arc<Vec<(String, u64, u64)>>;

/// One election's cached turnout and the board count it was read at.
#[derive(Debug, Default)]
struct Slot {
    value: tokio::sync::Mutex<Option<(u64, Rows)>>,
}

/// The cache of every election's turnout.
#[derive(Debug, Default)]
pub struct TurnoutCache {
    slots: Mutex<HashMap<i64, Arc<Slot>>>,
}

impl TurnoutCache {
    /// The turnout of `election`: the cached one if the board has not
    /// grown since it was read, the answer of a scan running now, else
    /// read now. `scanned` is called once per scan.
    pub async fn get(
        &self,
        pool: &Pool,
        election: i64,
        scanned: impl FnOnce(),
    ) -> Result<Rows, StoreError> {
        let (count, _, _) = db::ballot_box::board_head(pool, election).await?;
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(election)
            .or_default()
            .clone();
        let mut value = match slot.value.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Someone is scanning: share their answer (it was read
                // after they came, so no older than this request's count
                // by more than the ballots cast meanwhile).
                let guard = slot.value.lock().await;
                if let Some((_, rows)) = guard.as_ref() {
                    return Ok(rows.clone());
                }
                guard
            }
        };
        if let Some((at, rows)) = value.as_ref()
            && *at >= count
        {
            return Ok(rows.clone());
        }
        scanned();
        let rows: Rows = Arc::new(db::ballot_box::turnout(pool, election).await?);
        *value = Some((count, rows.clone()));
        Ok(rows)
    }
}
