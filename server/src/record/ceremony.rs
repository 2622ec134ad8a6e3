//! The key ceremony through files (record.md §6): each trustee runs their
//! part on their own machine; the shared directory holds only public files.

use std::path::{Path, PathBuf};

use rand_core::Rng;
use serde::{Deserialize, Serialize};
use valurna_engine::ceremony_dir;
use valurna_engine::elgamal::SecretKey;
use valurna_engine::encoding::{decode_hex, decode_scalar};
use valurna_engine::manifest::{Manifest, manifest_hash};
use valurna_engine::record::{self, CeremonyFile, files};
use valurna_engine::rng::os_rng;
use valurna_engine::threshold::{
    CeremonyOutcome, CeremonyParams, CeremonyTranscript, Received, TrusteeDealer, TrusteeShare,
    finish as finish_ceremony,
};
use zeroize::Zeroizing;

use super::{usage, write_private};
use crate::error::CliError;

pub use valurna_engine::ceremony_dir::CeremonyParamsFile;

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
    Ok(record::read_json::<CeremonyParamsFile>(&dir.join(ceremony_dir::PARAMS))?.params()?)
}

/// Every file in `dir` named `<prefix><n>.json` with `n` written in plain
/// decimal (no sign, no leading zero), in order of `n`.
pub(crate) fn numbered(dir: &Path, prefix: &str) -> Result<Vec<(u32, PathBuf)>, CliError> {
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
/// content must come from the trustee its name says
/// ([`ceremony_dir::gather`]).
fn gather(dir: &Path) -> Result<(CeremonyTranscript, [u8; 16]), CliError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.ends_with(".json") {
            let size = std::fs::metadata(&path)?.len();
            if size > record::MAX_JSON_FILE {
                return Err(usage(format!("{name} is larger than 256 MiB")));
            }
            files.push((name.to_string(), std::fs::read(&path)?));
        }
    }
    let (params, transcript) =
        ceremony_dir::gather(&files).map_err(|e| usage(format!("{}: {e}", dir.display())))?;
    Ok((transcript, params.ceremony_id))
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
