//! Chaum–Pedersen proof of equality of discrete logarithms
//! (spec: protocol.md §6).
//!
//! Statement: `X₁ = x·B₁` and `X₂ = x·B₂` for the same secret `x`. The
//! prover draws `k`, commits `R₁ = k·B₁`, `R₂ = k·B₂`, gets `c` from the
//! transcript (domain, `B₁, X₁, B₂, X₂`, `R₁, R₂`) and answers `s = k + c·x`.
//! The verifier checks `s·B₁ = R₁ + c·X₁` and `s·B₂ = R₂ + c·X₂`.
//!
//! A trustee proves a partial decryption with it: `B₁ = G`, `X₁` its public
//! share, `B₂ = A` the ciphertext's first component and `X₂ = s_i·A`. In a
//! batch, the first pair `(B₁, X₁)` is treated as shared across proofs.

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::batch::BatchVerifier;
use crate::elgamal::SecretKey;
use crate::encoding::{Element, IdentityRule, POINT_LEN, Reader, SCALAR_LEN};
use crate::errors::{DecodeError, Error, ProofKind, Result};
use crate::transcript::{TranscriptProtocol, labels};

/// Bytes in an encoded Chaum–Pedersen proof: `R₁ ‖ R₂ ‖ s`.
pub const CHAUM_PEDERSEN_PROOF_LEN: usize = 2 * POINT_LEN + SCALAR_LEN;

/// The statement `log_{B₁} X₁ = log_{B₂} X₂`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DleqStatement {
    /// `B₁`.
    pub base1: Element,
    /// `X₁ = x·B₁`.
    pub public1: Element,
    /// `B₂`.
    pub base2: Element,
    /// `X₂ = x·B₂`.
    pub public2: Element,
}

impl DleqStatement {
    fn append(&self, t: &mut Transcript) {
        t.proof_domain(labels::DOMAIN_CHAUM_PEDERSEN);
        t.append_element(labels::BASE, &self.base1);
        t.append_element(labels::PUBLIC, &self.public1);
        t.append_element(labels::BASE, &self.base2);
        t.append_element(labels::PUBLIC, &self.public2);
    }
}

/// A Chaum–Pedersen proof `(R₁, R₂, s)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChaumPedersenProof {
    commitment1: Element,
    commitment2: Element,
    response: Scalar,
}

impl ChaumPedersenProof {
    /// Proves the statement with the witness `secret`.
    pub fn prove<R: CryptoRng + ?Sized>(
        transcript: &mut Transcript,
        statement: &DleqStatement,
        secret: &SecretKey,
        rng: &mut R,
    ) -> Self {
        statement.append(transcript);
        let k = Zeroizing::new(transcript.hedged_nonce(secret.as_scalar(), rng));
        let commitment1 = Element::from_point(statement.base1.point() * *k);
        let commitment2 = Element::from_point(statement.base2.point() * *k);
        transcript.append_element(labels::COMMIT_A, &commitment1);
        transcript.append_element(labels::COMMIT_B, &commitment2);
        let c = transcript.challenge_scalar(labels::CHALLENGE);
        ChaumPedersenProof {
            commitment1,
            commitment2,
            response: *k + c * secret.as_scalar(),
        }
    }

    /// Adds the two weighted equations to a batch.
    pub fn add_to_batch(
        &self,
        transcript: &mut Transcript,
        statement: &DleqStatement,
        batch: &mut BatchVerifier,
    ) {
        statement.append(transcript);
        transcript.append_element(labels::COMMIT_A, &self.commitment1);
        transcript.append_element(labels::COMMIT_B, &self.commitment2);
        let c = transcript.challenge_scalar(labels::CHALLENGE);
        let (z1, z2) = (batch.weight(), batch.weight());
        batch.add_shared(&statement.base1, z1 * self.response);
        batch.add_shared(&statement.public1, -(z1 * c));
        batch.add(-z1, *self.commitment1.point());
        batch.add(z2 * self.response, *statement.base2.point());
        batch.add(-(z2 * c), *statement.public2.point());
        batch.add(-z2, *self.commitment2.point());
    }

    /// Verifies the proof on its own.
    pub fn verify(&self, transcript: &mut Transcript, statement: &DleqStatement) -> Result<()> {
        let mut batch = BatchVerifier::new();
        self.add_to_batch(transcript, statement, &mut batch);
        if batch.verify() {
            Ok(())
        } else {
            Err(Error::VerificationFailed(ProofKind::ChaumPedersen))
        }
    }

    /// `R₁ ‖ R₂ ‖ s`.
    pub fn to_bytes(&self) -> [u8; CHAUM_PEDERSEN_PROOF_LEN] {
        let mut out = Vec::with_capacity(CHAUM_PEDERSEN_PROOF_LEN);
        out.extend_from_slice(self.commitment1.as_bytes());
        out.extend_from_slice(self.commitment2.as_bytes());
        out.extend_from_slice(self.response.as_bytes());
        let mut arr = [0u8; CHAUM_PEDERSEN_PROOF_LEN];
        arr.copy_from_slice(&out);
        arr
    }

    /// Strictly decodes `R₁ ‖ R₂ ‖ s` (spec §6.3).
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let n = CHAUM_PEDERSEN_PROOF_LEN;
        let mut r = Reader::exact(bytes, n)?;
        let commitment1 = r.element(IdentityRule::Allowed, n)?;
        let commitment2 = r.element(IdentityRule::Allowed, n)?;
        let response = r.scalar(n)?;
        r.finish(n)?;
        Ok(ChaumPedersenProof {
            commitment1,
            commitment2,
            response,
        })
    }
}
