//! Strict encodings of group elements and scalars (spec: protocol.md §2).
//!
//! Every element of ristretto255 has exactly one 32-byte encoding
//! (RFC 9496 §4.3.2), and every scalar modulo ℓ has exactly one 32-byte
//! little-endian encoding below ℓ. Decoding accepts only those: a
//! non-canonical field element, a negative one, a non-square, a scalar ≥ ℓ,
//! a wrong length, or (where the caller forbids it) the identity, is a
//! [`DecodeError`], never a panic.
//!
//! An [`Element`] keeps a point together with its encoding. Transcripts hash
//! encodings, so a verifier that decoded a point from bytes can hash those
//! very bytes without compressing the point again (compression costs about as
//! much as decompression), and a prover that must publish its points anyway
//! compresses each one once.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;

use crate::errors::DecodeError;

/// Bytes in an encoded group element.
pub const POINT_LEN: usize = 32;
/// Bytes in an encoded scalar.
pub const SCALAR_LEN: usize = 32;

/// Whether the identity element is acceptable where a point is read
/// (spec: protocol.md §2.3 lists where it is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityRule {
    /// The identity is a valid value here.
    Allowed,
    /// The identity is rejected with [`DecodeError::IdentityPoint`].
    Forbidden,
}

/// A ristretto255 element together with its canonical encoding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Element {
    point: RistrettoPoint,
    bytes: [u8; POINT_LEN],
}

impl Element {
    /// Decodes 32 bytes strictly (RFC 9496 §4.3.1); `identity` says whether
    /// the identity element is acceptable.
    ///
    /// spec: protocol.md §2.2
    pub fn decode(bytes: &[u8], identity: IdentityRule) -> Result<Self, DecodeError> {
        let bytes: [u8; POINT_LEN] = bytes.try_into().map_err(|_| DecodeError::WrongLength {
            expected: POINT_LEN,
            actual: bytes.len(),
        })?;
        let point = CompressedRistretto(bytes)
            .decompress()
            .ok_or(DecodeError::InvalidPoint)?;
        if identity == IdentityRule::Forbidden && bytes == [0u8; POINT_LEN] {
            // The identity's only encoding is all zeroes (RFC 9496 §4.3.2).
            return Err(DecodeError::IdentityPoint);
        }
        Ok(Element { point, bytes })
    }

    /// Wraps a computed point, compressing it once.
    pub fn from_point(point: RistrettoPoint) -> Self {
        Element {
            point,
            bytes: point.compress().to_bytes(),
        }
    }

    /// Wraps many computed points given as their *halves*: for each `h` in
    /// `halves` the result is the element `2h`. `double_and_compress_batch`
    /// shares one field inversion across the batch, which makes this several
    /// times cheaper per point than [`Element::from_point`]; provers compute
    /// `(x/2)·P` instead of `x·P` to use it (spec: protocol.md §9.2).
    pub fn batch_from_halves(halves: &[RistrettoPoint]) -> Vec<Self> {
        RistrettoPoint::double_and_compress_batch(halves)
            .into_iter()
            .zip(halves)
            .map(|(c, h)| Element {
                point: h + h,
                bytes: c.to_bytes(),
            })
            .collect()
    }

    /// The identity element.
    pub fn identity() -> Self {
        Element {
            point: RistrettoPoint::identity(),
            bytes: [0u8; POINT_LEN],
        }
    }

    /// The standard generator `G` of ristretto255.
    pub fn generator() -> Self {
        Element {
            point: curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT,
            bytes: curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED.to_bytes(),
        }
    }

    /// The point.
    pub fn point(&self) -> &RistrettoPoint {
        &self.point
    }

    /// The canonical encoding.
    pub fn as_bytes(&self) -> &[u8; POINT_LEN] {
        &self.bytes
    }

    /// Whether this is the identity element.
    pub fn is_identity(&self) -> bool {
        self.bytes == [0u8; POINT_LEN]
    }

    /// Lower-case hexadecimal of the encoding.
    pub fn to_hex(&self) -> String {
        hex::encode(self.bytes)
    }

    /// Decodes from hexadecimal text.
    pub fn from_hex(text: &str, identity: IdentityRule) -> Result<Self, DecodeError> {
        Self::decode(&decode_hex(text)?, identity)
    }
}

impl core::fmt::Debug for Element {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Element({})", self.to_hex())
    }
}

/// Decodes a canonical scalar: exactly 32 bytes, little-endian, below ℓ.
///
/// spec: protocol.md §2.3
pub fn decode_scalar(bytes: &[u8]) -> Result<Scalar, DecodeError> {
    let bytes: [u8; SCALAR_LEN] = bytes.try_into().map_err(|_| DecodeError::WrongLength {
        expected: SCALAR_LEN,
        actual: bytes.len(),
    })?;
    Option::from(Scalar::from_canonical_bytes(bytes)).ok_or(DecodeError::NonCanonicalScalar)
}

/// Decodes lower-case hexadecimal text into bytes (records write lower
/// case only, record.md §1, so every value has one textual form).
pub fn decode_hex(text: &str) -> Result<Vec<u8>, DecodeError> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(DecodeError::InvalidHex);
    }
    hex::decode(text).map_err(|_| DecodeError::InvalidHex)
}

/// A cursor over an encoded structure: reads fixed-size fields in order and
/// insists that nothing is left over at the end.
#[derive(Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
    total: usize,
}

impl<'a> Reader<'a> {
    /// Starts reading `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader {
            rest: bytes,
            total: bytes.len(),
        }
    }

    /// Starts reading `bytes`, which must be exactly `len` bytes long: a
    /// structure of fixed length is refused for its length before any of
    /// its fields is decoded.
    pub fn exact(bytes: &'a [u8], len: usize) -> Result<Self, DecodeError> {
        if bytes.len() != len {
            return Err(DecodeError::WrongLength {
                expected: len,
                actual: bytes.len(),
            });
        }
        Ok(Reader::new(bytes))
    }

    fn take(&mut self, n: usize, expected_total: usize) -> Result<&'a [u8], DecodeError> {
        if self.rest.len() < n {
            return Err(DecodeError::WrongLength {
                expected: expected_total,
                actual: self.total,
            });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// Reads one element; `expected_total` is the full structure's length,
    /// used in the error if the input is too short.
    pub fn element(
        &mut self,
        identity: IdentityRule,
        expected_total: usize,
    ) -> Result<Element, DecodeError> {
        Element::decode(self.take(POINT_LEN, expected_total)?, identity)
    }

    /// Reads one canonical scalar.
    pub fn scalar(&mut self, expected_total: usize) -> Result<Scalar, DecodeError> {
        decode_scalar(self.take(SCALAR_LEN, expected_total)?)
    }

    /// Ends reading: trailing bytes are an error.
    pub fn finish(self, expected_total: usize) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::WrongLength {
                expected: expected_total,
                actual: self.total,
            })
        }
    }
}

/// Appends scalars' canonical encodings to `out`.
pub(crate) fn put_scalars(out: &mut Vec<u8>, scalars: &[Scalar]) {
    for s in scalars {
        out.extend_from_slice(s.as_bytes());
    }
}

/// Appends elements' encodings to `out`.
pub(crate) fn put_elements(out: &mut Vec<u8>, elements: &[Element]) {
    for e in elements {
        out.extend_from_slice(e.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // RFC 9496 Appendix A.2's invalid encodings are test vectors in
    // spec/vectors/encoding.json, checked by tests/vectors.rs.

    #[test]
    fn identity_rule() {
        let zero = [0u8; 32];
        assert!(
            Element::decode(&zero, IdentityRule::Allowed)
                .unwrap()
                .is_identity()
        );
        assert_eq!(
            Element::decode(&zero, IdentityRule::Forbidden),
            Err(DecodeError::IdentityPoint)
        );
    }

    #[test]
    fn wrong_lengths() {
        for n in [0usize, 1, 31, 33, 64] {
            let v = vec![0u8; n];
            assert_eq!(
                Element::decode(&v, IdentityRule::Allowed),
                Err(DecodeError::WrongLength {
                    expected: 32,
                    actual: n
                })
            );
            assert_eq!(
                decode_scalar(&v),
                Err(DecodeError::WrongLength {
                    expected: 32,
                    actual: n
                })
            );
        }
    }

    #[test]
    fn scalars_at_and_above_the_order_are_rejected() {
        // ℓ itself, ℓ + 1, and 2^256 - 1.
        let ell: [u8; 32] =
            hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
                .unwrap()
                .try_into()
                .unwrap();
        let mut l = ell;
        assert_eq!(decode_scalar(&l), Err(DecodeError::NonCanonicalScalar));
        l[0] += 1;
        assert_eq!(decode_scalar(&l), Err(DecodeError::NonCanonicalScalar));
        assert_eq!(
            decode_scalar(&[0xff; 32]),
            Err(DecodeError::NonCanonicalScalar)
        );
        // ℓ - 1 is the largest canonical scalar.
        let mut lm1 = ell;
        lm1[0] -= 1;
        assert_eq!(decode_scalar(&lm1).unwrap(), -Scalar::ONE);
    }

    #[test]
    fn bad_hex() {
        assert_eq!(
            Element::from_hex("zz", IdentityRule::Allowed),
            Err(DecodeError::InvalidHex)
        );
    }

    #[test]
    fn batch_from_halves_matches_compress() {
        let half = Scalar::from(2u64).invert();
        let points: Vec<RistrettoPoint> = (1u64..20)
            .map(|i| RistrettoPoint::mul_base(&Scalar::from(i * 7919)))
            .collect();
        let halves: Vec<RistrettoPoint> = points.iter().map(|p| p * half).collect();
        let batch = Element::batch_from_halves(&halves);
        for (p, e) in points.iter().zip(&batch) {
            assert_eq!(*e, Element::from_point(*p));
        }
    }

    #[test]
    fn reader_rejects_trailing_and_short_input() {
        let g = Element::generator();
        let mut buf = g.as_bytes().to_vec();
        buf.push(0);
        let mut r = Reader::new(&buf);
        assert_eq!(r.element(IdentityRule::Forbidden, 32).unwrap(), g);
        assert!(matches!(r.finish(32), Err(DecodeError::WrongLength { .. })));
        let mut r = Reader::new(&buf[..20]);
        assert!(matches!(r.scalar(32), Err(DecodeError::WrongLength { .. })));
    }

    proptest! {
        /// Garbage never panics: every 32-byte string either decodes to an
        /// element whose encoding is the input, or is a typed error.
        #[test]
        fn point_decoding_is_strict(bytes in proptest::array::uniform32(any::<u8>())) {
            match Element::decode(&bytes, IdentityRule::Allowed) {
                Ok(e) => prop_assert_eq!(e.point().compress().to_bytes(), bytes),
                Err(err) => prop_assert_eq!(err, DecodeError::InvalidPoint),
            }
        }

        #[test]
        fn scalar_decoding_is_strict(bytes in proptest::array::uniform32(any::<u8>())) {
            match decode_scalar(&bytes) {
                Ok(s) => prop_assert_eq!(s.to_bytes(), bytes),
                Err(err) => prop_assert_eq!(err, DecodeError::NonCanonicalScalar),
            }
        }

        #[test]
        fn any_length_is_typed(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = Element::decode(&bytes, IdentityRule::Forbidden);
            let _ = decode_scalar(&bytes);
        }
    }
}
