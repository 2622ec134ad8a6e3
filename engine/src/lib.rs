//! # valurna-engine
//!
//! The cryptographic core of Valurna, an end-to-end verifiable election
//! platform: exponential ElGamal over ristretto255, the zero-knowledge proofs
//! a ballot and a tally need, and batch verification. It does no I/O beyond
//! `std::io` readers and writers, has no network, async or database, and
//! builds for `wasm32-unknown-unknown` so the voter's browser can encrypt.
//!
//! Every algorithm here is specified in `spec/protocol.md`; doc comments cite
//! its sections as `spec: protocol.md §N`.
//!
//! | module | what | spec |
//! |---|---|---|
//! | [`encoding`] | strict 32-byte points and scalars | §2 |
//! | [`transcript`] | merlin transcripts, every label | §3 |
//! | [`elgamal`] | keys, encryption, re-encryption, decryption, discrete log | §4 |
//! | [`proofs::schnorr`] | proof of knowledge | §5 |
//! | [`proofs::chaum_pedersen`] | equality of discrete logs | §6 |
//! | [`proofs::disjunctive`] | ciphertext encrypts 0 or 1 | §7 |
//! | [`proofs::range`] | ciphertext sum encrypts a value in `[a, b]` | §8 |
//! | [`contest`] | a contest's selections and their proofs | §9 |
//! | [`proofs::batch`] | random-linear-combination batch verification | §10 |
//!
//! The election built on them is specified in `spec/record.md`:
//!
//! | module | what | record.md |
//! |---|---|---|
//! | [`manifest`] | organisation, contests, candidates, seats, limits | record.md §2 |
//! | [`credential`] | voting codes and public credentials | record.md §4 |
//! | [`ballot`] | ballots, trackers, audits | record.md §5 |
//! | [`board`] | the hash-chained board, revoting | record.md §5.5 |
//! | [`threshold`] | the `t`-of-`n` key ceremony | record.md §6 |
//! | [`tally`] | homomorphic tally, decryption shares, seats | record.md §7 |
//! | [`record`] | the record's files, writer and streaming reader | record.md §1 |
//! | [`shuffle`] | re-encryption mixing with a proof of a shuffle | protocol.md §13 |
//! | [`mixnet`] | ranked contests: mix input, mix steps, decryption of the output | record.md §9 |
//!
//! Ranked ballots, once decrypted, are counted as `spec/counting.md` says:
//!
//! | module | what | counting.md |
//! |---|---|---|
//! | [`count::stv`](mod@count::stv) | single transferable vote, Scottish rules | counting.md §2 |
//! | [`count::schulze`](mod@count::schulze) | Schulze's Condorcet method | counting.md §3 |
//!
//! Secrets ([`elgamal::SecretKey`], [`elgamal::Nonce`] and the provers'
//! internal nonces) are zeroized on drop and never `Debug`-printed.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ballot;
pub mod board;
pub mod board_check;
pub mod ceremony_dir;
pub mod contest;
pub mod count;
pub mod credential;
pub mod elgamal;
pub mod encoding;
pub mod errors;
pub mod keyfile;
pub mod manifest;
pub mod mixnet;
pub mod proofs;
pub mod record;
pub mod rng;
pub mod setup;
pub mod shuffle;
pub mod tally;
pub mod threshold;
pub mod transcript;

pub use curve25519_dalek::{ristretto::RistrettoPoint, scalar::Scalar};
pub use errors::{DecodeError, Error, ProofKind, Result};
pub use merlin::Transcript;
