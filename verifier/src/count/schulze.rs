//! Schulze's method with winning votes, and his ranking (counting.md §3).

use rayon::prelude::*;
use serde::Serialize;

use super::{Grouped, SCHULZE_LOT, check_parameters, group, lot_ranks};
use crate::error::Error;

/// The outcome of a Schulze count (counting.md §3.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schulze {
    /// All candidates, best first (counting.md §3.4).
    pub ranking: Vec<usize>,
    /// The first `S` of `ranking` (counting.md §3.5).
    pub elected: Vec<usize>,
    /// The candidates beaten by nobody, ascending (counting.md §3.4).
    pub winners: Vec<usize>,
    /// Whether another order the lot could give would elect another set
    /// (counting.md §3.5).
    pub decided_by_lot: bool,
    /// `d[x][y]`, the counted ballots ranking `x` above `y` (counting.md
    /// §3.2).
    pub pairwise: Vec<Vec<u64>>,
    /// `p[x][y]`, the strength of the strongest path from `x` to `y`
    /// (counting.md §3.3).
    pub strongest: Vec<Vec<u64>>,
    /// `V`, the counted ballots.
    pub counted: u64,
    /// Empty ballots (counting.md §1.1).
    pub empty: u64,
    /// Invalid ballots (counting.md §1.1).
    pub invalid: u64,
    /// First preferences of each candidate, in ballots: the `counts` of a
    /// ranked contest in `result.json` (record.md §9.5).
    pub first_preferences: Vec<u64>,
}

impl Schulze {
    /// Whether `x` beats `y`: `p[x][y] > p[y][x]` (counting.md §3.4).
    pub fn beats(&self, x: usize, y: usize) -> bool {
        beats(&self.strongest, x, y)
    }
}

/// `m[x][y]`, or 0 outside `m`.
fn at(m: &[Vec<u64>], x: usize, y: usize) -> u64 {
    m.get(x).and_then(|r| r.get(y)).copied().unwrap_or(0)
}

fn beats(p: &[Vec<u64>], x: usize, y: usize) -> bool {
    at(p, x, y) > at(p, y, x)
}

/// Counts `candidates` candidates for `seats` seats by Schulze's method
/// (counting.md §3), ties broken by the lot drawn from `seed` (counting.md
/// §1.3). `ballots` are as for [`stv`](super::stv).
///
/// # Errors
///
/// `OutOfRange` with `"candidates"`, `"seats"` or `"number of ballots"`
/// (counting.md §1.4).
pub fn schulze<B, I>(
    candidates: usize,
    seats: usize,
    ballots: I,
    seed: &[u8; 32],
) -> Result<Schulze, Error>
where
    B: AsRef<[u32]>,
    I: IntoIterator<Item = (B, u64)>,
{
    check_parameters(candidates, seats)?;
    let grouped = group(candidates, ballots)?;
    let d = pairwise(candidates, &grouped);
    let p = strongest_paths(&d);

    // Ranking (counting.md §3.4): `beaten[y]` counts the candidates not yet
    // ranked that beat `y`; take, among those at 0, the one the lot favours.
    let lot = lot_ranks(SCHULZE_LOT, seed, candidates);
    let mut beaten: Vec<usize> = (0..candidates)
        .map(|y| (0..candidates).filter(|x| beats(&p, *x, y)).count())
        .collect();
    let winners: Vec<usize> = (0..candidates)
        .filter(|y| beaten.get(*y) == Some(&0))
        .collect();
    let mut ranked = vec![false; candidates];
    let mut ranking = Vec::with_capacity(candidates);
    let favoured = |pool: &mut dyn Iterator<Item = usize>| {
        pool.min_by_key(|x| (lot.get(*x).copied().unwrap_or(usize::MAX), *x))
    };
    for _ in 0..candidates {
        let unranked = |x: &usize| ranked.get(*x) == Some(&false);
        // The relation is transitive, so some candidate is unbeaten; the
        // fallback to every unranked candidate is never taken.
        let next =
            favoured(&mut (0..candidates).filter(|x| unranked(x) && beaten.get(*x) == Some(&0)))
                .or_else(|| favoured(&mut (0..candidates).filter(unranked)));
        let Some(x) = next else { break };
        if let Some(r) = ranked.get_mut(x) {
            *r = true;
        }
        ranking.push(x);
        for (y, b) in beaten.iter_mut().enumerate() {
            if beats(&p, x, y) {
                *b = b.saturating_sub(1);
            }
        }
    }
    let elected: Vec<usize> = ranking.iter().take(seats).copied().collect();
    let decided_by_lot = elected
        .iter()
        .any(|x| ranking.iter().skip(seats).any(|y| !beats(&p, *x, *y)));
    Ok(Schulze {
        ranking,
        elected,
        winners,
        decided_by_lot,
        pairwise: d,
        strongest: p,
        counted: grouped.counted,
        empty: grouped.empty,
        invalid: grouped.invalid,
        first_preferences: grouped.first,
    })
}

/// `d` (counting.md §3.2). A ballot ranking `x` at place `i` adds its
/// multiplicity to the whole of row `x` (`row[x]`), and takes it back from
/// `d[x][y]` for every `y` ranked at a place `≤ i`, `x` included (`minus`);
/// so `d[x][y] = row[x] − minus[x][y]`, in wrapping arithmetic whose result
/// is exact since the true figure is at most `V < 2⁶⁴`.
fn pairwise(candidates: usize, grouped: &Grouped) -> Vec<Vec<u64>> {
    let c = candidates;
    let n = grouped.groups.len();
    let chunk = (n / (4 * rayon::current_num_threads().max(1))).max(4096);
    let (row, minus) = (0..n.div_ceil(chunk))
        .into_par_iter()
        .map(|part| {
            let mut row = vec![0u64; c];
            let mut minus = vec![0u64; c * c];
            for (sequence, m) in (part * chunk..n.min((part + 1) * chunk)).map(|g| grouped.get(g)) {
                for (i, x) in sequence.iter().enumerate() {
                    let x = *x as usize;
                    if let Some(r) = row.get_mut(x) {
                        *r = r.wrapping_add(m);
                    }
                    if let Some(line) = minus.get_mut(x * c..(x + 1) * c) {
                        for y in sequence.iter().take(i + 1) {
                            if let Some(v) = line.get_mut(*y as usize) {
                                *v = v.wrapping_add(m);
                            }
                        }
                    }
                }
            }
            (row, minus)
        })
        .reduce(
            || (vec![0u64; c], vec![0u64; c * c]),
            |(mut r1, mut m1), (r2, m2)| {
                r1.iter_mut()
                    .zip(r2)
                    .for_each(|(a, b)| *a = a.wrapping_add(b));
                m1.iter_mut()
                    .zip(m2)
                    .for_each(|(a, b)| *a = a.wrapping_add(b));
                (r1, m1)
            },
        );
    row.iter()
        .zip(minus.chunks(c.max(1)))
        .enumerate()
        .map(|(x, (r, line))| {
            line.iter()
                .enumerate()
                .map(|(y, m)| if x == y { 0 } else { r.wrapping_sub(*m) })
                .collect()
        })
        .collect()
}

/// `p` (counting.md §3.3), the loops exactly in the spec's order. While
/// `i` is the middle candidate, row `i` does not change (`j ≠ i`) and
/// neither does `p[j][i]` (`k ≠ i`), so a copy of row `i` serves.
fn strongest_paths(d: &[Vec<u64>]) -> Vec<Vec<u64>> {
    let mut p: Vec<Vec<u64>> = d
        .iter()
        .enumerate()
        .map(|(x, row)| {
            row.iter()
                .enumerate()
                .map(|(y, dxy)| {
                    if x != y && *dxy > at(d, y, x) {
                        *dxy
                    } else {
                        0
                    }
                })
                .collect()
        })
        .collect();
    for i in 0..p.len() {
        let row_i = p.get(i).cloned().unwrap_or_default();
        for (j, row_j) in p.iter_mut().enumerate() {
            if j == i {
                continue;
            }
            let pji = row_j.get(i).copied().unwrap_or(0);
            if pji == 0 {
                // max(p[j][k], min(0, …)) = p[j][k].
                continue;
            }
            for (k, (pjk, pik)) in row_j.iter_mut().zip(&row_i).enumerate() {
                if k != i && k != j {
                    *pjk = (*pjk).max(pji.min(*pik));
                }
            }
        }
    }
    p
}
