//! A closed election's record, written from the ballot box (record.md §1):
//! the set-up files, the credential list as loaded, the board with its
//! seal, and the encrypted tally of its counted ballots.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::Path;

use valurna_engine::board::{CountedSet, seal};
use valurna_engine::record::{self, BoardLine, BoardSeal, TallyFile, files};
use valurna_engine::tally::TallyAccumulator;

use super::ballot_box::{board_head, election};
use super::{Pool, StoreError, array32, u64_of};

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

async fn export_into(pool: &Pool, id: i64, dir: &Path) -> Result<(), StoreError> {
    let stored = election(pool, id).await?;
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
            &[&id],
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
            &[&id],
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
            &[&id],
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
    let (count, head, sealed) = board_head(pool, id).await?;
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
