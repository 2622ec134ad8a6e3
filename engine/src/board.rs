//! The bulletin board (spec: record.md §5.5).
//!
//! An append-only sequence of accepted ballots, hash-chained:
//!
//! ```text
//! h₋₁ = SHA-256("valurna/board/v1/genesis" ‖ base hash)
//! h_i = SHA-256("valurna/board/v1/entry" ‖ h_{i−1} ‖ u64(i) ‖ tracker_i)
//! seal = SHA-256("valurna/board/v1/seal" ‖ h_{N−1} ‖ u64(N))
//! ```
//!
//! A voter who holds `(i, h_i)` from a receipt can check that the published
//! board contains their ballot at `i` and that nothing before it changed.
//! Revoting is allowed: for each credential the *last* ballot on the board
//! counts ([`CountedSet`]), a rule anyone can apply to the board alone.

use std::collections::HashMap;

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};

use crate::ballot::{Tracker, VerifiedBallot};
use crate::elgamal::SecretKey;
use crate::encoding::Element;
use crate::errors::{Error, Result};
use crate::proofs::SchnorrProof;
use crate::transcript::{election_transcript, labels};

/// A 32-byte chain value.
pub type Head = [u8; 32];

/// The chain value before the first entry.
pub fn genesis(base_hash: &[u8; 32]) -> Head {
    let mut h = Sha256::new();
    h.update(b"valurna/board/v1/genesis");
    h.update(base_hash);
    h.finalize().into()
}

/// The chain value after entry `position` with `tracker`.
pub fn next_head(previous: &Head, position: u64, tracker: &Tracker) -> Head {
    let mut h = Sha256::new();
    h.update(b"valurna/board/v1/entry");
    h.update(previous);
    h.update(position.to_le_bytes());
    h.update(tracker);
    h.finalize().into()
}

/// The seal over a closed board of `count` entries whose last head is `head`.
pub fn seal(head: &Head, count: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/board/v1/seal");
    h.update(head);
    h.update(count.to_le_bytes());
    h.finalize().into()
}

/// One accepted ballot's place on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// Position on the board, from 0.
    pub position: u64,
    /// The ballot's tracker.
    pub tracker: Tracker,
    /// The chain head after this entry.
    pub head: Head,
}

impl Receipt {
    /// The bytes a signed receipt signs: `tracker ‖ u64(position) ‖ head`
    /// (record.md §5.7).
    fn statement(&self) -> [u8; 72] {
        let mut out = [0u8; 72];
        let (t, rest) = out.split_at_mut(32);
        let (p, h) = rest.split_at_mut(8);
        t.copy_from_slice(&self.tracker);
        p.copy_from_slice(&self.position.to_le_bytes());
        h.copy_from_slice(&self.head);
        out
    }

    fn transcript(&self, base_hash: &[u8; 32]) -> merlin::Transcript {
        let mut t = election_transcript(base_hash);
        t.append_message(labels::CONTEXT_RECEIPT, &self.statement());
        t
    }

    /// The ballot box's signature on this receipt with its receipt key
    /// (record.md §5.7): a Schnorr proof of knowledge of the key over the
    /// election transcript with the receipt as context.
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        base_hash: &[u8; 32],
        key: &SecretKey,
        public: &Element,
        rng: &mut R,
    ) -> SchnorrProof {
        SchnorrProof::prove(&mut self.transcript(base_hash), key, public, rng)
    }

    /// Checks the ballot box's signature on this receipt.
    pub fn verify(
        &self,
        base_hash: &[u8; 32],
        public: &Element,
        signature: &SchnorrProof,
    ) -> Result<()> {
        signature.verify(&mut self.transcript(base_hash), public)
    }
}

/// The board's running state: its head, its length, and the trackers on it
/// (a ballot already on the board is refused, so a voter's superseded
/// ballot cannot be replayed after they voted again, record.md §5.5). The
/// entries themselves are written to storage (a record's `board.jsonl`, or
/// a database) by the caller, in the order this hands out receipts.
#[derive(Debug, Clone)]
pub struct Board {
    head: Head,
    len: u64,
    positions: HashMap<Tracker, u64>,
}

impl Board {
    /// An empty board for an election.
    pub fn new(base_hash: &[u8; 32]) -> Self {
        Board {
            head: genesis(base_hash),
            len: 0,
            positions: HashMap::new(),
        }
    }

    /// Appends a verified ballot. A ballot already on the board is refused
    /// with [`Error::DuplicateBallot`], which names its position.
    pub fn append(&mut self, ballot: &VerifiedBallot) -> Result<Receipt> {
        let position = self.len;
        let tracker = *ballot.tracker();
        if let Some(&existing) = self.positions.get(&tracker) {
            return Err(Error::DuplicateBallot { position: existing });
        }
        self.positions.insert(tracker, position);
        self.head = next_head(&self.head, position, &tracker);
        self.len += 1;
        Ok(Receipt {
            position,
            tracker,
            head: self.head,
        })
    }

    /// Entries so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the board is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The current head.
    pub fn head(&self) -> Head {
        self.head
    }

    /// Closes the board: its seal.
    pub fn seal(&self) -> [u8; 32] {
        seal(&self.head, self.len)
    }
}

/// Which board entries count: the last one per credential.
#[derive(Debug, Default, Clone)]
pub struct CountedSet {
    last: HashMap<[u8; 32], u64>,
}

impl CountedSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes that entry `position` is a ballot by `credential`; a later
    /// entry by the same credential supersedes it.
    pub fn note(&mut self, credential: &[u8; 32], position: u64) {
        let p = self.last.entry(*credential).or_insert(position);
        *p = (*p).max(position);
    }

    /// Whether entry `position` by `credential` counts.
    pub fn counts(&self, credential: &[u8; 32], position: u64) -> bool {
        self.last.get(credential) == Some(&position)
    }

    /// How many ballots count (one per credential that voted).
    pub fn len(&self) -> usize {
        self.last.len()
    }

    /// Whether nobody voted.
    pub fn is_empty(&self) -> bool {
        self.last.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::os_rng;

    #[test]
    fn a_signed_receipt_verifies_and_binds_every_field() {
        let key = SecretKey::generate(&mut os_rng());
        let public = *key.public_key().unwrap().element();
        let r = Receipt {
            position: 7,
            tracker: [1; 32],
            head: [2; 32],
        };
        let h = [3u8; 32];
        let sig = r.sign(&h, &key, &public, &mut os_rng());
        assert!(r.verify(&h, &public, &sig).is_ok());
        for other in [
            Receipt { position: 8, ..r },
            Receipt {
                tracker: [9; 32],
                ..r
            },
            Receipt { head: [9; 32], ..r },
        ] {
            assert!(other.verify(&h, &public, &sig).is_err());
        }
        assert!(r.verify(&[4; 32], &public, &sig).is_err());
    }
}
