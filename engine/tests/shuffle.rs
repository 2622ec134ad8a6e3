//! The proof of a shuffle (spec: protocol.md §13): completeness, and
//! rejection of a shuffle that drops, duplicates or alters a ciphertext, of
//! every changed part of the statement and of the proof, and of malformed
//! encodings.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use valurna_engine::elgamal::{EncodedCiphertext, PublicKey, SecretKey};
use valurna_engine::encoding::Element;
use valurna_engine::shuffle::{ShuffleProof, ShuffleStatement, shuffle, shuffle_proof_len};
use valurna_engine::transcript::{TranscriptProtocol, election_transcript, labels};
use valurna_engine::{DecodeError, Error, ProofKind};

const BASE: [u8; 32] = [7; 32];

fn transcript_for(base: &[u8; 32], step: u64) -> Transcript {
    let mut t = election_transcript(base);
    t.append_count(labels::CONTEXT_CONTEST, 0);
    t.append_count(labels::CONTEXT_MIX, step);
    t
}

struct Mixed {
    pk: PublicKey,
    input: Vec<EncodedCiphertext>,
    output: Vec<EncodedCiphertext>,
    proof: ShuffleProof,
    n: usize,
    w: usize,
}

fn mixed(n: usize, w: usize) -> Mixed {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let pk = SecretKey::generate(&mut rng).public_key().unwrap();
    let input: Vec<EncodedCiphertext> = (0..n * w)
        .map(|m| pk.encrypt(m as u64 % 5, &mut rng).0.encode())
        .collect();
    let (output, proof, _) = shuffle(
        &mut transcript_for(&BASE, 1),
        &BASE,
        &pk,
        w,
        &input,
        &mut rng,
    )
    .unwrap();
    Mixed {
        pk,
        input,
        output,
        proof,
        n,
        w,
    }
}

fn check(
    m: &Mixed,
    input: &[EncodedCiphertext],
    output: &[EncodedCiphertext],
) -> Result<(), Error> {
    check_with(m, &m.pk, &BASE, 1, input, output, &m.proof)
}

fn check_with(
    m: &Mixed,
    pk: &PublicKey,
    base: &[u8; 32],
    step: u64,
    input: &[EncodedCiphertext],
    output: &[EncodedCiphertext],
    proof: &ShuffleProof,
) -> Result<(), Error> {
    let st = ShuffleStatement {
        key: pk,
        width: m.w,
        input,
        output,
    };
    proof.verify(&mut transcript_for(base, step), base, &st)
}

fn fails(r: Result<(), Error>) {
    assert_eq!(r, Err(Error::VerificationFailed(ProofKind::Shuffle)));
}

fn reencrypt(pk: &PublicKey, c: &EncodedCiphertext) -> EncodedCiphertext {
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let zero = pk.encrypt(0, &mut rng).0;
    (c.ciphertext() + zero).encode()
}

#[test]
fn honest_shuffles_verify() {
    for (n, w) in [(1, 1), (3, 1), (16, 4), (100, 1)] {
        let m = mixed(n, w);
        check(&m, &m.input, &m.output).unwrap();
    }
}

#[test]
fn a_dropped_and_duplicated_item_is_rejected() {
    let m = mixed(10, 2);
    let mut output = m.output.clone();
    // Item 3 is dropped; item 5 appears twice (re-encrypted again).
    output[6] = reencrypt(&m.pk, &output[10]);
    output[7] = reencrypt(&m.pk, &output[11]);
    fails(check(&m, &m.input, &output));
    // Dropped outright: the statement's shape no longer fits the proof.
    assert!(check(&m, &m.input, &m.output[..18]).is_err());
}

#[test]
fn an_altered_ciphertext_is_rejected() {
    let m = mixed(10, 2);
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    for at in [0, 7, 19] {
        let mut output = m.output.clone();
        output[at] = (output[at].ciphertext() + m.pk.encrypt(1, &mut rng).0).encode();
        fails(check(&m, &m.input, &output));
    }
    // Swapping two outputs is another permutation than the one committed.
    let mut output = m.output.clone();
    output.swap(0, 2);
    output.swap(1, 3);
    fails(check(&m, &m.input, &output));
}

#[test]
fn every_part_of_the_statement_is_bound() {
    let m = mixed(8, 1);
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let other_key = SecretKey::generate(&mut rng).public_key().unwrap();
    fails(check_with(
        &m, &m.pk, &[8; 32], 1, &m.input, &m.output, &m.proof,
    ));
    fails(check_with(
        &m, &m.pk, &BASE, 2, &m.input, &m.output, &m.proof,
    ));
    fails(check_with(
        &m, &other_key, &BASE, 1, &m.input, &m.output, &m.proof,
    ));
    for i in 0..m.n {
        let mut input = m.input.clone();
        input[i] = reencrypt(&m.pk, &input[i]);
        fails(check(&m, &input, &m.output));
        let mut output = m.output.clone();
        output[i] = reencrypt(&m.pk, &output[i]);
        fails(check(&m, &m.input, &output));
    }
    // A ciphertext component alone.
    let mut input = m.input.clone();
    input[0].b = m.input[1].b;
    fails(check(&m, &input, &m.output));
    let mut output = m.output.clone();
    output[0].a = m.output[1].a;
    fails(check(&m, &m.input, &output));
}

#[test]
fn every_element_and_scalar_of_the_proof_matters() {
    let m = mixed(5, 2);
    let bytes = m.proof.to_bytes();
    assert_eq!(bytes.len(), shuffle_proof_len(m.n, m.w));
    let elements = 3 * m.n + 3 + 2 * m.w;
    // Replace each element by another valid element, each scalar by +1.
    for e in 0..elements {
        let mut b = bytes.clone();
        let other = if b[e * 32..e * 32 + 32] == *Element::generator().as_bytes() {
            Element::identity()
        } else {
            Element::generator()
        };
        b[e * 32..e * 32 + 32].copy_from_slice(other.as_bytes());
        let p = ShuffleProof::decode(&b, m.n, m.w).unwrap();
        fails(check_with(&m, &m.pk, &BASE, 1, &m.input, &m.output, &p));
    }
    for s in 0..(2 * m.n + 3 + m.w) {
        let at = elements * 32 + s * 32;
        let mut b = bytes.clone();
        let x = Scalar::from_canonical_bytes(b[at..at + 32].try_into().unwrap()).unwrap();
        b[at..at + 32].copy_from_slice((x + Scalar::ONE).as_bytes());
        let p = ShuffleProof::decode(&b, m.n, m.w).unwrap();
        fails(check_with(&m, &m.pk, &BASE, 1, &m.input, &m.output, &p));
    }
}

#[test]
fn malformed_proofs_and_identity_ciphertexts_are_refused() {
    let m = mixed(4, 1);
    let bytes = m.proof.to_bytes();
    assert!(matches!(
        ShuffleProof::decode(&bytes[1..], 4, 1),
        Err(DecodeError::WrongLength { .. })
    ));
    assert!(ShuffleProof::decode(&bytes, 3, 1).is_err());
    assert!(ShuffleProof::decode(&bytes, 0, 1).is_err());
    // A scalar ≥ ℓ.
    let mut b = bytes.clone();
    let last = b.len() - 32;
    b[last + 31] |= 0xf0;
    assert_eq!(
        ShuffleProof::decode(&b, 4, 1),
        Err(DecodeError::NonCanonicalScalar)
    );
    // A non-canonical element.
    let mut b = bytes.clone();
    b[31] |= 0x80;
    assert_eq!(
        ShuffleProof::decode(&b, 4, 1),
        Err(DecodeError::InvalidPoint)
    );
    // The identity as an output's A: allowed to decode (§13.5), and the
    // proof fails.
    let mut output = m.output.clone();
    output[2].a = Element::identity();
    fails(check(&m, &m.input, &output));
}

#[test]
fn an_input_whose_a_is_the_identity_is_mixed() {
    // A voter can make a mix-input item's A the identity with a valid
    // ballot (record.md §9.3); one such ballot must not stop the count
    // (protocol.md §13.5).
    let mut rng = ChaCha20Rng::from_seed([8; 32]);
    let pk = SecretKey::generate(&mut rng).public_key().unwrap();
    let mut input: Vec<EncodedCiphertext> =
        (0..6).map(|m| pk.encrypt(m, &mut rng).0.encode()).collect();
    input[3] = EncodedCiphertext {
        a: Element::identity(),
        b: Element::generator(),
    };
    let (output, proof, _) = shuffle(
        &mut transcript_for(&BASE, 1),
        &BASE,
        &pk,
        2,
        &input,
        &mut rng,
    )
    .unwrap();
    assert!(output.iter().all(|c| !c.a.is_identity()));
    let st = ShuffleStatement {
        key: &pk,
        width: 2,
        input: &input,
        output: &output,
    };
    proof
        .verify(&mut transcript_for(&BASE, 1), &BASE, &st)
        .unwrap();
}
