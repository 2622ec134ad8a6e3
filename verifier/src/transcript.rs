//! Fiat–Shamir transcripts as protocol.md §3 gives them.
//!
//! Every challenge comes from a merlin transcript that starts with the
//! protocol label and the election's base hash (§3.2), then the context
//! (§3.3), then the proof's domain separator, statement and commitments
//! (§3.5). [`TranscriptExt`] names each operation after the spec so the
//! order can be read against it line by line.

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;

/// The labels of protocol.md §3.4.
pub mod labels {
    /// `new`'s protocol label.
    pub const PROTOCOL: &[u8] = b"valurna-v1";
    /// The base hash (§3.2).
    pub const BASE_HASH: &[u8] = b"base-hash";
    /// A proof's domain separator.
    pub const DOM_SEP: &[u8] = b"dom-sep";
    /// Schnorr (§5).
    pub const SCHNORR: &[u8] = b"schnorr-pok-v1";
    /// Chaum–Pedersen (§6).
    pub const CHAUM_PEDERSEN: &[u8] = b"chaum-pedersen-v1";
    /// Zero-one (§7).
    pub const ZERO_ONE: &[u8] = b"zero-one-v1";
    /// Range (§8).
    pub const RANGE: &[u8] = b"range-v1";
    /// Context: a voter's public credential.
    pub const CREDENTIAL: &[u8] = b"credential";
    /// Context: a trustee's index.
    pub const TRUSTEE: &[u8] = b"trustee";
    /// Context: a contest index.
    pub const CONTEST: &[u8] = b"contest";
    /// Context: a selection or candidate index.
    pub const SELECTION: &[u8] = b"selection";
    /// Context: a ballot body's digest.
    pub const BALLOT: &[u8] = b"ballot";
    /// Ceremony context: a coefficient's index.
    pub const COEFFICIENT: &[u8] = b"coefficient";
    /// Ceremony context: the communication key.
    pub const COMMUNICATION_KEY: &[u8] = b"communication-key";
    /// Ceremony context: the share's recipient.
    pub const SHARE_TO: &[u8] = b"share-to";
    /// Ceremony context: the accused of a complaint.
    pub const COMPLAINT: &[u8] = b"complaint";
    /// Ceremony context: a confirmation.
    pub const CONFIRMATION: &[u8] = b"confirmation";
    /// A base element (§6).
    pub const BASE: &[u8] = b"base";
    /// A public element (§5, §6).
    pub const PUBLIC: &[u8] = b"public";
    /// The encryption key (§7, §8).
    pub const KEY: &[u8] = b"key";
    /// Number of ciphertexts (§7).
    pub const COUNT: &[u8] = b"count";
    /// Lower bound (§7).
    pub const MIN: &[u8] = b"min";
    /// Upper bound (§7).
    pub const MAX: &[u8] = b"max";
    /// A ciphertext's `A`.
    pub const CT_A: &[u8] = b"ct-a";
    /// A ciphertext's `B`.
    pub const CT_B: &[u8] = b"ct-b";
    /// First commitment.
    pub const COMMIT_A: &[u8] = b"commit-a";
    /// Second commitment.
    pub const COMMIT_B: &[u8] = b"commit-b";
    /// The challenge.
    pub const CHALLENGE: &[u8] = b"challenge";
}

/// The election transcript of protocol.md §3.2: `new("valurna-v1")`,
/// `append("base-hash", H)`. In the key ceremony `H` is the ceremony hash
/// (record.md §6.1).
pub fn election(base_hash: &[u8; 32]) -> Transcript {
    let mut t = Transcript::new(labels::PROTOCOL);
    t.append_message(labels::BASE_HASH, base_hash);
    t
}

/// The operations of protocol.md §3.1 under the spec's names.
pub trait TranscriptExt {
    /// `append(label, bytes)`.
    fn append(&mut self, label: &'static [u8], bytes: &[u8]);
    /// `append_u64(label, n)`.
    fn append_number(&mut self, label: &'static [u8], n: u64);
    /// `append("dom-sep", name)`.
    fn domain(&mut self, name: &'static [u8]);
    /// `challenge(label)`: 64 bytes reduced modulo `ℓ`.
    fn challenge(&mut self) -> Scalar;
}

impl TranscriptExt for Transcript {
    fn append(&mut self, label: &'static [u8], bytes: &[u8]) {
        self.append_message(label, bytes);
    }

    fn append_number(&mut self, label: &'static [u8], n: u64) {
        self.append_u64(label, n);
    }

    fn domain(&mut self, name: &'static [u8]) {
        self.append_message(labels::DOM_SEP, name);
    }

    fn challenge(&mut self) -> Scalar {
        let mut wide = [0u8; 64];
        self.challenge_bytes(labels::CHALLENGE, &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }
}
