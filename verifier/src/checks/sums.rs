//! The running sums of ballots' ciphertexts per contest and candidate, kept
//! by the board's pass (V10–V16) and turned into the encrypted tally by
//! V17 (verification.md §5, V17; record.md §7).

use std::collections::BTreeMap;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;

use super::Election;
use crate::ballot::Ballot;

/// A pair of running sums `(Σ A, Σ B)`.
pub(super) type Pair = (RistrettoPoint, RistrettoPoint);

/// Sums of ballots' ciphertexts, kept without multiplying by weights: a
/// ballot of weight `w` is added to the table of every set bit `i` of `w`,
/// and the weighted tally is `Σ_i 2^i·S_i`. So there are at most 64 tables
/// whatever the weights, each holding only the contests its ballots had.
#[derive(Debug, Default)]
pub(super) struct Sums {
    /// `(bit, contest)` → per candidate.
    tables: BTreeMap<(u8, u32), Vec<Pair>>,
}

impl Sums {
    /// Adds (or with `add = false` takes out) a ballot of weight `weight`;
    /// ranked contests' entries are left out of the tally (record.md §9.2).
    pub(super) fn add(&mut self, weight: u64, ballot: &Ballot, add: bool) {
        for bit in (0..64u8).filter(|b| weight >> b & 1 == 1) {
            for c in ballot.contests.iter().filter(|c| c.preference.is_none()) {
                let row = self.tables.entry((bit, c.index)).or_insert_with(|| {
                    vec![
                        (RistrettoPoint::default(), RistrettoPoint::default());
                        c.ciphertexts.len()
                    ]
                });
                for (acc, ct) in row.iter_mut().zip(&c.ciphertexts) {
                    if add {
                        acc.0 += ct.a.point;
                        acc.1 += ct.b.point;
                    } else {
                        acc.0 -= ct.a.point;
                        acc.1 -= ct.b.point;
                    }
                }
            }
        }
    }

    /// Adds another set of sums.
    pub(super) fn merge(&mut self, other: Sums) {
        for (key, row) in other.tables {
            match self.tables.get_mut(&key) {
                None => {
                    self.tables.insert(key, row);
                }
                Some(mine) => {
                    for (x, y) in mine.iter_mut().zip(row) {
                        x.0 += y.0;
                        x.1 += y.1;
                    }
                }
            }
        }
    }

    /// `Σ_i 2^i·S_i` per contest and candidate (the identity where no
    /// ballot contributed); nothing for a ranked contest (record.md §9.2).
    pub(super) fn total(&self, e: &Election) -> Vec<Vec<Pair>> {
        let mut total: Vec<Vec<Pair>> = e
            .shapes
            .iter()
            .map(|s| match s.preferences {
                Some(_) => Vec::new(),
                None => {
                    vec![(RistrettoPoint::default(), RistrettoPoint::default()); s.candidates]
                }
            })
            .collect();
        for ((bit, contest), row) in &self.tables {
            let factor = Scalar::from(1u64 << bit);
            if let Some(out) = total.get_mut(*contest as usize) {
                for (t, s) in out.iter_mut().zip(row) {
                    if *bit == 0 {
                        t.0 += s.0;
                        t.1 += s.1;
                    } else {
                        t.0 += s.0 * factor;
                        t.1 += s.1 * factor;
                    }
                }
            }
        }
        total
    }
}
