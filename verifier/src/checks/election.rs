//! V1–V5: the manifest, the credential list, the parameters and the base
//! hash (verification.md §2).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{Credentials, DLOG_BOUND, Election, Manifested, Method};
use crate::ballot::{MAX_CANDIDATES, Shape};
use crate::decode::{self, Identity};
use crate::error::Error;
use crate::proofs::width;
use crate::record::{self, CredentialLine, Lines, files};
use crate::report::{Check, Recorder};

/// The most trustees (record.md §6.1).
pub const MAX_TRUSTEES: u32 = 64;
/// The most contests (record.md §2.2).
pub const MAX_CONTESTS: usize = 10_000;
/// The longest manifest text in bytes (record.md §2.2).
pub const MAX_TEXT: usize = 1_000;

/// SHA-256 of a file's bytes, streamed.
fn sha256_file(path: &Path) -> Result<[u8; 32], Error> {
    use std::io::Read;
    let io = |source| Error::Io {
        file: path.display().to_string(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(h.finalize().into())
}

/// What later checks need of a valid manifest.
pub(crate) fn manifested(manifest: record::Manifest, manifest_hash: [u8; 32]) -> Manifested {
    let methods: Vec<Option<Method>> = manifest
        .contests
        .iter()
        .map(|c| c.method.as_deref().and_then(Method::parse))
        .collect();
    let shapes = manifest
        .contests
        .iter()
        .zip(&methods)
        .map(|(c, method)| match method {
            Some(_) => Shape::ranked(c.candidates.len(), c.max_selections),
            None => Shape::approval(c.candidates.len(), c.min_selections, c.max_selections),
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
    Manifested {
        manifest,
        manifest_hash,
        shapes,
        methods,
        district_ids,
        district_contests,
    }
}

fn text_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_TEXT
}

/// The rules of record.md §2.2.
pub(crate) fn manifest_rules(m: &record::Manifest) -> Vec<String> {
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
        // record.md §9.1: `kind` and `method` together or not at all.
        match (c.kind.as_deref(), c.method.as_deref()) {
            (None, None) => {}
            (Some("ranked"), Some(method)) => {
                if Method::parse(method).is_none() {
                    bad.push(format!(
                        "{name}: method {method:?} is neither \"stv\" nor \"schulze\""
                    ));
                }
                if c.max_selections == 0 {
                    bad.push(format!(
                        "{name}: a ranked contest needs 1 ≤ max_selections (preferences)"
                    ));
                }
                if m.weighted {
                    bad.push(format!(
                        "{name}: a ranked contest in a weighted manifest (record.md §9.1)"
                    ));
                }
            }
            (Some(kind), Some(_)) => {
                bad.push(format!("{name}: kind {kind:?} is not \"ranked\""));
            }
            (Some(_), None) | (None, Some(_)) => bad.push(format!(
                "{name}: kind and method must be given together (record.md §9.1)"
            )),
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

/// `H = SHA-256("valurna/base-hash/v1" ‖ manifest_hash ‖ u32(n) ‖ u32(t)
/// ‖ u64(2^32) ‖ enc(K) ‖ credentials_hash)` (record.md §3.1).
pub(crate) fn base_hash(
    manifest_hash: &[u8; 32],
    trustees: u32,
    threshold: u32,
    joint_key: &[u8; 32],
    credentials_hash: &[u8; 32],
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/base-hash/v1");
    h.update(manifest_hash);
    h.update(trustees.to_le_bytes());
    h.update(threshold.to_le_bytes());
    h.update(DLOG_BOUND.to_le_bytes());
    h.update(joint_key);
    h.update(credentials_hash);
    h.finalize().into()
}

/// How far V1, V2, V4 and V5 got.
#[derive(Debug)]
pub(crate) enum Established {
    /// All four passed.
    Election(Box<Election>),
    /// Only the manifest (V1) passed; V3 needs no more.
    Manifest(Box<Manifested>),
    /// Not even the manifest.
    Nothing,
}

impl From<Option<Manifested>> for Established {
    fn from(m: Option<Manifested>) -> Self {
        m.map_or(Established::Nothing, |m| Established::Manifest(Box::new(m)))
    }
}

/// V2 and V4: a hash in `parameters.json` against the file's.
fn hash_matches(
    rec: &mut Recorder,
    check: Check,
    published: Result<&str, &Error>,
    computed: Result<[u8; 32], String>,
    field: &str,
    file: &str,
) {
    rec.start(check, "hashes");
    match (published, computed) {
        (Ok(p), Ok(h)) => {
            rec.items(check, 1);
            if p != hex::encode(h) {
                rec.fail(
                    check,
                    format!("parameters.json {field}"),
                    format!("is not SHA-256({file}) = {}", hex::encode(h)),
                );
            }
        }
        (Err(e), _) => rec.fail(check, files::PARAMETERS, e.to_string()),
        (_, Err(e)) => rec.fail(check, file, e),
    }
}

/// V1, V2, V4, V5.
pub(crate) fn check_election(dir: &Path, rec: &mut Recorder) -> Established {
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
                match (bad.is_empty(), manifest_hash) {
                    (true, Some(h)) => Some(manifested(m, h)),
                    _ => None,
                }
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
    let params = record::read_json::<record::Parameters>(&dir.join(files::PARAMETERS));
    let published = params.as_ref().map(|p| p.manifest_hash.as_str());
    let computed = manifest_hash.ok_or_else(|| format!("{} cannot be read", files::MANIFEST));
    hash_matches(
        rec,
        Check::V2,
        published,
        computed,
        "manifest_hash",
        files::MANIFEST,
    );

    // V4
    let credentials_hash = sha256_file(&dir.join(files::CREDENTIALS));
    let published = params.as_ref().map(|p| p.credentials_hash.as_str());
    let computed = credentials_hash
        .as_ref()
        .copied()
        .map_err(|e| e.to_string());
    hash_matches(
        rec,
        Check::V4,
        published,
        computed,
        "credentials_hash",
        files::CREDENTIALS,
    );

    // V5
    if !rec.requires(Check::V5, &[Check::V2, Check::V4]) {
        return manifest.into();
    }
    rec.start(Check::V5, "parameters");
    let p = match params {
        Ok(p) => p,
        Err(e) => {
            rec.fail(Check::V5, files::PARAMETERS, e.to_string());
            return manifest.into();
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
            let h = base_hash(m, p.trustees, p.threshold, &k.bytes, c);
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
    match (manifest, base_hash, joint_key) {
        (Some(manifested), Some(base_hash), Some(joint_key))
            if rec.passed(&[Check::V1, Check::V5]) =>
        {
            Established::Election(Box::new(Election {
                manifested,
                base_hash,
                joint_key,
                trustees: p.trustees,
                threshold: p.threshold,
            }))
        }
        (manifested, _, _) => manifested.into(),
    }
}

/// V3.
pub(crate) fn check_credentials(
    dir: &Path,
    e: &Manifested,
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
