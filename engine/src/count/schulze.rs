//! Schulze's method with winning votes (spec: counting.md §3).
//!
//! `d[x][y]` is the number of ballots that rank `x` above `y`; a ranked
//! candidate is above every unranked one and unranked candidates are equal
//! (spec: counting.md §3.2). A link `x → y` exists when `d[x][y] > d[y][x]`
//! and its strength is `d[x][y]`; `p[x][y]` is the strength of the
//! strongest path, the strength of a path being that of its weakest link,
//! computed by Floyd–Warshall (spec: counting.md §3.3). `x` beats `y` when
//! `p[x][y] > p[y][x]`; this relation is a strict partial order (Schulze
//! 2011, section 4.1). The ranking takes, again and again, the candidates nobody
//! left beats, and the lot picks among them (spec: counting.md §3.4); `k`
//! seats go to the first `k` of the ranking (spec: counting.md §3.5).
//!
//! The pairwise matrix is built from grouped ballots in `O(k²)` per distinct
//! ballot of length `k`: with `R[x]` the ballots that rank `x` and `A[y][x]`
//! those that rank both with `y` above `x`, `d[x][y] = R[x] − A[y][x]`.

use super::{Profile, check_params, lot_order, lots, ones, profile};
use crate::errors::Result;

/// The lot's domain for Schulze (spec: counting.md §1.3).
pub const LOT_DOMAIN: &[u8] = b"valurna/schulze-lot/v1";

/// The outcome of a Schulze count (spec: counting.md §3.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchulzeResult {
    /// Every candidate, best first.
    pub ranking: Vec<u32>,
    /// The first `seats` of `ranking`.
    pub elected: Vec<u32>,
    /// The Schulze winners — the candidates nobody beats — ascending. Its
    /// only member is the Condorcet winner when there is one.
    pub winners: Vec<u32>,
    /// Whether another order the lot could have drawn would elect other
    /// candidates.
    pub decided_by_lot: bool,
    /// `d[x][y]`: ballots ranking `x` above `y` (`d[x][x] = 0`).
    pub pairwise: Vec<Vec<u64>>,
    /// `p[x][y]`: the strength of the strongest path from `x` to `y`.
    pub strongest: Vec<Vec<u64>>,
    /// Valid non-empty ballots counted.
    pub counted: u64,
    /// Empty ballots.
    pub empty: u64,
    /// Invalid ballots (not counted).
    pub invalid: u64,
}

/// Ranks `candidates` candidates by Schulze's method from `ballots` and
/// elects the first `seats` (spec: counting.md §3). `seed` is the lot's
/// seed ([`super::contest_seed`]).
pub fn schulze<B: AsRef<[u32]>>(
    candidates: u32,
    seats: u32,
    ballots: &[B],
    seed: &[u8; 32],
) -> Result<SchulzeResult> {
    schulze_grouped(candidates, seats, &ones(ballots), seed)
}

/// [`schulze`] for ballots given as `(ballot, how many)`.
pub fn schulze_grouped<B: AsRef<[u32]>>(
    candidates: u32,
    seats: u32,
    ballots: &[(B, u64)],
    seed: &[u8; 32],
) -> Result<SchulzeResult> {
    check_params(candidates, seats)?;
    let p = profile(candidates, ballots)?;
    let n = candidates as usize;
    let d = pairwise(n, &p);
    let strongest = strongest_paths(n, &d);
    let beats = |x: u32, y: u32| at(&strongest, x, y) > at(&strongest, y, x);

    let all: Vec<u32> = (0..candidates).collect();
    let winners: Vec<u32> = all
        .iter()
        .copied()
        .filter(|&x| !all.iter().any(|&y| beats(y, x)))
        .collect();

    // spec: counting.md §3.4
    let lots = lots(LOT_DOMAIN, seed, candidates);
    let mut remaining = all.clone();
    let mut ranking = Vec::with_capacity(n);
    while !remaining.is_empty() {
        let unbeaten: Vec<u32> = remaining
            .iter()
            .copied()
            .filter(|&x| !remaining.iter().any(|&y| beats(y, x)))
            .collect();
        // `unbeaten` is never empty (a strict partial order has maximal
        // elements); fall back to `remaining` rather than loop for ever.
        let pool = if unbeaten.is_empty() {
            &remaining
        } else {
            &unbeaten
        };
        let Some(next) = pool.iter().copied().min_by(|&a, &b| lot_order(&lots, a, b)) else {
            break;
        };
        ranking.push(next);
        remaining.retain(|&c| c != next);
    }

    // spec: counting.md §3.5
    let elected: Vec<u32> = ranking.iter().copied().take(seats as usize).collect();
    let others = ranking.get(seats as usize..).unwrap_or_default();
    let decided_by_lot = elected
        .iter()
        .any(|&x| others.iter().any(|&y| !beats(x, y)));

    Ok(SchulzeResult {
        ranking,
        elected,
        winners,
        decided_by_lot,
        pairwise: d,
        strongest,
        counted: p.counted,
        empty: p.empty,
        invalid: p.invalid,
    })
}

fn at(m: &[Vec<u64>], x: u32, y: u32) -> u64 {
    m.get(x as usize)
        .and_then(|r| r.get(y as usize))
        .copied()
        .unwrap_or(0)
}

/// `d[x][y]` (spec: counting.md §3.2).
fn pairwise(n: usize, p: &Profile<'_>) -> Vec<Vec<u64>> {
    // ranked[x]: ballots ranking x; above[y * n + x]: ballots ranking both,
    // y above x. Every entry is at most `p.counted`, so nothing overflows.
    let mut ranked = vec![0u64; n];
    let mut above = vec![0u64; n * n];
    for (prefs, count) in &p.groups {
        for (i, &y) in prefs.iter().enumerate() {
            if let Some(r) = ranked.get_mut(y as usize) {
                *r += count;
            }
            let row = y as usize * n;
            for &x in prefs.iter().skip(i + 1) {
                if let Some(a) = above.get_mut(row + x as usize) {
                    *a += count;
                }
            }
        }
    }
    (0..n)
        .map(|x| {
            let rx = ranked.get(x).copied().unwrap_or(0);
            (0..n)
                .map(|y| {
                    if x == y {
                        0
                    } else {
                        rx.saturating_sub(above.get(y * n + x).copied().unwrap_or(0))
                    }
                })
                .collect()
        })
        .collect()
}

/// `p[x][y]` by the Floyd–Warshall variant (spec: counting.md §3.3).
fn strongest_paths(n: usize, d: &[Vec<u64>]) -> Vec<Vec<u64>> {
    let mut p: Vec<Vec<u64>> = (0..n)
        .map(|x| {
            (0..n)
                .map(|y| {
                    let (dxy, dyx) = (at(d, x as u32, y as u32), at(d, y as u32, x as u32));
                    if x != y && dxy > dyx { dxy } else { 0 }
                })
                .collect()
        })
        .collect();
    for i in 0..n {
        // Row i does not change while i is the intermediate candidate.
        let row_i = p.get(i).cloned().unwrap_or_default();
        for (j, row_j) in p.iter_mut().enumerate() {
            if j == i {
                continue;
            }
            let pji = row_j.get(i).copied().unwrap_or(0);
            for (k, (pjk, &pik)) in row_j.iter_mut().zip(&row_i).enumerate() {
                if k != i && k != j {
                    *pjk = (*pjk).max(pji.min(pik));
                }
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: [u8; 32] = [5; 32];

    #[test]
    fn unranked_candidates_are_below_ranked_and_equal() {
        // One ballot ranks only B: B above A and C; A, C equal.
        let r = schulze(3, 1, &[vec![1u32]], &SEED).unwrap();
        assert_eq!(
            r.pairwise,
            vec![vec![0, 0, 0], vec![1, 0, 1], vec![0, 0, 0]]
        );
        assert_eq!(r.ranking[0], 1);
        assert_eq!(r.winners, vec![1]);
        assert!(!r.decided_by_lot);
        // Two seats: A and C are tied for the second, so the lot decides.
        let r = schulze(3, 2, &[vec![1u32]], &SEED).unwrap();
        assert!(r.decided_by_lot);
    }

    #[test]
    fn a_cycle_of_equal_strength_is_a_tie() {
        // A > B > C > A, each 2 to 1: every p is 2, nobody beats anybody.
        let ballots = vec![vec![0u32, 1, 2], vec![1, 2, 0], vec![2, 0, 1]];
        let r = schulze(3, 1, &ballots, &SEED).unwrap();
        assert_eq!(r.winners, vec![0, 1, 2]);
        assert!(r.decided_by_lot);
        assert_eq!(
            r.strongest,
            vec![vec![0, 2, 2], vec![2, 0, 2], vec![2, 2, 0]]
        );
        // The lot order: smaller SHA-256 first.
        let mut by_lot = vec![0u32, 1, 2];
        by_lot.sort_by_key(|&c| super::super::lot(LOT_DOMAIN, &SEED, c));
        assert_eq!(r.ranking, by_lot);
    }
}
