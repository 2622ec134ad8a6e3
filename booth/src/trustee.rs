//! A trustee's key ceremony in the browser (record.md §6): the page
//! (`web/static/trustee.js`) fetches the ceremony's public files from the
//! server and hands them to a [`TrusteeKey`], which takes the trustee's
//! round and answers the public file to upload. The trustee's secret —
//! the dealer's state, then the share of the election key — stays in
//! this module's memory (zeroized on drop) and leaves it only sealed in a
//! key file under the trustee's passphrase ([`valurna_engine::keyfile`],
//! record.md §6.7); JavaScript never holds it in the clear.
//!
//! 1. [`TrusteeKey::announce_round`] (round 1) draws the secret and answers
//!    `announcement-i.json`; [`TrusteeKey::seal_file`] makes the key file to
//!    download, and [`TrusteeKey::check_file`] opens the trustee's saved copy
//!    again, so the page goes on only once the trustee can reopen it.
//! 2. [`TrusteeKey::open_file`] reopens a key file in a later visit.
//! 3. [`TrusteeKey::deal_round`] (round 2) checks every announcement and
//!    answers `shares-from-i.json`.
//! 4. [`TrusteeKey::receive_round`] (round 3) checks every share dealt to this
//!    trustee against its dealer's commitments: all good, the key becomes
//!    the trustee's share and the answer is `confirmation-i.json` (after
//!    a new key file, sealed and checked like the first); a bad one, and
//!    the answer is `complaints-from-i.json` naming its dealers.
//!
//! Errors reach JavaScript as an `Error` whose message is a code
//! ([`TrusteeError::code`]) that the page shows in the trustee's
//! language.

use std::collections::BTreeMap;

use serde::Serialize;
use valurna_engine::ceremony_dir::{self, CeremonyParamsFile, DirError};
use valurna_engine::elgamal::SecretKey;
use valurna_engine::encoding::decode_scalar;
use valurna_engine::keyfile::{self, KeyFileError, Kind};
use valurna_engine::record::CeremonyFile;
use valurna_engine::rng::os_rng;
use valurna_engine::threshold::{
    CeremonyParams, CeremonyTranscript, Received, TrusteeDealer, TrusteeShare,
};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

/// Why a trustee's step did not go through.
#[derive(Debug, thiserror::Error)]
pub enum TrusteeError {
    /// The key file did not open (or could not be made).
    #[error("{0}")]
    KeyFile(#[from] KeyFileError),
    /// The saved key file is not the one just made.
    #[error("the saved key file is another one than this page made")]
    Different,
    /// The ceremony's files do not read.
    #[error("the ceremony's files: {0}")]
    Ceremony(#[from] DirError),
    /// The engine refused the step.
    #[error("{0}")]
    Engine(#[from] valurna_engine::Error),
    /// The step does not fit the key held (a dealer's step with a share).
    #[error("this step needs the key of another round")]
    Round,
}

impl TrusteeError {
    /// The code the page translates: `truncated`, `not_a_key_file`,
    /// `other_ceremony`, `other_trustee`, `other_kind`,
    /// `wrong_passphrase`, `short_passphrase`, `different`, `round`, or
    /// `ceremony` (the ceremony's files or the engine refused; the page
    /// shows the detail).
    pub fn code(&self) -> &'static str {
        match self {
            TrusteeError::KeyFile(e) => match e {
                KeyFileError::Truncated => "truncated",
                KeyFileError::OtherCeremony => "other_ceremony",
                KeyFileError::OtherTrustee(_) => "other_trustee",
                KeyFileError::OtherKind(_) => "other_kind",
                KeyFileError::WrongPassphrase => "wrong_passphrase",
                KeyFileError::ShortPassphrase(_) => "short_passphrase",
                _ => "not_a_key_file",
            },
            TrusteeError::Different => "different",
            TrusteeError::Round => "round",
            TrusteeError::Ceremony(_) | TrusteeError::Engine(_) => "ceremony",
        }
    }
}

impl From<TrusteeError> for JsValue {
    /// `code: detail`: the page translates the code and shows the detail
    /// on its technical line.
    fn from(e: TrusteeError) -> JsValue {
        JsError::new(&format!("{}: {e}", e.code())).into()
    }
}

enum Secret {
    Dealer(TrusteeDealer),
    Share(TrusteeShare),
}

/// A trustee's key in one ceremony, held in WebAssembly memory.
#[wasm_bindgen]
pub struct TrusteeKey {
    params: CeremonyParams,
    index: u32,
    secret: Secret,
    /// Round 1's announcement, until the page takes it.
    announcement: Option<Upload>,
}

impl std::fmt::Debug for TrusteeKey {
    /// Never the secret: whose key it is and of which kind.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrusteeKey")
            .field("index", &self.index)
            .field("kind", &self.kind_of())
            .finish_non_exhaustive()
    }
}

/// What a round answers: the file to upload and, for complaints, whom
/// they accuse.
#[derive(Debug, Serialize)]
pub struct Upload {
    /// The file's name in the ceremony's directory.
    pub name: String,
    /// Its content (JSON).
    pub content: String,
    /// The trustees complained about (round 3 only).
    pub accused: Vec<u32>,
}

fn params(params_json: &[u8]) -> Result<CeremonyParams, TrusteeError> {
    let file: CeremonyParamsFile = serde_json::from_slice(params_json)
        .map_err(|_| DirError::NotJson(ceremony_dir::PARAMS.into()))?;
    Ok(file.params()?)
}

fn json<T: Serialize>(value: &T) -> Result<String, TrusteeError> {
    serde_json::to_string_pretty(value)
        .map_err(|_| TrusteeError::Engine(valurna_engine::Error::InvalidStatement("json")))
}

/// The files of the ceremony as the page passes them: a JSON object of
/// name to content.
fn files(files_json: &str) -> Result<(CeremonyParams, CeremonyTranscript), TrusteeError> {
    let map: BTreeMap<String, String> = serde_json::from_str(files_json)
        .map_err(|_| DirError::NotJson("the ceremony's files".into()))?;
    let list: Vec<(String, String)> = map.into_iter().collect();
    Ok(ceremony_dir::gather(&list)?)
}

impl TrusteeKey {
    /// Round 1: a fresh secret for trustee `index` of the ceremony whose
    /// `ceremony-params.json` is `params_json`, and its announcement.
    pub fn announce_round(
        params_json: &[u8],
        index: u32,
    ) -> Result<(TrusteeKey, Upload), TrusteeError> {
        let params = params(params_json)?;
        let (dealer, announcement) = TrusteeDealer::new(params, index, &mut os_rng())?;
        let t = CeremonyTranscript {
            announcements: vec![announcement],
            ..Default::default()
        };
        let one = CeremonyFile::new(&params.ceremony_id, &t, &[])
            .announcements
            .into_iter()
            .next()
            .ok_or(TrusteeError::Round)?;
        let upload = Upload {
            name: format!("announcement-{index}.json"),
            content: json(&one)?,
            accused: Vec::new(),
        };
        let key = TrusteeKey {
            params,
            index,
            secret: Secret::Dealer(dealer),
            announcement: None,
        };
        Ok((key, upload))
    }

    fn kind_of(&self) -> Kind {
        match self.secret {
            Secret::Dealer(_) => Kind::Dealer,
            Secret::Share(_) => Kind::Share,
        }
    }

    fn secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        match &self.secret {
            Secret::Dealer(d) => d.export_secret(),
            Secret::Share(s) => Zeroizing::new(s.share.as_scalar().as_bytes().to_vec()),
        }
    }

    /// The key file of the key held, sealed under `passphrase`.
    pub fn seal_file(&self, passphrase: &str) -> Result<Vec<u8>, TrusteeError> {
        Ok(keyfile::seal(
            &self.params,
            self.index,
            self.kind_of(),
            &self.secret_bytes(),
            passphrase,
            &mut os_rng(),
        )?)
    }

    /// Checks that `file` opens under `passphrase` to the key held.
    pub fn check_file(&self, file: &[u8], passphrase: &str) -> Result<(), TrusteeError> {
        let opened = keyfile::open(&self.params, self.index, self.kind_of(), file, passphrase)?;
        if opened.as_slice() == self.secret_bytes().as_slice() {
            Ok(())
        } else {
            Err(TrusteeError::Different)
        }
    }

    /// Opens trustee `index`'s key file of `kind` (`dealer` or `share`)
    /// in the ceremony of `params_json`.
    pub fn open_file(
        params_json: &[u8],
        index: u32,
        kind: Kind,
        file: &[u8],
        passphrase: &str,
    ) -> Result<TrusteeKey, TrusteeError> {
        let params = params(params_json)?;
        let bytes = keyfile::open(&params, index, kind, file, passphrase)?;
        let secret = match kind {
            Kind::Dealer => Secret::Dealer(TrusteeDealer::import_secret(params, &bytes)?),
            Kind::Share => Secret::Share(TrusteeShare {
                index,
                share: SecretKey::from_scalar(
                    decode_scalar(&bytes).map_err(valurna_engine::Error::from)?,
                ),
            }),
        };
        Ok(TrusteeKey {
            params,
            index,
            secret,
            announcement: None,
        })
    }

    /// The key share, once the ceremony made it (or a share's key file
    /// was opened).
    pub fn share(&self) -> Option<&TrusteeShare> {
        match &self.secret {
            Secret::Share(s) => Some(s),
            Secret::Dealer(_) => None,
        }
    }

    fn dealer(&self) -> Result<&TrusteeDealer, TrusteeError> {
        match &self.secret {
            Secret::Dealer(d) => Ok(d),
            Secret::Share(_) => Err(TrusteeError::Round),
        }
    }

    /// Round 2: the shares for every other trustee.
    pub fn deal_round(&self, files_json: &str) -> Result<Upload, TrusteeError> {
        let dealer = self.dealer()?;
        let (_, t) = files(files_json)?;
        let shares = dealer.deal(&t.announcements, &mut os_rng())?;
        let json_shares = CeremonyFile::new(
            &self.params.ceremony_id,
            &CeremonyTranscript {
                shares,
                ..Default::default()
            },
            &[],
        )
        .shares;
        Ok(Upload {
            name: format!("shares-from-{}.json", self.index),
            content: json(&json_shares)?,
            accused: Vec::new(),
        })
    }

    /// Round 3: checks the shares dealt to this trustee. All good: the
    /// key held becomes the trustee's share and the answer is its
    /// confirmation. Otherwise the answer is the complaints.
    pub fn receive_round(&mut self, files_json: &str) -> Result<Upload, TrusteeError> {
        let (_, t) = files(files_json)?;
        // The engine's round 3 consumes the dealer: it works on a copy, so
        // that the key held stays usable when the round is refused.
        let copy = TrusteeDealer::import_secret(self.params, &self.dealer()?.export_secret())?;
        let received = copy.receive(&t.announcements, &t.shares, &mut os_rng())?;
        let i = self.index;
        match received {
            Received::Share(share, confirmation) => {
                let one = CeremonyFile::new(
                    &self.params.ceremony_id,
                    &CeremonyTranscript {
                        confirmations: vec![*confirmation],
                        ..Default::default()
                    },
                    &[],
                )
                .confirmations
                .into_iter()
                .next()
                .ok_or(TrusteeError::Round)?;
                self.secret = Secret::Share(share);
                Ok(Upload {
                    name: format!("confirmation-{i}.json"),
                    content: json(&one)?,
                    accused: Vec::new(),
                })
            }
            Received::Complaints(complaints) => {
                let accused = complaints.iter().map(|c| c.accused).collect();
                let list = CeremonyFile::new(
                    &self.params.ceremony_id,
                    &CeremonyTranscript {
                        complaints,
                        ..Default::default()
                    },
                    &[],
                )
                .complaints;
                Ok(Upload {
                    name: format!("complaints-from-{i}.json"),
                    content: json(&list)?,
                    accused,
                })
            }
        }
    }
}

fn kind(kind: &str) -> Result<Kind, TrusteeError> {
    Kind::parse(kind).ok_or(TrusteeError::Round)
}

fn upload_js(u: Upload) -> Result<String, JsValue> {
    Ok(json(&u)?)
}

#[wasm_bindgen]
impl TrusteeKey {
    /// Round 1 for trustee `index`: the key stays here; `announcement`
    /// answers the file to upload.
    pub fn announce(params_json: &[u8], index: u32) -> Result<TrusteeKey, JsValue> {
        let (mut key, upload) = TrusteeKey::announce_round(params_json, index)?;
        key.announcement = Some(upload);
        Ok(key)
    }

    /// The announcement [`TrusteeKey::announce`] made, as JSON `{"name",
    /// "content", "accused"}`.
    pub fn announcement(&self) -> Result<String, JsValue> {
        let upload = self.announcement.as_ref().ok_or(TrusteeError::Round)?;
        Ok(json(upload)?)
    }

    /// Opens a key file (`kind` is `dealer` or `share`).
    #[wasm_bindgen(js_name = open)]
    pub fn open_js(
        params_json: &[u8],
        index: u32,
        kind_name: &str,
        file: &[u8],
        passphrase: &str,
    ) -> Result<TrusteeKey, JsValue> {
        Ok(TrusteeKey::open_file(
            params_json,
            index,
            kind(kind_name)?,
            file,
            passphrase,
        )?)
    }

    /// The key file, sealed under `passphrase`.
    #[wasm_bindgen(js_name = seal)]
    pub fn seal_js(&self, passphrase: &str) -> Result<Vec<u8>, JsValue> {
        Ok(self.seal_file(passphrase)?)
    }

    /// Checks the trustee's saved key file against the key held.
    #[wasm_bindgen(js_name = check)]
    pub fn check_js(&self, file: &[u8], passphrase: &str) -> Result<(), JsValue> {
        Ok(self.check_file(file, passphrase)?)
    }

    /// `dealer` or `share`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.kind_of().as_str().into()
    }

    /// Round 2, from the ceremony's files (a JSON object name → content).
    #[wasm_bindgen(js_name = deal)]
    pub fn deal_js(&self, files_json: &str) -> Result<String, JsValue> {
        upload_js(self.deal_round(files_json)?)
    }

    /// Round 3, from the ceremony's files.
    #[wasm_bindgen(js_name = receive)]
    pub fn receive_js(&mut self, files_json: &str) -> Result<String, JsValue> {
        upload_js(self.receive_round(files_json)?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    const PASS: &str = "a passphrase of mine";

    fn params_json() -> Vec<u8> {
        serde_json::to_vec(&CeremonyParamsFile {
            manifest_hash: hex::encode([3u8; 32]),
            ceremony_id: hex::encode([4u8; 16]),
            trustees: 3,
            threshold: 2,
        })
        .unwrap()
    }

    fn dir(p: &[u8], uploads: &[&Upload]) -> String {
        let mut map = BTreeMap::new();
        map.insert(
            ceremony_dir::PARAMS.to_string(),
            String::from_utf8(p.to_vec()).unwrap(),
        );
        for u in uploads {
            map.insert(u.name.clone(), u.content.clone());
        }
        serde_json::to_string(&map).unwrap()
    }

    /// Three trustees in their browsers; `tamper` changes one byte of the
    /// encrypted share trustee 1 deals to trustee 2 before it is
    /// published.
    fn ceremony(tamper: bool) -> (Vec<TrusteeKey>, Vec<Upload>) {
        let p = params_json();
        let mut keys = Vec::new();
        let mut announced = Vec::new();
        for i in 1..=3 {
            let (key, upload) = TrusteeKey::announce_round(&p, i).unwrap();
            // The key file opens to the key held, and reopens in a new visit.
            let file = key.seal_file(PASS).unwrap();
            key.check_file(&file, PASS).unwrap();
            let again = TrusteeKey::open_file(&p, i, Kind::Dealer, &file, PASS).unwrap();
            assert_eq!(
                again.secret_bytes().as_slice(),
                key.secret_bytes().as_slice()
            );
            assert!(!format!("{key:?}").contains(&hex::encode(key.secret_bytes().as_slice())));
            keys.push(again);
            announced.push(upload);
        }
        let round1: Vec<&Upload> = announced.iter().collect();
        let mut dealt: Vec<Upload> = keys
            .iter()
            .map(|k| k.deal_round(&dir(&p, &round1)).unwrap())
            .collect();
        if tamper {
            let mut shares: serde_json::Value = serde_json::from_str(&dealt[0].content).unwrap();
            let to_two = shares
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|s| s["to"] == 2)
                .unwrap();
            let mut c = hex::decode(to_two["ciphertext"].as_str().unwrap()).unwrap();
            c[0] ^= 1;
            to_two["ciphertext"] = hex::encode(c).into();
            dealt[0].content = shares.to_string();
        }
        let all: Vec<&Upload> = announced.iter().chain(&dealt).collect();
        let listing = dir(&p, &all);
        let answers = keys
            .iter_mut()
            .map(|k| k.receive_round(&listing).unwrap())
            .collect();
        (keys, answers)
    }

    #[test]
    fn three_trustees_confirm_and_keep_their_shares_in_key_files() {
        let (keys, answers) = ceremony(false);
        for (i, (key, a)) in keys.iter().zip(&answers).enumerate() {
            assert_eq!(a.name, format!("confirmation-{}.json", i + 1));
            assert!(a.accused.is_empty());
            assert_eq!(key.kind(), "share");
            // The share's key file: a dealer's file does not stand in for it.
            let file = key.seal_file(PASS).unwrap();
            key.check_file(&file, PASS).unwrap();
            let p = params_json();
            let e = TrusteeKey::open_file(&p, key.index, Kind::Dealer, &file, PASS).unwrap_err();
            assert_eq!(e.code(), "other_kind");
            let e = key.check_file(&file, "not the passphrase").unwrap_err();
            assert_eq!(e.code(), "wrong_passphrase");
            let e = key.check_file(&file[..40], PASS).unwrap_err();
            assert_eq!(e.code(), "truncated");
        }
        // A dealer's round with a share is refused, not panicked over.
        assert_eq!(keys[0].deal_round("{}").unwrap_err().code(), "round");
    }

    #[test]
    fn a_changed_share_makes_its_recipient_complain_and_name_the_dealer() {
        let (keys, answers) = ceremony(true);
        assert_eq!(answers[1].name, "complaints-from-2.json");
        assert_eq!(answers[1].accused, vec![1]);
        // Trustee 2 keeps its dealer's key: the committee restarts.
        assert_eq!(keys[1].kind(), "dealer");
        assert_eq!(answers[0].name, "confirmation-1.json");
        assert_eq!(answers[2].name, "confirmation-3.json");
    }

    #[test]
    fn a_key_file_of_another_ceremony_or_trustee_is_named() {
        let p = params_json();
        let (key, _) = TrusteeKey::announce_round(&p, 1).unwrap();
        let file = key.seal_file(PASS).unwrap();
        let other = serde_json::to_vec(&CeremonyParamsFile {
            manifest_hash: hex::encode([3u8; 32]),
            ceremony_id: hex::encode([5u8; 16]),
            trustees: 3,
            threshold: 2,
        })
        .unwrap();
        let code = |r: Result<TrusteeKey, TrusteeError>| r.unwrap_err().code();
        assert_eq!(
            code(TrusteeKey::open_file(&other, 1, Kind::Dealer, &file, PASS)),
            "other_ceremony"
        );
        assert_eq!(
            code(TrusteeKey::open_file(&p, 2, Kind::Dealer, &file, PASS)),
            "other_trustee"
        );
        assert_eq!(
            code(TrusteeKey::open_file(
                &p,
                1,
                Kind::Dealer,
                b"not json",
                PASS
            )),
            "not_a_key_file"
        );
        assert_eq!(
            key.seal_file("short").unwrap_err().code(),
            "short_passphrase"
        );
        let (second, _) = TrusteeKey::announce_round(&p, 1).unwrap();
        assert_eq!(
            second.check_file(&file, PASS).unwrap_err().code(),
            "different"
        );
    }
}
