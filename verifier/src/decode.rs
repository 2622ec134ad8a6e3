//! Strict decoding of elements, scalars, hex and base64 (protocol.md §2,
//! record.md §1).
//!
//! Every element read from a record goes through [`point`], which accepts
//! only canonical ristretto255 encodings (curve25519-dalek's `decompress`
//! implements RFC 9496 §4.3.1, which rejects non-canonical field elements,
//! negative `s` and the other invalid cases) and applies the identity rule of
//! protocol.md §2.3. Because only canonical encodings are accepted, a decoded
//! element's encoding is the bytes it came from, so transcripts hash the
//! received bytes.

use base64::Engine as _;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;

use crate::error::Malformed;

/// Length of an encoded element or scalar.
pub const LEN: usize = 32;

/// Whether the identity is allowed (protocol.md §2.3's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// Public keys, credentials, a ballot ciphertext's `A`.
    Forbidden,
    /// Everything else.
    Allowed,
}

/// A decoded element with the bytes it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// The element.
    pub point: RistrettoPoint,
    /// Its canonical encoding.
    pub bytes: [u8; LEN],
}

/// Decodes an element (protocol.md §2.2).
pub fn point(bytes: &[u8], identity: Identity) -> Result<Point, Malformed> {
    let array: [u8; LEN] = bytes.try_into().map_err(|_| Malformed::WrongLength {
        expected: LEN,
        actual: bytes.len(),
    })?;
    // The identity's only encoding is 32 zero bytes.
    if identity == Identity::Forbidden && array == [0u8; LEN] {
        return Err(Malformed::IdentityPoint);
    }
    let point = CompressedRistretto(array)
        .decompress()
        .ok_or(Malformed::InvalidPoint)?;
    Ok(Point {
        point,
        bytes: array,
    })
}

/// Decodes a scalar, refusing values `≥ ℓ` (protocol.md §2.3).
pub fn scalar(bytes: &[u8]) -> Result<Scalar, Malformed> {
    let array: [u8; LEN] = bytes.try_into().map_err(|_| Malformed::WrongLength {
        expected: LEN,
        actual: bytes.len(),
    })?;
    Option::from(Scalar::from_canonical_bytes(array)).ok_or(Malformed::NonCanonicalScalar)
}

/// Decodes lower-case hex (record.md §1); upper case is an error.
pub fn hex(text: &str) -> Result<Vec<u8>, Malformed> {
    if !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(Malformed::InvalidHex);
    }
    ::hex::decode(text).map_err(|_| Malformed::InvalidHex)
}

/// Decodes lower-case hex of exactly `N` bytes.
pub fn hex_array<const N: usize>(text: &str) -> Result<[u8; N], Malformed> {
    let bytes = hex(text)?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| Malformed::WrongLength {
            expected: N,
            actual: bytes.len(),
        })
}

/// An element given in hex.
pub fn hex_point(text: &str, identity: Identity) -> Result<Point, Malformed> {
    point(&hex(text)?, identity)
}

/// Decodes canonical standard base64 with padding (record.md §1).
pub fn base64(text: &str) -> Result<Vec<u8>, Malformed> {
    // The standard engine requires canonical padding and zero trailing bits.
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| Malformed::InvalidBase64)
}

/// A cursor over bytes that reads fixed-size fields and never panics.
#[derive(Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
    total: usize,
}

impl<'a> Reader<'a> {
    /// Reads `bytes` from the start.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader {
            rest: bytes,
            total: bytes.len(),
        }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let (head, tail) = self
            .rest
            .split_at_checked(n)
            .ok_or(Malformed::WrongLength {
                expected: self.total - self.rest.len() + n,
                actual: self.total,
            })?;
        self.rest = tail;
        Ok(head)
    }

    /// The next little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, Malformed> {
        let b: [u8; 4] = self
            .take(4)?
            .try_into()
            .map_err(|_| Malformed::OutOfRange("u32"))?;
        Ok(u32::from_le_bytes(b))
    }

    /// The next element.
    pub fn point(&mut self, identity: Identity) -> Result<Point, Malformed> {
        point(self.take(LEN)?, identity)
    }

    /// The next scalar.
    pub fn scalar(&mut self) -> Result<Scalar, Malformed> {
        scalar(self.take(LEN)?)
    }

    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.total - self.rest.len()
    }

    /// Succeeds only if every byte was read.
    pub fn finish(self) -> Result<(), Malformed> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Malformed::WrongLength {
                expected: self.total - self.rest.len(),
                actual: self.total,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_only() {
        assert_eq!(hex("00ff"), Ok(vec![0, 255]));
        assert_eq!(hex("00FF"), Err(Malformed::InvalidHex));
        assert_eq!(hex("0"), Err(Malformed::InvalidHex));
        assert_eq!(hex("zz"), Err(Malformed::InvalidHex));
    }

    #[test]
    fn base64_must_be_canonical() {
        assert_eq!(base64("AAE="), Ok(vec![0, 1]));
        // Non-zero unused bits, missing padding, the URL alphabet.
        assert_eq!(base64("AAF="), Err(Malformed::InvalidBase64));
        assert_eq!(base64("AAE"), Err(Malformed::InvalidBase64));
        assert_eq!(base64("-_8="), Err(Malformed::InvalidBase64));
    }

    #[test]
    fn reader_never_reads_past_the_end() {
        let mut r = Reader::new(&[1, 0, 0, 0, 9]);
        assert_eq!(r.u32(), Ok(1));
        assert!(r.u32().is_err());
        assert_eq!(r.position(), 4);
        assert!(r.finish().is_err());
    }

    #[test]
    fn identity_rules() {
        assert_eq!(
            point(&[0u8; 32], Identity::Forbidden),
            Err(Malformed::IdentityPoint)
        );
        assert!(point(&[0u8; 32], Identity::Allowed).is_ok());
        assert_eq!(
            point(&[0u8; 31], Identity::Allowed),
            Err(Malformed::WrongLength {
                expected: 32,
                actual: 31
            })
        );
    }
}
