//! A voter's check (verification.md §6): is my ballot on the board, and is
//! it the one that counts?

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ballot::{Ballot, Part, short_tracker, tracker};
use crate::decode;
use crate::equations::Equations;
use crate::record::{self, BoardLine, Lines, files};
use crate::report::Recorder;
use crate::verify::{Election, check_credentials, check_election, entry_head};

/// What a voter typed: a whole tracker or its short form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// 32 bytes.
    Full([u8; 32]),
    /// The 12 symbols of the short form, normalised.
    Short(String),
}

/// Reads a tracker as verification.md §6 says: 64 hex digits, or 12
/// Crockford symbols read case-insensitively, ignoring `-` and spaces, with
/// `O` as `0` and `I`, `L` as `1`.
pub fn parse_code(input: &str) -> Option<Code> {
    let compact: String = input
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .collect();
    if compact.len() == 64 {
        return decode::hex_array::<32>(&compact.to_ascii_lowercase())
            .ok()
            .map(Code::Full);
    }
    let mut symbols = String::with_capacity(12);
    for c in compact.chars() {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c) {
            return None;
        }
        symbols.push(c);
    }
    (symbols.len() == 12).then_some(Code::Short(symbols))
}

impl Code {
    fn matches(&self, tracker: &[u8; 32]) -> bool {
        match self {
            Code::Full(t) => t == tracker,
            Code::Short(s) => short_tracker(tracker).replace('-', "") == *s,
        }
    }
}

/// Where one matching ballot stands.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// Board position.
    pub position: u64,
    /// The full tracker, hex.
    pub tracker: String,
    /// Its short form.
    pub short: String,
    /// `None` if it counts; otherwise the position and short tracker of the
    /// same credential's last ballot, which counts instead.
    pub superseded_by: Option<(u64, String)>,
    /// Problems with this ballot (V10–V12); empty if it is valid.
    pub problems: Vec<String>,
}

/// The answer to a voter.
#[derive(Debug, Clone, Serialize)]
pub struct TrackerReport {
    /// The ballots the code matches.
    pub found: Vec<Found>,
    /// Board entries read.
    pub entries: u64,
    /// Problems with the board as a whole (V13–V15, and V1–V5 and V3
    /// which it needs).
    pub board_problems: Vec<String>,
    /// Whether `board_seal.json` seals this board.
    pub sealed: bool,
}

impl TrackerReport {
    /// True if the code matched, every match is valid, and the board is
    /// intact and sealed.
    pub fn ok(&self) -> bool {
        !self.found.is_empty()
            && self.found.iter().all(|f| f.problems.is_empty())
            && self.board_problems.is_empty()
            && self.sealed
    }

    /// The answer as text.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        if self.found.is_empty() {
            let _ = writeln!(
                out,
                "This tracker is NOT on the board ({} entries read).",
                self.entries
            );
        }
        for f in &self.found {
            let _ = writeln!(
                out,
                "Ballot {} is on the board at position {}.",
                f.short, f.position
            );
            let _ = writeln!(out, "  tracker {}", f.tracker);
            match &f.superseded_by {
                None => {
                    let _ = writeln!(out, "  It is COUNTED: it is its credential's last ballot.");
                }
                Some((p, t)) => {
                    let _ = writeln!(
                        out,
                        "  It is SUPERSEDED: the same credential cast ballot {t} later, at position {p}, which counts instead."
                    );
                }
            }
            if f.problems.is_empty() {
                let _ = writeln!(
                    out,
                    "  Its signature and proofs verify, and its credential is listed."
                );
            }
            for p in &f.problems {
                let _ = writeln!(out, "  PROBLEM: {p}");
            }
        }
        for p in &self.board_problems {
            let _ = writeln!(out, "Board PROBLEM: {p}");
        }
        if self.sealed {
            let _ = writeln!(
                out,
                "The board's hash chain is intact and sealed ({} entries).",
                self.entries
            );
        } else {
            let _ = writeln!(out, "The board is NOT sealed by board_seal.json.");
        }
        let _ = writeln!(
            out,
            "Run valurna-verify without --tracker to check that the counted ballots were tallied."
        );
        out
    }
}

struct Entry {
    position: Option<u64>,
    claimed_tracker: Option<[u8; 32]>,
    head: Option<[u8; 32]>,
    computed: Option<[u8; 32]>,
    credential: Option<[u8; 32]>,
    bytes: Option<Vec<u8>>,
}

fn read_entry(line: &record::Line, code: &Code) -> Entry {
    let parsed: Option<BoardLine> = serde_json::from_slice(&line.bytes).ok();
    let bytes = parsed.as_ref().and_then(|p| decode::base64(&p.ballot).ok());
    let computed = bytes.as_deref().map(tracker);
    let credential = bytes
        .as_ref()
        .and_then(|b| b.get(..32))
        .and_then(|c| <[u8; 32]>::try_from(c).ok());
    let keep = computed.is_some_and(|t| code.matches(&t));
    Entry {
        position: parsed.as_ref().map(|p| p.position),
        claimed_tracker: parsed
            .as_ref()
            .and_then(|p| decode::hex_array(&p.tracker).ok()),
        head: parsed
            .as_ref()
            .and_then(|p| decode::hex_array(&p.head).ok()),
        computed,
        credential,
        bytes: if keep { bytes } else { None },
    }
}

/// Runs the voter's check for `code` on the record in `dir`.
pub fn check_tracker(dir: &Path, code: &Code) -> TrackerReport {
    let mut report = TrackerReport {
        found: Vec::new(),
        entries: 0,
        board_problems: Vec::new(),
        sealed: false,
    };
    let mut rec = Recorder::new(dir.display().to_string());
    let Some(election) = check_election(dir, &mut rec) else {
        report
            .board_problems
            .push("the election's parameters do not check out (run the full verification)".into());
        return report;
    };
    let credentials = check_credentials(dir, &election, &mut rec);
    if credentials.is_none() {
        report
            .board_problems
            .push("the credential list does not check out (V3)".into());
    }
    let mut lines = match Lines::open(&dir.join(files::BOARD)) {
        Ok(l) => l,
        Err(e) => {
            report.board_problems.push(e.to_string());
            return report;
        }
    };
    let mut head = genesis(&election);
    let mut expected = 0u64;
    let mut seen = std::collections::HashSet::new();
    // (index into report.found, credential, bytes) of the matches.
    let mut matched: Vec<([u8; 32], Vec<u8>)> = Vec::new();
    loop {
        let chunk: Vec<_> = lines.by_ref().take(4096).collect();
        if chunk.is_empty() {
            break;
        }
        let entries: Vec<Result<Entry, String>> = chunk
            .par_iter()
            .map(|l| match l {
                Ok(line) => Ok(read_entry(line, code)),
                Err(e) => Err(e.to_string()),
            })
            .collect();
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    report.board_problems.push(e);
                    break;
                }
            };
            report.entries += 1;
            let at = report.entries - 1;
            let (Some(position), Some(claimed), Some(h), Some(computed)) = (
                entry.position,
                entry.claimed_tracker,
                entry.head,
                entry.computed,
            ) else {
                report
                    .board_problems
                    .push(format!("board line {}: malformed (V10)", at + 1));
                continue;
            };
            if claimed != computed {
                report.board_problems.push(format!(
                    "position {position}: the tracker is not its ballot's (V13)"
                ));
            }
            if !seen.insert(computed) {
                report
                    .board_problems
                    .push(format!("position {position}: a repeated ballot (V13)"));
            }
            if position != expected || entry_head(&head, position, &claimed) != h {
                report
                    .board_problems
                    .push(format!("position {position}: the hash chain breaks (V14)"));
            }
            head = h;
            expected = position.wrapping_add(1);
            if let Some(c) = entry.credential {
                for (found, (credential, _)) in report.found.iter_mut().zip(&matched) {
                    if *credential == c && found.position < position {
                        found.superseded_by = Some((position, short_tracker(&computed)));
                    }
                }
            }
            if let (Some(bytes), Some(c)) = (entry.bytes, entry.credential) {
                report.found.push(Found {
                    position,
                    tracker: hex::encode(computed),
                    short: short_tracker(&computed),
                    superseded_by: None,
                    problems: Vec::new(),
                });
                matched.push((c, bytes));
            }
        }
        if report.board_problems.len() > 100 {
            report.board_problems.truncate(100);
            report
                .board_problems
                .push("… stopped after 100 problems".into());
            return report;
        }
    }
    // V15
    if let Ok(seal) = record::read_json::<record::BoardSeal>(&dir.join(files::BOARD_SEAL)) {
        let mut h = Sha256::new();
        h.update(b"valurna/board/v1/seal");
        h.update(head);
        h.update(report.entries.to_le_bytes());
        let computed: [u8; 32] = h.finalize().into();
        report.sealed = seal.count == report.entries
            && decode::hex_array::<32>(&seal.head).ok() == Some(head)
            && decode::hex_array::<32>(&seal.seal).ok() == Some(computed);
    }
    // V10–V12 for the matches.
    for (found, (_, bytes)) in report.found.iter_mut().zip(&matched) {
        match Ballot::decode(bytes, &election.shapes) {
            Err(e) => found.problems.push(format!("malformed ballot: {e} (V10)")),
            Ok(b) => {
                if let Some(problem) = credentials
                    .as_ref()
                    .and_then(|c| c.eligibility(&election, &b))
                {
                    found.problems.push(format!("{problem} (V11)"));
                }
                let key = election.joint_key.point;
                let holds = Equations::new().is_ok_and(|eq| {
                    let mut eq = eq.with_key(key);
                    b.add_to(&election.base_hash, &election.joint_key, Part::All, &mut eq);
                    eq.holds()
                });
                if !holds {
                    found
                        .problems
                        .push("its signature or proofs do not verify (V12)".into());
                }
            }
        }
    }
    report
}

fn genesis(e: &Election) -> [u8; 32] {
    let mut g = Sha256::new();
    g.update(b"valurna/board/v1/genesis");
    g.update(e.base_hash);
    g.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_forgivingly() {
        assert_eq!(
            parse_code("abcd-efgh-jkmn"),
            Some(Code::Short("ABCDEFGHJKMN".into()))
        );
        assert_eq!(
            parse_code(" o1il 0000 zzzz "),
            Some(Code::Short("0111".to_string() + "0000ZZZZ"))
        );
        assert_eq!(parse_code("ABCD-EFGH-JKMU"), None);
        assert_eq!(parse_code("ABCD-EFGH"), None);
        assert_eq!(parse_code(&"AB".repeat(32)), Some(Code::Full([0xab; 32])));
    }
}
