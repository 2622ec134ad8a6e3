//! The verification report: one entry per check of verification.md, the
//! reproduced result, and the verdict.

use std::fmt::Write as _;

use serde::Serialize;

use crate::record::{RankedResult, Turnout};

/// The checks of verification.md, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[allow(missing_docs)]
pub enum Check {
    V1,
    V2,
    V3,
    V4,
    V5,
    V6,
    V7,
    V8,
    V9,
    V10,
    V11,
    V12,
    V13,
    V14,
    V15,
    V16,
    V17,
    V18,
    V19,
    V20,
    V21,
    V22,
    V23,
}

impl Check {
    /// Every check, in number order.
    pub const ALL: [Check; 23] = [
        Check::V1,
        Check::V2,
        Check::V3,
        Check::V4,
        Check::V5,
        Check::V6,
        Check::V7,
        Check::V8,
        Check::V9,
        Check::V10,
        Check::V11,
        Check::V12,
        Check::V13,
        Check::V14,
        Check::V15,
        Check::V16,
        Check::V17,
        Check::V18,
        Check::V19,
        Check::V20,
        Check::V21,
        Check::V22,
        Check::V23,
    ];

    /// The checks made while the board streams (V10–V15), which V16 and
    /// everything after it need.
    pub const BOARD: [Check; 6] = [
        Check::V10,
        Check::V11,
        Check::V12,
        Check::V13,
        Check::V14,
        Check::V15,
    ];

    /// `V1` … `V23`.
    pub fn id(self) -> &'static str {
        match self {
            Check::V1 => "V1",
            Check::V2 => "V2",
            Check::V3 => "V3",
            Check::V4 => "V4",
            Check::V5 => "V5",
            Check::V6 => "V6",
            Check::V7 => "V7",
            Check::V8 => "V8",
            Check::V9 => "V9",
            Check::V10 => "V10",
            Check::V11 => "V11",
            Check::V12 => "V12",
            Check::V13 => "V13",
            Check::V14 => "V14",
            Check::V15 => "V15",
            Check::V16 => "V16",
            Check::V17 => "V17",
            Check::V18 => "V18",
            Check::V19 => "V19",
            Check::V20 => "V20",
            Check::V21 => "V21",
            Check::V22 => "V22",
            Check::V23 => "V23",
        }
    }

    /// The check's title in verification.md.
    pub fn title(self) -> &'static str {
        match self {
            Check::V1 => "manifest",
            Check::V2 => "manifest hash",
            Check::V3 => "credential list",
            Check::V4 => "credentials hash",
            Check::V5 => "parameters and base hash",
            Check::V6 => "ceremony announcements",
            Check::V7 => "ceremony encrypted shares",
            Check::V8 => "ceremony complaints and confirmations",
            Check::V9 => "joint key and public shares",
            Check::V10 => "board entries",
            Check::V11 => "eligibility",
            Check::V12 => "ballot proofs",
            Check::V13 => "trackers",
            Check::V14 => "hash chain",
            Check::V15 => "seal",
            Check::V16 => "counted set and turnout",
            Check::V17 => "encrypted tally",
            Check::V18 => "decryption shares",
            Check::V19 => "combination and counts",
            Check::V20 => "seats",
            Check::V21 => "mix chains",
            Check::V22 => "decryptions of the mix output",
            Check::V23 => "rankings and count",
        }
    }
}

/// A check's outcome (verification.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every item holds.
    Pass,
    /// Some item does not.
    Fail,
    /// Not run: an input failed an earlier check. Counts as a failure.
    NotRun,
}

/// One failing item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// What failed: file and line, board position and tracker, trustee,
    /// contest.
    pub item: String,
    /// Why.
    pub reason: String,
}

/// How many failures a report lists per check; the rest are counted.
pub const MAX_LISTED: usize = 50;

/// One check's entry in the report.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// `V1` … `V23`.
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// Pass, fail or not run.
    pub status: Status,
    /// Items checked (ballots, trustees, shares, contests).
    pub items: u64,
    /// What the items are.
    pub unit: &'static str,
    /// Failing items (at most [`MAX_LISTED`]).
    pub failures: Vec<Failure>,
    /// All failing items, listed or not.
    pub failed_items: u64,
    /// Why it did not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_run_because: Option<String>,
}

impl CheckReport {
    fn new(check: Check) -> Self {
        CheckReport {
            id: check.id(),
            title: check.title(),
            status: Status::NotRun,
            items: 0,
            unit: "",
            failures: Vec::new(),
            failed_items: 0,
            not_run_because: Some("not reached".into()),
        }
    }
}

/// A contest's reproduced result.
#[derive(Debug, Clone, Serialize)]
pub struct ContestOutcome {
    /// Contest index.
    pub index: usize,
    /// Contest id.
    pub contest: String,
    /// Its title.
    pub title: String,
    /// `(candidate id, name, count)` in manifest order.
    pub counts: Vec<(String, String, u64)>,
    /// The elected candidates' ids in rank order.
    pub elected: Vec<String>,
    /// Whether the lot decided the last seat (a ranked contest: the count,
    /// counting.md §2.9, §3.5).
    pub decided_by_lot: bool,
    /// A ranked contest's count, as `result.json` gives it (record.md
    /// §9.5); `counts` are then first preferences.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranked: Option<RankedResult>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The record's directory.
    pub record: String,
    /// One entry per check, V1 to V23.
    pub checks: Vec<CheckReport>,
    /// The result the verifier reproduced (approval contests when V20 ran,
    /// ranked contests when V23 ran), in contest order.
    pub result: Vec<ContestOutcome>,
    /// Turnout as counted by the verifier (when V16 ran).
    pub turnout: Option<Turnout>,
    /// True only if every check passed.
    pub verified: bool,
}

/// Collects outcomes while the checks run.
#[derive(Debug)]
pub struct Recorder {
    report: Report,
}

impl Recorder {
    /// A report for `record` with every check not yet run.
    pub fn new(record: String) -> Self {
        Recorder {
            report: Report {
                record,
                checks: Check::ALL.iter().map(|c| CheckReport::new(*c)).collect(),
                result: Vec::new(),
                turnout: None,
                verified: false,
            },
        }
    }

    fn entry(&mut self, check: Check) -> Option<&mut CheckReport> {
        self.report.checks.get_mut(check as usize)
    }

    /// Starts a check: it passes unless a failure is recorded.
    pub fn start(&mut self, check: Check, unit: &'static str) {
        if let Some(e) = self.entry(check) {
            e.status = Status::Pass;
            e.unit = unit;
            e.not_run_because = None;
        }
    }

    /// Counts `n` more items checked.
    pub fn items(&mut self, check: Check, n: u64) {
        if let Some(e) = self.entry(check) {
            e.items += n;
        }
    }

    /// Records a failing item.
    pub fn fail(&mut self, check: Check, item: impl Into<String>, reason: impl Into<String>) {
        if let Some(e) = self.entry(check) {
            e.status = Status::Fail;
            e.not_run_because = None;
            e.failed_items += 1;
            if e.failures.len() < MAX_LISTED {
                e.failures.push(Failure {
                    item: item.into(),
                    reason: reason.into(),
                });
            }
        }
    }

    /// Marks a check as not run.
    pub fn not_run(&mut self, check: Check, because: impl Into<String>) {
        if let Some(e) = self.entry(check) {
            e.status = Status::NotRun;
            e.not_run_because = Some(because.into());
        }
    }

    /// Whether every listed check passed.
    pub fn passed(&self, checks: &[Check]) -> bool {
        checks.iter().all(|c| {
            self.report
                .checks
                .get(*c as usize)
                .is_some_and(|e| e.status == Status::Pass)
        })
    }

    /// If some of `needs` did not pass, marks `check` not run and returns
    /// false.
    pub fn requires(&mut self, check: Check, needs: &[Check]) -> bool {
        let missing: Vec<&str> = needs
            .iter()
            .filter(|n| !self.passed(&[**n]))
            .map(|n| n.id())
            .collect();
        if missing.is_empty() {
            true
        } else {
            self.not_run(check, format!("needs {}", missing.join(", ")));
            false
        }
    }

    /// Adds to the reproduced result, kept in contest order.
    pub fn add_results(&mut self, result: Vec<ContestOutcome>) {
        self.report.result.extend(result);
        self.report.result.sort_by_key(|r| r.index);
    }

    /// Sets the counted turnout.
    pub fn set_turnout(&mut self, turnout: Turnout) {
        self.report.turnout = Some(turnout);
    }

    /// The finished report; verified only if every check passed.
    pub fn finish(mut self) -> Report {
        self.report.verified = self.report.checks.iter().all(|c| c.status == Status::Pass);
        self.report
    }
}

/// Votes in units of 10⁻⁵ (counting.md §1.2) as a decimal.
fn units(n: u64) -> String {
    format!("{}.{:05}", n / 100_000, n % 100_000)
}

impl Report {
    /// The status of one check.
    pub fn status(&self, check: Check) -> Status {
        self.checks
            .get(check as usize)
            .map_or(Status::NotRun, |c| c.status)
    }

    /// The first check (in number order) that did not pass: the root cause
    /// (verification.md §1).
    pub fn first_failure(&self) -> Option<&CheckReport> {
        self.checks.iter().find(|c| c.status != Status::Pass)
    }

    /// The report as text for people.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Verifying the election record in {}", self.record);
        let _ = writeln!(out, "(checks as numbered in spec/verification.md)\n");
        for c in &self.checks {
            let status = match c.status {
                Status::Pass => "pass",
                Status::Fail => "FAIL",
                Status::NotRun => "NOT RUN",
            };
            let label = format!("{:<4} {}", c.id, c.title);
            let detail = match c.status {
                Status::Pass if c.items == 0 => "nothing to check".to_string(),
                Status::Pass => format!("{} {}", c.items, c.unit),
                Status::Fail => format!("{} of {} {} failed", c.failed_items, c.items, c.unit),
                Status::NotRun => c.not_run_because.clone().unwrap_or_default(),
            };
            let _ = writeln!(out, "  {label:<44} {status:<8} {detail}");
            for f in &c.failures {
                let _ = writeln!(out, "        {}: {}", f.item, f.reason);
            }
            if c.failed_items > c.failures.len() as u64 {
                let _ = writeln!(
                    out,
                    "        … and {} more",
                    c.failed_items - c.failures.len() as u64
                );
            }
        }
        if !self.result.is_empty() {
            let _ = writeln!(out, "\nResult (reproduced from the proofs):");
            for r in &self.result {
                let _ = writeln!(out, "  contest {} {} — {}", r.index, r.contest, r.title);
                if let Some(ranked) = &r.ranked {
                    let _ = writeln!(
                        out,
                        "    ranked, counted by {}: {} ballots, {} invalid, {} empty; first preferences:",
                        ranked.method, ranked.ballots, ranked.invalid, ranked.empty
                    );
                }
                for (id, name, count) in &r.counts {
                    let mark = match r.elected.iter().position(|e| e == id) {
                        Some(i) if r.ranked.is_some() => format!("elected ({})", i + 1),
                        Some(_) => "elected".to_string(),
                        None => String::new(),
                    };
                    let _ = writeln!(out, "    {count:>10}  {name} ({id}) {mark}");
                }
                if let Some(ranked) = &r.ranked {
                    if let (Some(quota), Some(stages)) = (ranked.quota, &ranked.stages) {
                        let _ =
                            writeln!(out, "    quota {}, {} stages", units(quota), stages.len());
                    }
                    if let Some(ranking) = &ranked.ranking {
                        let _ = writeln!(out, "    ranking: {}", ranking.join(" > "));
                    }
                    if r.decided_by_lot {
                        let _ = writeln!(out, "    the lot decided part of the count");
                    }
                } else if r.decided_by_lot {
                    let _ = writeln!(out, "    the last seat was decided by lot");
                }
            }
        }
        if let Some(t) = &self.turnout {
            let _ = writeln!(
                out,
                "\nTurnout: {} eligible, {} ballots on the board, {} counted",
                t.eligible, t.board_entries, t.counted
            );
        }
        let failed = self
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .count();
        let not_run = self
            .checks
            .iter()
            .filter(|c| c.status == Status::NotRun)
            .count();
        if self.verified {
            let _ = writeln!(
                out,
                "\nVERIFIED: all {} checks pass; the result follows from the ballots on the board.",
                self.checks.len()
            );
        } else {
            let first = self
                .first_failure()
                .map(|c| format!("{} {}", c.id, c.title))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "\nNOT VERIFIED: {failed} checks failed and {not_run} could not run; first failure: {first}."
            );
        }
        out
    }
}
