//! Voter credentials (spec: record.md §4).
//!
//! A credential authority gives each eligible voter one secret *voting
//! code*: 20 symbols of Crockford base32 (100 bits), printed in groups of
//! five (`7KQ2M-0XH4T-…`). The code determines a secret scalar
//! `x = SHA-512("valurna/credential/v1" ‖ manifest hash ‖ code) mod ℓ` and the
//! public credential `C = x·G`. Only the list of public credentials (with
//! each one's district and weight) is published, sorted by `C`'s encoding so
//! that its order says nothing about the voter roll; the mapping from voter
//! to code goes to delivery and is not kept.
//!
//! The ballot box accepts a ballot only if it is signed with a listed
//! credential (a Schnorr signature, spec: protocol.md §5), so the server
//! cannot add ballots of its own.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rand_core::CryptoRng;
use sha2::{Digest, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::elgamal::{SecretKey, half, mul_g};
use crate::encoding::Element;
use crate::errors::{DecodeError, Result};

/// Symbols in a voting code.
pub const CODE_SYMBOLS: usize = 20;
/// Crockford's base32 alphabet.
pub(crate) const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A voter's secret voting code, normalised to 20 upper-case symbols.
/// Zeroized on drop; `Debug` prints nothing secret.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct VotingCode(String);

impl core::fmt::Debug for VotingCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("VotingCode(<redacted>)")
    }
}

pub(crate) fn symbol_value(c: char) -> Option<u8> {
    // Crockford: case-insensitive, O reads as 0, I and L as 1.
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == c)
        .map(|p| p as u8)
}

impl VotingCode {
    /// Draws a fresh code (100 bits).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new([0u8; CODE_SYMBOLS]);
        rng.fill_bytes(&mut *bytes);
        let code: String = bytes
            .iter()
            .map(|b| char::from(ALPHABET.get(usize::from(b & 31)).copied().unwrap_or(b'0')))
            .collect();
        VotingCode(code)
    }

    /// Reads a code as a person typed it: case, spaces and dashes do not
    /// matter; `O`, `I` and `L` read as `0`, `1`, `1`.
    pub fn parse(text: &str) -> Result<Self, DecodeError> {
        // Room for one symbol too many, so the string never reallocates
        // (which would leave an unzeroized copy of the code behind).
        let mut out = Zeroizing::new(String::with_capacity(CODE_SYMBOLS + 1));
        for c in text.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            let v = symbol_value(c).ok_or(DecodeError::InvalidCode)?;
            out.push(char::from(
                ALPHABET.get(usize::from(v)).copied().unwrap_or(b'0'),
            ));
            if out.len() > CODE_SYMBOLS {
                break;
            }
        }
        if out.len() != CODE_SYMBOLS {
            return Err(DecodeError::WrongLength {
                expected: CODE_SYMBOLS,
                actual: out.len(),
            });
        }
        Ok(VotingCode(out.to_string()))
    }

    /// The code in groups of five, for printing.
    pub fn display(&self) -> String {
        self.0
            .as_bytes()
            .chunks(5)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// The credential's secret scalar for an election (record.md §4.1).
    pub fn secret(&self, manifest_hash: &[u8; 32]) -> CredentialSecret {
        let mut h = Sha512::new();
        h.update(b"valurna/credential/v1");
        h.update(manifest_hash);
        h.update(self.0.as_bytes());
        let mut wide = Zeroizing::new([0u8; 64]);
        wide.copy_from_slice(&h.finalize());
        CredentialSecret(SecretKey::from_scalar(Scalar::from_bytes_mod_order_wide(
            &wide,
        )))
    }
}

/// A credential's secret scalar. Zeroized on drop.
#[derive(Clone, Debug)]
pub struct CredentialSecret(SecretKey);

impl CredentialSecret {
    /// The secret as a key, for signing.
    pub fn key(&self) -> &SecretKey {
        &self.0
    }

    /// The public credential `C = x·G`.
    pub fn public(&self) -> Element {
        Element::from_point(mul_g(self.0.as_scalar()))
    }
}

/// Public credentials of many secrets at once, compressing them in one
/// batch (record.md §4.2).
pub fn public_credentials(secrets: &[CredentialSecret]) -> Vec<Element> {
    let halves: Vec<RistrettoPoint> = secrets
        .iter()
        .map(|s| mul_g(&(s.0.as_scalar() * half())))
        .collect();
    Element::batch_from_halves(&halves)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::os_rng;

    #[test]
    fn codes_round_trip_through_typing() {
        let code = VotingCode::generate(&mut os_rng());
        let shown = code.display();
        assert_eq!(shown.len(), 23);
        assert_eq!(VotingCode::parse(&shown).unwrap(), code);
        assert_eq!(
            VotingCode::parse(&shown.to_lowercase().replace('-', " ")).unwrap(),
            code
        );
        let typo = shown.replace('0', "o").replace('1', "l");
        assert_eq!(VotingCode::parse(&typo).unwrap(), code);
    }

    #[test]
    fn bad_codes_are_typed_errors() {
        assert!(VotingCode::parse("").is_err());
        assert!(VotingCode::parse("UUUUU-00000-00000-00000").is_err()); // U is not Crockford
        assert!(VotingCode::parse("00000-00000-00000-0000").is_err());
        assert!(VotingCode::parse("00000-00000-00000-000000").is_err());
        assert!(VotingCode::parse("ÅÄÖ").is_err());
    }

    #[test]
    fn secrets_depend_on_election_and_code() {
        let code = VotingCode::parse("7KQ2M-0XH4T-9ABCD-EFGHJ").unwrap();
        let a = code.secret(&[1; 32]).public();
        let b = code.secret(&[2; 32]).public();
        assert_ne!(a, b);
        assert_eq!(a, code.secret(&[1; 32]).public());
        let batch = public_credentials(&[code.secret(&[1; 32]), code.secret(&[2; 32])]);
        assert_eq!(batch, vec![a, b]);
        assert_eq!(format!("{code:?}"), "VotingCode(<redacted>)");
    }
}
