//! A voter's check (verification.md §6): is my ballot on the board, and is
//! it the one that counts?

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::ballot::{Ballot, Part, short_tracker, tracker};
use crate::checks::{
    Credentials, Election, Established, check_credentials, check_election, entry_head, genesis,
    seal,
};
use crate::decode;
use crate::error::Error;
use crate::record::{self, BoardLine, Lines, files};
use crate::report::Recorder;

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
    /// Problems with this ballot (V10–V12), or with the ballot that
    /// supersedes it; empty if both are valid.
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
        if self.sealed && self.board_problems.is_empty() {
            let _ = writeln!(
                out,
                "The board's hash chain is intact and sealed ({} entries).",
                self.entries
            );
        } else if self.sealed {
            let _ = writeln!(
                out,
                "board_seal.json seals the last head, but the board has the problems above."
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
    offset: u64,
    position: Option<u64>,
    claimed_tracker: Option<[u8; 32]>,
    head: Option<[u8; 32]>,
    computed: Option<[u8; 32]>,
    credential: Option<[u8; 32]>,
}

fn read_entry(line: &record::Line) -> Entry {
    let parsed: Option<BoardLine> = serde_json::from_slice(&line.bytes).ok();
    let bytes = parsed.as_ref().and_then(|p| decode::base64(&p.ballot).ok());
    Entry {
        offset: line.offset,
        position: parsed.as_ref().map(|p| p.position),
        claimed_tracker: parsed
            .as_ref()
            .and_then(|p| decode::hex_array(&p.tracker).ok()),
        head: parsed
            .as_ref()
            .and_then(|p| decode::hex_array(&p.head).ok()),
        computed: bytes.as_deref().map(tracker),
        credential: bytes
            .as_ref()
            .and_then(|b| b.get(..32))
            .and_then(|c| <[u8; 32]>::try_from(c).ok()),
    }
}

/// A ballot of interest: a match, or the entry that supersedes one.
struct Located {
    offset: u64,
    line: u64,
    credential: [u8; 32],
}

/// V10–V12 for the ballot on the line at `offset`; the problems found.
fn check_entry(
    lines: &mut Lines,
    at: &Located,
    election: &Election,
    credentials: Option<&Credentials>,
) -> Vec<String> {
    let bytes = lines
        .seek(at.offset, at.line)
        .and_then(|()| {
            lines
                .next()
                .ok_or_else(|| Error::mismatch("the line is gone"))?
        })
        .and_then(|line| lines.parse::<BoardLine>(&line))
        .and_then(|entry| Ok(decode::base64(&entry.ballot)?));
    let ballot = bytes.and_then(|b| Ok(Ballot::decode(&b, &election.shapes)?));
    let b = match ballot {
        Ok(b) => b,
        Err(e) => return vec![format!("malformed ballot: {e} (V10)")],
    };
    let mut problems = Vec::new();
    match credentials {
        None => {
            problems.push("eligibility cannot be checked: the credential list is bad (V3)".into())
        }
        Some(c) => problems.extend(c.eligibility(election, &b).map(|p| format!("{p} (V11)"))),
    }
    match b.holds(&election.base_hash, &election.joint_key, Part::All) {
        Ok(true) => {}
        Ok(false) => problems.push("its signature or proofs do not verify (V12)".into()),
        Err(e) => problems.push(format!("its proofs cannot be checked: {e} (V12)")),
    }
    problems
}

/// Runs the voter's check for `code` on the record in `dir`
/// (verification.md §6).
pub fn check_tracker(dir: &Path, code: &Code) -> TrackerReport {
    let mut report = TrackerReport {
        found: Vec::new(),
        entries: 0,
        board_problems: Vec::new(),
        sealed: false,
    };
    let mut rec = Recorder::new(dir.display().to_string());
    let election = match check_election(dir, &mut rec) {
        Established::Election(e) => *e,
        Established::Manifest(_) | Established::Nothing => {
            report.board_problems.push(
                "the manifest, parameters or base hash do not check out (V1, V2, V4, V5): run the full verification"
                    .into(),
            );
            return report;
        }
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
    let mut head = genesis(&election.base_hash);
    let mut expected = 0u64;
    let mut seen = std::collections::HashSet::new();
    // Per match: where it is, and where the entry that supersedes it is.
    let mut matched: Vec<(Located, Option<Located>)> = Vec::new();
    loop {
        let chunk: Vec<_> = lines.by_ref().take(4096).collect();
        if chunk.is_empty() {
            break;
        }
        let entries: Vec<Result<Entry, String>> = chunk
            .par_iter()
            .map(|l| match l {
                Ok(line) => Ok(read_entry(line)),
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
            let line = report.entries;
            // The voter's ballot is found by its content, whatever the
            // line's other fields say.
            if let (Some(computed), Some(credential)) = (entry.computed, entry.credential) {
                for (found, (first, later)) in report.found.iter_mut().zip(matched.iter_mut()) {
                    if first.credential == credential {
                        found.superseded_by =
                            Some((entry.position.unwrap_or(line - 1), short_tracker(&computed)));
                        *later = Some(Located {
                            offset: entry.offset,
                            line,
                            credential,
                        });
                    }
                }
                if code.matches(&computed) {
                    report.found.push(Found {
                        position: entry.position.unwrap_or(line - 1),
                        tracker: hex::encode(computed),
                        short: short_tracker(&computed),
                        superseded_by: None,
                        problems: Vec::new(),
                    });
                    matched.push((
                        Located {
                            offset: entry.offset,
                            line,
                            credential,
                        },
                        None,
                    ));
                }
            }
            let (Some(position), Some(claimed), Some(h), Some(computed)) = (
                entry.position,
                entry.claimed_tracker,
                entry.head,
                entry.computed,
            ) else {
                report
                    .board_problems
                    .push(format!("board line {line}: malformed (V10)"));
                expected = expected.wrapping_add(1);
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
    if let Ok(published) = record::read_json::<record::BoardSeal>(&dir.join(files::BOARD_SEAL)) {
        report.sealed = published.count == report.entries
            && decode::hex_array::<32>(&published.head).ok() == Some(head)
            && decode::hex_array::<32>(&published.seal).ok() == Some(seal(&head, report.entries));
    }
    // V10–V12 for the matches and for the ballots that supersede them: a
    // voter is told "superseded" only by a valid ballot of theirs.
    for (found, (first, later)) in report.found.iter_mut().zip(&matched) {
        found.problems = check_entry(&mut lines, first, &election, credentials.as_ref());
        if let Some(later) = later {
            let problems = check_entry(&mut lines, later, &election, credentials.as_ref());
            found.problems.extend(
                problems
                    .into_iter()
                    .map(|p| format!("the ballot that supersedes it: {p}")),
            );
        }
    }
    report
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
