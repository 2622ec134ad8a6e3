//! The trustees' and the committee's commands, through files, so that each
//! trustee can run their part on their own machine (spec: record.md §6,
//! §7).
//!
//! Key ceremony, in a directory the trustees share (a USB stick, a shared
//! folder; everything in it is public):
//!
//! ```text
//! valurna ceremony init --manifest manifest.json --trustees 3 --threshold 2 --dir C
//! valurna trustee announce --dir C --index 1 --secret trustee1.secret   (each trustee)
//! valurna trustee deal     --dir C --secret trustee1.secret            (each trustee)
//! valurna trustee receive  --dir C --secret trustee1.secret --share trustee1.share
//! valurna ceremony finish  --dir C                                      (anyone)
//! ```
//!
//! Every file a trustee publishes carries its index in its name
//! (`announcement-1.json`, `shares-from-1.json`, `complaints-from-1.json`,
//! `confirmation-1.json`); a file whose content claims another sender is
//! refused, so no trustee can put words in another's mouth.
//!
//! Tally, on a record whose `tally.json` and `board_seal.json` exist. Before
//! decrypting anything, a trustee's tool re-checks the whole record (hashes,
//! ceremony, credentials, the board's chain, seal and every ballot, the
//! counted set) and recomputes the tally: a trustee never decrypts a
//! ciphertext that is not the tally of the board.
//!
//! ```text
//! valurna trustee decrypt --record R --share trustee1.share   (t trustees)
//! valurna tally finish    --record R                          (anyone)
//! ```
//!
//! Secret files (`*.secret`, `*.share`) are created readable by their owner
//! only and never leave the trustee's machine.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use rand_core::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use valurna_engine::ballot::{Ballot, BallotContext, verify_ballots};
use valurna_engine::board::{Board, CountedSet};
use valurna_engine::elgamal::{DlogTable, SecretKey};
use valurna_engine::encoding::{decode_hex, decode_scalar};
use valurna_engine::manifest::{Manifest, manifest_hash};
use valurna_engine::record::{
    self, AnnouncementJson, BoardLine, BoardSeal, CeremonyFile, ComplaintJson, ConfirmationJson,
    CredentialLine, DecryptionFile, DecryptionShareJson, EncryptedShareJson, LinesReader,
    Parameters, ResultFile, TallyFile, Turnout, files,
};
use valurna_engine::rng::os_rng;
use valurna_engine::tally::{DecryptionShare, EncryptedTally, TallyAccumulator, combine};
use valurna_engine::threshold::{
    CeremonyOutcome, CeremonyParams, CeremonyTranscript, Received, TrusteeDealer, TrusteeShare,
    finish as finish_ceremony,
};
use zeroize::Zeroizing;

use crate::error::CliError;

/// `ceremony-params.json` in a ceremony directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonyParamsFile {
    /// SHA-256 of the manifest file.
    pub manifest_hash: String,
    /// This run's random id.
    pub ceremony_id: String,
    /// `n`.
    pub trustees: u32,
    /// `t`.
    pub threshold: u32,
}

fn usage(text: impl Into<String>) -> CliError {
    CliError::Usage(text.into())
}

impl CeremonyParamsFile {
    fn params(&self) -> Result<CeremonyParams, CliError> {
        let manifest_hash = decode_hex(&self.manifest_hash)?
            .try_into()
            .map_err(|_| usage("ceremony-params.json: bad manifest hash"))?;
        let ceremony_id = decode_hex(&self.ceremony_id)?
            .try_into()
            .map_err(|_| usage("ceremony-params.json: bad ceremony id"))?;
        let p = CeremonyParams {
            manifest_hash,
            ceremony_id,
            trustees: self.trustees,
            threshold: self.threshold,
        };
        p.validate()?;
        Ok(p)
    }
}

/// A trustee's secret file: between rounds, its dealer state; afterwards,
/// its share of the election key. Its `Debug` prints nothing secret.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretFile {
    index: u32,
    /// `dealer` or `share`.
    kind: String,
    secret: Zeroizing<String>,
}

/// Creates `path` (which must not exist) readable by its owner only and
/// writes a secret into it.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .map_err(|e| usage(format!("cannot create secret file {}: {e}", path.display())))?;
    f.write_all(bytes)?;
    Ok(())
}

fn write_secret(path: &Path, file: &SecretFile) -> Result<(), CliError> {
    let bytes = Zeroizing::new(serde_json::to_vec_pretty(file).map_err(std::io::Error::other)?);
    write_private(path, &bytes)
}

fn read_secret(path: &Path, kind: &str) -> Result<SecretFile, CliError> {
    let s: SecretFile = record::read_json(path)?;
    if s.kind != kind {
        return Err(usage(format!(
            "{} is a {} file, not a {kind} file",
            path.display(),
            s.kind
        )));
    }
    Ok(s)
}

fn params_of(dir: &Path) -> Result<CeremonyParams, CliError> {
    record::read_json::<CeremonyParamsFile>(&dir.join("ceremony-params.json"))?.params()
}

/// Every file in `dir` named `<prefix><n>.json` with `n` written in plain
/// decimal (no sign, no leading zero), in order of `n`.
fn numbered(dir: &Path, prefix: &str) -> Result<Vec<(u32, PathBuf)>, CliError> {
    let mut found: Vec<(u32, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(digits) = name
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(".json"))
        else {
            continue;
        };
        let plain = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        match digits.parse::<u32>() {
            Ok(n) if plain => found.push((n, path)),
            _ => return Err(usage(format!("unexpected file name {name}"))),
        }
    }
    found.sort();
    Ok(found)
}

/// The ceremony's public messages so far, from its directory; every file's
/// content must come from the trustee its name says.
fn gather(dir: &Path) -> Result<(CeremonyTranscript, [u8; 16]), CliError> {
    let params = params_of(dir)?;
    let mut file = CeremonyFile {
        ceremony_id: hex::encode(params.ceremony_id),
        announcements: Vec::new(),
        shares: Vec::new(),
        complaints: Vec::new(),
        confirmations: Vec::new(),
        public_shares: Vec::new(),
    };
    let wrong = |name: &Path| {
        usage(format!(
            "{} claims another trustee as its sender",
            name.display()
        ))
    };
    for (n, p) in numbered(dir, "announcement-")? {
        let a: AnnouncementJson = record::read_json(&p)?;
        if a.index != n {
            return Err(wrong(&p));
        }
        file.announcements.push(a);
    }
    for (n, p) in numbered(dir, "shares-from-")? {
        let shares: Vec<EncryptedShareJson> = record::read_json(&p)?;
        if shares.iter().any(|s| s.from != n) {
            return Err(wrong(&p));
        }
        file.shares.extend(shares);
    }
    for (n, p) in numbered(dir, "complaints-from-")? {
        let complaints: Vec<ComplaintJson> = record::read_json(&p)?;
        if complaints.iter().any(|c| c.accuser != n) {
            return Err(wrong(&p));
        }
        file.complaints.extend(complaints);
    }
    for (n, p) in numbered(dir, "confirmation-")? {
        let c: ConfirmationJson = record::read_json(&p)?;
        if c.index != n {
            return Err(wrong(&p));
        }
        file.confirmations.push(c);
    }
    Ok((file.transcript()?, params.ceremony_id))
}

/// `valurna ceremony init`: a new ceremony (with a fresh random id).
pub fn ceremony_init(
    manifest: &Path,
    trustees: u32,
    threshold: u32,
    dir: &Path,
) -> Result<(), CliError> {
    let bytes = std::fs::read(manifest)?;
    Manifest::from_json(&bytes)?;
    let mut id = [0u8; 16];
    os_rng().fill_bytes(&mut id);
    let file = CeremonyParamsFile {
        manifest_hash: hex::encode(manifest_hash(&bytes)),
        ceremony_id: hex::encode(id),
        trustees,
        threshold,
    };
    file.params()?;
    std::fs::create_dir_all(dir)?;
    let path = dir.join("ceremony-params.json");
    if path.exists() {
        return Err(usage(format!("{} already holds a ceremony", dir.display())));
    }
    record::write_json(&path, &file)?;
    Ok(())
}

/// `valurna trustee announce`: round 1.
pub fn trustee_announce(dir: &Path, index: u32, secret: &Path) -> Result<(), CliError> {
    let params = params_of(dir)?;
    let (dealer, announcement) = TrusteeDealer::new(params, index, &mut os_rng())?;
    write_secret(
        secret,
        &SecretFile {
            index,
            kind: "dealer".into(),
            secret: Zeroizing::new(hex::encode(dealer.export_secret().as_slice())),
        },
    )?;
    let transcript = CeremonyTranscript {
        announcements: vec![announcement],
        ..Default::default()
    };
    let json = CeremonyFile::new(&params.ceremony_id, &transcript, &[]).announcements;
    let one = json.first().ok_or(CliError::Internal("announcement"))?;
    record::write_json(&dir.join(format!("announcement-{index}.json")), one)?;
    Ok(())
}

fn dealer(dir: &Path, secret: &Path) -> Result<TrusteeDealer, CliError> {
    let s = read_secret(secret, "dealer")?;
    let bytes = Zeroizing::new(decode_hex(&s.secret)?);
    Ok(TrusteeDealer::import_secret(params_of(dir)?, &bytes)?)
}

/// `valurna trustee deal`: round 2, once every announcement is in.
pub fn trustee_deal(dir: &Path, secret: &Path) -> Result<(), CliError> {
    let d = dealer(dir, secret)?;
    let (t, id) = gather(dir)?;
    let shares = d.deal(&t.announcements, &mut os_rng())?;
    let json = CeremonyFile::new(
        &id,
        &CeremonyTranscript {
            shares,
            ..Default::default()
        },
        &[],
    )
    .shares;
    record::write_json(&dir.join(format!("shares-from-{}.json", d.index())), &json)?;
    Ok(())
}

/// What round 3 gave a trustee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiveOutcome {
    /// The trustee's share is written and its confirmation published.
    Share,
    /// The trustee complained about these trustees' shares.
    Complained(Vec<u32>),
}

/// `valurna trustee receive`: round 3, once every share is in. On success
/// the key share is written, the confirmation published, and the dealer
/// state (the polynomial) deleted.
pub fn trustee_receive(
    dir: &Path,
    secret: &Path,
    share_out: &Path,
) -> Result<ReceiveOutcome, CliError> {
    let d = dealer(dir, secret)?;
    let index = d.index();
    let (t, id) = gather(dir)?;
    match d.receive(&t.announcements, &t.shares, &mut os_rng())? {
        Received::Share(share, confirmation) => {
            write_share(share_out, &share)?;
            let json = CeremonyFile::new(
                &id,
                &CeremonyTranscript {
                    confirmations: vec![*confirmation],
                    ..Default::default()
                },
                &[],
            )
            .confirmations;
            let one = json.first().ok_or(CliError::Internal("confirmation"))?;
            record::write_json(&dir.join(format!("confirmation-{index}.json")), one)?;
            std::fs::remove_file(secret)?;
            Ok(ReceiveOutcome::Share)
        }
        Received::Complaints(complaints) => {
            let accused = complaints.iter().map(|c| c.accused).collect();
            let json = CeremonyFile::new(
                &id,
                &CeremonyTranscript {
                    complaints,
                    ..Default::default()
                },
                &[],
            )
            .complaints;
            record::write_json(&dir.join(format!("complaints-from-{index}.json")), &json)?;
            Ok(ReceiveOutcome::Complained(accused))
        }
    }
}

/// `valurna ceremony finish`: checks everything public (every trustee must
/// have confirmed) and writes `ceremony.json`; any fault names the trustee.
pub fn ceremony_finish(dir: &Path) -> Result<CeremonyOutcome, CliError> {
    let params = params_of(dir)?;
    let (t, id) = gather(dir)?;
    let outcome = finish_ceremony(&params, &t)?;
    record::write_json(
        &dir.join(files::CEREMONY),
        &CeremonyFile::new(&id, &t, &outcome.public_shares),
    )?;
    Ok(outcome)
}

/// Reads a trustee's share file.
pub fn read_share(path: &Path) -> Result<TrusteeShare, CliError> {
    let s = read_secret(path, "share")?;
    let bytes = Zeroizing::new(decode_hex(&s.secret)?);
    Ok(TrusteeShare {
        index: s.index,
        share: SecretKey::from_scalar(decode_scalar(&bytes)?),
    })
}

/// Writes a trustee's share file (the demo gives its trustees theirs).
pub fn write_share(path: &Path, share: &TrusteeShare) -> Result<(), CliError> {
    write_secret(
        path,
        &SecretFile {
            index: share.index,
            kind: "share".into(),
            secret: Zeroizing::new(hex::encode(share.share.as_scalar().as_bytes())),
        },
    )
}

/// Where each board entry's line starts and whose ballot it is, with the
/// counted set: what is needed to find the superseded ballots again.
pub(crate) struct Superseded<'a> {
    /// Credential of the ballot at each position.
    pub credential_at: &'a [[u8; 32]],
    /// Byte offset of each position's line in `board.jsonl`.
    pub offsets: &'a [u64],
    /// The last ballot per credential.
    pub counted: &'a CountedSet,
}

/// Takes every superseded ballot (record.md §5.6) out of `tally` again,
/// reading just those lines of the board file back by their offsets. The
/// board is summed as it streams, before the counted set is known; revotes
/// are few.
pub(crate) fn take_out_superseded(
    board_file: &Path,
    board: &Superseded<'_>,
    ctx: &BallotContext,
    tally: &mut TallyAccumulator,
    weight_of: impl Fn(&[u8; 32]) -> u64,
) -> Result<(), CliError> {
    let mut reader = BufReader::new(File::open(board_file)?);
    for (position, credential) in board.credential_at.iter().enumerate() {
        if board.counted.counts(credential, position as u64) {
            continue;
        }
        let offset = board
            .offsets
            .get(position)
            .copied()
            .ok_or(CliError::Internal("offset"))?;
        std::io::Seek::seek(&mut reader, std::io::SeekFrom::Start(offset))?;
        let line: BoardLine = LinesReader::new(&mut reader)
            .next_value()
            .ok_or(CliError::Internal("board line"))?
            .map_err(|e| bad(format!("board.jsonl {e}")))?;
        let ballot = Ballot::decode(&line.ballot_bytes()?, ctx)?;
        tally.remove(&ballot, weight_of(credential));
    }
    Ok(())
}

/// A record re-checked up to the tally (record.md §3–§7.1).
#[derive(Debug)]
pub struct CheckedRecord {
    /// The manifest.
    pub manifest: Manifest,
    /// The parameters.
    pub parameters: Parameters,
    /// The base hash, recomputed.
    pub base_hash: [u8; 32],
    /// The ceremony's outcome, recomputed.
    pub ceremony: CeremonyOutcome,
    /// The tally, recomputed from the board (and equal to `tally.json`).
    pub tally: EncryptedTally,
    /// The board's seal.
    pub seal: [u8; 32],
    /// Turnout, counted.
    pub turnout: Turnout,
}

fn bad(what: impl Into<String>) -> CliError {
    usage(format!("the record does not check out: {}", what.into()))
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

/// Checks an election's set-up files in `dir` (`manifest.json`,
/// `parameters.json`, `ceremony.json`, `credentials.jsonl`): the manifest
/// and credential hashes and the base hash; the ceremony and the joint key;
/// the credential list (sorted, distinct, valid districts and weights).
pub fn check_setup(dir: &Path) -> Result<Setup, CliError> {
    // Each file is read once, and what is checked is what is returned.
    let manifest_bytes = std::fs::read(dir.join(files::MANIFEST))?;
    let parameters_bytes = std::fs::read(dir.join(files::PARAMETERS))?;
    let ceremony_bytes = std::fs::read(dir.join(files::CEREMONY))?;
    let credentials_bytes = std::fs::read(dir.join(files::CREDENTIALS))?;
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

/// Re-checks a record from its files up to the tally: its set-up
/// ([`check_setup`]); the board's chain, seal, distinct trackers and every
/// ballot; the counted set; and that `tally.json` is the tally of the
/// counted ballots.
pub fn check_record(dir: &Path) -> Result<CheckedRecord, CliError> {
    let Setup {
        manifest,
        parameters,
        base_hash,
        ceremony,
        listed,
        ..
    } = check_setup(dir)?;
    let shapes: Vec<_> = manifest.contests.iter().map(|c| c.shape()).collect();
    let ctx = BallotContext {
        base_hash,
        key: parameters.joint_key()?,
        shapes: shapes.clone(),
        preferences: manifest.preferences(),
    };
    let mut board = Board::new(&base_hash);
    let mut counted = CountedSet::new();
    let mut tally = TallyAccumulator::new(&shapes).with_ranked(&manifest.preferences());
    // The counted set is known only at the end: every ballot is summed as
    // it comes, and the few superseded ones are read again and taken out.
    let mut credential_at: Vec<[u8; 32]> = Vec::new();
    let mut offsets: Vec<u64> = Vec::new();
    let mut lines = LinesReader::new(BufReader::new(File::open(dir.join(files::BOARD))?));
    let mut batch: Vec<(BoardLine, Ballot)> = Vec::new();
    let weight_of = |c: &[u8; 32]| listed.get(c).map_or(1, |(_, w)| *w);
    let mut flush = |batch: &mut Vec<(BoardLine, Ballot)>| -> Result<(), CliError> {
        let (lines, ballots): (Vec<BoardLine>, Vec<Ballot>) = batch.drain(..).unzip();
        let mut groups: Vec<Vec<Ballot>> = Vec::new();
        for b in ballots {
            match groups.last_mut() {
                Some(g) if g.len() < 32 => g.push(b),
                _ => groups.push(vec![b]),
            }
        }
        let verdicts: Vec<_> = groups
            .into_par_iter()
            .flat_map_iter(|group| {
                verify_ballots(group, &ctx, |c| {
                    listed.get(c.as_bytes()).map(|(cs, _)| cs.clone())
                })
            })
            .collect();
        for (line, verdict) in lines.iter().zip(verdicts) {
            let v =
                verdict.map_err(|e| bad(format!("ballot at position {}: {e}", line.position)))?;
            let receipt = board
                .append(&v)
                .map_err(|e| bad(format!("position {}: {e}", line.position)))?;
            if receipt.position != line.position
                || hex::encode(receipt.tracker) != line.tracker
                || hex::encode(receipt.head) != line.head
            {
                return Err(bad(format!(
                    "the board's chain at position {}",
                    line.position
                )));
            }
            let credential = *v.ballot().credential.as_bytes();
            counted.note(&credential, receipt.position);
            credential_at.push(credential);
            tally.add(v.ballot(), weight_of(&credential));
        }
        Ok(())
    };
    while let Some(line) = lines.next_value::<BoardLine>() {
        let line = line.map_err(|e| bad(format!("board.jsonl {e}")))?;
        offsets.push(lines.line_offset());
        let ballot = Ballot::decode(&line.ballot_bytes()?, &ctx)
            .map_err(|e| bad(format!("ballot at position {}: {e}", line.position)))?;
        batch.push((line, ballot));
        if batch.len() >= 4096 {
            flush(&mut batch)?;
        }
    }
    flush(&mut batch)?;
    take_out_superseded(
        &dir.join(files::BOARD),
        &Superseded {
            credential_at: &credential_at,
            offsets: &offsets,
            counted: &counted,
        },
        &ctx,
        &mut tally,
        weight_of,
    )?;
    let seal_file: BoardSeal = record::read_json(&dir.join(files::BOARD_SEAL))?;
    if seal_file.count != board.len()
        || seal_file.head != hex::encode(board.head())
        || seal_file.seal()? != board.seal()
    {
        return Err(bad("the board's seal"));
    }
    let tally = tally.finish()?;
    let published = record::read_json::<TallyFile>(&dir.join(files::TALLY))?.tally()?;
    if published != tally {
        return Err(bad("tally.json is not the tally of the counted ballots"));
    }
    Ok(CheckedRecord {
        turnout: Turnout {
            eligible: listed.len() as u64,
            board_entries: board.len(),
            counted: counted.len() as u64,
        },
        manifest,
        parameters,
        base_hash,
        ceremony,
        tally,
        seal: board.seal(),
    })
}

/// The ballot context of a checked record.
pub fn ballot_context(checked: &CheckedRecord) -> Result<BallotContext, CliError> {
    Ok(BallotContext {
        base_hash: checked.base_hash,
        key: checked.parameters.joint_key()?,
        shapes: checked
            .manifest
            .contests
            .iter()
            .map(|c| c.shape())
            .collect(),
        preferences: checked.manifest.preferences(),
    })
}

/// `valurna mix --step S`: re-checks the record and the mix chain so far,
/// and adds mix step `S` to every ranked contest (record.md §9.3).
pub fn mix_record(record_dir: &Path, step: u32) -> Result<Vec<usize>, CliError> {
    let checked = check_record(record_dir)?;
    let ctx = ballot_context(&checked)?;
    crate::ranked::mix(
        record_dir,
        &checked.base_hash,
        &ctx,
        &checked.manifest,
        step,
    )
}

/// `valurna trustee decrypt`: after re-checking the whole record, a
/// trustee's partial decryption of the tally, written to
/// `decryption-share-<index>.json` in the record; and, if the election has
/// ranked contests, after checking every mix chain, of each chain's last
/// output (`mix-decryption-<c>-<index>.bin`, record.md §9.4).
pub fn trustee_decrypt(record_dir: &Path, share_path: &Path) -> Result<PathBuf, CliError> {
    let share = read_share(share_path)?;
    let checked = check_record(record_dir)?;
    let public = checked
        .ceremony
        .public_shares
        .get((share.index as usize).wrapping_sub(1))
        .copied()
        .ok_or_else(|| usage(format!("no trustee {} in this ceremony", share.index)))?;
    if share.share.public_key()?.element() != &public {
        return Err(usage("this share does not belong to this election"));
    }
    let d = DecryptionShare::create(
        &checked.base_hash,
        &checked.tally,
        &share,
        &public,
        &mut os_rng(),
    );
    let path = record_dir.join(format!("decryption-share-{}.json", share.index));
    let json = DecryptionFile::new(std::slice::from_ref(&d)).shares;
    record::write_json(&path, json.first().ok_or(CliError::Internal("share"))?)?;
    if !crate::ranked::ranked_contests(&checked.manifest).is_empty() {
        let ctx = ballot_context(&checked)?;
        let chains =
            crate::ranked::checked_chains(record_dir, &checked.base_hash, &ctx, &checked.manifest)?;
        crate::ranked::decrypt(record_dir, &checked.base_hash, &chains, &share, &public)?;
    }
    Ok(path)
}

/// `valurna tally finish`: re-checks the record, verifies the trustees'
/// decryption shares in it, combines `t` valid ones, allocates seats, and
/// writes `decryption.json` and `result.json`. A bad share is named and
/// skipped.
pub fn tally_finish(record_dir: &Path) -> Result<(ResultFile, Vec<String>), CliError> {
    let checked = check_record(record_dir)?;
    let mut refused = Vec::new();
    let mut valid: Vec<DecryptionShare> = Vec::new();
    let mut seen = HashSet::new();
    for (n, p) in numbered(record_dir, "decryption-share-")? {
        let json: DecryptionShareJson = record::read_json(&p)?;
        if json.trustee != n {
            refused.push(format!(
                "trustee {n}: its file claims trustee {}",
                json.trustee
            ));
            continue;
        }
        let share = DecryptionFile { shares: vec![json] }.shares()?;
        let Some(share) = share.into_iter().next() else {
            continue;
        };
        let verdict = checked
            .ceremony
            .public_shares
            .get((share.trustee as usize).wrapping_sub(1))
            .ok_or(valurna_engine::Error::InvalidStatement("unknown trustee"))
            .and_then(|public| share.verify(&checked.base_hash, &checked.tally, public));
        match verdict {
            Ok(()) if seen.insert(share.trustee) => valid.push(share),
            Ok(()) => refused.push(format!("trustee {}: a second share", share.trustee)),
            Err(e) => refused.push(format!("trustee {}: {e}", share.trustee)),
        }
    }
    let threshold = checked.parameters.threshold as usize;
    if valid.len() < threshold {
        return Err(usage(format!(
            "{} valid decryption shares, {threshold} needed{}",
            valid.len(),
            if refused.is_empty() {
                String::new()
            } else {
                format!(" (refused: {})", refused.join("; "))
            }
        )));
    }
    valid.truncate(threshold);
    let counts = combine(&checked.tally, &valid, DlogTable::shared())?;
    let mut result = ResultFile {
        contests: record::contest_results(&checked.manifest, &counts, &checked.seal),
        turnout: checked.turnout.clone(),
    };
    if !crate::ranked::ranked_contests(&checked.manifest).is_empty() {
        let ctx = ballot_context(&checked)?;
        let chains =
            crate::ranked::checked_chains(record_dir, &checked.base_hash, &ctx, &checked.manifest)?;
        for (c, r) in crate::ranked::count(
            record_dir,
            &checked.base_hash,
            &checked.manifest,
            &chains,
            &checked.ceremony.public_shares,
            checked.parameters.threshold,
            &checked.seal,
        )? {
            if let Some(slot) = result.contests.get_mut(c as usize) {
                *slot = r;
            }
        }
    }
    record::write_json(
        &record_dir.join(files::DECRYPTION),
        &DecryptionFile::new(&valid),
    )?;
    record::write_json(&record_dir.join(files::RESULT), &result)?;
    Ok((result, refused))
}
