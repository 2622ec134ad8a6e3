//! Shared fixtures for Valurna's benchmarks: deterministic keys and proofs
//! so that every run measures the same work.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use valurna_engine::Transcript;
use valurna_engine::elgamal::{PublicKey, SecretKey};
use valurna_engine::proofs::ZeroOneProof;
use valurna_engine::transcript::{election_transcript, labels};

/// The base hash the benchmarks bind their proofs to.
pub const BASE_HASH: [u8; 32] = [0x5a; 32];

/// A seeded generator (benchmarks need repeatable inputs, not secrecy).
pub fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

/// A fixed election key pair.
pub fn keypair() -> (SecretKey, PublicKey) {
    let sk = SecretKey::generate(&mut rng(1));
    let pk = sk
        .public_key()
        .unwrap_or_else(|_| unreachable!("a random key is not zero"));
    (sk, pk)
}

/// The transcript of a ballot's contest: election, credential, contest.
pub fn contest_transcript() -> Transcript {
    let mut t = election_transcript(&BASE_HASH);
    t.append_message(labels::CONTEXT_CREDENTIAL, &[7u8; 32]);
    t.append_u64(labels::CONTEXT_CONTEST, 0);
    t
}

/// The transcript of selection `i` of that contest.
pub fn selection_transcript(i: u64) -> Transcript {
    let mut t = contest_transcript();
    t.append_u64(labels::CONTEXT_SELECTION, i);
    t
}

/// `n` encoded (ciphertext, zero-one proof) pairs, selection `i` bound to
/// index `i`.
pub fn encoded_zero_one_proofs(pk: &PublicKey, n: usize) -> Vec<([u8; 64], Vec<u8>)> {
    let mut r = rng(2);
    (0..n)
        .map(|i| {
            let vote = i % 3 == 0;
            let (ct, nonce) = pk.encrypt(u64::from(vote), &mut r);
            let ct = ct.encode();
            let proof = ZeroOneProof::prove(
                &mut selection_transcript(i as u64),
                pk,
                &ct,
                vote,
                &nonce,
                &mut r,
            )
            .unwrap_or_else(|_| unreachable!("an honest statement proves"));
            (ct.to_bytes(), proof.to_bytes())
        })
        .collect()
}
