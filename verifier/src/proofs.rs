//! The proofs of protocol.md §5–§8, as equations for a batch.
//!
//! Each function appends the proof's domain separator, statement and
//! commitments to the caller's transcript (which already holds the election
//! binding and the context, protocol.md §3.2–§3.3), derives the challenge,
//! and adds the proof's verification equations, weighted, to an
//! [`Equations`] batch. Nothing is accepted until the batch is checked.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;

use crate::decode::{Identity, Point, Reader};
use crate::equations::Equations;
use crate::error::Malformed;
use crate::transcript::{TranscriptExt, labels};

/// Bytes of a Schnorr proof (protocol.md §5.3).
pub const SCHNORR_LEN: usize = 64;
/// Bytes of a Chaum–Pedersen proof (protocol.md §6.3).
pub const CHAUM_PEDERSEN_LEN: usize = 96;
/// The widest range a disjunctive proof may cover (protocol.md §7.1).
pub const MAX_WIDTH: u64 = 256;

/// A Schnorr proof `(R, s)` (protocol.md §5).
#[derive(Debug, Clone)]
pub struct Schnorr {
    r: Point,
    s: Scalar,
}

impl Schnorr {
    /// Strictly decodes 64 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, Malformed> {
        if bytes.len() != SCHNORR_LEN {
            return Err(Malformed::WrongLength {
                expected: SCHNORR_LEN,
                actual: bytes.len(),
            });
        }
        let mut r = Reader::new(bytes);
        let proof = Schnorr {
            r: r.point(Identity::Allowed)?,
            s: r.scalar()?,
        };
        r.finish()?;
        Ok(proof)
    }

    /// Adds `s·G − R − c·X = O` (protocol.md §5.2) for the public element
    /// `X`, which the caller decoded with the identity forbidden.
    pub fn add_to(&self, t: &mut Transcript, public: &Point, eq: &mut Equations) {
        t.domain(labels::SCHNORR);
        t.append(labels::PUBLIC, &public.bytes);
        t.append(labels::COMMIT_A, &self.r.bytes);
        let c = t.challenge();
        let z = eq.weight();
        eq.add_g(z * self.s);
        eq.add(-z, self.r.point);
        eq.add(-(z * c), public.point);
    }
}

/// The statement of a Chaum–Pedersen proof (protocol.md §6):
/// `X₁ = x·B₁` and `X₂ = x·B₂`.
#[derive(Debug, Clone, Copy)]
pub struct Dleq<'a> {
    /// `B₁`.
    pub base1: &'a Point,
    /// `X₁`.
    pub public1: &'a Point,
    /// `B₂`.
    pub base2: &'a Point,
    /// `X₂`.
    pub public2: &'a Point,
}

/// A Chaum–Pedersen proof `(R₁, R₂, s)` (protocol.md §6).
#[derive(Debug, Clone)]
pub struct ChaumPedersen {
    r1: Point,
    r2: Point,
    s: Scalar,
}

impl ChaumPedersen {
    /// Strictly decodes 96 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, Malformed> {
        if bytes.len() != CHAUM_PEDERSEN_LEN {
            return Err(Malformed::WrongLength {
                expected: CHAUM_PEDERSEN_LEN,
                actual: bytes.len(),
            });
        }
        let mut r = Reader::new(bytes);
        let proof = ChaumPedersen {
            r1: r.point(Identity::Allowed)?,
            r2: r.point(Identity::Allowed)?,
            s: r.scalar()?,
        };
        r.finish()?;
        Ok(proof)
    }

    /// Adds `s·B₁ = R₁ + c·X₁` and `s·B₂ = R₂ + c·X₂` (protocol.md §6.2).
    pub fn add_to(&self, t: &mut Transcript, st: &Dleq<'_>, eq: &mut Equations) {
        t.domain(labels::CHAUM_PEDERSEN);
        t.append(labels::BASE, &st.base1.bytes);
        t.append(labels::PUBLIC, &st.public1.bytes);
        t.append(labels::BASE, &st.base2.bytes);
        t.append(labels::PUBLIC, &st.public2.bytes);
        t.append(labels::COMMIT_A, &self.r1.bytes);
        t.append(labels::COMMIT_B, &self.r2.bytes);
        let c = t.challenge();
        for (base, public, r) in [
            (st.base1, st.public1, &self.r1),
            (st.base2, st.public2, &self.r2),
        ] {
            let z = eq.weight();
            eq.add(z * self.s, base.point);
            eq.add(-z, r.point);
            eq.add(-(z * c), public.point);
        }
    }
}

/// An ElGamal ciphertext `(A, B)` (protocol.md §4.1), strictly decoded.
#[derive(Debug, Clone, Copy)]
pub struct Ciphertext {
    /// `A = r·G`.
    pub a: Point,
    /// `B = m·G + r·K`.
    pub b: Point,
}

impl Ciphertext {
    /// Decodes `enc(A) ‖ enc(B)` with the given rule for `A` (`B` may always
    /// be the identity).
    pub fn decode(bytes: &[u8], a_rule: Identity) -> Result<Self, Malformed> {
        if bytes.len() != 64 {
            return Err(Malformed::WrongLength {
                expected: 64,
                actual: bytes.len(),
            });
        }
        let mut r = Reader::new(bytes);
        Ok(Ciphertext {
            a: r.point(a_rule)?,
            b: r.point(Identity::Allowed)?,
        })
    }
}

/// The domain of a disjunctive proof (protocol.md §7–§8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// `zero-one-v1`: one ciphertext, `[0, 1]`.
    ZeroOne,
    /// `range-v1`: the sum of a list of ciphertexts in `[a, b]`.
    Range,
}

/// A disjunctive proof that a (sum of) ciphertext(s) encrypts a value in
/// `[a, b]` (protocol.md §7).
#[derive(Debug, Clone)]
pub struct Disjunctive {
    min: u64,
    commitments: Vec<(Point, Point)>,
    /// `c_a … c_{b−1}`; `c_b` follows from the challenge.
    challenges: Vec<Scalar>,
    responses: Vec<Scalar>,
}

/// `w = b − a + 1`, refusing `a > b` and `w > 256` (protocol.md §7.1).
pub fn width(min: u64, max: u64) -> Result<u64, Malformed> {
    match max.checked_sub(min) {
        Some(d) if d < MAX_WIDTH => Ok(d + 1),
        _ => Err(Malformed::OutOfRange("range bounds")),
    }
}

/// The encoded length of a proof over `[a, b]`: `128·w − 32` (§7.4).
pub fn disjunctive_len(min: u64, max: u64) -> Result<usize, Malformed> {
    Ok(128 * width(min, max)? as usize - 32)
}

impl Disjunctive {
    /// Strictly decodes a proof over `[min, max]` (protocol.md §7.4).
    pub fn decode(bytes: &[u8], min: u64, max: u64) -> Result<Self, Malformed> {
        let w = width(min, max)? as usize;
        let expected = 128 * w - 32;
        if bytes.len() != expected {
            return Err(Malformed::WrongLength {
                expected,
                actual: bytes.len(),
            });
        }
        let mut r = Reader::new(bytes);
        let mut commitments = Vec::with_capacity(w);
        for _ in 0..w {
            commitments.push((r.point(Identity::Allowed)?, r.point(Identity::Allowed)?));
        }
        let mut challenges = Vec::with_capacity(w - 1);
        for _ in 1..w {
            challenges.push(r.scalar()?);
        }
        let mut responses = Vec::with_capacity(w);
        for _ in 0..w {
            responses.push(r.scalar()?);
        }
        r.finish()?;
        Ok(Disjunctive {
            min,
            commitments,
            challenges,
            responses,
        })
    }

    /// The largest value covered.
    fn max(&self) -> u64 {
        self.min + (self.commitments.len() as u64 - 1)
    }

    /// Appends the statement and commitments (protocol.md §7.2) and adds
    /// the equations E1_v, E2_v of §7.5 for every `v`. The terms on the
    /// ciphertexts are not added: the returned `(e_A, e_B)` is the
    /// coefficient of every `A_j` and of every `B_j` (the statement is about
    /// their sums), for the caller to merge with other terms on the same
    /// points and add. The key's terms go on the batch's shared `K`.
    #[must_use]
    pub fn add_to(
        &self,
        t: &mut Transcript,
        domain: Domain,
        key: &Point,
        ciphertexts: &[Ciphertext],
        eq: &mut Equations,
    ) -> (Scalar, Scalar) {
        t.domain(match domain {
            Domain::ZeroOne => labels::ZERO_ONE,
            Domain::Range => labels::RANGE,
        });
        t.append(labels::KEY, &key.bytes);
        t.append_number(labels::COUNT, ciphertexts.len() as u64);
        t.append_number(labels::MIN, self.min);
        t.append_number(labels::MAX, self.max());
        for ct in ciphertexts {
            t.append(labels::CT_A, &ct.a.bytes);
            t.append(labels::CT_B, &ct.b.bytes);
        }
        for (alpha, beta) in &self.commitments {
            t.append(labels::COMMIT_A, &alpha.bytes);
            t.append(labels::COMMIT_B, &beta.bytes);
        }
        let c = t.challenge();
        let last = c - self.challenges.iter().sum::<Scalar>();
        let (mut e_a, mut e_b) = (Scalar::ZERO, Scalar::ZERO);
        let mut v = self.min;
        for (i, ((alpha, beta), s)) in self.commitments.iter().zip(&self.responses).enumerate() {
            let c_v = self.challenges.get(i).copied().unwrap_or(last);
            let (z1, z2) = (eq.weight(), eq.weight());
            // E1_v: s_v·G − α_v − c_v·A = O
            eq.add_g(z1 * s);
            eq.add(-z1, alpha.point);
            e_a -= z1 * c_v;
            // E2_v: s_v·K − β_v − c_v·B + c_v·v·G = O
            eq.add_key(z2 * s);
            eq.add(-z2, beta.point);
            eq.add_g(z2 * c_v * Scalar::from(v));
            e_b -= z2 * c_v;
            v = v.wrapping_add(1);
        }
        (e_a, e_b)
    }
}

/// Adds a whole disjunctive proof with its ciphertext terms (for a proof
/// checked on its own).
pub fn add_disjunctive(
    proof: &Disjunctive,
    t: &mut Transcript,
    domain: Domain,
    key: &Point,
    ciphertexts: &[Ciphertext],
    eq: &mut Equations,
) {
    let (e_a, e_b) = proof.add_to(t, domain, key, ciphertexts, eq);
    for ct in ciphertexts {
        eq.add(e_a, ct.a.point);
        eq.add(e_b, ct.b.point);
    }
}

/// `Σ_k x^k·C_k` for commitments `C_0 … C_{t−1}` (record.md §6.4).
pub fn evaluate_commitments(commitments: &[Point], x: u64) -> RistrettoPoint {
    let x = Scalar::from(x);
    let mut power = Scalar::ONE;
    let mut sum = RistrettoPoint::default();
    for c in commitments {
        sum += c.point * power;
        power *= x;
    }
    sum
}

/// The Lagrange coefficient at zero of trustee `i` in the set `S`:
/// `λ_i = Π_{j∈S, j≠i} j / (j − i)` (protocol.md §4.4).
pub fn lagrange_at_zero(i: u32, set: &[u32]) -> Scalar {
    let mut num = Scalar::ONE;
    let mut den = Scalar::ONE;
    for j in set.iter().filter(|j| **j != i) {
        num *= Scalar::from(*j);
        den *= Scalar::from(*j) - Scalar::from(i);
    }
    num * den.invert()
}
