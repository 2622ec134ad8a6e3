//! V17–V20: the encrypted tally, the decryption shares, the counts and the
//! seats (verification.md §5, record.md §7). Ranked contests are left out
//! of the tally, the decryption and the counts (record.md §9.2,
//! verification.md §8); [`super::mix`] checks them.

use std::collections::HashSet;
use std::path::Path;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha256};

use super::board::{BoardState, Counted};
use super::sums::{Pair, Sums};
use super::{Credentials, DLOG_BOUND, Election};
use crate::ballot::{Ballot, tracker};
use crate::decode::{self, Identity, Point};
use crate::equations::Equations;
use crate::error::Error;
use crate::proofs::{ChaumPedersen, Dleq, lagrange_at_zero};
use crate::record::{self, BoardLine, Lines, files};
use crate::report::{Check, ContestOutcome, Recorder};
use crate::transcript::{TranscriptExt, election, labels};

/// The encrypted tally, recomputed, and the board's seal for the lot.
#[derive(Debug)]
pub(super) struct TallyState {
    /// Per contest, per candidate.
    ciphertexts: Vec<Vec<Pair>>,
    /// From V15.
    pub(super) seal: [u8; 32],
}

/// Reads the ballot at `position` again from its line's offset, and checks
/// that it is the ballot the board stage verified there (same position,
/// same tracker), so a file changed between the passes is caught.
fn reread(
    lines: &mut Lines,
    board: &BoardState,
    position: usize,
    e: &Election,
) -> Result<Ballot, Error> {
    let (Some(offset), Some(expected)) =
        (board.offsets.get(position), board.tracker_at.get(position))
    else {
        return Err(Error::mismatch("no such position"));
    };
    lines.seek(*offset, position as u64 + 1)?;
    let line = lines
        .next()
        .ok_or_else(|| Error::mismatch("the line is gone"))??;
    let entry: BoardLine = lines.parse(&line)?;
    let bytes = decode::base64(&entry.ballot)?;
    if entry.position != position as u64 || tracker(&bytes) != *expected {
        return Err(Error::mismatch(
            "board.jsonl changed while it was being verified",
        ));
    }
    Ok(Ballot::decode(&bytes, &e.shapes)?)
}

/// V17.
pub(super) fn check_tally(
    dir: &Path,
    e: &Election,
    creds: &Credentials,
    board: BoardState,
    counted: &Counted,
    rec: &mut Recorder,
) -> Option<TallyState> {
    rec.start(Check::V17, "contests");
    let Some(seal) = board.seal else {
        rec.fail(Check::V17, files::BOARD_SEAL, "no seal");
        return None;
    };
    // Take the superseded ballots out again: read their lines back.
    let path = dir.join(files::BOARD);
    let mut lines = match Lines::open(&path) {
        Ok(l) => l,
        Err(err) => {
            rec.fail(Check::V17, files::BOARD, err.to_string());
            return None;
        }
    };
    let mut superseded = Sums::default();
    for (position, c) in board.credential_at.iter().enumerate() {
        if counted.last.get(c) == Some(&(position as u64)) {
            continue;
        }
        match reread(&mut lines, &board, position, e) {
            Ok(b) => superseded.add(creds.weight(*c), &b, false),
            Err(err) => {
                rec.fail(
                    Check::V17,
                    format!("board position {position}"),
                    format!("the superseded ballot cannot be read again: {err}"),
                );
                return None;
            }
        }
    }
    let mut sums = board.sums;
    sums.merge(superseded);
    let total = sums.total(e);
    // Ballots and weight per contest, from the counted credentials.
    let mut ballots = vec![0u64; e.shapes.len()];
    let mut weights = vec![0u64; e.shapes.len()];
    for c in counted.last.keys() {
        if let Some(district) = creds.district(*c) {
            let weight = creds.weight(*c);
            for contest in e
                .district_contests
                .get(district as usize)
                .into_iter()
                .flatten()
            {
                if let (Some(b), Some(w)) = (
                    ballots.get_mut(*contest as usize),
                    weights.get_mut(*contest as usize),
                ) {
                    *b += 1;
                    *w = w.saturating_add(weight);
                }
            }
        }
    }
    let published = match record::read_json::<record::Tally>(&dir.join(files::TALLY)) {
        Ok(t) => t,
        Err(err) => {
            rec.fail(Check::V17, files::TALLY, err.to_string());
            return None;
        }
    };
    if published.contests.len() != e.shapes.len() {
        rec.fail(Check::V17, files::TALLY, "not one entry per contest");
    }
    for (c, (p, ((computed, b), w))) in published
        .contests
        .iter()
        .zip(total.iter().zip(&ballots).zip(&weights))
        .enumerate()
    {
        rec.items(Check::V17, 1);
        let item = format!("tally.json contest {c} ({})", e.contest_id(c));
        if p.ballots != *b {
            rec.fail(
                Check::V17,
                &item,
                format!("ballots {} but {b} were counted", p.ballots),
            );
        }
        if p.weight != *w {
            rec.fail(
                Check::V17,
                &item,
                format!("weight {} but the counted weight is {w}", p.weight),
            );
        }
        if *w >= DLOG_BOUND {
            rec.fail(
                Check::V17,
                &item,
                "its weight reaches 2^32, beyond the discrete-log bound",
            );
        }
        if p.ciphertexts.len() != computed.len() {
            let why = if computed.is_empty() {
                "a ranked contest's ciphertexts must be [] (record.md §9.2)"
            } else {
                "not one ciphertext per candidate"
            };
            rec.fail(Check::V17, &item, why);
            continue;
        }
        for (k, (hex, (a, bb))) in p.ciphertexts.iter().zip(computed).enumerate() {
            let mut expected = [0u8; 64];
            let (left, right) = expected.split_at_mut(32);
            left.copy_from_slice(a.compress().as_bytes());
            right.copy_from_slice(bb.compress().as_bytes());
            match decode::hex(hex) {
                Ok(bytes) if bytes == expected => {}
                Ok(_) => rec.fail(
                    Check::V17,
                    format!("{item} candidate {k}"),
                    "is not the sum of the counted ballots",
                ),
                Err(err) => rec.fail(Check::V17, format!("{item} candidate {k}"), err.to_string()),
            }
        }
    }
    rec.passed(&[Check::V17]).then_some(TallyState {
        ciphertexts: total,
        seal,
    })
}

/// V18. Returns `(trustee, partials[c][k])`.
pub(super) fn check_decryption(
    dir: &Path,
    e: &Election,
    public_shares: &[Point],
    tally: &TallyState,
    rec: &mut Recorder,
) -> Option<Vec<(u32, Vec<Vec<RistrettoPoint>>)>> {
    rec.start(Check::V18, "partial decryptions");
    let file = match record::read_json::<record::Decryption>(&dir.join(files::DECRYPTION)) {
        Ok(f) => f,
        Err(err) => {
            rec.fail(Check::V18, files::DECRYPTION, err.to_string());
            return None;
        }
    };
    if file.shares.len() != e.threshold as usize {
        rec.fail(
            Check::V18,
            files::DECRYPTION,
            format!(
                "{} trustees, but exactly t = {} are needed",
                file.shares.len(),
                e.threshold
            ),
        );
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let g = Point {
        point: RISTRETTO_BASEPOINT_POINT,
        bytes: RISTRETTO_BASEPOINT_POINT.compress().to_bytes(),
    };
    for share in &file.shares {
        let j = share.trustee;
        let who = format!("trustee {j}");
        let Some(k_j) = (j >= 1)
            .then(|| public_shares.get(j as usize - 1))
            .flatten()
        else {
            rec.fail(Check::V18, &who, "not a trustee of this election");
            continue;
        };
        if !seen.insert(j) {
            rec.fail(Check::V18, &who, "a second entry for the same trustee");
            continue;
        }
        if share.partials.len() != tally.ciphertexts.len()
            || share
                .partials
                .iter()
                .zip(&tally.ciphertexts)
                .any(|(p, t)| p.len() != t.len())
        {
            rec.fail(Check::V18, &who, "partials do not have the tally's shape");
            continue;
        }
        // Decode everything, then check every proof of this trustee in one batch.
        type Item = (usize, usize, Point, Point, ChaumPedersen);
        let mut items: Vec<Item> = Vec::new();
        let mut ok = true;
        for (c, (row, cts)) in share.partials.iter().zip(&tally.ciphertexts).enumerate() {
            for (k, (p, (a, _))) in row.iter().zip(cts).enumerate() {
                rec.items(Check::V18, 1);
                let decoded = decode::hex_point(&p.partial, Identity::Allowed)
                    .and_then(|d| Ok((d, ChaumPedersen::decode(&decode::hex(&p.proof)?)?)));
                match decoded {
                    Ok((d, proof)) => {
                        let a = Point {
                            point: *a,
                            bytes: a.compress().to_bytes(),
                        };
                        items.push((c, k, a, d, proof));
                    }
                    Err(err) => {
                        ok = false;
                        rec.fail(
                            Check::V18,
                            format!(
                                "{who}, contest {c} ({}), candidate {k} ({})",
                                e.contest_id(c),
                                e.candidate_id(c, k)
                            ),
                            format!("malformed: {err}"),
                        );
                    }
                }
            }
        }
        let add = |item: &Item, eq: &mut Equations| {
            let (c, k, a, d, proof) = item;
            let mut t = election(&e.base_hash);
            t.append_number(labels::TRUSTEE, u64::from(j));
            t.append_number(labels::CONTEST, *c as u64);
            t.append_number(labels::SELECTION, *k as u64);
            let st = Dleq {
                base1: &g,
                public1: k_j,
                base2: a,
                public2: d,
            };
            proof.add_to(&mut t, &st, eq);
        };
        let batch = Equations::new().map(|mut eq| {
            items.iter().for_each(|i| add(i, &mut eq));
            eq.holds()
        });
        match batch {
            Ok(true) => {}
            Err(err) => {
                ok = false;
                rec.fail(Check::V18, &who, format!("cannot be checked: {err}"));
            }
            Ok(false) => {
                for item in &items {
                    let alone = Equations::new().map(|mut eq| {
                        add(item, &mut eq);
                        eq.holds()
                    });
                    let reason = match alone {
                        Ok(true) => continue,
                        Ok(false) => "the Chaum–Pedersen proof does not verify".to_string(),
                        Err(err) => format!("cannot be checked: {err}"),
                    };
                    ok = false;
                    rec.fail(
                        Check::V18,
                        format!(
                            "{who}, contest {} ({}), candidate {} ({})",
                            item.0,
                            e.contest_id(item.0),
                            item.1,
                            e.candidate_id(item.0, item.1)
                        ),
                        reason,
                    );
                }
                if ok {
                    ok = false;
                    rec.fail(
                        Check::V18,
                        &who,
                        "the batch fails although each proof holds alone",
                    );
                }
            }
        }
        if ok {
            let mut partials: Vec<Vec<RistrettoPoint>> = tally
                .ciphertexts
                .iter()
                .map(|r| Vec::with_capacity(r.len()))
                .collect();
            for (c, _, _, d, _) in &items {
                if let Some(row) = partials.get_mut(*c) {
                    row.push(d.point);
                }
            }
            out.push((j, partials));
        }
    }
    rec.passed(&[Check::V18]).then_some(out)
}

/// V19. Returns the counts per contest.
pub(super) fn check_counts(
    e: &Election,
    tally: &TallyState,
    partials: &[(u32, Vec<Vec<RistrettoPoint>>)],
    result: &Result<record::ElectionResult, Error>,
    rec: &mut Recorder,
) -> Option<Vec<Vec<u64>>> {
    rec.start(Check::V19, "counts");
    let r = match result {
        Ok(r) => r,
        Err(err) => {
            rec.fail(Check::V19, files::RESULT, err.to_string());
            return None;
        }
    };
    if r.contests.len() != e.manifest.contests.len() {
        rec.fail(Check::V19, files::RESULT, "not one entry per contest");
        return None;
    }
    let set: Vec<u32> = partials.iter().map(|(j, _)| *j).collect();
    let lambdas: Vec<Scalar> = set.iter().map(|j| lagrange_at_zero(*j, &set)).collect();
    let mut counts = Vec::with_capacity(r.contests.len());
    for (c, ((published, contest), cts)) in r
        .contests
        .iter()
        .zip(&e.manifest.contests)
        .zip(&tally.ciphertexts)
        .enumerate()
    {
        let item = format!("result.json contest {c} ({})", contest.id);
        if published.contest != contest.id {
            rec.fail(
                Check::V19,
                &item,
                format!("names contest {}", published.contest),
            );
        }
        // A ranked contest's entry is checked by V23 (verification.md §8).
        if e.methods.get(c).copied().flatten().is_some() {
            counts.push(Vec::new());
            continue;
        }
        if published.ranked.is_some() {
            rec.fail(
                Check::V19,
                &item,
                "an approval contest's entry has a ranked field (record.md §9.5)",
            );
        }
        if published.counts.len() != cts.len() {
            rec.fail(Check::V19, &item, "not one count per candidate");
            continue;
        }
        for (k, (m, (_, b))) in published.counts.iter().zip(cts).enumerate() {
            rec.items(Check::V19, 1);
            let combined: RistrettoPoint = partials
                .iter()
                .zip(&lambdas)
                .filter_map(|((_, p), l)| p.get(c).and_then(|row| row.get(k)).map(|d| d * l))
                .sum();
            let plain = b - combined;
            let name = contest
                .candidates
                .get(k)
                .map_or(String::new(), |x| x.id.clone());
            if *m >= DLOG_BOUND {
                rec.fail(
                    Check::V19,
                    format!("{item} candidate {k} ({name})"),
                    "count ≥ 2^32",
                );
            } else if RISTRETTO_BASEPOINT_POINT * Scalar::from(*m) != plain {
                rec.fail(
                    Check::V19,
                    format!("{item} candidate {k} ({name})"),
                    format!("count {m} is not what the decryption gives"),
                );
            }
        }
        counts.push(published.counts.clone());
    }
    rec.passed(&[Check::V19]).then_some(counts)
}

/// `SHA-256("valurna/lot/v1" ‖ seal ‖ u32(c) ‖ u32(k))` (record.md §7.4).
fn lot(seal: &[u8; 32], contest: u32, candidate: u32) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/lot/v1");
    h.update(seal);
    h.update(contest.to_le_bytes());
    h.update(candidate.to_le_bytes());
    h.finalize().into()
}

/// V20.
pub(super) fn check_seats(
    e: &Election,
    seal: [u8; 32],
    counts: &[Vec<u64>],
    result: &Result<record::ElectionResult, Error>,
    rec: &mut Recorder,
) {
    if !rec.requires(Check::V20, &[Check::V15, Check::V19]) {
        return;
    }
    rec.start(Check::V20, "contests");
    let Ok(r) = result else {
        rec.fail(Check::V20, files::RESULT, "cannot be read");
        return;
    };
    let mut outcomes = Vec::new();
    for (c, ((contest, counts), published)) in e
        .manifest
        .contests
        .iter()
        .zip(counts)
        .zip(&r.contests)
        .enumerate()
    {
        // A ranked contest's seats are checked by V23 (verification.md §8).
        if e.methods.get(c).copied().flatten().is_some() {
            continue;
        }
        rec.items(Check::V20, 1);
        let mut order: Vec<(usize, u64, [u8; 32])> = counts
            .iter()
            .enumerate()
            .map(|(k, n)| (k, *n, lot(&seal, c as u32, k as u32)))
            .collect();
        order.sort_by(|x, y| y.1.cmp(&x.1).then(x.2.cmp(&y.2)));
        let seats = contest.seats as usize;
        let elected: Vec<String> = order
            .iter()
            .take(seats)
            .filter_map(|(k, _, _)| contest.candidates.get(*k).map(|x| x.id.clone()))
            .collect();
        let by_lot = match (order.get(seats.wrapping_sub(1)), order.get(seats)) {
            (Some(last_in), Some(first_out)) if seats > 0 => last_in.1 == first_out.1,
            _ => false,
        };
        let item = format!("result.json contest {c} ({})", contest.id);
        if published.elected != elected {
            rec.fail(
                Check::V20,
                &item,
                format!(
                    "elected {:?}, but the counts elect {elected:?}",
                    published.elected
                ),
            );
        }
        if published.decided_by_lot != by_lot {
            rec.fail(
                Check::V20,
                &item,
                format!(
                    "decided_by_lot is {}, but should be {by_lot}",
                    published.decided_by_lot
                ),
            );
        }
        outcomes.push(ContestOutcome {
            index: c,
            contest: contest.id.clone(),
            title: contest.title.clone(),
            counts: contest
                .candidates
                .iter()
                .zip(counts)
                .map(|(x, n)| (x.id.clone(), x.name.clone(), *n))
                .collect(),
            elected,
            decided_by_lot: by_lot,
            ranked: None,
        });
    }
    rec.add_results(outcomes);
}
