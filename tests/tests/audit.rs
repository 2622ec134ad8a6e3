//! Ballot audits across the two implementations (spec/record.md §5.4): the
//! browser booth (`valurna-booth`, the engine) seals a ballot and reveals
//! it as an audit file; the observers' verifier (`valurna-verifier`,
//! written from `spec/` alone) checks it against the election's
//! `manifest.json` and `parameters.json`. Every audit the booth makes
//! checks and names exactly the chosen candidates; every single change to
//! one is refused, by the condition of record.md §5.4 that guards what was
//! changed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine as _;
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use valurna_booth::{AuditJson, Booth, Choice};
use valurna_engine::credential::VotingCode;
use valurna_engine::elgamal::{DLOG_BOUND, SecretKey};
use valurna_engine::manifest::{Candidate, Contest, Manifest};
use valurna_engine::record::{Parameters, base_hash};
use valurna_engine::rng::os_rng;
use valurna_verifier::audit::{AuditError, Condition, audit};
use valurna_verifier::check_audit;

/// Contests 0 and 1 are district North's, 2 is South's.
fn manifest() -> Vec<u8> {
    let contest = |i: usize, title: &str, district: &str, candidates: usize| Contest {
        id: format!("c{i}"),
        title: title.into(),
        district: district.into(),
        seats: 2,
        min_selections: 0,
        max_selections: 2,
        candidates: (0..candidates)
            .map(|k| Candidate {
                id: format!("c{i}k{k}"),
                name: format!("{title} candidate {k}"),
            })
            .collect(),
        kind: None,
        method: None,
    };
    Manifest {
        version: 1,
        organisation: "Coop".into(),
        election_id: "audit-test".into(),
        title: "Annual meeting".into(),
        weighted: false,
        contests: vec![
            contest(0, "North board", "North", 5),
            contest(1, "North auditors", "North", 3),
            contest(2, "South board", "South", 4),
        ],
    }
    .to_json()
}

/// `parameters.json` for `manifest` with a fresh joint key.
fn parameters(manifest: &[u8]) -> Vec<u8> {
    let key = SecretKey::generate(&mut os_rng());
    let joint = key.public_key().unwrap();
    let m_hash: [u8; 32] = Sha256::digest(manifest).into();
    let c_hash = [7u8; 32];
    serde_json::to_vec_pretty(&Parameters {
        version: 1,
        trustees: 1,
        threshold: 1,
        dlog_bound: DLOG_BOUND,
        manifest_hash: hex::encode(m_hash),
        credentials_hash: hex::encode(c_hash),
        joint_key: joint.element().to_hex(),
        base_hash: hex::encode(base_hash(&m_hash, 1, 1, joint.element(), &c_hash)),
    })
    .unwrap()
}

struct Election {
    dir: tempfile::TempDir,
    manifest: Vec<u8>,
    parameters: Vec<u8>,
}

impl Election {
    fn new() -> Self {
        let manifest = manifest();
        let parameters = parameters(&manifest);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.json"), &manifest).unwrap();
        std::fs::write(dir.path().join("parameters.json"), &parameters).unwrap();
        Election {
            dir,
            manifest,
            parameters,
        }
    }
}

fn choices(list: &[(u32, &[u32])]) -> Vec<Choice> {
    list.iter()
        .map(|(contest, selected)| Choice {
            contest: *contest,
            selected: selected.to_vec(),
        })
        .collect()
}

/// The booth's audit file for `choices` in the election of `manifest` and
/// `parameters`, as JSON.
fn booth_audit(manifest: &[u8], parameters: &[u8], list: &[(u32, &[u32])]) -> Value {
    let code = VotingCode::generate(&mut os_rng()).display();
    let mut booth = Booth::open(manifest, parameters, &code).unwrap();
    booth.seal(&choices(list)).unwrap();
    let audit: AuditJson = booth.reveal().unwrap();
    serde_json::to_value(&audit).unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// The failing requirement for `v` in `e`.
fn refusal(e: &Election, v: &Value) -> AuditError {
    let report = check_audit(e.dir.path(), &bytes(v));
    assert!(!report.ok(), "accepted: {}", report.to_text());
    report.failure.unwrap().error
}

fn condition(e: &Election, v: &Value) -> Condition {
    refusal(e, v).condition()
}

fn ballot_of(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v["ballot"].as_str().unwrap())
        .unwrap()
}

/// `v` with ballot bytes `b` and, if `retrack`, their tracker.
fn with_ballot(v: &Value, b: &[u8], retrack: bool) -> Value {
    let mut w = v.clone();
    w["ballot"] = json!(base64::engine::general_purpose::STANDARD.encode(b));
    if retrack {
        let mut h = Sha256::new();
        h.update(b"valurna/tracker/v1");
        h.update(b);
        w["tracker"] = json!(hex::encode(h.finalize()));
    }
    w
}

/// Byte offsets in a booth ballot (record.md §5.1, protocol.md §9.3) of
/// the first entry's first ciphertext `A`, `B`, and of the signature's `s`.
const FIRST_A: usize = 32 + 4 + 4;
const FIRST_B: usize = FIRST_A + 32;

fn signature_s(b: &[u8]) -> usize {
    b.len() - 32
}

fn scalar_hex(s: Scalar) -> String {
    hex::encode(s.to_bytes())
}

#[test]
fn booth_audits_check_and_name_exactly_the_chosen_candidates() {
    let e = Election::new();
    let cases: [&[(u32, &[u32])]; 4] = [
        &[(0, &[1, 4]), (1, &[2])],
        &[(0, &[]), (1, &[0, 1])],
        &[(2, &[3])],
        &[(0, &[0, 2]), (1, &[])],
    ];
    let m: Value = serde_json::from_slice(&e.manifest).unwrap();
    for list in cases {
        let v = booth_audit(&e.manifest, &e.parameters, list);
        let report = check_audit(e.dir.path(), &bytes(&v));
        assert!(report.ok(), "{list:?}: {}", report.to_text());
        assert_eq!(report.condition(), None);
        let audited = report.audited.as_ref().unwrap();
        assert_eq!(audited.tracker, v["tracker"].as_str().unwrap());
        assert_eq!(audited.election_id, "audit-test");
        assert_eq!(audited.contests.len(), list.len());
        for ((contest, selected), got) in list.iter().zip(&audited.contests) {
            let mc = &m["contests"][*contest as usize];
            assert_eq!(got.contest, *contest);
            assert_eq!(got.title, mc["title"].as_str().unwrap());
            let names: Vec<&str> = got.chosen.iter().map(|k| k.name.as_str()).collect();
            let expected: Vec<&str> = selected
                .iter()
                .map(|k| mc["candidates"][*k as usize]["name"].as_str().unwrap())
                .collect();
            assert_eq!(names, expected, "{list:?}");
            let indices: Vec<usize> = got.chosen.iter().map(|k| k.index).collect();
            let expected: Vec<usize> = selected.iter().map(|k| *k as usize).collect();
            assert_eq!(indices, expected);
        }
        let text = report.to_text();
        assert!(text.contains("The audit CHECKS"), "{text}");
        assert!(text.contains(&audited.short_tracker), "{text}");
        // The library's check on the bytes agrees with the report.
        assert_eq!(
            audit(&e.manifest, &e.parameters, &bytes(&v)).unwrap(),
            *audited
        );
    }
}

#[test]
fn a_changed_choice_or_nonce_is_refused_by_condition_four() {
    let e = Election::new();
    let v = booth_audit(&e.manifest, &e.parameters, &[(0, &[1, 4]), (1, &[2])]);
    // A flipped choice bit: chosen → not chosen, and not chosen → chosen.
    for (entry, selection) in [(0, 1), (0, 0), (1, 2)] {
        let mut w = v.clone();
        let bit = w["contests"][entry]["choices"][selection]
            .as_bool()
            .unwrap();
        w["contests"][entry]["choices"][selection] = json!(!bit);
        let err = refusal(&e, &w);
        assert!(
            matches!(&err, AuditError::Opening { selection: s, equation, .. }
                if *s == selection && equation.contains('B')),
            "{err}"
        );
    }
    // A nonce replaced by another valid scalar.
    let mut w = v.clone();
    w["contests"][1]["nonces"][0] = json!(scalar_hex(Scalar::from(5u64)));
    let err = refusal(&e, &w);
    assert!(
        matches!(&err, AuditError::Opening { selection: 0, equation, .. } if equation.contains('A')),
        "{err}"
    );
    // Two nonces swapped.
    let mut w = v.clone();
    let n = w["contests"][0]["nonces"].as_array_mut().unwrap();
    n.swap(0, 1);
    assert_eq!(condition(&e, &w), Condition::Openings);
    // A non-canonical nonce: ℓ itself, and 2^256 − 1.
    let ell = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
    for bad in [ell.to_string(), "ff".repeat(32)] {
        let mut w = v.clone();
        w["contests"][0]["nonces"][3] = json!(bad);
        let err = refusal(&e, &w);
        assert!(
            matches!(
                &err,
                AuditError::Nonce {
                    selection: 3,
                    error: valurna_verifier::Malformed::NonCanonicalScalar,
                    ..
                }
            ),
            "{err}"
        );
    }
    // Nonces of the wrong length, or not lower-case hex.
    let good = v["contests"][0]["nonces"][2].as_str().unwrap().to_string();
    for bad in [
        good[..62].to_string(),
        format!("{good}00"),
        String::new(),
        good.to_uppercase(),
        format!("{}g", &good[..63]),
    ] {
        let mut w = v.clone();
        w["contests"][0]["nonces"][2] = json!(bad);
        let err = refusal(&e, &w);
        assert!(
            matches!(&err, AuditError::Nonce { selection: 2, .. }),
            "{bad}: {err}"
        );
        assert_eq!(err.condition().number(), Some(4));
    }
}

#[test]
fn a_changed_tracker_is_refused_by_condition_two() {
    let e = Election::new();
    let v = booth_audit(&e.manifest, &e.parameters, &[(2, &[0])]);
    let t = v["tracker"].as_str().unwrap().to_string();
    let flipped = format!("{}{}", if t.starts_with('0') { "1" } else { "0" }, &t[1..]);
    for bad in [
        flipped,
        t.to_uppercase(),
        t[..62].to_string(),
        String::new(),
    ] {
        let mut w = v.clone();
        w["tracker"] = json!(bad);
        assert_eq!(condition(&e, &w), Condition::Tracker, "{bad}");
    }
    // Another audit's tracker.
    let other = booth_audit(&e.manifest, &e.parameters, &[(2, &[0])]);
    let mut w = v.clone();
    w["tracker"] = other["tracker"].clone();
    assert!(matches!(refusal(&e, &w), AuditError::Tracker { computed } if computed == t));
}

#[test]
fn entries_that_are_not_the_ballots_are_refused_by_condition_three() {
    let e = Election::new();
    let v = booth_audit(&e.manifest, &e.parameters, &[(0, &[1]), (1, &[0, 2])]);
    // Reordered.
    let mut w = v.clone();
    w["contests"].as_array_mut().unwrap().swap(0, 1);
    assert_eq!(condition(&e, &w), Condition::Contests);
    // One dropped, either one.
    for i in [0, 1] {
        let mut w = v.clone();
        w["contests"].as_array_mut().unwrap().remove(i);
        assert_eq!(condition(&e, &w), Condition::Contests, "dropped {i}");
    }
    // One repeated.
    let mut w = v.clone();
    let last = w["contests"][1].clone();
    w["contests"].as_array_mut().unwrap().push(last);
    assert_eq!(condition(&e, &w), Condition::Contests);
    // Another contest index.
    let mut w = v.clone();
    w["contests"][1]["contest"] = json!(2);
    assert_eq!(condition(&e, &w), Condition::Contests);
    // Too few choices, too few nonces, too many of either.
    for field in ["choices", "nonces"] {
        let mut w = v.clone();
        w["contests"][0][field].as_array_mut().unwrap().pop();
        assert!(
            matches!(refusal(&e, &w), AuditError::Contests(m) if m.contains("entry 0")),
            "{field}"
        );
        let mut w = v.clone();
        let extra = w["contests"][1][field][0].clone();
        w["contests"][1][field].as_array_mut().unwrap().push(extra);
        assert_eq!(condition(&e, &w), Condition::Contests, "{field}");
    }
}

#[test]
fn an_audit_file_with_anything_extra_or_missing_is_refused() {
    let e = Election::new();
    let v = booth_audit(&e.manifest, &e.parameters, &[(0, &[3]), (1, &[])]);
    let mut w = v.clone();
    w["short_tracker"] = json!("ABCD-EFGH-JKMN");
    assert_eq!(condition(&e, &w), Condition::Format);
    let mut w = v.clone();
    w["contests"][0]["preference"] = json!(1);
    assert_eq!(condition(&e, &w), Condition::Format);
    let mut w = v.clone();
    w["contests"][0]["nonces"] = Value::Null;
    assert_eq!(condition(&e, &w), Condition::Format);
    let mut w = v.clone();
    w.as_object_mut().unwrap().remove("tracker");
    assert_eq!(condition(&e, &w), Condition::Format);
    let mut w = v.clone();
    w["contests"][0]["choices"][0] = json!(0);
    assert_eq!(condition(&e, &w), Condition::Format);
}

#[test]
fn a_changed_ballot_is_refused_by_the_condition_that_guards_the_change() {
    let e = Election::new();
    let v = booth_audit(&e.manifest, &e.parameters, &[(0, &[0, 3]), (1, &[1])]);
    let b = ballot_of(&v);
    // A bit flipped in a ciphertext, the tracker kept: the bytes no longer
    // decode (1) or are not the tracker's (2).
    for (at, bit) in [(FIRST_A, 0), (FIRST_B + 5, 3), (FIRST_B + 31, 6)] {
        let mut c = b.clone();
        c[at] ^= 1 << bit;
        let got = condition(&e, &with_ballot(&v, &c, false));
        assert!(
            matches!(got, Condition::Ballot | Condition::Tracker),
            "{at}: {got:?}"
        );
        // With the tracker recomputed: it does not decode (1) or the nonce
        // no longer opens it (4).
        let got = condition(&e, &with_ballot(&v, &c, true));
        assert!(
            matches!(got, Condition::Ballot | Condition::Openings),
            "{at}: {got:?}"
        );
    }
    // A ciphertext's B replaced by another valid element (B + G): decodes,
    // but the revealed choice no longer opens it (4) — a device cannot
    // claim another choice for the same ciphertext.
    let mut c = b.clone();
    let point = CompressedRistretto(c[FIRST_B..FIRST_B + 32].try_into().unwrap())
        .decompress()
        .unwrap();
    c[FIRST_B..FIRST_B + 32]
        .copy_from_slice((point + RISTRETTO_BASEPOINT_POINT).compress().as_bytes());
    let err = refusal(&e, &with_ballot(&v, &c, true));
    assert!(
        matches!(&err, AuditError::Opening { selection: 0, equation, .. } if equation.contains('B')),
        "{err}"
    );
    // The signature's response changed to another canonical scalar: the
    // ballot decodes and opens, the signature does not verify (5).
    let mut c = b.clone();
    let s = signature_s(&c);
    let response = Scalar::from_canonical_bytes(c[s..].try_into().unwrap()).unwrap();
    c[s..].copy_from_slice(&(response + Scalar::ONE).to_bytes());
    let err = refusal(&e, &with_ballot(&v, &c, true));
    assert!(
        matches!(&err, AuditError::Proofs(parts) if parts == &["the signature".to_string()]),
        "{err}"
    );
    // A zero-one proof's last response changed: that proof is named (5).
    let n = 5;
    let zero_one_end = FIRST_A + n * 64 + 224;
    let mut c = b.clone();
    let at = zero_one_end - 32;
    let response = Scalar::from_canonical_bytes(c[at..zero_one_end].try_into().unwrap()).unwrap();
    c[at..zero_one_end].copy_from_slice(&(response + Scalar::ONE).to_bytes());
    let err = refusal(&e, &with_ballot(&v, &c, true));
    // The signature covers the changed bytes too.
    assert!(
        matches!(&err, AuditError::Proofs(parts)
            if parts.len() == 2
                && parts[0] == "the signature"
                && parts[1].contains("\"North board\" selection 0: the zero-one proof")),
        "{err}"
    );
    // A non-canonical scalar in the signature does not decode (1).
    let mut c = b.clone();
    let s = signature_s(&c);
    c[s..].copy_from_slice(&[0xff; 32]);
    assert_eq!(condition(&e, &with_ballot(&v, &c, true)), Condition::Ballot);
    // Truncated, or one byte longer.
    for c in [b[..b.len() - 1].to_vec(), [b.as_slice(), &[0]].concat()] {
        assert_eq!(condition(&e, &with_ballot(&v, &c, true)), Condition::Ballot);
    }
    // Not canonical base64.
    let mut w = v.clone();
    let text = v["ballot"]
        .as_str()
        .unwrap()
        .trim_end_matches('=')
        .to_string();
    w["ballot"] = json!(text);
    if text.len() != v["ballot"].as_str().unwrap().len() {
        assert_eq!(condition(&e, &w), Condition::Ballot);
    }
    w["ballot"] = json!(format!("{}!", v["ballot"].as_str().unwrap()));
    assert_eq!(condition(&e, &w), Condition::Ballot);
}

#[test]
fn an_audit_for_another_elections_key_is_refused() {
    let e = Election::new();
    // The same manifest, another joint key (so another base hash).
    let other = parameters(&e.manifest);
    assert_ne!(other, e.parameters);
    let v = booth_audit(&e.manifest, &other, &[(0, &[2]), (1, &[1])]);
    let err = refusal(&e, &v);
    assert!(
        matches!(&err, AuditError::Opening { equation, .. } if equation.contains('B')),
        "{err}"
    );
    // Against its own election it checks.
    let own = tempfile::tempdir().unwrap();
    std::fs::write(own.path().join("manifest.json"), &e.manifest).unwrap();
    std::fs::write(own.path().join("parameters.json"), &other).unwrap();
    assert!(check_audit(own.path(), &bytes(&v)).ok());
    // Another election's manifest (a contest retitled): with these
    // parameters the election's files do not belong together; with its own
    // (another key) the audit is refused as above.
    let mut m: Value = serde_json::from_slice(&e.manifest).unwrap();
    m["contests"][0]["title"] = json!("Retitled");
    let m = serde_json::to_vec(&m).unwrap();
    let p = parameters(&m);
    let mixed = tempfile::tempdir().unwrap();
    std::fs::write(mixed.path().join("manifest.json"), &m).unwrap();
    std::fs::write(mixed.path().join("parameters.json"), &e.parameters).unwrap();
    let report = check_audit(mixed.path(), &bytes(&v));
    assert_eq!(report.condition(), Some(Condition::Election));
    std::fs::write(mixed.path().join("parameters.json"), &p).unwrap();
    let report = check_audit(mixed.path(), &bytes(&v));
    assert_eq!(report.condition(), Some(Condition::Openings));
}

/// The workspace's `valurna-verify`, built once for these tests.
fn verify_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| common::workspace_binary("valurna-verifier", "valurna-verify"))
}

#[test]
fn valurna_verify_audit_exits_zero_only_for_an_audit_that_checks() {
    let e = Election::new();
    let v = booth_audit(&e.manifest, &e.parameters, &[(0, &[1, 4]), (1, &[2])]);
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("valurna-audit.json");
    // As the booth's page saves it (Booth::audit's JSON).
    std::fs::write(&good, serde_json::to_string(&v).unwrap()).unwrap();
    let mut lie = v.clone();
    lie["contests"][0]["choices"][0] = json!(true);
    let bad = files.path().join("lie.json");
    std::fs::write(&bad, bytes(&lie)).unwrap();
    let run =
        |args: &[&std::ffi::OsStr]| Command::new(verify_binary()).args(args).output().unwrap();
    let dir = e.dir.path().as_os_str();

    let out = run(&[dir, "--audit".as_ref(), good.as_os_str()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("The audit CHECKS"), "{text}");
    assert!(
        text.contains("North board: North board candidate 1, North board candidate 4"),
        "{text}"
    );
    assert!(
        text.contains("North auditors: North auditors candidate 2"),
        "{text}"
    );

    let out = run(&[dir, "--audit".as_ref(), good.as_os_str(), "--json".as_ref()]);
    assert_eq!(out.status.code(), Some(0));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["checks"], true);
    assert_eq!(j["audited"]["tracker"], v["tracker"]);
    assert_eq!(
        j["audited"]["contests"][0]["chosen"][1]["name"],
        "North board candidate 4"
    );

    let out = run(&[dir, "--audit".as_ref(), bad.as_os_str()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("does NOT check: condition 4"), "{text}");

    let out = run(&[dir, "--json".as_ref(), "--audit".as_ref(), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["checks"], false);
    assert_eq!(j["failure"]["condition"], 4);
    assert_eq!(j["failure"]["stage"], "openings");

    // Usage errors: no such audit file, a directory that is not one,
    // --audit with --tracker.
    let missing = files.path().join("missing.json");
    let out = run(&[dir, "--audit".as_ref(), missing.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[good.as_os_str(), "--audit".as_ref(), good.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[
        dir,
        "--audit".as_ref(),
        good.as_os_str(),
        "--tracker".as_ref(),
        "ABCD-EFGH-JKMN".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// record.md §5.4 condition 1: a ballot's contests are exactly one
/// district's. The booth refuses to seal anything else; a device that makes
/// such a ballot anyway gets an audit that does not check, in either
/// implementation.
#[test]
fn a_ballot_mixing_two_districts_contests_is_refused_by_condition_one() {
    use valurna_engine::ballot::{Ballot, BallotContext};
    let e = Election::new();
    let code = VotingCode::generate(&mut os_rng()).display();
    let mut booth = Booth::open(&e.manifest, &e.parameters, &code).unwrap();
    assert!(booth.seal(&choices(&[(1, &[0]), (2, &[1])])).is_err());

    let manifest = Manifest::from_json(&e.manifest).unwrap();
    let p: Parameters = serde_json::from_slice(&e.parameters).unwrap();
    let ctx = BallotContext {
        base_hash: p.computed_base_hash().unwrap(),
        key: p.joint_key().unwrap(),
        shapes: manifest.contests.iter().map(|c| c.shape()).collect(),
        preferences: manifest.preferences(),
    };
    let credential = VotingCode::parse(&code)
        .unwrap()
        .secret(&valurna_engine::manifest::manifest_hash(&e.manifest));
    let bits: Vec<(u32, Vec<bool>)> = [1u32, 2]
        .iter()
        .map(|&i| {
            let n = manifest.contests[i as usize].candidates.len();
            (i, (0..n).map(|k| k == 1).collect())
        })
        .collect();
    let (ballot, secrets) = Ballot::encrypt(&ctx, &credential, &bits, &mut os_rng()).unwrap();
    let b = ballot.to_bytes();
    let audit_file = AuditJson {
        ballot: base64::engine::general_purpose::STANDARD.encode(&b),
        tracker: hex::encode(Ballot::tracker(&b)),
        contests: bits
            .iter()
            .zip(&secrets.nonces)
            .map(|((contest, choices), nonces)| valurna_booth::AuditContest {
                contest: *contest,
                choices: choices.clone(),
                nonces: nonces.iter().map(|n| hex::encode(n.to_bytes())).collect(),
            })
            .collect(),
    };
    let v = serde_json::to_value(&audit_file).unwrap();
    assert!(matches!(refusal(&e, &v), AuditError::District));
    assert_eq!(condition(&e, &v), Condition::Ballot);
    assert!(valurna_booth::audit_check(&e.manifest, &e.parameters, &audit_file).is_err());
}
