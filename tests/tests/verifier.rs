//! The observers' verifier against records from `valurna demo`
//! (spec/verification.md).
//!
//! A fresh record verifies; the same record with any single element changed
//! is rejected, and the first failing check — the root cause,
//! verification.md §1 — is the one that guards that element. The engine
//! wrote the record and the verifier, a second implementation from `spec/`,
//! checks it, so these tests also show that the two agree.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};
use valurna_server::cli::demo::inprocess::{DemoConfig, run};
use valurna_verifier::{Check, Code, Options, Status, check_tracker, verify_record};

const CANDIDATES: usize = 4;

/// One demo record for all tests (they copy it before changing it).
fn record() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let out = dir.join("record");
        let codes = dir.join("codes.jsonl");
        run(&DemoConfig {
            voters: 300,
            districts: 3,
            candidates: CANDIDATES as u32,
            seats: 2,
            trustees: 3,
            threshold: 2,
            revote_percent: 5.0,
            weighted: true,
            out: out.clone(),
            trustee_dir: None,
            progress: false,
            ranked: None,
            codes_out: Some(codes),
        })
        .unwrap();
        out
    })
}

/// The voting codes of [`record`]'s voters, beside it (never in it): voter,
/// district, code.
fn codes() -> Vec<Value> {
    let path = record().parent().unwrap().join("codes.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn copy() -> tempfile::TempDir {
    copy_of(record())
}

fn copy_of(record: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(record).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

fn read_json(dir: &Path, name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
}

fn write_json(dir: &Path, name: &str, v: &Value) {
    std::fs::write(dir.join(name), serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

fn lines(dir: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(name))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(dir: &Path, name: &str, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(dir.join(name), text).unwrap();
}

/// The ballot bytes of board line `i`.
fn ballot(dir: &Path, i: usize) -> Vec<u8> {
    let entry: Value = serde_json::from_str(&lines(dir, "board.jsonl")[i]).unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(entry["ballot"].as_str().unwrap())
        .unwrap()
}

/// Replaces the ballot of board line `i`, leaving its tracker and head.
fn set_ballot(dir: &Path, i: usize, bytes: &[u8]) {
    let mut board = lines(dir, "board.jsonl");
    let mut entry: Value = serde_json::from_str(&board[i]).unwrap();
    entry["ballot"] = base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .into();
    board[i] = serde_json::to_string(&entry).unwrap();
    write_lines(dir, "board.jsonl", &board);
}

/// Appends `bytes` to the board as the operator would: its tracker, the
/// next link of the chain (record.md §5.5) and a new seal; answers its
/// position.
fn append_sealed(dir: &Path, bytes: &[u8]) -> u64 {
    let mut board = lines(dir, "board.jsonl");
    let mut t = Sha256::new();
    t.update(b"valurna/tracker/v1");
    t.update(bytes);
    let tracker: [u8; 32] = t.finalize().into();
    let last: Value = serde_json::from_str(board.last().unwrap()).unwrap();
    let position = board.len() as u64;
    let mut h = Sha256::new();
    h.update(b"valurna/board/v1/entry");
    h.update(hex::decode(last["head"].as_str().unwrap()).unwrap());
    h.update(position.to_le_bytes());
    h.update(tracker);
    let head: [u8; 32] = h.finalize().into();
    board.push(
        serde_json::json!({
            "position": position,
            "tracker": hex::encode(tracker),
            "ballot": base64::engine::general_purpose::STANDARD.encode(bytes),
            "head": hex::encode(head),
        })
        .to_string(),
    );
    write_lines(dir, "board.jsonl", &board);
    let mut s = Sha256::new();
    s.update(b"valurna/board/v1/seal");
    s.update(head);
    s.update((position + 1).to_le_bytes());
    let seal = serde_json::json!({"count": position + 1, "head": hex::encode(head),
        "seal": hex::encode(s.finalize())});
    write_json(dir, "board_seal.json", &seal);
    position
}

/// A valid ballot of `code`'s holder for `contests` (candidate 0 in each),
/// signed and proven against the record in `dir`.
fn valid_ballot(dir: &Path, code: &str, contests: &[u32]) -> Vec<u8> {
    use valurna_engine::ballot::{Ballot, BallotContext};
    use valurna_engine::credential::VotingCode;
    use valurna_engine::manifest::{Manifest, manifest_hash};
    use valurna_engine::record::Parameters;
    let manifest_bytes = std::fs::read(dir.join("manifest.json")).unwrap();
    let manifest = Manifest::from_json(&manifest_bytes).unwrap();
    let p: Parameters =
        serde_json::from_slice(&std::fs::read(dir.join("parameters.json")).unwrap()).unwrap();
    let ctx = BallotContext {
        base_hash: p.computed_base_hash().unwrap(),
        key: p.joint_key().unwrap(),
        shapes: manifest.contests.iter().map(|c| c.shape()).collect(),
        preferences: manifest.preferences(),
    };
    let credential = VotingCode::parse(code)
        .unwrap()
        .secret(&manifest_hash(&manifest_bytes));
    let bits: Vec<(u32, Vec<bool>)> = contests
        .iter()
        .map(|&i| {
            let n = manifest.contests[i as usize].candidates.len();
            (i, (0..n).map(|k| k == 0).collect())
        })
        .collect();
    let (ballot, _) =
        Ballot::encrypt(&ctx, &credential, &bits, &mut valurna_engine::rng::os_rng()).unwrap();
    ballot.to_bytes()
}

/// The contest indices of `district` in the record's manifest.
fn contests_of(dir: &Path, district: &str) -> Vec<u32> {
    read_json(dir, "manifest.json")["contests"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, c)| c["district"] == district)
        .map(|(i, _)| i as u32)
        .collect()
}

/// Verifies `dir`, requiring V11 to fail first, at board position
/// `position` and nowhere else.
fn ineligible_at(dir: &Path, position: u64) {
    rejected_by(dir, Check::V11, &format!("(position {position},"));
    let report = verify_record(dir, &Options::default());
    let failures = &report.checks[Check::V11 as usize].failures;
    assert_eq!(failures.len(), 1, "{}", report.to_text());
    assert!(
        failures[0].item.contains(&format!("(position {position},")),
        "{}",
        failures[0].item
    );
}

/// Where things are in a ballot (record.md §5.1, protocol.md §9.3): the
/// first contest starts after `enc(C) ‖ u32(k) ‖ u32(index)`.
const FIRST_CONTEST: usize = 32 + 4 + 4;
fn ciphertext_at(i: usize) -> usize {
    FIRST_CONTEST + 64 * i
}
/// Zero-one proof `i`: 4 points, `c_0`, `s_0`, `s_1`.
fn zero_one_at(i: usize) -> usize {
    FIRST_CONTEST + 64 * CANDIDATES + 224 * i
}

/// Verifies `dir` and checks that it fails with `expected` as the first
/// failing check.
#[track_caller]
fn rejected_by(dir: &Path, expected: Check, item: &str) {
    let report = verify_record(dir, &Options::default());
    assert!(!report.verified, "a changed record verified");
    let first = report.first_failure().unwrap();
    assert_eq!(
        first.id,
        expected.id(),
        "expected {} to fail first; report:\n{}",
        expected.id(),
        report.to_text()
    );
    assert_eq!(report.status(expected), Status::Fail);
    // The failure names the changed item and a reason.
    let entry = &report.checks[expected as usize];
    assert!(!entry.failures.is_empty(), "{}", report.to_text());
    assert!(!entry.failures[0].reason.is_empty(), "{}", report.to_text());
    assert!(
        entry.failures[0].item.contains(item),
        "expected {} to name {item:?}; it names {:?}",
        expected.id(),
        entry.failures[0].item
    );
}

#[test]
fn a_fresh_record_verifies_and_reproduces_the_published_result() {
    let report = verify_record(record(), &Options::default());
    assert!(report.verified, "{}", report.to_text());
    let published = read_json(record(), "result.json");
    for (mine, theirs) in report
        .result
        .iter()
        .zip(published["contests"].as_array().unwrap())
    {
        let counts: Vec<u64> = mine.counts.iter().map(|(_, _, n)| *n).collect();
        let theirs_counts: Vec<u64> = theirs["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .collect();
        assert_eq!(counts, theirs_counts);
        assert_eq!(
            serde_json::to_value(&mine.elected).unwrap(),
            theirs["elected"]
        );
    }
    let turnout = report.turnout.unwrap();
    assert_eq!(turnout.eligible, 300);
    assert_eq!(turnout.board_entries, 315);
    assert_eq!(turnout.counted, 300);
    // The JSON report says the same.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["verified"], true);
    assert_eq!(json["checks"].as_array().unwrap().len(), 23);
    // No ranked contest: V21–V23 pass with nothing to check.
    for check in [Check::V21, Check::V22, Check::V23] {
        assert_eq!(report.checks[check as usize].items, 0);
    }
    assert!(report.result.iter().all(|r| r.ranked.is_none()));
}

#[test]
fn a_changed_ciphertext_fails_the_ballot_proofs() {
    let dir = copy();
    let (mut b, other) = (ballot(dir.path(), 3), ballot(dir.path(), 4));
    // Selection 0's ciphertext taken from another voter's ballot.
    let at = ciphertext_at(0);
    b[at..at + 64].copy_from_slice(&other[at..at + 64]);
    set_ballot(dir.path(), 3, &b);
    rejected_by(dir.path(), Check::V12, "board.jsonl line 4 (position 3");
}

#[test]
fn a_changed_proof_scalar_fails_the_ballot_proofs() {
    let dir = copy();
    let mut b = ballot(dir.path(), 7);
    // s_0 of selection 1's zero-one proof set to s_1 (a canonical scalar).
    let at = zero_one_at(1);
    let s1 = b[at + 192..at + 224].to_vec();
    b[at + 160..at + 192].copy_from_slice(&s1);
    set_ballot(dir.path(), 7, &b);
    rejected_by(dir.path(), Check::V12, "board.jsonl line 8 (position 7");
}

#[test]
fn a_non_canonical_proof_scalar_is_malformed() {
    let dir = copy();
    let mut b = ballot(dir.path(), 7);
    let at = zero_one_at(0) + 192;
    b[at + 31] |= 0xf0; // ≥ 2^252 + …: above ℓ
    set_ballot(dir.path(), 7, &b);
    rejected_by(dir.path(), Check::V10, "board.jsonl line 8 (position 7");
}

#[test]
fn a_changed_signature_fails_the_ballot_proofs() {
    let dir = copy();
    let (mut b, other) = (ballot(dir.path(), 10), ballot(dir.path(), 11));
    let n = b.len();
    b[n - 32..].copy_from_slice(&other[other.len() - 32..]);
    set_ballot(dir.path(), 10, &b);
    rejected_by(dir.path(), Check::V12, "board.jsonl line 11 (position 10");
}

#[test]
fn the_identity_as_a_ballot_ciphertext_is_malformed() {
    let dir = copy();
    let mut b = ballot(dir.path(), 2);
    let at = ciphertext_at(1);
    b[at..at + 32].fill(0);
    set_ballot(dir.path(), 2, &b);
    rejected_by(dir.path(), Check::V10, "board.jsonl line 3 (position 2");
}

#[test]
fn a_malformed_credential_fails_the_list() {
    let dir = copy();
    let mut creds = lines(dir.path(), "credentials.jsonl");
    let first: Value = serde_json::from_str(&creds[0]).unwrap();
    // Not a canonical encoding (≥ 2^255 − 19); "ff…" sorts last.
    let new = serde_json::json!({"credential": "ff".repeat(32), "district": first["district"], "weight": 1});
    creds.push(serde_json::to_string(&new).unwrap());
    write_lines(dir.path(), "credentials.jsonl", &creds);
    rejected_by(dir.path(), Check::V3, "credentials.jsonl line 301");
}

#[test]
fn a_valid_credential_added_fails_the_credentials_hash() {
    let dir = copy();
    let mut creds = lines(dir.path(), "credentials.jsonl");
    let first: Value = serde_json::from_str(&creds[0]).unwrap();
    // The generator G: a valid element, placed where it sorts.
    let g = "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76";
    let new = serde_json::json!({"credential": g, "district": first["district"], "weight": 1});
    let at = creds
        .iter()
        .position(|l| {
            serde_json::from_str::<Value>(l).unwrap()["credential"]
                .as_str()
                .unwrap()
                > g
        })
        .unwrap_or(creds.len());
    creds.insert(at, serde_json::to_string(&new).unwrap());
    write_lines(dir.path(), "credentials.jsonl", &creds);
    rejected_by(dir.path(), Check::V4, "parameters.json credentials_hash");
}

#[test]
fn a_credential_removed_fails_the_credentials_hash() {
    let dir = copy();
    let mut creds = lines(dir.path(), "credentials.jsonl");
    creds.remove(17);
    write_lines(dir.path(), "credentials.jsonl", &creds);
    rejected_by(dir.path(), Check::V4, "parameters.json credentials_hash");
}

/// A clash attack (Küsters, Truderung and Vogt, "Clash attacks on the
/// verifiability of e-voting systems", IEEE S&P 2012): two voters given the
/// same credential both find "their" ballot, while only one counts. The
/// credential list must be distinct (V3), and trackers unique (V13,
/// `a_duplicated_ballot_is_a_replay`).
#[test]
fn a_duplicated_credential_is_a_clash() {
    let dir = copy();
    let mut creds = lines(dir.path(), "credentials.jsonl");
    creds.insert(5, creds[5].clone());
    write_lines(dir.path(), "credentials.jsonl", &creds);
    rejected_by(dir.path(), Check::V3, "credentials.jsonl line 7");
}

/// Positive control for the two below: a listed voter's own valid ballot
/// for their own district, appended the same way, verifies (it is a revote
/// and replaces their earlier one; the published result then differs, so
/// only the board checks are asked of it).
#[test]
fn a_listed_voters_own_ballot_appended_passes_the_board_checks() {
    let dir = copy();
    let voter = &codes()[0];
    let own = contests_of(dir.path(), voter["district"].as_str().unwrap());
    let bytes = valid_ballot(dir.path(), voter["code"].as_str().unwrap(), &own);
    append_sealed(dir.path(), &bytes);
    let report = verify_record(dir.path(), &Options::default());
    for check in [
        Check::V10,
        Check::V11,
        Check::V12,
        Check::V13,
        Check::V14,
        Check::V15,
    ] {
        assert_eq!(report.status(check), Status::Pass, "{}", report.to_text());
    }
}

/// V11: a validly signed and proven ballot whose credential is on no list
/// (ballot stuffing by whoever can post to the board).
#[test]
fn a_valid_ballot_from_an_unlisted_credential_fails_eligibility() {
    use valurna_engine::credential::VotingCode;
    let dir = copy();
    let district = codes()[0]["district"].as_str().unwrap().to_string();
    let stranger = VotingCode::generate(&mut valurna_engine::rng::os_rng()).display();
    let bytes = valid_ballot(dir.path(), &stranger, &contests_of(dir.path(), &district));
    let position = append_sealed(dir.path(), &bytes);
    ineligible_at(dir.path(), position);
}

/// V11: a listed voter's valid ballot for another district's contests.
#[test]
fn a_listed_voters_ballot_for_another_district_fails_eligibility() {
    let dir = copy();
    let voter = &codes()[0];
    let own = voter["district"].as_str().unwrap();
    let other = codes()
        .iter()
        .map(|c| c["district"].as_str().unwrap().to_string())
        .find(|d| d != own)
        .unwrap();
    let bytes = valid_ballot(
        dir.path(),
        voter["code"].as_str().unwrap(),
        &contests_of(dir.path(), &other),
    );
    let position = append_sealed(dir.path(), &bytes);
    ineligible_at(dir.path(), position);
}

#[test]
fn a_dropped_ballot_breaks_the_chain() {
    let dir = copy();
    let mut board = lines(dir.path(), "board.jsonl");
    board.remove(20);
    write_lines(dir.path(), "board.jsonl", &board);
    rejected_by(dir.path(), Check::V14, "board.jsonl line 21 (position 21");
}

#[test]
fn a_duplicated_ballot_is_a_replay() {
    let dir = copy();
    let mut board = lines(dir.path(), "board.jsonl");
    board.insert(21, board[20].clone());
    write_lines(dir.path(), "board.jsonl", &board);
    rejected_by(dir.path(), Check::V13, "board.jsonl line 22 (position 20");
}

#[test]
fn reordered_ballots_break_the_chain() {
    let dir = copy();
    let mut board = lines(dir.path(), "board.jsonl");
    board.swap(30, 31);
    write_lines(dir.path(), "board.jsonl", &board);
    rejected_by(dir.path(), Check::V14, "board.jsonl line 31 (position 31");
}

#[test]
fn a_wrong_tracker_is_caught() {
    let dir = copy();
    let mut board = lines(dir.path(), "board.jsonl");
    let other: Value = serde_json::from_str(&board[41]).unwrap();
    let mut entry: Value = serde_json::from_str(&board[40]).unwrap();
    entry["tracker"] = other["tracker"].clone();
    board[40] = serde_json::to_string(&entry).unwrap();
    write_lines(dir.path(), "board.jsonl", &board);
    rejected_by(dir.path(), Check::V13, "board.jsonl line 41 (position 40");
}

#[test]
fn a_changed_sealed_head_fails_the_seal() {
    let dir = copy();
    let board = lines(dir.path(), "board.jsonl");
    let before_last: Value = serde_json::from_str(&board[board.len() - 2]).unwrap();
    let mut seal = read_json(dir.path(), "board_seal.json");
    seal["head"] = before_last["head"].clone();
    write_json(dir.path(), "board_seal.json", &seal);
    rejected_by(dir.path(), Check::V15, "board_seal.json head");
}

#[test]
fn a_changed_trustee_commitment_fails_the_announcements() {
    let dir = copy();
    let mut ceremony = read_json(dir.path(), "ceremony.json");
    let other = ceremony["announcements"][1]["commitments"][1].clone();
    ceremony["announcements"][0]["commitments"][1] = other;
    write_json(dir.path(), "ceremony.json", &ceremony);
    rejected_by(dir.path(), Check::V6, "trustee 1");
}

#[test]
fn a_share_with_a_borrowed_ephemeral_key_fails_the_encrypted_shares() {
    // Another dealer's ephemeral key: its proof was made for another
    // dealer and recipient (verification.md V7).
    let dir = copy();
    let mut ceremony = read_json(dir.path(), "ceremony.json");
    let other = ceremony["shares"][1]["ephemeral"].clone();
    ceremony["shares"][0]["ephemeral"] = other;
    write_json(dir.path(), "ceremony.json", &ceremony);
    rejected_by(dir.path(), Check::V7, "share from trustee 1 to trustee 2");
}

#[test]
fn a_missing_share_fails_the_encrypted_shares() {
    let dir = copy();
    let mut ceremony = read_json(dir.path(), "ceremony.json");
    ceremony["shares"].as_array_mut().unwrap().remove(0);
    write_json(dir.path(), "ceremony.json", &ceremony);
    rejected_by(dir.path(), Check::V7, "trustee 1");
}

#[test]
fn a_missing_confirmation_fails_the_ceremony() {
    let dir = copy();
    let mut ceremony = read_json(dir.path(), "ceremony.json");
    ceremony["confirmations"].as_array_mut().unwrap().pop();
    write_json(dir.path(), "ceremony.json", &ceremony);
    rejected_by(dir.path(), Check::V8, "trustee 3");
}

#[test]
fn a_changed_public_share_fails_the_keys() {
    let dir = copy();
    let mut ceremony = read_json(dir.path(), "ceremony.json");
    let other = ceremony["public_shares"][1].clone();
    ceremony["public_shares"][0] = other;
    write_json(dir.path(), "ceremony.json", &ceremony);
    rejected_by(dir.path(), Check::V9, "public share of trustee 1");
}

#[test]
fn another_joint_key_fails_the_keys_even_with_a_consistent_base_hash() {
    let dir = copy();
    let mut params = read_json(dir.path(), "parameters.json");
    let ceremony = read_json(dir.path(), "ceremony.json");
    // Someone publishes trustee 1's public share as the election key and
    // recomputes the base hash (record.md §3.1) to match.
    let key = ceremony["public_shares"][0].as_str().unwrap().to_string();
    let mut h = Sha256::new();
    h.update(b"valurna/base-hash/v1");
    h.update(hex::decode(params["manifest_hash"].as_str().unwrap()).unwrap());
    h.update((params["trustees"].as_u64().unwrap() as u32).to_le_bytes());
    h.update((params["threshold"].as_u64().unwrap() as u32).to_le_bytes());
    h.update((1u64 << 32).to_le_bytes());
    h.update(hex::decode(&key).unwrap());
    h.update(hex::decode(params["credentials_hash"].as_str().unwrap()).unwrap());
    params["joint_key"] = key.into();
    params["base_hash"] = hex::encode(h.finalize()).into();
    write_json(dir.path(), "parameters.json", &params);
    rejected_by(dir.path(), Check::V9, "parameters.json joint_key");
}

#[test]
fn a_changed_base_hash_fails_the_parameters() {
    let dir = copy();
    let mut params = read_json(dir.path(), "parameters.json");
    params["base_hash"] = "11".repeat(32).into();
    write_json(dir.path(), "parameters.json", &params);
    rejected_by(dir.path(), Check::V5, "parameters.json base_hash");
}

#[test]
fn a_changed_manifest_fails_the_manifest_hash() {
    let dir = copy();
    let mut manifest = read_json(dir.path(), "manifest.json");
    manifest["title"] = "Another election".into();
    write_json(dir.path(), "manifest.json", &manifest);
    rejected_by(dir.path(), Check::V2, "parameters.json manifest_hash");
}

#[test]
fn a_changed_turnout_fails_the_counted_set() {
    let dir = copy();
    let mut result = read_json(dir.path(), "result.json");
    let counted = result["turnout"]["counted"].as_u64().unwrap();
    result["turnout"]["counted"] = (counted + 1).into();
    write_json(dir.path(), "result.json", &result);
    rejected_by(dir.path(), Check::V16, "result.json turnout.counted");
}

#[test]
fn a_changed_tally_ciphertext_fails_the_tally() {
    let dir = copy();
    let mut tally = read_json(dir.path(), "tally.json");
    let other = tally["contests"][0]["ciphertexts"][1].clone();
    tally["contests"][0]["ciphertexts"][0] = other;
    write_json(dir.path(), "tally.json", &tally);
    rejected_by(
        dir.path(),
        Check::V17,
        "tally.json contest 0 (district-1) candidate 0",
    );
}

#[test]
fn a_changed_decryption_share_fails_its_proof() {
    let dir = copy();
    let mut d = read_json(dir.path(), "decryption.json");
    let other = d["shares"][0]["partials"][0][1]["partial"].clone();
    d["shares"][0]["partials"][0][0]["partial"] = other;
    write_json(dir.path(), "decryption.json", &d);
    rejected_by(
        dir.path(),
        Check::V18,
        "trustee 1, contest 0 (district-1), candidate 0 (d1-c1)",
    );
}

#[test]
fn a_changed_count_fails_the_combination() {
    let dir = copy();
    let mut result = read_json(dir.path(), "result.json");
    let n = result["contests"][1]["counts"][2].as_u64().unwrap();
    result["contests"][1]["counts"][2] = (n + 1).into();
    write_json(dir.path(), "result.json", &result);
    rejected_by(
        dir.path(),
        Check::V19,
        "result.json contest 1 (district-2) candidate 2 (d2-c3)",
    );
}

#[test]
fn a_changed_seat_list_fails_the_seats() {
    let dir = copy();
    let mut result = read_json(dir.path(), "result.json");
    let manifest = read_json(dir.path(), "manifest.json");
    let elected: Vec<Value> = result["contests"][0]["elected"].as_array().unwrap().clone();
    let loser = manifest["contests"][0]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .find(|id| !elected.contains(id))
        .unwrap();
    result["contests"][0]["elected"][0] = loser;
    write_json(dir.path(), "result.json", &result);
    rejected_by(dir.path(), Check::V20, "result.json contest 0 (district-1)");
}

#[test]
fn a_flipped_lot_flag_fails_the_seats() {
    let dir = copy();
    let mut result = read_json(dir.path(), "result.json");
    let flag = result["contests"][2]["decided_by_lot"].as_bool().unwrap();
    result["contests"][2]["decided_by_lot"] = (!flag).into();
    write_json(dir.path(), "result.json", &result);
    rejected_by(dir.path(), Check::V20, "result.json contest 2 (district-3)");
}

#[test]
fn a_missing_file_fails_closed() {
    let dir = copy();
    std::fs::remove_file(dir.path().join("decryption.json")).unwrap();
    rejected_by(dir.path(), Check::V18, "decryption.json");
    let report = verify_record(dir.path(), &Options::default());
    assert_eq!(report.status(Check::V19), Status::NotRun);
    assert_eq!(report.status(Check::V20), Status::NotRun);
    assert!(report.result.is_empty());
}

/// Board positions of credentials that voted twice, first ballot first.
fn revoters(dir: &Path) -> Vec<(usize, usize)> {
    let board = lines(dir, "board.jsonl");
    let mut first = std::collections::HashMap::new();
    let mut pairs = Vec::new();
    for i in 0..board.len() {
        let credential = ballot(dir, i)[..32].to_vec();
        if let Some(p) = first.insert(credential, i) {
            pairs.push((p, i));
        }
    }
    pairs
}

fn tracker_of(dir: &Path, i: usize) -> String {
    let entry: Value = serde_json::from_str(&lines(dir, "board.jsonl")[i]).unwrap();
    entry["tracker"].as_str().unwrap().to_string()
}

#[test]
fn a_voter_finds_a_counted_ballot_by_its_short_tracker() {
    let full = tracker_of(record(), 5);
    let bytes: [u8; 32] = hex::decode(&full).unwrap().try_into().unwrap();
    // The engine's short form, typed in lower case.
    let short = valurna_engine::ballot::short_tracker(&bytes).to_lowercase();
    let code = valurna_verifier::parse_code(&short).unwrap();
    assert!(matches!(code, Code::Short(_)));
    let report = check_tracker(record(), &code);
    assert!(report.ok(), "{}", report.to_text());
    assert_eq!(report.found.len(), 1);
    let found = &report.found[0];
    assert_eq!(found.tracker, full);
    let superseded = revoters(record()).iter().any(|(first, _)| *first == 5);
    assert_eq!(found.superseded_by.is_some(), superseded);
}

#[test]
fn a_voter_learns_that_a_revote_superseded_their_first_ballot() {
    let (first, second) = revoters(record())[0];
    let code = valurna_verifier::parse_code(&tracker_of(record(), first)).unwrap();
    let report = check_tracker(record(), &code);
    assert!(report.ok(), "{}", report.to_text());
    let (position, _) = report.found[0].superseded_by.clone().unwrap();
    assert_eq!(position, second as u64);
    let code = valurna_verifier::parse_code(&tracker_of(record(), second)).unwrap();
    let report = check_tracker(record(), &code);
    assert!(report.found[0].superseded_by.is_none());
}

#[test]
fn a_tracker_not_on_the_board_is_not_found() {
    let code = valurna_verifier::parse_code("0000-0000-0000").unwrap();
    let report = check_tracker(record(), &code);
    assert!(report.found.is_empty());
    assert!(!report.ok());
    assert!(report.to_text().contains("NOT on the board"));
}

#[test]
fn a_voter_is_told_when_the_board_was_tampered_with() {
    let dir = copy();
    let mut board = lines(dir.path(), "board.jsonl");
    board.remove(3);
    write_lines(dir.path(), "board.jsonl", &board);
    let code = valurna_verifier::parse_code(&tracker_of(dir.path(), 10)).unwrap();
    let report = check_tracker(dir.path(), &code);
    assert_eq!(report.found.len(), 1);
    assert!(!report.ok());
    assert!(!report.sealed);
    assert!(!report.board_problems.is_empty());
}

#[test]
fn both_implementations_accept_the_record_vector() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors/record");
    valurna_server::record::check::check_record(&dir).unwrap();
    let report = verify_record(&dir, &Options::default());
    assert!(report.verified, "{}", report.to_text());
}

#[test]
fn a_voter_is_not_told_superseded_by_a_forged_entry() {
    // The board operator appends a well-chained, sealed entry that starts
    // with the voter's credential but is not a valid ballot.
    let dir = copy();
    let target = 8;
    let mut forged = ballot(dir.path(), target)[..32].to_vec();
    forged.extend_from_slice(&[7u8; 100]);
    let position = append_sealed(dir.path(), &forged);

    let code = valurna_verifier::parse_code(&tracker_of(dir.path(), target)).unwrap();
    let report = check_tracker(dir.path(), &code);
    assert!(
        report.sealed && report.board_problems.is_empty(),
        "{}",
        report.to_text()
    );
    let found = &report.found[0];
    assert_eq!(found.superseded_by.as_ref().unwrap().0, position);
    assert!(!found.problems.is_empty());
    assert!(!report.ok());
    assert!(report.to_text().contains("the ballot that supersedes it"));
    // The full verification names the forged entry.
    rejected_by(dir.path(), Check::V10, "board.jsonl line 316 (position 315");
}

#[test]
fn an_unreadable_board_leaves_the_board_checks_not_run() {
    let dir = copy();
    std::fs::remove_file(dir.path().join("board.jsonl")).unwrap();
    rejected_by(dir.path(), Check::V10, "board.jsonl");
    let report = verify_record(dir.path(), &Options::default());
    for check in [
        Check::V11,
        Check::V12,
        Check::V13,
        Check::V14,
        Check::V15,
        Check::V16,
    ] {
        assert_eq!(report.status(check), Status::NotRun, "{check:?}");
    }
}

#[test]
fn a_tracker_check_needs_the_base_hash() {
    let dir = copy();
    let mut params = read_json(dir.path(), "parameters.json");
    params["base_hash"] = "22".repeat(32).into();
    write_json(dir.path(), "parameters.json", &params);
    let code = valurna_verifier::parse_code(&tracker_of(dir.path(), 3)).unwrap();
    let report = check_tracker(dir.path(), &code);
    assert!(!report.ok());
    assert!(!report.board_problems.is_empty());
}

// Ranked contests through the mix-net (record.md §9, verification.md §8).

/// A ranked demo record counted by `method`, made once (tests copy it).
fn ranked_record(method: &str) -> &'static Path {
    static STV: OnceLock<PathBuf> = OnceLock::new();
    static SCHULZE: OnceLock<PathBuf> = OnceLock::new();
    let cell = match method {
        "stv" => &STV,
        "schulze" => &SCHULZE,
        _ => panic!("no method {method}"),
    };
    cell.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let out = dir.join("record");
        run(&DemoConfig {
            voters: 60,
            districts: 2,
            candidates: CANDIDATES as u32,
            seats: 2,
            trustees: 3,
            threshold: 2,
            revote_percent: 5.0,
            weighted: false,
            out: out.clone(),
            trustee_dir: None,
            progress: false,
            ranked: Some(method.into()),
            codes_out: None,
        })
        .unwrap();
        out
    })
}

/// The trustee indices `j` of the record's `mix-decryption-<c>-<j>.bin`,
/// ascending.
fn mix_decryption_trustees(dir: &Path, contest: usize) -> Vec<u32> {
    let prefix = format!("mix-decryption-{contest}-");
    let mut js: Vec<u32> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_prefix(&prefix)?
                .strip_suffix(".bin")?
                .parse()
                .ok()
        })
        .collect();
    js.sort_unstable();
    js
}

/// Preferences per ranked contest in the demo (its manifest's
/// `max_selections`).
fn preferences(dir: &Path) -> usize {
    read_json(dir, "manifest.json")["contests"][0]["max_selections"]
        .as_u64()
        .unwrap() as usize
}

#[test]
fn ranked_records_verify_and_reproduce_the_published_count() {
    for method in ["stv", "schulze"] {
        let dir = ranked_record(method);
        let report = verify_record(dir, &Options::default());
        assert!(report.verified, "{method}: {}", report.to_text());
        for check in [Check::V21, Check::V22, Check::V23] {
            assert!(report.checks[check as usize].items > 0, "{check:?}");
        }
        let published = read_json(dir, "result.json");
        let contests = published["contests"].as_array().unwrap();
        assert_eq!(report.result.len(), contests.len());
        for (mine, theirs) in report.result.iter().zip(contests) {
            assert_eq!(theirs["contest"], mine.contest.as_str());
            let counts: Vec<u64> = mine.counts.iter().map(|(_, _, n)| *n).collect();
            assert_eq!(serde_json::to_value(&counts).unwrap(), theirs["counts"]);
            assert_eq!(
                serde_json::to_value(&mine.elected).unwrap(),
                theirs["elected"]
            );
            assert_eq!(theirs["decided_by_lot"], mine.decided_by_lot);
            let ranked = mine.ranked.as_ref().expect("a ranked contest's count");
            assert_eq!(ranked.method, method);
            assert_eq!(serde_json::to_value(ranked).unwrap(), theirs["ranked"]);
        }
        let text = report.to_text();
        assert!(text.contains("VERIFIED: all 23 checks pass"), "{text}");
        assert!(text.contains(&format!("counted by {method}")), "{text}");
    }
}

#[test]
fn a_ranked_contest_without_its_method_fails_the_manifest() {
    let dir = copy_of(ranked_record("stv"));
    let mut manifest = read_json(dir.path(), "manifest.json");
    manifest["contests"][1]
        .as_object_mut()
        .unwrap()
        .remove("method");
    write_json(dir.path(), "manifest.json", &manifest);
    rejected_by(dir.path(), Check::V1, "manifest.json");
}

#[test]
fn swapped_ranked_entries_fail_the_ballot_proofs() {
    // Entries 1 and 2 of a ranked contest have the same shape; their
    // proofs are bound to their preference (record.md §9.2).
    let dir = copy_of(ranked_record("stv"));
    let mut b = ballot(dir.path(), 6);
    let entry = (b.len() - 32 - 4 - 64) / preferences(dir.path());
    let (first, second) = (32 + 4, 32 + 4 + entry);
    let one = b[first..first + entry].to_vec();
    b.copy_within(second..second + entry, first);
    b[second..second + entry].copy_from_slice(&one);
    set_ballot(dir.path(), 6, &b);
    rejected_by(dir.path(), Check::V12, "board.jsonl line 7 (position 6");
}

#[test]
fn swapped_items_in_a_mix_output_fail_the_mix_chain() {
    let dir = copy_of(ranked_record("stv"));
    let file = dir.path().join("mix-0-2.bin");
    let mut bytes = std::fs::read(&file).unwrap();
    let item = 64 * preferences(dir.path());
    let first = bytes[..item].to_vec();
    bytes.copy_within(item..2 * item, 0);
    bytes[item..2 * item].copy_from_slice(&first);
    std::fs::write(&file, bytes).unwrap();
    rejected_by(
        dir.path(),
        Check::V21,
        "mix-0-2.bin (contest 0 (district-1), step 2)",
    );
    let report = verify_record(dir.path(), &Options::default());
    assert!(
        report.checks[Check::V21 as usize].failures[0]
            .item
            .contains("mix-0-2.bin")
    );
    assert_eq!(report.status(Check::V22), Status::NotRun);
    assert_eq!(report.status(Check::V23), Status::NotRun);
}

#[test]
fn a_mix_chain_of_one_step_fails() {
    let dir = copy_of(ranked_record("schulze"));
    std::fs::remove_file(dir.path().join("mix-1-2.bin")).unwrap();
    rejected_by(dir.path(), Check::V21, "contest 1 (district-2)");
}

#[test]
fn a_changed_mix_decryption_fails_its_proof() {
    let dir = copy_of(ranked_record("stv"));
    let j = mix_decryption_trustees(dir.path(), 1)[0];
    let file = dir.path().join(format!("mix-decryption-1-{j}.bin"));
    let mut bytes = std::fs::read(&file).unwrap();
    // Entry 5's D (enc(D) ‖ 96-byte proof per entry), one byte changed so
    // that it is still a valid element.
    let at = 5 * (32 + 96);
    let valid = |d: &[u8]| {
        valurna_verifier::decode::point(d, valurna_verifier::decode::Identity::Allowed).is_ok()
    };
    let original = bytes[at..at + 32].to_vec();
    let changed = (0..31)
        .flat_map(|i| (1..=255u8).map(move |x| (i, x)))
        .find_map(|(i, x)| {
            let mut d = original.clone();
            d[i] ^= x;
            valid(&d).then_some(d)
        })
        .unwrap();
    bytes[at..at + 32].copy_from_slice(&changed);
    std::fs::write(&file, bytes).unwrap();
    rejected_by(
        dir.path(),
        Check::V22,
        "mix-decryption-1-1.bin (trustee 1, contest 1 (district-2)) position 5 (item 1, preference 3)",
    );
    let report = verify_record(dir.path(), &Options::default());
    let failure = &report.checks[Check::V22 as usize].failures[0];
    assert!(failure.item.contains("position 5"), "{failure:?}");
}

#[test]
fn a_changed_stv_stage_fails_the_count() {
    let dir = copy_of(ranked_record("stv"));
    let mut result = read_json(dir.path(), "result.json");
    let n = result["contests"][0]["ranked"]["stages"][0][1]
        .as_u64()
        .unwrap();
    result["contests"][0]["ranked"]["stages"][0][1] = (n + 1).into();
    write_json(dir.path(), "result.json", &result);
    rejected_by(dir.path(), Check::V23, "result.json contest 0 (district-1)");
}

#[test]
fn a_changed_ranked_seat_fails_the_count() {
    for method in ["stv", "schulze"] {
        let dir = copy_of(ranked_record(method));
        let mut result = read_json(dir.path(), "result.json");
        let manifest = read_json(dir.path(), "manifest.json");
        let elected = result["contests"][1]["elected"].as_array().unwrap().clone();
        let loser = manifest["contests"][1]["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].clone())
            .find(|id| !elected.contains(id))
            .unwrap();
        result["contests"][1]["elected"][1] = loser;
        write_json(dir.path(), "result.json", &result);
        rejected_by(dir.path(), Check::V23, "result.json contest 1 (district-2)");
    }
}

#[test]
fn a_removed_ranked_field_fails_the_count() {
    // The whole `ranked` object of an STV contest.
    let dir = copy_of(ranked_record("stv"));
    let mut result = read_json(dir.path(), "result.json");
    result["contests"][0]
        .as_object_mut()
        .unwrap()
        .remove("ranked");
    write_json(dir.path(), "result.json", &result);
    rejected_by(dir.path(), Check::V23, "result.json contest 0 (district-1)");
    // A Schulze contest's `ranking`.
    let dir = copy_of(ranked_record("schulze"));
    let mut result = read_json(dir.path(), "result.json");
    result["contests"][1]["ranked"]
        .as_object_mut()
        .unwrap()
        .remove("ranking");
    write_json(dir.path(), "result.json", &result);
    rejected_by(dir.path(), Check::V23, "result.json contest 1 (district-2)");
}

/// The trustee page's check of a record before it decrypts
/// (`valurna_engine::board_check`, streamed as the page streams the
/// board): the demo record, with its revotes and weights, checks out and
/// gives the published tally; a changed `tally.json` or a changed ballot
/// does not.
fn board_check(dir: &Path) -> Result<valurna_engine::tally::EncryptedTally, String> {
    board_check_read_twice(dir, false)
}

/// [`board_check`], with the board served differently the second time if
/// `swap`: each superseded line then carries the ballot of position 0 (a
/// valid ballot, not the one verified there), as a lying server could.
fn board_check_read_twice(
    dir: &Path,
    swap: bool,
) -> Result<valurna_engine::tally::EncryptedTally, String> {
    use valurna_engine::board_check::BoardCheck;
    use valurna_engine::setup::check_setup;
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let setup = check_setup(
        read("manifest.json"),
        read("parameters.json"),
        read("ceremony.json"),
        read("credentials.jsonl"),
    )
    .map_err(|e| e.to_string())?;
    let mut check = BoardCheck::new(setup).map_err(|e| e.to_string())?;
    let board = read("board.jsonl");
    for line in board.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        check.line(line).map_err(|e| e.to_string())?;
    }
    let superseded = check.superseded().map_err(|e| e.to_string())?;
    let first: Value =
        serde_json::from_slice(board.split(|b| *b == b'\n').next().unwrap()).unwrap();
    if !superseded.is_empty() {
        for line in board.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let mut entry: Value = serde_json::from_slice(line).unwrap();
            let line = if swap && superseded.contains(&entry["position"].as_u64().unwrap()) {
                entry["ballot"] = first["ballot"].clone();
                serde_json::to_vec(&entry).unwrap()
            } else {
                line.to_vec()
            };
            check.take_out(&line).map_err(|e| e.to_string())?;
        }
    }
    check
        .finish(&read("board_seal.json"), &read("tally.json"))
        .map_err(|e| e.to_string())
}

#[test]
fn the_trustee_pages_check_recomputes_the_tally_and_refuses_a_changed_record() {
    assert!(
        !revoters(record()).is_empty(),
        "the demo record has revotes"
    );
    board_check(record()).unwrap();

    let dir = copy();
    let mut tally = read_json(dir.path(), "tally.json");
    // Two candidates' sums swapped: each a valid ciphertext, the tally not.
    let c = &mut tally["contests"][0]["ciphertexts"];
    let first = c[0].clone();
    c[0] = c[1].clone();
    c[1] = first;
    assert_ne!(c[0], c[1]);
    write_json(dir.path(), "tally.json", &tally);
    let e = board_check(dir.path()).unwrap_err();
    assert!(e.contains("tally.json is not the tally"), "{e}");

    // A board served again with other ballots where revotes were.
    let e = board_check_read_twice(record(), true).unwrap_err();
    assert!(e.contains("changed between its two readings"), "{e}");

    let dir = copy();
    let mut bytes = ballot(dir.path(), 3);
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    set_ballot(dir.path(), 3, &bytes);
    let e = board_check(dir.path()).unwrap_err();
    assert!(e.contains("position 3"), "{e}");
}
