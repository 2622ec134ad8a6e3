//! The trustees' and committee's file commands (spec: record.md §6, §7):
//! a ceremony run through files by three trustees, and a tally redone by
//! trustees from their share files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use valurna_engine::record::{self, DecryptionShareJson, ResultFile, files};
use valurna_server::cli::demo::inprocess::{DemoConfig, run};
use valurna_server::error::CliError;
use valurna_server::record::ceremony::{
    ReceiveOutcome, ceremony_finish, ceremony_init, trustee_announce, trustee_deal, trustee_receive,
};
use valurna_server::record::tally::{tally_finish, trustee_decrypt};

fn demo(out: &Path, trustees: Option<&Path>) -> valurna_server::cli::demo::inprocess::DemoReport {
    run(&DemoConfig {
        voters: 120,
        districts: 2,
        candidates: 3,
        seats: 1,
        trustees: 3,
        threshold: 2,
        revote_percent: 0.0,
        weighted: false,
        out: out.to_path_buf(),
        trustee_dir: trustees.map(Path::to_path_buf),
        progress: false,
        ranked: None,
        codes_out: None,
    })
    .unwrap()
}

fn secret(tmp: &Path, i: u32) -> std::path::PathBuf {
    tmp.join(format!("t{i}.secret"))
}

/// A demo record's manifest, a ceremony for it, rounds 1 and 2 by three
/// trustees whose secrets are `tmp/t<i>.secret`; returns the ceremony dir.
fn announced_and_dealt(tmp: &Path) -> std::path::PathBuf {
    let record_dir = tmp.join("record");
    demo(&record_dir, None);
    let dir = tmp.join("ceremony");
    ceremony_init(&record_dir.join(files::MANIFEST), 3, 2, &dir).unwrap();
    for i in 1..=3 {
        trustee_announce(&dir, i, &secret(tmp, i)).unwrap();
    }
    for i in 1..=3 {
        trustee_deal(&dir, &secret(tmp, i)).unwrap();
    }
    dir
}

/// `result` is a refusal of the command (`CliError::Usage`) whose message
/// contains `what`.
fn refuses<T: std::fmt::Debug>(result: Result<T, CliError>, what: &str) {
    match result {
        Err(CliError::Usage(message)) => assert!(message.contains(what), "{message}"),
        other => panic!("expected a refusal saying {what:?}, got {other:?}"),
    }
}

#[test]
fn a_ceremony_through_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = announced_and_dealt(tmp.path());
    let share = |i: u32| tmp.path().join(format!("t{i}.share"));
    // A secret file is never overwritten.
    refuses(
        trustee_announce(&dir, 1, &secret(tmp.path(), 1)),
        "cannot create secret file",
    );
    let secret = |i: u32| secret(tmp.path(), i);
    for i in 1..=3 {
        assert_eq!(
            trustee_receive(&dir, &secret(i), &share(i)).unwrap(),
            ReceiveOutcome::Share
        );
    }
    let outcome = ceremony_finish(&dir).unwrap();
    for i in 1..=3u32 {
        let s = valurna_server::record::ceremony::read_share(&share(i)).unwrap();
        assert_eq!(
            s.share.public_key().unwrap().element(),
            &outcome.public_shares[i as usize - 1]
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(share(1)).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "a key share must be private to its owner");
    }
}

#[test]
fn a_cheating_dealer_is_named_through_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = announced_and_dealt(tmp.path());
    let secret = |i: u32| secret(tmp.path(), i);
    // Trustee 1 corrupts the share it sent trustee 2.
    let path = dir.join("shares-from-1.json");
    let mut shares: Vec<record::EncryptedShareJson> = record::read_json(&path).unwrap();
    let s = shares.iter_mut().find(|s| s.to == 2).unwrap();
    let mut c = hex::decode(&s.ciphertext).unwrap();
    c[3] ^= 0x10;
    s.ciphertext = hex::encode(c);
    record::write_json(&path, &shares).unwrap();
    let out = trustee_receive(&dir, &secret(2), &tmp.path().join("t2.share")).unwrap();
    assert_eq!(out, ReceiveOutcome::Complained(vec![1]));
    let err = ceremony_finish(&dir).unwrap_err().to_string();
    assert!(err.contains("trustee 1:"), "{err}");
}

#[test]
fn trustees_redo_the_tally_from_their_share_files() {
    let tmp = tempfile::tempdir().unwrap();
    let record_dir = tmp.path().join("record");
    let trustees = tmp.path().join("trustees");
    let report = demo(&record_dir, Some(&trustees));
    std::fs::remove_file(record_dir.join(files::DECRYPTION)).unwrap();
    std::fs::remove_file(record_dir.join(files::RESULT)).unwrap();
    let share = |i: u32| trustees.join(format!("trustee-{i}.share"));

    // One trustee is not enough.
    trustee_decrypt(&record_dir, &share(3)).unwrap();
    refuses(
        tally_finish(&record_dir),
        "1 valid decryption shares, 2 needed",
    );

    // A forged share from trustee 2 is refused and named; trustee 1's makes t.
    let forged = trustee_decrypt(&record_dir, &share(2)).unwrap();
    let mut json: DecryptionShareJson = record::read_json(&forged).unwrap();
    json.partials[0][0].partial = json.partials[0][1].partial.clone();
    record::write_json(&forged, &json).unwrap();
    trustee_decrypt(&record_dir, &share(1)).unwrap();
    let (result, refused) = tally_finish(&record_dir).unwrap();
    assert_eq!(refused.len(), 1);
    assert!(refused[0].starts_with("trustee 2:"), "{refused:?}");
    assert_eq!(result, report.result);
    let written: ResultFile = record::read_json(&record_dir.join(files::RESULT)).unwrap();
    assert_eq!(written, report.result);
}

/// A ranked election (record.md §9) whose mix-net and tally are redone
/// through the commands: two mix servers, two trustees, the count; the
/// result equals the demo's own (which it checked against the simulated
/// voters' rankings). A mix step that does not verify stops the next mix
/// server and the trustees.
#[test]
fn a_ranked_election_through_the_mix_commands() {
    use valurna_server::record::tally::mix_record;
    for method in ["stv", "schulze"] {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, shares) = (tmp.path().join("record"), tmp.path().join("shares"));
        let report = run(&DemoConfig {
            voters: 90,
            districts: 2,
            candidates: 4,
            seats: 2,
            trustees: 3,
            threshold: 2,
            revote_percent: 5.0,
            weighted: false,
            out: dir.clone(),
            trustee_dir: Some(shares.clone()),
            progress: false,
            ranked: Some(method.into()),
            codes_out: None,
        })
        .unwrap();
        for c in &report.result.contests {
            assert_eq!(c.ranked.as_ref().unwrap().method, method);
            assert_eq!(c.elected.len(), 2);
        }
        // Redo everything after voting from the sealed board.
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.starts_with("mix") || name == "decryption.json" || name == "result.json" {
                std::fs::remove_file(dir.join(name)).unwrap();
            }
        }
        refuses(mix_record(&dir, 2), "has 0 mix steps; the next is 1");
        assert_eq!(mix_record(&dir, 1).unwrap().len(), 2);
        // Trustees refuse a chain shorter than two mix servers.
        refuses(
            trustee_decrypt(&dir, &shares.join("trustee-1.share")),
            "has 1 mix steps; at least 2 are needed",
        );
        mix_record(&dir, 2).unwrap();
        for i in [2, 3] {
            trustee_decrypt(&dir, &shares.join(format!("trustee-{i}.share"))).unwrap();
        }
        let (result, refused) = tally_finish(&dir).unwrap();
        assert!(refused.is_empty());
        assert_eq!(result, report.result);

        // A mix step's output changed: the next step and every trustee stop.
        let step1 = dir.join(files::mix(0, 1));
        let mut bytes = std::fs::read(&step1).unwrap();
        let (a, b) = (bytes[..64].to_vec(), bytes[64..128].to_vec());
        bytes[..64].copy_from_slice(&b);
        bytes[64..128].copy_from_slice(&a);
        std::fs::write(&step1, bytes).unwrap();
        let broken = "the record does not check out: mix step 1 of contest";
        refuses(mix_record(&dir, 3), broken);
        refuses(
            trustee_decrypt(&dir, &shares.join("trustee-1.share")),
            broken,
        );
        refuses(tally_finish(&dir), broken);
    }
}
