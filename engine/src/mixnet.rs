//! Ranked contests through the mix-net (spec: record.md §9).
//!
//! A ranked contest's ballots cannot be added up: the count needs each
//! whole ranking. So after voting closes, each counted ballot's ranking is
//! turned into one item of `p` ciphertexts (the candidate ranked first,
//! second, …), a chain of mix servers shuffles the items
//! ([`crate::shuffle`]), and `t` trustees decrypt the last output with
//! proofs. Nobody learns which ranking came from which ballot unless every
//! mix server colludes.
//!
//! - [`mix_input`]: the items, computed by anyone from the board: entry
//!   `q` of a ballot is a one-hot encryption over the `m` candidates, and
//!   `Σ_k (k+1)·e_{q,k}` encrypts the 1-based candidate (or 0). The weighted
//!   sum is computed with suffix sums, `Σ_j S_j` with `S_j = Σ_{k≥j} e_{q,k}`:
//!   `2m` additions instead of `m` scalar multiplications.
//! - [`mix_step`] and [`verify_mix_step`]: one mix server's shuffle and its
//!   check, with the transcript of record.md §9.3.
//! - [`MixDecryption`]: a trustee's partial decryption of every output
//!   ciphertext with a Chaum–Pedersen proof each (record.md §9.4).
//! - [`combine_mix`] and [`rankings`]: the plaintexts, and each item's
//!   ranking for `crate::count` (record.md §9.5).

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use merlin::Transcript;
use rand_core::CryptoRng;
use rayon::prelude::*;

use crate::ballot::Ballot;
use crate::elgamal::{EncodedCiphertext, PublicKey, lagrange_at_zero};
use crate::encoding::{Element, IdentityRule, POINT_LEN};
use crate::errors::{DecodeError, Error, ProofKind, Result};
use crate::proofs::{BatchVerifier, CHAUM_PEDERSEN_PROOF_LEN, ChaumPedersenProof};
use crate::rng::os_rng;
use crate::shuffle::{ShuffleProof, ShuffleSecrets, ShuffleStatement, shuffle};
use crate::tally::partial_statement;
use crate::threshold::TrusteeShare;
use crate::transcript::{election_transcript, labels};

/// Bytes of one partial decryption in a mix decryption file: `enc(D) ‖
/// proof`.
pub const MIX_PARTIAL_LEN: usize = POINT_LEN + CHAUM_PEDERSEN_PROOF_LEN;

/// Partial decryptions verified per batch (and per parallel task).
const BATCH: usize = 2048;

/// The mix-input item of `ballot` for ranked contest `contest`: one
/// ciphertext per preference, `None` if the ballot does not vote in it
/// (record.md §9.3).
pub fn mix_input_item(ballot: &Ballot, contest: u32) -> Option<Vec<EncodedCiphertext>> {
    let item: Vec<EncodedCiphertext> = ballot
        .contests
        .iter()
        .filter(|(i, _)| *i == contest)
        .map(|(_, entry)| {
            let (mut suffix_a, mut suffix_b) =
                (RistrettoPoint::identity(), RistrettoPoint::identity());
            let (mut sum_a, mut sum_b) = (RistrettoPoint::identity(), RistrettoPoint::identity());
            for ct in entry.ciphertexts.iter().rev() {
                suffix_a += ct.a.point();
                suffix_b += ct.b.point();
                sum_a += suffix_a;
                sum_b += suffix_b;
            }
            EncodedCiphertext {
                a: Element::from_point(sum_a),
                b: Element::from_point(sum_b),
            }
        })
        .collect();
    (!item.is_empty()).then_some(item)
}

/// The mix input of `contest` from the counted ballots in board order
/// (record.md §9.3), flat, `p` ciphertexts per item.
pub fn mix_input(counted: &[&Ballot], contest: u32) -> Vec<EncodedCiphertext> {
    counted
        .par_iter()
        .filter_map(|b| mix_input_item(b, contest))
        .flatten_iter()
        .collect()
}

/// The transcript of mix step `step` of `contest` (record.md §9.3).
pub fn mix_transcript(base_hash: &[u8; 32], contest: u32, step: u32) -> Transcript {
    let mut t = election_transcript(base_hash);
    t.append_u64(labels::CONTEXT_CONTEST, u64::from(contest));
    t.append_u64(labels::CONTEXT_MIX, u64::from(step));
    t
}

/// One mix server's step: shuffles `input` (items of `width`) and proves it.
pub fn mix_step<R: CryptoRng + ?Sized>(
    base_hash: &[u8; 32],
    key: &PublicKey,
    contest: u32,
    step: u32,
    width: usize,
    input: &[EncodedCiphertext],
    rng: &mut R,
) -> Result<(Vec<EncodedCiphertext>, ShuffleProof, ShuffleSecrets)> {
    shuffle(
        &mut mix_transcript(base_hash, contest, step),
        base_hash,
        key,
        width,
        input,
        rng,
    )
}

/// Checks one mix step of `contest`.
pub fn verify_mix_step(
    base_hash: &[u8; 32],
    contest: u32,
    step: u32,
    statement: &ShuffleStatement<'_>,
    proof: &ShuffleProof,
) -> Result<()> {
    proof.verify(
        &mut mix_transcript(base_hash, contest, step),
        base_hash,
        statement,
    )
}

/// The transcript of trustee `trustee`'s proof for ciphertext `position`
/// of the last output (step `last`) of `contest` (record.md §9.4).
pub fn mix_decryption_transcript(
    base_hash: &[u8; 32],
    trustee: u32,
    contest: u32,
    last: u32,
    position: u64,
) -> Transcript {
    let mut t = election_transcript(base_hash);
    t.append_u64(labels::CONTEXT_TRUSTEE, u64::from(trustee));
    t.append_u64(labels::CONTEXT_CONTEST, u64::from(contest));
    t.append_u64(labels::CONTEXT_MIX, u64::from(last));
    t.append_u64(labels::CONTEXT_SELECTION, position);
    t
}

/// A trustee's partial decryption of a mix's last output (record.md §9.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixDecryption {
    /// The trustee.
    pub trustee: u32,
    /// Per output ciphertext, `(D, proof)`.
    pub partials: Vec<(Element, ChaumPedersenProof)>,
}

impl MixDecryption {
    /// Trustee `share` decrypts every ciphertext of `output` partially.
    pub fn create(
        base_hash: &[u8; 32],
        contest: u32,
        last: u32,
        output: &[EncodedCiphertext],
        share: &TrusteeShare,
        public_share: &Element,
    ) -> Self {
        let partials = output
            .par_iter()
            .enumerate()
            .map_init(os_rng, |rng, (x, ct)| {
                let d = Element::from_point(share.share.partial_decrypt(&ct.ciphertext()));
                let statement = partial_statement(public_share, ct, d);
                let mut t =
                    mix_decryption_transcript(base_hash, share.index, contest, last, x as u64);
                (
                    d,
                    ChaumPedersenProof::prove(&mut t, &statement, &share.share, rng),
                )
            })
            .collect();
        MixDecryption {
            trustee: share.index,
            partials,
        }
    }

    /// Checks every proof against the trustee's public share, in parallel
    /// batches.
    pub fn verify(
        &self,
        base_hash: &[u8; 32],
        contest: u32,
        last: u32,
        output: &[EncodedCiphertext],
        public_share: &Element,
    ) -> Result<()> {
        if self.partials.len() != output.len() {
            return Err(DecodeError::OutOfRange {
                field: "mix decryption length",
            }
            .into());
        }
        let ok = self
            .partials
            .par_chunks(BATCH)
            .zip(output.par_chunks(BATCH))
            .enumerate()
            .all(|(chunk, (partials, cts))| {
                let mut batch = BatchVerifier::new();
                for (k, ((d, proof), ct)) in partials.iter().zip(cts).enumerate() {
                    let x = (chunk * BATCH + k) as u64;
                    let statement = partial_statement(public_share, ct, *d);
                    let mut t =
                        mix_decryption_transcript(base_hash, self.trustee, contest, last, x);
                    proof.add_to_batch(&mut t, &statement, &mut batch);
                }
                batch.verify()
            });
        if ok {
            Ok(())
        } else {
            Err(Error::VerificationFailed(ProofKind::DecryptionShare))
        }
    }

    /// The file's bytes (record.md §9.4).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.partials.len() * MIX_PARTIAL_LEN);
        for (d, proof) in &self.partials {
            out.extend_from_slice(d.as_bytes());
            out.extend_from_slice(&proof.to_bytes());
        }
        out
    }

    /// Decodes trustee `trustee`'s file for `count` ciphertexts, strictly.
    pub fn decode(bytes: &[u8], trustee: u32, count: usize) -> Result<Self, DecodeError> {
        if bytes.len() != count * MIX_PARTIAL_LEN {
            return Err(DecodeError::WrongLength {
                expected: count * MIX_PARTIAL_LEN,
                actual: bytes.len(),
            });
        }
        let partials = bytes
            .par_chunks(MIX_PARTIAL_LEN)
            .map(|c| {
                let (d, proof) = c.split_at(POINT_LEN);
                Ok((
                    Element::decode(d, IdentityRule::Allowed)?,
                    ChaumPedersenProof::decode(proof)?,
                ))
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(MixDecryption { trustee, partials })
    }
}

/// Combines `t` verified partial decryptions (distinct trustees) into the
/// plaintext of every output ciphertext, each in `0..=candidates`
/// (record.md §9.4).
pub fn combine_mix(
    output: &[EncodedCiphertext],
    shares: &[MixDecryption],
    candidates: u32,
) -> Result<Vec<u32>> {
    let indices: Vec<u32> = shares.iter().map(|s| s.trustee).collect();
    let lambdas: Vec<Scalar> = indices
        .iter()
        .map(|&i| lagrange_at_zero(i, &indices))
        .collect::<Option<Vec<_>>>()
        .ok_or(Error::InvalidStatement(
            "trustee indices must be distinct and non-zero",
        ))?;
    if shares.iter().any(|s| s.partials.len() != output.len()) {
        return Err(Error::InvalidStatement(
            "a mix decryption of another length",
        ));
    }
    // v·G for v = 0…candidates, compressed: the plaintexts are small.
    let table: Vec<[u8; 32]> = (0..=u64::from(candidates))
        .map(|v| {
            (curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT * Scalar::from(v))
                .compress()
                .to_bytes()
        })
        .collect();
    output
        .par_iter()
        .enumerate()
        .map(|(x, ct)| {
            let ds: Vec<RistrettoPoint> = shares
                .iter()
                .filter_map(|s| s.partials.get(x).map(|(d, _)| *d.point()))
                .collect();
            let m = ct.b.point()
                - <RistrettoPoint as curve25519_dalek::traits::MultiscalarMul>::multiscalar_mul(
                    &lambdas, &ds,
                );
            let m = m.compress().to_bytes();
            table
                .iter()
                .position(|t| *t == m)
                .map(|v| v as u32)
                .ok_or(Error::DlogOutOfRange {
                    bound: u64::from(candidates) + 1,
                })
        })
        .collect()
}

/// Each item's ranking (0-based candidates, in preference order) from its
/// `width` plaintexts: the non-zero values, less one (record.md §9.5).
pub fn rankings(values: &[u32], width: usize) -> Vec<Vec<u32>> {
    values
        .chunks(width.max(1))
        .map(|item| item.iter().filter(|&&v| v != 0).map(|&v| v - 1).collect())
        .collect()
}
