//! An election's set-up files, checked: the manifest, parameters, key
//! ceremony and credential list (record.md §2–§4, §6). Sans-IO: the files
//! come as bytes, from a record directory (the trustees' and committee's
//! commands) or from the server (the trustee page's decryption).

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::Error;
use crate::manifest::{Manifest, manifest_hash};
use crate::record::{CeremonyFile, CredentialLine, LinesReader, Parameters};
use crate::threshold::{CeremonyOutcome, CeremonyParams, finish as finish_ceremony};

/// Why a record does not check out: what failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SetupError {
    /// A check of the record failed (named).
    #[error("{0}")]
    Bad(String),
    /// The engine refused a part of it.
    #[error(transparent)]
    Engine(#[from] Error),
}

impl From<crate::DecodeError> for SetupError {
    fn from(e: crate::DecodeError) -> Self {
        SetupError::Engine(e.into())
    }
}

/// A failed check, named.
pub fn bad(what: impl Into<String>) -> SetupError {
    SetupError::Bad(what.into())
}

/// What an election is before any ballot: its manifest, parameters, key
/// ceremony and credential list, checked (record.md §2–§4, §6).
#[derive(Debug)]
pub struct Setup {
    /// The manifest.
    pub manifest: Manifest,
    /// `manifest.json`, byte for byte.
    pub manifest_bytes: Vec<u8>,
    /// `parameters.json`, byte for byte.
    pub parameters_bytes: Vec<u8>,
    /// `ceremony.json`, byte for byte.
    pub ceremony_bytes: Vec<u8>,
    /// `credentials.jsonl`, byte for byte (its hash is in the base hash).
    pub credentials_bytes: Vec<u8>,
    /// The parameters.
    pub parameters: Parameters,
    /// The base hash, recomputed.
    pub base_hash: [u8; 32],
    /// The ceremony's outcome, recomputed.
    pub ceremony: CeremonyOutcome,
    /// `ceremony.json`.
    pub ceremony_file: CeremonyFile,
    /// Credential → (the contests of its district, weight).
    pub listed: HashMap<[u8; 32], (Vec<u32>, u64)>,
    /// The credential lines in file order.
    pub credentials: Vec<CredentialLine>,
}

/// Checks an election's set-up files (`manifest.json`, `parameters.json`,
/// `ceremony.json`, `credentials.jsonl`, as bytes): the manifest and
/// credential hashes and the base hash; the ceremony and the joint key;
/// the credential list (sorted, distinct, valid districts and weights).
/// What is checked is what is returned.
pub fn check_setup(
    manifest_bytes: Vec<u8>,
    parameters_bytes: Vec<u8>,
    ceremony_bytes: Vec<u8>,
    credentials_bytes: Vec<u8>,
) -> Result<Setup, SetupError> {
    let manifest = Manifest::from_json(&manifest_bytes)?;
    let m_hash = manifest_hash(&manifest_bytes);
    let parameters: Parameters =
        serde_json::from_slice(&parameters_bytes).map_err(|_| bad("parameters.json"))?;
    if parameters.manifest_hash != hex::encode(m_hash) {
        return Err(bad("the manifest hash"));
    }
    if parameters.credentials_hash != hex::encode(Sha256::digest(&credentials_bytes)) {
        return Err(bad("the credentials hash"));
    }
    let base_hash = parameters.computed_base_hash()?;
    if parameters.base_hash != hex::encode(base_hash) {
        return Err(bad("the base hash"));
    }
    let ceremony_file: CeremonyFile =
        serde_json::from_slice(&ceremony_bytes).map_err(|_| bad("ceremony.json"))?;
    let cparams = CeremonyParams {
        manifest_hash: m_hash,
        ceremony_id: ceremony_file.ceremony_id()?,
        trustees: parameters.trustees,
        threshold: parameters.threshold,
    };
    let ceremony = finish_ceremony(&cparams, &ceremony_file.transcript()?)?;
    if ceremony.joint_key != parameters.joint_key()?
        || ceremony.public_shares != ceremony_file.public_shares()?
    {
        return Err(bad("the joint key or public shares"));
    }

    let districts: HashMap<&str, Vec<u32>> = manifest
        .contests
        .iter()
        .map(|c| {
            (
                c.district.as_str(),
                manifest
                    .contests_of(&c.district)
                    .into_iter()
                    .map(|i| i as u32)
                    .collect(),
            )
        })
        .collect();
    let mut listed: HashMap<[u8; 32], (Vec<u32>, u64)> = HashMap::new();
    let mut credentials = Vec::new();
    let mut lines = LinesReader::new(credentials_bytes.as_slice());
    let mut previous = String::new();
    while let Some(line) = lines.next_value::<CredentialLine>() {
        let line = line.map_err(|e| bad(format!("credentials.jsonl {e}")))?;
        if line.credential <= previous {
            return Err(bad("credentials.jsonl is not sorted and distinct"));
        }
        previous.clone_from(&line.credential);
        let contests = districts
            .get(line.district.as_str())
            .ok_or_else(|| bad("a credential's district"))?;
        if line.weight == 0 || (!manifest.weighted && line.weight != 1) {
            return Err(bad("a credential's weight"));
        }
        listed.insert(*line.element()?.as_bytes(), (contests.clone(), line.weight));
        credentials.push(line);
    }
    Ok(Setup {
        manifest,
        manifest_bytes,
        parameters_bytes,
        ceremony_bytes,
        credentials_bytes,
        parameters,
        base_hash,
        ceremony,
        ceremony_file,
        listed,
        credentials,
    })
}
