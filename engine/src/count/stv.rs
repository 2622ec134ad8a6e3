//! The single transferable vote by the Scottish local government rules
//! (spec: counting.md §2).
//!
//! The rules are those of the Scottish Local Government Elections Order
//! 2007, schedule 1, rules 45–52 (spec: counting.md §2.1): the Droop quota
//! `⌊valid / (seats + 1)⌋ + 1` (spec: counting.md §2.3); a candidate who
//! reaches it is elected (spec: counting.md §2.4); surpluses are transferred
//! largest first by the weighted inclusive Gregory method — every ballot
//! the elected candidate holds moves on at `surplus × value / total`,
//! truncated to 5 decimals (spec: counting.md §2.6); with no surplus to
//! transfer the lowest candidate is excluded and their ballots move on at
//! the value they have (spec: counting.md §2.7); when as many candidates
//! continue as seats remain, they are elected (spec: counting.md §2.5).
//! Ties go to the most recent earlier stage at which the candidates' votes
//! differed, then to the lot (spec: counting.md §2.8).
//!
//! All figures are integers in units of 10⁻⁵ vote ([`UNIT`]). Identical
//! ballots are grouped; each candidate keeps the pile of groups it holds,
//! so a stage touches only the ballots it moves.

use core::cmp::Ordering;

use super::{Profile, UNIT, check_params, lot_order, lots, ones, profile};
use crate::errors::{DecodeError, Result};

/// The lot's domain for STV (spec: counting.md §1.3).
pub const LOT_DOMAIN: &[u8] = b"valurna/stv-lot/v1";

/// What a stage did (spec: counting.md §2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageAction {
    /// Stage 1: the first preferences were counted.
    FirstPreferences,
    /// The surplus of an elected candidate was transferred.
    Surplus {
        /// Whose surplus.
        candidate: u32,
        /// The transfer value of a ballot of value one, in units:
        /// `⌊surplus × UNIT / total⌋`.
        transfer_value: u64,
    },
    /// A candidate was excluded and their ballots transferred.
    Exclusion {
        /// Who.
        candidate: u32,
    },
}

/// One stage of the count (spec: counting.md §2.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// What the stage did.
    pub action: StageAction,
    /// Every candidate's votes at the end of the stage, in units.
    pub votes: Vec<u64>,
    /// Votes no longer with any candidate (non-transferable ballots and the
    /// remainders that truncation drops), in units, cumulative.
    pub non_transferable: u64,
    /// Candidates deemed elected at the end of this stage, in order of
    /// election.
    pub elected: Vec<u32>,
    /// Whether the lot chose whose surplus was transferred or who was
    /// excluded at this stage.
    pub by_lot: bool,
}

/// The outcome of an STV count (spec: counting.md §2.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StvResult {
    /// The elected candidates in order of election.
    pub elected: Vec<u32>,
    /// Every stage, the first preferences first.
    pub stages: Vec<Stage>,
    /// The quota, in units.
    pub quota: u64,
    /// Valid non-empty ballots counted.
    pub counted: u64,
    /// Empty ballots (not counted).
    pub empty: u64,
    /// Invalid ballots (not counted).
    pub invalid: u64,
    /// Whether the lot decided an exclusion or the order of surpluses at any
    /// stage.
    pub decided_by_lot: bool,
}

/// Counts `ballots` for `seats` seats among `candidates` candidates
/// (spec: counting.md §2). `seed` is the lot's seed
/// ([`super::contest_seed`]).
pub fn stv<B: AsRef<[u32]>>(
    candidates: u32,
    seats: u32,
    ballots: &[B],
    seed: &[u8; 32],
) -> Result<StvResult> {
    stv_grouped(candidates, seats, &ones(ballots), seed)
}

/// [`stv`] for ballots given as `(ballot, how many)`.
pub fn stv_grouped<B: AsRef<[u32]>>(
    candidates: u32,
    seats: u32,
    ballots: &[(B, u64)],
    seed: &[u8; 32],
) -> Result<StvResult> {
    check_params(candidates, seats)?;
    let p = profile(candidates, ballots)?;
    Count::new(candidates, seats, &p, seed)?.run(p)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Continuing,
    /// Elected; `true` while a surplus remains to be transferred.
    Elected(bool),
    Excluded,
}

/// A group of identical ballots: who holds it and at what value.
#[derive(Debug)]
struct Group<'a> {
    prefs: &'a [u32],
    count: u64,
    /// The value of each ballot, in units.
    value: u64,
    /// The position in `prefs` of the candidate holding the group.
    pos: usize,
}

#[derive(Debug)]
struct Count<'a> {
    seats: u32,
    quota: u64,
    groups: Vec<Group<'a>>,
    /// Per candidate, the groups it holds.
    piles: Vec<Vec<usize>>,
    votes: Vec<u64>,
    status: Vec<Status>,
    non_transferable: u64,
    lots: Vec<[u8; 32]>,
    stages: Vec<Stage>,
    elected: Vec<u32>,
}

fn get(v: &[u64], c: u32) -> u64 {
    v.get(c as usize).copied().unwrap_or(0)
}

fn add(v: &mut [u64], c: u32, x: u64) {
    if let Some(t) = v.get_mut(c as usize) {
        *t = t.saturating_add(x);
    }
}

impl<'a> Count<'a> {
    fn new(candidates: u32, seats: u32, p: &Profile<'a>, seed: &[u8; 32]) -> Result<Self> {
        // Every figure is at most `counted × UNIT` (spec: counting.md §1.2).
        p.counted.checked_mul(UNIT).ok_or(DecodeError::OutOfRange {
            field: "number of ballots",
        })?;
        // spec: counting.md §2.3 (rule 46)
        let quota = (p.counted / (u64::from(seats) + 1) + 1) * UNIT;
        Ok(Count {
            seats,
            quota,
            groups: Vec::with_capacity(p.groups.len()),
            piles: vec![Vec::new(); candidates as usize],
            votes: vec![0; candidates as usize],
            status: vec![Status::Continuing; candidates as usize],
            non_transferable: 0,
            lots: lots(LOT_DOMAIN, seed, candidates),
            stages: Vec::new(),
            elected: Vec::new(),
        })
    }

    fn status(&self, c: u32) -> Status {
        self.status
            .get(c as usize)
            .copied()
            .unwrap_or(Status::Excluded)
    }

    fn set_status(&mut self, c: u32, s: Status) {
        if let Some(t) = self.status.get_mut(c as usize) {
            *t = s;
        }
    }

    fn candidates(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.status.len()).map(|c| c as u32)
    }

    fn continuing(&self) -> Vec<u32> {
        self.candidates()
            .filter(|&c| self.status(c) == Status::Continuing)
            .collect()
    }

    /// The standing of `a` against `b` (spec: counting.md §2.8): `Greater`
    /// when `a` stands higher — more votes at the end of the latest stage,
    /// or at the most recent earlier stage where they differ, or, equal at
    /// every stage, favoured by the lot. The flag says the lot decided.
    fn standing(&self, a: u32, b: u32) -> (Ordering, bool) {
        for s in self.stages.iter().rev() {
            match get(&s.votes, a).cmp(&get(&s.votes, b)) {
                Ordering::Equal => {}
                o => return (o, false),
            }
        }
        (lot_order(&self.lots, a, b).reverse(), true)
    }

    /// The highest-standing of `among`, and whether the lot decided, i.e.
    /// a rival was equal to it at every stage (spec: counting.md §2.8).
    fn highest(&self, among: &[u32]) -> Option<(u32, bool)> {
        let best = among
            .iter()
            .copied()
            .reduce(|b, c| match self.standing(c, b).0 {
                Ordering::Greater => c,
                _ => b,
            })?;
        Some((best, self.lot_decided(best, among)))
    }

    /// The lowest-standing of `among`, likewise.
    fn lowest(&self, among: &[u32]) -> Option<(u32, bool)> {
        let worst = among
            .iter()
            .copied()
            .reduce(|w, c| match self.standing(c, w).0 {
                Ordering::Less => c,
                _ => w,
            })?;
        Some((worst, self.lot_decided(worst, among)))
    }

    fn lot_decided(&self, chosen: u32, among: &[u32]) -> bool {
        among
            .iter()
            .any(|&c| c != chosen && self.standing(chosen, c).1)
    }

    /// `among` ordered by standing, highest first.
    fn by_standing(&self, mut among: Vec<u32>) -> Vec<u32> {
        among.sort_by(|&a, &b| self.standing(b, a).0);
        among
    }

    /// Moves group `g` from its holder to the next continuing candidate
    /// ranked on it, at value `value`; returns the votes credited to
    /// a candidate (zero when the group is non-transferable).
    fn pass_on(&mut self, g: usize, value: u64) -> u64 {
        let Some(group) = self.groups.get(g) else {
            return 0;
        };
        let next = group
            .prefs
            .iter()
            .enumerate()
            .skip(group.pos + 1)
            .find(|&(_, &c)| self.status(c) == Status::Continuing)
            .map(|(i, &c)| (i, c));
        let count = group.count;
        let Some((pos, to)) = next else {
            return 0;
        };
        if let Some(group) = self.groups.get_mut(g) {
            group.pos = pos;
            group.value = value;
        }
        if let Some(pile) = self.piles.get_mut(to as usize) {
            pile.push(g);
        }
        // Cannot overflow: no candidate ever holds more than all the votes.
        let credit = count.saturating_mul(value);
        add(&mut self.votes, to, credit);
        credit
    }

    /// Ends a stage: records it, then deems elected every continuing
    /// candidate at or above the quota (spec: counting.md §2.4).
    fn end_stage(&mut self, action: StageAction, by_lot: bool) {
        self.stages.push(Stage {
            action,
            votes: self.votes.clone(),
            non_transferable: self.non_transferable,
            elected: Vec::new(),
            by_lot,
        });
        let reached: Vec<u32> = self
            .continuing()
            .into_iter()
            .filter(|&c| get(&self.votes, c) >= self.quota)
            .collect();
        for c in self.by_standing(reached) {
            if self.elected.len() >= self.seats as usize {
                break; // cannot happen with the Droop quota (counting.md §2.10)
            }
            self.elect(c, get(&self.votes, c) > self.quota);
        }
    }

    fn elect(&mut self, c: u32, surplus: bool) {
        self.set_status(c, Status::Elected(surplus));
        self.elected.push(c);
        if let Some(s) = self.stages.last_mut() {
            s.elected.push(c);
        }
    }

    fn run(mut self, p: Profile<'a>) -> Result<StvResult> {
        // spec: counting.md §2.3 (rule 45): stage 1.
        for (prefs, count) in p.groups {
            let Some(&first) = prefs.first() else {
                continue;
            };
            let g = self.groups.len();
            self.groups.push(Group {
                prefs,
                count,
                value: UNIT,
                pos: 0,
            });
            if let Some(pile) = self.piles.get_mut(first as usize) {
                pile.push(g);
            }
            add(&mut self.votes, first, count.saturating_mul(UNIT));
        }
        self.end_stage(StageAction::FirstPreferences, false);

        loop {
            // spec: counting.md §2.5
            let vacancies = (self.seats as usize).saturating_sub(self.elected.len());
            if vacancies == 0 {
                break;
            }
            let continuing = self.continuing();
            if continuing.len() <= vacancies {
                for c in self.by_standing(continuing) {
                    self.elect(c, false);
                }
                break;
            }
            let pending: Vec<u32> = self
                .candidates()
                .filter(|&c| self.status(c) == Status::Elected(true))
                .collect();
            if let Some((x, by_lot)) = self.highest(&pending) {
                self.transfer_surplus(x, by_lot);
            } else if let Some((x, by_lot)) = self.lowest(&continuing) {
                self.exclude(x, by_lot);
            } else {
                break; // cannot happen: continuing > vacancies ≥ 1
            }
        }

        let decided_by_lot = self.stages.iter().any(|s| s.by_lot);
        Ok(StvResult {
            elected: self.elected,
            stages: self.stages,
            quota: self.quota,
            counted: p.counted,
            empty: p.empty,
            invalid: p.invalid,
            decided_by_lot,
        })
    }

    /// spec: counting.md §2.6 (rules 48, 49)
    fn transfer_surplus(&mut self, x: u32, by_lot: bool) {
        let total = get(&self.votes, x);
        let surplus = total.saturating_sub(self.quota);
        let new_value = |value: u64| -> u64 {
            // ⌊surplus × value / total⌋ ≤ value, so it fits in u64.
            let v = u128::from(surplus) * u128::from(value) / u128::from(total.max(1));
            u64::try_from(v).unwrap_or(u64::MAX)
        };
        let pile = self
            .piles
            .get_mut(x as usize)
            .map(core::mem::take)
            .unwrap_or_default();
        let mut credited = 0u64;
        for g in pile {
            let value = self.groups.get(g).map_or(0, |gr| new_value(gr.value));
            credited = credited.saturating_add(self.pass_on(g, value));
        }
        if let Some(v) = self.votes.get_mut(x as usize) {
            *v = self.quota;
        }
        self.non_transferable = self
            .non_transferable
            .saturating_add(surplus.saturating_sub(credited));
        self.set_status(x, Status::Elected(false));
        let transfer_value = new_value(UNIT);
        self.end_stage(
            StageAction::Surplus {
                candidate: x,
                transfer_value,
            },
            by_lot,
        );
    }

    /// spec: counting.md §2.7 (rules 50, 51)
    fn exclude(&mut self, x: u32, by_lot: bool) {
        self.set_status(x, Status::Excluded);
        let total = get(&self.votes, x);
        let pile = self
            .piles
            .get_mut(x as usize)
            .map(core::mem::take)
            .unwrap_or_default();
        let mut credited = 0u64;
        for g in pile {
            let value = self.groups.get(g).map_or(0, |gr| gr.value);
            credited = credited.saturating_add(self.pass_on(g, value));
        }
        if let Some(v) = self.votes.get_mut(x as usize) {
            *v = 0;
        }
        self.non_transferable = self
            .non_transferable
            .saturating_add(total.saturating_sub(credited));
        self.end_stage(StageAction::Exclusion { candidate: x }, by_lot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: [u8; 32] = [9; 32];

    fn b(v: &[u32], n: u64) -> (Vec<u32>, u64) {
        (v.to_vec(), n)
    }

    fn conserved(r: &StvResult) {
        for s in &r.stages {
            let sum: u64 = s.votes.iter().sum::<u64>() + s.non_transferable;
            assert_eq!(sum, r.counted * UNIT, "{s:?}");
        }
    }

    #[test]
    fn transfer_values_truncate_to_five_decimals() {
        // A: 7 ballots (4 A>B, 3 A>C); quota for 2 seats of 9 ballots = 4.
        // Surplus 3 of 7: each ballot moves at ⌊3/7 × 10⁵⌋ = 42857 units.
        let ballots = vec![b(&[0, 1], 4), b(&[0, 2], 3), b(&[1], 1), b(&[2], 1)];
        let r = stv_grouped(3, 2, &ballots, &SEED).unwrap();
        assert_eq!(r.quota, 4 * UNIT);
        let s2 = &r.stages[1];
        assert_eq!(
            s2.action,
            StageAction::Surplus {
                candidate: 0,
                transfer_value: 42857
            }
        );
        assert_eq!(s2.votes, vec![4 * UNIT, UNIT + 4 * 42857, UNIT + 3 * 42857]);
        assert_eq!(s2.non_transferable, 3 * UNIT - 7 * 42857);
        assert_eq!(r.elected, vec![0, 1]);
        conserved(&r);
    }

    #[test]
    fn second_transfer_multiplies_values() {
        // Ballots that reached B at A's transfer value leave B's surplus at
        // ⌊s_B × value / t_B⌋ (rule 48(3)–(4)).
        let ballots = vec![
            b(&[0, 1, 3], 40),
            b(&[0, 2], 30),
            b(&[1, 3], 20),
            b(&[2], 5),
            b(&[3], 5),
        ];
        let r = stv_grouped(4, 3, &ballots, &SEED).unwrap();
        conserved(&r);
        // quota ⌊100 / 4⌋ + 1 = 26.
        assert_eq!(r.quota, 26 * UNIT);
        assert_eq!(r.elected[..2], [0, 1]);
        // A: 70, surplus 44: ⌊44 × 10⁵ / 70⌋ = 62857.
        let a = 62857u64;
        assert_eq!(
            r.stages[1].action,
            StageAction::Surplus {
                candidate: 0,
                transfer_value: a
            }
        );
        let t_b = 20 * UNIT + 40 * a;
        assert_eq!(r.stages[1].votes[1], t_b);
        assert_eq!(r.stages[1].elected, vec![1]);
        // B's surplus: its first preferences at ⌊s × 10⁵ / t⌋, the ballots
        // it received at ⌊s × 62857 / t⌋.
        let s_b = t_b - 26 * UNIT;
        let v1 = s_b * UNIT / t_b;
        let v2 = s_b * a / t_b;
        assert_ne!(v2, v1 * a / UNIT);
        assert_eq!(r.stages[2].votes[3], 5 * UNIT + 20 * v1 + 40 * v2);
    }

    #[test]
    fn exclusion_ties_look_back_then_draw_lots() {
        // 33 ballots, 2 seats: quota 12. A (15) has a surplus of 3 at 0.2,
        // which lifts C from 2 to 5 = D; D was ahead at stage 1, so C is
        // excluded without the lot.
        let ballots = vec![b(&[0, 2], 15), b(&[1], 11), b(&[2], 2), b(&[3], 5)];
        let r = stv_grouped(4, 2, &ballots, &SEED).unwrap();
        assert_eq!(r.quota, 12 * UNIT);
        assert_eq!(r.stages[1].votes[2], r.stages[1].votes[3]);
        assert_eq!(r.stages[2].action, StageAction::Exclusion { candidate: 2 });
        assert_eq!(r.elected, vec![0, 1]);
        assert!(!r.decided_by_lot);
        conserved(&r);

        // All equal at every stage: the lot decides, and says so.
        let ballots = vec![b(&[0], 1), b(&[1], 1), b(&[2], 1)];
        let r = stv_grouped(3, 1, &ballots, &SEED).unwrap();
        assert!(r.decided_by_lot);
        assert!(r.stages[1].by_lot);
        assert_eq!(r.elected.len(), 1);
    }

    #[test]
    fn most_recent_unequal_stage_decides() {
        // Stage 1: A 9, B 5, C 4, D 3, E 2 (23 ballots, 1 seat, quota 12).
        // Stage 2, E out: C 6. Stage 3, D out: B 6 = C 6. At stage 2 C was
        // ahead (the earliest stage would favour B): B is excluded.
        let ballots = vec![
            b(&[0], 9),
            b(&[1], 5),
            b(&[2], 4),
            b(&[3, 1], 1),
            b(&[3], 2),
            b(&[4, 2], 2),
        ];
        let r = stv_grouped(5, 1, &ballots, &SEED).unwrap();
        let actions: Vec<_> = r.stages.iter().map(|s| s.action).collect();
        assert_eq!(actions[1], StageAction::Exclusion { candidate: 4 });
        assert_eq!(actions[2], StageAction::Exclusion { candidate: 3 });
        assert_eq!(r.stages[2].votes[1], 6 * UNIT);
        assert_eq!(r.stages[2].votes[2], 6 * UNIT);
        assert_eq!(actions[3], StageAction::Exclusion { candidate: 1 });
        assert!(!r.decided_by_lot);
        conserved(&r);
    }

    #[test]
    fn everyone_elected_when_candidates_equal_seats() {
        let r = stv(3, 3, &[vec![0u32], vec![0]], &SEED).unwrap();
        assert_eq!(r.elected.len(), 3);
        assert_eq!(r.elected[0], 0);
        assert_eq!(r.stages.len(), 1);
    }

    #[test]
    fn no_ballots_still_fills_the_seats() {
        let r = stv::<Vec<u32>>(4, 2, &[], &SEED).unwrap();
        assert_eq!(r.counted, 0);
        assert_eq!(r.quota, UNIT);
        assert_eq!(r.elected.len(), 2);
        assert!(r.decided_by_lot);
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(stv::<Vec<u32>>(0, 1, &[], &SEED).is_err());
        assert!(stv::<Vec<u32>>(2, 3, &[], &SEED).is_err());
    }
}
