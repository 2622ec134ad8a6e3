//! The election record: a directory of files (spec: record.md).
//!
//! | file | content |
//! |---|---|
//! | `manifest.json` | the manifest (record.md §2) |
//! | `parameters.json` | `n`, `t`, bound, hashes, joint key, base hash (record.md §3) |
//! | `ceremony.json` | announcements, encrypted shares, complaints, public shares (record.md §6) |
//! | `credentials.jsonl` | one public credential per line (record.md §4) |
//! | `board.jsonl` | one accepted ballot per line, hash-chained (record.md §5) |
//! | `board_seal.json` | count, last head, seal (record.md §5.5) |
//! | `tally.json` | the encrypted tally (record.md §7.1) |
//! | `decryption.json` | the trustees' decryption shares with proofs (record.md §7.2) |
//! | `result.json` | counts, elected candidates, turnout (record.md §7.4) |
//!
//! Everything binary is lower-case hex, except ballots, which are base64
//! (standard alphabet, padded) to keep a million-ballot board small. Lines
//! files stream: a reader never holds more than one line.

use std::io::{BufRead, Read, Write};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::board::Head;
use crate::elgamal::{DLOG_BOUND, EncodedCiphertext, PublicKey};
use crate::encoding::{Element, IdentityRule, decode_hex};
use crate::errors::{DecodeError, Error, Result};
use crate::manifest::Manifest;
use crate::proofs::{ChaumPedersenProof, SchnorrProof};
use crate::tally::{ContestTally, DecryptionShare, EncryptedTally, rank};
use crate::threshold::{Announcement, CeremonyTranscript, Complaint, Confirmation, EncryptedShare};

/// File names (record.md §1).
pub mod files {
    /// The manifest.
    pub const MANIFEST: &str = "manifest.json";
    /// Parameters and hashes.
    pub const PARAMETERS: &str = "parameters.json";
    /// The key ceremony.
    pub const CEREMONY: &str = "ceremony.json";
    /// Public credentials.
    pub const CREDENTIALS: &str = "credentials.jsonl";
    /// The board.
    pub const BOARD: &str = "board.jsonl";
    /// The board's seal.
    pub const BOARD_SEAL: &str = "board_seal.json";
    /// The encrypted tally.
    pub const TALLY: &str = "tally.json";
    /// Decryption shares.
    pub const DECRYPTION: &str = "decryption.json";
    /// The result.
    pub const RESULT: &str = "result.json";

    /// Mix step `step`'s output and proof for ranked contest `contest`
    /// (record.md §9.3).
    pub fn mix(contest: u32, step: u32) -> String {
        format!("mix-{contest}-{step}.bin")
    }

    /// Trustee `trustee`'s decryption of ranked contest `contest`'s last
    /// mix output (record.md §9.4).
    pub fn mix_decryption(contest: u32, trustee: u32) -> String {
        format!("mix-decryption-{contest}-{trustee}.bin")
    }
}

fn hex32(text: &str) -> Result<[u8; 32], DecodeError> {
    decode_hex(text)?
        .try_into()
        .map_err(|v: Vec<u8>| DecodeError::WrongLength {
            expected: 32,
            actual: v.len(),
        })
}

fn element(text: &str, identity: IdentityRule) -> Result<Element, DecodeError> {
    Element::from_hex(text, identity)
}

/// The election's base hash (record.md §3.1):
/// `SHA-256("valurna/base-hash/v1" ‖ manifest hash ‖ u32(n) ‖ u32(t) ‖
/// u64(bound) ‖ enc(K) ‖ credentials hash)`.
pub fn base_hash(
    manifest_hash: &[u8; 32],
    trustees: u32,
    threshold: u32,
    joint_key: &Element,
    credentials_hash: &[u8; 32],
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/base-hash/v1");
    h.update(manifest_hash);
    h.update(trustees.to_le_bytes());
    h.update(threshold.to_le_bytes());
    h.update(DLOG_BOUND.to_le_bytes());
    h.update(joint_key.as_bytes());
    h.update(credentials_hash);
    h.finalize().into()
}

/// `parameters.json` (record.md §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameters {
    /// Format version, 1.
    pub version: u32,
    /// `n`.
    pub trustees: u32,
    /// `t`.
    pub threshold: u32,
    /// The discrete-log bound, 2^32.
    pub dlog_bound: u64,
    /// SHA-256 of `manifest.json`.
    pub manifest_hash: String,
    /// SHA-256 of `credentials.jsonl`.
    pub credentials_hash: String,
    /// The joint election key `K`.
    pub joint_key: String,
    /// The base hash (recomputable from the fields above).
    pub base_hash: String,
}

impl Parameters {
    /// The joint key, strictly decoded.
    pub fn joint_key(&self) -> Result<PublicKey> {
        PublicKey::decode(&decode_hex(&self.joint_key)?)
    }

    /// The base hash recomputed from the other fields (not the stored one);
    /// also checks `version` and `dlog_bound`.
    pub fn computed_base_hash(&self) -> Result<[u8; 32]> {
        if self.version != 1 || self.dlog_bound != DLOG_BOUND {
            return Err(DecodeError::OutOfRange {
                field: "parameters version or dlog_bound",
            }
            .into());
        }
        Ok(base_hash(
            &hex32(&self.manifest_hash)?,
            self.trustees,
            self.threshold,
            self.joint_key()?.element(),
            &hex32(&self.credentials_hash)?,
        ))
    }
}

/// One line of `credentials.jsonl` (record.md §4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialLine {
    /// `enc(C)`.
    pub credential: String,
    /// The district the credential votes in.
    pub district: String,
    /// The voter's weight (1 unless the manifest is weighted).
    pub weight: u64,
}

impl CredentialLine {
    /// The credential, strictly decoded (identity forbidden).
    pub fn element(&self) -> Result<Element> {
        Ok(element(&self.credential, IdentityRule::Forbidden)?)
    }
}

/// One line of `board.jsonl` (record.md §5.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardLine {
    /// Position, from 0.
    pub position: u64,
    /// The ballot's tracker.
    pub tracker: String,
    /// The ballot's bytes, base64.
    pub ballot: String,
    /// The chain head after this entry.
    pub head: String,
}

impl BoardLine {
    /// Builds a line.
    pub fn new(position: u64, tracker: &[u8; 32], ballot: &[u8], head: &Head) -> Self {
        BoardLine {
            position,
            tracker: hex::encode(tracker),
            ballot: base64::engine::general_purpose::STANDARD.encode(ballot),
            head: hex::encode(head),
        }
    }

    /// The ballot's bytes.
    pub fn ballot_bytes(&self) -> Result<Vec<u8>> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.ballot)
            .map_err(|_| DecodeError::InvalidHex.into())
    }

    /// The stored tracker.
    pub fn tracker(&self) -> Result<[u8; 32]> {
        Ok(hex32(&self.tracker)?)
    }

    /// The stored head.
    pub fn head(&self) -> Result<Head> {
        Ok(hex32(&self.head)?)
    }
}

/// `board_seal.json` (record.md §5.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardSeal {
    /// Entries on the board.
    pub count: u64,
    /// The last head (the genesis value for an empty board).
    pub head: String,
    /// `SHA-256("valurna/board/v1/seal" ‖ head ‖ u64(count))`.
    pub seal: String,
}

impl BoardSeal {
    /// The seal's bytes.
    pub fn seal(&self) -> Result<[u8; 32]> {
        Ok(hex32(&self.seal)?)
    }
}

/// `ceremony.json` (record.md §6.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonyFile {
    /// The ceremony id (16 bytes, hex), part of the ceremony hash (§6.1).
    pub ceremony_id: String,
    /// Round 1.
    pub announcements: Vec<AnnouncementJson>,
    /// Round 2.
    pub shares: Vec<EncryptedShareJson>,
    /// Round 3.
    pub complaints: Vec<ComplaintJson>,
    /// Round 4.
    pub confirmations: Vec<ConfirmationJson>,
    /// `K_1 … K_n`.
    pub public_shares: Vec<String>,
}

/// A confirmation in `ceremony.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationJson {
    /// The trustee.
    pub index: u32,
    /// Schnorr proof of knowledge of its share for `K_index`.
    pub proof: String,
}

/// An announcement in `ceremony.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementJson {
    /// Trustee index.
    pub index: u32,
    /// `E_i`.
    pub communication_key: String,
    /// Its proof of knowledge.
    pub communication_proof: String,
    /// `C_{i,k}`.
    pub commitments: Vec<String>,
    /// Their proofs of knowledge.
    pub commitment_proofs: Vec<String>,
}

/// An encrypted share in `ceremony.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedShareJson {
    /// Dealer.
    pub from: u32,
    /// Recipient.
    pub to: u32,
    /// `R`.
    pub ephemeral: String,
    /// Proof of knowledge of `r`.
    pub ephemeral_proof: String,
    /// The encrypted share.
    pub ciphertext: String,
}

/// A complaint in `ceremony.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintJson {
    /// Who complains.
    pub accuser: u32,
    /// About whom.
    pub accused: u32,
    /// `S`.
    pub shared_secret: String,
    /// Chaum–Pedersen proof.
    pub proof: String,
}

impl CeremonyFile {
    /// From the engine's types.
    pub fn new(
        ceremony_id: &[u8; 16],
        transcript: &CeremonyTranscript,
        public_shares: &[Element],
    ) -> Self {
        CeremonyFile {
            ceremony_id: hex::encode(ceremony_id),
            announcements: transcript
                .announcements
                .iter()
                .map(|a| AnnouncementJson {
                    index: a.index,
                    communication_key: a.communication_key.to_hex(),
                    communication_proof: hex::encode(a.communication_proof.to_bytes()),
                    commitments: a.commitments.iter().map(Element::to_hex).collect(),
                    commitment_proofs: a
                        .commitment_proofs
                        .iter()
                        .map(|p| hex::encode(p.to_bytes()))
                        .collect(),
                })
                .collect(),
            shares: transcript
                .shares
                .iter()
                .map(|s| EncryptedShareJson {
                    from: s.from,
                    to: s.to,
                    ephemeral: s.ephemeral.to_hex(),
                    ephemeral_proof: hex::encode(s.ephemeral_proof.to_bytes()),
                    ciphertext: hex::encode(s.ciphertext),
                })
                .collect(),
            complaints: transcript
                .complaints
                .iter()
                .map(|c| ComplaintJson {
                    accuser: c.accuser,
                    accused: c.accused,
                    shared_secret: c.shared_secret.to_hex(),
                    proof: hex::encode(c.proof.to_bytes()),
                })
                .collect(),
            confirmations: transcript
                .confirmations
                .iter()
                .map(|c| ConfirmationJson {
                    index: c.index,
                    proof: hex::encode(c.proof.to_bytes()),
                })
                .collect(),
            public_shares: public_shares.iter().map(Element::to_hex).collect(),
        }
    }

    /// Back to the engine's types, strictly decoded.
    pub fn transcript(&self) -> Result<CeremonyTranscript> {
        let announcements = self
            .announcements
            .iter()
            .map(|a| {
                Ok(Announcement {
                    index: a.index,
                    communication_key: element(&a.communication_key, IdentityRule::Forbidden)?,
                    communication_proof: SchnorrProof::decode(&decode_hex(
                        &a.communication_proof,
                    )?)?,
                    commitments: a
                        .commitments
                        .iter()
                        .map(|c| element(c, IdentityRule::Forbidden))
                        .collect::<Result<_, _>>()?,
                    commitment_proofs: a
                        .commitment_proofs
                        .iter()
                        .map(|p| SchnorrProof::decode(&decode_hex(p)?))
                        .collect::<Result<_, _>>()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let shares = self
            .shares
            .iter()
            .map(|s| {
                Ok(EncryptedShare {
                    from: s.from,
                    to: s.to,
                    ephemeral: element(&s.ephemeral, IdentityRule::Forbidden)?,
                    ephemeral_proof: SchnorrProof::decode(&decode_hex(&s.ephemeral_proof)?)?,
                    ciphertext: hex32(&s.ciphertext)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let complaints = self
            .complaints
            .iter()
            .map(|c| {
                Ok(Complaint {
                    accuser: c.accuser,
                    accused: c.accused,
                    shared_secret: element(&c.shared_secret, IdentityRule::Forbidden)?,
                    proof: ChaumPedersenProof::decode(&decode_hex(&c.proof)?)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let confirmations = self
            .confirmations
            .iter()
            .map(|c| {
                Ok(Confirmation {
                    index: c.index,
                    proof: SchnorrProof::decode(&decode_hex(&c.proof)?)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CeremonyTranscript {
            announcements,
            shares,
            complaints,
            confirmations,
        })
    }

    /// The ceremony id.
    pub fn ceremony_id(&self) -> Result<[u8; 16]> {
        decode_hex(&self.ceremony_id)?
            .try_into()
            .map_err(|v: Vec<u8>| {
                DecodeError::WrongLength {
                    expected: 16,
                    actual: v.len(),
                }
                .into()
            })
    }

    /// The public shares, strictly decoded.
    pub fn public_shares(&self) -> Result<Vec<Element>> {
        Ok(self
            .public_shares
            .iter()
            .map(|s| element(s, IdentityRule::Forbidden))
            .collect::<Result<_, _>>()?)
    }
}

/// `tally.json` (record.md §7.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TallyFile {
    /// Per contest, by index.
    pub contests: Vec<ContestTallyJson>,
}

/// One contest in `tally.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestTallyJson {
    /// Counted ballots.
    pub ballots: u64,
    /// Their total weight.
    pub weight: u64,
    /// One ciphertext per candidate, `A ‖ B` in hex.
    pub ciphertexts: Vec<String>,
}

impl TallyFile {
    /// From the engine's type.
    pub fn new(tally: &EncryptedTally) -> Self {
        TallyFile {
            contests: tally
                .contests
                .iter()
                .map(|c| ContestTallyJson {
                    ballots: c.ballots,
                    weight: c.weight,
                    ciphertexts: c
                        .ciphertexts
                        .iter()
                        .map(|ct| hex::encode(ct.to_bytes()))
                        .collect(),
                })
                .collect(),
        }
    }

    /// Back, strictly decoded (an empty contest's sum is the identity).
    pub fn tally(&self) -> Result<EncryptedTally> {
        Ok(EncryptedTally {
            contests: self
                .contests
                .iter()
                .map(|c| {
                    Ok(ContestTally {
                        ballots: c.ballots,
                        weight: c.weight,
                        ciphertexts: c
                            .ciphertexts
                            .iter()
                            .map(|h| {
                                EncodedCiphertext::decode(&decode_hex(h)?, IdentityRule::Allowed)
                            })
                            .collect::<Result<_, _>>()?,
                    })
                })
                .collect::<Result<_>>()?,
        })
    }
}

/// `decryption.json` (record.md §7.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecryptionFile {
    /// One per participating trustee.
    pub shares: Vec<DecryptionShareJson>,
}

/// One trustee's share in `decryption.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecryptionShareJson {
    /// The trustee.
    pub trustee: u32,
    /// `[contest][candidate]`.
    pub partials: Vec<Vec<PartialJson>>,
}

/// One partial decryption with its proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialJson {
    /// `D = s_j·A`.
    pub partial: String,
    /// Chaum–Pedersen proof.
    pub proof: String,
}

impl DecryptionFile {
    /// From the engine's type.
    pub fn new(shares: &[DecryptionShare]) -> Self {
        DecryptionFile {
            shares: shares
                .iter()
                .map(|s| DecryptionShareJson {
                    trustee: s.trustee,
                    partials: s
                        .partials
                        .iter()
                        .map(|row| {
                            row.iter()
                                .map(|(d, p)| PartialJson {
                                    partial: d.to_hex(),
                                    proof: hex::encode(p.to_bytes()),
                                })
                                .collect()
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// Back, strictly decoded.
    pub fn shares(&self) -> Result<Vec<DecryptionShare>> {
        self.shares
            .iter()
            .map(|s| {
                Ok(DecryptionShare {
                    trustee: s.trustee,
                    partials: s
                        .partials
                        .iter()
                        .map(|row| {
                            row.iter()
                                .map(|p| {
                                    Ok((
                                        element(&p.partial, IdentityRule::Allowed)?,
                                        ChaumPedersenProof::decode(&decode_hex(&p.proof)?)?,
                                    ))
                                })
                                .collect::<Result<_>>()
                        })
                        .collect::<Result<_>>()?,
                })
            })
            .collect()
    }
}

/// `result.json` (record.md §7.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultFile {
    /// Per contest, by index.
    pub contests: Vec<ContestResult>,
    /// Participation.
    pub turnout: Turnout,
}

/// One contest's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestResult {
    /// The contest's id.
    pub contest: String,
    /// Votes per candidate, in ballot order (weighted).
    pub counts: Vec<u64>,
    /// Elected candidates' ids, in rank order.
    pub elected: Vec<String>,
    /// Whether the lot decided the last seat.
    pub decided_by_lot: bool,
    /// A ranked contest's count (record.md §9.5).
    #[serde(
        default,
        deserialize_with = "crate::manifest::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub ranked: Option<RankedResult>,
}

/// A ranked contest's count in `result.json` (record.md §9.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankedResult {
    /// `stv` or `schulze`.
    pub method: String,
    /// Items decrypted from the mix (counted ballots).
    pub ballots: u64,
    /// Rankings that repeat a candidate (counting.md §1.1).
    pub invalid: u64,
    /// Rankings with no preference.
    pub empty: u64,
    /// STV: the quota, in 10^-5 units.
    #[serde(
        default,
        deserialize_with = "crate::manifest::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub quota: Option<u64>,
    /// STV: per stage, every candidate's votes then the non-transferable
    /// ones, in 10^-5 units.
    #[serde(
        default,
        deserialize_with = "crate::manifest::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub stages: Option<Vec<Vec<u64>>>,
    /// Schulze: the candidates' ids, best first.
    #[serde(
        default,
        deserialize_with = "crate::manifest::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub ranking: Option<Vec<String>>,
}

/// Counts a ranked contest's decrypted rankings (0-based candidates) with
/// its method and the lot seeded from the seal (record.md §9.5,
/// counting.md §1.3).
pub fn ranked_result(
    contest: &crate::manifest::Contest,
    index: u32,
    rankings: &[Vec<u32>],
    seal: &[u8; 32],
) -> Result<ContestResult> {
    use crate::count::{contest_seed, schulze, stv};
    let m = contest.candidates.len() as u32;
    let seed = contest_seed(seal, index);
    let ids = |list: &[u32]| -> Vec<String> {
        list.iter()
            .filter_map(|&k| contest.candidates.get(k as usize).map(|c| c.id.clone()))
            .collect()
    };
    let valid = |r: &Vec<u32>| {
        let mut seen = std::collections::BTreeSet::new();
        !r.is_empty() && r.iter().all(|&k| k < m && seen.insert(k))
    };
    let mut counts = vec![0u64; m as usize];
    for r in rankings.iter().filter(|r| valid(r)) {
        if let Some(c) = r.first().and_then(|&k| counts.get_mut(k as usize)) {
            *c += 1;
        }
    }
    let ballots = rankings.len() as u64;
    Ok(match contest.method.as_deref() {
        Some("schulze") => {
            let r = schulze(m, contest.seats, rankings, &seed)?;
            ContestResult {
                contest: contest.id.clone(),
                counts,
                elected: ids(&r.elected),
                decided_by_lot: r.decided_by_lot,
                ranked: Some(RankedResult {
                    method: "schulze".into(),
                    ballots,
                    invalid: r.invalid,
                    empty: r.empty,
                    quota: None,
                    stages: None,
                    ranking: Some(ids(&r.ranking)),
                }),
            }
        }
        _ => {
            let r = stv(m, contest.seats, rankings, &seed)?;
            ContestResult {
                contest: contest.id.clone(),
                counts,
                elected: ids(&r.elected),
                decided_by_lot: r.decided_by_lot,
                ranked: Some(RankedResult {
                    method: "stv".into(),
                    ballots,
                    invalid: r.invalid,
                    empty: r.empty,
                    quota: Some(r.quota),
                    stages: Some(
                        r.stages
                            .iter()
                            .map(|s| {
                                let mut row = s.votes.clone();
                                row.push(s.non_transferable);
                                row
                            })
                            .collect(),
                    ),
                    ranking: None,
                }),
            }
        }
    })
}

/// Every contest's result from its counts: candidates ranked by votes, ties
/// by the lot of `seal`, the first `seats` elected (record.md §7.4).
pub fn contest_results(
    manifest: &Manifest,
    counts: &[Vec<u64>],
    seal: &[u8; 32],
) -> Vec<ContestResult> {
    manifest
        .contests
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(i, (contest, c))| {
            let (order, by_lot) = rank(seal, i as u32, c, contest.seats);
            ContestResult {
                contest: contest.id.clone(),
                counts: c.clone(),
                elected: order
                    .iter()
                    .take(contest.seats as usize)
                    .filter_map(|&k| contest.candidates.get(k).map(|c| c.id.clone()))
                    .collect(),
                decided_by_lot: by_lot,
                ranked: None,
            }
        })
        .collect()
}

/// Participation figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turnout {
    /// Listed credentials.
    pub eligible: u64,
    /// Ballots on the board (revotes included).
    pub board_entries: u64,
    /// Ballots counted (one per credential that voted).
    pub counted: u64,
}

/// SHA-256 of a file's bytes, streamed.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<[u8; 32]> {
    let mut file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(h.finalize().into())
}

/// Writes a JSON file: pretty, with a final newline.
pub fn write_json<T: Serialize>(path: &std::path::Path, value: &T) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    std::fs::write(path, bytes)
}

/// Reads a JSON file into `T`, strictly (unknown fields are errors).
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &std::path::Path) -> Result<T> {
    let file = std::fs::File::open(path)
        .map_err(|_| Error::InvalidStatement("a record file is missing or unreadable"))?;
    let mut bytes = Vec::new();
    file.take(MAX_JSON_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| Error::InvalidStatement("a record file is missing or unreadable"))?;
    if bytes.len() as u64 > MAX_JSON_FILE {
        return Err(Error::InvalidStatement(
            "a record file is larger than 256 MiB",
        ));
    }
    serde_json::from_slice(&bytes)
        .map_err(|_| Error::InvalidStatement("a record file is not valid JSON of its kind"))
}

/// Largest JSON (not JSON Lines) file a reader accepts (record.md §1).
pub const MAX_JSON_FILE: u64 = 256 << 20;

/// Writes one JSON line.
pub fn write_line<T: Serialize, W: Write>(out: &mut W, value: &T) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// Longest line a lines file may have (record.md §1): a bound for readers of
/// untrusted records.
pub const MAX_LINE: usize = 4 << 20;

/// Streams the lines of a JSON Lines file as `T`, one at a time.
#[derive(Debug)]
pub struct LinesReader<R> {
    input: R,
    buffer: Vec<u8>,
    line: u64,
    /// Bytes consumed so far.
    consumed: u64,
    /// Where the last line returned started.
    line_start: u64,
}

impl<R: BufRead> LinesReader<R> {
    /// Reads from `input`.
    pub fn new(input: R) -> Self {
        LinesReader {
            input,
            buffer: Vec::new(),
            line: 0,
            consumed: 0,
            line_start: 0,
        }
    }

    /// The byte offset at which the last line returned started (to seek
    /// back to it later).
    pub fn line_offset(&self) -> u64 {
        self.line_start
    }

    /// The next value, `None` at the end; errors name the 1-based line.
    pub fn next_value<T: for<'de> Deserialize<'de>>(&mut self) -> Option<Result<T, LineError>> {
        self.buffer.clear();
        self.line += 1;
        self.line_start = self.consumed;
        let mut limited = (&mut self.input).take(MAX_LINE as u64 + 1);
        let read = limited.read_until(b'\n', &mut self.buffer);
        if let Ok(n) = read {
            self.consumed += n as u64;
        }
        match read {
            Ok(0) => None,
            Ok(_) if self.buffer.len() > MAX_LINE => Some(Err(LineError {
                line: self.line,
                reason: "line too long",
            })),
            Ok(_) if self.buffer.last() != Some(&b'\n') => Some(Err(LineError {
                line: self.line,
                reason: "the last line does not end in a newline",
            })),
            Ok(_) => Some(serde_json::from_slice(&self.buffer).map_err(|_| LineError {
                line: self.line,
                reason: "not a valid JSON line of its kind",
            })),
            Err(_) => Some(Err(LineError {
                line: self.line,
                reason: "read error",
            })),
        }
    }
}

/// A bad line in a lines file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: u64,
    /// What is wrong.
    pub reason: &'static str,
}

impl core::fmt::Display for LineError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Regression (fuzz target `verifier_record`): optional fields of
    /// `result.json` read `null` as absent, where record.md §1 and the
    /// verifier refuse it.
    #[test]
    fn optional_result_fields_may_be_absent_but_not_null() {
        let result = |ranked: &str| {
            format!(
                r#"{{"contests":[{{"contest":"c","counts":[1],"elected":["x"],"decided_by_lot":false{ranked}}}],"turnout":{{"eligible":1,"board_entries":1,"counted":1}}}}"#
            )
        };
        let read = |text: String| serde_json::from_str::<ResultFile>(&text);
        assert!(read(result("")).is_ok());
        let schulze =
            r#","ranked":{"method":"schulze","ballots":1,"invalid":0,"empty":0,"ranking":["x"]}"#;
        assert!(read(result(schulze)).unwrap().contests[0].ranked.is_some());
        assert!(read(result(r#","ranked":null"#)).is_err());
        for field in ["quota", "stages", "ranking"] {
            let ranked = format!(
                r#","ranked":{{"method":"schulze","ballots":1,"invalid":0,"empty":0,"{field}":null}}"#
            );
            assert!(read(result(&ranked)).is_err(), "{field}");
        }
    }
}
