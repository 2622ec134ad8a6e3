//! A whole election through `valurna demo`, then its record re-checked from
//! the files alone (spec: record.md): hashes, credentials, the board's
//! chain and seal, every ballot, the counted set, the encrypted tally, every
//! decryption share, the counts and the seats.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use valurna_engine::elgamal::DlogTable;
use valurna_engine::encoding::Element;
use valurna_engine::record::{self, DecryptionFile, ResultFile, files};
use valurna_engine::tally::{combine, rank};
use valurna_server::cli::demo::inprocess::{DemoConfig, run};
use valurna_server::record::check::check_record;

fn config(out: &Path) -> DemoConfig {
    DemoConfig {
        voters: 400,
        districts: 3,
        candidates: 4,
        seats: 2,
        trustees: 3,
        threshold: 2,
        revote_percent: 5.0,
        weighted: true,
        out: out.to_path_buf(),
        trustee_dir: None,
        progress: false,
        ranked: None,
        codes_out: None,
    }
}

/// Re-checks a record from its files (the trustees' tool's full check up
/// to the tally), then the decryption shares, counts and seats; returns the
/// counts.
fn check(dir: &Path) -> Result<Vec<Vec<u64>>, String> {
    let checked = check_record(dir).map_err(|e| e.to_string())?;
    let decryption: DecryptionFile =
        record::read_json(&dir.join(files::DECRYPTION)).map_err(|e| e.to_string())?;
    let shares = decryption.shares().map_err(|e| e.to_string())?;
    if shares.len() != checked.parameters.threshold as usize {
        return Err("not t decryption shares".into());
    }
    for s in &shares {
        let public: Element = checked.ceremony.public_shares[s.trustee as usize - 1];
        s.verify(&checked.base_hash, &checked.tally, &public)
            .map_err(|e| e.to_string())?;
    }
    let counts =
        combine(&checked.tally, &shares, DlogTable::shared()).map_err(|e| e.to_string())?;
    let result: ResultFile =
        record::read_json(&dir.join(files::RESULT)).map_err(|e| e.to_string())?;
    for (i, ((contest, res), c)) in checked
        .manifest
        .contests
        .iter()
        .zip(&result.contests)
        .zip(&counts)
        .enumerate()
    {
        let (order, by_lot) = rank(&checked.seal, i as u32, c, contest.seats);
        let elected: Vec<String> = order
            .iter()
            .take(contest.seats as usize)
            .map(|&k| contest.candidates[k].id.clone())
            .collect();
        if &res.counts != c || res.elected != elected || res.decided_by_lot != by_lot {
            return Err(format!(
                "contest {i}: the result does not follow from the tally"
            ));
        }
    }
    if result.turnout != checked.turnout {
        return Err("turnout".into());
    }
    Ok(counts)
}

#[test]
fn a_demo_election_produces_a_record_that_checks_out() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(&config(dir.path())).unwrap();
    assert_eq!(report.rejected, 0);
    assert_eq!(report.result.turnout.counted, 400);
    assert_eq!(report.result.turnout.board_entries, 420);
    assert_eq!(report.decrypting_trustees, vec![1, 3]);
    let counts = check(dir.path()).unwrap();
    assert_eq!(Some(counts), report.expected_counts);
}

#[test]
fn a_changed_record_does_not_check_out() {
    let dir = tempfile::tempdir().unwrap();
    run(&DemoConfig {
        voters: 60,
        weighted: false,
        ..config(dir.path())
    })
    .unwrap();
    check(dir.path()).unwrap();
    let path = dir.path().join(files::RESULT);
    let original = std::fs::read(&path).unwrap();
    // Change one published count.
    let mut result: ResultFile = record::read_json(&path).unwrap();
    result.contests[0].counts[0] += 1;
    record::write_json(&path, &result).unwrap();
    assert!(check(dir.path()).unwrap_err().contains("does not follow"));
    std::fs::write(&path, &original).unwrap();
    // Drop the board's last line.
    let board = dir.path().join(files::BOARD);
    let text = std::fs::read_to_string(&board).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop();
    std::fs::write(&board, lines.join("\n") + "\n").unwrap();
    assert!(check(dir.path()).unwrap_err().contains("seal"));
}
