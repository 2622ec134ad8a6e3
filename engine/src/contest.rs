//! One contest's encrypted selections (spec: protocol.md §9).
//!
//! A voter's choice in a contest with `n` candidates is `n` bits. Each is
//! encrypted under the election key with its own nonce and comes with a
//! [`ZeroOneProof`]; one [`RangeProof`] shows that the number chosen (the
//! sum of the `n` ciphertexts) lies in the contest's `[min, max]`.
//!
//! The caller passes a transcript already bound to the election, the
//! credential and the contest (spec §3.3); selection `i`'s proof appends
//! `selection = i` to a copy of it, the range proof uses it as is.
//!
//! **Proving** (§9.2) does all its group work as fixed-base multiplications
//! (by `G` and by `K` through its table) on halved scalars, then compresses
//! every point of the contest — ciphertexts and commitments — with a single
//! `double_and_compress_batch`, before any transcript is hashed.
//!
//! **Verifying** (§10.1) adds every equation to a batch; the terms on each
//! selection ciphertext from its zero-one proof and from the range proof
//! are merged, so each ciphertext component is one multiscalar term.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::CryptoRng;
use subtle::{Choice, ConditionallySelectable};
use zeroize::Zeroizing;

use crate::elgamal::{CIPHERTEXT_LEN, EncodedCiphertext, Nonce, PublicKey, half, half_g, mul_g};
use crate::encoding::{Element, IdentityRule};
use crate::errors::{DecodeError, Error, ProofKind, Result};
use crate::proofs::disjunctive::{self, Branches, ZERO_ONE_PROOF_LEN, range_width};
use crate::proofs::{BatchVerifier, RangeProof, RangeStatement, ZeroOneProof, range_proof_len};
use crate::transcript::labels;

/// How many candidates a contest has and how many a voter may choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContestShape {
    /// Number of candidates (selections), at least one.
    pub candidates: usize,
    /// Fewest selections allowed.
    pub min: u64,
    /// Most selections allowed.
    pub max: u64,
}

/// Most candidates a contest may have (spec §9.1).
pub const MAX_CANDIDATES: usize = 1024;

impl ContestShape {
    fn check(&self) -> Result<()> {
        if self.candidates == 0
            || self.candidates > MAX_CANDIDATES
            || self.max > self.candidates as u64
        {
            return Err(DecodeError::OutOfRange {
                field: "contest shape",
            }
            .into());
        }
        range_width(self.min, self.max).map(|_| ())
    }

    /// Bytes in an encoded contest of this shape.
    pub fn encoded_len(&self) -> Result<usize> {
        self.check()?;
        let width = range_width(self.min, self.max)?;
        Ok(self.candidates * (CIPHERTEXT_LEN + ZERO_ONE_PROOF_LEN) + range_proof_len(width))
    }
}

/// The encrypted selections of one contest with their proofs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedContest {
    /// One ciphertext per candidate.
    pub ciphertexts: Vec<EncodedCiphertext>,
    /// One zero-one proof per candidate.
    pub selection_proofs: Vec<ZeroOneProof>,
    /// The proof that the number chosen is within the contest's limits.
    pub range_proof: RangeProof,
}

/// The transcript of selection `index`'s proof.
fn selection_transcript(contest: &Transcript, index: usize) -> Transcript {
    let mut t = contest.clone();
    t.append_u64(labels::CONTEXT_SELECTION, index as u64);
    t
}

impl EncryptedContest {
    /// Encrypts `choices` (one bit per candidate) and proves it well formed.
    /// Returns the nonces too: revealing them is how a ballot is audited.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        contest: &Transcript,
        key: &PublicKey,
        shape: &ContestShape,
        choices: &[bool],
        rng: &mut R,
    ) -> Result<(Self, Vec<Nonce>)> {
        shape.check()?;
        if choices.len() != shape.candidates {
            return Err(Error::InvalidStatement("one choice per candidate"));
        }
        let chosen = choices.iter().filter(|c| **c).count() as u64;
        let h = half();
        let half_g = *half_g();
        let nonces: Vec<Nonce> = choices.iter().map(|_| Nonce::generate(rng)).collect();
        let nonce_sum = Zeroizing::new(nonces.iter().map(Nonce::as_scalar).sum::<Scalar>());

        // Everything to compress, as halves: ciphertexts first.
        let n = shape.candidates;
        let width = range_width(shape.min, shape.max)?;
        let mut halves = Vec::with_capacity(6 * n + 2 * width);
        for (nonce, &vote) in nonces.iter().zip(choices) {
            let r_half = Zeroizing::new(nonce.as_scalar() * h);
            halves.push(mul_g(&r_half));
            let b_half = key.mul(&r_half);
            // Constant time in the vote: always add, then select.
            halves.push(RistrettoPoint::conditional_select(
                &b_half,
                &(b_half + half_g),
                Choice::from(u8::from(vote)),
            ));
        }
        let mut commitments = Vec::with_capacity(n + 1);
        for (nonce, &vote) in nonces.iter().zip(choices) {
            let c = disjunctive::commit(key, (0, 1), u64::from(vote), nonce.as_scalar(), rng)?;
            halves.extend_from_slice(&c.halves);
            commitments.push(c);
        }
        let range_commitment =
            disjunctive::commit(key, (shape.min, shape.max), chosen, &nonce_sum, rng)?;
        halves.extend_from_slice(&range_commitment.halves);

        let elements = Element::batch_from_halves(&halves);
        let (ct_elements, rest) = elements.split_at(2 * n);
        let (zero_one_elements, range_elements) = rest.split_at(4 * n);
        let ciphertexts: Vec<EncodedCiphertext> = ct_elements
            .chunks_exact(2)
            .filter_map(|p| match p {
                [a, b] => Some(EncodedCiphertext { a: *a, b: *b }),
                _ => None,
            })
            .collect();

        let mut selection_proofs = Vec::with_capacity(n);
        for (i, (commitment, (ct, elems))) in commitments
            .into_iter()
            .zip(ciphertexts.iter().zip(zero_one_elements.chunks_exact(4)))
            .enumerate()
        {
            let mut t = selection_transcript(contest, i);
            ZeroOneProof::statement(key, ct).append(&mut t);
            selection_proofs.push(ZeroOneProof(disjunctive::respond(
                commitment, &mut t, elems,
            )));
        }
        let statement = RangeStatement {
            key,
            ciphertexts: &ciphertexts,
            min: shape.min,
            max: shape.max,
        };
        let mut t = contest.clone();
        statement.inner().append(&mut t);
        let range_proof = RangeProof(disjunctive::respond(
            range_commitment,
            &mut t,
            range_elements,
        ));
        Ok((
            EncryptedContest {
                ciphertexts,
                selection_proofs,
                range_proof,
            },
            nonces,
        ))
    }

    /// Adds every proof's equations to `batch`, merging the terms on each
    /// ciphertext (spec §10.1).
    pub fn add_to_batch(
        &self,
        contest: &Transcript,
        key: &PublicKey,
        shape: &ContestShape,
        batch: &mut BatchVerifier,
    ) -> Result<()> {
        shape.check()?;
        if self.ciphertexts.len() != shape.candidates
            || self.selection_proofs.len() != shape.candidates
        {
            return Err(Error::InvalidStatement(
                "one ciphertext and proof per candidate",
            ));
        }
        let statement = RangeStatement {
            key,
            ciphertexts: &self.ciphertexts,
            min: shape.min,
            max: shape.max,
        };
        let range =
            self.range_proof
                .add_to_batch_deferred(&mut contest.clone(), &statement, batch)?;
        batch.reserve(6 * shape.candidates);
        for (i, (ct, proof)) in self
            .ciphertexts
            .iter()
            .zip(&self.selection_proofs)
            .enumerate()
        {
            if ct.a.is_identity() {
                return Err(DecodeError::IdentityPoint.into());
            }
            let mut t = selection_transcript(contest, i);
            let own = proof
                .0
                .add_to_batch(&mut t, &ZeroOneProof::statement(key, ct), batch)?;
            batch.add(own.a + range.a, *ct.a.point());
            batch.add(own.b + range.b, *ct.b.point());
        }
        Ok(())
    }

    /// Verifies the contest on its own.
    pub fn verify(
        &self,
        contest: &Transcript,
        key: &PublicKey,
        shape: &ContestShape,
    ) -> Result<()> {
        let mut batch = BatchVerifier::new();
        self.add_to_batch(contest, key, shape, &mut batch)?;
        if batch.verify() {
            Ok(())
        } else {
            Err(Error::VerificationFailed(ProofKind::Contest))
        }
    }

    /// Ciphertexts, then zero-one proofs, then the range proof (spec §9.3).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for ct in &self.ciphertexts {
            out.extend_from_slice(&ct.to_bytes());
        }
        for p in &self.selection_proofs {
            out.extend_from_slice(&p.to_bytes());
        }
        out.extend_from_slice(&self.range_proof.to_bytes());
        out
    }

    /// Strictly decodes a contest of the given shape (spec §9.3).
    pub fn decode(bytes: &[u8], shape: &ContestShape) -> Result<Self> {
        let expected = shape.encoded_len()?;
        if bytes.len() != expected {
            return Err(DecodeError::WrongLength {
                expected,
                actual: bytes.len(),
            }
            .into());
        }
        let n = shape.candidates;
        let (cts, rest) = bytes.split_at(n * CIPHERTEXT_LEN);
        let (proofs, range) = rest.split_at(n * ZERO_ONE_PROOF_LEN);
        let ciphertexts = cts
            .chunks_exact(CIPHERTEXT_LEN)
            .map(|c| EncodedCiphertext::decode(c, IdentityRule::Forbidden))
            .collect::<Result<Vec<_>, _>>()?;
        let selection_proofs = proofs
            .chunks_exact(ZERO_ONE_PROOF_LEN)
            .map(|p| Branches::decode(p, 2).map(ZeroOneProof))
            .collect::<Result<Vec<_>, _>>()?;
        let range_proof = RangeProof::decode(range, shape.min, shape.max)?;
        Ok(EncryptedContest {
            ciphertexts,
            selection_proofs,
            range_proof,
        })
    }
}
