//! Valurna's voting booth for the browser: the engine compiled to
//! WebAssembly (`wasm32-unknown-unknown`, through wasm-bindgen), so that a
//! member's choices are encrypted and proven **on their own device**; the
//! server only ever sees the ballot (spec/record.md §5).
//!
//! The page (`web/static/booth.js`) drives one [`Booth`] per voting code:
//!
//! 1. [`Booth::new`] takes the election's `manifest.json` and
//!    `parameters.json` exactly as served, checks that the parameters name
//!    this manifest (record.md §3), recomputes the base hash, and derives
//!    the credential from the voting code (record.md §4.1). Its
//!    [`Booth::credential`] is the public credential, which the page sends
//!    to learn the member's district.
//! 2. [`Booth::encrypt`] encrypts the member's choices for the district's
//!    contests, with every proof and the credential's signature, and keeps
//!    the nonces.
//! 3. The member then either casts [`Booth::ballot`] (the nonces are
//!    dropped) or audits it: [`Booth::audit`] reveals the choices and
//!    nonces (record.md §5.4) and drops the ballot, which can then never
//!    be cast. [`check_audit`] is the check anyone can run on what an
//!    audit revealed.
//! 4. [`check_receipt`] checks the ballot box's signed receipt
//!    (record.md §5.7).
//!
//! Every function has a plain Rust form (tested natively) and a
//! `#[wasm_bindgen]` wrapper; errors reach JavaScript as `Error` objects
//! with a message.

pub mod tally;
pub mod trustee;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use valurna_engine::ballot::{Ballot, BallotContext, BallotSecrets, check_audit as engine_audit};
use valurna_engine::board::Receipt;
use valurna_engine::credential::{CredentialSecret, VotingCode};
use valurna_engine::elgamal::Nonce;
use valurna_engine::encoding::{Element, IdentityRule, decode_hex};
use valurna_engine::manifest::{Manifest, manifest_hash};
use valurna_engine::proofs::schnorr::SchnorrProof;
use valurna_engine::record::Parameters;
use wasm_bindgen::prelude::*;

/// What can go wrong in the booth; the message is shown to the member.
#[derive(Debug, thiserror::Error)]
pub enum BoothError {
    /// The election's files do not decode or do not belong together.
    #[error("the election's files are damaged or do not belong together: {0}")]
    Election(&'static str),
    /// The voting code is not one.
    #[error("that is not a voting code")]
    Code,
    /// The choices do not fit the ballot.
    #[error("the choices do not fit the ballot: {0}")]
    Choices(String),
    /// No ballot is waiting (already cast or audited).
    #[error("there is no sealed ballot; make your choices again")]
    NoBallot,
    /// An audit or receipt does not check.
    #[error("{0}")]
    Check(String),
}

impl From<BoothError> for JsValue {
    fn from(e: BoothError) -> JsValue {
        JsError::new(&e.to_string()).into()
    }
}

/// The election as the booth needs it.
fn election(manifest: &[u8], parameters: &[u8]) -> Result<(Manifest, BallotContext), BoothError> {
    let m = Manifest::from_json(manifest).map_err(|_| BoothError::Election("manifest"))?;
    let p: Parameters =
        serde_json::from_slice(parameters).map_err(|_| BoothError::Election("parameters"))?;
    if p.manifest_hash != hex::encode(manifest_hash(manifest)) {
        return Err(BoothError::Election(
            "the parameters are for another manifest",
        ));
    }
    let base_hash = p
        .computed_base_hash()
        .map_err(|_| BoothError::Election("parameters"))?;
    if p.base_hash != hex::encode(base_hash) {
        return Err(BoothError::Election("the base hash does not recompute"));
    }
    let key = p
        .joint_key()
        .map_err(|_| BoothError::Election("joint key"))?;
    let ctx = BallotContext {
        base_hash,
        key,
        shapes: m.contests.iter().map(|c| c.shape()).collect(),
        preferences: m.preferences(),
    };
    Ok((m, ctx))
}

/// Whether `indices` (increasing, one per contest) are exactly the
/// contests of one district of `m` (record.md §5.1).
fn one_district(m: &Manifest, indices: &[u32]) -> bool {
    let Some(first) = indices.first().and_then(|i| m.contests.get(*i as usize)) else {
        return false;
    };
    let expected: Vec<u32> = m
        .contests_of(&first.district)
        .into_iter()
        .map(|i| i as u32)
        .collect();
    expected == indices
}

/// One contest's choice as the page sends it: the contest's index in the
/// manifest and the indices of the chosen candidates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// The contest's index in the manifest.
    pub contest: u32,
    /// Chosen candidates' indices.
    pub selected: Vec<u32>,
}

/// A ballot sealed on the device.
#[derive(Debug, Clone, Serialize)]
pub struct Sealed {
    /// The tracker, 64 hex digits (record.md §5.3).
    pub tracker: String,
    /// Its short form, `XXXX-XXXX-XXXX`.
    pub short_tracker: String,
    /// The ballot's bytes, base64, as `POST …/ballots` takes them.
    pub ballot: String,
}

/// What an audit reveals (record.md §5.4), as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditJson {
    /// The ballot's bytes, base64.
    pub ballot: String,
    /// Its tracker, hex.
    pub tracker: String,
    /// Per contest entry: its index, the chosen bits and their nonces.
    pub contests: Vec<AuditContest>,
}

/// One contest entry of an audit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditContest {
    /// The contest's index.
    pub contest: u32,
    /// One bit per candidate.
    pub choices: Vec<bool>,
    /// One nonce per candidate, hex.
    pub nonces: Vec<String>,
}

/// The booth for one voting code in one election.
#[wasm_bindgen]
pub struct Booth {
    manifest: Manifest,
    ctx: BallotContext,
    credential: CredentialSecret,
    public: Element,
    sealed: Option<(Ballot, BallotSecrets, Vec<u8>)>,
}

impl std::fmt::Debug for Booth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Booth({})", self.public.to_hex())
    }
}

impl Booth {
    /// Opens the booth (see the module docs).
    pub fn open(manifest: &[u8], parameters: &[u8], code: &str) -> Result<Booth, BoothError> {
        let (manifest_obj, ctx) = election(manifest, parameters)?;
        let code = VotingCode::parse(code).map_err(|_| BoothError::Code)?;
        let credential = code.secret(&manifest_hash(manifest));
        let public = credential.public();
        Ok(Booth {
            manifest: manifest_obj,
            ctx,
            credential,
            public,
            sealed: None,
        })
    }

    /// Encrypts `choices` with fresh randomness from the operating system
    /// (the browser's `crypto.getRandomValues`).
    pub fn seal(&mut self, choices: &[Choice]) -> Result<Sealed, BoothError> {
        let mut bits: Vec<(u32, Vec<bool>)> = Vec::with_capacity(choices.len());
        let mut previous: Option<u32> = None;
        for choice in choices {
            let contest = self
                .manifest
                .contests
                .get(choice.contest as usize)
                .ok_or_else(|| BoothError::Choices("no such contest".into()))?;
            if contest.is_ranked() {
                return Err(BoothError::Choices(
                    "ranked contests are not voted in the browser booth".into(),
                ));
            }
            if previous.is_some_and(|p| p >= choice.contest) {
                return Err(BoothError::Choices("contests out of order".into()));
            }
            previous = Some(choice.contest);
            let mut row = vec![false; contest.candidates.len()];
            for &s in &choice.selected {
                let slot = row
                    .get_mut(s as usize)
                    .ok_or_else(|| BoothError::Choices("no such candidate".into()))?;
                if *slot {
                    return Err(BoothError::Choices("a candidate chosen twice".into()));
                }
                *slot = true;
            }
            let n = choice.selected.len() as u64;
            if n < contest.min_selections || n > contest.max_selections {
                return Err(BoothError::Choices(format!(
                    "{}: choose from {} to {}",
                    contest.title, contest.min_selections, contest.max_selections
                )));
            }
            bits.push((choice.contest, row));
        }
        let indices: Vec<u32> = bits.iter().map(|(i, _)| *i).collect();
        if !one_district(&self.manifest, &indices) {
            return Err(BoothError::Choices(
                "a ballot holds exactly the contests of one district".into(),
            ));
        }
        let mut rng = valurna_engine::rng::os_rng();
        let (ballot, secrets) = Ballot::encrypt(&self.ctx, &self.credential, &bits, &mut rng)
            .map_err(|e| BoothError::Choices(e.to_string()))?;
        let bytes = ballot.to_bytes();
        let tracker = Ballot::tracker(&bytes);
        let sealed = Sealed {
            tracker: hex::encode(tracker),
            short_tracker: valurna_engine::ballot::short_tracker(&tracker),
            ballot: base64::engine::general_purpose::STANDARD.encode(&bytes),
        };
        self.sealed = Some((ballot, secrets, bytes));
        Ok(sealed)
    }

    /// Reveals the sealed ballot's choices and nonces and forgets it.
    pub fn reveal(&mut self) -> Result<AuditJson, BoothError> {
        let (_, secrets, bytes) = self.sealed.take().ok_or(BoothError::NoBallot)?;
        Ok(AuditJson {
            tracker: hex::encode(Ballot::tracker(&bytes)),
            ballot: base64::engine::general_purpose::STANDARD.encode(&bytes),
            contests: secrets
                .choices
                .iter()
                .zip(&secrets.nonces)
                .map(|((contest, choices), nonces)| AuditContest {
                    contest: *contest,
                    choices: choices.clone(),
                    nonces: nonces.iter().map(|n| hex::encode(n.to_bytes())).collect(),
                })
                .collect(),
        })
    }
}

#[wasm_bindgen]
impl Booth {
    /// Opens the booth for `code` in the election of `manifest` (bytes of
    /// `manifest.json`) and `parameters` (bytes of `parameters.json`).
    #[wasm_bindgen(constructor)]
    pub fn new(manifest: &[u8], parameters: &[u8], code: &str) -> Result<Booth, JsValue> {
        Ok(Booth::open(manifest, parameters, code)?)
    }

    /// The public credential, hex: the page asks the ballot box for its
    /// district with it.
    #[wasm_bindgen(getter)]
    pub fn credential(&self) -> String {
        self.public.to_hex()
    }

    /// Encrypts the choices, a JSON array of `{"contest": i, "selected":
    /// [j, …]}` with contests in increasing order. Answers JSON
    /// `{"tracker", "short_tracker", "ballot"}`.
    pub fn encrypt(&mut self, choices: &str) -> Result<String, JsValue> {
        let choices: Vec<Choice> = serde_json::from_str(choices)
            .map_err(|e| BoothError::Choices(format!("not a list of choices: {e}")))?;
        let sealed = self.seal(&choices)?;
        serde_json::to_string(&sealed).map_err(|e| BoothError::Check(e.to_string()).into())
    }

    /// The sealed ballot's bytes in base64, to cast; forgets the nonces.
    pub fn ballot(&mut self) -> Result<String, JsValue> {
        let (_, _, bytes) = self.sealed.take().ok_or(BoothError::NoBallot)?;
        Ok(base64::engine::general_purpose::STANDARD.encode(&bytes))
    }

    /// Audits the sealed ballot: answers what the audit reveals as JSON
    /// (record.md §5.4). The ballot is forgotten and cannot be cast.
    pub fn audit(&mut self) -> Result<String, JsValue> {
        let audit = self.reveal()?;
        serde_json::to_string(&audit).map_err(|e| BoothError::Check(e.to_string()).into())
    }
}

/// Checks an audit file (record.md §5.4): the ballot decodes for the
/// election, its tracker is the one shown, every revealed nonce opens its
/// ciphertext to the revealed choice, and its proofs verify. Answers the chosen candidates' names
/// per contest title, for the member to compare with what they chose.
pub fn audit_check(
    manifest: &[u8],
    parameters: &[u8],
    audit: &AuditJson,
) -> Result<Vec<(String, Vec<String>)>, BoothError> {
    let (m, ctx) = election(manifest, parameters)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&audit.ballot)
        .map_err(|_| BoothError::Check("the ballot is not base64".into()))?;
    if hex::encode(Ballot::tracker(&bytes)) != audit.tracker {
        return Err(BoothError::Check("the tracker is not this ballot's".into()));
    }
    let ballot = Ballot::decode(&bytes, &ctx)
        .map_err(|e| BoothError::Check(format!("the ballot does not decode: {e}")))?;
    if !one_district(
        &m,
        &ballot.contests.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
    ) {
        return Err(BoothError::Check(
            "the ballot's contests are not exactly the contests of one district".into(),
        ));
    }
    let mut nonces = Vec::with_capacity(audit.contests.len());
    for c in &audit.contests {
        let row = c
            .nonces
            .iter()
            .map(|n| decode_hex(n).ok().and_then(|b| Nonce::decode(&b).ok()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| BoothError::Check("a nonce does not decode".into()))?;
        nonces.push(row);
    }
    let secrets = BallotSecrets {
        choices: audit
            .contests
            .iter()
            .map(|c| (c.contest, c.choices.clone()))
            .collect(),
        nonces,
    };
    engine_audit(&ballot, &ctx, &secrets).map_err(|e| BoothError::Check(e.to_string()))?;
    // Condition 5: the signature and every proof verify (the contests are
    // the ballot's own: whether they are the credential's district's is
    // the ballot box's check, not the audit's).
    let indices: Vec<u32> = ballot.contests.iter().map(|(i, _)| *i).collect();
    ballot
        .verify(&ctx, &indices)
        .map_err(|e| BoothError::Check(format!("the ballot's proofs do not verify: {e}")))?;
    Ok(audit
        .contests
        .iter()
        .map(|c| {
            let contest = m.contests.get(c.contest as usize);
            let names = c
                .choices
                .iter()
                .enumerate()
                .filter(|(_, b)| **b)
                .filter_map(|(i, _)| contest.and_then(|k| k.candidates.get(i)))
                .map(|k| k.name.clone())
                .collect();
            (contest.map_or_else(String::new, |k| k.title.clone()), names)
        })
        .collect())
}

/// [`audit_check`] for the page: `audit` is the JSON [`Booth::audit`]
/// gave. Answers JSON `[[contest title, [chosen names…]], …]`.
#[wasm_bindgen]
pub fn check_audit(manifest: &[u8], parameters: &[u8], audit: &str) -> Result<String, JsValue> {
    let audit: AuditJson =
        serde_json::from_str(audit).map_err(|e| BoothError::Check(format!("not an audit: {e}")))?;
    let names = audit_check(manifest, parameters, &audit)?;
    serde_json::to_string(&names).map_err(|e| BoothError::Check(e.to_string()).into())
}

/// A receipt as the ballot box sends it (record.md §5.7).
#[derive(Debug, Clone, Deserialize)]
pub struct ReceiptJson {
    /// Board position.
    pub position: u64,
    /// Tracker, hex.
    pub tracker: String,
    /// Chain head after the entry, hex.
    pub head: String,
    /// The ballot box's receipt key, hex.
    pub server_key: String,
    /// The signature, hex.
    pub signature: String,
}

/// Checks a receipt's signature for the election of `parameters`, and
/// that it is for the ballot with `tracker`.
pub fn receipt_check(
    parameters: &[u8],
    receipt: &ReceiptJson,
    tracker: &str,
) -> Result<(), BoothError> {
    let bad = |what: &str| BoothError::Check(format!("the receipt is not valid: {what}"));
    let p: Parameters = serde_json::from_slice(parameters).map_err(|_| bad("parameters"))?;
    let base_hash = p.computed_base_hash().map_err(|_| bad("parameters"))?;
    if receipt.tracker != tracker {
        return Err(bad("it is for another ballot"));
    }
    let hex32 = |s: &str| -> Option<[u8; 32]> { decode_hex(s).ok()?.try_into().ok() };
    let r = Receipt {
        position: receipt.position,
        tracker: hex32(&receipt.tracker).ok_or_else(|| bad("tracker"))?,
        head: hex32(&receipt.head).ok_or_else(|| bad("head"))?,
    };
    let key =
        Element::from_hex(&receipt.server_key, IdentityRule::Forbidden).map_err(|_| bad("key"))?;
    let signature = decode_hex(&receipt.signature)
        .ok()
        .and_then(|b| SchnorrProof::decode(&b).ok())
        .ok_or_else(|| bad("signature encoding"))?;
    r.verify(&base_hash, &key, &signature)
        .map_err(|_| bad("signature"))
}

/// [`receipt_check`] for the page (`receipt` is the JSON of the cast
/// answer).
#[wasm_bindgen]
pub fn check_receipt(parameters: &[u8], receipt: &str, tracker: &str) -> Result<(), JsValue> {
    let receipt: ReceiptJson = serde_json::from_str(receipt)
        .map_err(|e| BoothError::Check(format!("not a receipt: {e}")))?;
    Ok(receipt_check(parameters, &receipt, tracker)?)
}

#[cfg(test)]
mod tests;
