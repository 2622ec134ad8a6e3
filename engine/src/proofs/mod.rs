//! Zero-knowledge proofs, one per file (spec: protocol.md §5–§8), and the
//! batch verifier they share (§10).
//!
//! Every proof follows one pattern: `prove` appends its domain, statement
//! and commitments to a transcript the caller has already bound to the
//! election and context (spec §3), draws the challenge and answers;
//! `add_to_batch` replays the transcript and adds the proof's weighted
//! verification equations to a [`BatchVerifier`]; `verify` is a batch of
//! one. Proofs carry their commitments (not their challenges) so that the
//! equations are linear in the points and batch well; the spec records the
//! size this costs (§10.4).

pub mod batch;
pub mod chaum_pedersen;
pub mod disjunctive;
pub mod range;
pub mod schnorr;

pub use batch::{BatchVerifier, verify_each, verify_items};
pub use chaum_pedersen::{CHAUM_PEDERSEN_PROOF_LEN, ChaumPedersenProof, DleqStatement};
pub use disjunctive::{ZERO_ONE_PROOF_LEN, ZeroOneProof, add_encoded_zero_one_to_batch};
pub use range::{MAX_RANGE_WIDTH, RangeProof, RangeStatement, range_proof_len};
pub use schnorr::{SCHNORR_PROOF_LEN, SchnorrProof};
