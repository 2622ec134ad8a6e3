//! Exponential ElGamal over ristretto255 (spec: protocol.md §4).
//!
//! A secret key is a scalar `s`, its public key `K = s·G`. A small integer
//! `m` is encrypted under `K` with a nonce `r` as
//!
//! ```text
//!     (A, B) = (r·G, m·G + r·K)
//! ```
//!
//! Putting `m` in the exponent makes the scheme additively homomorphic:
//! the component-wise sum of encryptions of `m₁` and `m₂` is an encryption of
//! `m₁ + m₂` under the sum of the nonces. Tallies are computed that way, and
//! only the total is ever decrypted. Decryption gives `B − s·A = m·G`; `m`
//! itself is then recovered by a bounded discrete-log search ([`DlogTable`]),
//! which is why plaintexts must be small (spec §4.5: below [`DLOG_BOUND`]).
//!
//! With a threshold key no one holds `s`; each trustee publishes a *partial
//! decryption* `s_i·A` ([`SecretKey::partial_decrypt`]) with a
//! Chaum–Pedersen proof, and the partials are combined by Lagrange
//! interpolation in the exponent (spec §6, and the tally in a later part).

use std::sync::{Arc, OnceLock};

use curve25519_dalek::constants::{RISTRETTO_BASEPOINT_POINT, RISTRETTO_BASEPOINT_TABLE};
use curve25519_dalek::ristretto::{RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::encoding::{Element, IdentityRule, POINT_LEN, Reader};
use crate::errors::{DecodeError, Error, Result};

/// Plaintexts are recovered only below this bound (spec: protocol.md §4.5).
pub const DLOG_BOUND: u64 = 1 << 32;

/// Bytes in an encoded ciphertext: `A ‖ B`.
pub const CIPHERTEXT_LEN: usize = 2 * POINT_LEN;

/// The scalar ½ modulo ℓ, used by provers to batch-compress their points.
pub(crate) fn half() -> &'static Scalar {
    static HALF: OnceLock<Scalar> = OnceLock::new();
    HALF.get_or_init(|| Scalar::from(2u64).invert())
}

/// `G/2`, added to a halved `B` when the plaintext is one.
pub(crate) fn half_g() -> &'static RistrettoPoint {
    static HALF_G: OnceLock<RistrettoPoint> = OnceLock::new();
    HALF_G.get_or_init(|| mul_g(half()))
}

/// `x·G` through the precomputed basepoint table.
pub(crate) fn mul_g(x: &Scalar) -> RistrettoPoint {
    RISTRETTO_BASEPOINT_TABLE * x
}

/// An ElGamal secret key, or a trustee's share of one. Zeroized on drop;
/// its `Debug` prints nothing secret.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey(Scalar);

impl SecretKey {
    /// Draws a fresh uniformly random secret key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        loop {
            // Zero (probability 1/ℓ) would give the identity as public key.
            let s = Scalar::random(rng);
            if s != Scalar::ZERO {
                return SecretKey(s);
            }
        }
    }

    /// Wraps a scalar (for example a trustee's combined share).
    pub fn from_scalar(s: Scalar) -> Self {
        SecretKey(s)
    }

    /// The secret scalar. Handle with care: copies are not zeroized.
    pub fn as_scalar(&self) -> &Scalar {
        &self.0
    }

    /// The matching public key `K = s·G`.
    ///
    /// Fails only if the secret is zero, whose public key is the identity.
    pub fn public_key(&self) -> Result<PublicKey> {
        PublicKey::from_element(Element::from_point(mul_g(&self.0)))
    }

    /// The partial decryption `s·A` of a ciphertext's first component
    /// (spec: protocol.md §4.4).
    pub fn partial_decrypt(&self, ciphertext: &Ciphertext) -> RistrettoPoint {
        ciphertext.a * self.0
    }

    /// Decrypts with the whole key: `B − s·A = m·G`, then the bounded
    /// discrete log.
    pub fn decrypt(&self, ciphertext: &Ciphertext, table: &DlogTable) -> Result<u64> {
        table.solve(&(ciphertext.b - self.partial_decrypt(ciphertext)))
    }
}

impl core::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// An encryption nonce `r`. Kept by the voter's device; revealed only when
/// a ballot is audited instead of cast. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Nonce(Scalar);

impl Nonce {
    /// Draws a fresh random nonce.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Nonce(Scalar::random(rng))
    }

    /// Wraps a scalar.
    pub fn from_scalar(r: Scalar) -> Self {
        Nonce(r)
    }

    /// Decodes a revealed nonce (an audited ballot's).
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        crate::encoding::decode_scalar(bytes).map(Nonce)
    }

    /// The nonce's scalar.
    pub fn as_scalar(&self) -> &Scalar {
        &self.0
    }

    /// The nonce's encoding, for revealing it in an audit.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
}

impl core::fmt::Debug for Nonce {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Nonce(<redacted>)")
    }
}

/// An ElGamal public key `K`, never the identity, with a precomputed table
/// for fixed-base multiplication by `K` (encryption and proving multiply by
/// `K` many times; the table halves the cost of each).
#[derive(Clone)]
pub struct PublicKey {
    element: Element,
    /// Built on first use: verifiers never need it.
    table: Arc<OnceLock<RistrettoBasepointTable>>,
}

impl PublicKey {
    /// Wraps an element as a public key; the identity is refused.
    pub fn from_element(element: Element) -> Result<Self> {
        if element.is_identity() {
            return Err(DecodeError::IdentityPoint.into());
        }
        Ok(PublicKey {
            table: Arc::new(OnceLock::new()),
            element,
        })
    }

    /// Decodes a public key (identity forbidden, spec §2.3).
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        Self::from_element(Element::decode(bytes, IdentityRule::Forbidden)?)
    }

    /// The key as a group element.
    pub fn element(&self) -> &Element {
        &self.element
    }

    /// The key's point `K`.
    pub fn point(&self) -> &RistrettoPoint {
        self.element.point()
    }

    /// `x·K` through the precomputed table.
    pub fn mul(&self, x: &Scalar) -> RistrettoPoint {
        self.table
            .get_or_init(|| RistrettoBasepointTable::create(self.element.point()))
            * x
    }

    /// Encrypts `m` with the given nonce (spec: protocol.md §4.2). The nonce
    /// is the caller's so that a ballot can be audited.
    pub fn encrypt_with_nonce(&self, m: u64, nonce: &Nonce) -> Ciphertext {
        Ciphertext {
            a: mul_g(&nonce.0),
            b: small_multiple_of_g(m) + self.mul(&nonce.0),
        }
    }

    /// Encrypts `m` with a fresh nonce, returned for audits.
    pub fn encrypt<R: CryptoRng + ?Sized>(&self, m: u64, rng: &mut R) -> (Ciphertext, Nonce) {
        let nonce = Nonce::generate(rng);
        (self.encrypt_with_nonce(m, &nonce), nonce)
    }

    /// Re-encrypts: adds an encryption of zero with a fresh nonce `r'`,
    /// giving `(A + r'·G, B + r'·K)`, which decrypts to the same `m`
    /// (spec: protocol.md §4.3).
    pub fn reencrypt(&self, ciphertext: &Ciphertext, nonce: &Nonce) -> Ciphertext {
        *ciphertext + self.encrypt_with_nonce(0, nonce)
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.element == other.element
    }
}
impl Eq for PublicKey {}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PublicKey({})", self.element.to_hex())
    }
}

/// `m·G`, with the common cases 0 and 1 as additions.
fn small_multiple_of_g(m: u64) -> RistrettoPoint {
    match m {
        0 => RistrettoPoint::identity(),
        1 => RISTRETTO_BASEPOINT_POINT,
        _ => mul_g(&Scalar::from(m)),
    }
}

/// An ElGamal ciphertext `(A, B)`, as algebra: add, scale, re-encrypt.
/// Encode it with [`Ciphertext::encode`] to publish or hash it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ciphertext {
    /// `A = r·G`.
    pub a: RistrettoPoint,
    /// `B = m·G + r·K`.
    pub b: RistrettoPoint,
}

impl Ciphertext {
    /// The encryption of zero with nonce zero, the neutral element of `+`.
    pub fn zero() -> Self {
        Ciphertext {
            a: RistrettoPoint::identity(),
            b: RistrettoPoint::identity(),
        }
    }

    /// `w·(A, B)`, an encryption of `w·m` (voter weights, spec §4.3).
    pub fn scale(&self, w: u64) -> Self {
        let w = Scalar::from(w);
        Ciphertext {
            a: self.a * w,
            b: self.b * w,
        }
    }

    /// Compresses both components.
    pub fn encode(&self) -> EncodedCiphertext {
        EncodedCiphertext {
            a: Element::from_point(self.a),
            b: Element::from_point(self.b),
        }
    }
}

impl core::ops::Add for Ciphertext {
    type Output = Ciphertext;
    fn add(self, rhs: Ciphertext) -> Ciphertext {
        Ciphertext {
            a: self.a + rhs.a,
            b: self.b + rhs.b,
        }
    }
}

impl core::ops::AddAssign<&Ciphertext> for Ciphertext {
    fn add_assign(&mut self, rhs: &Ciphertext) {
        self.a += rhs.a;
        self.b += rhs.b;
    }
}

impl<'a> core::iter::Sum<&'a Ciphertext> for Ciphertext {
    fn sum<I: Iterator<Item = &'a Ciphertext>>(iter: I) -> Ciphertext {
        iter.fold(Ciphertext::zero(), |mut acc, c| {
            acc += c;
            acc
        })
    }
}

/// A ciphertext with its canonical encoding `A ‖ B` (64 bytes): what is
/// published, hashed into transcripts and read back (spec: protocol.md §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodedCiphertext {
    /// `A`.
    pub a: Element,
    /// `B`.
    pub b: Element,
}

impl EncodedCiphertext {
    /// Decodes a list of ciphertexts `A ‖ B ‖ A ‖ B …` in parallel, the
    /// identity allowed as in a shuffle's input and output (spec:
    /// protocol.md §13.5).
    pub fn decode_many(bytes: &[u8]) -> Result<Vec<Self>, DecodeError> {
        use rayon::prelude::*;
        if !bytes.len().is_multiple_of(CIPHERTEXT_LEN) {
            return Err(DecodeError::WrongLength {
                expected: bytes.len().next_multiple_of(CIPHERTEXT_LEN),
                actual: bytes.len(),
            });
        }
        bytes
            .par_chunks(CIPHERTEXT_LEN)
            .map(|c| Self::decode(c, IdentityRule::Allowed))
            .collect()
    }

    /// Decodes `A ‖ B`. `a_identity` says whether `A` may be the identity:
    /// a ballot's may not (its nonce would be zero and its choice public);
    /// an encrypted tally's may (an empty sum), spec §2.3.
    pub fn decode(bytes: &[u8], a_identity: IdentityRule) -> Result<Self, DecodeError> {
        let mut r = Reader::exact(bytes, CIPHERTEXT_LEN)?;
        let a = r.element(a_identity, CIPHERTEXT_LEN)?;
        let b = r.element(IdentityRule::Allowed, CIPHERTEXT_LEN)?;
        r.finish(CIPHERTEXT_LEN)?;
        Ok(EncodedCiphertext { a, b })
    }

    /// The 64-byte encoding.
    pub fn to_bytes(&self) -> [u8; CIPHERTEXT_LEN] {
        let mut out = [0u8; CIPHERTEXT_LEN];
        let (a, b) = out.split_at_mut(POINT_LEN);
        a.copy_from_slice(self.a.as_bytes());
        b.copy_from_slice(self.b.as_bytes());
        out
    }

    /// The ciphertext's algebra.
    pub fn ciphertext(&self) -> Ciphertext {
        Ciphertext {
            a: *self.a.point(),
            b: *self.b.point(),
        }
    }
}

/// Baby-step giant-step table for recovering `m` from `m·G` when
/// `0 ≤ m < bound` (spec: protocol.md §4.5). Built once, shared and reused.
///
/// With `n = 2^k` baby steps the table holds the first 8 bytes of the
/// encodings of `0·G … (n−1)·G` with their indices, sorted (16 bytes per
/// entry). A search
/// subtracts `n·G` repeatedly — at most `bound / n` giant steps — compressing
/// the candidates in batches. A prefix match is confirmed by one fixed-base
/// multiplication, so a truncated-key collision cannot give a wrong answer.
/// Every search ends in bounded time, found or not.
pub struct DlogTable {
    baby: Vec<(u64, u32)>,
    baby_steps: u64,
    bound: u64,
    /// `−(n/2)·G`: one giant step on halved points.
    giant_half: RistrettoPoint,
}

impl core::fmt::Debug for DlogTable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DlogTable")
            .field("baby_steps", &self.baby_steps)
            .field("bound", &self.bound)
            .finish()
    }
}

/// Points compressed per batch while building or searching.
const DLOG_BATCH: usize = 1024;

fn prefix(bytes: &[u8; 32]) -> u64 {
    let mut p = [0u8; 8];
    p.copy_from_slice(bytes.first_chunk::<8>().unwrap_or(&[0; 8]));
    u64::from_le_bytes(p)
}

impl DlogTable {
    /// Builds a table of `2^baby_steps_log2` baby steps that solves for
    /// `0 ≤ m < bound`. `baby_steps_log2` is clamped to `1..=24`.
    pub fn new(baby_steps_log2: u32, bound: u64) -> Self {
        let baby_steps = 1u64 << baby_steps_log2.clamp(1, 24);
        let half_g = RISTRETTO_BASEPOINT_POINT * half();
        let mut baby = Vec::with_capacity(baby_steps as usize);
        let mut halves = Vec::with_capacity(DLOG_BATCH);
        let mut current = RistrettoPoint::identity();
        let mut index: u32 = 0;
        while u64::from(index) < baby_steps {
            halves.clear();
            while halves.len() < DLOG_BATCH && u64::from(index) + (halves.len() as u64) < baby_steps
            {
                halves.push(current);
                current += half_g;
            }
            for c in RistrettoPoint::double_and_compress_batch(&halves) {
                baby.push((prefix(&c.to_bytes()), index));
                index += 1;
            }
        }
        baby.sort_unstable();
        DlogTable {
            baby,
            baby_steps,
            bound,
            giant_half: -(RISTRETTO_BASEPOINT_POINT * (Scalar::from(baby_steps) * half())),
        }
    }

    /// The standard table: 2^18 baby steps (4 MiB), bound
    /// [`DLOG_BOUND`]; at most 2^14 giant steps per search. Built on first
    /// use and shared by the whole process.
    pub fn shared() -> &'static DlogTable {
        static TABLE: OnceLock<DlogTable> = OnceLock::new();
        TABLE.get_or_init(|| DlogTable::new(18, DLOG_BOUND))
    }

    /// The exclusive upper bound this table solves to.
    pub fn bound(&self) -> u64 {
        self.bound
    }

    /// Finds `m` with `m·G = target` and `0 ≤ m < bound`, or reports
    /// [`Error::DlogOutOfRange`] after at most `bound / baby_steps` giant
    /// steps.
    pub fn solve(&self, target: &RistrettoPoint) -> Result<u64> {
        let giants = self.bound.div_ceil(self.baby_steps);
        let mut candidate = target * half();
        let mut j: u64 = 0;
        let mut batch = 1usize;
        let mut halves = Vec::with_capacity(DLOG_BATCH);
        while j < giants {
            halves.clear();
            while halves.len() < batch && j + (halves.len() as u64) < giants {
                halves.push(candidate);
                candidate += self.giant_half;
            }
            for (k, c) in RistrettoPoint::double_and_compress_batch(&halves)
                .iter()
                .enumerate()
            {
                if let Some(m) = self.lookup(&c.to_bytes(), j + k as u64, target) {
                    return Ok(m);
                }
            }
            j += halves.len() as u64;
            // Small plaintexts are the common case: start with one
            // candidate and grow the batch geometrically.
            batch = (batch * 4).min(DLOG_BATCH);
        }
        Err(Error::DlogOutOfRange { bound: self.bound })
    }

    fn lookup(&self, encoding: &[u8; 32], giant: u64, target: &RistrettoPoint) -> Option<u64> {
        let key = prefix(encoding);
        let start = self.baby.partition_point(|(k, _)| *k < key);
        self.baby
            .get(start..)?
            .iter()
            .take_while(|(k, _)| *k == key)
            .map(|(_, i)| giant * self.baby_steps + u64::from(*i))
            .find(|m| *m < self.bound && mul_g(&Scalar::from(*m)) == *target)
    }
}

/// Lagrange coefficient `λ_i = Π_{j ∈ S, j ≠ i} j / (j − i)` at zero for
/// trustee index `i` among the (1-based, distinct) indices `S`
/// (spec: protocol.md §4.4). `None` if `i` is not in `S`, an index is zero
/// or repeated.
pub fn lagrange_at_zero(i: u32, indices: &[u32]) -> Option<Scalar> {
    if i == 0 || !indices.contains(&i) {
        return None;
    }
    let mut num = Scalar::ONE;
    let mut den = Scalar::ONE;
    for (pos, &j) in indices.iter().enumerate() {
        if j == 0 || indices.get(..pos)?.contains(&j) {
            return None;
        }
        if j != i {
            num *= Scalar::from(j);
            den *= Scalar::from(j) - Scalar::from(i);
        }
    }
    Some(num * den.invert())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::os_rng;
    use proptest::prelude::*;

    fn small_table() -> DlogTable {
        DlogTable::new(8, 1 << 16)
    }

    #[test]
    fn encrypt_decrypt_round_trip() {
        let mut rng = os_rng();
        let sk = SecretKey::generate(&mut rng);
        let pk = sk.public_key().unwrap();
        let t = DlogTable::shared();
        for m in [0u64, 1, 2, 3, 255, 256, 65_535, 1_000_000, 3_800_000] {
            let (ct, _) = pk.encrypt(m, &mut rng);
            assert_eq!(sk.decrypt(&ct, t).unwrap(), m);
        }
        let (ct, _) = pk.encrypt(DLOG_BOUND - 1, &mut rng);
        assert_eq!(sk.decrypt(&ct, t).unwrap(), DLOG_BOUND - 1);
    }

    #[test]
    fn dlog_out_of_range_is_a_bounded_error() {
        let t = small_table();
        let target = mul_g(&Scalar::from(1u64 << 16));
        assert_eq!(
            t.solve(&target),
            Err(Error::DlogOutOfRange { bound: 1 << 16 })
        );
        assert_eq!(t.solve(&mul_g(&Scalar::from(65_535u64))).unwrap(), 65_535);
        // A "negative" value (ℓ − 1) is out of range too.
        assert!(t.solve(&mul_g(&-Scalar::ONE)).is_err());
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let sk = SecretKey::from_scalar(Scalar::from(42u64));
        let n = Nonce::from_scalar(Scalar::from(42u64));
        assert_eq!(format!("{sk:?}"), "SecretKey(<redacted>)");
        assert_eq!(format!("{n:?}"), "Nonce(<redacted>)");
    }

    #[test]
    fn identity_public_key_is_refused() {
        assert!(PublicKey::decode(&[0u8; 32]).is_err());
        assert!(SecretKey::from_scalar(Scalar::ZERO).public_key().is_err());
    }

    #[test]
    fn ciphertext_decoding() {
        let mut rng = os_rng();
        let pk = SecretKey::generate(&mut rng).public_key().unwrap();
        let (ct, _) = pk.encrypt(1, &mut rng);
        let enc = ct.encode();
        let back = EncodedCiphertext::decode(&enc.to_bytes(), IdentityRule::Forbidden).unwrap();
        assert_eq!(back, enc);
        assert_eq!(back.ciphertext(), ct);
        assert!(EncodedCiphertext::decode(&[0u8; 64], IdentityRule::Forbidden).is_err());
        assert!(EncodedCiphertext::decode(&[0u8; 64], IdentityRule::Allowed).is_ok());
        assert!(matches!(
            EncodedCiphertext::decode(&[0u8; 63], IdentityRule::Allowed),
            Err(DecodeError::WrongLength {
                expected: 64,
                actual: 63
            })
        ));
    }

    #[test]
    fn lagrange_interpolates_a_line() {
        // f(x) = 5 + 3x; shares at 1, 2, 3; any two recover f(0) = 5.
        let f = |x: u64| Scalar::from(5u64) + Scalar::from(3u64) * Scalar::from(x);
        for set in [[1u32, 2], [1, 3], [2, 3]] {
            let secret: Scalar = set
                .iter()
                .map(|&i| lagrange_at_zero(i, &set).unwrap() * f(u64::from(i)))
                .sum();
            assert_eq!(secret, Scalar::from(5u64));
        }
        assert_eq!(lagrange_at_zero(4, &[1, 2]), None);
        assert_eq!(lagrange_at_zero(1, &[1, 1]), None);
        assert_eq!(lagrange_at_zero(0, &[0, 1]), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Enc(m1; r1) + Enc(m2; r2) = Enc(m1 + m2; r1 + r2).
        #[test]
        fn homomorphism(m1 in 0u64..1 << 20, m2 in 0u64..1 << 20, r1 in any::<[u8; 32]>(), r2 in any::<[u8; 32]>(), s in any::<[u8; 32]>()) {
            let sk = SecretKey::from_scalar(Scalar::from_bytes_mod_order(s) + Scalar::ONE);
            let pk = sk.public_key().unwrap();
            let n1 = Nonce::from_scalar(Scalar::from_bytes_mod_order(r1));
            let n2 = Nonce::from_scalar(Scalar::from_bytes_mod_order(r2));
            let n12 = Nonce::from_scalar(n1.as_scalar() + n2.as_scalar());
            let sum = pk.encrypt_with_nonce(m1, &n1) + pk.encrypt_with_nonce(m2, &n2);
            prop_assert_eq!(sum, pk.encrypt_with_nonce(m1 + m2, &n12));
            prop_assert_eq!(sk.decrypt(&sum, DlogTable::shared()).unwrap(), m1 + m2);
        }

        /// Re-encryption changes the ciphertext, not the plaintext.
        #[test]
        fn reencryption(m in 0u64..1000, r in any::<[u8; 32]>()) {
            let mut rng = os_rng();
            let sk = SecretKey::generate(&mut rng);
            let pk = sk.public_key().unwrap();
            let (ct, _) = pk.encrypt(m, &mut rng);
            let re = pk.reencrypt(&ct, &Nonce::from_scalar(Scalar::from_bytes_mod_order(r) + Scalar::ONE));
            prop_assert_ne!(re, ct);
            prop_assert_eq!(sk.decrypt(&re, DlogTable::shared()).unwrap(), m);
        }

        /// Weights: w·Enc(m) decrypts to w·m.
        #[test]
        fn scaling(m in 0u64..100, w in 0u64..1000) {
            let mut rng = os_rng();
            let sk = SecretKey::generate(&mut rng);
            let pk = sk.public_key().unwrap();
            let (ct, _) = pk.encrypt(m, &mut rng);
            prop_assert_eq!(sk.decrypt(&ct.scale(w), DlogTable::shared()).unwrap(), w * m);
        }

        /// The small table finds every value below its bound.
        #[test]
        fn dlog_small(m in 0u64..1 << 16) {
            prop_assert_eq!(small_table().solve(&mul_g(&Scalar::from(m))).unwrap(), m);
        }
    }
}
