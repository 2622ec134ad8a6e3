//! A trustee's decryption in the browser (record.md §7): the page streams
//! the published record into a [`TallyCheck`], which checks the
//! election's set-up, verifies every ballot on the sealed board, rebuilds
//! its chain and seal, recomputes the encrypted tally of the counted
//! ballots and refuses if `tally.json` differs; only then does it make
//! the trustee's partial decryption with its Chaum–Pedersen proofs, from
//! the key share the trustee's key file holds ([`crate::trustee`]).

use valurna_engine::board_check::BoardCheck;
use valurna_engine::record::DecryptionFile;
use valurna_engine::rng::os_rng;
use valurna_engine::setup::{SetupError, check_setup};
use valurna_engine::tally::{DecryptionShare, EncryptedTally};
use wasm_bindgen::prelude::*;

use crate::trustee::TrusteeKey;

/// Why the record or the decryption was refused.
#[derive(Debug, thiserror::Error)]
pub enum TallyError {
    /// The record does not check out.
    #[error("{0}")]
    Record(#[from] SetupError),
    /// A step out of order.
    #[error("{0}")]
    Order(&'static str),
    /// Ranked contests are decrypted with the command line.
    #[error("ranked contests are decrypted with the command line")]
    Ranked,
    /// The key share is not this election's.
    #[error("this key share is not the one the ceremony made for this trustee")]
    NotThisShare,
}

impl From<TallyError> for JsValue {
    /// `code: detail`, as the trustee's steps answer.
    fn from(e: TallyError) -> JsValue {
        let code = match e {
            TallyError::Record(_) => "record",
            TallyError::Order(_) => "round",
            TallyError::Ranked => "ranked",
            TallyError::NotThisShare => "other_ceremony",
        };
        JsError::new(&format!("{code}: {e}")).into()
    }
}

/// The record's check under way, then its tally.
#[wasm_bindgen]
#[derive(Debug)]
pub struct TallyCheck {
    check: Option<BoardCheck>,
    /// A board line not yet ended by its newline.
    partial: Vec<u8>,
    /// The second pass (taking superseded ballots out) has begun.
    second: bool,
    tally: Option<EncryptedTally>,
    public_shares: Vec<valurna_engine::encoding::Element>,
    base_hash: [u8; 32],
}

impl TallyCheck {
    fn check(&mut self) -> Result<&mut BoardCheck, TallyError> {
        self.check
            .as_mut()
            .ok_or(TallyError::Order("the board is checked already"))
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<(), TallyError> {
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            let (line, after) = rest.split_at(end);
            rest = after.get(1..).unwrap_or_default();
            let whole = if self.partial.is_empty() {
                line.to_vec()
            } else {
                let mut l = std::mem::take(&mut self.partial);
                l.extend_from_slice(line);
                l
            };
            if whole.is_empty() {
                continue;
            }
            let second = self.second;
            let check = self.check()?;
            if second {
                check.take_out(&whole)?;
            } else {
                check.line(&whole)?;
            }
        }
        self.partial.extend_from_slice(rest);
        if self.partial.len() > valurna_engine::record::MAX_LINE {
            return Err(SetupError::Bad("board.jsonl: a line longer than 4 MiB".into()).into());
        }
        Ok(())
    }
}

#[wasm_bindgen]
impl TallyCheck {
    /// Checks the set-up files (bytes of `manifest.json`, `parameters.json`,
    /// `ceremony.json`, `credentials.jsonl`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        manifest: Vec<u8>,
        parameters: Vec<u8>,
        ceremony: Vec<u8>,
        credentials: Vec<u8>,
    ) -> Result<TallyCheck, JsValue> {
        let setup =
            check_setup(manifest, parameters, ceremony, credentials).map_err(TallyError::from)?;
        if !valurna_engine::manifest::Manifest::preferences(&setup.manifest)
            .iter()
            .all(|p| *p == 0)
        {
            return Err(
                TallyError::Order("ranked contests are decrypted with the command line").into(),
            );
        }
        let (public_shares, base_hash) = (setup.ceremony.public_shares.clone(), setup.base_hash);
        Ok(TallyCheck {
            check: Some(BoardCheck::new(setup).map_err(TallyError::from)?),
            partial: Vec::new(),
            second: false,
            tally: None,
            public_shares,
            base_hash,
        })
    }

    /// The next bytes of `board.jsonl` (any split).
    pub fn board(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        Ok(self.feed(chunk)?)
    }

    /// The board's entries read so far.
    #[wasm_bindgen(getter)]
    pub fn entries(&self) -> f64 {
        self.check.as_ref().map_or(0.0, |c| c.entries() as f64)
    }

    /// After the whole board: how many ballots revotes superseded. If any,
    /// the page streams `board.jsonl` again into [`TallyCheck::board`],
    /// which then takes them out.
    pub fn superseded(&mut self) -> Result<u32, JsValue> {
        self.feed(b"\n")?;
        let n = self.check()?.superseded().map_err(TallyError::from)?.len();
        self.second = true;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Checks the seal and that `tally.json` is the recomputed tally.
    pub fn finish(&mut self, seal: &[u8], tally: &[u8]) -> Result<(), JsValue> {
        self.feed(b"\n")?;
        let check = self
            .check
            .take()
            .ok_or(TallyError::Order("the board is checked already"))?;
        self.tally = Some(check.finish(seal, tally).map_err(TallyError::from)?);
        Ok(())
    }

    /// The trustee's partial decryption of the checked tally with proofs,
    /// as JSON for the server (record.md §7.2).
    pub fn decrypt(&self, key: &TrusteeKey) -> Result<String, JsValue> {
        let tally = self
            .tally
            .as_ref()
            .ok_or(TallyError::Order("the record is not checked yet"))?;
        let share = key
            .share()
            .ok_or(TallyError::Order("a key share is needed"))?;
        let public = self
            .public_shares
            .get((share.index as usize).wrapping_sub(1))
            .copied()
            .ok_or(TallyError::NotThisShare)?;
        let mine = share
            .share
            .public_key()
            .map_err(|e| TallyError::Record(e.into()))?;
        if mine.element() != &public {
            return Err(TallyError::NotThisShare.into());
        }
        let d = DecryptionShare::create(&self.base_hash, tally, share, &public, &mut os_rng());
        let json = DecryptionFile::new(std::slice::from_ref(&d)).shares;
        let one = json.first().ok_or(TallyError::Order("a share"))?;
        serde_json::to_string(one).map_err(|_| TallyError::Order("json").into())
    }
}
