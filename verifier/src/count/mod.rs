//! Counting of ranked ballots (counting.md): the single transferable vote
//! as in Scotland ([`stv`], counting.md §2) and Schulze's method
//! ([`schulze`], counting.md §3), in integers only, with ties broken by a
//! public lot (counting.md §1.3).
//!
//! This is the observers' own reading of `spec/counting.md`, written from
//! that text alone, so that a published result can be recounted and
//! compared figure by figure, stage by stage (counting.md §2.9, §3.6).
//!
//! Ballots are sequences of 0-based candidate indices, first preference
//! first, each with a multiplicity. Identical sequences are counted once,
//! with their multiplicity (counting.md §1.5): a million ballots over thirty
//! candidates count in well under a second in release builds.
//!
//! ```
//! use valurna_verifier::count::{self, Action};
//!
//! // Three candidates, one seat: 4 voters rank 0 only, 3 rank 1 only and
//! // 2 rank 2 then 1.
//! let ballots: [(&[u32], u64); 3] = [(&[0], 4), (&[1], 3), (&[2, 1], 2)];
//! let seed = count::seed(&[0; 32], 0);
//! let stv = count::stv(3, 1, ballots, &seed).unwrap();
//! assert_eq!(stv.elected, [1]);
//! assert_eq!(stv.stages[1].action, Action::Exclusion { candidate: 2 });
//! let schulze = count::schulze(3, 1, ballots, &seed).unwrap();
//! assert_eq!(schulze.ranking, [1, 0, 2]);
//! ```

use rayon::slice::ParallelSliceMut;
use sha2::{Digest, Sha256};

use crate::error::{Error, Malformed};

mod schulze;
mod stv;

pub use schulze::{Schulze, schulze};
pub use stv::{Action, Stage, Stv, stv};

/// Units in one vote: STV figures are integers in 10⁻⁵ vote (counting.md
/// §1.2).
pub const UNIT: u64 = 100_000;

/// The most candidates a count accepts (counting.md §1.4).
pub const MAX_CANDIDATES: usize = 1000;

/// The lot's domain for STV (counting.md §1.3).
pub const STV_LOT: &[u8] = b"valurna/stv-lot/v1";

/// The lot's domain for Schulze's method (counting.md §1.3).
pub const SCHULZE_LOT: &[u8] = b"valurna/schulze-lot/v1";

/// `SHA-256("valurna/count-seed/v1" ‖ seal ‖ u32(contest))`, the seed of
/// contest `contest`'s lot from the sealed board's seal (counting.md §1.3).
pub fn seed(seal: &[u8; 32], contest: u32) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/count-seed/v1");
    h.update(seal);
    h.update(contest.to_le_bytes());
    h.finalize().into()
}

/// `L_D(x) = SHA-256(D ‖ seed ‖ u32(x))` (counting.md §1.3).
pub fn lot(domain: &[u8], seed: &[u8; 32], candidate: u32) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(domain);
    h.update(seed);
    h.update(candidate.to_le_bytes());
    h.finalize().into()
}

/// `rank[x]`: `x`'s place when the candidates are ordered by the lot,
/// 0 for the most favoured (counting.md §1.3: the smaller `L_D(x)`, then
/// the smaller `x`).
fn lot_ranks(domain: &[u8], seed: &[u8; 32], candidates: usize) -> Vec<usize> {
    let mut order: Vec<([u8; 32], usize)> = (0..candidates)
        .map(|x| (lot(domain, seed, x as u32), x))
        .collect();
    order.sort_unstable();
    let mut rank = vec![0; candidates];
    for (place, (_, x)) in order.into_iter().enumerate() {
        if let Some(r) = rank.get_mut(x) {
            *r = place;
        }
    }
    rank
}

/// `OutOfRange` naming `field` (counting.md §1.4).
fn out_of_range(field: &'static str) -> Error {
    Error::Malformed(Malformed::OutOfRange(field))
}

/// Checks `1 ≤ C ≤ 1000` and `1 ≤ S ≤ C` (counting.md §1.4).
fn check_parameters(candidates: usize, seats: usize) -> Result<(), Error> {
    if candidates == 0 || candidates > MAX_CANDIDATES {
        return Err(out_of_range("candidates"));
    }
    if seats == 0 || seats > candidates {
        return Err(out_of_range("seats"));
    }
    Ok(())
}

/// The counted ballots, each distinct sequence once with its multiplicity,
/// and the numbers of counted, empty and invalid ballots (counting.md §1.1,
/// §1.5).
#[derive(Debug)]
struct Grouped {
    /// The distinct sequences, end to end, in lexicographic order.
    arena: Vec<u32>,
    /// `(start in arena, length, multiplicity)`: every multiplicity `≥ 1`,
    /// every sequence valid and not empty.
    groups: Vec<(usize, usize, u64)>,
    /// `V`.
    counted: u64,
    /// Empty ballots.
    empty: u64,
    /// Invalid ballots.
    invalid: u64,
    /// First preferences of each candidate (ballots, not units).
    first: Vec<u64>,
}

impl Grouped {
    /// Group `g`'s sequence and multiplicity.
    fn get(&self, g: usize) -> (&[u32], u64) {
        self.groups.get(g).map_or((&[], 0), |(start, len, n)| {
            (self.arena.get(*start..start + len).unwrap_or(&[]), *n)
        })
    }

    /// Every group's sequence and multiplicity.
    fn iter(&self) -> impl Iterator<Item = (&[u32], u64)> {
        (0..self.groups.len()).map(|g| self.get(g))
    }
}

/// The first six preferences of a valid sequence, `x + 1` in 10 bits
/// each (`C ≤ 1000`), 0 where the sequence is shorter: comparing these
/// compares the sequences' first six places lexicographically, so sorting
/// mostly compares integers.
fn prefix(b: &[u32]) -> u64 {
    (0..6).fold(0, |key, i| {
        key << 10 | b.get(i).map_or(0, |x| u64::from(*x) + 1)
    })
}

/// Classifies and groups the ballots (counting.md §1.1, counting.md §1.5).
/// A sum that does not fit in 64 bits is `OutOfRange("number of ballots")`
/// (counting.md §1.4). Sequences are grouped by sorting, whose time does
/// not depend on which ballots voters chose.
fn group<B, I>(candidates: usize, ballots: I) -> Result<Grouped, Error>
where
    B: AsRef<[u32]>,
    I: IntoIterator<Item = (B, u64)>,
{
    let too_many = || out_of_range("number of ballots");
    let (mut counted, mut empty, mut invalid) = (0u64, 0u64, 0u64);
    let mut seen = vec![false; candidates];
    let mut all: Vec<u32> = Vec::new();
    // (the first six preferences packed, start, length, multiplicity)
    let mut spans: Vec<(u64, usize, usize, u64)> = Vec::new();
    for (ballot, n) in ballots {
        if n == 0 {
            continue;
        }
        let b = ballot.as_ref();
        if b.is_empty() {
            empty = empty.checked_add(n).ok_or_else(too_many)?;
            continue;
        }
        let mut valid = true;
        for &x in b {
            match seen.get_mut(x as usize) {
                Some(s) if !*s => *s = true,
                _ => {
                    valid = false;
                    break;
                }
            }
        }
        for &x in b {
            if let Some(s) = seen.get_mut(x as usize) {
                *s = false;
            }
        }
        if !valid {
            invalid = invalid.checked_add(n).ok_or_else(too_many)?;
            continue;
        }
        counted = counted.checked_add(n).ok_or_else(too_many)?;
        spans.push((prefix(b), all.len(), b.len(), n));
        all.extend_from_slice(b);
    }
    let slice =
        |(_, start, len, _): &(u64, usize, usize, u64)| all.get(*start..start + len).unwrap_or(&[]);
    spans.par_sort_unstable_by(|x, y| x.0.cmp(&y.0).then_with(|| slice(x).cmp(slice(y))));
    let mut arena = Vec::new();
    let mut groups: Vec<(usize, usize, u64)> = Vec::new();
    let mut first = vec![0u64; candidates];
    let mut last: &[u32] = &[];
    for span in &spans {
        let b = slice(span);
        if let Some(f) = b.first().and_then(|x| first.get_mut(*x as usize)) {
            // At most `counted`, which fits.
            *f += span.3;
        }
        match groups.last_mut() {
            Some(g) if b == last => g.2 += span.3,
            _ => {
                groups.push((arena.len(), b.len(), span.3));
                arena.extend_from_slice(b);
                last = b;
            }
        }
    }
    Ok(Grouped {
        arena,
        groups,
        counted,
        empty,
        invalid,
        first,
    })
}
