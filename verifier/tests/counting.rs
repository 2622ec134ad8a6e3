//! The test elections of counting.md §4, counted by the verifier's own
//! implementation of counting.md, with their published results; and the
//! properties of counting.md §2.10 and §1.5.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path;

use proptest::prelude::*;
use valurna_verifier::count::{self, Action, UNIT};
use valurna_verifier::{Error, Malformed};

const U: u64 = UNIT;

fn seed() -> [u8; 32] {
    count::seed(&[7; 32], 0)
}

/// Ballots written as letters, `A` = candidate 0.
fn letters(spec: &[(u64, &str)]) -> Vec<(Vec<u32>, u64)> {
    spec.iter()
        .map(|(n, s)| (s.bytes().map(|b| u32::from(b - b'A')).collect(), *n))
        .collect()
}

/// Candidates, seats, grouped ballots and names.
type Blt = (usize, usize, Vec<(Vec<u32>, u64)>, Vec<String>);

/// `C S`, then `count c₁ c₂ … 0` per distinct ballot (1-based), `0`, names.
fn blt(file: &str) -> Blt {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../engine/tests/fixtures")
        .join(file);
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head: Vec<usize> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|t| t.parse().unwrap())
        .collect();
    let (c, s) = (head[0], head[1]);
    let mut ballots = vec![];
    for line in lines.by_ref() {
        let t: Vec<u64> = line
            .split_whitespace()
            .map(|t| t.parse().unwrap())
            .collect();
        if t == [0] {
            break;
        }
        assert_eq!(t.last(), Some(&0), "{line}");
        let prefs = t[1..t.len() - 1].iter().map(|x| *x as u32 - 1).collect();
        ballots.push((prefs, t[0]));
    }
    let names = lines
        .take(c)
        .map(|l| l.trim_matches('"').to_string())
        .collect();
    (c, s, ballots, names)
}

fn index(names: &[String], surname: &str) -> usize {
    names
        .iter()
        .position(|n| n.to_uppercase().ends_with(surname))
        .unwrap()
}

fn conserved(r: &count::Stv) {
    for s in &r.stages {
        assert_eq!(
            s.votes.iter().sum::<u64>() + s.non_transferable,
            r.counted * U,
            "{s:?}"
        );
    }
}

/// Wikipedia, "Single transferable vote", section Example: 20 voters,
/// 3 seats, quota 6.
#[test]
fn food_election() {
    // Oranges, Pears, Chocolate, Strawberries, Sweets.
    let ballots = letters(&[
        (4, "AB"),
        (2, "BA"),
        (8, "CD"),
        (4, "CE"),
        (1, "D"),
        (1, "E"),
    ]);
    let r = count::stv(5, 3, ballots, &seed()).unwrap();
    assert_eq!((r.counted, r.empty, r.invalid), (20, 0, 0));
    assert_eq!(r.quota, 6 * U);
    assert_eq!(r.first_preferences, [4, 2, 12, 1, 1]);
    let stages: Vec<_> = r
        .stages
        .iter()
        .map(|s| {
            (
                s.action,
                s.votes.clone(),
                s.non_transferable,
                s.elected.clone(),
                s.by_lot,
            )
        })
        .collect();
    let u = |v: [u64; 5]| v.map(|x| x * U).to_vec();
    assert_eq!(
        stages,
        [
            (
                Action::FirstPreferences,
                u([4, 2, 12, 1, 1]),
                0,
                vec![2],
                false
            ),
            (
                Action::Surplus {
                    candidate: 2,
                    transfer_value: U / 2
                },
                u([4, 2, 6, 5, 3]),
                0,
                vec![],
                false
            ),
            (
                Action::Exclusion { candidate: 1 },
                u([6, 0, 6, 5, 3]),
                0,
                vec![0],
                false
            ),
            (
                Action::Exclusion { candidate: 4 },
                u([6, 0, 6, 5, 0]),
                3 * U,
                vec![3],
                false
            ),
        ]
    );
    assert_eq!(r.elected, [2, 0, 3]);
    assert!(!r.decided_by_lot);
    assert_eq!(r.stage_rows()[3], [6 * U, 0, 6 * U, 5 * U, 0, 3 * U]);
    conserved(&r);
}

/// Glasgow City Council 2022, ward 22 Dennistoun: 5 464 ballots, 3 seats,
/// published in Wikipedia, "Dennistoun (ward)".
#[test]
fn glasgow_2022_dennistoun() {
    let (c, s, ballots, names) = blt("glasgow_2022_ward22_dennistoun.blt");
    let r = count::stv(c, s, ballots, &count::seed(&[0; 32], 22)).unwrap();
    assert_eq!(r.counted, 5464);
    assert_eq!(r.quota, 1367 * U);
    let who = |n: &str| index(&names, n);
    // Published: first preferences, then stages 2 and 3 (rounded).
    let published: [(&str, [u64; 3]); 5] = [
        ("CASEY", [1337, 1362, 1388]),
        ("FINN", [582, 609, 626]),
        ("CONNELLY", [339, 370, 370]),
        ("MCCANN", [96, 143, 148]),
        ("DUNCAN", [84, 109, 117]),
    ];
    assert_eq!(r.stages[0].votes[who("MCDOUGALL")], 1595 * U);
    assert_eq!(r.stages[0].votes[who("CARROLL")], 1431 * U);
    for (name, figures) in published {
        assert_eq!(r.stages[0].votes[who(name)], figures[0] * U, "{name}");
        for (stage, figure) in figures.iter().enumerate().skip(1) {
            let ours = r.stages[stage].votes[who(name)];
            assert!(
                ours.abs_diff(figure * U) <= U,
                "{name} stage {}: {ours} units, published {figure}",
                stage + 1,
            );
        }
    }
    assert_eq!(
        r.stages[1].action,
        Action::Surplus {
            candidate: who("MCDOUGALL"),
            transfer_value: (1595 - 1367) * U * U / (1595 * U),
        }
    );
    assert!(
        matches!(r.stages[2].action, Action::Surplus { candidate, .. } if candidate == who("CARROLL"))
    );
    assert_eq!(r.elected, [who("MCDOUGALL"), who("CARROLL"), who("CASEY")]);
    assert!(!r.decided_by_lot);
    conserved(&r);
}

/// East Ayrshire Council 2022, ward 5 Kilmarnock South: 3 036 ballots,
/// 3 seats, published by stv.vote.
#[test]
fn east_ayrshire_2022_kilmarnock_south() {
    let (c, s, ballots, names) = blt("east_ayrshire_2022_ward5_kilmarnock_south.blt");
    let r = count::stv(c, s, ballots, &count::seed(&[0; 32], 5)).unwrap();
    assert_eq!(r.counted, 3036);
    assert_eq!(r.quota, 760 * U);
    let who = |n: &str| index(&names, n);
    assert_eq!(r.elected, [who("TODD"), who("MABON"), who("MAITLAND")]);
    assert!(!r.decided_by_lot);
    conserved(&r);
}

fn matrix<const N: usize>(rows: [[u64; N]; N]) -> Vec<Vec<u64>> {
    rows.iter().map(|r| r.to_vec()).collect()
}

/// Wikipedia, "Schulze method", section Example: 45 voters, 5 candidates.
#[test]
fn schulze_wikipedia_45_voters() {
    let ballots = letters(&[
        (5, "ACBED"),
        (5, "ADECB"),
        (8, "BEDAC"),
        (3, "CABED"),
        (7, "CAEBD"),
        (2, "CBADE"),
        (7, "DCEBA"),
        (8, "EBADC"),
    ]);
    let r = count::schulze(5, 1, ballots, &seed()).unwrap();
    assert_eq!(r.counted, 45);
    assert_eq!(
        r.pairwise,
        matrix([
            [0, 20, 26, 30, 22],
            [25, 0, 16, 33, 18],
            [19, 29, 0, 17, 24],
            [15, 12, 28, 0, 14],
            [23, 27, 21, 31, 0],
        ])
    );
    assert_eq!(
        r.strongest,
        matrix([
            [0, 28, 28, 30, 24],
            [25, 0, 28, 33, 24],
            [25, 29, 0, 29, 24],
            [25, 28, 28, 0, 24],
            [25, 28, 28, 31, 0],
        ])
    );
    assert_eq!(r.ranking, [4, 0, 2, 1, 3]);
    assert_eq!(r.winners, [4]);
    assert_eq!(r.elected, [4]);
    assert!(!r.decided_by_lot);
}

/// Electorama wiki, "Schulze method" (oldid 70012), Example 2.
#[test]
fn schulze_electorama_example_2() {
    let ballots = letters(&[
        (5, "ACBD"),
        (2, "ACDB"),
        (3, "ADCB"),
        (4, "BACD"),
        (3, "CBDA"),
        (3, "CDBA"),
        (1, "DACB"),
        (5, "DBAC"),
        (4, "DCBA"),
    ]);
    let r = count::schulze(4, 2, ballots, &seed()).unwrap();
    assert_eq!(r.counted, 30);
    assert_eq!(
        r.strongest,
        matrix([
            [0, 20, 20, 17],
            [19, 0, 19, 17],
            [19, 21, 0, 17],
            [18, 18, 18, 0],
        ])
    );
    assert_eq!(r.ranking, [3, 0, 2, 1]);
    assert_eq!(r.winners, [3]);
    assert_eq!(r.elected, [3, 0]);
    assert!(!r.decided_by_lot);
}

/// Electorama wiki, "Schulze method" (oldid 70012), Example 3.
#[test]
fn schulze_electorama_example_3() {
    let ballots = letters(&[
        (3, "ABDEC"),
        (5, "ADEBC"),
        (1, "ADECB"),
        (2, "BADEC"),
        (2, "BDECA"),
        (4, "CABDE"),
        (6, "CBADE"),
        (2, "DBECA"),
        (5, "DECAB"),
    ]);
    let r = count::schulze(5, 1, ballots, &seed()).unwrap();
    assert_eq!(r.counted, 30);
    assert_eq!(
        r.strongest,
        matrix([
            [0, 18, 20, 21, 21],
            [19, 0, 19, 19, 19],
            [19, 18, 0, 19, 19],
            [19, 18, 20, 0, 30],
            [19, 18, 20, 19, 0],
        ])
    );
    assert_eq!(r.ranking, [1, 0, 3, 4, 2]);
    assert_eq!(r.winners, [1]);
    assert!(!r.decided_by_lot);
}

/// Wikipedia, "Condorcet method": the capital of Tennessee, 100 voters.
#[test]
fn schulze_tennessee() {
    // Memphis, Nashville, Chattanooga, Knoxville.
    let ballots = letters(&[(42, "ABCD"), (26, "BCDA"), (15, "CDBA"), (17, "DCBA")]);
    let r = count::schulze(4, 1, ballots, &seed()).unwrap();
    for y in [0, 2, 3] {
        assert!(r.pairwise[1][y] > 50, "Nashville beats {y} head to head");
    }
    assert_eq!(r.winners, [1]);
    assert_eq!(r.ranking, [1, 2, 3, 0]);
    assert_eq!(r.elected, [1]);
    assert!(!r.decided_by_lot);
}

/// counting.md §1.3: the seed and the lot, as bytes.
#[test]
fn seed_and_lot() {
    let s = count::seed(&[0; 32], 0);
    assert_eq!(
        hex::encode(s),
        "3f1f21104cf35e93fa2ec40eb3df2fee2ce40e6e40ecf6e8bb332dfaef2a78e8"
    );
    assert_eq!(
        hex::encode(count::lot(count::STV_LOT, &s, 3)),
        "ea30dbee1fde0370545e3deede8b5afb76b28e5f9531ec4cdadfccbe5e7656be"
    );
    assert_eq!(
        hex::encode(count::lot(count::SCHULZE_LOT, &s, 3)),
        "56f857f6d2afc4d6c98c514853dd9e0ce680946fa44da415cce7dcd4bada8ddd"
    );
}

/// The lot's order of `0 … c−1` under `domain`, most favoured first.
fn lot_order(domain: &[u8], seed: &[u8; 32], c: usize) -> Vec<usize> {
    let mut o: Vec<usize> = (0..c).collect();
    o.sort_by_key(|x| count::lot(domain, seed, *x as u32));
    o
}

/// A dead heat throughout is decided by the lot, and says so.
#[test]
fn ties_go_to_the_lot() {
    let ballots = letters(&[(3, "A"), (3, "B"), (3, "C"), (3, "D")]);
    for contest in 0..8 {
        let seed = count::seed(&[1; 32], contest);
        let r = count::stv(4, 2, ballots.clone(), &seed).unwrap();
        let order = lot_order(count::STV_LOT, &seed, 4);
        // The least favoured is excluded first, and so on: the two most
        // favoured are elected, the higher standing first.
        assert!(r.decided_by_lot);
        assert!(r.stages[1].by_lot && r.stages[2].by_lot);
        assert_eq!(
            r.stages[1].action,
            Action::Exclusion {
                candidate: order[3]
            }
        );
        assert_eq!(
            r.stages[2].action,
            Action::Exclusion {
                candidate: order[2]
            }
        );
        assert_eq!(r.elected, [order[0], order[1]]);
        conserved(&r);

        let s = count::schulze(4, 2, ballots.clone(), &seed).unwrap();
        assert_eq!(s.ranking, lot_order(count::SCHULZE_LOT, &seed, 4));
        assert_eq!(s.winners, [0, 1, 2, 3]);
        assert!(s.decided_by_lot);
    }
}

/// counting.md §2.8: equal now, but not at an earlier stage.
#[test]
fn ties_go_to_earlier_stages_first() {
    // B and C become equal once D is excluded, C having had fewer at
    // stage 1.
    let ballots = letters(&[(6, "A"), (4, "B"), (3, "C"), (1, "DC"), (1, "E")]);
    // V = 15, 2 seats, Q = 6: A elected at stage 1 without surplus.
    let r = count::stv(5, 2, ballots, &seed()).unwrap();
    assert_eq!(r.quota, 6 * U);
    assert_eq!(r.stages[0].elected, [0]);
    // D and E tie at 1 throughout: the lot excludes one of them.
    assert!(r.stages[1].by_lot);
    let first_out = match r.stages[1].action {
        Action::Exclusion { candidate } => candidate,
        a => panic!("{a:?}"),
    };
    assert!(first_out == 3 || first_out == 4);
    if first_out == 3 {
        // C 4 = B 4 now; C had 3 < 4 at stage 1: C goes, not by lot.
        assert_eq!(r.stages[2].action, Action::Exclusion { candidate: 4 });
        assert_eq!(r.stages[3].action, Action::Exclusion { candidate: 2 });
        assert!(!r.stages[3].by_lot);
    }
    assert_eq!(r.elected, [0, 1]);
    conserved(&r);
}

#[test]
fn invalid_and_empty_ballots() {
    let ballots: Vec<(Vec<u32>, u64)> = vec![
        (vec![0, 1], 2),
        (vec![2, 0, 2], 1), // repeated: invalid, not repaired
        (vec![3], 1),       // no candidate 3
        (vec![], 4),        // empty
        (vec![1], 0),       // no ballot
        (vec![1, 0], 1),
    ];
    let r = count::stv(3, 1, ballots.clone(), &seed()).unwrap();
    assert_eq!((r.counted, r.invalid, r.empty), (3, 2, 4));
    assert_eq!(r.first_preferences, [2, 1, 0]);
    assert_eq!(r.quota, 2 * U);
    assert_eq!(r.elected, [0]);
    let s = count::schulze(3, 1, ballots, &seed()).unwrap();
    assert_eq!((s.counted, s.invalid, s.empty), (3, 2, 4));
    assert_eq!(s.pairwise[0][1], 2);
    assert_eq!(s.pairwise[1][0], 1);
    assert_eq!(s.pairwise[0][2], 3);
    assert_eq!(s.pairwise[2][0], 0);
}

fn field(e: Error) -> &'static str {
    match e {
        Error::Malformed(Malformed::OutOfRange(f)) => f,
        e => panic!("{e}"),
    }
}

#[test]
fn parameters_and_overflow() {
    let none: Vec<(Vec<u32>, u64)> = vec![];
    let huge = vec![(vec![0u32], u64::MAX), (vec![0u32], 1)];
    for (c, s, want) in [
        (0, 1, "candidates"),
        (1001, 1, "candidates"),
        (3, 0, "seats"),
        (3, 4, "seats"),
    ] {
        // Parameters are checked before any ballot.
        assert_eq!(
            field(count::stv(c, s, huge.clone(), &seed()).unwrap_err()),
            want
        );
        assert_eq!(
            field(count::schulze(c, s, none.clone(), &seed()).unwrap_err()),
            want
        );
    }
    assert_eq!(
        field(count::schulze(2, 1, huge.clone(), &seed()).unwrap_err()),
        "number of ballots"
    );
    let big = vec![(vec![0u32], u64::MAX / U + 1)];
    assert_eq!(
        field(count::stv(2, 1, big.clone(), &seed()).unwrap_err()),
        "number of ballots"
    );
    // Schulze has no units: the same ballots count.
    assert_eq!(count::schulze(2, 1, big, &seed()).unwrap().elected, [0]);
    let most = vec![(vec![0u32, 1], u64::MAX / U), (vec![1u32], 0)];
    let r = count::stv(2, 1, most, &seed()).unwrap();
    assert_eq!(r.elected, [0]);
    // 1000 candidates, none ranked: everything by the lot, no panic.
    let r = count::stv(1000, 3, none.clone(), &seed()).unwrap();
    assert_eq!(r.elected.len(), 3);
    assert!(r.decided_by_lot);
    let s = count::schulze(1000, 3, none, &seed()).unwrap();
    assert_eq!(s.winners.len(), 1000);
}

/// A million ballots over 30 candidates: grouping keeps this fast. (Run
/// with `--release` for the figure that matters.)
#[test]
fn a_million_ballots() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let c = 30;
    // Popular orders with noise: a few thousand distinct sequences, some
    // long, as real ballots are.
    let mut ballots = Vec::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        let len = (next() % 8) as usize;
        let base = (next() % 5) as u32;
        let mut b: Vec<u32> = Vec::with_capacity(len);
        for i in 0..len {
            let x = (base * 3 + i as u32 * (1 + (next() % 3) as u32)) % c;
            if !b.contains(&x) {
                b.push(x);
            }
        }
        ballots.push(b);
    }
    let start = std::time::Instant::now();
    let r = count::stv(c as usize, 5, ballots.iter().map(|b| (b, 1)), &seed()).unwrap();
    let stv_time = start.elapsed();
    assert_eq!(r.counted + r.empty, 1_000_000);
    assert_eq!(r.elected.len(), 5);
    conserved(&r);
    let start = std::time::Instant::now();
    let s = count::schulze(c as usize, 5, ballots.iter().map(|b| (b, 1)), &seed()).unwrap();
    let schulze_time = start.elapsed();
    assert_eq!(s.counted, r.counted);
    println!("STV {stv_time:?}, Schulze {schulze_time:?}");
}

/// Random distinct full rankings: no two ballots alike.
#[test]
fn a_million_distinct_ballots() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let c = 30u32;
    let ballots: Vec<Vec<u32>> = (0..1_000_000)
        .map(|_| {
            let mut b: Vec<u32> = (0..c).collect();
            for i in (1..b.len()).rev() {
                b.swap(i, (next() % (i as u64 + 1)) as usize);
            }
            b
        })
        .collect();
    let start = std::time::Instant::now();
    let r = count::stv(30, 7, ballots.iter().map(|b| (b, 1)), &seed()).unwrap();
    let stv_time = start.elapsed();
    assert_eq!(r.elected.len(), 7);
    conserved(&r);
    let start = std::time::Instant::now();
    let s = count::schulze(30, 7, ballots.iter().map(|b| (b, 1)), &seed()).unwrap();
    let schulze_time = start.elapsed();
    for x in 0..30 {
        for y in 0..30 {
            if x != y {
                assert_eq!(s.pairwise[x][y] + s.pairwise[y][x], 1_000_000);
            }
        }
    }
    println!("distinct: STV {stv_time:?}, Schulze {schulze_time:?}");
}

/// `d` straight from its definition (counting.md §3.2).
fn naive_pairwise(c: usize, ballots: &[(Vec<u32>, u64)]) -> Vec<Vec<u64>> {
    let mut d = vec![vec![0; c]; c];
    for (b, n) in ballots {
        let valid = !b.is_empty()
            && b.iter().all(|x| (*x as usize) < c)
            && (1..b.len()).all(|i| !b[..i].contains(&b[i]));
        if !valid {
            continue;
        }
        let place = |x: usize| b.iter().position(|y| *y as usize == x);
        for (x, row) in d.iter_mut().enumerate() {
            for (y, dxy) in row.iter_mut().enumerate() {
                let above = match (place(x), place(y)) {
                    (Some(i), Some(j)) => i < j,
                    (Some(_), None) => true,
                    _ => false,
                };
                if x != y && above {
                    *dxy += n;
                }
            }
        }
    }
    d
}

fn ballots_strategy() -> impl Strategy<Value = (usize, usize, Vec<(Vec<u32>, u64)>)> {
    (1usize..7).prop_flat_map(|c| {
        (
            Just(c),
            1..=c,
            prop::collection::vec(
                (prop::collection::vec(0u32..c as u32 + 1, 0..c + 1), 0u64..6),
                0..25,
            ),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// counting.md §2.10 and §1.5: S elected, votes conserved, no
    /// dependence on order or grouping.
    #[test]
    fn stv_properties((c, s, ballots) in ballots_strategy(), contest in 0u32..4) {
        let seed = count::seed(&[3; 32], contest);
        let r = count::stv(c, s, ballots.clone(), &seed).unwrap();
        prop_assert_eq!(r.elected.len(), s);
        let mut e = r.elected.clone();
        e.sort_unstable();
        e.dedup();
        prop_assert_eq!(e.len(), s);
        prop_assert!(r.stages.len() <= 2 * c);
        for st in &r.stages {
            prop_assert_eq!(st.votes.iter().sum::<u64>() + st.non_transferable, r.counted * U);
        }
        let elected: Vec<usize> = r.stages.iter().flat_map(|s| s.elected.clone()).collect();
        prop_assert_eq!(&elected, &r.elected);
        prop_assert_eq!(r.decided_by_lot, r.stages.iter().any(|s| s.by_lot));

        let mut reversed = ballots.clone();
        reversed.reverse();
        prop_assert_eq!(&count::stv(c, s, reversed, &seed).unwrap(), &r);
        let ungrouped: Vec<Vec<u32>> = ballots
            .iter()
            .flat_map(|(b, n)| std::iter::repeat_n(b.clone(), *n as usize))
            .collect();
        prop_assert_eq!(&count::stv(c, s, ungrouped.iter().map(|b| (b, 1)), &seed).unwrap(), &r);
    }

    /// counting.md §3: `d` as defined, the ranking consistent with `beats`.
    #[test]
    fn schulze_properties((c, s, ballots) in ballots_strategy(), contest in 0u32..4) {
        let seed = count::seed(&[3; 32], contest);
        let r = count::schulze(c, s, ballots.clone(), &seed).unwrap();
        prop_assert_eq!(&r.pairwise, &naive_pairwise(c, &ballots));
        let mut all = r.ranking.clone();
        all.sort_unstable();
        prop_assert_eq!(all, (0..c).collect::<Vec<_>>());
        for i in 0..c {
            for j in i + 1..c {
                prop_assert!(!r.beats(r.ranking[j], r.ranking[i]));
            }
        }
        for w in &r.winners {
            prop_assert!((0..c).all(|y| !r.beats(y, *w)));
        }
        prop_assert!(r.winners.contains(&r.ranking[0]));
        prop_assert_eq!(&r.elected[..], &r.ranking[..s]);
        let mut reversed = ballots.clone();
        reversed.reverse();
        prop_assert_eq!(&count::schulze(c, s, reversed, &seed).unwrap(), &r);
    }
}
