//! The booth's flows, natively: seal, cast bytes verify, audit checks,
//! tampering is caught, receipts check.

use super::*;
use valurna_engine::elgamal::{DLOG_BOUND, SecretKey};
use valurna_engine::manifest::{Candidate, Contest};
use valurna_engine::record::base_hash;
use valurna_engine::rng::os_rng;

struct Fixture {
    manifest: Vec<u8>,
    parameters: Vec<u8>,
    code: String,
}

fn fixture() -> Fixture {
    let contest = |i: usize, district: &str| Contest {
        id: format!("c{i}"),
        title: format!("District {district}"),
        district: district.into(),
        seats: 3,
        min_selections: 0,
        max_selections: 3,
        candidates: (0..10)
            .map(|k| Candidate {
                id: format!("k{k}"),
                name: format!("Candidate {k}"),
            })
            .collect(),
        kind: None,
        method: None,
    };
    let manifest = Manifest {
        version: 1,
        organisation: "Coop".into(),
        election_id: "e1".into(),
        title: "Delegates".into(),
        weighted: false,
        contests: vec![contest(0, "North"), contest(1, "South")],
    }
    .to_json();
    let key = SecretKey::generate(&mut os_rng());
    let joint = key.public_key().unwrap_or_else(|_| unreachable!());
    let m_hash = manifest_hash(&manifest);
    let c_hash = [7u8; 32];
    let parameters = serde_json::to_vec(&Parameters {
        version: 1,
        trustees: 1,
        threshold: 1,
        dlog_bound: DLOG_BOUND,
        manifest_hash: hex::encode(m_hash),
        credentials_hash: hex::encode(c_hash),
        joint_key: joint.element().to_hex(),
        base_hash: hex::encode(base_hash(&m_hash, 1, 1, joint.element(), &c_hash)),
    })
    .unwrap_or_default();
    let code = VotingCode::generate(&mut os_rng()).display();
    Fixture {
        manifest,
        parameters,
        code,
    }
}

fn choose(contest: u32, selected: &[u32]) -> Vec<Choice> {
    vec![Choice {
        contest,
        selected: selected.to_vec(),
    }]
}

#[test]
fn a_sealed_ballot_verifies_for_its_contest_and_credential() {
    let f = fixture();
    let mut booth =
        Booth::open(&f.manifest, &f.parameters, &f.code).unwrap_or_else(|e| panic!("{e}"));
    let sealed = booth
        .seal(&choose(1, &[0, 4, 9]))
        .unwrap_or_else(|e| panic!("{e}"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&sealed.ballot)
        .unwrap_or_default();
    assert_eq!(hex::encode(Ballot::tracker(&bytes)), sealed.tracker);
    let (_, ctx) = election(&f.manifest, &f.parameters).unwrap_or_else(|e| panic!("{e}"));
    let ballot = Ballot::decode(&bytes, &ctx).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ballot.credential.to_hex(), booth.public.to_hex());
    assert!(ballot.verify(&ctx, &[1]).is_ok());
    // The same code gives the same credential (the member can come back).
    let again = Booth::open(&f.manifest, &f.parameters, &f.code.to_lowercase())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.public.to_hex(), booth.public.to_hex());
}

#[test]
fn choices_outside_the_rules_are_refused() {
    let f = fixture();
    let mut booth =
        Booth::open(&f.manifest, &f.parameters, &f.code).unwrap_or_else(|e| panic!("{e}"));
    for bad in [
        choose(0, &[0, 1, 2, 3]),
        choose(0, &[1, 1]),
        choose(0, &[10]),
        choose(2, &[0]),
        vec![choose(1, &[0]).remove(0), choose(0, &[0]).remove(0)],
        vec![choose(0, &[0]).remove(0), choose(1, &[0]).remove(0)],
        vec![],
    ] {
        assert!(
            matches!(booth.seal(&bad), Err(BoothError::Choices(_))),
            "{bad:?}"
        );
    }
    assert!(
        booth.seal(&choose(0, &[])).is_ok(),
        "a blank ballot is allowed"
    );
}

#[test]
fn files_that_do_not_belong_together_and_bad_codes_are_refused() {
    let f = fixture();
    let other = fixture();
    assert!(matches!(
        Booth::open(
            &other.manifest[..other.manifest.len() - 1],
            &f.parameters,
            &f.code
        ),
        Err(BoothError::Election(_))
    ));
    let mut manifest = f.manifest.clone();
    manifest.extend_from_slice(b" ");
    assert!(matches!(
        Booth::open(&manifest, &f.parameters, &f.code),
        Err(BoothError::Election(_))
    ));
    let mut p: Parameters = serde_json::from_slice(&f.parameters).unwrap_or_else(|e| panic!("{e}"));
    p.base_hash = hex::encode([0u8; 32]);
    let p = serde_json::to_vec(&p).unwrap_or_default();
    assert!(matches!(
        Booth::open(&f.manifest, &p, &f.code),
        Err(BoothError::Election(_))
    ));
    assert!(matches!(
        Booth::open(&f.manifest, &f.parameters, "not a code"),
        Err(BoothError::Code)
    ));
}

#[test]
fn an_audit_reveals_the_choices_and_checks_and_the_ballot_is_gone() {
    let f = fixture();
    let mut booth =
        Booth::open(&f.manifest, &f.parameters, &f.code).unwrap_or_else(|e| panic!("{e}"));
    booth
        .seal(&choose(0, &[2, 7]))
        .unwrap_or_else(|e| panic!("{e}"));
    let audit = booth.reveal().unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(booth.reveal(), Err(BoothError::NoBallot)));
    let names = audit_check(&f.manifest, &f.parameters, &audit).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        names,
        vec![(
            "District North".to_string(),
            vec!["Candidate 2".to_string(), "Candidate 7".to_string()]
        )]
    );
    // A device that lied about the choice is caught.
    let mut lie = audit.clone();
    if let Some(c) = lie.contests.first_mut() {
        c.choices.swap(2, 3);
    }
    assert!(matches!(
        audit_check(&f.manifest, &f.parameters, &lie),
        Err(BoothError::Check(_))
    ));
    let mut wrong_tracker = audit.clone();
    wrong_tracker.tracker = hex::encode([1u8; 32]);
    assert!(audit_check(&f.manifest, &f.parameters, &wrong_tracker).is_err());
    let mut wrong_nonce = audit;
    if let Some(n) = wrong_nonce
        .contests
        .first_mut()
        .and_then(|c| c.nonces.first_mut())
    {
        *n = hex::encode([3u8; 32]);
    }
    assert!(audit_check(&f.manifest, &f.parameters, &wrong_nonce).is_err());
}

#[test]
fn receipts_check_against_the_election_and_tracker() {
    let f = fixture();
    let p: Parameters = serde_json::from_slice(&f.parameters).unwrap_or_else(|e| panic!("{e}"));
    let base: [u8; 32] = decode_hex(&p.base_hash)
        .ok()
        .and_then(|b| b.try_into().ok())
        .unwrap_or_default();
    let key = SecretKey::generate(&mut os_rng());
    let public = *key
        .public_key()
        .unwrap_or_else(|_| unreachable!())
        .element();
    let r = Receipt {
        position: 4,
        tracker: [9; 32],
        head: [5; 32],
    };
    let sig = r.sign(&base, &key, &public, &mut os_rng());
    let json = ReceiptJson {
        position: 4,
        tracker: hex::encode([9u8; 32]),
        head: hex::encode([5u8; 32]),
        server_key: public.to_hex(),
        signature: hex::encode(sig.to_bytes()),
    };
    let tracker = hex::encode([9u8; 32]);
    assert!(receipt_check(&f.parameters, &json, &tracker).is_ok());
    assert!(receipt_check(&f.parameters, &json, &hex::encode([8u8; 32])).is_err());
    let mut moved = json.clone();
    moved.position = 5;
    assert!(receipt_check(&f.parameters, &moved, &tracker).is_err());
    let other = fixture();
    assert!(receipt_check(&other.parameters, &json, &tracker).is_err());
}
