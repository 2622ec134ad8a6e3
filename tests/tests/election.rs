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

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use valurna_engine::ballot::{Ballot, BallotContext};
use valurna_engine::board::{genesis, next_head, seal};
use valurna_engine::elgamal::DlogTable;
use valurna_engine::encoding::Element;
use valurna_engine::manifest::{Manifest, manifest_hash};
use valurna_engine::record::{
    self, BoardLine, BoardSeal, CeremonyFile, CredentialLine, DecryptionFile, LinesReader,
    Parameters, ResultFile, TallyFile, files,
};
use valurna_engine::tally::{TallyAccumulator, combine, rank};
use valurna_engine::threshold::{CeremonyParams, finish};
use valurna_server::demo::{DemoConfig, run};

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
        progress: false,
    }
}

/// Re-checks a record from its files; returns the recomputed counts.
fn check_record(dir: &Path) -> Vec<Vec<u64>> {
    let manifest_bytes = std::fs::read(dir.join(files::MANIFEST)).unwrap();
    let manifest = Manifest::from_json(&manifest_bytes).unwrap();
    let params: Parameters = record::read_json(&dir.join(files::PARAMETERS)).unwrap();
    assert_eq!(
        params.manifest_hash,
        hex::encode(manifest_hash(&manifest_bytes))
    );
    let credentials_hash = record::sha256_file(&dir.join(files::CREDENTIALS)).unwrap();
    assert_eq!(params.credentials_hash, hex::encode(credentials_hash));
    let base_hash = params.computed_base_hash().unwrap();
    assert_eq!(params.base_hash, hex::encode(base_hash));

    // The ceremony gives the joint key and the public shares.
    let ceremony: CeremonyFile = record::read_json(&dir.join(files::CEREMONY)).unwrap();
    let cparams = CeremonyParams {
        manifest_hash: manifest_hash(&manifest_bytes),
        trustees: params.trustees,
        threshold: params.threshold,
    };
    let t = ceremony.transcript().unwrap();
    let outcome = finish(&cparams, &t.announcements, &t.shares, &t.complaints).unwrap();
    assert_eq!(outcome.joint_key, params.joint_key().unwrap());
    assert_eq!(outcome.public_shares, ceremony.public_shares().unwrap());

    // Credentials: sorted, distinct, listed districts.
    let mut creds: HashMap<[u8; 32], (String, u64)> = HashMap::new();
    let mut lines = LinesReader::new(BufReader::new(
        File::open(dir.join(files::CREDENTIALS)).unwrap(),
    ));
    let mut previous = String::new();
    while let Some(line) = lines.next_value::<CredentialLine>() {
        let line = line.unwrap();
        assert!(
            line.credential > previous,
            "credentials sorted and distinct"
        );
        previous = line.credential.clone();
        let c = line.element().unwrap();
        creds.insert(*c.as_bytes(), (line.district, line.weight));
    }

    // The board: chain, every ballot valid, last ballot per credential.
    let shapes: Vec<_> = manifest.contests.iter().map(|c| c.shape()).collect();
    let ctx = BallotContext {
        base_hash,
        key: params.joint_key().unwrap(),
        shapes: shapes.clone(),
    };
    let mut head = genesis(&base_hash);
    let mut entries: Vec<(Ballot, u64)> = vec![];
    let mut last: HashMap<[u8; 32], usize> = HashMap::new();
    let mut lines = LinesReader::new(BufReader::new(File::open(dir.join(files::BOARD)).unwrap()));
    while let Some(line) = lines.next_value::<BoardLine>() {
        let line = line.unwrap();
        let bytes = line.ballot_bytes().unwrap();
        assert_eq!(line.tracker().unwrap(), Ballot::tracker(&bytes));
        head = next_head(&head, line.position, &line.tracker().unwrap());
        assert_eq!(line.head().unwrap(), head);
        assert_eq!(line.position as usize, entries.len());
        let ballot = Ballot::decode(&bytes, &ctx).unwrap();
        let (district, weight) = creds
            .get(ballot.credential.as_bytes())
            .expect("listed")
            .clone();
        let contests: Vec<u32> = manifest
            .contests_of(&district)
            .into_iter()
            .map(|i| i as u32)
            .collect();
        let verified = ballot.verify(&ctx, &contests).unwrap();
        last.insert(*verified.ballot().credential.as_bytes(), entries.len());
        entries.push((verified.ballot().clone(), weight));
    }
    let sealed: BoardSeal = record::read_json(&dir.join(files::BOARD_SEAL)).unwrap();
    assert_eq!(sealed.count as usize, entries.len());
    assert_eq!(sealed.head, hex::encode(head));
    assert_eq!(sealed.seal().unwrap(), seal(&head, sealed.count));

    // The encrypted tally is the sum of the counted ballots.
    let mut acc = TallyAccumulator::new(&shapes);
    for (i, (b, w)) in entries.iter().enumerate() {
        if last.get(b.credential.as_bytes()) == Some(&i) {
            acc.add(b, *w);
        }
    }
    let tally = acc.finish();
    let published: TallyFile = record::read_json(&dir.join(files::TALLY)).unwrap();
    assert_eq!(published.tally().unwrap(), tally);

    // Decryption shares, combination, seats.
    let decryption: DecryptionFile = record::read_json(&dir.join(files::DECRYPTION)).unwrap();
    let shares = decryption.shares().unwrap();
    assert_eq!(shares.len(), params.threshold as usize);
    for s in &shares {
        let public: Element = outcome.public_shares[s.trustee as usize - 1];
        s.verify(&base_hash, &tally, &public).unwrap();
    }
    let counts = combine(&tally, &shares, DlogTable::shared()).unwrap();
    let result: ResultFile = record::read_json(&dir.join(files::RESULT)).unwrap();
    for (i, ((contest, res), c)) in manifest
        .contests
        .iter()
        .zip(&result.contests)
        .zip(&counts)
        .enumerate()
    {
        assert_eq!(&res.counts, c);
        let (order, by_lot) = rank(&sealed.seal().unwrap(), i as u32, c, contest.seats);
        let elected: Vec<String> = order
            .iter()
            .take(contest.seats as usize)
            .map(|&k| contest.candidates[k].id.clone())
            .collect();
        assert_eq!(res.elected, elected);
        assert_eq!(res.decided_by_lot, by_lot);
    }
    assert_eq!(result.turnout.counted as usize, last.len());
    assert_eq!(result.turnout.board_entries as usize, entries.len());
    assert_eq!(result.turnout.eligible as usize, creds.len());
    counts
}

#[test]
fn a_demo_election_produces_a_record_that_checks_out() {
    let dir = tempfile::tempdir().unwrap();
    let report = run(&config(dir.path())).unwrap();
    assert_eq!(report.rejected, 0);
    assert_eq!(report.result.turnout.counted, 400);
    assert_eq!(report.result.turnout.board_entries, 420);
    assert_eq!(report.decrypting_trustees, vec![1, 3]);
    let counts = check_record(dir.path());
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
    // Change one published count: the combination no longer matches it.
    let path = dir.path().join(files::RESULT);
    let mut result: ResultFile = record::read_json(&path).unwrap();
    result.contests[0].counts[0] += 1;
    record::write_json(&path, &result).unwrap();
    let outcome = std::panic::catch_unwind(|| check_record(dir.path()));
    assert!(outcome.is_err(), "a changed count must be caught");
}
