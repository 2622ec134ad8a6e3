//! Disjunctive Chaum–Pedersen proofs (spec: protocol.md §7 and §8).
//!
//! Statement: the ciphertext `(A, B)` — the component-wise sum of one or
//! more ciphertexts under the key `K` — encrypts one of the integers
//! `a, a+1, …, b`. Equivalently, for some `v` in that range, `(A, B − v·G)`
//! is an encryption of zero, i.e. `log_G A = log_K (B − v·G)`.
//!
//! This is the OR-composition of Cramer, Damgård and Schoenmakers (1994)
//! over the `w = b − a + 1` Chaum–Pedersen statements. For the true value
//! `M` (with nonce `R`) the prover commits honestly, `α = u·G`, `β = u·K`;
//! for every other `v` it picks the challenge `c_v` and response `s_v`
//! first and solves for the commitments,
//!
//! ```text
//!     α_v = s_v·G − c_v·A            = (s_v − c_v·R)·G
//!     β_v = s_v·K − c_v·(B − v·G)    = (s_v − c_v·R)·K + c_v·(v − M)·G
//! ```
//!
//! (the right-hand forms use the prover's knowledge of `R` and `M` and need
//! only fixed-base multiplications). The transcript's challenge `c` fixes
//! the true branch's `c_M = c − Σ_{v≠M} c_v`, and `s_M = u + c_M·R`. The
//! verifier recomputes `c`, sets the last branch's challenge to
//! `c − Σ(others)`, and checks for every `v`
//!
//! ```text
//!     s_v·G = α_v + c_v·A        and        s_v·K = β_v + c_v·(B − v·G).
//! ```
//!
//! The proof carries all its commitments so that these equations can be
//! batched ([`super::batch`]); the last branch's challenge is omitted,
//! being implied. Size: `128·w − 32` bytes.
//!
//! [`ZeroOneProof`] is the case `[0, 1]` over one ciphertext, with its own
//! domain separator; [`super::range::RangeProof`] is the general case.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::CryptoRng;
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use super::batch::BatchVerifier;
use crate::elgamal::{CIPHERTEXT_LEN, EncodedCiphertext, Nonce, PublicKey, half, mul_g};
use crate::encoding::{
    Element, IdentityRule, POINT_LEN, Reader, SCALAR_LEN, put_elements, put_scalars,
};
use crate::errors::{DecodeError, Error, ProofKind, Result};
use crate::transcript::{TranscriptProtocol, labels};

/// The widest range a disjunctive proof may cover (spec §8): a cap on
/// proof size and verification work for untrusted input.
pub const MAX_RANGE_WIDTH: u64 = 256;

/// Bytes in a disjunctive proof over `width` values.
pub const fn disjunctive_proof_len(width: usize) -> usize {
    2 * POINT_LEN * width + SCALAR_LEN * width.saturating_sub(1) + SCALAR_LEN * width
}

/// `max − min + 1`, if `min ≤ max` and the width is at most
/// [`MAX_RANGE_WIDTH`].
pub(crate) fn range_width(min: u64, max: u64) -> Result<usize> {
    if min > max || max - min >= MAX_RANGE_WIDTH {
        return Err(DecodeError::OutOfRange { field: "range" }.into());
    }
    Ok((max - min + 1) as usize)
}

/// What a disjunctive proof is about.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Statement<'a> {
    pub domain: &'static [u8],
    pub kind: ProofKind,
    pub key: &'a PublicKey,
    pub ciphertexts: &'a [EncodedCiphertext],
    pub min: u64,
    pub max: u64,
}

impl Statement<'_> {
    /// Number of values, checked against [`MAX_RANGE_WIDTH`].
    pub fn width(&self) -> Result<usize> {
        if self.ciphertexts.is_empty() {
            return Err(DecodeError::OutOfRange {
                field: "ciphertext count",
            }
            .into());
        }
        range_width(self.min, self.max)
    }

    /// spec §7.2: the statement's part of the transcript.
    pub fn append(&self, t: &mut Transcript) {
        t.proof_domain(self.domain);
        t.append_element(labels::KEY, self.key.element());
        t.append_count(labels::COUNT, self.ciphertexts.len() as u64);
        t.append_count(labels::RANGE_MIN, self.min);
        t.append_count(labels::RANGE_MAX, self.max);
        for ct in self.ciphertexts {
            t.append_element(labels::CT_A, &ct.a);
            t.append_element(labels::CT_B, &ct.b);
        }
    }
}

/// The published part of a disjunctive proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Branches {
    /// `(α_v, β_v)` for `v = min ..= max`.
    commitments: Vec<(Element, Element)>,
    /// `c_v` for every branch but the last.
    challenges: Vec<Scalar>,
    /// `s_v` for every branch.
    responses: Vec<Scalar>,
}

/// A prover between committing and answering. The commitments are held as
/// halves so that a caller can compress many proofs' points in one batch.
///
/// The prover runs the same operations whatever the secret value: every
/// branch is computed as a simulated one, the true branch with `c = 0` and
/// `s = u` (which gives `α = u·G`, `β = u·K`), and the true branch is picked
/// out with constant-time selection (spec §7.3).
pub(crate) struct Commitment {
    /// `α_v/2, β_v/2` for each branch, in order.
    pub halves: Vec<RistrettoPoint>,
    /// The true branch.
    real: u64,
    /// `R`.
    nonce: Zeroizing<Scalar>,
    /// `c_v` (zero at the true branch).
    challenges: Vec<Scalar>,
    /// `s_v` (`u` at the true branch).
    responses: Zeroizing<Vec<Scalar>>,
}

impl core::fmt::Debug for Commitment {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Commitment(<secret>)")
    }
}

/// First move: commit for the statement, knowing that the (summed)
/// ciphertext encrypts `value` with nonce `nonce` (spec §7.3).
///
/// Only the key and the range enter the commitments, so a caller may commit
/// before its ciphertexts are compressed.
pub(crate) fn commit<R: CryptoRng + ?Sized>(
    key: &PublicKey,
    (min, max): (u64, u64),
    value: u64,
    nonce: &Scalar,
    rng: &mut R,
) -> Result<Commitment> {
    let width = range_width(min, max)?;
    if value < min || value > max {
        return Err(Error::InvalidStatement("the value is outside the range"));
    }
    let real = value - min;
    let real_scalar = Scalar::from(real);
    let h = half();
    let mut halves = Vec::with_capacity(2 * width);
    let mut challenges = Vec::with_capacity(width);
    let mut responses = Zeroizing::new(Vec::with_capacity(width));
    for branch in 0..width as u64 {
        let is_real = branch.ct_eq(&real);
        let c_v = Scalar::conditional_select(&Scalar::random(rng), &Scalar::ZERO, is_real);
        let s_v = Scalar::random(rng);
        // α_v = (s_v − c_v·R)·G,  β_v = (s_v − c_v·R)·K + c_v·(v − M)·G
        let w_half = Zeroizing::new((s_v - c_v * nonce) * h);
        let delta = Scalar::from(branch) - real_scalar;
        halves.push(mul_g(&w_half));
        halves.push(key.mul(&w_half) + mul_g(&(c_v * delta * h)));
        challenges.push(c_v);
        responses.push(s_v);
    }
    Ok(Commitment {
        halves,
        real,
        nonce: Zeroizing::new(*nonce),
        challenges,
        responses,
    })
}

/// Second move: with the statement already in `transcript` and the
/// commitments compressed (`elements`, the doubled `halves`), draw the
/// challenge and answer (spec §7.3).
pub(crate) fn respond(
    commitment: Commitment,
    transcript: &mut Transcript,
    elements: &[Element],
) -> Branches {
    let commitments: Vec<(Element, Element)> = elements
        .chunks_exact(2)
        .map(|pair| match pair {
            [a, b] => (*a, *b),
            // chunks_exact(2) yields only pairs.
            _ => (Element::identity(), Element::identity()),
        })
        .collect();
    append_commitments(transcript, &commitments);
    let c = transcript.challenge_scalar(labels::CHALLENGE);
    // The true branch holds c = 0, so the sum is over the simulated ones.
    let c_real = c - commitment.challenges.iter().sum::<Scalar>();
    let answer = c_real * *commitment.nonce;
    let mut challenges = Vec::with_capacity(commitment.challenges.len());
    let mut responses = Vec::with_capacity(commitment.responses.len());
    for (branch, (c_v, s_v)) in commitment
        .challenges
        .iter()
        .zip(commitment.responses.iter())
        .enumerate()
    {
        let is_real = (branch as u64).ct_eq(&commitment.real);
        challenges.push(Scalar::conditional_select(c_v, &c_real, is_real));
        responses.push(s_v + Scalar::conditional_select(&Scalar::ZERO, &answer, is_real));
    }
    challenges.pop();
    Branches {
        commitments,
        challenges,
        responses,
    }
}

fn append_commitments(t: &mut Transcript, commitments: &[(Element, Element)]) {
    for (alpha, beta) in commitments {
        t.append_element(labels::COMMIT_A, alpha);
        t.append_element(labels::COMMIT_B, beta);
    }
}

/// Proves a statement in one go (commit, compress, respond).
pub(crate) fn prove<R: CryptoRng + ?Sized>(
    transcript: &mut Transcript,
    statement: &Statement<'_>,
    value: u64,
    nonce: &Scalar,
    rng: &mut R,
) -> Result<Branches> {
    statement.width()?;
    let commitment = commit(
        statement.key,
        (statement.min, statement.max),
        value,
        nonce,
        rng,
    )?;
    let elements = Element::batch_from_halves(&commitment.halves);
    statement.append(transcript);
    Ok(respond(commitment, transcript, &elements))
}

/// Coefficients a proof puts on its statement's summed ciphertext `(A, B)`;
/// the caller distributes them over the summands (spec §10.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CiphertextCoefficients {
    pub a: Scalar,
    pub b: Scalar,
}

impl Branches {
    /// Adds the weighted equations of every branch to `batch`, except the
    /// terms on the statement's ciphertexts, whose coefficients are returned
    /// (spec §10.1).
    pub fn add_to_batch(
        &self,
        transcript: &mut Transcript,
        statement: &Statement<'_>,
        batch: &mut BatchVerifier,
    ) -> Result<CiphertextCoefficients> {
        let width = statement.width()?;
        if self.commitments.len() != width
            || self.responses.len() != width
            || self.challenges.len() + 1 != width
        {
            return Err(DecodeError::WrongLength {
                expected: disjunctive_proof_len(width),
                actual: self.encoded_len(),
            }
            .into());
        }
        statement.append(transcript);
        append_commitments(transcript, &self.commitments);
        let c = transcript.challenge_scalar(labels::CHALLENGE);
        let last = c - self.challenges.iter().sum::<Scalar>();
        let mut coefficients = CiphertextCoefficients {
            a: Scalar::ZERO,
            b: Scalar::ZERO,
        };
        let mut g = Scalar::ZERO;
        let mut k = Scalar::ZERO;
        let challenges = self.challenges.iter().chain(core::iter::once(&last));
        let min = Scalar::from(statement.min);
        for (i, ((c_v, s_v), (alpha, beta))) in challenges
            .zip(&self.responses)
            .zip(&self.commitments)
            .enumerate()
        {
            // z·(s_v·G − α_v − c_v·A) + z'·(s_v·K − β_v − c_v·B + c_v·v·G)
            let v = min + Scalar::from(i as u64);
            let (z, z2) = (batch.weight(), batch.weight());
            g += z * s_v + z2 * c_v * v;
            k += z2 * s_v;
            batch.add(-z, *alpha.point());
            batch.add(-z2, *beta.point());
            coefficients.a -= z * c_v;
            coefficients.b -= z2 * c_v;
        }
        batch.add_generator(g);
        batch.add_shared(statement.key.element(), k);
        Ok(coefficients)
    }

    /// Adds everything, the ciphertexts' terms included.
    pub fn add_to_batch_with_ciphertexts(
        &self,
        transcript: &mut Transcript,
        statement: &Statement<'_>,
        batch: &mut BatchVerifier,
    ) -> Result<()> {
        let co = self.add_to_batch(transcript, statement, batch)?;
        for ct in statement.ciphertexts {
            batch.add(co.a, *ct.a.point());
            batch.add(co.b, *ct.b.point());
        }
        Ok(())
    }

    /// Verifies on its own.
    pub fn verify(&self, transcript: &mut Transcript, statement: &Statement<'_>) -> Result<()> {
        let mut batch = BatchVerifier::new();
        self.add_to_batch_with_ciphertexts(transcript, statement, &mut batch)?;
        if batch.verify() {
            Ok(())
        } else {
            Err(Error::VerificationFailed(statement.kind))
        }
    }

    fn encoded_len(&self) -> usize {
        2 * POINT_LEN * self.commitments.len()
            + SCALAR_LEN * (self.challenges.len() + self.responses.len())
    }

    /// Commitments, then challenges, then responses (spec §7.4).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        for (a, b) in &self.commitments {
            put_elements(&mut out, &[*a, *b]);
        }
        put_scalars(&mut out, &self.challenges);
        put_scalars(&mut out, &self.responses);
        out
    }

    /// Strictly decodes a proof over `width` values (spec §7.4).
    pub fn decode(bytes: &[u8], width: usize) -> Result<Self, DecodeError> {
        if width == 0 || width as u64 > MAX_RANGE_WIDTH {
            return Err(DecodeError::OutOfRange {
                field: "range width",
            });
        }
        let n = disjunctive_proof_len(width);
        if bytes.len() != n {
            return Err(DecodeError::WrongLength {
                expected: n,
                actual: bytes.len(),
            });
        }
        let mut r = Reader::new(bytes);
        let commitments = (0..width)
            .map(|_| {
                Ok((
                    r.element(IdentityRule::Allowed, n)?,
                    r.element(IdentityRule::Allowed, n)?,
                ))
            })
            .collect::<Result<Vec<_>, DecodeError>>()?;
        let challenges = (1..width)
            .map(|_| r.scalar(n))
            .collect::<Result<Vec<_>, _>>()?;
        let responses = (0..width)
            .map(|_| r.scalar(n))
            .collect::<Result<Vec<_>, _>>()?;
        r.finish(n)?;
        Ok(Branches {
            commitments,
            challenges,
            responses,
        })
    }
}

/// Bytes in an encoded [`ZeroOneProof`].
pub const ZERO_ONE_PROOF_LEN: usize = disjunctive_proof_len(2);

/// A proof that a ciphertext encrypts 0 or 1 (spec §7): the disjunctive
/// proof for `[0, 1]` over one ciphertext, under the domain `zero-one-v1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZeroOneProof(pub(crate) Branches);

impl ZeroOneProof {
    pub(crate) fn statement<'a>(
        key: &'a PublicKey,
        ciphertext: &'a EncodedCiphertext,
    ) -> Statement<'a> {
        Statement {
            domain: labels::DOMAIN_ZERO_ONE,
            kind: ProofKind::ZeroOne,
            key,
            ciphertexts: core::slice::from_ref(ciphertext),
            min: 0,
            max: 1,
        }
    }

    /// Proves that `ciphertext`, made with `nonce`, encrypts `vote`.
    pub fn prove<R: CryptoRng + ?Sized>(
        transcript: &mut Transcript,
        key: &PublicKey,
        ciphertext: &EncodedCiphertext,
        vote: bool,
        nonce: &Nonce,
        rng: &mut R,
    ) -> Result<Self> {
        let st = Self::statement(key, ciphertext);
        prove(transcript, &st, u64::from(vote), nonce.as_scalar(), rng).map(ZeroOneProof)
    }

    /// Adds the proof's equations, ciphertext terms included, to a batch.
    pub fn add_to_batch(
        &self,
        transcript: &mut Transcript,
        key: &PublicKey,
        ciphertext: &EncodedCiphertext,
        batch: &mut BatchVerifier,
    ) -> Result<()> {
        self.0
            .add_to_batch_with_ciphertexts(transcript, &Self::statement(key, ciphertext), batch)
    }

    /// Verifies on its own.
    pub fn verify(
        &self,
        transcript: &mut Transcript,
        key: &PublicKey,
        ciphertext: &EncodedCiphertext,
    ) -> Result<()> {
        self.0.verify(transcript, &Self::statement(key, ciphertext))
    }

    /// The 224-byte encoding `α₀ β₀ α₁ β₁ c₀ s₀ s₁`.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes()
    }

    /// Strictly decodes 224 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Branches::decode(bytes, 2).map(ZeroOneProof)
    }
}

/// Decodes a ciphertext and a zero-one proof from their bytes and adds them
/// to a batch: the work a verifier does per selection (spec §10.1).
pub fn add_encoded_zero_one_to_batch(
    transcript: &mut Transcript,
    key: &PublicKey,
    ciphertext: &[u8],
    proof: &[u8],
    batch: &mut BatchVerifier,
) -> Result<()> {
    if ciphertext.len() != CIPHERTEXT_LEN {
        return Err(DecodeError::WrongLength {
            expected: CIPHERTEXT_LEN,
            actual: ciphertext.len(),
        }
        .into());
    }
    let ct = EncodedCiphertext::decode(ciphertext, IdentityRule::Forbidden)?;
    ZeroOneProof::decode(proof)?.add_to_batch(transcript, key, &ct, batch)
}
