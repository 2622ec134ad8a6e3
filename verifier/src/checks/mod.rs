//! The checks of verification.md, run over a record directory.
//!
//! One module per part of the spec: [`election`] (V1–V5: the manifest, the
//! credential list, the parameters and the base hash), [`ceremony`]
//! (V6–V9: the key ceremony and the joint key), [`board`] (V10–V16: the
//! board, streamed once in chunks whose ballots are decoded and
//! batch-verified in parallel, and the counted set), [`tally`]
//! (V17–V20: the encrypted tally, the decryption shares, the counts and the
//! seats) and [`mix`] (V21–V23: ranked contests through the mix-net). Each
//! check runs only if the checks that give it its inputs passed
//! (verification.md §1); otherwise it is reported as not run, which is a
//! failure.

mod board;
mod ceremony;
mod election;
mod mix;
mod sums;
mod tally;

use std::collections::HashMap;
use std::ops::Deref;
use std::path::Path;

use crate::ballot::{Ballot, Shape};
use crate::decode::Point;
use crate::record::{self, files};
use crate::report::{Check, Recorder, Report};

pub(crate) use board::{entry_head, genesis, seal};
pub(crate) use election::{
    Established, MAX_TRUSTEES, base_hash, check_credentials, check_election, manifest_rules,
    manifested,
};

/// The discrete-log bound `2^32` (protocol.md §4.5).
pub const DLOG_BOUND: u64 = 1 << 32;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Show progress bars on standard error (when it is a terminal).
    pub progress: bool,
}

/// The manifest as V1 establishes it, with what the later checks derive
/// from it.
#[derive(Debug)]
pub(crate) struct Manifested {
    pub(crate) manifest: record::Manifest,
    /// SHA-256 of `manifest.json`.
    pub(crate) manifest_hash: [u8; 32],
    /// Each contest's shape on a ballot, by index.
    pub(crate) shapes: Vec<Shape>,
    /// Each contest's counting method if it is ranked (record.md §9.1).
    pub(crate) methods: Vec<Option<Method>>,
    /// District name → its id.
    pub(crate) district_ids: HashMap<String, u32>,
    /// District id → its contests' indices, increasing.
    pub(crate) district_contests: Vec<Vec<u32>>,
}

impl Manifested {
    /// Contest `c`'s id, for naming items.
    pub(crate) fn contest_id(&self, c: usize) -> &str {
        self.manifest.contests.get(c).map_or("?", |x| x.id.as_str())
    }

    /// Candidate `k` of contest `c`'s id, for naming items.
    pub(crate) fn candidate_id(&self, c: usize, k: usize) -> &str {
        self.manifest
            .contests
            .get(c)
            .and_then(|x| x.candidates.get(k))
            .map_or("?", |x| x.id.as_str())
    }
}

/// How a ranked contest is counted (record.md §9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// The single transferable vote (counting.md §2).
    Stv,
    /// Schulze's method (counting.md §3).
    Schulze,
}

impl Method {
    /// `"stv"` or `"schulze"`.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "stv" => Some(Method::Stv),
            "schulze" => Some(Method::Schulze),
            _ => None,
        }
    }

    /// Its name in the manifest and `result.json`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Method::Stv => "stv",
            Method::Schulze => "schulze",
        }
    }
}

/// The election as V1–V5 establish it.
#[derive(Debug)]
pub(crate) struct Election {
    pub(crate) manifested: Manifested,
    /// `H` (record.md §3.1), recomputed from the files.
    pub(crate) base_hash: [u8; 32],
    /// `K` as `parameters.json` gives it (V9 checks it against the
    /// ceremony).
    pub(crate) joint_key: Point,
    /// `n`.
    pub(crate) trustees: u32,
    /// `t`.
    pub(crate) threshold: u32,
}

impl Deref for Election {
    type Target = Manifested;

    fn deref(&self) -> &Manifested {
        &self.manifested
    }
}

/// The electorate (V3).
#[derive(Debug, Default)]
pub(crate) struct Credentials {
    /// Credential → its index in the list.
    index: HashMap<[u8; 32], u32>,
    /// `(district id, weight)` by credential index.
    info: Vec<(u32, u64)>,
}

impl Credentials {
    /// V11 for one ballot: `None` if its credential is listed and its
    /// contests are exactly its district's.
    pub(crate) fn eligibility(&self, m: &Manifested, b: &Ballot) -> Option<String> {
        let Some(i) = self.index.get(&b.credential.bytes) else {
            return Some("its credential is not listed".into());
        };
        let district = self.info.get(*i as usize).map(|(d, _)| *d);
        let expected = district.and_then(|d| m.district_contests.get(d as usize));
        // A ranked contest's `p` entries are one contest (record.md §9.2).
        let mut actual: Vec<u32> = b.contests.iter().map(|c| c.index).collect();
        actual.dedup();
        (expected != Some(&actual)).then(|| {
            format!(
                "its contests {actual:?} are not its district's {:?}",
                expected.cloned().unwrap_or_default()
            )
        })
    }

    /// The credential's index, if listed.
    fn index_of(&self, credential: &[u8; 32]) -> Option<u32> {
        self.index.get(credential).copied()
    }

    /// The weight of credential `i`.
    fn weight(&self, i: u32) -> u64 {
        self.info.get(i as usize).map_or(1, |(_, w)| *w)
    }

    /// The district id of credential `i`.
    fn district(&self, i: u32) -> Option<u32> {
        self.info.get(i as usize).map(|(d, _)| *d)
    }

    /// How many are listed.
    fn len(&self) -> usize {
        self.info.len()
    }
}

/// Runs every check of verification.md on the record in `dir`.
pub fn verify_record(dir: &Path, options: &Options) -> Report {
    let mut rec = Recorder::new(dir.display().to_string());
    let (election, manifested) = match check_election(dir, &mut rec) {
        Established::Election(e) => (Some(*e), None),
        Established::Manifest(m) => (None, Some(*m)),
        Established::Nothing => (None, None),
    };
    let m: Option<&Manifested> = election.as_deref().or(manifested.as_ref());
    let credentials = match m {
        Some(m) => check_credentials(dir, m, &mut rec),
        None => {
            rec.requires(Check::V3, &[Check::V1]);
            None
        }
    };
    let public_shares = match &election {
        Some(e) => ceremony::check_ceremony(dir, e, &mut rec),
        None => {
            for check in [Check::V6, Check::V7, Check::V8, Check::V9] {
                rec.requires(check, &[Check::V5]);
            }
            None
        }
    };
    let mut board = match (&election, &credentials) {
        (Some(e), Some(c)) => Some(board::check_board(dir, e, c, options, &mut rec)),
        _ => {
            for check in Check::BOARD {
                rec.requires(check, &[Check::V1, Check::V3, Check::V5]);
            }
            None
        }
    };
    let result = record::read_json::<record::ElectionResult>(&dir.join(files::RESULT));
    let counted = match (&credentials, &board) {
        (Some(c), Some(b)) => board::check_counted(c, b, &result, &mut rec),
        _ => {
            rec.requires(Check::V16, &Check::BOARD);
            None
        }
    };
    // V21's input, formed from the board before the tally consumes it.
    let ranked = board
        .as_mut()
        .map(|b| std::mem::take(&mut b.ranked))
        .unwrap_or_default();
    let mix_input = match (&election, &credentials, &board, &counted) {
        (Some(e), Some(c), Some(b), Some(counted)) => {
            Some(mix::mix_input(e, c, b, ranked, counted))
        }
        _ => None,
    };
    let tally = match (&election, &credentials, board, &counted) {
        (Some(e), Some(c), Some(b), Some(counted)) => {
            tally::check_tally(dir, e, c, b, counted, &mut rec)
        }
        _ => {
            rec.requires(Check::V17, &[Check::V16]);
            None
        }
    };
    let partials = match (&election, &public_shares, &tally) {
        (Some(e), Some(p), Some(t)) => tally::check_decryption(dir, e, p, t, &mut rec),
        _ => {
            rec.requires(Check::V18, &[Check::V9, Check::V17]);
            None
        }
    };
    let counts = match (&election, &tally, &partials) {
        (Some(e), Some(t), Some(p)) => tally::check_counts(e, t, p, &result, &mut rec),
        _ => {
            rec.requires(Check::V19, &[Check::V18]);
            None
        }
    };
    match (&election, &tally, &counts) {
        (Some(e), Some(t), Some(counts)) => {
            tally::check_seats(e, t.seal, counts, &result, &mut rec)
        }
        _ => {
            rec.requires(Check::V20, &[Check::V15, Check::V19]);
        }
    }
    let chains = match (&election, mix_input) {
        (Some(e), Some(input)) if rec.requires(Check::V21, &[Check::V16, Check::V9]) => {
            mix::check_chains(dir, e, input, &mut rec)
        }
        _ => {
            rec.requires(Check::V21, &[Check::V16, Check::V9]);
            None
        }
    };
    let decrypted = match (&election, &public_shares, chains) {
        (Some(e), Some(p), Some(chains)) => mix::check_mix_decryptions(dir, e, p, chains, &mut rec),
        _ => {
            if rec.requires(Check::V22, &[Check::V21]) {
                rec.not_run(Check::V22, "needs the public shares (V8, V9)");
            }
            None
        }
    };
    match (&election, &tally, &decrypted) {
        (Some(e), Some(t), Some(d)) if rec.requires(Check::V23, &[Check::V22, Check::V20]) => {
            mix::check_rankings(e, t.seal, d, &result, &mut rec);
        }
        _ => {
            rec.requires(Check::V23, &[Check::V22, Check::V20]);
        }
    }
    rec.finish()
}
