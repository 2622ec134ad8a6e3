//! V10–V16: the board, its seal and the counted set (verification.md §4).
//!
//! The board is streamed once. A reader thread cuts `board.jsonl` into
//! chunks (at most [`CHUNK`] lines or [`CHUNK_BYTES`] bytes); the pool
//! splits each chunk into groups (at most [`GROUP`] ballots or
//! [`GROUP_BYTES`] bytes) and, per group, parses the lines, decodes the
//! ballots strictly, checks eligibility and verifies every proof of the
//! group in one batch (protocol.md §10). Only a failing batch is narrowed
//! down, ballot by ballot and proof by proof. The hash chain, the trackers'
//! uniqueness and the counted set are checked in file order on the calling
//! thread. The sum of the valid ballots is kept as it goes, so the tally
//! needs no second pass but for the few superseded ballots; so are the
//! valid ballots' ranked entries as mix input ciphertexts (record.md §9.3),
//! so that V21 needs no second pass at all.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::mpsc::sync_channel;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::Identity as _;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::sums::Sums;
use super::{Credentials, Election};
use crate::ballot::{Ballot, Part, short_tracker, tracker};
use crate::decode;
use crate::equations::Equations;
use crate::error::Error;
use crate::record::{self, BoardLine, Line, Lines, Turnout, files};
use crate::report::{Check, Recorder};

/// Most lines read ahead at once.
const CHUNK: usize = 4096;
/// Most bytes read ahead at once (two chunks wait in the channel).
const CHUNK_BYTES: usize = 64 << 20;
/// Most ballots whose proofs are checked in one multiscalar multiplication.
const GROUP: usize = 64;
/// Most line bytes in one group, which bounds the decoded ballots in memory
/// per core.
const GROUP_BYTES: usize = 4 << 20;

/// What the board stage learns about one line.
#[derive(Debug, Default)]
struct LineOutcome {
    number: u64,
    offset: u64,
    position: Option<u64>,
    claimed_tracker: Option<[u8; 32]>,
    claimed_head: Option<[u8; 32]>,
    computed_tracker: Option<[u8; 32]>,
    credential: Option<u32>,
    malformed: Option<String>,
    ineligible: Option<String>,
    failing_proofs: Vec<String>,
    /// A valid ballot's ranked entries as mix input ciphertexts (record.md
    /// §9.3), entry by entry.
    ranked: Vec<u8>,
}

/// The board as the board stage leaves it.
#[derive(Debug)]
pub(super) struct BoardState {
    /// Number of lines.
    pub(super) lines: u64,
    /// Credential index per board position (`u32::MAX` where unknown).
    pub(super) credential_at: Vec<u32>,
    /// The tracker computed from each position's ballot.
    pub(super) tracker_at: Vec<[u8; 32]>,
    /// Byte offset of each line.
    pub(super) offsets: Vec<u64>,
    /// The sum of every valid ballot (superseded ones included).
    pub(super) sums: Sums,
    /// `(board position, mix input ciphertexts)` of every valid ballot with
    /// ranked entries (superseded ones included), in board order: per
    /// entry `Σ_k (k+1)·(A, B)_k` as `enc(A) ‖ enc(B)` (record.md §9.3).
    pub(super) ranked: Vec<(u64, Vec<u8>)>,
    /// The seal, recomputed from the board (V15).
    pub(super) seal: Option<[u8; 32]>,
}

/// Parses, decodes and checks the ballots of one group; their proofs are
/// batch-verified together and, if the batch fails, one by one.
fn check_group(
    lines: &[Line],
    e: &Election,
    creds: &Credentials,
) -> (Vec<LineOutcome>, Sums, Option<String>) {
    let mut outcomes = Vec::with_capacity(lines.len());
    let mut ballots: Vec<Option<Ballot>> = Vec::with_capacity(lines.len());
    for line in lines {
        let mut out = LineOutcome {
            number: line.number,
            offset: line.offset,
            ..LineOutcome::default()
        };
        let ballot = match serde_json::from_slice::<BoardLine>(&line.bytes) {
            Err(err) => {
                out.malformed = Some(format!("not a board entry: {err}"));
                None
            }
            Ok(entry) => {
                out.position = Some(entry.position);
                let tracker_field = decode::hex_array::<32>(&entry.tracker);
                let head_field = decode::hex_array::<32>(&entry.head);
                out.claimed_tracker = tracker_field.ok();
                out.claimed_head = head_field.ok();
                let bytes = decode::base64(&entry.ballot);
                let decoded = match (&tracker_field, &head_field, &bytes) {
                    (Err(err), _, _) => Err(format!("tracker: {err}")),
                    (_, Err(err), _) => Err(format!("head: {err}")),
                    (_, _, Err(err)) => Err(format!("ballot: {err}")),
                    (Ok(_), Ok(_), Ok(bytes)) => {
                        out.computed_tracker = Some(tracker(bytes));
                        Ballot::decode(bytes, &e.shapes).map_err(|err| format!("ballot: {err}"))
                    }
                };
                match decoded {
                    Ok(b) => Some(b),
                    Err(reason) => {
                        out.malformed = Some(reason);
                        None
                    }
                }
            }
        };
        if let Some(b) = &ballot {
            out.credential = creds.index_of(&b.credential.bytes);
            out.ineligible = creds.eligibility(e, b);
        }
        outcomes.push(out);
        ballots.push(ballot);
    }

    // V12: one batch for the group's ballots.
    let batch = Equations::new().map(|eq| {
        let mut eq = eq.with_key(e.joint_key.point);
        for b in ballots.iter().flatten() {
            b.add_to(&e.base_hash, &e.joint_key, Part::All, &mut eq);
        }
        eq.holds()
    });
    let failure = match batch {
        Err(err) => Some(format!("cannot be checked: {err}")),
        Ok(true) => None,
        Ok(false) => {
            let name = |c: u32| format!("contest {c} ({})", e.contest_id(c as usize));
            for (out, b) in outcomes.iter_mut().zip(&ballots) {
                let Some(b) = b else { continue };
                // The ballot alone first; its proofs one by one only if it fails.
                if b.holds(&e.base_hash, &e.joint_key, Part::All) != Ok(true) {
                    out.failing_proofs = b.failing_parts(&e.base_hash, &e.joint_key, &name);
                    if out.failing_proofs.is_empty() {
                        out.failing_proofs
                            .push("the ballot's proofs taken together".into());
                    }
                }
            }
            // A batch that fails while every proof holds alone cannot
            // happen but by a bad random draw; it is still a failure.
            outcomes
                .iter()
                .all(|o| o.failing_proofs.is_empty())
                .then(|| "the group's batch fails although each proof holds alone".into())
        }
    };

    // The sum of the ballots that pass V10–V12, and their ranked entries.
    let mut sums = Sums::default();
    for (out, b) in outcomes.iter_mut().zip(&ballots) {
        let (Some(b), Some(i)) = (b, out.credential) else {
            continue;
        };
        if out.ineligible.is_none() && out.failing_proofs.is_empty() {
            sums.add(creds.weight(i), b, true);
            out.ranked = mix_input(b);
        }
    }
    (outcomes, sums, failure)
}

/// A ballot's ranked entries as mix input (record.md §9.3): entry `q` of a
/// ranked contest gives `e_q = Σ_{k=0…m−1} (k+1)·(A, B)_{q,k}`, which
/// encrypts the 1-based candidate ranked `q`-th, or 0; encoded
/// `enc(A) ‖ enc(B)`, entries in ballot order.
fn mix_input(b: &Ballot) -> Vec<u8> {
    let mut out = Vec::new();
    for c in b.contests.iter().filter(|c| c.preference.is_some()) {
        // Σ_k (k+1)·X_k as the sum of the suffix sums Σ_{k≥j} X_k.
        let (mut suffix_a, mut suffix_b) = (RistrettoPoint::identity(), RistrettoPoint::identity());
        let (mut a, mut bb) = (RistrettoPoint::identity(), RistrettoPoint::identity());
        for ct in c.ciphertexts.iter().rev() {
            suffix_a += ct.a.point;
            suffix_b += ct.b.point;
            a += suffix_a;
            bb += suffix_b;
        }
        out.extend_from_slice(a.compress().as_bytes());
        out.extend_from_slice(bb.compress().as_bytes());
    }
    out
}

/// `h_i = SHA-256("valurna/board/v1/entry" ‖ h_{i−1} ‖ u64(i) ‖ tracker_i)`
/// (record.md §5.5).
pub(crate) fn entry_head(previous: &[u8; 32], position: u64, tracker: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/board/v1/entry");
    h.update(previous);
    h.update(position.to_le_bytes());
    h.update(tracker);
    h.finalize().into()
}

/// `h₋₁ = SHA-256("valurna/board/v1/genesis" ‖ H)` (record.md §5.5).
pub(crate) fn genesis(base_hash: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/board/v1/genesis");
    h.update(base_hash);
    h.finalize().into()
}

/// `SHA-256("valurna/board/v1/seal" ‖ head ‖ u64(count))` (record.md §5.5).
pub(crate) fn seal(head: &[u8; 32], count: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/board/v1/seal");
    h.update(head);
    h.update(count.to_le_bytes());
    h.finalize().into()
}

fn progress_bar(show: bool, len: u64, what: &str) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg:12} [{bar:40}] {percent:>3}%  {elapsed_precise} elapsed, about {eta} left",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// Splits a chunk into groups of at most [`GROUP`] lines and
/// [`GROUP_BYTES`] bytes (a longer line is a group of its own).
fn groups(chunk: &[Line]) -> Vec<&[Line]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, line) in chunk.iter().enumerate() {
        if i > start && (i - start >= GROUP || bytes + line.bytes.len() > GROUP_BYTES) {
            out.extend(chunk.get(start..i));
            start = i;
            bytes = 0;
        }
        bytes += line.bytes.len();
    }
    out.extend(chunk.get(start..));
    out.retain(|g| !g.is_empty());
    out
}

/// Streams `lines` in chunks to a channel from a thread of its own.
fn read_ahead(
    lines: Lines,
) -> (
    std::sync::mpsc::Receiver<Result<Vec<Line>, Error>>,
    std::thread::JoinHandle<()>,
) {
    let (send, receive) = sync_channel::<Result<Vec<Line>, Error>>(2);
    let reader = std::thread::spawn(move || {
        let mut lines = lines;
        loop {
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut bytes = 0;
            let mut end = None;
            while chunk.len() < CHUNK && bytes < CHUNK_BYTES {
                match lines.next() {
                    None => {
                        end = Some(None);
                        break;
                    }
                    Some(Err(err)) => {
                        end = Some(Some(err));
                        break;
                    }
                    Some(Ok(line)) => {
                        bytes += line.bytes.len();
                        chunk.push(line);
                    }
                }
            }
            if !chunk.is_empty() && send.send(Ok(chunk)).is_err() {
                return;
            }
            match end {
                None => {}
                Some(None) => return,
                Some(Some(err)) => {
                    let _ = send.send(Err(err));
                    return;
                }
            }
        }
    });
    (receive, reader)
}

/// V10–V15: streams the board once.
pub(super) fn check_board(
    dir: &Path,
    e: &Election,
    creds: &Credentials,
    options: &super::Options,
    rec: &mut Recorder,
) -> BoardState {
    let mut state = BoardState {
        lines: 0,
        credential_at: Vec::new(),
        tracker_at: Vec::new(),
        offsets: Vec::new(),
        sums: Sums::default(),
        ranked: Vec::new(),
        seal: None,
    };
    let stream = [Check::V10, Check::V11, Check::V12, Check::V13, Check::V14];
    let path = dir.join(files::BOARD);
    let lines = match Lines::open(&path) {
        Ok(l) => l,
        Err(err) => {
            rec.start(Check::V10, "entries");
            rec.fail(Check::V10, files::BOARD, err.to_string());
            for check in stream.iter().skip(1).chain(&[Check::V15]) {
                rec.not_run(*check, "board.jsonl cannot be read");
            }
            return state;
        }
    };
    for (check, unit) in stream
        .iter()
        .zip(["entries", "ballots", "ballots", "trackers", "links"])
    {
        rec.start(*check, unit);
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(options.progress, size, "board");
    let mut chain = Chain {
        head: genesis(&e.base_hash),
        expected_position: 0,
        trackers: HashSet::new(),
    };
    let (chunks, reader) = read_ahead(lines);
    for chunk in chunks {
        let chunk = match chunk {
            Ok(c) => c,
            Err(err) => {
                rec.fail(Check::V10, files::BOARD, err.to_string());
                break;
            }
        };
        let results: Vec<_> = groups(&chunk)
            .into_par_iter()
            .map(|group| check_group(group, e, creds))
            .collect();
        if let Some(last) = chunk.last() {
            bar.set_position(last.offset + last.bytes.len() as u64 + 1);
        }
        for (outcomes, sums, failure) in results {
            state.sums.merge(sums);
            if let Some(f) = failure {
                rec.fail(Check::V12, files::BOARD, f);
            }
            for mut out in outcomes {
                chain.record(&out, rec);
                if !out.ranked.is_empty() {
                    state
                        .ranked
                        .push((state.lines, std::mem::take(&mut out.ranked)));
                }
                state.credential_at.push(out.credential.unwrap_or(u32::MAX));
                state
                    .tracker_at
                    .push(out.computed_tracker.unwrap_or_default());
                state.offsets.push(out.offset);
                state.lines += 1;
            }
        }
    }
    let _ = reader.join();
    bar.finish_and_clear();

    // V15
    rec.start(Check::V15, "seal");
    rec.items(Check::V15, 1);
    match record::read_json::<record::BoardSeal>(&dir.join(files::BOARD_SEAL)) {
        Err(err) => rec.fail(Check::V15, files::BOARD_SEAL, err.to_string()),
        Ok(published) => {
            if published.count != state.lines {
                rec.fail(
                    Check::V15,
                    "board_seal.json count",
                    format!(
                        "{} but the board has {} entries",
                        published.count, state.lines
                    ),
                );
            }
            if decode::hex_array::<32>(&published.head).ok() != Some(chain.head) {
                rec.fail(
                    Check::V15,
                    "board_seal.json head",
                    "is not the board's last head",
                );
            }
            let computed = seal(&chain.head, state.lines);
            if decode::hex_array::<32>(&published.seal).ok() != Some(computed) {
                rec.fail(
                    Check::V15,
                    "board_seal.json seal",
                    "is not SHA-256(\"valurna/board/v1/seal\" ‖ head ‖ u64(count))",
                );
            }
            state.seal = Some(computed);
        }
    }
    state
}

/// The checks made in file order: V13's uniqueness and V14's chain.
#[derive(Debug)]
struct Chain {
    head: [u8; 32],
    expected_position: u64,
    trackers: HashSet<[u8; 32]>,
}

impl Chain {
    /// Records one line's outcome: V10–V12 from the workers' findings, V13
    /// and V14 here.
    fn record(&mut self, out: &LineOutcome, rec: &mut Recorder) {
        let tag = out
            .computed_tracker
            .or(out.claimed_tracker)
            .map(|t| format!(", tracker {}", short_tracker(&t)))
            .unwrap_or_default();
        let item = match out.position {
            Some(p) => format!("board.jsonl line {} (position {p}{tag})", out.number),
            None => format!("board.jsonl line {}", out.number),
        };
        for check in [Check::V10, Check::V11, Check::V12, Check::V13, Check::V14] {
            rec.items(check, 1);
        }
        // V10
        if let Some(reason) = &out.malformed {
            rec.fail(Check::V10, &item, reason);
        }
        // V11, V12: a ballot that could not be decoded cannot be shown
        // eligible or proven.
        match (&out.malformed, &out.ineligible) {
            (Some(_), _) => rec.fail(Check::V11, &item, "cannot be checked: malformed"),
            (None, Some(reason)) => rec.fail(Check::V11, &item, reason),
            _ => {}
        }
        if out.malformed.is_some() {
            rec.fail(Check::V12, &item, "cannot be checked: malformed");
        } else if !out.failing_proofs.is_empty() {
            rec.fail(
                Check::V12,
                &item,
                format!("{} does not verify", out.failing_proofs.join("; ")),
            );
        }
        // V13
        match (out.claimed_tracker, out.computed_tracker) {
            (Some(claimed), Some(computed)) => {
                if claimed != computed {
                    rec.fail(
                        Check::V13,
                        &item,
                        "the tracker is not the hash of the ballot",
                    );
                }
                if !self.trackers.insert(computed) {
                    rec.fail(
                        Check::V13,
                        &item,
                        "the same ballot is already on the board (a replay)",
                    );
                }
            }
            _ => rec.fail(Check::V13, &item, "cannot be checked: malformed"),
        }
        // V14: each link is checked against the line before it, so one
        // broken link is reported once.
        match (out.position, out.claimed_tracker, out.claimed_head) {
            (Some(position), Some(tracker), Some(claimed)) => {
                if position != self.expected_position {
                    rec.fail(
                        Check::V14,
                        &item,
                        format!(
                            "position {position} where {} comes next",
                            self.expected_position
                        ),
                    );
                }
                if entry_head(&self.head, position, &tracker) != claimed {
                    rec.fail(
                        Check::V14,
                        &item,
                        "its head does not follow from the previous head, its position and tracker",
                    );
                }
                self.head = claimed;
                self.expected_position = position.wrapping_add(1);
            }
            _ => {
                rec.fail(Check::V14, &item, "cannot be checked: malformed");
                self.expected_position = self.expected_position.wrapping_add(1);
            }
        }
    }
}

/// The counted set (record.md §5.6): for each credential its last board
/// position.
#[derive(Debug)]
pub(super) struct Counted {
    /// Credential index → last position.
    pub(super) last: HashMap<u32, u64>,
}

/// V16.
pub(super) fn check_counted(
    creds: &Credentials,
    board: &BoardState,
    result: &Result<record::ElectionResult, Error>,
    rec: &mut Recorder,
) -> Option<Counted> {
    if !rec.requires(Check::V16, &Check::BOARD) {
        return None;
    }
    rec.start(Check::V16, "figures");
    let mut last: HashMap<u32, u64> = HashMap::with_capacity(creds.len());
    for (position, c) in board.credential_at.iter().enumerate() {
        last.insert(*c, position as u64);
    }
    let turnout = Turnout {
        eligible: creds.len() as u64,
        board_entries: board.lines,
        counted: last.len() as u64,
    };
    rec.set_turnout(turnout);
    rec.items(Check::V16, 3);
    match result {
        Err(err) => rec.fail(Check::V16, files::RESULT, err.to_string()),
        Ok(r) => {
            for (name, published, counted) in [
                ("eligible", r.turnout.eligible, turnout.eligible),
                (
                    "board_entries",
                    r.turnout.board_entries,
                    turnout.board_entries,
                ),
                ("counted", r.turnout.counted, turnout.counted),
            ] {
                if published != counted {
                    rec.fail(
                        Check::V16,
                        format!("result.json turnout.{name}"),
                        format!("{published}, but the record gives {counted}"),
                    );
                }
            }
        }
    }
    rec.passed(&[Check::V16]).then_some(Counted { last })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize, len: usize) -> Line {
        Line {
            number: n as u64 + 1,
            offset: 0,
            bytes: vec![b' '; len],
        }
    }

    #[test]
    fn groups_are_bounded_by_count_and_bytes() {
        let chunk: Vec<Line> = (0..200).map(|i| line(i, 10)).collect();
        let g = groups(&chunk);
        assert_eq!(
            g.iter().map(|g| g.len()).collect::<Vec<_>>(),
            vec![64, 64, 64, 8]
        );
        let chunk: Vec<Line> = (0..5).map(|i| line(i, 3 << 20)).collect();
        let g = groups(&chunk);
        assert_eq!(g.len(), 5);
        assert_eq!(groups(&[]).len(), 0);
    }
}
