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
    /// Proof of a shuffle (§13).
    pub const SHUFFLE: &[u8] = b"shuffle-v1";
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
    /// Context: a ballot box's receipt (record.md §5.7).
    pub const RECEIPT: &[u8] = b"receipt";
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
    /// Context: a mix server's step in the chain, from 1 (§13.1).
    pub const MIX: &[u8] = b"mix";
    /// Context: a ranked contest's entry, its place in the ranking from 1
    /// (record.md §9.2).
    pub const PREFERENCE: &[u8] = b"preference";
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
    /// A shuffle's ciphertexts per item `w` (§13.3).
    pub const WIDTH: &[u8] = b"width";
    /// A shuffle output's `A` (§13.3).
    pub const OUT_A: &[u8] = b"out-a";
    /// A shuffle output's `B` (§13.3).
    pub const OUT_B: &[u8] = b"out-b";
    /// A permutation commitment `c_j` (§13.3).
    pub const PERM_COMMIT: &[u8] = b"perm-commit";
    /// The 32-byte seed of a shuffle's challenges `u_j` (§13.3).
    pub const SHUFFLE_SEED: &[u8] = b"shuffle-seed";
    /// A commitment chain element `ĉ_i` (§13.3).
    pub const CHAIN: &[u8] = b"chain";
    /// A shuffle commitment `t_1`, `t_2`, `t_3` (§13.3).
    pub const COMMIT: &[u8] = b"commit";
    /// A chain commitment `t̂_i` (§13.3).
    pub const CHAIN_COMMIT: &[u8] = b"chain-commit";

    /// The label of a context item (§3.3) by its name.
    pub fn context(name: &str) -> Option<&'static [u8]> {
        Some(match name {
            "credential" => CREDENTIAL,
            "trustee" => TRUSTEE,
            "contest" => CONTEST,
            "selection" => SELECTION,
            "ballot" => BALLOT,
            "receipt" => RECEIPT,
            "coefficient" => COEFFICIENT,
            "communication-key" => COMMUNICATION_KEY,
            "share-to" => SHARE_TO,
            "complaint" => COMPLAINT,
            "confirmation" => CONFIRMATION,
            "mix" => MIX,
            "preference" => PREFERENCE,
            _ => return None,
        })
    }
}

/// A context item's value (protocol.md §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextValue<'a> {
    /// `append_u64(label, n)`.
    U64(u64),
    /// `append(label, bytes)`.
    Bytes(&'a [u8]),
}

/// One context item (protocol.md §3.3), e.g. `("contest", u64(0))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextItem<'a> {
    /// Its label from [`labels`].
    pub label: &'static [u8],
    /// Its value.
    pub value: ContextValue<'a>,
}

impl<'a> ContextItem<'a> {
    /// An item appended with `append_u64`.
    pub fn number(label: &'static [u8], n: u64) -> Self {
        ContextItem {
            label,
            value: ContextValue::U64(n),
        }
    }

    /// An item appended with `append`.
    pub fn bytes(label: &'static [u8], bytes: &'a [u8]) -> Self {
        ContextItem {
            label,
            value: ContextValue::Bytes(bytes),
        }
    }
}

/// The election transcript of protocol.md §3.2: `new("valurna-v1")`,
/// `append("base-hash", H)`. In the key ceremony `H` is the ceremony hash
/// (record.md §6.1).
pub fn election(base_hash: &[u8; 32]) -> Transcript {
    let mut t = Transcript::new(labels::PROTOCOL);
    t.append_message(labels::BASE_HASH, base_hash);
    t
}

/// The election transcript followed by the context items in the order
/// given (protocol.md §3.2–§3.3).
pub fn with_context(base_hash: &[u8; 32], context: &[ContextItem<'_>]) -> Transcript {
    let mut t = election(base_hash);
    for item in context {
        match item.value {
            ContextValue::U64(n) => t.append_number(item.label, n),
            ContextValue::Bytes(b) => t.append(item.label, b),
        }
    }
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
