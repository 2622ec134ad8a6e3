//! The single transferable vote of the Scottish Local Government Elections
//! Order 2007, rules 45 to 52, in units of 10⁻⁵ vote (counting.md §2).

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::Serialize;

use super::{Grouped, STV_LOT, UNIT, check_parameters, group, lot_ranks, out_of_range};
use crate::error::Error;

/// What a stage did (counting.md §2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Action {
    /// Stage 1: every counted ballot to its first preference (counting.md
    /// §2.3).
    FirstPreferences,
    /// The transfer of `candidate`'s surplus (counting.md §2.6).
    Surplus {
        /// Whose surplus.
        candidate: usize,
        /// `⌊s·U/T⌋`, the value passed on by a ballot of value one, in
        /// units.
        transfer_value: u64,
    },
    /// The exclusion of `candidate` (counting.md §2.7).
    Exclusion {
        /// Who.
        candidate: usize,
    },
}

/// One stage of an STV count, as recorded at its end (counting.md §2.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// What the stage did.
    pub action: Action,
    /// `T[x]` for every candidate `x`, in units: 0 once excluded, the quota
    /// once elected and its surplus transferred.
    pub votes: Vec<u64>,
    /// `N`, the non-transferable votes so far (cumulative), in units.
    pub non_transferable: u64,
    /// The candidates deemed elected at the stage's end, in order; after the
    /// last stage also those filling the last vacancies (counting.md §2.5
    /// step 2).
    pub elected: Vec<usize>,
    /// Whether the lot chose the candidate of this stage (counting.md §2.8).
    pub by_lot: bool,
}

/// The outcome of an STV count (counting.md §2.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stv {
    /// Exactly `S` candidates, in order of election.
    pub elected: Vec<usize>,
    /// `Q`, in units.
    pub quota: u64,
    /// `V`, the counted ballots.
    pub counted: u64,
    /// Empty ballots (counting.md §1.1).
    pub empty: u64,
    /// Invalid ballots (counting.md §1.1).
    pub invalid: u64,
    /// First preferences of each candidate, in ballots: the `counts` of a
    /// ranked contest in `result.json` (record.md §9.5).
    pub first_preferences: Vec<u64>,
    /// Every stage, in order.
    pub stages: Vec<Stage>,
    /// Whether any stage's `by_lot` is true.
    pub decided_by_lot: bool,
}

impl Stv {
    /// The stages as `result.json` lists them (record.md §9.5): each
    /// stage's votes of every candidate followed by the non-transferable
    /// votes, in units.
    pub fn stage_rows(&self) -> Vec<Vec<u64>> {
        self.stages
            .iter()
            .map(|s| {
                let mut row = s.votes.clone();
                row.push(s.non_transferable);
                row
            })
            .collect()
    }
}

/// Counts `candidates` candidates for `seats` seats by STV (counting.md
/// §2), ties broken by the lot drawn from `seed` (counting.md §1.3).
///
/// `ballots` are `(sequence, multiplicity)`: candidate indices from 0,
/// first preference first; a multiplicity of 0 is no ballot. Invalid and
/// empty ballots are only counted in `invalid` and `empty` (counting.md
/// §1.1).
///
/// # Errors
///
/// `OutOfRange` with `"candidates"`, `"seats"` or `"number of ballots"`
/// (counting.md §1.4).
pub fn stv<B, I>(candidates: usize, seats: usize, ballots: I, seed: &[u8; 32]) -> Result<Stv, Error>
where
    B: AsRef<[u32]>,
    I: IntoIterator<Item = (B, u64)>,
{
    check_parameters(candidates, seats)?;
    let grouped = group(candidates, ballots)?;
    let v = grouped.counted;
    // V·U < 2⁶⁴ (counting.md §1.2); then every figure below fits.
    v.checked_mul(UNIT)
        .ok_or_else(|| out_of_range("number of ballots"))?;
    // Q = (⌊V/(S+1)⌋ + 1)·U ≤ max(V, 1)·U (counting.md §2.3).
    let quota = (v / (seats as u64 + 1) + 1) * UNIT;
    let mut count = Count {
        grouped: &grouped,
        position: Vec::new(),
        value: Vec::new(),
        held: vec![Vec::new(); candidates],
        status: vec![Status::Continuing; candidates],
        pending: vec![false; candidates],
        votes: vec![0; candidates],
        non_transferable: 0,
        quota,
        // Before any stage, the lot alone: the most favoured stands highest.
        rank: lot_ranks(STV_LOT, seed, candidates)
            .into_iter()
            .map(|r| candidates - 1 - r.min(candidates - 1))
            .collect(),
        tie: vec![0; candidates],
        stages: Vec::new(),
        elected: Vec::new(),
    };
    count.run(seats)?;
    let (elected, stages) = (count.elected, count.stages);
    Ok(Stv {
        elected,
        quota,
        counted: v,
        empty: grouped.empty,
        invalid: grouped.invalid,
        first_preferences: grouped.first,
        decided_by_lot: stages.iter().any(|s| s.by_lot),
        stages,
    })
}

/// A candidate's state (counting.md §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Continuing,
    Elected,
    Excluded,
}

/// `v[i]`, or 0 outside `v` (never, for the indices used here).
fn at(v: &[u64], i: usize) -> u64 {
    v.get(i).copied().unwrap_or(0)
}

/// Adds `amount` to `v[i]`.
fn add(v: &mut [u64], i: usize, amount: u64) {
    if let Some(x) = v.get_mut(i) {
        *x += amount;
    }
}

/// The count in progress. A group of identical ballots is always held by
/// one candidate, at one value, so it moves as one (counting.md §1.5).
#[derive(Debug)]
struct Count<'a> {
    /// The ballots.
    grouped: &'a Grouped,
    /// Per group, the place in its sequence of the candidate holding it.
    position: Vec<usize>,
    /// Per group, the value of one of its ballots when its holder received
    /// it, in units.
    value: Vec<u64>,
    /// Per candidate, the groups it holds.
    held: Vec<Vec<usize>>,
    status: Vec<Status>,
    /// Per candidate, whether it is elected with a surplus not yet
    /// transferred.
    pending: Vec<bool>,
    /// `T[x]`.
    votes: Vec<u64>,
    /// `N`.
    non_transferable: u64,
    /// `Q`.
    quota: u64,
    /// Each candidate's place in the order of standing (counting.md §2.8),
    /// the highest standing last: standing is lexicographic in the votes at
    /// the latest stage, then at each earlier stage, then the lot, so after
    /// each stage the order is re-sorted by (its votes, the previous order).
    rank: Vec<usize>,
    /// Equal for two candidates exactly when their votes were equal at the
    /// end of every stage so far.
    tie: Vec<usize>,
    stages: Vec<Stage>,
    elected: Vec<usize>,
}

impl Count<'_> {
    fn status(&self, x: usize) -> Status {
        self.status.get(x).copied().unwrap_or(Status::Excluded)
    }

    fn set_status(&mut self, x: usize, s: Status) {
        if let Some(st) = self.status.get_mut(x) {
            *st = s;
        }
    }

    fn candidates_where(&self, keep: impl Fn(usize) -> bool) -> Vec<usize> {
        (0..self.votes.len()).filter(|x| keep(*x)).collect()
    }

    /// How `x` stands against `y` (counting.md §2.8): `Greater` when `x`
    /// stands higher — more votes at the end of the latest stage, else at
    /// the most recent earlier stage where they differed, else favoured by
    /// the lot.
    fn standing(&self, x: usize, y: usize) -> Ordering {
        self.rank.get(x).cmp(&self.rank.get(y))
    }

    /// Whether `x` and `y` had the same votes at the end of every stage so
    /// far, so that only the lot orders them (counting.md §2.8).
    fn tied_throughout(&self, x: usize, y: usize) -> bool {
        self.tie.get(x) == self.tie.get(y)
    }

    /// `candidates` by standing, highest first.
    fn by_standing(&self, mut candidates: Vec<usize>) -> Vec<usize> {
        candidates.sort_by(|x, y| self.standing(*y, *x));
        candidates
    }

    /// The first continuing candidate on group `g` after its holder, with
    /// its place in the sequence (counting.md §2.2).
    fn next_preference(&self, g: usize) -> Option<(usize, usize)> {
        let (sequence, _) = self.grouped.get(g);
        let from = self.position.get(g)? + 1;
        sequence
            .iter()
            .enumerate()
            .skip(from)
            .map(|(i, x)| (i, *x as usize))
            .find(|(_, x)| self.status(*x) == Status::Continuing)
    }

    /// Passes group `g` at `value` a ballot to its next available
    /// preference; returns the total value passed, or `None` if it has none
    /// (it is then non-transferable and leaves the count).
    fn pass(&mut self, g: usize, value: u64) -> Option<u64> {
        let (place, to) = self.next_preference(g)?;
        let (_, m) = self.grouped.get(g);
        let total = m * value;
        if let Some(p) = self.position.get_mut(g) {
            *p = place;
        }
        if let Some(v) = self.value.get_mut(g) {
            *v = value;
        }
        add(&mut self.votes, to, total);
        if let Some(h) = self.held.get_mut(to) {
            h.push(g);
        }
        Some(total)
    }

    fn run(&mut self, seats: usize) -> Result<(), Error> {
        self.first_stage();
        // Each stage after the first removes a pending surplus or a
        // continuing candidate (counting.md §2.5), so at most 2C of them.
        for _ in 0..2 * self.votes.len() + 1 {
            let remaining = seats.saturating_sub(self.elected.len());
            if remaining == 0 {
                return Ok(());
            }
            let continuing = self.candidates_where(|x| self.status(x) == Status::Continuing);
            if continuing.len() <= remaining {
                // Rule 52: the last vacancies, no further transfer.
                let last = self.by_standing(continuing);
                self.elected.extend(&last);
                if let Some(stage) = self.stages.last_mut() {
                    stage.elected.extend(last);
                }
                return Ok(());
            }
            let pending = self.candidates_where(|x| self.pending.get(x) == Some(&true));
            if let Some(x) = self.by_standing(pending.clone()).first().copied() {
                // Largest surplus first: equal surpluses are equal votes,
                // so the highest standing is the largest surplus.
                let by_lot = pending
                    .iter()
                    .any(|y| *y != x && self.tied_throughout(x, *y));
                self.transfer_surplus(x, by_lot);
            } else if let Some(x) = self.by_standing(continuing.clone()).last().copied() {
                let by_lot = continuing
                    .iter()
                    .any(|y| *y != x && self.tied_throughout(x, *y));
                self.exclude(x, by_lot);
            }
        }
        Err(Error::mismatch(
            "the STV count did not end within 2C stages (counting.md §2.5)",
        ))
    }

    /// Stage 1 (counting.md §2.3).
    fn first_stage(&mut self) {
        let n = self.grouped.groups.len();
        self.position = vec![0; n];
        self.value = vec![UNIT; n];
        for (g, (sequence, m)) in self.grouped.iter().enumerate() {
            if let Some(first) = sequence.first().map(|x| *x as usize) {
                add(&mut self.votes, first, m * UNIT);
                if let Some(h) = self.held.get_mut(first) {
                    h.push(g);
                }
            }
        }
        self.end_stage(Action::FirstPreferences, false);
    }

    /// The transfer of `x`'s surplus (counting.md §2.6).
    fn transfer_surplus(&mut self, x: usize, by_lot: bool) {
        let total = at(&self.votes, x);
        let surplus = total.saturating_sub(self.quota);
        let mut passed = 0u64;
        for g in self.held.get_mut(x).map(std::mem::take).unwrap_or_default() {
            let v = self.value.get(g).copied().unwrap_or(0);
            // ⌊s·v/T⌋ ≤ v; T > Q > 0.
            let new = (u128::from(surplus) * u128::from(v) / u128::from(total)) as u64;
            passed += self.pass(g, new).unwrap_or(0);
        }
        self.non_transferable += surplus.saturating_sub(passed);
        if let Some(t) = self.votes.get_mut(x) {
            *t = self.quota;
        }
        if let Some(p) = self.pending.get_mut(x) {
            *p = false;
        }
        let transfer_value = (u128::from(surplus) * u128::from(UNIT) / u128::from(total)) as u64;
        self.end_stage(
            Action::Surplus {
                candidate: x,
                transfer_value,
            },
            by_lot,
        );
    }

    /// The exclusion of `x` (counting.md §2.7).
    fn exclude(&mut self, x: usize, by_lot: bool) {
        self.set_status(x, Status::Excluded);
        for g in self.held.get_mut(x).map(std::mem::take).unwrap_or_default() {
            let v = self.value.get(g).copied().unwrap_or(0);
            if self.pass(g, v).is_none() {
                let (_, m) = self.grouped.get(g);
                self.non_transferable += m * v;
            }
        }
        if let Some(t) = self.votes.get_mut(x) {
            *t = 0;
        }
        self.end_stage(Action::Exclusion { candidate: x }, by_lot);
    }

    /// Records the stage, then deems elected every continuing candidate who
    /// reached the quota, highest standing first (counting.md §2.4).
    fn end_stage(&mut self, action: Action, by_lot: bool) {
        self.stages.push(Stage {
            action,
            votes: self.votes.clone(),
            non_transferable: self.non_transferable,
            elected: Vec::new(),
            by_lot,
        });
        let mut order: Vec<usize> = (0..self.votes.len()).collect();
        order.sort_by_key(|x| (at(&self.votes, *x), self.rank.get(*x).copied()));
        for (place, x) in order.into_iter().enumerate() {
            if let Some(r) = self.rank.get_mut(x) {
                *r = place;
            }
        }
        let mut classes: HashMap<(usize, u64), usize> = HashMap::new();
        for (x, t) in self.tie.iter_mut().enumerate() {
            let next = classes.len();
            *t = *classes.entry((*t, at(&self.votes, x))).or_insert(next);
        }
        let reached = self.candidates_where(|x| {
            self.status(x) == Status::Continuing && at(&self.votes, x) >= self.quota
        });
        let reached = self.by_standing(reached);
        for &x in &reached {
            self.set_status(x, Status::Elected);
            if let Some(p) = self.pending.get_mut(x) {
                *p = at(&self.votes, x) > self.quota;
            }
        }
        self.elected.extend(&reached);
        if let Some(stage) = self.stages.last_mut() {
            stage.elected = reached;
        }
    }
}
