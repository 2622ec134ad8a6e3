//! The engine's error types.
//!
//! Two layers, kept apart as the spec keeps them apart (`spec/protocol.md §2.4`):
//! [`DecodeError`] says that bytes are not a valid encoding at all (malformed
//! input, rejected before any algebra), while [`Error::VerificationFailed`]
//! says that well-formed data does not satisfy a proof's equations.

use thiserror::Error;

/// Why bytes could not be decoded into a group element, scalar or structure.
///
/// spec: protocol.md §2.4
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input has the wrong number of bytes.
    #[error("wrong length: expected {expected} bytes, got {actual}")]
    WrongLength {
        /// The length the encoding requires.
        expected: usize,
        /// The length that was supplied.
        actual: usize,
    },
    /// A scalar encoding that is not the canonical little-endian form of an
    /// integer below the group order ℓ.
    #[error("non-canonical scalar encoding (value is not below the group order)")]
    NonCanonicalScalar,
    /// 32 bytes that are not the canonical encoding of a ristretto255 element
    /// (RFC 9496 §4.3.1).
    #[error("invalid ristretto255 encoding")]
    InvalidPoint,
    /// The identity element where the spec forbids it.
    #[error("the identity element is not allowed here")]
    IdentityPoint,
    /// Text that should be hexadecimal is not.
    #[error("invalid hexadecimal text")]
    InvalidHex,
    /// Text that should be a voting code is not.
    #[error("not a voting code")]
    InvalidCode,
    /// A count or bound field outside what the spec allows.
    #[error("{field} is out of range")]
    OutOfRange {
        /// The field that was out of range.
        field: &'static str,
    },
}

/// Which proof a [`Error::VerificationFailed`] refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProofKind {
    /// Schnorr proof of knowledge, spec §5.
    Schnorr,
    /// Chaum–Pedersen equality of discrete logarithms, spec §6.
    ChaumPedersen,
    /// Disjunctive proof that a ciphertext encrypts 0 or 1, spec §7.
    ZeroOne,
    /// Range proof that a ciphertext encrypts an integer in `[a, b]`, spec §8.
    Range,
    /// The proofs of one contest's selections taken together, spec §9.
    Contest,
    /// A whole ballot: its contests' proofs and its signature.
    Ballot,
    /// A trustee's decryption share.
    DecryptionShare,
    /// A proof of a shuffle, spec §13.
    Shuffle,
}

impl core::fmt::Display for ProofKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ProofKind::Schnorr => "Schnorr proof of knowledge",
            ProofKind::ChaumPedersen => "Chaum-Pedersen proof",
            ProofKind::ZeroOne => "zero-one proof",
            ProofKind::Range => "range proof",
            ProofKind::Contest => "contest's selection proofs",
            ProofKind::Ballot => "ballot",
            ProofKind::DecryptionShare => "decryption share",
            ProofKind::Shuffle => "proof of a shuffle",
        })
    }
}

/// The engine's error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not a valid encoding.
    #[error("malformed input: {0}")]
    Malformed(#[from] DecodeError),
    /// A well-formed proof does not verify.
    #[error("{0} does not verify")]
    VerificationFailed(ProofKind),
    /// A batch did not verify; these are the items that fail on their
    /// own, each with its index in the batch and its reason.
    #[error("batch verification failed for {} item(s)", failed.len())]
    BatchFailed {
        /// `(index, why)` for every failing item.
        failed: Vec<(usize, Error)>,
    },
    /// The plaintext of a decryption is not below the discrete-log bound.
    #[error("plaintext not found below the discrete-log bound {bound}")]
    DlogOutOfRange {
        /// The bound that was searched, exclusive.
        bound: u64,
    },
    /// The ballot is already on the board, at this position.
    #[error("the ballot is already on the board at position {position}")]
    DuplicateBallot {
        /// Where it is.
        position: u64,
    },
    /// A sum of weights left the range the tally can decrypt.
    #[error("the weights of a contest's voters exceed the discrete-log bound")]
    WeightOverflow,
    /// The key ceremony found faults; each names the trustee at fault.
    #[error("the key ceremony failed: {}", faults.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    CeremonyFailed {
        /// Every fault found.
        faults: Vec<Fault>,
    },
    /// The prover was asked to prove a false statement, or the statement's
    /// parameters are invalid (for example a range with `a > b`).
    #[error("invalid statement: {0}")]
    InvalidStatement(&'static str),
}

/// Why a trustee stopped the key ceremony (see `threshold`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The trustee at fault.
    pub trustee: u32,
    /// What it did wrong.
    pub reason: String,
}

impl core::fmt::Display for Fault {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "trustee {}: {}", self.trustee, self.reason)
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
