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

    /// RFC 9496 Appendix A.2, "Invalid Encodings": each must be rejected.
    pub(crate) const RFC9496_INVALID: [&str; 29] = [
        // Non-canonical field encodings.
        "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        // Negative field elements.
        "0100000000000000000000000000000000000000000000000000000000000000",
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
        "c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
        "c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
        "47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
        "f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
        "87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
        // Non-square x^2.
        "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
        "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
        "de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
        "bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
        "2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
        "f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
        "8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
        "2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
        // Negative xy value.
        "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
        "a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
        "d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
        "8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
        "32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
        "227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
        "5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
        "445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
        // s = -1, which causes y = 0.
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ];

    #[test]
    fn rfc9496_invalid_encodings_are_rejected() {
        for (i, h) in RFC9496_INVALID.iter().enumerate() {
            let r = Element::from_hex(h, IdentityRule::Allowed);
            assert_eq!(r, Err(DecodeError::InvalidPoint), "vector {i}: {h}");
        }
    }

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
