//! Batch verification by random linear combination (spec: protocol.md §10).
//!
//! Every proof in this crate is verified through equations of the form
//!
//! ```text
//!     Σ_j  e_j · P_j  =  0        (P_j points, e_j scalars)
//! ```
//!
//! (for instance a Schnorr proof's `s·G − R − c·X = 0`). A [`BatchVerifier`]
//! multiplies each equation by a fresh random 128-bit weight `z`, adds them
//! all up, and checks the single sum with one multiscalar multiplication. If
//! every equation holds the sum is the identity. If some equation does not,
//! its left-hand side is a non-identity point `Q` in a group of prime order
//! ℓ, and for any fixed values of the other terms at most one value of its
//! weight modulo ℓ makes the total vanish; since the weights are drawn after
//! the proofs are fixed, the batch wrongly accepts with probability at most
//! 2⁻¹²⁸. Ristretto255 has no small subgroup, so no cofactor can hide a
//! failing term.
//!
//! Points that many equations share (the generator `G`, an election key
//! `K`) are kept once with a summed coefficient, so they cost one term for
//! the whole batch. Dalek's Pippenger stops getting cheaper per point past
//! about 2^16 points, so the sum is evaluated in chunks of that size and the
//! chunk results added.

use std::collections::HashMap;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use crate::elgamal::mul_g;
use crate::encoding::Element;
use crate::errors::{Error, ProofKind, Result};

/// Points per multiscalar multiplication.
const MSM_CHUNK: usize = 1 << 16;

/// Accumulates weighted verification equations and checks them together.
pub struct BatchVerifier {
    generator: Scalar,
    shared: Vec<(Element, Scalar)>,
    shared_index: HashMap<[u8; 32], usize>,
    scalars: Vec<Scalar>,
    points: Vec<RistrettoPoint>,
    weights: ChaCha20Rng,
}

impl core::fmt::Debug for BatchVerifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BatchVerifier")
            .field("terms", &self.points.len())
            .field("shared", &self.shared.len())
            .finish()
    }
}

impl Default for BatchVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl BatchVerifier {
    /// A new, empty batch whose weights come from the operating system's
    /// generator.
    pub fn new() -> Self {
        let mut seed = [0u8; 32];
        crate::rng::os_rng().fill_bytes(&mut seed);
        Self::with_seed(seed)
    }

    /// A batch whose weights come from `seed`. Soundness needs the seed to
    /// be unpredictable to whoever made the proofs: use this only for tests.
    pub fn with_seed(seed: [u8; 32]) -> Self {
        BatchVerifier {
            generator: Scalar::ZERO,
            shared: Vec::new(),
            shared_index: HashMap::new(),
            scalars: Vec::new(),
            points: Vec::new(),
            weights: ChaCha20Rng::from_seed(seed),
        }
    }

    /// Reserves room for `n` more individual terms.
    pub fn reserve(&mut self, n: usize) {
        self.scalars.reserve(n);
        self.points.reserve(n);
    }

    /// Number of individual (non-shared) terms so far.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether nothing has been added.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty() && self.shared.is_empty() && self.generator == Scalar::ZERO
    }

    /// A fresh random 128-bit weight for one equation.
    pub fn weight(&mut self) -> Scalar {
        let hi = u128::from(self.weights.next_u64()) << 64;
        Scalar::from(hi | u128::from(self.weights.next_u64()))
    }

    /// Adds `coefficient · G`.
    pub fn add_generator(&mut self, coefficient: Scalar) {
        self.generator += coefficient;
    }

    /// Adds `coefficient · P` for a point many equations share, such as an
    /// election key; its coefficients are summed into one term.
    pub fn add_shared(&mut self, point: &Element, coefficient: Scalar) {
        match self.shared_index.get(point.as_bytes()) {
            Some(&i) => {
                if let Some((_, c)) = self.shared.get_mut(i) {
                    *c += coefficient;
                }
            }
            None => {
                self.shared_index
                    .insert(*point.as_bytes(), self.shared.len());
                self.shared.push((*point, coefficient));
            }
        }
    }

    /// Adds `coefficient · P`.
    pub fn add(&mut self, coefficient: Scalar, point: RistrettoPoint) {
        self.scalars.push(coefficient);
        self.points.push(point);
    }

    /// Checks that the weighted sum of everything added is the identity.
    pub fn verify(&self) -> bool {
        let mut total = mul_g(&self.generator)
            + RistrettoPoint::vartime_multiscalar_mul(
                self.shared.iter().map(|(_, c)| c),
                self.shared.iter().map(|(p, _)| p.point()),
            );
        for (s, p) in self
            .scalars
            .chunks(MSM_CHUNK)
            .zip(self.points.chunks(MSM_CHUNK))
        {
            total += RistrettoPoint::vartime_multiscalar_mul(s, p);
        }
        total.is_identity()
    }
}

/// Verifies many items in one batch. `add` decodes one item if needed and
/// adds its equations. If the batch fails, each item is checked alone and
/// the error lists every failing index with its reason: malformed, or a
/// `kind` proof that does not verify (spec: protocol.md §10.2). The items
/// are valid exactly when each passes alone, so if none fails alone the
/// result is `Ok`.
pub fn verify_items<T>(
    items: &[T],
    kind: ProofKind,
    add: impl FnMut(&T, &mut BatchVerifier) -> Result<()>,
) -> Result<()> {
    let failed: Vec<(usize, Error)> = verify_each(items, kind, add)
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| r.err().map(|e| (i, e)))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::BatchFailed { failed })
    }
}

/// Like [`verify_items`], but with one result per item: all `Ok` when the
/// batch passes, otherwise each item's own verdict. This is what a ballot
/// box needs: accept the good items of a batch, reject the bad with reasons.
pub fn verify_each<T>(
    items: &[T],
    kind: ProofKind,
    mut add: impl FnMut(&T, &mut BatchVerifier) -> Result<()>,
) -> Vec<Result<()>> {
    let mut batch = BatchVerifier::new();
    let mut all_added = true;
    for item in items {
        if add(item, &mut batch).is_err() {
            all_added = false;
            break;
        }
    }
    if all_added && batch.verify() {
        return items.iter().map(|_| Ok(())).collect();
    }
    items
        .iter()
        .map(|item| {
            let mut one = BatchVerifier::new();
            add(item, &mut one)?;
            if one.verify() {
                Ok(())
            } else {
                Err(Error::VerificationFailed(kind))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_batch_verifies() {
        assert!(BatchVerifier::new().verify());
    }

    #[test]
    fn a_single_wrong_term_is_caught() {
        let x = Scalar::from(12345u64);
        let p = mul_g(&x);
        let mut b = BatchVerifier::new();
        let z = b.weight();
        // z·(x·G − P) = 0 holds ...
        b.add_generator(z * x);
        b.add(-z, p);
        assert!(b.verify());
        // ... z'·(x·G − (P + G)) = 0 does not.
        let z = b.weight();
        b.add_generator(z * x);
        b.add(-z, p + mul_g(&Scalar::ONE));
        assert!(!b.verify());
    }

    #[test]
    fn shared_terms_are_merged() {
        let g = Element::generator();
        let mut b = BatchVerifier::new();
        b.add_shared(&g, Scalar::from(3u64));
        b.add_shared(&g, Scalar::from(4u64));
        b.add_generator(-Scalar::from(7u64));
        assert_eq!(b.shared.len(), 1);
        assert!(b.verify());
    }

    #[test]
    fn verify_items_names_the_failures() {
        let items: Vec<u64> = (0..10).collect();
        let r = verify_items(&items, ProofKind::Schnorr, |i, b| {
            // Item i claims i·G = i·G, except 3 and 7 which lie.
            let lie = u64::from(*i == 3 || *i == 7);
            let z = b.weight();
            b.add_generator(z * Scalar::from(*i));
            b.add(-z, mul_g(&Scalar::from(*i + lie)));
            Ok(())
        });
        let lie = Error::VerificationFailed(ProofKind::Schnorr);
        assert_eq!(
            r,
            Err(Error::BatchFailed {
                failed: vec![(3, lie.clone()), (7, lie)]
            })
        );
    }
}
