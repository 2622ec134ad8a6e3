//! Every proof: complete for true statements, and rejected when any input
//! changes — a different ciphertext, key, context or base hash, or any
//! flipped byte of the proof (spec: protocol.md §5–§9).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use valurna_engine::contest::{ContestShape, EncryptedContest};
use valurna_engine::elgamal::{EncodedCiphertext, Nonce, PublicKey, SecretKey};
use valurna_engine::encoding::{Element, IdentityRule};
use valurna_engine::proofs::{
    BatchVerifier, ChaumPedersenProof, DleqStatement, RangeProof, RangeStatement, SchnorrProof,
    ZeroOneProof, add_encoded_zero_one_to_batch, verify_items,
};
use valurna_engine::rng::os_rng;
use valurna_engine::transcript::{election_transcript, labels};
use valurna_engine::{DecodeError, Error, ProofKind, Scalar, Transcript};

const BASE: [u8; 32] = [0x42; 32];

fn ctx(selection: u64) -> Transcript {
    let mut t = election_transcript(&BASE);
    t.append_u64(labels::CONTEXT_CONTEST, 3);
    t.append_u64(labels::CONTEXT_SELECTION, selection);
    t
}

fn keypair() -> (SecretKey, PublicKey) {
    let sk = SecretKey::generate(&mut os_rng());
    let pk = sk.public_key().unwrap();
    (sk, pk)
}

/// Flips bits in every byte of `bytes` and checks `accepts` says no to each.
fn every_flip_rejected(bytes: &[u8], accepts: impl Fn(&[u8]) -> bool) {
    assert!(accepts(bytes), "the unmodified proof must verify");
    for i in 0..bytes.len() {
        for mask in [0x01u8, 0x80] {
            let mut b = bytes.to_vec();
            b[i] ^= mask;
            assert!(!accepts(&b), "flip {mask:#x} at byte {i} accepted");
        }
    }
}

#[test]
fn schnorr_complete_and_bound() {
    let (sk, pk) = keypair();
    let x = *pk.element();
    let p = SchnorrProof::prove(&mut ctx(0), &sk, &x, &mut os_rng());
    p.verify(&mut ctx(0), &x).unwrap();
    // Another context, base hash or public value.
    assert!(p.verify(&mut ctx(1), &x).is_err());
    assert!(p.verify(&mut election_transcript(&[0; 32]), &x).is_err());
    let (_, other) = keypair();
    assert_eq!(
        p.verify(&mut ctx(0), other.element()),
        Err(Error::VerificationFailed(ProofKind::Schnorr))
    );
    assert!(matches!(
        p.verify(&mut ctx(0), &Element::identity()),
        Err(Error::Malformed(_))
    ));
    every_flip_rejected(&p.to_bytes(), |b| {
        SchnorrProof::decode(b).is_ok_and(|p| p.verify(&mut ctx(0), &x).is_ok())
    });
}

#[test]
fn schnorr_with_wrong_secret_fails() {
    let (_, pk) = keypair();
    let (sk2, _) = keypair();
    let p = SchnorrProof::prove(&mut ctx(0), &sk2, pk.element(), &mut os_rng());
    assert!(p.verify(&mut ctx(0), pk.element()).is_err());
}

fn dleq_fixture() -> (SecretKey, DleqStatement) {
    let (sk, pk) = keypair();
    let (ct, _) = pk.encrypt(5, &mut os_rng());
    let st = DleqStatement {
        base1: Element::generator(),
        public1: *pk.element(),
        base2: Element::from_point(ct.a),
        public2: Element::from_point(sk.partial_decrypt(&ct)),
    };
    (sk, st)
}

#[test]
fn chaum_pedersen_complete_and_bound() {
    let (sk, st) = dleq_fixture();
    let p = ChaumPedersenProof::prove(&mut ctx(0), &st, &sk, &mut os_rng());
    p.verify(&mut ctx(0), &st).unwrap();
    assert!(p.verify(&mut ctx(1), &st).is_err());
    let (_, other) = dleq_fixture();
    for changed in [
        DleqStatement {
            base2: other.base2,
            ..st
        },
        DleqStatement {
            public2: other.public2,
            ..st
        },
        DleqStatement {
            public1: other.public1,
            ..st
        },
        DleqStatement {
            base1: other.public1,
            ..st
        },
    ] {
        assert!(p.verify(&mut ctx(0), &changed).is_err());
    }
    every_flip_rejected(&p.to_bytes(), |b| {
        ChaumPedersenProof::decode(b).is_ok_and(|p| p.verify(&mut ctx(0), &st).is_ok())
    });
}

/// A trustee who publishes a decryption share for another plaintext is
/// caught by its Chaum–Pedersen proof (Cramer, Gennaro and Schoenmakers,
/// EUROCRYPT 1997, the threshold decryption this follows).
#[test]
fn chaum_pedersen_for_a_wrong_partial_decryption_fails() {
    let (sk, mut st) = dleq_fixture();
    // Claim s·A + G: a share that would shift the tally by one.
    st.public2 = Element::from_point(st.public2.point() + Element::generator().point());
    let p = ChaumPedersenProof::prove(&mut ctx(0), &st, &sk, &mut os_rng());
    assert!(p.verify(&mut ctx(0), &st).is_err());
}

/// Strong Fiat–Shamir (Bernhard, Pereira and Warinschi, "How not to prove
/// yourself: pitfalls of the Fiat–Shamir heuristic and applications to
/// Helios", ASIACRYPT 2012): the proof must not verify for any other
/// statement. The vectors' `binding` cases do this for every proof type in
/// both implementations.
#[test]
fn zero_one_complete_and_bound() {
    let (_, pk) = keypair();
    let (_, other_pk) = keypair();
    for vote in [false, true] {
        let (ct, nonce) = pk.encrypt(u64::from(vote), &mut os_rng());
        let ct = ct.encode();
        let p = ZeroOneProof::prove(&mut ctx(0), &pk, &ct, vote, &nonce, &mut os_rng()).unwrap();
        p.verify(&mut ctx(0), &pk, &ct).unwrap();
        assert!(p.verify(&mut ctx(1), &pk, &ct).is_err());
        assert!(p.verify(&mut ctx(0), &other_pk, &ct).is_err());
        let (ct2, _) = pk.encrypt(u64::from(vote), &mut os_rng());
        assert!(p.verify(&mut ctx(0), &pk, &ct2.encode()).is_err());
        // Swapping the components, or changing one of them.
        let swapped = EncodedCiphertext { a: ct.b, b: ct.a };
        assert!(p.verify(&mut ctx(0), &pk, &swapped).is_err());
        let other_b = EncodedCiphertext {
            a: ct.a,
            b: ct2.encode().b,
        };
        assert!(p.verify(&mut ctx(0), &pk, &other_b).is_err());
        every_flip_rejected(&p.to_bytes(), |b| {
            ZeroOneProof::decode(b).is_ok_and(|p| p.verify(&mut ctx(0), &pk, &ct).is_ok())
        });
    }
}

#[test]
fn zero_one_cannot_prove_two() {
    let (_, pk) = keypair();
    let (ct, nonce) = pk.encrypt(2, &mut os_rng());
    let ct = ct.encode();
    // The honest prover refuses nothing here (it is told vote = true), but
    // the proof it makes for a ciphertext of 2 cannot verify.
    let p = ZeroOneProof::prove(&mut ctx(0), &pk, &ct, true, &nonce, &mut os_rng()).unwrap();
    assert!(p.verify(&mut ctx(0), &pk, &ct).is_err());
}

#[test]
fn range_complete_and_bound() {
    let (_, pk) = keypair();
    let mut rng = os_rng();
    let votes = [1u64, 0, 1, 1, 0];
    let (cts, nonces): (Vec<_>, Vec<_>) = votes
        .iter()
        .map(|v| {
            let (c, n) = pk.encrypt(*v, &mut rng);
            (c.encode(), n)
        })
        .unzip();
    let r: Scalar = nonces.iter().map(Nonce::as_scalar).sum();
    let st = RangeStatement {
        key: &pk,
        ciphertexts: &cts,
        min: 0,
        max: 3,
    };
    let p = RangeProof::prove(&mut ctx(0), &st, 3, &r, &mut rng).unwrap();
    assert_eq!(p.to_bytes().len(), 480);
    p.verify(&mut ctx(0), &st).unwrap();
    // A different range, ciphertext list, key or context.
    for (min, max) in [(0, 2), (1, 3), (0, 4)] {
        assert!(
            p.verify(&mut ctx(0), &RangeStatement { min, max, ..st })
                .is_err()
        );
    }
    assert!(
        p.verify(
            &mut ctx(0),
            &RangeStatement {
                ciphertexts: &cts[..4],
                ..st
            }
        )
        .is_err()
    );
    let mut reordered = cts.clone();
    reordered.swap(0, 1);
    assert!(
        p.verify(
            &mut ctx(0),
            &RangeStatement {
                ciphertexts: &reordered,
                ..st
            }
        )
        .is_err()
    );
    assert!(p.verify(&mut ctx(1), &st).is_err());
    every_flip_rejected(&p.to_bytes(), |b| {
        RangeProof::decode(b, 0, 3).is_ok_and(|p| p.verify(&mut ctx(0), &st).is_ok())
    });
    // Too many chosen: the prover refuses, and a forced proof fails.
    let over = RangeStatement { max: 2, ..st };
    assert!(RangeProof::prove(&mut ctx(0), &over, 3, &r, &mut rng).is_err());
    let forced = RangeProof::prove(&mut ctx(0), &over, 2, &r, &mut rng).unwrap();
    assert!(forced.verify(&mut ctx(0), &over).is_err());
}

#[test]
fn range_of_width_one_and_bounds() {
    let (_, pk) = keypair();
    let (ct, n) = pk.encrypt(2, &mut os_rng());
    let cts = [ct.encode()];
    let st = RangeStatement {
        key: &pk,
        ciphertexts: &cts,
        min: 2,
        max: 2,
    };
    let p = RangeProof::prove(&mut ctx(0), &st, 2, n.as_scalar(), &mut os_rng()).unwrap();
    p.verify(&mut ctx(0), &st).unwrap();
    assert!(RangeProof::decode(&p.to_bytes(), 2, 2).is_ok());
    // Ranges wider than 256 values, or inverted, are refused.
    assert!(RangeProof::decode(&p.to_bytes(), 0, 256).is_err());
    assert!(RangeProof::decode(&p.to_bytes(), 3, 2).is_err());
    let wide = RangeStatement {
        min: 0,
        max: 300,
        ..st
    };
    assert!(RangeProof::prove(&mut ctx(0), &wide, 2, n.as_scalar(), &mut os_rng()).is_err());
}

fn shape() -> ContestShape {
    ContestShape {
        candidates: 5,
        min: 0,
        max: 3,
    }
}

#[test]
fn contest_round_trip_and_rejections() {
    let (sk, pk) = keypair();
    let choices = [true, false, true, false, false];
    let (c, nonces) =
        EncryptedContest::encrypt(&ctx(0), &pk, &shape(), &choices, &mut os_rng()).unwrap();
    c.verify(&ctx(0), &pk, &shape()).unwrap();
    // Each piece verifies on its own too, with the documented transcripts.
    c.selection_proofs[1]
        .verify(&mut ctx_sel(1), &pk, &c.ciphertexts[1])
        .unwrap();
    // Nonces open the ciphertexts to the choices (an audit).
    for ((ct, n), v) in c.ciphertexts.iter().zip(&nonces).zip(choices) {
        assert_eq!(pk.encrypt_with_nonce(u64::from(v), n).encode(), *ct);
        assert_eq!(
            sk.decrypt(
                &ct.ciphertext(),
                valurna_engine::elgamal::DlogTable::shared()
            )
            .unwrap(),
            u64::from(v)
        );
    }
    let bytes = c.to_bytes();
    assert_eq!(bytes.len(), shape().encoded_len().unwrap());
    assert_eq!(EncryptedContest::decode(&bytes, &shape()).unwrap(), c);
    // Another contest context, or a shape with a different limit.
    assert!(c.verify(&ctx(9), &pk, &shape()).is_err());
    assert!(
        c.verify(&ctx(0), &pk, &ContestShape { max: 2, ..shape() })
            .is_err()
    );
    // Swapping two selections breaks the selection proofs' binding.
    let mut swapped = c.clone();
    swapped.ciphertexts.swap(0, 1);
    swapped.selection_proofs.swap(0, 1);
    assert!(swapped.verify(&ctx(0), &pk, &shape()).is_err());
    // Too many choices are refused by the prover.
    assert!(EncryptedContest::encrypt(&ctx(0), &pk, &shape(), &[true; 5], &mut os_rng()).is_err());
}

fn ctx_sel(i: u64) -> Transcript {
    let mut t = ctx(0);
    t.append_u64(labels::CONTEXT_SELECTION, i);
    t
}

#[test]
fn contest_every_flipped_byte_rejected() {
    let (_, pk) = keypair();
    let small = ContestShape {
        candidates: 2,
        min: 1,
        max: 2,
    };
    let (c, _) =
        EncryptedContest::encrypt(&ctx(0), &pk, &small, &[true, false], &mut os_rng()).unwrap();
    every_flip_rejected(&c.to_bytes(), |b| {
        EncryptedContest::decode(b, &small).is_ok_and(|c| c.verify(&ctx(0), &pk, &small).is_ok())
    });
}

#[test]
fn batch_names_the_bad_items() {
    let (_, pk) = keypair();
    let mut rng = os_rng();
    let mut items: Vec<(Vec<u8>, Vec<u8>)> = (0..40u64)
        .map(|i| {
            let vote = i % 3 == 0;
            let (ct, n) = pk.encrypt(u64::from(vote), &mut rng);
            let ct = ct.encode();
            let p = ZeroOneProof::prove(&mut ctx_sel(i), &pk, &ct, vote, &n, &mut rng).unwrap();
            (ct.to_bytes().to_vec(), p.to_bytes())
        })
        .collect();
    let check = |items: &[(Vec<u8>, Vec<u8>)]| {
        let indexed: Vec<_> = items.iter().enumerate().collect();
        verify_items(
            &indexed,
            ProofKind::ZeroOne,
            |(i, (ct, p)), batch: &mut BatchVerifier| {
                add_encoded_zero_one_to_batch(&mut ctx_sel(*i as u64), &pk, ct, p, batch)
            },
        )
    };
    check(&items).unwrap();
    items[7].1[200] ^= 1; // a response scalar
    items[21].0[40] ^= 4; // B's encoding
    items.swap(30, 31); // proofs under the wrong selection index
    let Err(Error::BatchFailed { failed }) = check(&items) else {
        panic!("the batch must fail")
    };
    let indices: Vec<usize> = failed.iter().map(|(i, _)| *i).collect();
    assert_eq!(indices, vec![7, 21, 30, 31]);
    // The flipped response and the swapped proofs decode and fail to verify.
    assert_eq!(failed[0].1, Error::VerificationFailed(ProofKind::ZeroOne));
    assert_eq!(failed[2].1, Error::VerificationFailed(ProofKind::ZeroOne));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any choice within the limits proves and verifies; the proof decodes
    /// to itself. The limits are drawn, not fixed at "up to everyone".
    #[test]
    fn contest_completeness(
        choices in proptest::collection::vec(any::<bool>(), 1..7),
        min in 0u64..3,
        max in 0u64..7,
    ) {
        let n = choices.len() as u64;
        let chosen = choices.iter().filter(|c| **c).count() as u64;
        let max = max.min(n);
        let shape = ContestShape { candidates: n as usize, min: min.min(max), max };
        let (_, pk) = keypair();
        let r = EncryptedContest::encrypt(&ctx(0), &pk, &shape, &choices, &mut os_rng());
        if !(shape.min..=shape.max).contains(&chosen) {
            prop_assert!(matches!(r, Err(Error::InvalidStatement(_))), "{:?}", r.err());
        } else {
            let (c, _) = r.unwrap();
            prop_assert!(c.verify(&ctx(0), &pk, &shape).is_ok());
            prop_assert_eq!(EncryptedContest::decode(&c.to_bytes(), &shape).unwrap(), c);
        }
    }

    /// Garbage never panics any proof decoder, and every input of another
    /// length than the structure's is refused for its length. The lengths
    /// are drawn around each structure's own (exact, one off, a point off)
    /// as well as anywhere.
    #[test]
    fn decoders_refuse_wrong_lengths_and_never_panic(
        len in prop_oneof![
            prop::sample::select(vec![32usize, 64, 96, 224, 480, shape_len()]),
            (prop::sample::select(vec![32usize, 64, 96, 224, 480, shape_len()]),
                prop::sample::select(vec![-32i64, -1, 1, 32]))
                .prop_map(|(l, d)| (l as i64 + d) as usize),
            0usize..1200,
        ],
        seed in any::<u64>(),
    ) {
        let mut bytes = vec![0u8; len];
        let mut x = seed | 1;
        for b in &mut bytes {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let wrong = |expected: usize| {
            (len != expected).then_some(Error::Malformed(DecodeError::WrongLength {
                expected,
                actual: len,
            }))
        };
        let length_error = |r: Result<(), Error>| match r {
            Err(e @ Error::Malformed(DecodeError::WrongLength { .. })) => Some(e),
            _ => None,
        };
        let cases: [(Option<Error>, Result<(), Error>); 8] = [
            (wrong(64), SchnorrProof::decode(&bytes).map(drop).map_err(Error::from)),
            (wrong(96), ChaumPedersenProof::decode(&bytes).map(drop).map_err(Error::from)),
            (wrong(224), ZeroOneProof::decode(&bytes).map(drop).map_err(Error::from)),
            (wrong(480), RangeProof::decode(&bytes, 0, 3).map(drop).map_err(Error::from)),
            (
                wrong(64),
                EncodedCiphertext::decode(&bytes, IdentityRule::Forbidden)
                    .map(drop)
                    .map_err(Error::from),
            ),
            (wrong(32), PublicKey::decode(&bytes).map(drop)),
            (wrong(32), Nonce::decode(&bytes).map(drop).map_err(Error::from)),
            (wrong(shape_len()), EncryptedContest::decode(&bytes, &shape()).map(drop)),
        ];
        for (n, (expected, got)) in cases.into_iter().enumerate() {
            match expected {
                Some(e) => prop_assert_eq!(got, Err(e), "decoder {}", n),
                // At the exact length, any verdict but a length error.
                None => prop_assert_eq!(length_error(got), None, "decoder {}", n),
            }
        }
    }
}

/// The encoded length of [`shape`]'s contests.
fn shape_len() -> usize {
    shape().encoded_len().unwrap()
}
