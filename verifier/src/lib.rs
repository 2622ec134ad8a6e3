//! # valurna-verifier
//!
//! The observers' standalone verifier of a Valurna election record. It is a
//! second implementation of `spec/` — `protocol.md` (the group, the
//! transcripts and the proofs), `record.md` (the files) and
//! `verification.md` (the checks V1–V23) — and deliberately shares no code
//! with the engine that produced the record: it depends only on
//! curve25519-dalek, merlin, sha2 and general-purpose crates. Where the two
//! disagree, the spec is fixed first.
//!
//! ```no_run
//! let report = valurna_verifier::verify_record(
//!     std::path::Path::new("valurna-demo-record"),
//!     &valurna_verifier::Options::default(),
//! );
//! assert!(report.verified, "{}", report.to_text());
//! ```
//!
//! A voter who audited a ballot instead of casting it (record.md §5.4)
//! checks the audit file their device saved with [`check_audit`], which
//! needs only the election's `manifest.json` and `parameters.json`.
//!
//! ## How it checks
//!
//! The board is streamed once, in chunks of lines read by one thread while
//! the others decode ballots and verify their proofs. A ballot's proofs —
//! its signature, every selection's zero-one proof and the contest's range
//! proof — are linear equations in the group; the equations of 64 ballots
//! are weighted with random 128-bit scalars and checked as one multiscalar
//! multiplication (protocol.md §10). Only if such a batch fails are its
//! ballots, and then their proofs, checked one by one, so that the report
//! names each failing proof.
//!
//! Ranked contests (record.md §9) are checked from their mix input, which
//! the verifier forms itself from the counted ballots: every mix step's
//! proof of a shuffle ([`shuffle`]), the trustees' partial decryptions of
//! the last output, and a recount by STV or Schulze ([`count`]) compared
//! with `result.json` stage by stage.

pub mod audit;
pub mod ballot;
mod checks;
pub mod count;
pub mod decode;
pub mod equations;
pub mod error;
pub mod proofs;
pub mod record;
pub mod report;
pub mod shuffle;
pub mod tracker;
pub mod transcript;

pub use audit::{AuditError, AuditReport, Condition, check_audit};
pub use checks::{Options, verify_record};
pub use error::{Error, Malformed};
pub use report::{Check, Report, Status};
pub use tracker::{Code, TrackerReport, check_tracker, parse_code};
