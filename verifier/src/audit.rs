//! A voter's ballot audit (record.md §5.4): does an *audit file* — the
//! choices and nonces a voting device revealed instead of casting a ballot
//! — check against the election's `manifest.json` and `parameters.json`?
//!
//! Only those two files are needed (a voter has them while voting; the
//! server serves them at `/api/elections/{id}/manifest.json` and
//! `…/parameters.json`), not the record. [`audit`] checks the five
//! conditions of record.md §5.4 in order and answers the first that fails:
//!
//! 1. the ballot decodes strictly as a ballot of the election (§5.1);
//! 2. the tracker is the ballot's (§5.2);
//! 3. the audit lists exactly the ballot's contest entries, in order, each
//!    with one choice and one nonce per candidate;
//! 4. every nonce is a canonical scalar and opens its selection's
//!    ciphertext to the revealed choice: `r·G = A` and `m·G + r·K = B`
//!    (protocol.md §4.2);
//! 5. the ballot's signature and proofs verify (§5.3, without the listed
//!    credential).
//!
//! Before them, the two election files must be what record.md §2 and §3
//! say and belong together: `H` and `K` come from them. If all hold, the
//! revealed choices are what the device encrypted, and the report names
//! them (contest titles and candidate names from the manifest) for the
//! voter to compare with what they chose.

use std::fmt::Write as _;
use std::path::Path;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ballot::{Ballot, Part, short_tracker, tracker};
use crate::checks::{DLOG_BOUND, MAX_TRUSTEES, Manifested, base_hash, manifest_rules, manifested};
use crate::decode::{self, Identity, Point};
use crate::equations::NoRandomness;
use crate::error::Malformed;
use crate::record::{self, files};

/// The audit file (record.md §5.4), read strictly: exactly these fields,
/// each once, none `null`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFile {
    /// The ballot's bytes (record.md §5.1), standard base64 with padding.
    pub ballot: String,
    /// Its tracker (record.md §5.2), lower-case hex.
    pub tracker: String,
    /// One entry per contest entry of the ballot, in the ballot's order.
    pub contests: Vec<AuditEntry>,
}

/// One contest entry of an audit file (record.md §5.4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// The entry's contest index.
    pub contest: u32,
    /// One bit per candidate, `true` = chosen (`m_j = 1`).
    pub choices: Vec<bool>,
    /// One nonce `r_j` per candidate: a 32-byte canonical scalar in
    /// lower-case hex.
    pub nonces: Vec<String>,
}

/// Which requirement an audit failed: the election's files, the audit
/// file's form, or one of record.md §5.4's conditions 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// `manifest.json` and `parameters.json` (record.md §2, §3), which
    /// give `H` and `K`.
    Election,
    /// The audit file is not JSON of record.md §5.4's form.
    Format,
    /// Condition 1: the ballot decodes strictly (record.md §5.1).
    Ballot,
    /// Condition 2: the tracker is the ballot's (record.md §5.2).
    Tracker,
    /// Condition 3: the contest entries and their lengths.
    Contests,
    /// Condition 4: the nonces open the ciphertexts to the choices.
    Openings,
    /// Condition 5: the signature and proofs (record.md §5.3).
    Proofs,
}

impl Condition {
    /// Its number in record.md §5.4, for conditions 1–5.
    pub fn number(self) -> Option<u8> {
        match self {
            Condition::Election | Condition::Format => None,
            Condition::Ballot => Some(1),
            Condition::Tracker => Some(2),
            Condition::Contests => Some(3),
            Condition::Openings => Some(4),
            Condition::Proofs => Some(5),
        }
    }
}

/// Why an audit does not check.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// `manifest.json` or `parameters.json` cannot be read, is not what
    /// record.md §2–§3 say, or they do not belong together.
    #[error("{file}: {reason}")]
    Election {
        /// The file.
        file: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The audit file is not JSON of record.md §5.4's form (a missing,
    /// unknown, repeated or `null` field, a wrong type, trailing bytes).
    #[error("the audit file is not of the form record.md §5.4 gives: {0}")]
    Format(String),
    /// Condition 1: the ballot is not base64 or does not decode strictly.
    #[error("the ballot does not decode as a ballot of this election: {0}")]
    Ballot(Malformed),
    /// Condition 1: the ballot's contests are not exactly one district's.
    #[error("the ballot's contests are not exactly the contests of one district")]
    District,
    /// Condition 2: the tracker is malformed.
    #[error("the tracker is malformed: {0}")]
    TrackerMalformed(Malformed),
    /// Condition 2: the tracker is not the ballot's.
    #[error("the tracker is not the ballot's: the ballot's is {computed}")]
    Tracker {
        /// The ballot's tracker, hex.
        computed: String,
    },
    /// Condition 3: the contest entries are not the ballot's, or an entry
    /// has the wrong number of choices or nonces.
    #[error("the contest entries do not match the ballot: {0}")]
    Contests(String),
    /// Condition 4: a nonce is not a canonical scalar.
    #[error("{entry} selection {selection}: the nonce is malformed: {error}")]
    Nonce {
        /// The contest entry, named.
        entry: String,
        /// The selection (candidate) index.
        selection: usize,
        /// Why.
        error: Malformed,
    },
    /// Condition 4: the revealed choice and nonce do not give the ballot's
    /// ciphertext.
    #[error(
        "{entry} selection {selection}: encrypting the revealed choice with the revealed nonce does not give the ballot's ciphertext ({equation})"
    )]
    Opening {
        /// The contest entry, named.
        entry: String,
        /// The selection (candidate) index.
        selection: usize,
        /// The equation that fails.
        equation: &'static str,
    },
    /// Condition 5: the named proofs do not verify.
    #[error("the ballot's signature or proofs do not verify: {}", .0.join("; "))]
    Proofs(Vec<String>),
    /// Condition 5 could not be checked: no randomness for the batch.
    #[error("the ballot's proofs cannot be checked: {0}")]
    Randomness(#[from] NoRandomness),
}

impl AuditError {
    /// The requirement that failed.
    pub fn condition(&self) -> Condition {
        match self {
            AuditError::Election { .. } => Condition::Election,
            AuditError::Format(_) => Condition::Format,
            AuditError::Ballot(_) | AuditError::District => Condition::Ballot,
            AuditError::TrackerMalformed(_) | AuditError::Tracker { .. } => Condition::Tracker,
            AuditError::Contests(_) => Condition::Contests,
            AuditError::Nonce { .. } | AuditError::Opening { .. } => Condition::Openings,
            AuditError::Proofs(_) | AuditError::Randomness(_) => Condition::Proofs,
        }
    }
}

/// A chosen candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chosen {
    /// The candidate's index in its contest.
    pub index: usize,
    /// Its id in the manifest.
    pub id: String,
    /// Its name in the manifest.
    pub name: String,
}

/// What one contest entry of an audited ballot chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditedEntry {
    /// The contest index.
    pub contest: u32,
    /// The contest's id in the manifest.
    pub id: String,
    /// The contest's title in the manifest.
    pub title: String,
    /// For an entry of a ranked contest, its place in the ranking, from 1
    /// (record.md §9.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preference: Option<u64>,
    /// The chosen candidates, in the manifest's order.
    pub chosen: Vec<Chosen>,
}

/// An audit that checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Audited {
    /// The manifest's `election_id`.
    pub election_id: String,
    /// The manifest's title.
    pub election: String,
    /// The ballot's tracker, hex.
    pub tracker: String,
    /// Its short form, `XXXX-XXXX-XXXX`.
    pub short_tracker: String,
    /// The ballot's public credential, hex (whether it is listed is not
    /// part of an audit).
    pub credential: String,
    /// Per contest entry, in the ballot's order, what was chosen.
    pub contests: Vec<AuditedEntry>,
}

/// Why an audit does not check, for the report.
#[derive(Debug, Serialize)]
pub struct AuditFailure {
    /// The failing condition's number in record.md §5.4; `null` for the
    /// election's files or the audit file's form.
    pub condition: Option<u8>,
    /// The failing requirement.
    pub stage: Condition,
    /// What is wrong.
    pub reason: String,
    /// The error itself.
    #[serde(skip)]
    pub error: AuditError,
}

/// The answer to a voter who audited a ballot.
#[derive(Debug, Serialize)]
pub struct AuditReport {
    /// The directory `manifest.json` and `parameters.json` came from.
    pub dir: String,
    /// Whether the audit file checks (record.md §5.4).
    pub checks: bool,
    /// The revealed choices, if it checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audited: Option<Audited>,
    /// The first requirement that fails, if it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<AuditFailure>,
}

impl AuditReport {
    fn new(dir: &Path, outcome: Result<Audited, AuditError>) -> Self {
        let dir = dir.display().to_string();
        match outcome {
            Ok(audited) => AuditReport {
                dir,
                checks: true,
                audited: Some(audited),
                failure: None,
            },
            Err(error) => AuditReport {
                dir,
                checks: false,
                audited: None,
                failure: Some(AuditFailure {
                    condition: error.condition().number(),
                    stage: error.condition(),
                    reason: error.to_string(),
                    error,
                }),
            },
        }
    }

    /// True only if the audit file checks.
    pub fn ok(&self) -> bool {
        self.checks && self.failure.is_none()
    }

    /// The failing requirement, if any.
    pub fn condition(&self) -> Option<Condition> {
        self.failure.as_ref().map(|f| f.stage)
    }

    /// The answer as text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Checking a ballot audit (spec/record.md §5.4) against the election in {}",
            self.dir
        );
        if let Some(a) = &self.audited {
            let _ = writeln!(out, "Election: {} ({})", a.election, a.election_id);
            let _ = writeln!(out, "Ballot {} (tracker {})", a.short_tracker, a.tracker);
            let _ = writeln!(
                out,
                "\nThe audit CHECKS: the ballot decodes, the tracker is its own, every revealed nonce\n\
                 opens its ciphertext to the revealed choice, and its signature and proofs verify."
            );
            let _ = writeln!(
                out,
                "\nThe device encrypted these choices; compare them with what you chose:"
            );
            for c in &a.contests {
                let title = match c.preference {
                    Some(q) => format!("{} (preference {q})", c.title),
                    None => c.title.clone(),
                };
                let names: Vec<&str> = c.chosen.iter().map(|k| k.name.as_str()).collect();
                let names = if names.is_empty() {
                    "(no candidate chosen)".to_string()
                } else {
                    names.join(", ")
                };
                let _ = writeln!(out, "  {title}: {names}");
            }
            if a.contests.is_empty() {
                let _ = writeln!(out, "  (the ballot has no contests)");
            }
            let _ = writeln!(
                out,
                "\nAn audited ballot's choices are public: it must never be cast. Whether its\n\
                 credential is on the voter list is not part of an audit."
            );
        }
        if let Some(f) = &self.failure {
            let what = match f.condition {
                Some(n) => format!("condition {n} of record.md §5.4 fails"),
                None if f.stage == Condition::Election => {
                    "the election's manifest.json and parameters.json do not check out".into()
                }
                None => "it is not an audit file".into(),
            };
            let _ = writeln!(out, "\nThe audit does NOT check: {what}.");
            let _ = writeln!(out, "  {}", f.reason);
        }
        out
    }
}

/// The election as an audit needs it: the manifest, `H` and `K`.
struct Context {
    manifested: Manifested,
    base_hash: [u8; 32],
    key: Point,
}

fn bad(file: &'static str, reason: impl Into<String>) -> AuditError {
    AuditError::Election {
        file,
        reason: reason.into(),
    }
}

/// The election from the bytes of `manifest.json` and `parameters.json`:
/// the manifest follows record.md §2.2, the parameters §3.2 (version 1,
/// `1 ≤ t ≤ n ≤ 64`, the discrete-log bound `2^32`), `manifest_hash` is the
/// manifest's, `joint_key` decodes, and `base_hash` is `H` recomputed from
/// them (record.md §3.1; `credentials_hash` is taken as given, since the
/// credential list is not needed for an audit).
fn context(manifest: &[u8], parameters: &[u8]) -> Result<Context, AuditError> {
    let m: record::Manifest = record::parse_json(Path::new(files::MANIFEST), manifest)
        .map_err(|e| bad(files::MANIFEST, e.to_string()))?;
    let rules = manifest_rules(&m);
    if !rules.is_empty() {
        return Err(bad(files::MANIFEST, rules.join("; ")));
    }
    let manifest_hash: [u8; 32] = Sha256::digest(manifest).into();
    let p: record::Parameters = record::parse_json(Path::new(files::PARAMETERS), parameters)
        .map_err(|e| bad(files::PARAMETERS, e.to_string()))?;
    if p.version != 1 {
        return Err(bad(files::PARAMETERS, "version is not 1"));
    }
    if p.threshold == 0 || p.threshold > p.trustees || p.trustees > MAX_TRUSTEES {
        return Err(bad(
            files::PARAMETERS,
            "trustees and threshold are not 1 ≤ t ≤ n ≤ 64",
        ));
    }
    if p.dlog_bound != DLOG_BOUND {
        return Err(bad(files::PARAMETERS, "dlog_bound is not 2^32"));
    }
    if p.manifest_hash != hex::encode(manifest_hash) {
        return Err(bad(
            files::PARAMETERS,
            "manifest_hash is not SHA-256(manifest.json): the files are of different elections",
        ));
    }
    let credentials_hash = decode::hex_array::<32>(&p.credentials_hash).map_err(|e| {
        bad(
            files::PARAMETERS,
            format!("credentials_hash malformed: {e}"),
        )
    })?;
    let key = decode::hex_point(&p.joint_key, Identity::Forbidden)
        .map_err(|e| bad(files::PARAMETERS, format!("joint_key malformed: {e}")))?;
    let h = base_hash(
        &manifest_hash,
        p.trustees,
        p.threshold,
        &key.bytes,
        &credentials_hash,
    );
    if p.base_hash != hex::encode(h) {
        return Err(bad(
            files::PARAMETERS,
            "base_hash is not the hash of the manifest, parameters and joint key (record.md §3.1)",
        ));
    }
    Ok(Context {
        manifested: manifested(m, manifest_hash),
        base_hash: h,
        key,
    })
}

/// Parses an audit file strictly (record.md §5.4).
pub fn parse_audit(audit: &[u8]) -> Result<AuditFile, AuditError> {
    serde_json::from_slice(audit).map_err(|e| AuditError::Format(e.to_string()))
}

/// Names contest entry `position` of a ballot for messages.
fn entry_name(m: &Manifested, position: usize, contest: u32, preference: Option<u64>) -> String {
    let title = m
        .manifest
        .contests
        .get(contest as usize)
        .map_or("?", |c| c.title.as_str());
    match preference {
        Some(q) => format!("entry {position} (contest {contest} {title:?}, preference {q})"),
        None => format!("entry {position} (contest {contest} {title:?})"),
    }
}

/// Condition 3: the entries are exactly the ballot's, in order, each with
/// one choice and one nonce per candidate.
fn check_entries(file: &AuditFile, ballot: &Ballot, m: &Manifested) -> Result<(), AuditError> {
    let listed: Vec<u32> = file.contests.iter().map(|e| e.contest).collect();
    let actual: Vec<u32> = ballot.contests.iter().map(|c| c.index).collect();
    if let Some(i) = listed.iter().zip(&actual).position(|(a, b)| a != b) {
        return Err(AuditError::Contests(format!(
            "entry {i} is for contest {} but the ballot's entry {i} is contest {}",
            listed.get(i).copied().unwrap_or_default(),
            actual.get(i).copied().unwrap_or_default()
        )));
    }
    if listed.len() != actual.len() {
        return Err(AuditError::Contests(format!(
            "the audit has {} contest entries, the ballot {}",
            listed.len(),
            actual.len()
        )));
    }
    for (position, (entry, contest)) in file.contests.iter().zip(&ballot.contests).enumerate() {
        let n = contest.ciphertexts.len();
        if entry.choices.len() != n || entry.nonces.len() != n {
            return Err(AuditError::Contests(format!(
                "{} has {} choices and {} nonces for {n} candidates",
                entry_name(m, position, contest.index, contest.preference),
                entry.choices.len(),
                entry.nonces.len()
            )));
        }
    }
    Ok(())
}

/// Condition 4: every nonce is a canonical scalar and, with its choice,
/// encrypts to its selection's ciphertext (protocol.md §4.2). The nonces
/// are all decoded before any is used, so a malformed nonce is named as
/// such wherever it is.
fn check_openings(
    file: &AuditFile,
    ballot: &Ballot,
    key: &Point,
    m: &Manifested,
) -> Result<(), AuditError> {
    let mut nonces: Vec<Vec<Scalar>> = Vec::with_capacity(file.contests.len());
    for (position, (entry, contest)) in file.contests.iter().zip(&ballot.contests).enumerate() {
        let row = entry
            .nonces
            .iter()
            .enumerate()
            .map(|(selection, nonce)| {
                decode::hex(nonce)
                    .and_then(|b| decode::scalar(&b))
                    .map_err(|error| AuditError::Nonce {
                        entry: entry_name(m, position, contest.index, contest.preference),
                        selection,
                        error,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        nonces.push(row);
    }
    for (position, ((entry, contest), row)) in file
        .contests
        .iter()
        .zip(&ballot.contests)
        .zip(&nonces)
        .enumerate()
    {
        let selections = contest.ciphertexts.iter().zip(&entry.choices).zip(row);
        for (selection, ((ct, choice), r)) in selections.enumerate() {
            let opening = |equation| AuditError::Opening {
                entry: entry_name(m, position, contest.index, contest.preference),
                selection,
                equation,
            };
            if RistrettoPoint::mul_base(r) != ct.a.point {
                return Err(opening("r·G ≠ A"));
            }
            let m_j = Scalar::from(u8::from(*choice));
            if RistrettoPoint::vartime_double_scalar_mul_basepoint(r, &key.point, &m_j)
                != ct.b.point
            {
                return Err(opening("m·G + r·K ≠ B"));
            }
        }
    }
    Ok(())
}

/// What each entry chose, named from the manifest.
fn chosen(file: &AuditFile, ballot: &Ballot, m: &Manifested) -> Vec<AuditedEntry> {
    file.contests
        .iter()
        .zip(&ballot.contests)
        .map(|(entry, contest)| {
            let mc = m.manifest.contests.get(contest.index as usize);
            AuditedEntry {
                contest: contest.index,
                id: mc.map_or_else(String::new, |c| c.id.clone()),
                title: mc.map_or_else(String::new, |c| c.title.clone()),
                preference: contest.preference,
                chosen: entry
                    .choices
                    .iter()
                    .enumerate()
                    .filter(|(_, chosen)| **chosen)
                    .map(|(index, _)| {
                        let k = mc.and_then(|c| c.candidates.get(index));
                        Chosen {
                            index,
                            id: k.map_or_else(String::new, |k| k.id.clone()),
                            name: k.map_or_else(String::new, |k| k.name.clone()),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Checks an audit file against the bytes of an election's `manifest.json`
/// and `parameters.json` (record.md §5.4): the election's files first, then
/// the audit file's form, then conditions 1–5 in order; the first failure
/// is the answer.
pub fn audit(manifest: &[u8], parameters: &[u8], audit: &[u8]) -> Result<Audited, AuditError> {
    let ctx = context(manifest, parameters)?;
    let m = &ctx.manifested;
    let file = parse_audit(audit)?;
    // 1. The ballot decodes strictly (record.md §5.1).
    let bytes = decode::base64(&file.ballot).map_err(AuditError::Ballot)?;
    let ballot = Ballot::decode(&bytes, &m.shapes).map_err(AuditError::Ballot)?;
    let mut indices: Vec<u32> = ballot.contests.iter().map(|c| c.index).collect();
    indices.dedup();
    if !m.district_contests.contains(&indices) {
        return Err(AuditError::District);
    }
    // 2. The tracker is the ballot's (record.md §5.2).
    let claimed = decode::hex_array::<32>(&file.tracker).map_err(AuditError::TrackerMalformed)?;
    let computed = tracker(&bytes);
    if claimed != computed {
        return Err(AuditError::Tracker {
            computed: hex::encode(computed),
        });
    }
    // 3. The entries are the ballot's.
    check_entries(&file, &ballot, m)?;
    // 4. The nonces open the ciphertexts to the choices.
    check_openings(&file, &ballot, &ctx.key, m)?;
    // 5. The signature and proofs verify (record.md §5.3 without the
    //    listed credential).
    if !ballot.holds(&ctx.base_hash, &ctx.key, Part::All)? {
        let name = |c: u32| {
            let title = m
                .manifest
                .contests
                .get(c as usize)
                .map_or("?", |x| x.title.as_str());
            format!("contest {c} {title:?}")
        };
        let mut failing = ballot.failing_parts(&ctx.base_hash, &ctx.key, &name);
        if failing.is_empty() {
            failing.push("the ballot's proofs taken together".into());
        }
        return Err(AuditError::Proofs(failing));
    }
    Ok(Audited {
        election_id: m.manifest.election_id.clone(),
        election: m.manifest.title.clone(),
        tracker: hex::encode(computed),
        short_tracker: short_tracker(&computed),
        credential: hex::encode(ballot.credential.bytes),
        contests: chosen(&file, &ballot, m),
    })
}

/// Checks an audit file against `manifest.json` and `parameters.json` in
/// `dir` (record.md §5.4; nothing else of the record is read).
pub fn check_audit(dir: &Path, audit_file: &[u8]) -> AuditReport {
    let read = |name: &'static str| {
        record::read_bytes(&dir.join(name)).map_err(|e| bad(name, e.to_string()))
    };
    let outcome = read(files::MANIFEST).and_then(|manifest| {
        read(files::PARAMETERS).and_then(|parameters| audit(&manifest, &parameters, audit_file))
    });
    AuditReport::new(dir, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn nonce() -> String {
        "00".repeat(32)
    }

    fn sample() -> Value {
        json!({
            "ballot": "AAE=",
            "tracker": "ab".repeat(32),
            "contests": [{"contest": 0, "choices": [false, true], "nonces": [nonce(), nonce()]}],
        })
    }

    fn parse(v: &Value) -> Result<AuditFile, AuditError> {
        parse_audit(&serde_json::to_vec(v).unwrap())
    }

    fn refused(v: &Value) -> bool {
        matches!(parse(v), Err(AuditError::Format(_)))
    }

    #[test]
    fn the_form_of_record_md_parses() {
        let file = parse(&sample()).unwrap();
        assert_eq!(file.contests[0].choices, [false, true]);
        // Field order is free, white space too.
        let text = format!(
            "{{ \"contests\" : [ ], \"tracker\" : \"{}\",\n \"ballot\" : \"\" }}\n",
            "00".repeat(32)
        );
        assert!(parse_audit(text.as_bytes()).is_ok());
    }

    #[test]
    fn unknown_missing_null_and_repeated_fields_are_refused() {
        for field in ["ballot", "tracker", "contests"] {
            let mut v = sample();
            v.as_object_mut().unwrap().remove(field);
            assert!(refused(&v), "missing {field}");
            let mut v = sample();
            v[field] = Value::Null;
            assert!(refused(&v), "null {field}");
        }
        for field in ["contest", "choices", "nonces"] {
            let mut v = sample();
            v["contests"][0].as_object_mut().unwrap().remove(field);
            assert!(refused(&v), "missing {field}");
            let mut v = sample();
            v["contests"][0][field] = Value::Null;
            assert!(refused(&v), "null {field}");
        }
        let mut v = sample();
        v["short_tracker"] = json!("ABCD-EFGH-JKMN");
        assert!(refused(&v));
        let mut v = sample();
        v["contests"][0]["preference"] = json!(1);
        assert!(refused(&v));
        let twice = format!(
            r#"{{"ballot":"","ballot":"","tracker":"{}","contests":[]}}"#,
            nonce()
        );
        assert!(matches!(
            parse_audit(twice.as_bytes()),
            Err(AuditError::Format(_))
        ));
        let twice = r#"{"ballot":"","tracker":"","contests":[{"contest":0,"contest":0,"choices":[],"nonces":[]}]}"#;
        assert!(matches!(
            parse_audit(twice.as_bytes()),
            Err(AuditError::Format(_))
        ));
    }

    #[test]
    fn types_are_not_coerced() {
        for (path, value) in [
            ("choices", json!([0, 1])),
            ("choices", json!(["false", "true"])),
            ("nonces", json!([0, 0])),
            ("contest", json!(-1)),
            ("contest", json!(0.0)),
            ("contest", json!("0")),
            ("contest", json!(1u64 << 32)),
        ] {
            let mut v = sample();
            v["contests"][0][path] = value.clone();
            assert!(refused(&v), "{path}: {value}");
        }
        let mut v = sample();
        v["contests"] = json!({});
        assert!(refused(&v));
        let mut v = sample();
        v["ballot"] = json!(["AAE="]);
        assert!(refused(&v));
        assert!(refused(&json!([sample()])));
    }

    #[test]
    fn anything_but_one_json_object_is_refused() {
        let text = serde_json::to_string(&sample()).unwrap();
        for bad in [
            format!("{text}{text}"),
            format!("{text} x"),
            format!("\u{feff}{text}"),
            text[..text.len() - 1].to_string(),
            String::new(),
            "null".into(),
        ] {
            assert!(
                matches!(parse_audit(bad.as_bytes()), Err(AuditError::Format(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_audit(&[0xff, 0xfe, 0]),
            Err(AuditError::Format(_))
        ));
    }

    #[test]
    fn conditions_are_numbered_as_in_record_md() {
        let numbers: Vec<_> = [
            Condition::Election,
            Condition::Format,
            Condition::Ballot,
            Condition::Tracker,
            Condition::Contests,
            Condition::Openings,
            Condition::Proofs,
        ]
        .iter()
        .map(|c| c.number())
        .collect();
        assert_eq!(
            numbers,
            [None, None, Some(1), Some(2), Some(3), Some(4), Some(5)]
        );
    }

    /// The record vector in spec/vectors/record (a `valurna demo`
    /// election): its manifest, parameters and first board ballot.
    fn vector() -> (Vec<u8>, Vec<u8>, String) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors/record");
        let manifest = std::fs::read(dir.join(files::MANIFEST)).unwrap();
        let parameters = std::fs::read(dir.join(files::PARAMETERS)).unwrap();
        let board = std::fs::read_to_string(dir.join(files::BOARD)).unwrap();
        let line: Value = serde_json::from_str(board.lines().next().unwrap()).unwrap();
        (
            manifest,
            parameters,
            line["ballot"].as_str().unwrap().into(),
        )
    }

    /// An audit file for `ballot` with the right entries and wrong nonces
    /// (no nonce of a published ballot is known): it passes conditions 1–3
    /// and fails 4.
    fn audit_of(manifest: &[u8], ballot: &str) -> Value {
        let m: record::Manifest = serde_json::from_slice(manifest).unwrap();
        let ctx_shapes = manifested(m.clone(), [0; 32]).shapes;
        let bytes = decode::base64(ballot).unwrap();
        let b = Ballot::decode(&bytes, &ctx_shapes).unwrap();
        let contests: Vec<Value> = b
            .contests
            .iter()
            .map(|c| {
                let n = c.ciphertexts.len();
                json!({"contest": c.index, "choices": vec![false; n], "nonces": vec![nonce(); n]})
            })
            .collect();
        json!({"ballot": ballot, "tracker": hex::encode(tracker(&bytes)), "contests": contests})
    }

    fn condition(manifest: &[u8], parameters: &[u8], v: &Value) -> Condition {
        audit(manifest, parameters, &serde_json::to_vec(v).unwrap())
            .unwrap_err()
            .condition()
    }

    #[test]
    fn a_published_ballot_passes_conditions_one_to_three() {
        let (manifest, parameters, ballot) = vector();
        let v = audit_of(&manifest, &ballot);
        let err = audit(&manifest, &parameters, &serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(
            matches!(&err, AuditError::Opening { selection: 0, .. }),
            "{err}"
        );
        assert_eq!(err.condition().number(), Some(4));
        // A nonce that is not a canonical scalar, or not 32 bytes, or
        // upper-case hex.
        for bad in ["ff".repeat(32), "00".repeat(31), "AB".repeat(32)] {
            let mut w = v.clone();
            w["contests"][0]["nonces"][1] = json!(bad);
            let err = audit(&manifest, &parameters, &serde_json::to_vec(&w).unwrap()).unwrap_err();
            assert!(
                matches!(&err, AuditError::Nonce { selection: 1, .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn each_of_conditions_one_to_three_is_caught() {
        let (manifest, parameters, ballot) = vector();
        let v = audit_of(&manifest, &ballot);
        // 1: not canonical base64, or bytes that do not decode.
        let mut w = v.clone();
        w["ballot"] = json!(ballot.trim_end_matches('='));
        assert_eq!(condition(&manifest, &parameters, &w), Condition::Ballot);
        let mut w = v.clone();
        let mut bytes = decode::base64(&ballot).unwrap();
        bytes.push(0);
        w["ballot"] = json!(base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            &bytes
        ));
        assert_eq!(condition(&manifest, &parameters, &w), Condition::Ballot);
        // 2: another tracker, upper case, too short.
        for t in [
            "00".repeat(32),
            v["tracker"].as_str().unwrap().to_uppercase(),
            "00".repeat(31),
        ] {
            let mut w = v.clone();
            w["tracker"] = json!(t);
            assert_eq!(condition(&manifest, &parameters, &w), Condition::Tracker);
        }
        // 3: an entry too many, too few, another index, a missing choice
        // or nonce.
        let mut w = v.clone();
        let first = w["contests"][0].clone();
        w["contests"].as_array_mut().unwrap().push(first);
        assert_eq!(condition(&manifest, &parameters, &w), Condition::Contests);
        let mut w = v.clone();
        w["contests"] = json!([]);
        assert_eq!(condition(&manifest, &parameters, &w), Condition::Contests);
        let mut w = v.clone();
        w["contests"][0]["contest"] = json!(99);
        assert_eq!(condition(&manifest, &parameters, &w), Condition::Contests);
        for field in ["choices", "nonces"] {
            let mut w = v.clone();
            w["contests"][0][field].as_array_mut().unwrap().pop();
            assert_eq!(condition(&manifest, &parameters, &w), Condition::Contests);
        }
    }

    #[test]
    fn the_election_files_must_belong_together() {
        let (manifest, parameters, ballot) = vector();
        let v = audit_of(&manifest, &ballot);
        let mut other = manifest.clone();
        other.push(b'\n');
        assert_eq!(condition(&other, &parameters, &v), Condition::Election);
        let mut p: Value = serde_json::from_slice(&parameters).unwrap();
        p["base_hash"] = json!("00".repeat(32));
        let p = serde_json::to_vec(&p).unwrap();
        assert_eq!(condition(&manifest, &p, &v), Condition::Election);
        assert_eq!(condition(&manifest, b"{}", &v), Condition::Election);
        // The election's files are checked before the audit file's form.
        assert_eq!(
            audit(&other, &parameters, b"not json")
                .unwrap_err()
                .condition(),
            Condition::Election
        );
        assert_eq!(
            audit(&manifest, &parameters, b"not json")
                .unwrap_err()
                .condition(),
            Condition::Format
        );
    }

    #[test]
    fn garbage_never_panics() {
        let (manifest, parameters, ballot) = vector();
        let v = audit_of(&manifest, &ballot);
        let text = serde_json::to_vec(&v).unwrap();
        for cut in (0..text.len()).step_by(97) {
            assert!(audit(&manifest, &parameters, &text[..cut]).is_err());
        }
        let bytes = decode::base64(&ballot).unwrap();
        for cut in (0..bytes.len()).step_by(61) {
            let mut w = v.clone();
            w["ballot"] = json!(base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                &bytes[..cut]
            ));
            assert_eq!(condition(&manifest, &parameters, &w), Condition::Ballot);
        }
    }

    #[test]
    fn a_missing_election_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let report = check_audit(dir.path(), b"{}");
        assert!(!report.ok());
        assert_eq!(report.condition(), Some(Condition::Election));
        assert!(
            report.to_text().contains("manifest.json"),
            "{}",
            report.to_text()
        );
    }
}
