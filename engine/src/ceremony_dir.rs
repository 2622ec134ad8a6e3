//! The key ceremony as a directory of named public files (record.md §6):
//! `ceremony-params.json`, then per trustee `i` its `announcement-i.json`
//! (round 1), `shares-from-i.json` (round 2), and `confirmation-i.json` or
//! `complaints-from-i.json` (round 3). Each trustee adds only its own
//! files; [`gather`] reads them back into the engine's
//! [`CeremonyTranscript`], checking that every message comes from the
//! trustee its file's name says. The trustees' file commands, the
//! server's ceremony and the browser's trustee pages all read the
//! directory through it.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::encoding::decode_hex;
use crate::record::{
    AnnouncementJson, CeremonyFile, ComplaintJson, ConfirmationJson, EncryptedShareJson,
};
use crate::threshold::{CeremonyParams, CeremonyTranscript};
use crate::{DecodeError, Error};

/// The ceremony's parameters' file name.
pub const PARAMS: &str = "ceremony-params.json";

/// `ceremony-params.json` in a ceremony directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

fn bytes_of<const N: usize>(hex: &str) -> Result<[u8; N], Error> {
    decode_hex(hex)?.try_into().map_err(|v: Vec<u8>| {
        DecodeError::WrongLength {
            expected: N,
            actual: v.len(),
        }
        .into()
    })
}

impl CeremonyParamsFile {
    /// The parameters, strictly decoded and validated (§6.1).
    pub fn params(&self) -> Result<CeremonyParams, Error> {
        let p = CeremonyParams {
            manifest_hash: bytes_of(&self.manifest_hash)?,
            ceremony_id: bytes_of(&self.ceremony_id)?,
            trustees: self.trustees,
            threshold: self.threshold,
        };
        p.validate()?;
        Ok(p)
    }
}

/// Why a ceremony directory cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DirError {
    /// There is no `ceremony-params.json`.
    #[error("the ceremony's parameters (ceremony-params.json) are not there")]
    NoParams,
    /// A file that is not valid JSON of its kind.
    #[error("{0} is not valid JSON of its kind")]
    NotJson(String),
    /// A file whose name is none of the ceremony's.
    #[error("unexpected file name {0}")]
    UnexpectedName(String),
    /// A file whose content claims another trustee than its name.
    #[error("{0} claims another trustee as its sender")]
    WrongSender(String),
    /// A file's content is not a valid encoding.
    #[error("{0}")]
    Engine(#[from] Error),
}

/// The trustee number `i` of a name `<prefix>i.json` (plain decimal: no
/// sign, no leading zero); `None` if the name has another prefix, an
/// error if the number is not plain.
fn number(name: &str, prefix: &str) -> Result<Option<u32>, DirError> {
    let Some(digits) = name
        .strip_prefix(prefix)
        .and_then(|r| r.strip_suffix(".json"))
    else {
        return Ok(None);
    };
    let plain = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    match digits.parse::<u32>() {
        Ok(n) if plain => Ok(Some(n)),
        _ => Err(DirError::UnexpectedName(name.to_string())),
    }
}

const PREFIXES: [&str; 4] = [
    "announcement-",
    "shares-from-",
    "complaints-from-",
    "confirmation-",
];

fn json<T: for<'de> Deserialize<'de>>(name: &str, bytes: &[u8]) -> Result<T, DirError> {
    serde_json::from_slice(bytes).map_err(|_| DirError::NotJson(name.to_string()))
}

/// The parameters of a directory given as `(name, content)` pairs.
pub fn params_of<N: AsRef<str>, B: AsRef<[u8]>>(
    files: &[(N, B)],
) -> Result<CeremonyParams, DirError> {
    let (_, bytes) = files
        .iter()
        .find(|(n, _)| n.as_ref() == PARAMS)
        .ok_or(DirError::NoParams)?;
    Ok(json::<CeremonyParamsFile>(PARAMS, bytes.as_ref())?.params()?)
}

/// The ceremony's public messages so far, from its files as `(name,
/// content)` pairs (in any order): its parameters and its transcript,
/// every message checked to come from the trustee its file names. Files
/// of no round of the ceremony (such as `ceremony.json`) are passed over.
pub fn gather<N: AsRef<str>, B: AsRef<[u8]>>(
    files: &[(N, B)],
) -> Result<(CeremonyParams, CeremonyTranscript), DirError> {
    let params = params_of(files)?;
    let mut numbered: Vec<(usize, u32, &str, &[u8])> = Vec::new();
    for (name, bytes) in files {
        let name = name.as_ref();
        for (kind, prefix) in PREFIXES.iter().enumerate() {
            if let Some(n) = number(name, prefix)? {
                numbered.push((kind, n, name, bytes.as_ref()));
            }
        }
    }
    numbered.sort_by_key(|&(kind, n, _, _)| (kind, n));
    let mut file = CeremonyFile {
        ceremony_id: hex::encode(params.ceremony_id),
        announcements: Vec::new(),
        shares: Vec::new(),
        complaints: Vec::new(),
        confirmations: Vec::new(),
        public_shares: Vec::new(),
    };
    let wrong = |name: &str| DirError::WrongSender(name.to_string());
    for (kind, n, name, bytes) in numbered {
        match kind {
            0 => {
                let a: AnnouncementJson = json(name, bytes)?;
                if a.index != n {
                    return Err(wrong(name));
                }
                file.announcements.push(a);
            }
            1 => {
                let shares: Vec<EncryptedShareJson> = json(name, bytes)?;
                if shares.iter().any(|s| s.from != n) {
                    return Err(wrong(name));
                }
                file.shares.extend(shares);
            }
            2 => {
                let complaints: Vec<ComplaintJson> = json(name, bytes)?;
                if complaints.iter().any(|c| c.accuser != n) {
                    return Err(wrong(name));
                }
                file.complaints.extend(complaints);
            }
            _ => {
                let c: ConfirmationJson = json(name, bytes)?;
                if c.index != n {
                    return Err(wrong(name));
                }
                file.confirmations.push(c);
            }
        }
    }
    Ok((params, file.transcript()?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use crate::rng::os_rng;
    use crate::threshold::TrusteeDealer;

    fn params_file() -> (CeremonyParams, Vec<u8>) {
        let file = CeremonyParamsFile {
            manifest_hash: hex::encode([7u8; 32]),
            ceremony_id: hex::encode([9u8; 16]),
            trustees: 2,
            threshold: 2,
        };
        (file.params().unwrap(), serde_json::to_vec(&file).unwrap())
    }

    #[test]
    fn announcements_come_back_from_their_senders_only() {
        let (params, p) = params_file();
        let (_, a) = TrusteeDealer::new(params, 1, &mut os_rng()).unwrap();
        let t = CeremonyTranscript {
            announcements: vec![a],
            ..Default::default()
        };
        let one =
            serde_json::to_vec(&CeremonyFile::new(&params.ceremony_id, &t, &[]).announcements[0])
                .unwrap();
        let files = vec![
            (PARAMS.to_string(), p.clone()),
            ("announcement-1.json".to_string(), one.clone()),
            ("ceremony.json".to_string(), b"{}".to_vec()),
        ];
        let (_, got) = gather(&files).unwrap();
        assert_eq!(got.announcements, t.announcements);

        let forged = vec![
            (PARAMS.to_string(), p.clone()),
            ("announcement-2.json".to_string(), one),
        ];
        assert_eq!(
            gather(&forged).unwrap_err(),
            DirError::WrongSender("announcement-2.json".into())
        );
        let odd = vec![
            (PARAMS.to_string(), p),
            ("confirmation-01.json".to_string(), vec![]),
        ];
        assert_eq!(
            gather(&odd).unwrap_err(),
            DirError::UnexpectedName("confirmation-01.json".into())
        );
        let none: Vec<(String, Vec<u8>)> = vec![];
        assert_eq!(gather(&none).unwrap_err(), DirError::NoParams);
    }
}
