//! The checks of verification.md, run over a record directory.
//!
//! Stages follow the spec's sections: the election and its parameters
//! (V1–V5), the key ceremony (V6–V9), the board, streamed once in chunks
//! whose ballots are decoded and batch-verified in parallel (V10–V16), and
//! the tally and result (V17–V20). Each check runs only if the checks that
//! give it its inputs passed (verification.md §1); otherwise it is reported
//! as not run, which is a failure.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::mpsc::sync_channel;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::ballot::{Ballot, MAX_CANDIDATES, Part, Shape, short_tracker, tracker};
use crate::decode::{self, Identity, Point};
use crate::equations::Equations;
use crate::error::Error;
use crate::proofs::{ChaumPedersen, Dleq, Schnorr, evaluate_commitments, lagrange_at_zero, width};
use crate::record::{self, BoardLine, CredentialLine, Line, Lines, files};
use crate::report::{Check, ContestOutcome, Recorder, Report};
use crate::transcript::{TranscriptExt, election, labels};

/// The discrete-log bound `2^32` (protocol.md §4.5).
pub const DLOG_BOUND: u64 = 1 << 32;
/// The most trustees (record.md §6.1).
pub const MAX_TRUSTEES: u32 = 64;
/// The most contests (record.md §2.2).
pub const MAX_CONTESTS: usize = 10_000;
/// The longest manifest text in bytes (record.md §2.2).
pub const MAX_TEXT: usize = 1_000;

/// Board lines read and verified together; the ballots of a chunk are
/// spread over the cores in groups of [`GROUP`].
const CHUNK: usize = 4096;
/// Ballots whose proofs are checked in one multiscalar multiplication.
const GROUP: usize = 64;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Show progress bars on standard error (when it is a terminal).
    pub progress: bool,
}

/// The election as V1–V5 establish it.
#[derive(Debug)]
pub(crate) struct Election {
    pub(crate) manifest: record::Manifest,
    pub(crate) shapes: Vec<Shape>,
    /// District name → its id.
    pub(crate) district_ids: HashMap<String, u32>,
    /// District id → its contests' indices, increasing.
    pub(crate) district_contests: Vec<Vec<u32>>,
    pub(crate) base_hash: [u8; 32],
    pub(crate) joint_key: Point,
    pub(crate) trustees: u32,
    pub(crate) threshold: u32,
    pub(crate) manifest_hash: [u8; 32],
}

/// The electorate (V3).
#[derive(Debug, Default)]
pub(crate) struct Credentials {
    index: HashMap<[u8; 32], u32>,
    /// `(district id, weight)` by credential index.
    info: Vec<(u32, u64)>,
}

fn sha256_file(path: &Path) -> Result<[u8; 32], Error> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| Error::Io {
        file: path.display().to_string(),
        source: e,
    })?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::Io {
            file: path.display().to_string(),
            source: e,
        })?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(h.finalize().into())
}

impl Credentials {
    /// V11 for one ballot: `None` if its credential is listed and its
    /// contests are exactly its district's.
    pub(crate) fn eligibility(&self, e: &Election, b: &Ballot) -> Option<String> {
        let Some(i) = self.index.get(&b.credential.bytes) else {
            return Some("its credential is not listed".into());
        };
        let district = self.info.get(*i as usize).map(|(d, _)| *d);
        let expected = district.and_then(|d| e.district_contests.get(d as usize));
        let actual: Vec<u32> = b.contests.iter().map(|c| c.index).collect();
        (expected != Some(&actual)).then(|| {
            format!(
                "its contests {actual:?} are not its district's {:?}",
                expected.cloned().unwrap_or_default()
            )
        })
    }
}

/// Runs every check of verification.md on the record in `dir`.
pub fn verify_record(dir: &Path, options: &Options) -> Report {
    let mut rec = Recorder::new(dir.display().to_string());
    let election = check_election(dir, &mut rec);
    let public_shares = election
        .as_ref()
        .and_then(|e| check_ceremony(dir, e, &mut rec));
    let credentials = election
        .as_ref()
        .and_then(|e| check_credentials(dir, e, &mut rec));
    let board = match (&election, &credentials) {
        (Some(e), Some(c)) if rec.requires(Check::V10, &[Check::V1, Check::V3, Check::V5]) => {
            Some(check_board(dir, e, c, options, &mut rec))
        }
        _ => {
            for check in [
                Check::V10,
                Check::V11,
                Check::V12,
                Check::V13,
                Check::V14,
                Check::V15,
            ] {
                rec.requires(check, &[Check::V1, Check::V3, Check::V5]);
            }
            None
        }
    };
    let result = record::read_json::<record::ElectionResult>(&dir.join(files::RESULT));
    let counted = match (&election, &credentials, &board) {
        (Some(e), Some(c), Some(b)) => check_counted(e, c, b, &result, &mut rec),
        _ => {
            rec.requires(Check::V16, &[Check::V10, Check::V11, Check::V12]);
            None
        }
    };
    let tally = match (&election, &credentials, &board, &counted) {
        (Some(e), Some(c), Some(b), Some(counted)) => check_tally(dir, e, c, b, counted, &mut rec),
        _ => {
            rec.requires(Check::V17, &[Check::V16]);
            None
        }
    };
    let partials = match (&election, &public_shares, &tally) {
        (Some(e), Some(p), Some(t)) => check_decryption(dir, e, p, t, &mut rec),
        _ => {
            rec.requires(Check::V18, &[Check::V9, Check::V17]);
            None
        }
    };
    let counts = match (&election, &tally, &partials) {
        (Some(e), Some(t), Some(p)) => check_counts(e, t, p, &result, &mut rec),
        _ => {
            rec.requires(Check::V19, &[Check::V18]);
            None
        }
    };
    match (&election, &board, &counts) {
        (Some(e), Some(b), Some(counts)) => check_seats(e, b, counts, &result, &mut rec),
        _ => {
            rec.requires(Check::V20, &[Check::V15, Check::V19]);
        }
    }
    rec.finish()
}

fn text_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_TEXT
}

/// The rules of record.md §2.2.
fn manifest_rules(m: &record::Manifest) -> Vec<String> {
    let mut bad = Vec::new();
    if m.version != 1 {
        bad.push("version is not 1".to_string());
    }
    for (field, value) in [
        ("organisation", &m.organisation),
        ("election_id", &m.election_id),
        ("title", &m.title),
    ] {
        if !text_ok(value) {
            bad.push(format!("{field} is not 1 to 1000 bytes"));
        }
    }
    if m.contests.is_empty() || m.contests.len() > MAX_CONTESTS {
        bad.push("it does not have 1 to 10 000 contests".into());
    }
    let mut ids = HashSet::new();
    for (i, c) in m.contests.iter().enumerate() {
        let name = format!("contest {i} ({})", c.id);
        if !ids.insert(c.id.as_str()) {
            bad.push(format!("{name}: its id is not unique"));
        }
        if !text_ok(&c.id) || !text_ok(&c.title) || !text_ok(&c.district) {
            bad.push(format!("{name}: a text is not 1 to 1000 bytes"));
        }
        let n = c.candidates.len();
        if n == 0 || n > MAX_CANDIDATES {
            bad.push(format!("{name}: not 1 to 200 candidates"));
        }
        if c.seats == 0 || c.seats as usize > n {
            bad.push(format!("{name}: seats not between 1 and the candidates"));
        }
        if c.min_selections > c.max_selections
            || c.max_selections > n as u64
            || width(c.min_selections, c.max_selections).is_err()
        {
            bad.push(format!("{name}: selection limits out of range"));
        }
        let mut cids = HashSet::new();
        for cand in &c.candidates {
            if !text_ok(&cand.id) || !text_ok(&cand.name) || !cids.insert(cand.id.as_str()) {
                bad.push(format!(
                    "{name}: candidate {} has a repeated id or a text not 1 to 1000 bytes",
                    cand.id
                ));
            }
        }
    }
    bad
}

/// V1–V5.
pub(crate) fn check_election(dir: &Path, rec: &mut Recorder) -> Option<Election> {
    // V1
    rec.start(Check::V1, "contests");
    let manifest_path = dir.join(files::MANIFEST);
    let manifest_bytes = record::read_bytes(&manifest_path);
    let manifest_hash: Option<[u8; 32]> = manifest_bytes
        .as_ref()
        .ok()
        .map(|b| Sha256::digest(b).into());
    let manifest = match &manifest_bytes {
        Ok(bytes) => match record::parse_json::<record::Manifest>(&manifest_path, bytes) {
            Ok(m) => {
                rec.items(Check::V1, m.contests.len() as u64);
                let bad = manifest_rules(&m);
                for b in &bad {
                    rec.fail(Check::V1, files::MANIFEST, b);
                }
                bad.is_empty().then_some(m)
            }
            Err(e) => {
                rec.fail(Check::V1, files::MANIFEST, e.to_string());
                None
            }
        },
        Err(e) => {
            rec.fail(Check::V1, files::MANIFEST, e.to_string());
            None
        }
    };

    // V2
    rec.start(Check::V2, "hashes");
    let params = record::read_json::<record::Parameters>(&dir.join(files::PARAMETERS));
    match (&params, &manifest_hash) {
        (Ok(p), Some(h)) => {
            rec.items(Check::V2, 1);
            if p.manifest_hash != hex::encode(h) {
                rec.fail(
                    Check::V2,
                    "parameters.json manifest_hash",
                    format!("is not SHA-256(manifest.json) = {}", hex::encode(h)),
                );
            }
        }
        (Err(e), _) => rec.fail(Check::V2, files::PARAMETERS, e.to_string()),
        (_, None) => rec.fail(Check::V2, files::MANIFEST, "cannot be read"),
    }

    // V4
    rec.start(Check::V4, "hashes");
    let credentials_hash = sha256_file(&dir.join(files::CREDENTIALS));
    match (&params, &credentials_hash) {
        (Ok(p), Ok(h)) => {
            rec.items(Check::V4, 1);
            if p.credentials_hash != hex::encode(h) {
                rec.fail(
                    Check::V4,
                    "parameters.json credentials_hash",
                    format!("is not SHA-256(credentials.jsonl) = {}", hex::encode(h)),
                );
            }
        }
        (Err(e), _) => rec.fail(Check::V4, files::PARAMETERS, e.to_string()),
        (_, Err(e)) => rec.fail(Check::V4, files::CREDENTIALS, e.to_string()),
    }

    // V5
    rec.start(Check::V5, "parameters");
    let p = match params {
        Ok(p) => p,
        Err(e) => {
            rec.fail(Check::V5, files::PARAMETERS, e.to_string());
            return None;
        }
    };
    rec.items(Check::V5, 1);
    let item = files::PARAMETERS;
    if p.version != 1 {
        rec.fail(Check::V5, item, "version is not 1");
    }
    if p.threshold == 0 || p.threshold > p.trustees || p.trustees > MAX_TRUSTEES {
        rec.fail(
            Check::V5,
            item,
            "trustees and threshold are not 1 ≤ t ≤ n ≤ 64",
        );
    }
    if p.dlog_bound != DLOG_BOUND {
        rec.fail(Check::V5, item, "dlog_bound is not 2^32");
    }
    let joint_key = match decode::hex_point(&p.joint_key, Identity::Forbidden) {
        Ok(k) => Some(k),
        Err(e) => {
            rec.fail(
                Check::V5,
                "parameters.json joint_key",
                format!("malformed: {e}"),
            );
            None
        }
    };
    let base_hash = match (&manifest_hash, &credentials_hash, &joint_key) {
        (Some(m), Ok(c), Some(k)) => {
            let mut h = Sha256::new();
            h.update(b"valurna/base-hash/v1");
            h.update(m);
            h.update(p.trustees.to_le_bytes());
            h.update(p.threshold.to_le_bytes());
            h.update(DLOG_BOUND.to_le_bytes());
            h.update(k.bytes);
            h.update(c);
            let h: [u8; 32] = h.finalize().into();
            if p.base_hash != hex::encode(h) {
                rec.fail(
                    Check::V5,
                    "parameters.json base_hash",
                    "is not the hash of the manifest, parameters, joint key and credentials (record.md §3.1)",
                );
            }
            Some(h)
        }
        _ => {
            rec.fail(
                Check::V5,
                "parameters.json base_hash",
                "cannot be recomputed",
            );
            None
        }
    };
    let (manifest, base_hash, joint_key, manifest_hash) =
        match (manifest, base_hash, joint_key, manifest_hash) {
            (Some(m), Some(b), Some(k), Some(h)) => (m, b, k, h),
            _ => return None,
        };
    let shapes = manifest
        .contests
        .iter()
        .map(|c| Shape {
            candidates: c.candidates.len(),
            min: c.min_selections,
            max: c.max_selections,
        })
        .collect();
    let mut district_ids: HashMap<String, u32> = HashMap::new();
    let mut district_contests: Vec<Vec<u32>> = Vec::new();
    for (i, c) in manifest.contests.iter().enumerate() {
        let next = district_ids.len() as u32;
        let id = *district_ids.entry(c.district.clone()).or_insert(next);
        if id == next {
            district_contests.push(Vec::new());
        }
        if let Some(list) = district_contests.get_mut(id as usize) {
            list.push(i as u32);
        }
    }
    Some(Election {
        manifest,
        shapes,
        district_ids,
        district_contests,
        base_hash,
        joint_key,
        trustees: p.trustees,
        threshold: p.threshold,
        manifest_hash,
    })
}

/// V3.
pub(crate) fn check_credentials(
    dir: &Path,
    e: &Election,
    rec: &mut Recorder,
) -> Option<Credentials> {
    if !rec.requires(Check::V3, &[Check::V1]) {
        return None;
    }
    rec.start(Check::V3, "credentials");
    let mut creds = Credentials::default();
    let lines = match Lines::open(&dir.join(files::CREDENTIALS)) {
        Ok(l) => l,
        Err(err) => {
            rec.fail(Check::V3, files::CREDENTIALS, err.to_string());
            return None;
        }
    };
    let mut previous: Option<[u8; 32]> = None;
    let mut lines = lines;
    while let Some(line) = lines.next() {
        let line = match line {
            Ok(l) => l,
            Err(err) => {
                rec.fail(Check::V3, files::CREDENTIALS, err.to_string());
                break;
            }
        };
        rec.items(Check::V3, 1);
        let item = || format!("credentials.jsonl line {}", line.number);
        let parsed: CredentialLine = match lines.parse(&line) {
            Ok(p) => p,
            Err(err) => {
                rec.fail(Check::V3, item(), err.to_string());
                continue;
            }
        };
        let point = match decode::hex_point(&parsed.credential, Identity::Forbidden) {
            Ok(p) => p,
            Err(err) => {
                rec.fail(Check::V3, item(), format!("credential malformed: {err}"));
                continue;
            }
        };
        if previous.is_some_and(|p| p >= point.bytes) {
            rec.fail(
                Check::V3,
                item(),
                if previous == Some(point.bytes) {
                    "the same credential as the line before (a clash)"
                } else {
                    "not sorted by credential"
                },
            );
        }
        previous = Some(point.bytes);
        let Some(district) = e.district_ids.get(&parsed.district) else {
            rec.fail(
                Check::V3,
                item(),
                "its district has no contest in the manifest",
            );
            continue;
        };
        if parsed.weight == 0 || (!e.manifest.weighted && parsed.weight != 1) {
            rec.fail(
                Check::V3,
                item(),
                "its weight is not allowed (≥ 1, and 1 unless the manifest is weighted)",
            );
            continue;
        }
        let index = creds.info.len() as u32;
        if creds.index.insert(point.bytes, index).is_some() {
            rec.fail(Check::V3, item(), "a credential listed twice (a clash)");
        }
        creds.info.push((*district, parsed.weight));
    }
    rec.passed(&[Check::V3]).then_some(creds)
}

/// Checks one Schnorr proof alone.
fn schnorr_holds(t: &mut merlin::Transcript, proof_hex: &str, public: &Point) -> Result<(), Error> {
    let proof = Schnorr::decode(&decode::hex(proof_hex)?)?;
    let mut eq = Equations::new().map_err(|e| Error::mismatch(e.to_string()))?;
    proof.add_to(t, public, &mut eq);
    if eq.holds() {
        Ok(())
    } else {
        Err(Error::not_verified("the Schnorr proof"))
    }
}

/// The ceremony transcript for trustee `i` (record.md §6.1).
fn ceremony_transcript(ceremony_hash: &[u8; 32], trustee: u32) -> merlin::Transcript {
    let mut t = election(ceremony_hash);
    t.append_number(labels::TRUSTEE, u64::from(trustee));
    t
}

/// V6–V9. Returns the public shares `K_1 … K_n` when V9 passes.
fn check_ceremony(dir: &Path, e: &Election, rec: &mut Recorder) -> Option<Vec<Point>> {
    if !rec.passed(&[Check::V5]) {
        for check in [Check::V6, Check::V7, Check::V8, Check::V9] {
            rec.requires(check, &[Check::V5]);
        }
        return None;
    }
    let file = match record::read_json::<record::Ceremony>(&dir.join(files::CEREMONY)) {
        Ok(f) => f,
        Err(err) => {
            for check in [Check::V6, Check::V7] {
                rec.start(check, "");
                rec.fail(check, files::CEREMONY, err.to_string());
            }
            rec.requires(Check::V8, &[Check::V6]);
            rec.requires(Check::V9, &[Check::V6]);
            return None;
        }
    };
    let (n, t) = (e.trustees, e.threshold);
    let ceremony_id: Option<[u8; 16]> = decode::hex_array(&file.ceremony_id).ok();
    let ceremony_hash = ceremony_id.map(|id| {
        let mut h = Sha256::new();
        h.update(b"valurna/ceremony/v1");
        h.update(e.manifest_hash);
        h.update(id);
        h.update(n.to_le_bytes());
        h.update(t.to_le_bytes());
        let h: [u8; 32] = h.finalize().into();
        h
    });

    // V6
    rec.start(Check::V6, "announcements");
    let Some(ch) = ceremony_hash else {
        rec.fail(
            Check::V6,
            "ceremony.json ceremony_id",
            "not 16 bytes of lower-case hex",
        );
        rec.start(Check::V7, "shares");
        rec.fail(
            Check::V7,
            "ceremony.json ceremony_id",
            "not 16 bytes of lower-case hex",
        );
        rec.requires(Check::V8, &[Check::V6]);
        rec.requires(Check::V9, &[Check::V6]);
        return None;
    };
    let mut commitments: BTreeMap<u32, Vec<Point>> = BTreeMap::new();
    for a in &file.announcements {
        rec.items(Check::V6, 1);
        let who = format!("trustee {}", a.index);
        if a.index == 0 || a.index > n {
            rec.fail(Check::V6, &who, "an index outside 1 to n");
            continue;
        }
        if commitments.contains_key(&a.index) {
            rec.fail(Check::V6, &who, "more than one announcement");
            continue;
        }
        let key = match decode::hex_point(&a.communication_key, Identity::Forbidden) {
            Ok(k) => k,
            Err(err) => {
                rec.fail(
                    Check::V6,
                    &who,
                    format!("communication key malformed: {err}"),
                );
                continue;
            }
        };
        let mut tr = ceremony_transcript(&ch, a.index);
        tr.append(labels::COMMUNICATION_KEY, b"");
        if let Err(err) = schnorr_holds(&mut tr, &a.communication_proof, &key) {
            rec.fail(Check::V6, &who, format!("communication key proof: {err}"));
        }
        if a.commitments.len() != t as usize || a.commitment_proofs.len() != t as usize {
            rec.fail(Check::V6, &who, "not exactly t commitments and t proofs");
            continue;
        }
        let mut mine = Vec::with_capacity(t as usize);
        for (k, (c, proof)) in a.commitments.iter().zip(&a.commitment_proofs).enumerate() {
            match decode::hex_point(c, Identity::Forbidden) {
                Ok(point) => {
                    let mut tr = ceremony_transcript(&ch, a.index);
                    tr.append_number(labels::COEFFICIENT, k as u64);
                    if let Err(err) = schnorr_holds(&mut tr, proof, &point) {
                        rec.fail(Check::V6, &who, format!("commitment {k}: {err}"));
                    }
                    mine.push(point);
                }
                Err(err) => rec.fail(Check::V6, &who, format!("commitment {k} malformed: {err}")),
            }
        }
        commitments.insert(a.index, mine);
    }
    for i in 1..=n {
        if !commitments.contains_key(&i) {
            rec.fail(Check::V6, format!("trustee {i}"), "no announcement");
        }
    }

    // V7
    rec.start(Check::V7, "shares");
    let mut pairs: HashMap<(u32, u32), u32> = HashMap::new();
    for s in &file.shares {
        rec.items(Check::V7, 1);
        let who = format!("share from trustee {} to trustee {}", s.from, s.to);
        if s.from == 0 || s.from > n || s.to == 0 || s.to > n || s.from == s.to {
            rec.fail(Check::V7, &who, "indices outside 1 to n or from = to");
            continue;
        }
        *pairs.entry((s.from, s.to)).or_default() += 1;
        if let Err(err) = decode::hex_array::<32>(&s.ciphertext) {
            rec.fail(Check::V7, &who, format!("ciphertext malformed: {err}"));
        }
        match decode::hex_point(&s.ephemeral, Identity::Forbidden) {
            Ok(r) => {
                let mut tr = ceremony_transcript(&ch, s.from);
                tr.append_number(labels::SHARE_TO, u64::from(s.to));
                if let Err(err) = schnorr_holds(&mut tr, &s.ephemeral_proof, &r) {
                    rec.fail(Check::V7, &who, format!("ephemeral key proof: {err}"));
                }
            }
            Err(err) => rec.fail(Check::V7, &who, format!("ephemeral key malformed: {err}")),
        }
    }
    for i in 1..=n {
        for j in (1..=n).filter(|j| *j != i) {
            let count = pairs.get(&(i, j)).copied().unwrap_or(0);
            if count != 1 {
                rec.fail(
                    Check::V7,
                    format!("trustee {i}"),
                    format!("{count} shares to trustee {j}, not exactly one"),
                );
            }
        }
    }

    // The public shares K_j = Σ_i Σ_k j^k·C_{i,k}, used by V8 and V9.
    let ok_v6_v7 = rec.passed(&[Check::V6, Check::V7]);
    let computed: Vec<RistrettoPoint> = (1..=n)
        .map(|j| {
            commitments
                .values()
                .map(|c| evaluate_commitments(c, u64::from(j)))
                .sum()
        })
        .collect();
    let shares: Vec<Point> = computed
        .iter()
        .map(|p| {
            let bytes = p.compress().to_bytes();
            Point { point: *p, bytes }
        })
        .collect();

    // V8
    if rec.requires(Check::V8, &[Check::V6, Check::V7]) && ok_v6_v7 {
        rec.start(Check::V8, "trustees");
        for c in &file.complaints {
            rec.fail(
                Check::V8,
                format!(
                    "complaint by trustee {} against trustee {}",
                    c.accuser, c.accused
                ),
                "a finished ceremony has no complaints",
            );
        }
        for c in &file.confirmations {
            if c.index == 0 || c.index > n {
                rec.fail(
                    Check::V8,
                    format!("confirmation {}", c.index),
                    "an index outside 1 to n",
                );
            }
        }
        for (j, public) in (1..=n).zip(&shares) {
            rec.items(Check::V8, 1);
            let mine: Vec<_> = file.confirmations.iter().filter(|c| c.index == j).collect();
            let [one] = mine.as_slice() else {
                rec.fail(
                    Check::V8,
                    format!("trustee {j}"),
                    format!("{} confirmations, not exactly one", mine.len()),
                );
                continue;
            };
            if public.bytes == [0; 32] {
                rec.fail(
                    Check::V8,
                    format!("trustee {j}"),
                    "its public share is the identity",
                );
                continue;
            }
            let mut tr = ceremony_transcript(&ch, j);
            tr.append(labels::CONFIRMATION, b"");
            if let Err(err) = schnorr_holds(&mut tr, &one.proof, public) {
                rec.fail(
                    Check::V8,
                    format!("trustee {j}"),
                    format!("confirmation: {err}"),
                );
            }
        }
    }

    // V9
    if !(rec.requires(Check::V9, &[Check::V6, Check::V7]) && ok_v6_v7) {
        return None;
    }
    rec.start(Check::V9, "keys");
    rec.items(Check::V9, 1 + u64::from(n));
    let joint: RistrettoPoint = commitments
        .values()
        .filter_map(|c| c.first())
        .map(|c| c.point)
        .sum();
    if joint.compress().to_bytes() != e.joint_key.bytes {
        rec.fail(
            Check::V9,
            "parameters.json joint_key",
            "is not the sum of the trustees' first commitments",
        );
    }
    if file.public_shares.len() != n as usize {
        rec.fail(Check::V9, "ceremony.json public_shares", "not n entries");
    }
    for (j, (published, computed)) in file.public_shares.iter().zip(&shares).enumerate() {
        if decode::hex_array::<32>(published).ok() != Some(computed.bytes) {
            rec.fail(
                Check::V9,
                format!("public share of trustee {}", j + 1),
                "does not follow from the commitments",
            );
        }
    }
    rec.passed(&[Check::V8, Check::V9]).then_some(shares)
}

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
}

/// Per weight, per contest, per candidate: the sum of the ciphertexts.
type Sums = BTreeMap<u64, Vec<Vec<(RistrettoPoint, RistrettoPoint)>>>;

fn empty_sums(shapes: &[Shape]) -> Vec<Vec<(RistrettoPoint, RistrettoPoint)>> {
    shapes
        .iter()
        .map(|s| vec![(RistrettoPoint::default(), RistrettoPoint::default()); s.candidates])
        .collect()
}

fn add_ballot(sums: &mut Sums, shapes: &[Shape], weight: u64, ballot: &Ballot, sign: bool) {
    let table = sums.entry(weight).or_insert_with(|| empty_sums(shapes));
    for c in &ballot.contests {
        if let Some(row) = table.get_mut(c.index as usize) {
            for (acc, ct) in row.iter_mut().zip(&c.ciphertexts) {
                if sign {
                    acc.0 += ct.a.point;
                    acc.1 += ct.b.point;
                } else {
                    acc.0 -= ct.a.point;
                    acc.1 -= ct.b.point;
                }
            }
        }
    }
}

fn merge_sums(into: &mut Sums, from: Sums) {
    for (w, table) in from {
        match into.get_mut(&w) {
            None => {
                into.insert(w, table);
            }
            Some(mine) => {
                for (a, b) in mine.iter_mut().zip(table) {
                    for (x, y) in a.iter_mut().zip(b) {
                        x.0 += y.0;
                        x.1 += y.1;
                    }
                }
            }
        }
    }
}

/// The board as the board stage leaves it.
#[derive(Debug)]
struct BoardState {
    lines: u64,
    /// Credential index per board position (`u32::MAX` where unknown).
    credential_at: Vec<u32>,
    /// Byte offset of each line.
    offsets: Vec<u64>,
    /// The sum of every valid ballot (superseded ones included).
    sums: Sums,
    seal: Option<[u8; 32]>,
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
        let parsed: Result<BoardLine, _> = serde_json::from_slice(&line.bytes);
        let ballot = match parsed {
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
            out.credential = creds.index.get(&b.credential.bytes).copied();
            out.ineligible = creds.eligibility(e, b);
        }
        outcomes.push(out);
        ballots.push(ballot);
    }

    // V12: one batch for the group's ballots.
    let key = e.joint_key.point;
    let fresh = || Equations::new().ok().map(|eq| eq.with_key(key));
    let mut failure = None;
    let batch_holds = match fresh() {
        None => {
            failure = Some("no randomness for the batch weights".to_string());
            false
        }
        Some(mut eq) => {
            for b in ballots.iter().flatten() {
                b.add_to(&e.base_hash, &e.joint_key, Part::All, &mut eq);
            }
            eq.holds()
        }
    };
    if !batch_holds {
        let mut make = fresh;
        for (out, b) in outcomes.iter_mut().zip(&ballots) {
            let Some(b) = b else { continue };
            let alone = match make() {
                Some(mut eq) => {
                    b.add_to(&e.base_hash, &e.joint_key, Part::All, &mut eq);
                    eq.holds()
                }
                None => false,
            };
            if !alone {
                let mut parts = b.failing_parts(&e.base_hash, &e.joint_key, &mut make);
                if parts.is_empty() {
                    parts.push("the ballot's proofs taken together".into());
                }
                out.failing_proofs = parts;
            }
        }
    }

    // The tally of the ballots that pass V10–V12.
    let mut sums = Sums::new();
    for (out, b) in outcomes.iter().zip(&ballots) {
        let (Some(b), Some(i)) = (b, out.credential) else {
            continue;
        };
        if out.ineligible.is_none() && out.failing_proofs.is_empty() {
            let weight = creds.info.get(i as usize).map_or(1, |(_, w)| *w);
            add_ballot(&mut sums, &e.shapes, weight, b, true);
        }
    }
    (outcomes, sums, failure)
}

pub(crate) fn entry_head(previous: &[u8; 32], position: u64, tracker: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/board/v1/entry");
    h.update(previous);
    h.update(position.to_le_bytes());
    h.update(tracker);
    h.finalize().into()
}

fn progress_bar(options: &Options, len: u64, what: &str) -> indicatif::ProgressBar {
    if !options.progress {
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

/// V10–V15: streams the board once.
fn check_board(
    dir: &Path,
    e: &Election,
    creds: &Credentials,
    options: &Options,
    rec: &mut Recorder,
) -> BoardState {
    for (check, unit) in [
        (Check::V10, "entries"),
        (Check::V11, "ballots"),
        (Check::V12, "ballots"),
        (Check::V13, "trackers"),
        (Check::V14, "links"),
    ] {
        rec.start(check, unit);
    }
    let mut state = BoardState {
        lines: 0,
        credential_at: Vec::new(),
        offsets: Vec::new(),
        sums: Sums::new(),
        seal: None,
    };
    let path = dir.join(files::BOARD);
    let lines = match Lines::open(&path) {
        Ok(l) => l,
        Err(err) => {
            rec.fail(Check::V10, files::BOARD, err.to_string());
            rec.not_run(Check::V15, "the board cannot be read");
            return state;
        }
    };
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(options, size, "board");

    let mut genesis = Sha256::new();
    genesis.update(b"valurna/board/v1/genesis");
    genesis.update(e.base_hash);
    let mut head: [u8; 32] = genesis.finalize().into();
    let mut expected_position: u64 = 0;
    let mut trackers: HashSet<[u8; 32]> = HashSet::new();

    // A reader thread streams chunks of lines while the pool verifies.
    let (send, receive) = sync_channel::<Result<Vec<Line>, Error>>(2);
    let reader = std::thread::spawn(move || {
        let mut lines = lines;
        loop {
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut failed = None;
            for line in lines.by_ref().take(CHUNK) {
                match line {
                    Ok(l) => chunk.push(l),
                    Err(err) => {
                        failed = Some(err);
                        break;
                    }
                }
            }
            let done = chunk.len() < CHUNK || failed.is_some();
            if !chunk.is_empty() && send.send(Ok(chunk)).is_err() {
                return;
            }
            if let Some(err) = failed {
                let _ = send.send(Err(err));
                return;
            }
            if done {
                return;
            }
        }
    });

    for chunk in receive {
        let chunk = match chunk {
            Ok(c) => c,
            Err(err) => {
                rec.fail(Check::V10, files::BOARD, err.to_string());
                break;
            }
        };
        let results: Vec<_> = chunk
            .par_chunks(GROUP)
            .map(|group| check_group(group, e, creds))
            .collect();
        if let Some(last) = chunk.last() {
            bar.set_position(last.offset + last.bytes.len() as u64 + 1);
        }
        for (outcomes, sums, failure) in results {
            merge_sums(&mut state.sums, sums);
            if let Some(f) = failure {
                rec.fail(Check::V12, files::BOARD, f);
            }
            for out in outcomes {
                record_line(&out, rec, &mut head, &mut expected_position, &mut trackers);
                state.credential_at.push(out.credential.unwrap_or(u32::MAX));
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
        Ok(seal) => {
            if seal.count != state.lines {
                rec.fail(
                    Check::V15,
                    "board_seal.json count",
                    format!("{} but the board has {} entries", seal.count, state.lines),
                );
            }
            if decode::hex_array::<32>(&seal.head).ok() != Some(head) {
                rec.fail(
                    Check::V15,
                    "board_seal.json head",
                    "is not the board's last head",
                );
            }
            let mut h = Sha256::new();
            h.update(b"valurna/board/v1/seal");
            h.update(head);
            h.update(state.lines.to_le_bytes());
            let computed: [u8; 32] = h.finalize().into();
            if decode::hex_array::<32>(&seal.seal).ok() != Some(computed) {
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

/// The sequential checks of one board line, in file order: V10, V11, V12
/// from the workers' findings; V13 and V14 here.
fn record_line(
    out: &LineOutcome,
    rec: &mut Recorder,
    head: &mut [u8; 32],
    expected_position: &mut u64,
    trackers: &mut HashSet<[u8; 32]>,
) {
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
    // V11, V12: a ballot that could not be decoded cannot be shown eligible
    // or proven.
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
            if !trackers.insert(computed) {
                rec.fail(
                    Check::V13,
                    &item,
                    "the same ballot is already on the board (a replay)",
                );
            }
        }
        _ => rec.fail(Check::V13, &item, "cannot be checked: malformed"),
    }
    // V14: each link is checked against the line before it, so one broken
    // link is reported once.
    match (out.position, out.claimed_tracker, out.claimed_head) {
        (Some(position), Some(tracker), Some(claimed)) => {
            if position != *expected_position {
                rec.fail(
                    Check::V14,
                    &item,
                    format!("position {position} where {expected_position} comes next"),
                );
            }
            if entry_head(head, position, &tracker) != claimed {
                rec.fail(
                    Check::V14,
                    &item,
                    "its head does not follow from the previous head, its position and tracker",
                );
            }
            *head = claimed;
            *expected_position = position.wrapping_add(1);
        }
        _ => {
            rec.fail(Check::V14, &item, "cannot be checked: malformed");
            *expected_position = expected_position.wrapping_add(1);
        }
    }
}

/// The counted set (record.md §5.6): for each credential its last board
/// position.
#[derive(Debug)]
struct Counted {
    /// Credential index → last position.
    last: HashMap<u32, u64>,
}

/// V16.
fn check_counted(
    e: &Election,
    creds: &Credentials,
    board: &BoardState,
    result: &Result<record::ElectionResult, Error>,
    rec: &mut Recorder,
) -> Option<Counted> {
    let board_checks = [
        Check::V10,
        Check::V11,
        Check::V12,
        Check::V13,
        Check::V14,
        Check::V15,
    ];
    if !rec.requires(Check::V16, &board_checks) {
        return None;
    }
    let _ = e;
    rec.start(Check::V16, "figures");
    let mut last: HashMap<u32, u64> = HashMap::with_capacity(creds.info.len());
    for (position, c) in board.credential_at.iter().enumerate() {
        last.insert(*c, position as u64);
    }
    let turnout = record::Turnout {
        eligible: creds.info.len() as u64,
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

/// The encrypted tally, recomputed.
#[derive(Debug)]
struct TallyState {
    /// Per contest, per candidate.
    ciphertexts: Vec<Vec<(RistrettoPoint, RistrettoPoint)>>,
}

/// V17.
fn check_tally(
    dir: &Path,
    e: &Election,
    creds: &Credentials,
    board: &BoardState,
    counted: &Counted,
    rec: &mut Recorder,
) -> Option<TallyState> {
    rec.start(Check::V17, "contests");
    // Take the superseded ballots out again: read their lines back.
    let mut sums = Sums::new();
    merge_sums(&mut sums, board.sums.clone());
    let path = dir.join(files::BOARD);
    let mut lines = match Lines::open(&path) {
        Ok(l) => l,
        Err(err) => {
            rec.fail(Check::V17, files::BOARD, err.to_string());
            return None;
        }
    };
    for (position, c) in board.credential_at.iter().enumerate() {
        if counted.last.get(c) == Some(&(position as u64)) {
            continue;
        }
        let offset = board.offsets.get(position).copied().unwrap_or(0);
        match reread(&mut lines, offset, position as u64, &e.shapes) {
            Ok(b) => {
                let weight = creds.info.get(*c as usize).map_or(1, |(_, w)| *w);
                add_ballot(&mut sums, &e.shapes, weight, &b, false);
            }
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
    // Σ_w w·S_w.
    let mut total = empty_sums(&e.shapes);
    for (w, table) in &sums {
        let w = Scalar::from(*w);
        for (row, sum) in total.iter_mut().zip(table) {
            for (t, s) in row.iter_mut().zip(sum) {
                if w == Scalar::ONE {
                    t.0 += s.0;
                    t.1 += s.1;
                } else {
                    t.0 += s.0 * w;
                    t.1 += s.1 * w;
                }
            }
        }
    }
    // Ballots and weight per contest, from the counted credentials.
    let mut ballots = vec![0u64; e.shapes.len()];
    let mut weights = vec![0u64; e.shapes.len()];
    for c in counted.last.keys() {
        if let Some((district, weight)) = creds.info.get(*c as usize) {
            for contest in e
                .district_contests
                .get(*district as usize)
                .into_iter()
                .flatten()
            {
                if let (Some(b), Some(w)) = (
                    ballots.get_mut(*contest as usize),
                    weights.get_mut(*contest as usize),
                ) {
                    *b += 1;
                    *w = w.saturating_add(*weight);
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
        let item = format!("tally.json contest {c}");
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
            rec.fail(Check::V17, &item, "not one ciphertext per candidate");
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
    rec.passed(&[Check::V17])
        .then_some(TallyState { ciphertexts: total })
}

/// Reads the ballot at `position` again from its line's offset.
fn reread(
    lines: &mut Lines,
    offset: u64,
    position: u64,
    shapes: &[Shape],
) -> Result<Ballot, Error> {
    lines.seek(offset, position + 1)?;
    let line = lines
        .next()
        .ok_or_else(|| Error::mismatch("the line is gone"))??;
    let entry: BoardLine = lines.parse(&line)?;
    let bytes = decode::base64(&entry.ballot)?;
    Ok(Ballot::decode(&bytes, shapes)?)
}

/// V18. Returns `(trustee, partials[c][k])`.
fn check_decryption(
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
                            format!("{who}, contest {c}, candidate {k}"),
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
        if batch != Ok(true) {
            for item in &items {
                let alone = Equations::new().map(|mut eq| {
                    add(item, &mut eq);
                    eq.holds()
                });
                if alone != Ok(true) {
                    ok = false;
                    rec.fail(
                        Check::V18,
                        format!("{who}, contest {}, candidate {}", item.0, item.1),
                        "the Chaum–Pedersen proof does not verify",
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
fn check_counts(
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
fn check_seats(
    e: &Election,
    board: &BoardState,
    counts: &[Vec<u64>],
    result: &Result<record::ElectionResult, Error>,
    rec: &mut Recorder,
) {
    if !rec.requires(Check::V20, &[Check::V15, Check::V19]) {
        return;
    }
    rec.start(Check::V20, "contests");
    let (Ok(r), Some(seal)) = (result, board.seal) else {
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
        });
    }
    rec.set_result(outcomes);
}
