//! Reading the election record's files (record.md §1–§7).
//!
//! JSON objects have exactly the fields given, each once; JSON files are at
//! most 256 MiB; JSON Lines files are streamed one line at a time, each line
//! at most 4 MiB and ending in `\n`. Binary values stay text here and are
//! decoded strictly where they are used.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// File names (record.md §1).
pub mod files {
    /// record.md §2.
    pub const MANIFEST: &str = "manifest.json";
    /// record.md §3.2.
    pub const PARAMETERS: &str = "parameters.json";
    /// record.md §4.2.
    pub const CREDENTIALS: &str = "credentials.jsonl";
    /// record.md §6.5.
    pub const CEREMONY: &str = "ceremony.json";
    /// record.md §5.5.
    pub const BOARD: &str = "board.jsonl";
    /// record.md §5.5.
    pub const BOARD_SEAL: &str = "board_seal.json";
    /// record.md §7.1.
    pub const TALLY: &str = "tally.json";
    /// record.md §7.2.
    pub const DECRYPTION: &str = "decryption.json";
    /// record.md §7.4.
    pub const RESULT: &str = "result.json";

    /// `mix-<c>-<s>.bin`, step `s` of ranked contest `c`'s mix (record.md §9.3).
    pub fn mix(contest: usize, step: usize) -> String {
        format!("mix-{contest}-{step}.bin")
    }

    /// `mix-decryption-<c>-<j>.bin`, trustee `j`'s decryption of ranked
    /// contest `c`'s mix output (record.md §9.4).
    pub fn mix_decryption(contest: usize, trustee: u32) -> String {
        format!("mix-decryption-{contest}-{trustee}.bin")
    }

    /// A decimal number with no leading zeros (record.md §9.3).
    fn decimal(text: &str) -> Option<u64> {
        let canonical = !text.is_empty()
            && text.bytes().all(|b| b.is_ascii_digit())
            && (text == "0" || !text.starts_with('0'));
        canonical.then(|| text.parse().ok()).flatten()
    }

    /// `(c, s)` if `name` is `mix-<c>-<s>.bin` (record.md §9.3).
    pub fn parse_mix(name: &str) -> Option<(u64, u64)> {
        let (c, s) = name
            .strip_prefix("mix-")?
            .strip_suffix(".bin")?
            .split_once('-')?;
        Some((decimal(c)?, decimal(s)?))
    }

    /// `(c, j)` if `name` is `mix-decryption-<c>-<j>.bin` (record.md §9.4).
    pub fn parse_mix_decryption(name: &str) -> Option<(u64, u64)> {
        let rest = name.strip_prefix("mix-decryption-")?.strip_suffix(".bin")?;
        let (c, j) = rest.split_once('-')?;
        Some((decimal(c)?, decimal(j)?))
    }
}

/// For optional fields: absent is `None`, but `null` is refused (record.md
/// §1: exactly the fields given).
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// The largest JSON file read (record.md §1).
pub const MAX_JSON: u64 = 256 << 20;
/// The longest JSON Lines line, newline included (record.md §1).
pub const MAX_LINE: usize = 4 << 20;

/// `manifest.json` (record.md §2.2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Manifest {
    pub version: u32,
    pub organisation: String,
    pub election_id: String,
    pub title: String,
    pub weighted: bool,
    pub contests: Vec<Contest>,
}

/// One contest of the manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Contest {
    pub id: String,
    pub title: String,
    pub district: String,
    pub seats: u32,
    pub min_selections: u64,
    pub max_selections: u64,
    pub candidates: Vec<Candidate>,
    /// `"ranked"` for a ranked contest (record.md §9.1), else absent.
    #[serde(default, deserialize_with = "present")]
    pub kind: Option<String>,
    /// `"stv"` or `"schulze"` for a ranked contest (record.md §9.1), else
    /// absent.
    #[serde(default, deserialize_with = "present")]
    pub method: Option<String>,
}

/// One candidate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Candidate {
    pub id: String,
    pub name: String,
}

/// `parameters.json` (record.md §3.2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Parameters {
    pub version: u32,
    pub trustees: u32,
    pub threshold: u32,
    pub dlog_bound: u64,
    pub manifest_hash: String,
    pub credentials_hash: String,
    pub joint_key: String,
    pub base_hash: String,
}

/// A line of `credentials.jsonl` (record.md §4.2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CredentialLine {
    pub credential: String,
    pub district: String,
    pub weight: u64,
}

/// A line of `board.jsonl` (record.md §5.5).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct BoardLine {
    pub position: u64,
    pub tracker: String,
    pub ballot: String,
    pub head: String,
}

/// `board_seal.json` (record.md §5.5).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct BoardSeal {
    pub count: u64,
    pub head: String,
    pub seal: String,
}

/// `ceremony.json` (record.md §6.5).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Ceremony {
    pub ceremony_id: String,
    pub announcements: Vec<Announcement>,
    pub shares: Vec<EncryptedShare>,
    pub complaints: Vec<Complaint>,
    pub confirmations: Vec<Confirmation>,
    pub public_shares: Vec<String>,
}

/// A trustee's announcement (record.md §6.2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Announcement {
    pub index: u32,
    pub communication_key: String,
    pub communication_proof: String,
    pub commitments: Vec<String>,
    pub commitment_proofs: Vec<String>,
}

/// An encrypted share (record.md §6.3).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct EncryptedShare {
    pub from: u32,
    pub to: u32,
    pub ephemeral: String,
    pub ephemeral_proof: String,
    pub ciphertext: String,
}

/// A complaint (record.md §6.4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Complaint {
    pub accuser: u32,
    pub accused: u32,
    pub shared_secret: String,
    pub proof: String,
}

/// A confirmation (record.md §6.4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Confirmation {
    pub index: u32,
    pub proof: String,
}

/// `tally.json` (record.md §7.1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Tally {
    pub contests: Vec<ContestTally>,
}

/// One contest's encrypted tally.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ContestTally {
    pub ballots: u64,
    pub weight: u64,
    pub ciphertexts: Vec<String>,
}

/// `decryption.json` (record.md §7.2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Decryption {
    pub shares: Vec<TrusteeDecryption>,
}

/// One trustee's partial decryptions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct TrusteeDecryption {
    pub trustee: u32,
    pub partials: Vec<Vec<Partial>>,
}

/// A partial decryption with its proof.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Partial {
    pub partial: String,
    pub proof: String,
}

/// `result.json` (record.md §7.4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ElectionResult {
    pub contests: Vec<ContestResult>,
    pub turnout: Turnout,
}

/// One contest's result.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ContestResult {
    pub contest: String,
    pub counts: Vec<u64>,
    pub elected: Vec<String>,
    pub decided_by_lot: bool,
    /// A ranked contest's count (record.md §9.5); absent for an approval
    /// contest.
    #[serde(default, deserialize_with = "present")]
    pub ranked: Option<RankedResult>,
}

/// The `ranked` object of a ranked contest's result (record.md §9.5):
/// `quota` and `stages` for STV, `ranking` for Schulze, each absent for the
/// other method.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RankedResult {
    /// `"stv"` or `"schulze"`.
    pub method: String,
    /// `N`, the items of the mix (counted ballots voting in the contest).
    pub ballots: u64,
    /// Invalid rankings (counting.md §1.1).
    pub invalid: u64,
    /// Empty rankings (counting.md §1.1).
    pub empty: u64,
    /// STV: the quota, in units of 10⁻⁵ vote.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub quota: Option<u64>,
    /// STV: per stage, every candidate's votes then the non-transferable
    /// votes, in units.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub stages: Option<Vec<Vec<u64>>>,
    /// Schulze: every candidate's id, best first.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub ranking: Option<Vec<String>>,
}

/// Participation (record.md §7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Turnout {
    pub eligible: u64,
    pub board_entries: u64,
    pub counted: u64,
}

fn io(file: &Path, source: std::io::Error) -> Error {
    Error::Io {
        file: name(file),
        source,
    }
}

fn name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string())
}

/// A whole file, at most 256 MiB.
pub fn read_bytes(file: &Path) -> Result<Vec<u8>> {
    let f = File::open(file).map_err(|e| io(file, e))?;
    let mut bytes = Vec::new();
    f.take(MAX_JSON + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io(file, e))?;
    if bytes.len() as u64 > MAX_JSON {
        return Err(Error::Format {
            file: name(file),
            line: None,
            reason: "larger than 256 MiB".into(),
        });
    }
    Ok(bytes)
}

/// Parses JSON bytes read from `file`.
pub fn parse_json<T: DeserializeOwned>(file: &Path, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Format {
        file: name(file),
        line: None,
        reason: e.to_string(),
    })
}

/// Reads and parses a JSON file.
pub fn read_json<T: DeserializeOwned>(file: &Path) -> Result<T> {
    parse_json(file, &read_bytes(file)?)
}

/// Streams a JSON Lines file: raw lines (without their newline), each
/// checked for length and termination, with their byte offsets.
#[derive(Debug)]
pub struct Lines {
    reader: BufReader<File>,
    file: String,
    line: u64,
    offset: u64,
    buf: Vec<u8>,
    failed: bool,
}

/// One raw line of a JSON Lines file.
#[derive(Debug)]
pub struct Line {
    /// Its number, from 1.
    pub number: u64,
    /// Its byte offset in the file.
    pub offset: u64,
    /// Its bytes, without the newline.
    pub bytes: Vec<u8>,
}

impl Lines {
    /// Opens `file`.
    pub fn open(file: &Path) -> Result<Self> {
        let f = File::open(file).map_err(|e| io(file, e))?;
        Ok(Lines {
            reader: BufReader::with_capacity(1 << 20, f),
            file: name(file),
            line: 0,
            offset: 0,
            buf: Vec::new(),
            failed: false,
        })
    }

    /// Continues reading at `offset`, which must be the start of line
    /// `number` (from 1).
    pub fn seek(&mut self, offset: u64, number: u64) -> Result<()> {
        use std::io::Seek;
        self.reader
            .seek(std::io::SeekFrom::Start(offset))
            .map_err(|source| Error::Io {
                file: self.file.clone(),
                source,
            })?;
        self.offset = offset;
        self.line = number.saturating_sub(1);
        self.failed = false;
        Ok(())
    }

    fn error(&mut self, reason: &str) -> Error {
        self.failed = true;
        Error::Format {
            file: self.file.clone(),
            line: Some(self.line),
            reason: reason.into(),
        }
    }

    /// Parses one line as JSON of type `T`.
    pub fn parse<T: DeserializeOwned>(&self, line: &Line) -> Result<T> {
        serde_json::from_slice(&line.bytes).map_err(|e| Error::Format {
            file: self.file.clone(),
            line: Some(line.number),
            reason: e.to_string(),
        })
    }
}

impl Iterator for Lines {
    type Item = Result<Line>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        self.buf.clear();
        let limit = MAX_LINE as u64 + 1;
        let read = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buf);
        self.line += 1;
        match read {
            Err(e) => {
                self.failed = true;
                Some(Err(Error::Io {
                    file: self.file.clone(),
                    source: e,
                }))
            }
            Ok(0) => None,
            Ok(n) => {
                if n > MAX_LINE {
                    return Some(Err(self.error("longer than 4 MiB")));
                }
                if self.buf.last() != Some(&b'\n') {
                    return Some(Err(self.error("does not end in a newline")));
                }
                self.buf.pop();
                let line = Line {
                    number: self.line,
                    offset: self.offset,
                    bytes: std::mem::take(&mut self.buf),
                };
                self.offset += n as u64;
                Some(Ok(line))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines_of(content: &[u8]) -> Vec<Result<Line>> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content).unwrap();
        Lines::open(f.path()).unwrap().collect()
    }

    #[test]
    fn lines_must_end_in_a_newline() {
        let got = lines_of(b"{}\n{}");
        assert_eq!(got.len(), 2);
        assert!(got[0].is_ok());
        assert!(matches!(&got[1], Err(Error::Format { line: Some(2), .. })));
    }

    #[test]
    fn offsets_point_at_line_starts() {
        let got = lines_of(b"ab\ncde\n\n");
        let offsets: Vec<u64> = got.iter().map(|l| l.as_ref().unwrap().offset).collect();
        assert_eq!(offsets, vec![0, 3, 7]);
    }

    #[test]
    fn a_long_line_is_refused() {
        let mut content = vec![b' '; MAX_LINE + 10];
        content.push(b'\n');
        let got = lines_of(&content);
        assert_eq!(got.len(), 1);
        assert!(got[0].is_err());
    }

    #[test]
    fn mix_file_names_are_canonical_decimals() {
        assert_eq!(files::parse_mix("mix-0-1.bin"), Some((0, 1)));
        assert_eq!(files::parse_mix("mix-12-30.bin"), Some((12, 30)));
        assert_eq!(files::parse_mix("mix-0-01.bin"), None);
        assert_eq!(files::parse_mix("mix-decryption-0-1.bin"), None);
        assert_eq!(
            files::parse_mix_decryption("mix-decryption-3-2.bin"),
            Some((3, 2))
        );
        assert_eq!(files::parse_mix_decryption("mix-3-2.bin"), None);
        assert_eq!(files::mix(3, 2), "mix-3-2.bin");
    }

    #[test]
    fn optional_fields_may_be_absent_but_not_null() {
        let ok: Result<RankedResult, _> = serde_json::from_str(
            r#"{"method":"schulze","ballots":1,"invalid":0,"empty":0,"ranking":["a"]}"#,
        );
        assert!(ok.unwrap().quota.is_none());
        let null: Result<RankedResult, _> = serde_json::from_str(
            r#"{"method":"schulze","ballots":1,"invalid":0,"empty":0,"ranking":["a"],"quota":null}"#,
        );
        assert!(null.is_err());
        let twice: Result<RankedResult, _> = serde_json::from_str(
            r#"{"method":"schulze","ballots":1,"invalid":0,"empty":0,"ranking":["a"],"ranking":[]}"#,
        );
        assert!(twice.is_err());
    }

    #[test]
    fn repeated_fields_are_refused() {
        let r: Result<BoardSeal, _> =
            serde_json::from_str(r#"{"count":1,"count":2,"head":"","seal":""}"#);
        assert!(r.is_err());
        let r: Result<BoardSeal, _> =
            serde_json::from_str(r#"{"count":1,"head":"","seal":"","x":0}"#);
        assert!(r.is_err());
    }
}
