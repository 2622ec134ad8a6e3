//! Counting ranked ballots (spec: counting.md).
//!
//! A ranked ballot is the sequence of candidate indices a voter ranked, most
//! preferred first (spec: counting.md §1.1). Two methods count them:
//!
//! | function | method | spec |
//! |---|---|---|
//! | [`stv::stv`] | single transferable vote, Scottish rules, several seats | counting.md §2 |
//! | [`schulze::schulze`] | Schulze's Condorcet method, winning votes | counting.md §3 |
//!
//! Both are exact: STV counts votes in integer units of 10⁻⁵ ([`UNIT`]),
//! Schulze counts ballots; nothing uses floating point, so a second
//! implementation written from the spec gets the same figures bit for bit
//! (spec: counting.md §1.2). Ties that the rules leave open are broken by a
//! public lot drawn from a 32-byte seed — in an election [`contest_seed`] of
//! the board's seal — with SHA-256 (spec: counting.md §1.3).
//!
//! Both take the ballots one by one (`&[B]`) or already grouped as
//! `(ballot, how many)` (`*_grouped`); identical ballots are grouped before
//! counting either way, so a million ballots over thirty candidates count in
//! seconds. Invalid ballots — a repeated or out-of-range index — are left out
//! and counted in `invalid`; empty ballots in `empty`
//! (spec: counting.md §1.1). No input makes these functions panic;
//! parameters out of range are [`DecodeError::OutOfRange`]
//! (spec: counting.md §1.4).

pub mod schulze;
pub mod stv;

pub use schulze::{SchulzeResult, schulze, schulze_grouped};
pub use stv::{Stage, StageAction, StvResult, stv, stv_grouped};

use core::cmp::Ordering;

use sha2::{Digest, Sha256};

use crate::errors::{DecodeError, Result};

/// One vote in STV's integer units: figures are in units of 10⁻⁵ vote
/// (spec: counting.md §1.2).
pub const UNIT: u64 = 100_000;

/// The most candidates a count accepts (spec: counting.md §1.4).
pub const MAX_CANDIDATES: u32 = 1000;

/// The 32-byte seed of contest `contest`'s lots, from the sealed board's
/// seal: `SHA-256("valurna/count-seed/v1" ‖ seal ‖ u32(contest))`
/// (spec: counting.md §1.3).
pub fn contest_seed(seal: &[u8; 32], contest: u32) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/count-seed/v1");
    h.update(seal);
    h.update(contest.to_le_bytes());
    h.finalize().into()
}

/// `L_D(c) = SHA-256(D ‖ seed ‖ u32(c))` (spec: counting.md §1.3).
pub fn lot(domain: &[u8], seed: &[u8; 32], candidate: u32) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(domain);
    h.update(seed);
    h.update(candidate.to_le_bytes());
    h.finalize().into()
}

/// The lot order of `a` and `b`: `Less` when `a` is favoured, i.e. its lot
/// is the smaller byte string, or the lots are equal and its index smaller
/// (spec: counting.md §1.3).
pub(crate) fn lot_order(lots: &[[u8; 32]], a: u32, b: u32) -> Ordering {
    let la = lots.get(a as usize);
    let lb = lots.get(b as usize);
    la.cmp(&lb).then(a.cmp(&b))
}

/// The lots of every candidate under `domain`.
pub(crate) fn lots(domain: &[u8], seed: &[u8; 32], candidates: u32) -> Vec<[u8; 32]> {
    (0..candidates).map(|c| lot(domain, seed, c)).collect()
}

/// The counted ballots, grouped: every distinct valid non-empty preference
/// sequence once, with how many ballots had it, in ascending lexicographic
/// order (spec: counting.md §1.1, §1.5).
#[derive(Debug)]
pub(crate) struct Profile<'a> {
    pub groups: Vec<(&'a [u32], u64)>,
    pub counted: u64,
    pub empty: u64,
    pub invalid: u64,
}

/// Checks `candidates` and `seats` (spec: counting.md §1.4).
pub(crate) fn check_params(candidates: u32, seats: u32) -> Result<()> {
    if candidates == 0 || candidates > MAX_CANDIDATES {
        return Err(DecodeError::OutOfRange {
            field: "candidates",
        }
        .into());
    }
    if seats == 0 || seats > candidates {
        return Err(DecodeError::OutOfRange { field: "seats" }.into());
    }
    Ok(())
}

/// Sorts the ballots into valid, empty and invalid and groups the valid
/// ones (spec: counting.md §1.1). Errors only when a total overflows `u64`.
pub(crate) fn profile<B: AsRef<[u32]>>(
    candidates: u32,
    ballots: &[(B, u64)],
) -> Result<Profile<'_>> {
    let overflow = || DecodeError::OutOfRange {
        field: "number of ballots",
    };
    // `seen[c] == stamp` marks `c` as already ranked on the current ballot.
    let mut seen = vec![0u64; candidates as usize];
    let mut stamp = 0u64;
    let mut counted = 0u64;
    let mut empty = 0u64;
    let mut invalid = 0u64;
    let mut valid: Vec<(&[u32], u64)> = Vec::with_capacity(ballots.len());
    for (ballot, n) in ballots {
        let prefs = ballot.as_ref();
        if *n == 0 {
            continue;
        }
        if prefs.is_empty() {
            empty = empty.checked_add(*n).ok_or_else(overflow)?;
            continue;
        }
        stamp += 1;
        let ok = prefs.iter().all(|&c| match seen.get_mut(c as usize) {
            Some(s) if *s != stamp => {
                *s = stamp;
                true
            }
            _ => false,
        });
        if ok {
            counted = counted.checked_add(*n).ok_or_else(overflow)?;
            valid.push((prefs, *n));
        } else {
            invalid = invalid.checked_add(*n).ok_or_else(overflow)?;
        }
    }
    valid.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut groups: Vec<(&[u32], u64)> = Vec::new();
    for (prefs, n) in valid {
        match groups.last_mut() {
            // Cannot overflow: the sum of all `n` is `counted`.
            Some(last) if last.0 == prefs => last.1 = last.1.saturating_add(n),
            _ => groups.push((prefs, n)),
        }
    }
    Ok(Profile {
        groups,
        counted,
        empty,
        invalid,
    })
}

/// Each ballot once.
pub(crate) fn ones<B: AsRef<[u32]>>(ballots: &[B]) -> Vec<(&[u32], u64)> {
    ballots.iter().map(|b| (b.as_ref(), 1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_sorts_valid_empty_invalid() {
        let ballots: Vec<(Vec<u32>, u64)> = vec![
            (vec![0, 1], 2),
            (vec![], 3),
            (vec![0, 0], 1),
            (vec![2, 5], 4),
            (vec![0, 1], 5),
            (vec![1], 0),
        ];
        let p = profile(3, &ballots).unwrap();
        assert_eq!(p.counted, 7);
        assert_eq!(p.empty, 3);
        assert_eq!(p.invalid, 5);
        assert_eq!(p.groups, vec![(&[0u32, 1][..], 7)]);
    }

    #[test]
    fn params_are_checked() {
        assert!(check_params(0, 1).is_err());
        assert!(check_params(MAX_CANDIDATES + 1, 1).is_err());
        assert!(check_params(3, 0).is_err());
        assert!(check_params(3, 4).is_err());
        assert!(check_params(3, 3).is_ok());
    }

    #[test]
    fn lots_are_sha256_of_domain_seed_candidate() {
        // SHA-256("d" ‖ 0³² ‖ 01 00 00 00), computed independently.
        let l = lot(b"d", &[0; 32], 1);
        let mut h = Sha256::new();
        h.update(b"d");
        h.update([0u8; 32]);
        h.update([1u8, 0, 0, 0]);
        assert_eq!(l, <[u8; 32]>::from(h.finalize()));
        assert_ne!(contest_seed(&[0; 32], 0), contest_seed(&[0; 32], 1));
    }
}
