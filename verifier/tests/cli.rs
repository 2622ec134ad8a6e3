//! `valurna-verify` as observers run it, on the record vector in
//! `spec/vectors/record/` (a small election made by `valurna demo`):
//! reports, JSON, the voter's check and exit codes.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn record() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors/record")
}

fn verify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_valurna-verify"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn copy_record() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(record()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_record_vector_verifies_with_exit_code_zero() {
    let out = verify(&[path(&record())]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("VERIFIED: all 23 checks pass"), "{text}");
    for id in 1..=23 {
        assert!(
            text.contains(&format!("  V{id} ")),
            "V{id} missing from\n{text}"
        );
    }
    assert!(text.contains("Result (reproduced from the proofs)"));
    assert!(text.contains("V21  mix chains"), "{text}");
    assert!(text.contains("nothing to check"), "{text}");
}

#[test]
fn json_reports_every_check() {
    let out = verify(&[path(&record()), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["verified"], true);
    let checks = v["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 23);
    assert!(checks.iter().all(|c| c["status"] == "pass"));
    // V21–V23 have nothing to check in a record without ranked contests
    // (verification.md §7); every other check has items.
    for c in checks {
        let ranked = ["V21", "V22", "V23"].contains(&c["id"].as_str().unwrap());
        assert_eq!(c["items"].as_u64() == Some(0), ranked, "{c}");
    }
    assert!(!v["result"].as_array().unwrap().is_empty());
}

#[test]
fn a_changed_count_exits_with_one_and_names_the_check() {
    let dir = copy_record();
    let file = dir.path().join("result.json");
    let mut result: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let n = result["contests"][0]["counts"][0].as_u64().unwrap();
    result["contests"][0]["counts"][0] = (n + 3).into();
    std::fs::write(&file, serde_json::to_vec(&result).unwrap()).unwrap();
    let out = verify(&[path(dir.path())]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("NOT VERIFIED"), "{text}");
    assert!(
        text.contains("first failure: V19 combination and counts"),
        "{text}"
    );
    assert!(text.contains("result.json contest 0"), "{text}");
}

#[test]
fn an_empty_directory_fails_every_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = verify(&[path(dir.path()), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["verified"], false);
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] != "pass")
    );
}

#[test]
fn a_voter_checks_a_tracker() {
    let board = std::fs::read_to_string(record().join("board.jsonl")).unwrap();
    let first: Value = serde_json::from_str(board.lines().next().unwrap()).unwrap();
    let tracker = first["tracker"].as_str().unwrap();
    let out = verify(&[path(&record()), "--tracker", tracker]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("is on the board at position 0"), "{text}");
    let out = verify(&[path(&record()), "--tracker", "0000-0000-0000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("NOT on the board"));
}

#[test]
fn usage_errors_exit_with_two() {
    assert_eq!(verify(&[]).status.code(), Some(2));
    assert_eq!(verify(&["/nonexistent/record"]).status.code(), Some(2));
    let out = verify(&[path(&record()), "--tracker", "not a tracker"]);
    assert_eq!(out.status.code(), Some(2));
}

/// An audit file (record.md §5.4) for the record's first board ballot with
/// the right contest entries and made-up nonces: no nonce of a published
/// ballot is known, so it passes conditions 1–3 and fails 4. (Audits that
/// check are made by the booth in tests/tests/audit.rs.)
fn made_up_audit() -> Value {
    let board = std::fs::read_to_string(record().join("board.jsonl")).unwrap();
    let first: Value = serde_json::from_str(board.lines().next().unwrap()).unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(record().join("manifest.json")).unwrap()).unwrap();
    let ballot = valurna_verifier::decode::base64(first["ballot"].as_str().unwrap()).unwrap();
    // enc(C) ‖ u32(k) ‖ u32(index) ‖ …: the vector's ballots have one
    // approval contest.
    assert_eq!(u32::from_le_bytes(ballot[32..36].try_into().unwrap()), 1);
    let index = u32::from_le_bytes(ballot[36..40].try_into().unwrap());
    let n = manifest["contests"][index as usize]["candidates"]
        .as_array()
        .unwrap()
        .len();
    serde_json::json!({
        "ballot": first["ballot"],
        "tracker": first["tracker"],
        "contests": [{"contest": index, "choices": vec![false; n], "nonces": vec!["00".repeat(32); n]}],
    })
}

#[test]
fn an_audit_that_does_not_check_exits_with_one_and_names_the_condition() {
    let files = tempfile::tempdir().unwrap();
    let audit = files.path().join("valurna-audit.json");
    std::fs::write(&audit, serde_json::to_vec(&made_up_audit()).unwrap()).unwrap();
    let out = verify(&[path(&record()), "--audit", path(&audit)]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("does NOT check: condition 4"), "{text}");
    let out = verify(&[path(&record()), "--audit", path(&audit), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["checks"], false);
    assert_eq!(v["failure"]["condition"], 4);
    assert_eq!(v["failure"]["stage"], "openings");
    // Only manifest.json and parameters.json are read.
    let only = tempfile::tempdir().unwrap();
    for name in ["manifest.json", "parameters.json"] {
        std::fs::copy(record().join(name), only.path().join(name)).unwrap();
    }
    let out = verify(&[path(only.path()), "--audit", path(&audit), "--json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["failure"]["condition"], 4, "{v}");
    // An extra field: not an audit file.
    let mut extra = made_up_audit();
    extra["note"] = "x".into();
    std::fs::write(&audit, serde_json::to_vec(&extra).unwrap()).unwrap();
    let out = verify(&[path(&record()), "--audit", path(&audit), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["failure"]["stage"], "format");
    assert_eq!(v["failure"]["condition"], Value::Null);
}

#[test]
fn audit_usage_errors_exit_with_two() {
    let files = tempfile::tempdir().unwrap();
    let audit = files.path().join("valurna-audit.json");
    std::fs::write(&audit, serde_json::to_vec(&made_up_audit()).unwrap()).unwrap();
    let missing = files.path().join("missing.json");
    let out = verify(&[path(&record()), "--audit", path(&missing)]);
    assert_eq!(out.status.code(), Some(2));
    // The directory must be one, also for an audit.
    let out = verify(&[path(&audit), "--audit", path(&audit)]);
    assert_eq!(out.status.code(), Some(2));
    let out = verify(&[path(&record()), "--audit"]);
    assert_eq!(out.status.code(), Some(2));
    let out = verify(&[
        path(&record()),
        "--audit",
        path(&audit),
        "--tracker",
        "0000-0000-0000",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
