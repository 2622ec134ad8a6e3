//! Counting ranked ballots (spec: counting.md): published elections counted
//! and their published outcomes asserted (spec: counting.md §4), a naive
//! second implementation of STV compared stage by stage, and properties
//! over random ballots.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::cmp::Ordering;

use proptest::prelude::*;
use valurna_engine::count::{
    StageAction, StvResult, UNIT, contest_seed, lot, schulze, schulze_grouped, stv, stv_grouped,
};

const SEED: [u8; 32] = [0x5e; 32];

/// A ballot file in the BLT format: `candidates seats`, then lines
/// `count c₁ c₂ … 0` with 1-based candidates, then `0` and the names.
fn blt(text: &str) -> (u32, u32, Vec<(Vec<u32>, u64)>) {
    let mut lines = text.lines();
    let head: Vec<u32> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let mut ballots = vec![];
    for line in lines {
        let nums: Vec<u64> = line
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        if nums == [0] {
            break;
        }
        let (count, prefs) = nums.split_first().unwrap();
        assert_eq!(prefs.last(), Some(&0));
        let prefs = prefs[..prefs.len() - 1]
            .iter()
            .map(|&c| u32::try_from(c - 1).unwrap())
            .collect();
        ballots.push((prefs, *count));
    }
    (head[0], head[1], ballots)
}

fn votes(r: &StvResult, stage: usize) -> Vec<u64> {
    r.stages[stage].votes.clone()
}

/// Published figures are rounded to whole votes: within one vote.
fn assert_near(units: u64, published: u64, what: &str) {
    let diff = units.abs_diff(published * UNIT);
    assert!(diff < UNIT, "{what}: {units} units, published {published}");
}

fn conserved(r: &StvResult) {
    for s in &r.stages {
        assert_eq!(
            s.votes.iter().sum::<u64>() + s.non_transferable,
            r.counted * UNIT
        );
    }
}

// ---------------------------------------------------------------------------
// STV (spec: counting.md §2)

/// Wikipedia, "Single transferable vote", section "Example" (the food
/// election): https://en.wikipedia.org/wiki/Single_transferable_vote#Example
/// (mirrored at https://www.liquisearch.com/single_transferable_vote/example).
/// 20 voters, 3 seats, Droop quota 6; Chocolate is elected and its surplus
/// splits between Strawberries and Sweets; Pears is eliminated and Oranges
/// reaches the quota; Sweets is eliminated and Strawberries wins the last
/// seat. "The winners are Chocolate, Oranges and Strawberries."
#[test]
fn stv_wikipedia_food_election() {
    let (oranges, pears, chocolate, strawberries, sweets) = (0, 1, 2, 3, 4);
    let ballots = vec![
        (vec![oranges], 4),
        (vec![pears, oranges], 2),
        (vec![chocolate, strawberries], 8),
        (vec![chocolate, sweets], 4),
        (vec![strawberries], 1),
        (vec![sweets], 1),
    ];
    let r = stv_grouped(5, 3, &ballots, &SEED).unwrap();
    assert_eq!(r.quota, 6 * UNIT);
    assert_eq!(r.counted, 20);
    let u = |v: [u64; 5]| v.map(|x| x * UNIT).to_vec();
    assert_eq!(r.stages.len(), 4);
    assert_eq!(r.stages[0].action, StageAction::FirstPreferences);
    assert_eq!(votes(&r, 0), u([4, 2, 12, 1, 1]));
    assert_eq!(r.stages[0].elected, vec![chocolate]);
    assert_eq!(
        r.stages[1].action,
        StageAction::Surplus {
            candidate: chocolate,
            transfer_value: UNIT / 2
        }
    );
    assert_eq!(votes(&r, 1), u([4, 2, 6, 5, 3]));
    assert_eq!(
        r.stages[2].action,
        StageAction::Exclusion { candidate: pears }
    );
    assert_eq!(votes(&r, 2), u([6, 0, 6, 5, 3]));
    assert_eq!(r.stages[2].elected, vec![oranges]);
    assert_eq!(
        r.stages[3].action,
        StageAction::Exclusion { candidate: sweets }
    );
    assert_eq!(votes(&r, 3), u([6, 0, 6, 5, 0]));
    assert_eq!(r.stages[3].non_transferable, 3 * UNIT);
    assert_eq!(r.elected, vec![chocolate, oranges, strawberries]);
    assert!(!r.decided_by_lot);
    conserved(&r);
}

/// Glasgow City Council election, 5 May 2022, ward 22 Dennistoun (3 seats).
/// Ballots: the council's published preference data, as the BLT file
/// `blt_files/7_cands/glasgow_2022_ward22.blt` of
/// https://github.com/mggg/scot-elex (copied to `fixtures/`).
/// Result: Wikipedia, "Dennistoun (ward)", 2022 election table
/// (https://en.wikipedia.org/wiki/Dennistoun_(ward), mirrored at
/// https://www.hubbry.com/Dennistoun_(ward)): valid 5,464, quota 1,367;
/// McDougall 1,595 and Carroll 1,431 elected at count 1; Casey
/// 1,337 → 1,362 → 1,388 elected at count 3; Finn 582 → 609 → 626;
/// Connelly 339 → 370 → 370; McCann 96 → 143 → 148; Duncan 84 → 109 → 117.
#[test]
fn stv_glasgow_2022_dennistoun() {
    let (c, s, ballots) = blt(include_str!("fixtures/glasgow_2022_ward22_dennistoun.blt"));
    assert_eq!((c, s), (7, 3));
    let (carroll, casey, connelly, duncan, finn, mccann, mcdougall) = (0u32, 1, 2, 3, 4, 5, 6);
    let r = stv_grouped(c, s, &ballots, &SEED).unwrap();
    assert_eq!(r.counted, 5464);
    assert_eq!(r.quota, 1367 * UNIT);
    let first = [1431, 1337, 339, 84, 582, 96, 1595]
        .map(|x| x * UNIT)
        .to_vec();
    assert_eq!(votes(&r, 0), first);
    assert_eq!(r.stages[0].elected, vec![mcdougall, carroll]);
    assert_eq!(r.stages.len(), 3);
    // Count 2: McDougall's surplus (228, the larger); count 3: Carroll's.
    assert!(matches!(
        r.stages[1].action,
        StageAction::Surplus { candidate, .. } if candidate == mcdougall
    ));
    assert!(matches!(
        r.stages[2].action,
        StageAction::Surplus { candidate, .. } if candidate == carroll
    ));
    let published = [
        (casey, [1362, 1388]),
        (finn, [609, 626]),
        (connelly, [370, 370]),
        (mccann, [143, 148]),
        (duncan, [109, 117]),
    ];
    for (cand, figures) in published {
        for (i, fig) in figures.into_iter().enumerate() {
            assert_near(
                r.stages[i + 1].votes[cand as usize],
                fig,
                &format!("{cand} count {}", i + 2),
            );
        }
    }
    assert_eq!(r.stages[1].votes[mcdougall as usize], r.quota);
    assert_eq!(r.stages[2].votes[carroll as usize], r.quota);
    assert_eq!(r.stages[2].elected, vec![casey]);
    assert_eq!(r.elected, vec![mcdougall, carroll, casey]);
    assert!(!r.decided_by_lot);
    conserved(&r);
}

/// East Ayrshire Council election, 5 May 2022, ward 5 Kilmarnock South
/// (3 seats). Ballots: the council's published preference data, as the BLT
/// file `blt_files/6_cands/east_ayrshire_2022_ward5.blt` of
/// https://github.com/mggg/scot-elex (copied to `fixtures/`). Result:
/// https://stv.vote/report/gb/scotland/east-ayrshire/2022/05/kilmarnock-south
/// — 3,036 votes, quota 760; elected Jim Todd and Peter Mabon in round 1,
/// Clare Maitland in round 2 (which matches the declared councillors).
#[test]
fn stv_east_ayrshire_2022_kilmarnock_south() {
    let (c, s, ballots) = blt(include_str!(
        "fixtures/east_ayrshire_2022_ward5_kilmarnock_south.blt"
    ));
    let (bawa, mabon, maitland, mclintock, todd, von_doring) = (0, 1, 2, 3, 4, 5);
    let r = stv_grouped(c, s, &ballots, &SEED).unwrap();
    assert_eq!(r.counted, 3036);
    assert_eq!(r.quota, 760 * UNIT);
    assert_eq!(
        votes(&r, 0),
        [370, 954, 627, 57, 990, 38].map(|x| x * UNIT).to_vec()
    );
    assert_eq!(r.stages[0].elected, vec![todd, mabon]);
    assert_eq!(r.stages[1].elected, vec![maitland]);
    assert_eq!(r.elected, vec![todd, mabon, maitland]);
    for loser in [bawa, mclintock, von_doring] {
        assert!(!r.elected.contains(&loser));
    }
    conserved(&r);
}

/// One million ballots over thirty candidates. `cargo test --release --
/// --ignored million` times it.
#[test]
#[ignore = "slow in a debug build; run with --release"]
fn million_ballots_thirty_candidates() {
    let ballots = random_ballots(1_000_000, 30, 7);
    let t = std::time::Instant::now();
    let r = stv(30, 7, &ballots, &SEED).unwrap();
    let stv_time = t.elapsed();
    let t = std::time::Instant::now();
    let q = schulze(30, 7, &ballots, &SEED).unwrap();
    let schulze_time = t.elapsed();
    println!(
        "STV {stv_time:?} ({} stages), Schulze {schulze_time:?}",
        r.stages.len()
    );
    assert_eq!(r.elected.len(), 7);
    assert_eq!(q.elected.len(), 7);
}

#[test]
fn two_hundred_thousand_ballots() {
    let ballots = random_ballots(200_000, 30, 11);
    let r = stv(30, 5, &ballots, &SEED).unwrap();
    assert_eq!(r.elected.len(), 5);
    conserved(&r);
    let q = schulze(30, 5, &ballots, &SEED).unwrap();
    assert_eq!(q.counted, 200_000);
}

/// Deterministic pseudo-random ballots (xorshift), popular candidates
/// favoured, lengths 1 to 30.
fn random_ballots(n: usize, c: u32, mut x: u64) -> Vec<Vec<u32>> {
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let len = 1 + (next() % u64::from(c)) as usize;
            let mut order: Vec<u32> = (0..c).collect();
            // Bias: swap towards the front with a skewed index.
            for i in 0..order.len() {
                let j = i + (next() % ((order.len() - i) as u64)).min(next() % 8) as usize;
                order.swap(i, j);
            }
            order.truncate(len);
            order
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Schulze (spec: counting.md §3)

fn ranking_of(s: &str) -> Vec<u32> {
    s.bytes().map(|b| u32::from(b - b'A')).collect()
}

fn profile(rows: &[(u64, &str)]) -> Vec<(Vec<u32>, u64)> {
    rows.iter().map(|(n, s)| (ranking_of(s), *n)).collect()
}

/// Wikipedia, "Schulze method", section "Example"
/// (https://en.wikipedia.org/wiki/Schulze_method#Example, mirrored at
/// https://www.liquisearch.com/schulze_method/example): 45 voters, 5
/// candidates; the tables of d[·,·] and p[·,·]; "the Schulze ranking is
/// E > A > C > B > D, and E wins".
#[test]
fn schulze_wikipedia_45_voters() {
    let ballots = profile(&[
        (5, "ACBED"),
        (5, "ADECB"),
        (8, "BEDAC"),
        (3, "CABED"),
        (7, "CAEBD"),
        (2, "CBADE"),
        (7, "DCEBA"),
        (8, "EBADC"),
    ]);
    let r = schulze_grouped(5, 1, &ballots, &SEED).unwrap();
    assert_eq!(
        r.pairwise,
        vec![
            vec![0, 20, 26, 30, 22],
            vec![25, 0, 16, 33, 18],
            vec![19, 29, 0, 17, 24],
            vec![15, 12, 28, 0, 14],
            vec![23, 27, 21, 31, 0],
        ]
    );
    assert_eq!(
        r.strongest,
        vec![
            vec![0, 28, 28, 30, 24],
            vec![25, 0, 28, 33, 24],
            vec![25, 29, 0, 29, 24],
            vec![25, 28, 28, 0, 24],
            vec![25, 28, 28, 31, 0],
        ]
    );
    assert_eq!(r.ranking, ranking_of("EACBD"));
    assert_eq!(r.winners, ranking_of("E"));
    assert_eq!(r.elected, ranking_of("E"));
    assert!(!r.decided_by_lot);
}

/// Markus Schulze's description of his method on the electorama wiki,
/// "Schulze method", Example 2
/// (http://wiki.electorama.com/w/index.php?title=Schulze_method&oldid=70012#Example_2):
/// 30 voters, 4 candidates; strongest paths as tabulated there; ranking
/// D > A > C > B.
#[test]
fn schulze_electorama_example_2() {
    let ballots = profile(&[
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
    let r = schulze_grouped(4, 2, &ballots, &SEED).unwrap();
    assert_eq!(
        r.strongest,
        vec![
            vec![0, 20, 20, 17],
            vec![19, 0, 19, 17],
            vec![19, 21, 0, 17],
            vec![18, 18, 18, 0],
        ]
    );
    assert_eq!(r.ranking, ranking_of("DACB"));
    assert_eq!(r.winners, ranking_of("D"));
    assert_eq!(r.elected, ranking_of("DA"));
    assert!(!r.decided_by_lot);
}

/// The same page, Example 3
/// (http://wiki.electorama.com/w/index.php?title=Schulze_method&oldid=70012#Example_3):
/// 30 voters, 5 candidates; ranking B > A > D > E > C.
#[test]
fn schulze_electorama_example_3() {
    let ballots = profile(&[
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
    let r = schulze_grouped(5, 1, &ballots, &SEED).unwrap();
    assert_eq!(
        r.strongest,
        vec![
            vec![0, 18, 20, 21, 21],
            vec![19, 0, 19, 19, 19],
            vec![19, 18, 0, 19, 19],
            vec![19, 18, 20, 0, 30],
            vec![19, 18, 20, 19, 0],
        ]
    );
    assert_eq!(r.ranking, ranking_of("BADEC"));
    assert_eq!(r.winners, ranking_of("B"));
}

/// Wikipedia, "Condorcet method", the Tennessee capital example
/// (https://en.wikipedia.org/wiki/Condorcet_method#Example:_Voting_on_the_location_of_Tennessee's_capital):
/// 42% Memphis > Nashville > Chattanooga > Knoxville, 26% Nashville >
/// Chattanooga > Knoxville > Memphis, 15% Chattanooga > Knoxville >
/// Nashville > Memphis, 17% Knoxville > Chattanooga > Nashville > Memphis.
/// Nashville beats every other city; the order is Nashville, Chattanooga,
/// Knoxville, Memphis.
#[test]
fn schulze_tennessee_capital() {
    let (memphis, nashville, chattanooga, knoxville) = (0, 1, 2, 3);
    let ballots = vec![
        (vec![memphis, nashville, chattanooga, knoxville], 42),
        (vec![nashville, chattanooga, knoxville, memphis], 26),
        (vec![chattanooga, knoxville, nashville, memphis], 15),
        (vec![knoxville, chattanooga, nashville, memphis], 17),
    ];
    let r = schulze_grouped(4, 1, &ballots, &SEED).unwrap();
    assert_eq!(r.pairwise[nashville as usize][memphis as usize], 58);
    assert_eq!(r.pairwise[nashville as usize][chattanooga as usize], 68);
    assert_eq!(r.pairwise[nashville as usize][knoxville as usize], 68);
    assert_eq!(r.winners, vec![nashville]);
    assert_eq!(r.ranking, vec![nashville, chattanooga, knoxville, memphis]);
}

// ---------------------------------------------------------------------------
// A naive second STV, ballot by ballot, from the text of counting.md §2.

#[derive(Clone, Copy, PartialEq, Debug)]
enum St {
    Cont,
    Elected { pending: bool },
    Excl,
}

struct Naive {
    elected: Vec<u32>,
    stages: Vec<(StageAction, Vec<u64>, u64, Vec<u32>)>,
}

fn valid(c: u32, b: &[u32]) -> bool {
    !b.is_empty() && b.iter().all(|&x| x < c) && (0..b.len()).all(|i| !b[i + 1..].contains(&b[i]))
}

fn naive_stv(c: u32, s: u32, ballots: &[Vec<u32>], seed: &[u8; 32]) -> Naive {
    let ballots: Vec<&Vec<u32>> = ballots.iter().filter(|b| valid(c, b)).collect();
    let n = c as usize;
    let v = ballots.len() as u64;
    let quota = (v / (u64::from(s) + 1) + 1) * UNIT;
    let lots: Vec<[u8; 32]> = (0..c)
        .map(|x| lot(b"valurna/stv-lot/v1", seed, x))
        .collect();
    // holder position and value per ballot
    let mut pos: Vec<Option<usize>> = vec![Some(0); ballots.len()];
    let mut val: Vec<u64> = vec![UNIT; ballots.len()];
    let mut t = vec![0u64; n];
    for b in &ballots {
        t[b[0] as usize] += UNIT;
    }
    let mut st = vec![St::Cont; n];
    let mut nt = 0u64;
    let mut out = Naive {
        elected: vec![],
        stages: vec![],
    };
    let higher = |hist: &[(StageAction, Vec<u64>, u64, Vec<u32>)], a: usize, b: usize| {
        for h in hist.iter().rev() {
            match h.1[a].cmp(&h.1[b]) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        lots[b].cmp(&lots[a]).then(b.cmp(&a))
    };
    let mut action = StageAction::FirstPreferences;
    loop {
        out.stages.push((action, t.clone(), nt, vec![]));
        let mut reached: Vec<usize> = (0..n)
            .filter(|&x| st[x] == St::Cont && t[x] >= quota)
            .collect();
        reached.sort_by(|&a, &b| higher(&out.stages, b, a));
        for x in reached {
            st[x] = St::Elected {
                pending: t[x] > quota,
            };
            out.elected.push(x as u32);
            out.stages.last_mut().unwrap().3.push(x as u32);
        }
        let r = s as usize - out.elected.len();
        if r == 0 {
            break;
        }
        let mut cont: Vec<usize> = (0..n).filter(|&x| st[x] == St::Cont).collect();
        if cont.len() <= r {
            cont.sort_by(|&a, &b| higher(&out.stages, b, a));
            for x in cont {
                out.elected.push(x as u32);
                out.stages.last_mut().unwrap().3.push(x as u32);
            }
            break;
        }
        let pending: Vec<usize> = (0..n)
            .filter(|&x| st[x] == St::Elected { pending: true })
            .collect();
        let next_pref = |b: &[u32], from: usize, st: &[St]| {
            (from + 1..b.len()).find(|&p| st[b[p] as usize] == St::Cont)
        };
        if let Some(&x) = pending.iter().max_by(|&&a, &&b| higher(&out.stages, a, b)) {
            let total = t[x];
            let surplus = total - quota;
            let mut credited = 0;
            for i in 0..ballots.len() {
                let Some(p) = pos[i] else { continue };
                if ballots[i][p] as usize != x {
                    continue;
                }
                let nv = (u128::from(surplus) * u128::from(val[i]) / u128::from(total)) as u64;
                match next_pref(ballots[i], p, &st) {
                    Some(q) => {
                        pos[i] = Some(q);
                        val[i] = nv;
                        t[ballots[i][q] as usize] += nv;
                        credited += nv;
                    }
                    None => pos[i] = None,
                }
            }
            t[x] = quota;
            nt += surplus - credited;
            st[x] = St::Elected { pending: false };
            action = StageAction::Surplus {
                candidate: x as u32,
                transfer_value: surplus * UNIT / total,
            };
        } else {
            let x = *cont
                .iter()
                .min_by(|&&a, &&b| higher(&out.stages, a, b))
                .unwrap();
            st[x] = St::Excl;
            for i in 0..ballots.len() {
                let Some(p) = pos[i] else { continue };
                if ballots[i][p] as usize != x {
                    continue;
                }
                match next_pref(ballots[i], p, &st) {
                    Some(q) => {
                        pos[i] = Some(q);
                        t[ballots[i][q] as usize] += val[i];
                    }
                    None => {
                        pos[i] = None;
                        nt += val[i];
                    }
                }
            }
            t[x] = 0;
            action = StageAction::Exclusion {
                candidate: x as u32,
            };
        }
    }
    out
}

#[test]
fn naive_stv_agrees_on_the_real_wards() {
    for text in [
        include_str!("fixtures/glasgow_2022_ward22_dennistoun.blt"),
        include_str!("fixtures/east_ayrshire_2022_ward5_kilmarnock_south.blt"),
    ] {
        let (c, _, grouped) = blt(text);
        let ballots: Vec<Vec<u32>> = grouped
            .iter()
            .flat_map(|(b, n)| std::iter::repeat_n(b.clone(), *n as usize))
            .collect();
        // More seats make for longer counts with exclusions.
        for s in 1..=c {
            compare_with_naive(c, s, &ballots, &SEED);
        }
    }
}

fn compare_with_naive(c: u32, s: u32, ballots: &[Vec<u32>], seed: &[u8; 32]) {
    let r = stv(c, s, ballots, seed).unwrap();
    let n = naive_stv(c, s, ballots, seed);
    assert_eq!(r.elected, n.elected, "c {c} s {s}");
    assert_eq!(r.stages.len(), n.stages.len());
    for (a, b) in r.stages.iter().zip(&n.stages) {
        assert_eq!(a.action, b.0);
        assert_eq!(a.votes, b.1);
        assert_eq!(a.non_transferable, b.2);
        assert_eq!(a.elected, b.3);
    }
}

// ---------------------------------------------------------------------------
// Properties

fn ballots_strategy() -> impl Strategy<Value = (u32, u32, Vec<Vec<u32>>)> {
    (1u32..=7).prop_flat_map(|c| {
        (
            Just(c),
            1..=c,
            // Indices up to c (one past the end) to make invalid ballots too.
            prop::collection::vec(prop::collection::vec(0..=c, 0..=(c as usize + 1)), 0..40),
        )
    })
}

fn naive_pairwise(c: u32, ballots: &[Vec<u32>]) -> Vec<Vec<u64>> {
    let n = c as usize;
    let mut d = vec![vec![0u64; n]; n];
    for b in ballots.iter().filter(|b| valid(c, b)) {
        let rank = |x: u32| b.iter().position(|&y| y == x).unwrap_or(usize::MAX);
        for x in 0..c {
            for y in 0..c {
                if x != y && rank(x) < rank(y) {
                    d[x as usize][y as usize] += 1;
                }
            }
        }
    }
    d
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Never panics; elects exactly `seats` distinct candidates; conserves
    /// the votes at every stage; agrees with the naive count stage by stage.
    #[test]
    fn stv_properties((c, s, ballots) in ballots_strategy(), seed in any::<[u8; 32]>()) {
        let r = stv(c, s, &ballots, &seed).unwrap();
        prop_assert_eq!(r.elected.len(), s as usize);
        let mut e = r.elected.clone();
        e.sort_unstable();
        e.dedup();
        prop_assert_eq!(e.len(), s as usize);
        prop_assert!(r.elected.iter().all(|&x| x < c));
        prop_assert_eq!(r.counted + r.empty + r.invalid, ballots.len() as u64);
        for st in &r.stages {
            prop_assert_eq!(st.votes.iter().sum::<u64>() + st.non_transferable, r.counted * UNIT);
        }
        prop_assert!(r.stages.len() <= 1 + 2 * c as usize);
        compare_with_naive(c, s, &ballots, &seed);
    }

    /// The order of the ballots does not matter.
    #[test]
    fn order_does_not_matter(
        (c, s, ballots, shuffled) in ballots_strategy().prop_flat_map(|(c, s, b)| {
            (Just(c), Just(s), Just(b.clone()), Just(b).prop_shuffle())
        })
    ) {
        prop_assert_eq!(stv(c, s, &ballots, &SEED).unwrap(), stv(c, s, &shuffled, &SEED).unwrap());
        prop_assert_eq!(
            schulze(c, s, &ballots, &SEED).unwrap(),
            schulze(c, s, &shuffled, &SEED).unwrap()
        );
    }

    /// Never panics; the pairwise matrix is the naive one; the ranking is a
    /// permutation that respects "beats"; a Condorcet winner wins.
    #[test]
    fn schulze_properties((c, s, ballots) in ballots_strategy(), seed in any::<[u8; 32]>()) {
        let r = schulze(c, s, &ballots, &seed).unwrap();
        let d = naive_pairwise(c, &ballots);
        prop_assert_eq!(&r.pairwise, &d);
        let mut sorted = r.ranking.clone();
        sorted.sort_unstable();
        prop_assert_eq!(sorted, (0..c).collect::<Vec<_>>());
        prop_assert_eq!(&r.elected[..], &r.ranking[..s as usize]);
        let p = &r.strongest;
        let beats = |x: u32, y: u32| p[x as usize][y as usize] > p[y as usize][x as usize];
        for (i, &x) in r.ranking.iter().enumerate() {
            for &y in &r.ranking[i + 1..] {
                prop_assert!(!beats(y, x));
            }
        }
        prop_assert!(r.winners.contains(&r.ranking[0]));
        let condorcet = (0..c).find(|&x| (0..c).all(|y| x == y || d[x as usize][y as usize] > d[y as usize][x as usize]));
        if let Some(w) = condorcet {
            prop_assert_eq!(r.ranking[0], w);
            prop_assert_eq!(&r.winners, &vec![w]);
        }
    }

    /// Arbitrary parameters are errors, not panics, and valid ones count
    /// every ballot. Candidates and seats are drawn near their bounds (0, 1,
    /// a few; just above the 1,000-candidate limit) as often as anywhere in
    /// u32, so both outcomes occur; preferences likewise name a candidate or
    /// not.
    #[test]
    fn bad_parameters_never_panic(
        c in prop_oneof![0u32..=6, 1001u32..=1002, any::<u32>()],
        s in prop_oneof![0u32..=7, any::<u32>()],
        ballots in prop::collection::vec(
            prop::collection::vec(prop_oneof![0u32..8, any::<u32>()], 0..5),
            0..5,
        ),
    ) {
        let ok = (1..=1000).contains(&c) && (1..=c).contains(&s);
        let n = ballots.len() as u64;
        match stv(c, s, &ballots, &SEED) {
            Ok(r) => {
                prop_assert!(ok, "stv accepted {} candidates, {} seats", c, s);
                prop_assert_eq!(r.counted + r.empty + r.invalid, n);
            }
            Err(_) => prop_assert!(!ok, "stv refused {} candidates, {} seats", c, s),
        }
        match schulze(c, s, &ballots, &SEED) {
            Ok(r) => {
                prop_assert!(ok, "schulze accepted {} candidates, {} seats", c, s);
                prop_assert_eq!(r.counted + r.empty + r.invalid, n);
            }
            Err(_) => prop_assert!(!ok, "schulze refused {} candidates, {} seats", c, s),
        }
    }
}

#[test]
fn contest_seed_is_per_contest() {
    let seal = [1u8; 32];
    assert_ne!(contest_seed(&seal, 0), contest_seed(&seal, 1));
}
