//! A trustee's key file: the trustee's secret — between the key
//! ceremony's rounds the dealer's state, afterwards the share of the
//! election key — sealed under a passphrase, so that it can leave the
//! trustee's browser only as a file the trustee keeps (record.md §6.7).
//!
//! The passphrase `P` and a fresh 16-byte salt give a 32-byte key
//! `k = Argon2id(P, salt; m, t, p)` (RFC 9106; the parameters are in the
//! file, [`KDF_MEMORY_KIB`], [`KDF_PASSES`] and [`KDF_LANES`] when made
//! here). The secret is sealed with XChaCha20-Poly1305 under `k` and a
//! fresh 24-byte nonce; the additional data is the file's header (format,
//! manifest hash, ceremony id, trustee, kind and the KDF's parameters and
//! salt, one per line), so a file moved to another election, trustee or
//! kind fails to open even with the right passphrase. The file is JSON:
//!
//! ```json
//! {"format":"valurna-key-file/1","manifest_hash":"…","ceremony_id":"…",
//!  "trustee":2,"kind":"dealer","kdf":{"m_kib":19456,"t":2,"p":1,"salt":"…"},
//!  "nonce":"…","sealed":"…"}
//! ```
//!
//! Opening checks, in order: that the bytes are a whole key file
//! ([`KeyFileError::Truncated`], [`KeyFileError::NotAKeyFile`]), that it
//! belongs to this ceremony and trustee ([`KeyFileError::OtherCeremony`],
//! [`KeyFileError::OtherTrustee`]), that its KDF parameters are within
//! bounds ([`KeyFileError::NotAKeyFile`]: a crafted file cannot make the
//! opener spend gigabytes), and only then the passphrase
//! ([`KeyFileError::WrongPassphrase`]).

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::Zeroizing;

use crate::threshold::CeremonyParams;

/// The format's name and version.
pub const FORMAT: &str = "valurna-key-file/1";
/// Argon2id's memory in KiB for new files (19 MiB, the OWASP minimum for
/// Argon2id with two passes).
pub const KDF_MEMORY_KIB: u32 = 19 * 1024;
/// Argon2id's passes for new files.
pub const KDF_PASSES: u32 = 2;
/// Argon2id's lanes for new files.
pub const KDF_LANES: u32 = 1;
/// The most memory a file may ask of its opener, in KiB (64 MiB: a
/// browser's WebAssembly opens it without running out).
pub const MAX_MEMORY_KIB: u32 = 64 * 1024;
/// The most passes a file may ask of its opener.
pub const MAX_PASSES: u32 = 8;
/// The most lanes a file may ask of its opener.
pub const MAX_LANES: u32 = 4;

/// What a key file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The dealer's state between the ceremony's rounds.
    Dealer,
    /// The trustee's share of the election key.
    Share,
}

impl Kind {
    /// Its name in the file: `dealer` or `share`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Dealer => "dealer",
            Kind::Share => "share",
        }
    }

    /// The kind named `name`, if any.
    pub fn parse(name: &str) -> Option<Kind> {
        [Kind::Dealer, Kind::Share]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

/// Why a key file did not open.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The file stops before its end.
    #[error("the key file is incomplete: it was cut short")]
    Truncated,
    /// Not a key file of this format.
    #[error("this is not a Valurna key file")]
    NotAKeyFile,
    /// A key file of another election or another run of its ceremony.
    #[error("this key file belongs to another election or key ceremony")]
    OtherCeremony,
    /// A key file of another trustee.
    #[error("this key file is trustee {0}'s")]
    OtherTrustee(u32),
    /// A key file of the other kind.
    #[error("this key file holds a {0:?} secret, not the one needed")]
    OtherKind(Kind),
    /// The passphrase does not open it (or the file was altered).
    #[error("the passphrase does not open this key file")]
    WrongPassphrase,
    /// The passphrase is too short to be sealed under.
    #[error("the passphrase must have at least {0} characters")]
    ShortPassphrase(usize),
}

/// The shortest passphrase a new key file is sealed under, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfJson {
    m_kib: u32,
    t: u32,
    p: u32,
    salt: String,
}

/// The file as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileJson {
    format: String,
    manifest_hash: String,
    ceremony_id: String,
    trustee: u32,
    kind: Kind,
    kdf: KdfJson,
    nonce: String,
    sealed: String,
}

impl KeyFileJson {
    /// The additional data: the header, one field a line.
    fn header(&self) -> Vec<u8> {
        format!(
            "{}\n{}\n{}\n{}\n{}\nargon2id\n{}\n{}\n{}\n{}\n",
            self.format,
            self.manifest_hash,
            self.ceremony_id,
            self.trustee,
            self.kind.as_str(),
            self.kdf.m_kib,
            self.kdf.t,
            self.kdf.p,
            self.kdf.salt
        )
        .into_bytes()
    }
}

fn derive(
    passphrase: &str,
    salt: &[u8],
    m: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>, KeyFileError> {
    let params = Params::new(m, t, p, Some(32)).map_err(|_| KeyFileError::NotAKeyFile)?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|_| KeyFileError::NotAKeyFile)?;
    Ok(key)
}

/// Seals `secret` of `kind` for trustee `trustee` of the ceremony `params`
/// under `passphrase`; the file's bytes.
pub fn seal<R: CryptoRng + ?Sized>(
    params: &CeremonyParams,
    trustee: u32,
    kind: Kind,
    secret: &[u8],
    passphrase: &str,
    rng: &mut R,
) -> Result<Vec<u8>, KeyFileError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(KeyFileError::ShortPassphrase(MIN_PASSPHRASE_CHARS));
    }
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    rng.fill_bytes(&mut nonce);
    let mut file = KeyFileJson {
        format: FORMAT.into(),
        manifest_hash: hex::encode(params.manifest_hash),
        ceremony_id: hex::encode(params.ceremony_id),
        trustee,
        kind,
        kdf: KdfJson {
            m_kib: KDF_MEMORY_KIB,
            t: KDF_PASSES,
            p: KDF_LANES,
            salt: hex::encode(salt),
        },
        nonce: hex::encode(nonce),
        sealed: String::new(),
    };
    let key = derive(passphrase, &salt, KDF_MEMORY_KIB, KDF_PASSES, KDF_LANES)?;
    let aad = file.header();
    let sealed = XChaCha20Poly1305::new(key.as_ref().into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: secret,
                aad: &aad,
            },
        )
        .map_err(|_| KeyFileError::NotAKeyFile)?;
    file.sealed = hex::encode(sealed);
    let mut out = serde_json::to_vec_pretty(&file).map_err(|_| KeyFileError::NotAKeyFile)?;
    out.push(b'\n');
    Ok(out)
}

/// Opens a key file of trustee `trustee` of the ceremony `params` holding
/// a `kind` secret; the secret's bytes.
pub fn open(
    params: &CeremonyParams,
    trustee: u32,
    kind: Kind,
    bytes: &[u8],
    passphrase: &str,
) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
    let file: KeyFileJson = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            KeyFileError::Truncated
        } else {
            KeyFileError::NotAKeyFile
        }
    })?;
    if file.format != FORMAT {
        return Err(KeyFileError::NotAKeyFile);
    }
    if file.manifest_hash != hex::encode(params.manifest_hash)
        || file.ceremony_id != hex::encode(params.ceremony_id)
    {
        return Err(KeyFileError::OtherCeremony);
    }
    if file.trustee != trustee {
        return Err(KeyFileError::OtherTrustee(file.trustee));
    }
    if file.kind != kind {
        return Err(KeyFileError::OtherKind(file.kind));
    }
    let k = &file.kdf;
    if k.m_kib > MAX_MEMORY_KIB || k.t == 0 || k.t > MAX_PASSES || k.p == 0 || k.p > MAX_LANES {
        return Err(KeyFileError::NotAKeyFile);
    }
    let salt = hex::decode(&k.salt).map_err(|_| KeyFileError::NotAKeyFile)?;
    let nonce: [u8; 24] = hex::decode(&file.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or(KeyFileError::NotAKeyFile)?;
    let sealed = hex::decode(&file.sealed).map_err(|_| KeyFileError::NotAKeyFile)?;
    let key = derive(passphrase, &salt, k.m_kib, k.t, k.p)?;
    let aad = file.header();
    XChaCha20Poly1305::new(key.as_ref().into())
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &sealed,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| KeyFileError::WrongPassphrase)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use crate::rng::os_rng;

    fn params(id: u8) -> CeremonyParams {
        CeremonyParams {
            manifest_hash: [1; 32],
            ceremony_id: [id; 16],
            trustees: 3,
            threshold: 2,
        }
    }

    const PASS: &str = "correct horse battery";

    #[test]
    fn a_sealed_secret_opens_only_with_its_passphrase_ceremony_trustee_and_kind() {
        let p = params(5);
        let file = seal(&p, 2, Kind::Dealer, b"the secret", PASS, &mut os_rng()).unwrap();
        let text = String::from_utf8(file.clone()).unwrap();
        assert!(!text.contains("the secret"));
        assert_eq!(
            open(&p, 2, Kind::Dealer, &file, PASS).unwrap().as_slice(),
            b"the secret"
        );
        assert_eq!(
            open(&p, 2, Kind::Dealer, &file, "correct horse battery!").unwrap_err(),
            KeyFileError::WrongPassphrase
        );
        assert_eq!(
            open(&params(6), 2, Kind::Dealer, &file, PASS).unwrap_err(),
            KeyFileError::OtherCeremony
        );
        assert_eq!(
            open(&p, 3, Kind::Dealer, &file, PASS).unwrap_err(),
            KeyFileError::OtherTrustee(2)
        );
        assert_eq!(
            open(&p, 2, Kind::Share, &file, PASS).unwrap_err(),
            KeyFileError::OtherKind(Kind::Dealer)
        );
        assert_eq!(
            open(&p, 2, Kind::Dealer, &file[..file.len() / 2], PASS).unwrap_err(),
            KeyFileError::Truncated
        );
        assert_eq!(
            open(&p, 2, Kind::Dealer, b"{\"hello\": 1}", PASS).unwrap_err(),
            KeyFileError::NotAKeyFile
        );
        assert_eq!(
            seal(&p, 2, Kind::Dealer, b"x", "short", &mut os_rng()).unwrap_err(),
            KeyFileError::ShortPassphrase(MIN_PASSPHRASE_CHARS)
        );
    }

    #[test]
    fn an_altered_header_or_a_greedy_kdf_does_not_open() {
        let p = params(5);
        let file = seal(&p, 2, Kind::Dealer, b"the secret", PASS, &mut os_rng()).unwrap();
        let mut json: serde_json::Value = serde_json::from_slice(&file).unwrap();
        // A salt changed: the header is the AEAD's additional data.
        json["kdf"]["salt"] = serde_json::Value::String(hex::encode([0u8; 16]));
        let altered = serde_json::to_vec(&json).unwrap();
        assert_eq!(
            open(&p, 2, Kind::Dealer, &altered, PASS).unwrap_err(),
            KeyFileError::WrongPassphrase
        );
        json["kdf"]["m_kib"] = serde_json::Value::from(MAX_MEMORY_KIB + 1);
        let greedy = serde_json::to_vec(&json).unwrap();
        assert_eq!(
            open(&p, 2, Kind::Dealer, &greedy, PASS).unwrap_err(),
            KeyFileError::NotAKeyFile
        );
    }
}
