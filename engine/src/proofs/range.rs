//! Range proof: the sum of one or more ciphertexts encrypts an integer in
//! `[min, max]` (spec: protocol.md §8).
//!
//! A contest that allows "at most 3" (or "between 1 and 3") selections
//! proves it with one range proof over the sum of its selection
//! ciphertexts. The construction is the disjunctive proof of
//! [`super::disjunctive`] over the `w = max − min + 1` values, with domain
//! `range-v1`; the statement lists the summands themselves, not their sum,
//! so a verifier never compresses a computed point. Proof size and work are
//! linear in `w`, which the spec caps at 256: ballots need ranges no wider
//! than a contest's number of candidates plus one.

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::CryptoRng;

use super::batch::BatchVerifier;
use super::disjunctive::{Branches, CiphertextCoefficients, Statement, prove};
use crate::elgamal::{EncodedCiphertext, PublicKey};
use crate::errors::{DecodeError, ProofKind, Result};
use crate::transcript::labels;

pub use super::disjunctive::{MAX_RANGE_WIDTH, disjunctive_proof_len as range_proof_len};

/// A proof that `Σ ciphertexts` encrypts a value in `[min, max]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeProof(pub(crate) Branches);

/// The range and the key a range proof is about.
#[derive(Clone, Copy, Debug)]
pub struct RangeStatement<'a> {
    /// The election key.
    pub key: &'a PublicKey,
    /// The summands.
    pub ciphertexts: &'a [EncodedCiphertext],
    /// Smallest allowed value.
    pub min: u64,
    /// Largest allowed value.
    pub max: u64,
}

impl<'a> RangeStatement<'a> {
    pub(crate) fn inner(&self) -> Statement<'a> {
        Statement {
            domain: labels::DOMAIN_RANGE,
            kind: ProofKind::Range,
            key: self.key,
            ciphertexts: self.ciphertexts,
            min: self.min,
            max: self.max,
        }
    }
}

impl RangeProof {
    /// Proves that the sum of the statement's ciphertexts, whose nonces sum
    /// to `nonce_sum`, encrypts `value`.
    pub fn prove<R: CryptoRng + ?Sized>(
        transcript: &mut Transcript,
        statement: &RangeStatement<'_>,
        value: u64,
        nonce_sum: &Scalar,
        rng: &mut R,
    ) -> Result<Self> {
        prove(transcript, &statement.inner(), value, nonce_sum, rng).map(RangeProof)
    }

    /// Adds the proof's equations, ciphertext terms included, to a batch.
    pub fn add_to_batch(
        &self,
        transcript: &mut Transcript,
        statement: &RangeStatement<'_>,
        batch: &mut BatchVerifier,
    ) -> Result<()> {
        self.0
            .add_to_batch_with_ciphertexts(transcript, &statement.inner(), batch)
    }

    /// Adds the equations except the ciphertext terms, returning their
    /// coefficients (for callers that merge terms, such as a contest).
    pub(crate) fn add_to_batch_deferred(
        &self,
        transcript: &mut Transcript,
        statement: &RangeStatement<'_>,
        batch: &mut BatchVerifier,
    ) -> Result<CiphertextCoefficients> {
        self.0.add_to_batch(transcript, &statement.inner(), batch)
    }

    /// Verifies on its own.
    pub fn verify(
        &self,
        transcript: &mut Transcript,
        statement: &RangeStatement<'_>,
    ) -> Result<()> {
        self.0.verify(transcript, &statement.inner())
    }

    /// The encoding: commitments, challenges, responses (spec §7.4).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes()
    }

    /// Strictly decodes a proof for `[min, max]`.
    pub fn decode(bytes: &[u8], min: u64, max: u64) -> Result<Self, DecodeError> {
        if min > max || max - min >= MAX_RANGE_WIDTH {
            return Err(DecodeError::OutOfRange { field: "range" });
        }
        Branches::decode(bytes, (max - min + 1) as usize).map(RangeProof)
    }
}
