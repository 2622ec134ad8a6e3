//! V21–V23: ranked contests through the mix-net (verification.md §8,
//! record.md §9).
//!
//! The verifier forms each ranked contest's mix input itself, from the
//! counted ballots' ranked entries that the board stage kept (record.md
//! §9.3), checks every mix step's proof of a shuffle against the step
//! before it (V21), the trustees' proven partial decryptions of the last
//! output (V22), and then combines them, reads the rankings and counts them
//! by the contest's method to compare with `result.json` (V23). A record
//! without ranked contests has nothing for these checks, which then pass
//! with no items.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use merlin::Transcript;
use rayon::prelude::*;

use super::board::{BoardState, Counted};
use super::{Credentials, Election, Method};
use crate::count;
use crate::decode::{self, Identity, LEN, Point};
use crate::equations::Equations;
use crate::error::Error;
use crate::proofs::{CHAUM_PEDERSEN_LEN, ChaumPedersen, Dleq, lagrange_at_zero};
use crate::record::{self, RankedResult, files};
use crate::report::{Check, ContestOutcome, Recorder};
use crate::shuffle::{self, CIPHERTEXT_LEN, ShuffleInput};
use crate::transcript::{ContextItem, TranscriptExt, election, labels};

/// At least this many mix servers shuffle each ranked contest (record.md
/// §9.3).
pub const MIN_STEPS: usize = 2;

/// Partial decryptions checked in one batch (protocol.md §10).
const BATCH: usize = 1024;

/// One ranked contest's mix input (record.md §9.3).
#[derive(Debug)]
pub(super) struct RankedInput {
    /// Contest index `c`.
    contest: usize,
    /// Candidates `m`.
    candidates: usize,
    /// Preferences `p`, the width of the mix.
    width: usize,
    /// `N`, the counted ballots voting in the contest.
    items: usize,
    /// `N·p` ciphertexts `enc(A) ‖ enc(B)`, item by item.
    ciphertexts: Vec<u8>,
}

/// The mix inputs of every ranked contest, and what went wrong forming
/// them.
#[derive(Debug, Default)]
pub(super) struct MixInput {
    contests: Vec<RankedInput>,
    problems: Vec<(String, String)>,
}

/// Forms each ranked contest's mix input from the counted ballots, in board
/// order (record.md §9.3). `ranked` is the board stage's list of valid
/// ballots' ranked entries, by position.
pub(super) fn mix_input(
    e: &Election,
    creds: &Credentials,
    board: &BoardState,
    ranked: Vec<(u64, Vec<u8>)>,
    counted: &Counted,
) -> MixInput {
    let mut out = MixInput::default();
    let mut slot: HashMap<usize, usize> = HashMap::new();
    for (c, (method, shape)) in e.methods.iter().zip(&e.shapes).enumerate() {
        if method.is_some() {
            slot.insert(c, out.contests.len());
            out.contests.push(RankedInput {
                contest: c,
                candidates: shape.candidates,
                width: shape.entries() as usize,
                items: 0,
                ciphertexts: Vec::new(),
            });
        }
    }
    for (position, bytes) in ranked {
        let Some(credential) = board.credential_at.get(position as usize).copied() else {
            continue;
        };
        if counted.last.get(&credential) != Some(&position) {
            continue; // superseded
        }
        let district = creds.district(credential);
        let contests = district
            .and_then(|d| e.district_contests.get(d as usize))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut rest = bytes.as_slice();
        for c in contests {
            let Some(input) = slot
                .get(&(*c as usize))
                .and_then(|i| out.contests.get_mut(*i))
            else {
                continue;
            };
            let Some((item, tail)) = rest.split_at_checked(input.width * CIPHERTEXT_LEN) else {
                break;
            };
            input.ciphertexts.extend_from_slice(item);
            input.items += 1;
            rest = tail;
        }
        if !rest.is_empty() || contests.is_empty() {
            out.problems.push((
                format!("board position {position}"),
                "its ranked entries are not its district's ranked contests".into(),
            ));
        }
    }
    out
}

/// A ranked contest's checked chain (V21).
#[derive(Debug)]
pub(super) struct Chain {
    contest: usize,
    candidates: usize,
    width: usize,
    items: usize,
    /// `S`, the last step; 0 if the contest has no items (nothing mixed).
    last_step: usize,
    /// The last step's output, `N·p` ciphertexts.
    output: Vec<u8>,
}

/// The record's files named `mix-<c>-<s>.bin` or
/// `mix-decryption-<c>-<j>.bin`: contest → the set of `s` or `j`.
fn listed(
    dir: &Path,
    parse: fn(&str) -> Option<(u64, u64)>,
) -> Result<BTreeMap<u64, BTreeSet<u64>>, std::io::Error> {
    let mut out: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if let Some((c, s)) = entry.file_name().to_str().and_then(parse) {
            out.entry(c).or_default().insert(s);
        }
    }
    Ok(out)
}

/// Reads `name`, which must be exactly `expected` bytes long: the length is
/// checked before anything is read, so a long file costs nothing.
fn read_exact(dir: &Path, name: &str, expected: usize) -> Result<Vec<u8>, String> {
    let path = dir.join(name);
    let len = std::fs::metadata(&path)
        .map_err(|e| format!("cannot be read: {e}"))?
        .len();
    if len != expected as u64 {
        return Err(format!(
            "malformed: wrong length: expected {expected} bytes, got {len}"
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot be read: {e}"))?;
    if bytes.len() != expected {
        return Err("changed while it was being read".into());
    }
    Ok(bytes)
}

/// V21.
pub(super) fn check_chains(
    dir: &Path,
    e: &Election,
    input: MixInput,
    rec: &mut Recorder,
) -> Option<Vec<Chain>> {
    rec.start(Check::V21, "mix steps");
    for (item, reason) in &input.problems {
        rec.fail(Check::V21, item, reason);
    }
    let steps = if input.contests.iter().any(|c| c.items > 0) {
        match listed(dir, files::parse_mix) {
            Ok(s) => s,
            Err(err) => {
                rec.fail(Check::V21, dir.display().to_string(), err.to_string());
                return None;
            }
        }
    } else {
        BTreeMap::new()
    };
    let mut chains = Vec::with_capacity(input.contests.len());
    for contest in input.contests {
        let c = contest.contest;
        let name = format!("contest {c} ({})", e.contest_id(c));
        let mut chain = Chain {
            contest: c,
            candidates: contest.candidates,
            width: contest.width,
            items: contest.items,
            last_step: 0,
            output: Vec::new(),
        };
        if contest.items == 0 {
            // Nothing to mix: no ballot votes in the contest.
            chains.push(chain);
            continue;
        }
        let present = steps.get(&(c as u64)).cloned().unwrap_or_default();
        let last = present.last().copied().unwrap_or(0) as usize;
        let missing: Vec<usize> = (1..=last)
            .filter(|s| !present.contains(&(*s as u64)))
            .collect();
        if last < MIN_STEPS || !missing.is_empty() {
            rec.items(Check::V21, present.len() as u64);
        }
        if last < MIN_STEPS {
            rec.fail(
                Check::V21,
                &name,
                format!(
                    "{last} mix step(s): {} is missing, but at least {MIN_STEPS} mix servers must shuffle the contest (record.md §9.3)",
                    files::mix(c, last + 1)
                ),
            );
            continue;
        }
        if !missing.is_empty() {
            for s in missing {
                rec.fail(
                    Check::V21,
                    format!("{} ({name}, step {s})", files::mix(c, s)),
                    format!("missing, but step {last} is present: steps are numbered without gaps"),
                );
            }
            continue;
        }
        let Some(expected) = shuffle::proof_len(contest.items, contest.width)
            .and_then(|p| p.checked_add(contest.ciphertexts.len()))
        else {
            rec.fail(Check::V21, &name, "too many items");
            continue;
        };
        let key = e.joint_key.bytes;
        let mut previous = contest.ciphertexts;
        let mut ok = true;
        for s in 1..=last {
            rec.items(Check::V21, 1);
            let file = files::mix(c, s);
            let item = format!("{file} ({name}, step {s})");
            let bytes = match read_exact(dir, &file, expected) {
                Ok(b) => b,
                Err(reason) => {
                    rec.fail(Check::V21, &item, reason);
                    ok = false;
                    break;
                }
            };
            let (output, proof) = bytes.split_at(previous.len().min(bytes.len()));
            let context = [
                ContextItem::number(labels::CONTEST, c as u64),
                ContextItem::number(labels::MIX, s as u64),
            ];
            let verified = shuffle::verify_shuffle(&ShuffleInput {
                base_hash: e.base_hash,
                context: &context,
                key: &key,
                width: contest.width,
                input: &previous,
                output,
                proof,
            });
            match verified {
                Ok(()) => previous = output.to_vec(),
                Err(Error::NotVerified(_)) => {
                    rec.fail(
                        Check::V21,
                        &item,
                        "the proof of a shuffle does not verify against the previous step's output",
                    );
                    ok = false;
                    break;
                }
                Err(err) => {
                    rec.fail(Check::V21, &item, err.to_string());
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            chain.last_step = last;
            chain.output = previous;
            chains.push(chain);
        }
    }
    rec.passed(&[Check::V21]).then_some(chains)
}

/// One trustee's proven partial decryptions `D_x` of a chain's output.
type Partials = Vec<(u32, Vec<RistrettoPoint>)>;

/// Decodes `N·p` ciphertexts of a mix output (which V21 decoded already).
fn ciphertexts(bytes: &[u8]) -> Result<Vec<(Point, Point)>, String> {
    bytes
        .par_chunks_exact(CIPHERTEXT_LEN)
        .map(|ct| {
            let (a, b) = ct.split_at(LEN);
            Ok((
                decode::point(a, Identity::Allowed)?,
                decode::point(b, Identity::Allowed)?,
            ))
        })
        .collect::<Result<Vec<_>, crate::error::Malformed>>()
        .map_err(|e| format!("the mix output cannot be decoded: {e}"))
}

/// A trustee's partial decryption of output ciphertext `x`.
type Share = (usize, Point, ChaumPedersen);

/// Adds the equations of the proof of `D_x` (record.md §9.4): statement
/// `(G, K_j, A_x, D_x)`, `prefix` holding the context up to `mix`.
fn add_share(
    prefix: &Transcript,
    g: &Point,
    k_j: &Point,
    a: &Point,
    share: &Share,
    eq: &mut Equations,
) {
    let (x, d, proof) = share;
    let mut t = prefix.clone();
    t.append_number(labels::SELECTION, *x as u64);
    let st = Dleq {
        base1: g,
        public1: k_j,
        base2: a,
        public2: d,
    };
    proof.add_to(&mut t, &st, eq);
}

/// Checks one trustee's file for one chain: `Ok(D_x)` or the failures as
/// `(item, reason)`.
fn check_trustee_file(
    dir: &Path,
    e: &Election,
    chain: &Chain,
    outputs: &[(Point, Point)],
    j: u32,
    k_j: &Point,
) -> Result<Vec<RistrettoPoint>, Vec<(String, String)>> {
    let c = chain.contest;
    let file = files::mix_decryption(c, j);
    let name = format!("{file} (trustee {j}, contest {c} ({}))", e.contest_id(c));
    let entry = LEN + CHAUM_PEDERSEN_LEN;
    let bytes =
        read_exact(dir, &file, outputs.len() * entry).map_err(|r| vec![(name.clone(), r)])?;
    let position = |x: usize| {
        format!(
            "{name} position {x} (item {}, preference {})",
            x / chain.width.max(1),
            x % chain.width.max(1) + 1
        )
    };
    let decoded: Vec<Result<Share, (String, String)>> = bytes
        .par_chunks_exact(entry)
        .enumerate()
        .map(|(x, b)| {
            let (d, proof) = b.split_at(LEN);
            decode::point(d, Identity::Allowed)
                .and_then(|d| Ok((x, d, ChaumPedersen::decode(proof)?)))
                .map_err(|err| (position(x), format!("malformed: {err}")))
        })
        .collect();
    let mut shares = Vec::with_capacity(decoded.len());
    let mut failures = Vec::new();
    for d in decoded {
        match d {
            Ok(s) => shares.push(s),
            Err(f) => failures.push(f),
        }
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    let g = Point {
        point: RISTRETTO_BASEPOINT_POINT,
        bytes: RISTRETTO_BASEPOINT_POINT.compress().to_bytes(),
    };
    let mut prefix = election(&e.base_hash);
    prefix.append_number(labels::TRUSTEE, u64::from(j));
    prefix.append_number(labels::CONTEST, c as u64);
    prefix.append_number(labels::MIX, chain.last_step as u64);
    let a_of = |x: usize| outputs.get(x).map(|(a, _)| a);
    // One batch per group of shares; a failing group is narrowed down to
    // the shares that fail alone (protocol.md §10.2).
    let failing: Vec<(String, String)> = shares
        .par_chunks(BATCH)
        .flat_map_iter(|group| {
            let batch = Equations::new().map(|mut eq| {
                for s in group {
                    match a_of(s.0) {
                        Some(a) => add_share(&prefix, &g, k_j, a, s, &mut eq),
                        None => return false,
                    }
                }
                eq.holds()
            });
            let mut out = Vec::new();
            match batch {
                Ok(true) => {}
                Err(err) => out.push((name.clone(), format!("cannot be checked: {err}"))),
                Ok(false) => {
                    for s in group {
                        let alone = Equations::new().map(|mut eq| match a_of(s.0) {
                            Some(a) => {
                                add_share(&prefix, &g, k_j, a, s, &mut eq);
                                eq.holds()
                            }
                            None => false,
                        });
                        match alone {
                            Ok(true) => {}
                            Ok(false) => out.push((
                                position(s.0),
                                "the Chaum–Pedersen proof does not verify".to_string(),
                            )),
                            Err(err) => {
                                out.push((position(s.0), format!("cannot be checked: {err}")));
                            }
                        }
                    }
                    if out.is_empty() {
                        out.push((
                            name.clone(),
                            "the batch fails although each proof holds alone".to_string(),
                        ));
                    }
                }
            }
            out
        })
        .collect();
    if failing.is_empty() {
        Ok(shares.into_iter().map(|(_, d, _)| d.point).collect())
    } else {
        Err(failing)
    }
}

/// A chain with its proven partial decryptions (V22).
#[derive(Debug)]
pub(super) struct Decrypted {
    chain: Chain,
    /// The last output, decoded.
    outputs: Vec<(Point, Point)>,
    /// The `t` trustees' `D_x`.
    partials: Partials,
}

/// V22.
pub(super) fn check_mix_decryptions(
    dir: &Path,
    e: &Election,
    public_shares: &[Point],
    chains: Vec<Chain>,
    rec: &mut Recorder,
) -> Option<Vec<Decrypted>> {
    rec.start(Check::V22, "partial decryptions");
    let listing = if chains.iter().any(|c| c.items > 0) {
        match listed(dir, files::parse_mix_decryption) {
            Ok(l) => l,
            Err(err) => {
                rec.fail(Check::V22, dir.display().to_string(), err.to_string());
                return None;
            }
        }
    } else {
        BTreeMap::new()
    };
    let t = e.threshold as usize;
    let mut out = Vec::with_capacity(chains.len());
    for chain in chains {
        let c = chain.contest;
        if chain.items == 0 {
            out.push(Decrypted {
                chain,
                outputs: Vec::new(),
                partials: Vec::new(),
            });
            continue;
        }
        let name = format!("contest {c} ({})", e.contest_id(c));
        // The t lowest trustee indices present (record.md §9.4).
        let trustees: Vec<u32> = listing
            .get(&(c as u64))
            .into_iter()
            .flatten()
            .filter(|j| (1..=u64::from(e.trustees)).contains(*j))
            .map(|j| *j as u32)
            .take(t)
            .collect();
        if trustees.len() < t {
            rec.fail(
                Check::V22,
                &name,
                format!(
                    "{} trustees' mix-decryption-{c}-<j>.bin, but t = {t} are needed",
                    trustees.len()
                ),
            );
            continue;
        }
        let outputs = match ciphertexts(&chain.output) {
            Ok(o) => o,
            Err(reason) => {
                rec.fail(Check::V22, &name, reason);
                continue;
            }
        };
        let mut partials = Vec::with_capacity(t);
        for j in trustees {
            rec.items(Check::V22, outputs.len() as u64);
            let Some(k_j) = public_shares.get(j as usize - 1) else {
                rec.fail(
                    Check::V22,
                    &name,
                    format!("trustee {j} has no public share"),
                );
                continue;
            };
            match check_trustee_file(dir, e, &chain, &outputs, j, k_j) {
                Ok(d) => partials.push((j, d)),
                Err(failures) => {
                    for (item, reason) in failures {
                        rec.fail(Check::V22, item, reason);
                    }
                }
            }
        }
        out.push(Decrypted {
            chain,
            outputs,
            partials,
        });
    }
    rec.passed(&[Check::V22]).then_some(out)
}

/// Combines the partial decryptions (record.md §9.4): `v_x` with
/// `B_x − Σ_j λ_j·D_{j,x} = v_x·G` and `0 ≤ v_x ≤ m`, or the positions
/// where no such `v` exists.
fn combine(d: &Decrypted) -> Result<Vec<u32>, Vec<usize>> {
    let set: Vec<u32> = d.partials.iter().map(|(j, _)| *j).collect();
    let minus_lambdas: Vec<Scalar> = set.iter().map(|j| -lagrange_at_zero(*j, &set)).collect();
    // 0·G … m·G by encoding.
    let mut table: HashMap<[u8; 32], u32> = HashMap::with_capacity(d.chain.candidates + 1);
    let mut v_g = RistrettoPoint::default();
    for v in 0..=d.chain.candidates as u32 {
        table.insert(v_g.compress().to_bytes(), v);
        v_g += RISTRETTO_BASEPOINT_POINT;
    }
    let values: Vec<Option<u32>> = d
        .outputs
        .par_iter()
        .enumerate()
        .map(|(x, (_, b))| {
            let mut scalars = Vec::with_capacity(set.len() + 1);
            let mut points = Vec::with_capacity(set.len() + 1);
            scalars.push(Scalar::ONE);
            points.push(b.point);
            for ((_, ds), l) in d.partials.iter().zip(&minus_lambdas) {
                scalars.push(*l);
                points.push(*ds.get(x)?);
            }
            let m = RistrettoPoint::vartime_multiscalar_mul(&scalars, &points);
            table.get(m.compress().as_bytes()).copied()
        })
        .collect();
    let bad: Vec<usize> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_none())
        .map(|(x, _)| x)
        .collect();
    if bad.is_empty() {
        Ok(values.into_iter().flatten().collect())
    } else {
        Err(bad)
    }
}

/// Compares one field of a ranked contest's published entry.
fn compare<T: PartialEq + std::fmt::Debug>(
    rec: &mut Recorder,
    item: &str,
    field: &str,
    published: &T,
    expected: &T,
) {
    if published != expected {
        rec.fail(
            Check::V23,
            item,
            format!("{field} is {published:?}, but the count gives {expected:?}"),
        );
    }
}

/// V23.
pub(super) fn check_rankings(
    e: &Election,
    seal: [u8; 32],
    decrypted: &[Decrypted],
    result: &Result<record::ElectionResult, Error>,
    rec: &mut Recorder,
) {
    rec.start(Check::V23, "ranked contests");
    let r = match result {
        Ok(r) => r,
        Err(err) => {
            rec.fail(Check::V23, files::RESULT, err.to_string());
            return;
        }
    };
    let mut outcomes = Vec::new();
    for d in decrypted {
        rec.items(Check::V23, 1);
        let c = d.chain.contest;
        let Some(contest) = e.manifest.contests.get(c) else {
            continue;
        };
        let item = format!("result.json contest {c} ({})", contest.id);
        let Some(method) = e.methods.get(c).copied().flatten() else {
            continue;
        };
        let values = match combine(d) {
            Ok(v) => v,
            Err(bad) => {
                let p = d.chain.width.max(1);
                for x in bad.iter().take(crate::report::MAX_LISTED) {
                    rec.fail(
                        Check::V23,
                        format!(
                            "contest {c} ({}) mix output position {x} (item {}, preference {})",
                            contest.id,
                            x / p,
                            x % p + 1
                        ),
                        format!(
                            "the combined decryption is not v·G for any 0 ≤ v ≤ m = {}",
                            d.chain.candidates
                        ),
                    );
                }
                continue;
            }
        };
        // Item i's ranking: v − 1 over its positions with v ≠ 0, in order
        // of q (record.md §9.5).
        let rankings: Vec<Vec<u32>> = values
            .chunks(d.chain.width.max(1))
            .map(|item| item.iter().filter(|v| **v != 0).map(|v| v - 1).collect())
            .collect();
        let seed = count::seed(&seal, c as u32);
        let seats = contest.seats as usize;
        let m = contest.candidates.len();
        let ballots = rankings.iter().map(|b| (b.as_slice(), 1u64));
        let ids = |xs: &[usize]| -> Vec<String> {
            xs.iter()
                .map(|x| e.candidate_id(c, *x).to_string())
                .collect()
        };
        let counted = match method {
            Method::Stv => count::stv(m, seats, ballots, &seed).map(|s| {
                let ranked = RankedResult {
                    method: method.name().into(),
                    ballots: d.chain.items as u64,
                    invalid: s.invalid,
                    empty: s.empty,
                    quota: Some(s.quota),
                    stages: Some(s.stage_rows()),
                    ranking: None,
                };
                (
                    s.first_preferences,
                    ids(&s.elected),
                    s.decided_by_lot,
                    ranked,
                )
            }),
            Method::Schulze => count::schulze(m, seats, ballots, &seed).map(|s| {
                let ranked = RankedResult {
                    method: method.name().into(),
                    ballots: d.chain.items as u64,
                    invalid: s.invalid,
                    empty: s.empty,
                    quota: None,
                    stages: None,
                    ranking: Some(ids(&s.ranking)),
                };
                (
                    s.first_preferences,
                    ids(&s.elected),
                    s.decided_by_lot,
                    ranked,
                )
            }),
        };
        let (counts, elected, by_lot, ranked) = match counted {
            Ok(x) => x,
            Err(err) => {
                rec.fail(Check::V23, &item, format!("cannot be counted: {err}"));
                continue;
            }
        };
        match r.contests.get(c) {
            None => rec.fail(Check::V23, &item, "missing"),
            Some(published) => {
                compare(rec, &item, "contest", &published.contest, &contest.id);
                compare(rec, &item, "counts", &published.counts, &counts);
                compare(rec, &item, "elected", &published.elected, &elected);
                compare(
                    rec,
                    &item,
                    "decided_by_lot",
                    &published.decided_by_lot,
                    &by_lot,
                );
                match &published.ranked {
                    None => rec.fail(
                        Check::V23,
                        &item,
                        "has no ranked field, which a ranked contest's entry has (record.md §9.5)",
                    ),
                    Some(p) => compare_ranked(rec, &item, p, &ranked),
                }
            }
        }
        outcomes.push(ContestOutcome {
            index: c,
            contest: contest.id.clone(),
            title: contest.title.clone(),
            counts: contest
                .candidates
                .iter()
                .zip(&counts)
                .map(|(x, n)| (x.id.clone(), x.name.clone(), *n))
                .collect(),
            elected,
            decided_by_lot: by_lot,
            ranked: Some(ranked),
        });
    }
    rec.add_results(outcomes);
}

/// Compares a field that one method has and the other has not.
fn compare_optional<T: PartialEq + std::fmt::Debug>(
    rec: &mut Recorder,
    item: &str,
    field: &str,
    published: &Option<T>,
    expected: &Option<T>,
    method: &str,
) {
    match (published, expected) {
        (Some(p), Some(x)) => compare(rec, item, field, p, x),
        (None, Some(_)) => rec.fail(
            Check::V23,
            item,
            format!("{field} is missing, which a {method} count has (record.md §9.5)"),
        ),
        (Some(_), None) => rec.fail(
            Check::V23,
            item,
            format!("{field} is there, which a {method} count does not have (record.md §9.5)"),
        ),
        (None, None) => {}
    }
}

/// Compares a published `ranked` object with the count's, field by field
/// and, for STV, stage by stage.
fn compare_ranked(rec: &mut Recorder, item: &str, p: &RankedResult, x: &RankedResult) {
    let method = x.method.as_str();
    compare(rec, item, "ranked.method", &p.method, &x.method);
    compare(rec, item, "ranked.ballots", &p.ballots, &x.ballots);
    compare(rec, item, "ranked.invalid", &p.invalid, &x.invalid);
    compare(rec, item, "ranked.empty", &p.empty, &x.empty);
    compare_optional(rec, item, "ranked.quota", &p.quota, &x.quota, method);
    compare_optional(rec, item, "ranked.ranking", &p.ranking, &x.ranking, method);
    match (&p.stages, &x.stages) {
        (Some(ps), Some(xs)) if ps.len() == xs.len() => {
            for (s, (pr, xr)) in ps.iter().zip(xs).enumerate() {
                compare(rec, item, &format!("ranked.stages[{s}]"), pr, xr);
            }
        }
        (Some(ps), Some(xs)) => rec.fail(
            Check::V23,
            item,
            format!(
                "ranked.stages has {} stages, but the count has {}",
                ps.len(),
                xs.len()
            ),
        ),
        (ps, xs) => compare_optional(rec, item, "ranked.stages", ps, xs, method),
    }
}
