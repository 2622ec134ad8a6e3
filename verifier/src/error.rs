//! The verifier's errors.
//!
//! protocol.md §2.4 keeps two kinds of failure apart: *malformed* input,
//! rejected before any algebra, and a well-formed proof that *does not
//! verify*. Reports say which one an item hit.

use thiserror::Error;

/// Why bytes were refused before any algebra (protocol.md §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Malformed {
    /// Not the length the encoding fixes.
    #[error("wrong length: expected {expected} bytes, got {actual}")]
    WrongLength {
        /// What the format requires.
        expected: usize,
        /// What was there.
        actual: usize,
    },
    /// Not a canonical ristretto255 encoding (RFC 9496 §4.3.1).
    #[error("not a valid ristretto255 element")]
    InvalidPoint,
    /// The identity where protocol.md §2.3 forbids it.
    #[error("the identity element where it is not allowed")]
    IdentityPoint,
    /// A scalar `≥ ℓ`.
    #[error("a non-canonical scalar (≥ ℓ)")]
    NonCanonicalScalar,
    /// Not lower-case hexadecimal.
    #[error("not lower-case hexadecimal")]
    InvalidHex,
    /// Not canonical base64.
    #[error("not canonical base64")]
    InvalidBase64,
    /// A value outside its domain.
    #[error("{0} out of range")]
    OutOfRange(&'static str),
}

/// Any failure the verifier reports on an item.
#[derive(Debug, Error)]
pub enum Error {
    /// Malformed input.
    #[error("malformed: {0}")]
    Malformed(#[from] Malformed),
    /// Well formed, but the named proof's equations do not hold.
    #[error("{0} does not verify")]
    NotVerified(String),
    /// A file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file's content is not the format record.md gives.
    #[error("{file}{}: {reason}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Format {
        /// The file.
        file: String,
        /// The line (JSON Lines files), from 1.
        line: Option<u64>,
        /// What is wrong.
        reason: String,
    },
    /// The operating system's random generator failed, so batch weights
    /// could not be drawn and nothing was checked.
    #[error("cannot be checked: {0}")]
    Randomness(#[from] crate::equations::NoRandomness),
    /// A value differs from what the record's other parts give.
    #[error("{0}")]
    Mismatch(String),
}

impl Error {
    /// `what does not verify`.
    pub fn not_verified(what: impl Into<String>) -> Self {
        Error::NotVerified(what.into())
    }

    /// A mismatch with its explanation.
    pub fn mismatch(what: impl Into<String>) -> Self {
        Error::Mismatch(what.into())
    }
}

/// The verifier's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;
