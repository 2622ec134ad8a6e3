//! Batch verification (protocol.md §10).
//!
//! Every verification equation of protocol.md §5–§7 has the form
//! `Σ_j e_j·P_j = O`. [`Equations`] collects many of them, each multiplied
//! by its own random weight `z < 2^128`, and checks their sum with one
//! multiscalar multiplication. The generator `G` and the election key `K`
//! appear in almost every equation; their coefficients are summed into one
//! term each, and callers merge terms on a point several equations share
//! (a selection's ciphertext appears in its zero-one proof and in the
//! contest's range proof) before pushing it.
//!
//! Soundness (protocol.md §10.3): a false equation leaves a non-identity
//! point `Q` whose weighted sum with the rest vanishes for at most one of
//! the `2^128` equally likely weights, so a batch with a false equation
//! passes with probability at most `2^−128`. The weights come from a
//! ChaCha20 generator seeded by the operating system for each batch, after
//! the input is fixed.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

/// Points per multiscalar multiplication; the cost per point stops falling
/// beyond about 2^16.
pub const CHUNK: usize = 1 << 16;

/// A weighted sum of equations, checked at once.
#[derive(Debug)]
pub struct Equations {
    g: Scalar,
    key: Option<(RistrettoPoint, Scalar)>,
    scalars: Vec<Scalar>,
    points: Vec<RistrettoPoint>,
    weights: ChaCha20Rng,
    /// Set when a caller could not form an equation; the batch then fails.
    broken: bool,
}

/// The operating system's randomness failed; a batch cannot be weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the operating system's random generator failed")]
pub struct NoRandomness;

impl Equations {
    /// An empty batch with weights seeded from the operating system.
    pub fn new() -> Result<Self, NoRandomness> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|_| NoRandomness)?;
        Ok(Self::with_seed(seed))
    }

    /// An empty batch with weights from `seed` (tests only: soundness needs
    /// a seed the provers cannot predict).
    pub fn with_seed(seed: [u8; 32]) -> Self {
        Equations {
            g: Scalar::ZERO,
            key: None,
            scalars: Vec::new(),
            points: Vec::new(),
            weights: ChaCha20Rng::from_seed(seed),
            broken: false,
        }
    }

    /// Sets the shared point `K` whose coefficient [`Equations::add_key`]
    /// accumulates.
    pub fn with_key(mut self, key: RistrettoPoint) -> Self {
        self.set_key(key);
        self
    }

    /// Sets the shared point `K`. Replacing a key that already has terms
    /// would drop them, so it breaks the batch instead (it then fails).
    pub fn set_key(&mut self, key: RistrettoPoint) {
        if self.key.is_some_and(|(_, e)| e != Scalar::ZERO) {
            self.broken = true;
        }
        self.key = Some((key, Scalar::ZERO));
    }

    /// A fresh weight `z`, uniform in `[0, 2^128)`.
    pub fn weight(&mut self) -> Scalar {
        let mut bytes = [0u8; 32];
        if let Some(low) = bytes.get_mut(..16) {
            self.weights.fill_bytes(low);
        }
        Scalar::from_bytes_mod_order(bytes)
    }

    /// Adds `e·G`.
    pub fn add_g(&mut self, e: Scalar) {
        self.g += e;
    }

    /// Adds `e·K` for the key set by [`Equations::with_key`]; without one
    /// the batch is marked broken and fails.
    pub fn add_key(&mut self, e: Scalar) {
        match &mut self.key {
            Some((_, k)) => *k += e,
            None => self.broken = true,
        }
    }

    /// Adds `e·P`.
    pub fn add(&mut self, e: Scalar, p: RistrettoPoint) {
        self.scalars.push(e);
        self.points.push(p);
    }

    /// Whether the weighted sum is the identity, i.e. (with overwhelming
    /// probability) every equation holds.
    pub fn holds(self) -> bool {
        if self.broken {
            return false;
        }
        let mut scalars = self.scalars;
        let mut points = self.points;
        scalars.push(self.g);
        points.push(RISTRETTO_BASEPOINT_POINT);
        if let Some((k, e)) = self.key {
            scalars.push(e);
            points.push(k);
        }
        let total: RistrettoPoint = scalars
            .chunks(CHUNK)
            .zip(points.chunks(CHUNK))
            .map(|(s, p)| RistrettoPoint::vartime_multiscalar_mul(s, p))
            .sum();
        total.is_identity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_true_equation_holds_and_a_false_one_does_not() {
        let x = Scalar::from(7u64);
        let p = RISTRETTO_BASEPOINT_POINT * x;
        // x·G − P = O
        let mut eq = Equations::with_seed([1; 32]);
        let z = eq.weight();
        eq.add_g(z * x);
        eq.add(-z, p);
        assert!(eq.holds());
        let mut eq = Equations::with_seed([1; 32]);
        let z = eq.weight();
        eq.add_g(z * (x + Scalar::ONE));
        eq.add(-z, p);
        assert!(!eq.holds());
    }

    #[test]
    fn replacing_a_used_key_fails_the_batch() {
        let k = RISTRETTO_BASEPOINT_POINT * Scalar::from(3u64);
        let mut eq = Equations::with_seed([4; 32]).with_key(k);
        eq.add_key(Scalar::ONE);
        eq.add(-Scalar::ONE, k);
        eq.set_key(k);
        assert!(!eq.holds());
    }

    #[test]
    fn a_missing_key_fails_the_batch() {
        let mut eq = Equations::with_seed([2; 32]);
        eq.add_key(Scalar::ZERO);
        assert!(!eq.holds());
    }

    #[test]
    fn weights_are_below_two_to_the_128() {
        let mut eq = Equations::with_seed([3; 32]);
        for _ in 0..100 {
            let w = eq.weight();
            assert!(
                w.as_bytes()
                    .get(16..)
                    .is_some_and(|hi| hi.iter().all(|b| *b == 0))
            );
        }
    }
}
