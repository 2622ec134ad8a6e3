//! The election's acceptance tests (spec: record.md): the key ceremony
//! catches and names a cheating trustee; any `t` of `n` trustees decrypt the
//! same result and fewer cannot; ballots that were copied, made for another
//! election, over-filled or tampered with are rejected.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use valurna_engine::ballot::{Ballot, BallotContext, check_audit, verify_ballots};
use valurna_engine::board::{Board, CountedSet, genesis, next_head};
use valurna_engine::contest::ContestShape;
use valurna_engine::credential::{CredentialSecret, VotingCode};
use valurna_engine::elgamal::DlogTable;
use valurna_engine::encoding::Element;
use valurna_engine::proofs::SchnorrProof;
use valurna_engine::rng::os_rng;
use valurna_engine::tally::{DecryptionShare, TallyAccumulator, combine};
use valurna_engine::threshold::{
    CeremonyOutcome, CeremonyParams, CeremonyTranscript, Received, TrusteeDealer, TrusteeShare,
    finish, run_in_process,
};
use valurna_engine::{DecodeError, Error, ProofKind};

const MANIFEST_HASH: [u8; 32] = [0x31; 32];

fn params(n: u32, t: u32) -> CeremonyParams {
    CeremonyParams {
        manifest_hash: MANIFEST_HASH,
        ceremony_id: [7; 16],
        trustees: n,
        threshold: t,
    }
}

fn transcript(
    announcements: &[valurna_engine::threshold::Announcement],
    shares: &[valurna_engine::threshold::EncryptedShare],
    complaints: &[valurna_engine::threshold::Complaint],
    confirmations: &[valurna_engine::threshold::Confirmation],
) -> CeremonyTranscript {
    CeremonyTranscript {
        announcements: announcements.to_vec(),
        shares: shares.to_vec(),
        complaints: complaints.to_vec(),
        confirmations: confirmations.to_vec(),
    }
}

/// Round 1 for every trustee.
fn announce_all(
    p: CeremonyParams,
    rng: &mut valurna_engine::rng::OsRng,
) -> (
    Vec<TrusteeDealer>,
    Vec<valurna_engine::threshold::Announcement>,
) {
    (1..=p.trustees)
        .map(|i| TrusteeDealer::new(p, i, rng).unwrap())
        .unzip()
}

/// Round 2 for every trustee.
fn deal_all(
    dealers: &[TrusteeDealer],
    announcements: &[valurna_engine::threshold::Announcement],
    rng: &mut valurna_engine::rng::OsRng,
) -> Vec<valurna_engine::threshold::EncryptedShare> {
    dealers
        .iter()
        .flat_map(|d| d.deal(announcements, rng).unwrap())
        .collect()
}

fn faulty_trustees(e: Error) -> Vec<u32> {
    match e {
        Error::CeremonyFailed { faults } => faults.iter().map(|f| f.trustee).collect(),
        other => panic!("expected a ceremony failure, got {other}"),
    }
}

// ------------------------------------------------------------ ceremony

#[test]
fn honest_ceremony_gives_consistent_shares() {
    let (outcome, _, shares) = run_in_process(params(5, 3), &mut os_rng()).unwrap();
    assert_eq!(shares.len(), 5);
    for s in &shares {
        let public = s.share.public_key().unwrap();
        assert_eq!(
            public.element(),
            &outcome.public_shares[s.index as usize - 1]
        );
    }
}

/// A rogue-key trustee (Gennaro, Jarecki, Krawczyk and Rabin, "Secure
/// distributed key generation for discrete-log based cryptosystems",
/// EUROCRYPT 1999; the rogue-key attack on naive key aggregation): every
/// trustee proves knowledge of its coefficients, so none can choose its
/// key as a function of the others' and fix the joint key.
#[test]
fn a_bad_proof_of_knowledge_is_caught_and_named() {
    let p = params(3, 2);
    let mut rng = os_rng();
    let mut announcements = vec![];
    let mut dealers = vec![];
    for i in 1..=3 {
        let (d, a) = TrusteeDealer::new(p, i, &mut rng).unwrap();
        dealers.push(d);
        announcements.push(a);
    }
    // Trustee 2 replaces a commitment (a rogue key) and keeps the old proof.
    let rogue =
        Element::from_point(announcements[0].commitments[0].point() + Element::generator().point());
    announcements[1].commitments[0] = rogue;
    let err = dealers[0].deal(&announcements, &mut rng).unwrap_err();
    assert_eq!(faulty_trustees(err.clone()), vec![2]);
    assert!(err.to_string().contains("coefficient 0"), "{err}");
    assert_eq!(
        faulty_trustees(finish(&p, &transcript(&announcements, &[], &[], &[])).unwrap_err())[0],
        2
    );

    // A proof made for another trustee's index does not transfer either.
    let (_, mut a3) = TrusteeDealer::new(p, 3, &mut rng).unwrap();
    let (_, a1) = TrusteeDealer::new(p, 1, &mut rng).unwrap();
    a3.communication_proof = a1.communication_proof;
    a3.communication_key = a1.communication_key;
    assert_eq!(a3.verify(&p).unwrap_err().trustee, 3);
}

/// Runs rounds 1 and 2 honestly, lets `tamper` change the shares, then
/// round 3 and `finish`.
fn ceremony_with(
    p: CeremonyParams,
    tamper: impl FnOnce(&mut Vec<valurna_engine::threshold::EncryptedShare>),
) -> (
    Result<CeremonyOutcome, Error>,
    Vec<valurna_engine::threshold::Complaint>,
) {
    let mut rng = os_rng();
    let (dealers, announcements) = announce_all(p, &mut rng);
    let mut shares = deal_all(&dealers, &announcements, &mut rng);
    tamper(&mut shares);
    let mut complaints = vec![];
    let mut confirmations = vec![];
    for d in dealers {
        match d.receive(&announcements, &shares, &mut rng).unwrap() {
            Received::Complaints(c) => complaints.extend(c),
            Received::Share(_, c) => confirmations.push(*c),
        }
    }
    (
        finish(
            &p,
            &transcript(&announcements, &shares, &complaints, &confirmations),
        ),
        complaints,
    )
}

#[test]
fn a_bad_share_gets_a_verifiable_complaint_naming_the_dealer() {
    let (result, complaints) = ceremony_with(params(4, 3), |shares| {
        let s = shares
            .iter_mut()
            .find(|s| s.from == 2 && s.to == 4)
            .unwrap();
        s.ciphertext[0] ^= 1;
    });
    assert_eq!(complaints.len(), 1);
    assert_eq!((complaints[0].accuser, complaints[0].accused), (4, 2));
    assert_eq!(faulty_trustees(result.unwrap_err()), vec![2]);
}

#[test]
fn a_missing_share_is_named() {
    let p = params(3, 2);
    let mut rng = os_rng();
    let (mut dealers, announcements) = announce_all(p, &mut rng);
    let mut shares = deal_all(&dealers, &announcements, &mut rng);
    shares.retain(|s| !(s.from == 3 && s.to == 1));
    assert_eq!(
        faulty_trustees(finish(&p, &transcript(&announcements, &shares, &[], &[])).unwrap_err())[0],
        3
    );
    let err = dealers
        .remove(0)
        .receive(&announcements, &shares, &mut rng)
        .unwrap_err();
    assert_eq!(faulty_trustees(err), vec![3]);
}

#[test]
fn a_false_complaint_names_the_accuser() {
    // Trustee 3 complains about trustee 1's good share: it must reveal the
    // right shared secret (or its proof fails), and the share then opens.
    let (result, _) = ceremony_with(params(3, 2), |_| {});
    let outcome = result.unwrap();
    assert_eq!(outcome.public_shares.len(), 3);

    let p = params(3, 2);
    let mut rng = os_rng();
    let (mut dealers, announcements) = announce_all(p, &mut rng);
    let shares = deal_all(&dealers, &announcements, &mut rng);
    // Make trustee 3 complain by giving it a corrupted copy, then publish
    // the complaint against the true (uncorrupted) share.
    let mut corrupted = shares.clone();
    corrupted
        .iter_mut()
        .find(|s| s.from == 1 && s.to == 3)
        .unwrap()
        .ciphertext[5] ^= 0x40;
    let Received::Complaints(complaints) = dealers
        .pop()
        .unwrap()
        .receive(&announcements, &corrupted, &mut rng)
        .unwrap()
    else {
        panic!("trustee 3 should complain about the corrupted share")
    };
    assert_eq!(
        faulty_trustees(
            finish(&p, &transcript(&announcements, &shares, &complaints, &[])).unwrap_err()
        ),
        vec![3]
    );
}

#[test]
fn trustee_secret_state_round_trips() {
    let p = params(3, 2);
    let (d, _) = TrusteeDealer::new(p, 2, &mut os_rng()).unwrap();
    let bytes = d.export_secret();
    let back = TrusteeDealer::import_secret(p, &bytes).unwrap();
    assert_eq!(back.export_secret().as_slice(), bytes.as_slice());
    assert!(TrusteeDealer::import_secret(p, &bytes[1..]).is_err());
    assert!(TrusteeDealer::import_secret(params(3, 3), &bytes).is_err());
}

// ----------------------------------------------------- ballots and tally

struct Election {
    ctx: BallotContext,
    outcome: CeremonyOutcome,
    shares: Vec<TrusteeShare>,
}

fn election(n: u32, t: u32, shapes: Vec<ContestShape>) -> Election {
    let (outcome, _, shares) = run_in_process(params(n, t), &mut os_rng()).unwrap();
    let ctx = BallotContext {
        base_hash: [0x55; 32],
        key: outcome.joint_key.clone(),
        shapes,
        preferences: Vec::new(),
    };
    Election {
        ctx,
        outcome,
        shares,
    }
}

fn voter() -> CredentialSecret {
    VotingCode::generate(&mut os_rng()).secret(&MANIFEST_HASH)
}

fn shape(candidates: usize, max: u64) -> ContestShape {
    ContestShape {
        candidates,
        min: 0,
        max,
    }
}

#[test]
fn any_t_of_n_trustees_decrypt_the_same_result_and_fewer_cannot() {
    let e = election(4, 3, vec![shape(3, 2), shape(2, 1)]);
    let votes: Vec<Vec<(u32, Vec<bool>)>> = vec![
        vec![(0, vec![true, false, true]), (1, vec![false, true])],
        vec![(0, vec![true, true, false]), (1, vec![true, false])],
        vec![(0, vec![false, false, true]), (1, vec![false, true])],
    ];
    let mut acc = TallyAccumulator::new(&e.ctx.shapes);
    for v in &votes {
        let (b, _) = Ballot::encrypt(&e.ctx, &voter(), v, &mut os_rng()).unwrap();
        acc.add(&b, 1);
    }
    let tally = acc.finish().unwrap();
    let partial: Vec<DecryptionShare> = e
        .shares
        .iter()
        .map(|s| {
            let public = e.outcome.public_shares[s.index as usize - 1];
            let d = DecryptionShare::create(&e.ctx.base_hash, &tally, s, &public, &mut os_rng());
            d.verify(&e.ctx.base_hash, &tally, &public).unwrap();
            d
        })
        .collect();
    let expected = vec![vec![2, 1, 2], vec![1, 2]];
    for skip in 0..4 {
        let subset: Vec<DecryptionShare> = partial
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, d)| d.clone())
            .collect();
        assert_eq!(
            combine(&tally, &subset, DlogTable::shared()).unwrap(),
            expected
        );
    }
    // Two shares are not enough: interpolating a degree-2 polynomial from
    // two points gives a wrong key, and the counts do not come out.
    let two = vec![partial[0].clone(), partial[2].clone()];
    assert_ne!(
        combine(&tally, &two, &DlogTable::new(10, 1 << 12)).ok(),
        Some(expected)
    );
    // A share for the wrong plaintext is refused.
    let mut bad = partial[1].clone();
    bad.partials[0][0].0 =
        Element::from_point(bad.partials[0][0].0.point() + Element::generator().point());
    let public = e.outcome.public_shares[bad.trustee as usize - 1];
    assert_eq!(
        bad.verify(&e.ctx.base_hash, &tally, &public),
        Err(Error::VerificationFailed(ProofKind::DecryptionShare))
    );
}

#[test]
fn ballots_verify_and_reject_what_they_must() {
    let e = election(3, 2, vec![shape(4, 2), shape(3, 1)]);
    let alice = voter();
    let bob = voter();
    let choice = vec![(0, vec![true, false, false, true])];
    let (ballot, secrets) = Ballot::encrypt(&e.ctx, &alice, &choice, &mut os_rng()).unwrap();
    let contests = [0u32];
    ballot.clone().verify(&e.ctx, &contests).unwrap();
    check_audit(&ballot, &e.ctx, &secrets).unwrap();
    let bytes = ballot.to_bytes();
    assert_eq!(Ballot::decode(&bytes, &e.ctx).unwrap(), ballot);

    // Copied: Bob takes Alice's encrypted contest and signs it as his own.
    let mut copied = ballot.clone();
    copied.credential = bob.public();
    let body_signed = Ballot::encrypt(&e.ctx, &bob, &choice, &mut os_rng())
        .unwrap()
        .0;
    copied.signature = body_signed.signature; // a valid signature by Bob, on other bytes
    assert!(copied.clone().verify(&e.ctx, &contests).is_err());
    // Even a correct signature by Bob over the copied body fails: the
    // contest proofs are bound to Alice's credential.
    let resigned = resign(&e.ctx, &bob, copied);
    assert_eq!(
        resigned.verify(&e.ctx, &contests),
        Err(Error::VerificationFailed(ProofKind::Ballot))
    );

    // For another election (another base hash).
    let other = BallotContext {
        base_hash: [0x66; 32],
        ..e.ctx.clone()
    };
    assert!(ballot.clone().verify(&other, &contests).is_err());

    // Too many selections: the honest prover refuses; a ballot decoded
    // under a stricter shape does not even have the right length.
    assert!(
        Ballot::encrypt(
            &e.ctx,
            &alice,
            &[(0, vec![true, true, true, false])],
            &mut os_rng()
        )
        .is_err()
    );
    let strict = BallotContext {
        shapes: vec![shape(4, 1), shape(3, 1)],
        ..e.ctx.clone()
    };
    assert!(Ballot::decode(&bytes, &strict).is_err());
    assert!(ballot.clone().verify(&strict, &contests).is_err());

    // A tampered proof byte anywhere in the contest.
    for offset in [40usize, 300, 1000, bytes.len() - 70] {
        let mut b = bytes.clone();
        b[offset] ^= 0x02;
        let r = Ballot::decode(&b, &e.ctx).and_then(|b| b.verify(&e.ctx, &contests));
        assert!(r.is_err(), "tampered byte {offset} accepted");
    }
    // The wrong district: a ballot for contest 0 by a voter of contest 1.
    assert!(ballot.clone().verify(&e.ctx, &[1]).is_err());
    // An unlisted credential, through the batch API.
    let verdicts = verify_ballots(vec![ballot.clone()], &e.ctx, |_| None);
    assert!(verdicts[0].is_err());
}

/// Signs `ballot`'s body again with `who`'s credential.
fn resign(ctx: &BallotContext, who: &CredentialSecret, mut ballot: Ballot) -> Ballot {
    use sha2::Digest;
    use valurna_engine::transcript::{election_transcript, labels};
    ballot.credential = who.public();
    let bytes = ballot.to_bytes();
    let body = &bytes[..bytes.len() - 64];
    let mut t = election_transcript(&ctx.base_hash);
    t.append_message(labels::CONTEXT_CREDENTIAL, who.public().as_bytes());
    let digest: [u8; 32] = sha2::Sha256::digest(body).into();
    t.append_message(labels::CONTEXT_BALLOT, &digest);
    ballot.signature = SchnorrProof::prove(&mut t, who.key(), &who.public(), &mut os_rng());
    ballot
}

#[test]
fn a_batch_of_ballots_names_the_bad_one() {
    let e = election(3, 2, vec![shape(3, 2)]);
    let mut ballots: Vec<Ballot> = (0..6)
        .map(|i| {
            Ballot::encrypt(
                &e.ctx,
                &voter(),
                &[(0, vec![i % 2 == 0, true, false])],
                &mut os_rng(),
            )
            .unwrap()
            .0
        })
        .collect();
    ballots[4].contests[0].1.ciphertexts.swap(0, 1);
    let verdicts = verify_ballots(ballots, &e.ctx, |_| Some(vec![0]));
    let bad: Vec<usize> = verdicts
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_err())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(bad, vec![4]);
}

#[test]
fn board_chain_and_revoting() {
    let e = election(2, 1, vec![shape(2, 1)]);
    let alice = voter();
    let bob = voter();
    let mut board = Board::new(&e.ctx.base_hash);
    let mut counted = CountedSet::new();
    let mut head = genesis(&e.ctx.base_hash);
    for (i, who) in [&alice, &bob, &alice].into_iter().enumerate() {
        let (b, _) =
            Ballot::encrypt(&e.ctx, who, &[(0, vec![true, false])], &mut os_rng()).unwrap();
        let v = b.verify(&e.ctx, &[0]).unwrap();
        let r = board.append(&v).unwrap();
        head = next_head(&head, i as u64, v.tracker());
        assert_eq!((r.position, r.head), (i as u64, head));
        counted.note(v.ballot().credential.as_bytes(), r.position);
    }
    assert_eq!(counted.len(), 2);
    assert!(!counted.counts(alice.public().as_bytes(), 0));
    assert!(counted.counts(alice.public().as_bytes(), 2));
    assert!(counted.counts(bob.public().as_bytes(), 1));
    assert_eq!(board.head(), head);
    // The same ballot again is refused: a superseded ballot cannot be replayed.
    let (b, _) = Ballot::encrypt(&e.ctx, &bob, &[(0, vec![false, true])], &mut os_rng()).unwrap();
    let v = b.verify(&e.ctx, &[0]).unwrap();
    let first = board.append(&v).unwrap();
    assert_eq!(
        board.append(&v),
        Err(Error::DuplicateBallot {
            position: first.position
        })
    );
}

#[test]
fn a_missing_confirmation_or_a_self_complaint_stops_the_ceremony() {
    let p = params(3, 2);
    let mut rng = os_rng();
    let (_, t, _) = run_in_process(p, &mut rng).unwrap();
    let mut missing = t.clone();
    missing.confirmations.retain(|c| c.index != 2);
    assert_eq!(faulty_trustees(finish(&p, &missing).unwrap_err()), vec![2]);
    // A share with its own sender as recipient, or a forged ephemeral key.
    let mut extra = t.clone();
    let mut s = extra.shares[0].clone();
    s.to = s.from;
    extra.shares.push(s);
    assert_eq!(
        faulty_trustees(finish(&p, &extra).unwrap_err())[0],
        t.shares[0].from
    );
    let mut forged = t.clone();
    forged.shares[0].ephemeral = forged.shares[1].ephemeral;
    assert!(faulty_trustees(finish(&p, &forged).unwrap_err()).contains(&t.shares[0].from));
    // Messages of another run (another ceremony id) do not verify.
    let rerun = CeremonyParams {
        ceremony_id: [8; 16],
        ..p
    };
    assert!(finish(&rerun, &t).is_err());
}

#[test]
fn a_substituted_announcement_is_noticed_by_its_trustee() {
    let p = params(3, 2);
    let mut rng = os_rng();
    let (dealers, mut announcements) = announce_all(p, &mut rng);
    // Someone replaces trustee 2's announcement with a valid one of their own.
    let (_, impostor) = TrusteeDealer::new(p, 2, &mut rng).unwrap();
    announcements[1] = impostor;
    assert!(dealers[1].deal(&announcements, &mut rng).is_err());
}

/// A tally whose weights reach the discrete-log bound could not be
/// decrypted; it is refused when it is made, with a typed error (an
/// overflowing tally or weight gets a bounded-time error, no hang).
/// A count beyond the bound in a decryption is a bounded error too.
#[test]
fn a_weight_beyond_the_dlog_bound_is_refused() {
    use valurna_engine::elgamal::DLOG_BOUND;
    let e = election(3, 2, vec![shape(2, 1)]);
    let (b, _) =
        Ballot::encrypt(&e.ctx, &voter(), &[(0, vec![true, false])], &mut os_rng()).unwrap();
    let mut ok = TallyAccumulator::new(&e.ctx.shapes);
    ok.add(&b, DLOG_BOUND - 1);
    assert!(ok.finish().is_ok());
    let mut over = TallyAccumulator::new(&e.ctx.shapes);
    over.add(&b, DLOG_BOUND - 1);
    over.add(&b, 1);
    assert_eq!(over.finish(), Err(Error::WeightOverflow));
    // A plaintext at the bound: the search ends with an error.
    let sk = valurna_engine::elgamal::SecretKey::generate(&mut os_rng());
    let (ct, _) = sk.public_key().unwrap().encrypt(DLOG_BOUND, &mut os_rng());
    assert_eq!(
        sk.decrypt(&ct, DlogTable::shared()),
        Err(Error::DlogOutOfRange { bound: DLOG_BOUND })
    );
}

/// Every invalid ristretto255 encoding of RFC 9496 (and the identity), put
/// in every 32-byte slot of a ballot in turn: the ballot is always refused,
/// never panics, and where the slot holds a point the refusal is a decoding
/// error.
#[test]
fn every_invalid_encoding_in_every_slot_of_a_ballot_is_refused() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors/encoding.json"),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let bad: Vec<Vec<u8>> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "point" && c["expect"] == "InvalidPoint")
        .map(|c| hex::decode(c["hex"].as_str().unwrap()).unwrap())
        .collect();
    assert!(bad.len() >= 20);
    let e = election(3, 2, vec![shape(3, 2)]);
    let (ballot, _) = Ballot::encrypt(
        &e.ctx,
        &voter(),
        &[(0, vec![true, false, true])],
        &mut os_rng(),
    )
    .unwrap();
    let bytes = ballot.to_bytes();
    // Each 32-byte slot's type, from the layout (record.md §5.1, protocol.md
    // §9.3, §7.4, §5): the credential (not the identity); the count and the
    // index (8 bytes); per selection a ciphertext `A` (not the identity) and
    // `B`; per zero-one proof 4 commitment points and 3 scalars; the range
    // proof over `w = max − min + 1` values, 2w points and 2w − 1 scalars;
    // the signature's commitment and response.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Slot {
        Point { identity: bool },
        Scalar,
    }
    use Slot::{Point, Scalar};
    let (n, w) = (3, 3);
    let mut layout = vec![(0, Point { identity: false })];
    let mut at = 40;
    let mut put = |slot: Slot, count: usize, layout: &mut Vec<(usize, Slot)>| {
        for _ in 0..count {
            layout.push((at, slot));
            at += 32;
        }
    };
    for _ in 0..n {
        put(Point { identity: false }, 1, &mut layout);
        put(Point { identity: true }, 1, &mut layout);
    }
    for _ in 0..n {
        put(Point { identity: true }, 4, &mut layout);
        put(Scalar, 3, &mut layout);
    }
    put(Point { identity: true }, 2 * w, &mut layout);
    put(Scalar, 2 * w - 1, &mut layout);
    put(Point { identity: true }, 1, &mut layout);
    put(Scalar, 1, &mut layout);
    assert_eq!(at, bytes.len(), "the layout covers the whole ballot");
    let identity = vec![0u8; 32];
    let mut seen = [0usize; 4];
    for &(at, slot) in &layout {
        for b in bad.iter().chain(std::iter::once(&identity)) {
            let mut changed = bytes.clone();
            changed[at..at + 32].copy_from_slice(b);
            let decoded = Ballot::decode(&changed, &e.ctx);
            match (slot, decoded) {
                (Point { .. }, Err(Error::Malformed(DecodeError::InvalidPoint)))
                    if *b != identity =>
                {
                    seen[0] += 1;
                }
                (Point { identity: false }, Err(Error::Malformed(DecodeError::IdentityPoint)))
                    if *b == identity =>
                {
                    seen[1] += 1;
                }
                (Scalar, Err(Error::Malformed(DecodeError::NonCanonicalScalar))) => seen[2] += 1,
                // A valid encoding in its place (the identity where it is
                // allowed, a canonical scalar) decodes, and the proofs fail.
                (Point { identity: true }, Ok(d)) | (Scalar, Ok(d)) => {
                    assert!(
                        matches!(
                            d.verify(&e.ctx, &[0]),
                            Err(Error::VerificationFailed(ProofKind::Ballot))
                        ),
                        "slot {at} ({slot:?})"
                    );
                    assert!(*b == identity || slot == Scalar, "slot {at}");
                    seen[3] += 1;
                }
                (slot, other) => panic!("slot {at} ({slot:?}): {other:?}"),
            }
        }
    }
    // Every kind of slot was reached.
    assert!(seen.iter().all(|&k| k > 0), "{seen:?}");
}

/// Ballot copying (Cortier and Smyth, "Attacking and fixing Helios: an
/// analysis of ballot secrecy", CSF 2011): an attacker who copies a
/// victim's encrypted choices into a ballot of their own, signed with their
/// own valid credential, learns the victim's vote from the tally. Every
/// proof is bound to the credential (protocol.md §3.3), so the copy does not
/// verify, even with a fresh valid signature.
#[test]
fn cortier_smyth_a_copied_ballot_under_another_credential_is_refused() {
    let e = election(3, 2, vec![shape(3, 2)]);
    let (victim, attacker) = (voter(), voter());
    let (ballot, _) = Ballot::encrypt(
        &e.ctx,
        &victim,
        &[(0, vec![true, false, true])],
        &mut os_rng(),
    )
    .unwrap();
    ballot.clone().verify(&e.ctx, &[0]).unwrap();
    // Positive control: re-signing is sound, the victim's own ballot with a
    // fresh signature verifies.
    let own = resign(&e.ctx, &victim, ballot.clone());
    assert_ne!(own.signature, ballot.signature);
    own.verify(&e.ctx, &[0]).unwrap();
    let copied = resign(&e.ctx, &attacker, ballot);
    assert_eq!(copied.credential, attacker.public());
    assert!(matches!(
        copied.verify(&e.ctx, &[0]),
        Err(Error::VerificationFailed(ProofKind::Ballot))
    ));
}
