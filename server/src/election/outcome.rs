//! What a contest's result says to the people who read it: who was tied
//! for the last seat and how the lot fell (record.md §7.4). Pure: the
//! counts, the seats and the board's seal in, the tie out.
//!
//! Candidates are ranked by count, highest first, and candidates with the
//! same count by their lot `SHA-256("valurna/lot/v1" ‖ seal ‖ u32(c) ‖
//! u32(k))`, smaller first; the seal is fixed only after voting closed, so
//! nobody could know the lot while the ballots came in. The lot decided a
//! seat when the last candidate elected and the first not elected have the
//! same count: then every candidate with that count was tied, and the lot's
//! order among them is what gave the seats.

use valurna_engine::manifest::Manifest;
use valurna_engine::record::ResultFile;
use valurna_engine::tally::lot;

/// A tie the lot decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tie {
    /// The count every tied candidate had.
    pub votes: u64,
    /// The seats the tied candidates shared between them.
    pub seats: usize,
    /// The tied candidates in the lot's order: their index in the
    /// contest, their lot (hex), and whether they were elected.
    pub order: Vec<(usize, String, bool)>,
}

/// The tie for the last seat of contest `contest`, if the lot decided
/// one: `counts` per candidate, `elected` the candidates' indices elected.
pub fn tie(seal: &[u8; 32], contest: u32, counts: &[u64], elected: &[usize]) -> Option<Tie> {
    let last_in = elected.iter().filter_map(|k| counts.get(*k)).min()?;
    let first_out = counts
        .iter()
        .enumerate()
        .filter(|(k, _)| !elected.contains(k))
        .map(|(_, v)| v)
        .max()?;
    if last_in != first_out {
        return None;
    }
    let votes = *last_in;
    let mut order: Vec<(usize, [u8; 32], bool)> = counts
        .iter()
        .enumerate()
        .filter(|(_, v)| **v == votes)
        .map(|(k, _)| {
            let c = u32::try_from(k).unwrap_or(u32::MAX);
            (k, lot(seal, contest, c), elected.contains(&k))
        })
        .collect();
    order.sort_by_key(|a| a.1);
    let seats = order.iter().filter(|(_, _, e)| *e).count();
    Some(Tie {
        votes,
        seats,
        order: order
            .into_iter()
            .map(|(k, l, e)| (k, hex::encode(l), e))
            .collect(),
    })
}

/// The elected candidates' indices in a contest's ballot order.
fn elected_indices(m: &Manifest, r: &ResultFile, c: usize) -> Vec<usize> {
    let (Some(contest), Some(result)) = (m.contests.get(c), r.contests.get(c)) else {
        return Vec::new();
    };
    contest
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, cand)| result.elected.contains(&cand.id))
        .map(|(k, _)| k)
        .collect()
}

/// The ties of every contest counted by votes (a ranked contest's lot is
/// in its own count).
pub fn ties(m: &Manifest, r: &ResultFile, seal: Option<&[u8; 32]>) -> Vec<Option<Tie>> {
    (0..m.contests.len())
        .map(|c| {
            let result = r.contests.get(c)?;
            if !result.decided_by_lot || result.ranked.is_some() {
                return None;
            }
            let index = u32::try_from(c).ok()?;
            tie(seal?, index, &result.counts, &elected_indices(m, r, c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use valurna_engine::tally::rank;

    #[test]
    fn no_tie_when_the_last_seat_is_clear() {
        assert_eq!(tie(&[7; 32], 0, &[5, 3, 1], &[0]), None);
        // Every candidate elected: nobody was left out by the lot.
        assert_eq!(tie(&[7; 32], 0, &[2, 2], &[0, 1]), None);
    }

    #[test]
    fn a_tie_lists_every_tied_candidate_in_the_lot_s_order_as_the_count_did() {
        for seed in 0u8..20 {
            let seal = [seed; 32];
            let counts = [9, 4, 4, 4, 1];
            // Two seats: one is clear, the second goes by lot among three.
            let (ranked, by_lot) = rank(&seal, 2, &counts, 2);
            assert!(by_lot);
            let elected = &ranked[..2];
            let t = tie(&seal, 2, &counts, elected).unwrap();
            assert_eq!((t.votes, t.seats), (4, 1));
            let tied: Vec<usize> = t.order.iter().map(|(k, _, _)| *k).collect();
            // The lot's order is the count's order among the tied.
            assert_eq!(tied, ranked[1..4].to_vec(), "seed {seed}");
            assert_eq!(t.order.iter().filter(|(_, _, e)| *e).count(), 1);
            assert!(t.order[0].2, "the first in the lot's order is elected");
            assert_eq!(t.order[0].1, hex::encode(lot(&seal, 2, tied[0] as u32)));
        }
    }
}
