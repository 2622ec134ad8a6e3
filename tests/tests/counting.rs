//! The engine's counts and the verifier's (written from counting.md alone)
//! agree on random ballots, stage by stage: STV's every stage (action,
//! votes, non-transferable votes, elected, lot) and Schulze's pairwise and
//! strongest-path matrices, rankings and winners. Ballots include ties
//! broken by the lot (few candidates, many equal ballots), empty ballots and
//! invalid ones (a repeated or unknown candidate).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use proptest::prelude::*;
use valurna_engine::count::{StageAction, schulze_grouped, stv_grouped};
use valurna_verifier::count::{self as verifier, Action};

/// Candidates, seats, grouped ballots and the lot's seed.
type Contest = (u32, u32, Vec<(Vec<u32>, u64)>, [u8; 32]);

/// Up to 7 candidates; a ballot is up to 8 preferences, mostly a ranking
/// without repeats, sometimes with a repeat or a candidate out of range;
/// each with a multiplicity from 1 to 3 (0 is no ballot, also drawn).
fn contest() -> impl Strategy<Value = Contest> {
    (1u32..=7)
        .prop_flat_map(|c| {
            let ballot = prop_oneof![
                8 => (Just((0..c).collect::<Vec<u32>>()).prop_shuffle(), 0..=c as usize)
                    .prop_map(|(mut order, n)| {
                        order.truncate(n);
                        order
                    }),
                1 => prop::collection::vec(0..c + 1, 0..8),
            ];
            (
                Just(c),
                1..=c,
                prop::collection::vec((ballot, 0u64..=3), 0..40),
                any::<[u8; 32]>(),
            )
        })
        .prop_map(|(c, s, ballots, seal)| (c, s, ballots, verifier::seed(&seal, 0)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn stv_agrees_stage_by_stage((c, s, ballots, seed) in contest()) {
        let engine = stv_grouped(c, s, &ballots, &seed).unwrap();
        let ours = verifier::stv(c as usize, s as usize, ballots.iter().cloned(), &seed).unwrap();
        let elected = |v: &[usize]| v.iter().map(|&x| x as u32).collect::<Vec<_>>();
        prop_assert_eq!(&engine.elected, &elected(&ours.elected));
        prop_assert_eq!(engine.quota, ours.quota);
        prop_assert_eq!(
            (engine.counted, engine.empty, engine.invalid),
            (ours.counted, ours.empty, ours.invalid)
        );
        prop_assert_eq!(engine.decided_by_lot, ours.decided_by_lot);
        prop_assert_eq!(engine.stages.len(), ours.stages.len());
        for (n, (e, v)) in engine.stages.iter().zip(&ours.stages).enumerate() {
            let action = match v.action {
                Action::FirstPreferences => StageAction::FirstPreferences,
                Action::Surplus { candidate, transfer_value } => StageAction::Surplus {
                    candidate: candidate as u32,
                    transfer_value,
                },
                Action::Exclusion { candidate } => StageAction::Exclusion {
                    candidate: candidate as u32,
                },
            };
            prop_assert_eq!(&e.action, &action, "stage {}", n + 1);
            prop_assert_eq!(&e.votes, &v.votes, "stage {}", n + 1);
            prop_assert_eq!(e.non_transferable, v.non_transferable, "stage {}", n + 1);
            prop_assert_eq!(&e.elected, &elected(&v.elected), "stage {}", n + 1);
            prop_assert_eq!(e.by_lot, v.by_lot, "stage {}", n + 1);
        }
    }

    #[test]
    fn schulze_agrees_matrix_by_matrix((c, s, ballots, seed) in contest()) {
        let engine = schulze_grouped(c, s, &ballots, &seed).unwrap();
        let ours =
            verifier::schulze(c as usize, s as usize, ballots.iter().cloned(), &seed).unwrap();
        let ids = |v: &[usize]| v.iter().map(|&x| x as u32).collect::<Vec<_>>();
        prop_assert_eq!(&engine.pairwise, &ours.pairwise);
        prop_assert_eq!(&engine.strongest, &ours.strongest);
        prop_assert_eq!(&engine.ranking, &ids(&ours.ranking));
        prop_assert_eq!(&engine.elected, &ids(&ours.elected));
        prop_assert_eq!(&engine.winners, &ids(&ours.winners));
        prop_assert_eq!(engine.decided_by_lot, ours.decided_by_lot);
        prop_assert_eq!(
            (engine.counted, engine.empty, engine.invalid),
            (ours.counted, ours.empty, ours.invalid)
        );
    }
}

/// The strategy reaches what the comparison is for: lots, surpluses,
/// exclusions and invalid ballots all occur.
#[test]
fn the_random_contests_reach_every_kind_of_stage() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut lot, mut surplus, mut exclusion, mut invalid) = (0, 0, 0, 0);
    for _ in 0..400 {
        let (c, s, ballots, seed) = contest().new_tree(&mut runner).unwrap().current();
        let r = stv_grouped(c, s, &ballots, &seed).unwrap();
        lot += usize::from(r.decided_by_lot);
        invalid += usize::from(r.invalid > 0);
        for stage in &r.stages {
            match stage.action {
                StageAction::Surplus { .. } => surplus += 1,
                StageAction::Exclusion { .. } => exclusion += 1,
                StageAction::FirstPreferences => {}
            }
        }
    }
    assert!(
        lot > 10 && surplus > 10 && exclusion > 10 && invalid > 10,
        "lot {lot}, surplus {surplus}, exclusion {exclusion}, invalid {invalid}"
    );
}
