//! Schnorr proof of knowledge of a discrete logarithm (spec: protocol.md §5).
//!
//! Statement: `X = x·G`. The prover draws `k`, commits `R = k·G`, gets the
//! challenge `c` from the transcript (domain, `X`, `R`), and answers
//! `s = k + c·x`. The verifier checks `s·G = R + c·X`.
//!
//! Carrying the commitment `R` (rather than the challenge) in the proof is
//! what allows batch verification: the check is linear in the points. When
//! the caller appends a message to the transcript first, the proof is a
//! Schnorr signature on that message by `X`'s owner.

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::batch::BatchVerifier;
use crate::elgamal::{SecretKey, mul_g};
use crate::encoding::{Element, IdentityRule, POINT_LEN, Reader, SCALAR_LEN};
use crate::errors::{DecodeError, Error, ProofKind, Result};
use crate::transcript::{TranscriptProtocol, labels};

/// Bytes in an encoded Schnorr proof: `R ‖ s`.
pub const SCHNORR_PROOF_LEN: usize = POINT_LEN + SCALAR_LEN;

/// A Schnorr proof of knowledge `(R, s)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchnorrProof {
    commitment: Element,
    response: Scalar,
}

fn append_statement(t: &mut Transcript, public: &Element) {
    t.proof_domain(labels::DOMAIN_SCHNORR);
    t.append_element(labels::PUBLIC, public);
}

impl SchnorrProof {
    /// Proves knowledge of `secret` for `public = secret·G`.
    pub fn prove<R: CryptoRng + ?Sized>(
        transcript: &mut Transcript,
        secret: &SecretKey,
        public: &Element,
        rng: &mut R,
    ) -> Self {
        append_statement(transcript, public);
        let k = Zeroizing::new(transcript.hedged_nonce(secret.as_scalar(), rng));
        let commitment = Element::from_point(mul_g(&k));
        transcript.append_element(labels::COMMIT_A, &commitment);
        let c = transcript.challenge_scalar(labels::CHALLENGE);
        SchnorrProof {
            commitment,
            response: *k + c * secret.as_scalar(),
        }
    }

    /// Adds this proof's equation `z·(s·G − R − c·X) = 0` to a batch.
    /// `X` is a public key: the identity is refused (spec §2.3).
    pub fn add_to_batch(
        &self,
        transcript: &mut Transcript,
        public: &Element,
        batch: &mut BatchVerifier,
    ) -> Result<()> {
        if public.is_identity() {
            return Err(DecodeError::IdentityPoint.into());
        }
        append_statement(transcript, public);
        transcript.append_element(labels::COMMIT_A, &self.commitment);
        let c = transcript.challenge_scalar(labels::CHALLENGE);
        let z = batch.weight();
        batch.add_generator(z * self.response);
        batch.add(-z, *self.commitment.point());
        batch.add(-(z * c), *public.point());
        Ok(())
    }

    /// Verifies the proof on its own.
    pub fn verify(&self, transcript: &mut Transcript, public: &Element) -> Result<()> {
        let mut batch = BatchVerifier::new();
        self.add_to_batch(transcript, public, &mut batch)?;
        if batch.verify() {
            Ok(())
        } else {
            Err(Error::VerificationFailed(ProofKind::Schnorr))
        }
    }

    /// `R ‖ s`.
    pub fn to_bytes(&self) -> [u8; SCHNORR_PROOF_LEN] {
        let mut out = [0u8; SCHNORR_PROOF_LEN];
        let (r, s) = out.split_at_mut(POINT_LEN);
        r.copy_from_slice(self.commitment.as_bytes());
        s.copy_from_slice(self.response.as_bytes());
        out
    }

    /// Strictly decodes `R ‖ s` (spec §5.3).
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::exact(bytes, SCHNORR_PROOF_LEN)?;
        let commitment = r.element(IdentityRule::Allowed, SCHNORR_PROOF_LEN)?;
        let response = r.scalar(SCHNORR_PROOF_LEN)?;
        r.finish(SCHNORR_PROOF_LEN)?;
        Ok(SchnorrProof {
            commitment,
            response,
        })
    }
}
