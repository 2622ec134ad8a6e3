//! Fiat–Shamir transcripts (spec: protocol.md §3).
//!
//! Every challenge in Valurna is drawn from a [merlin] transcript that holds,
//! in this order:
//!
//! 1. the protocol label `valurna-v1` (merlin's `Transcript::new`);
//! 2. the election's base hash, under `base-hash` ([`election_transcript`]);
//! 3. the caller's context: which contest, selection, credential or trustee
//!    the proof is about (spec §3.3), appended by the caller;
//! 4. the proof's domain separator, under `dom-sep` ([`TranscriptProtocol::proof_domain`]);
//! 5. the whole statement: keys, ciphertexts, bounds;
//! 6. the prover's commitments;
//! 7. the challenge, drawn as 64 bytes and reduced modulo ℓ.
//!
//! This is the *strong* Fiat–Shamir transform: changing any part of the
//! statement changes the challenge, which is what defeats the attacks of
//! Bernhard, Pereira and Warinschi (2012) on Helios. All labels live in
//! [`labels`] and are listed in the spec's table (§3.4).

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::encoding::Element;

/// Every transcript label, as listed in `spec/protocol.md §3.4`.
pub mod labels {
    /// merlin protocol label, the first thing in every transcript.
    pub const PROTOCOL: &[u8] = b"valurna-v1";
    /// The election's base hash (§3.2).
    pub const BASE_HASH: &[u8] = b"base-hash";
    /// A proof's domain separator (§3.1).
    pub const DOM_SEP: &[u8] = b"dom-sep";

    /// Context: contest index (§3.3).
    pub const CONTEXT_CONTEST: &[u8] = b"contest";
    /// Context: selection index within a contest (§3.3).
    pub const CONTEXT_SELECTION: &[u8] = b"selection";
    /// Context: the voter's public credential (§3.3).
    pub const CONTEXT_CREDENTIAL: &[u8] = b"credential";
    /// Context: a trustee's index (§3.3).
    pub const CONTEXT_TRUSTEE: &[u8] = b"trustee";
    /// Context: the digest of a ballot's body, for its signature (record.md §5.3).
    pub const CONTEXT_BALLOT: &[u8] = b"ballot";
    /// Context: a polynomial coefficient's index in the key ceremony (record.md §6).
    pub const CONTEXT_COEFFICIENT: &[u8] = b"coefficient";
    /// Context: a trustee's communication key in the key ceremony (record.md §6).
    pub const CONTEXT_COMMUNICATION_KEY: &[u8] = b"communication-key";
    /// Context: a complaint against a trustee (record.md §6).
    pub const CONTEXT_COMPLAINT: &[u8] = b"complaint";
    /// Context: the recipient of an encrypted share (record.md §6).
    pub const CONTEXT_SHARE_TO: &[u8] = b"share-to";
    /// Context: a trustee's confirmation of its share (record.md §6).
    pub const CONTEXT_CONFIRMATION: &[u8] = b"confirmation";
    /// Context: a ballot box's receipt (record.md §5.7).
    pub const CONTEXT_RECEIPT: &[u8] = b"receipt";

    /// Domain of the Schnorr proof of knowledge (§5).
    pub const DOMAIN_SCHNORR: &[u8] = b"schnorr-pok-v1";
    /// Domain of the Chaum–Pedersen proof (§6).
    pub const DOMAIN_CHAUM_PEDERSEN: &[u8] = b"chaum-pedersen-v1";
    /// Domain of the zero-one proof (§7).
    pub const DOMAIN_ZERO_ONE: &[u8] = b"zero-one-v1";
    /// Domain of the range proof (§8).
    pub const DOMAIN_RANGE: &[u8] = b"range-v1";
    /// Domain of the proof of a shuffle (§13).
    pub const DOMAIN_SHUFFLE: &[u8] = b"shuffle-v1";

    /// Context: a place in a ranking, from 1 (record.md §9.2).
    pub const CONTEXT_PREFERENCE: &[u8] = b"preference";
    /// Context: a mix server's step in the chain, from 1 (§13.1).
    pub const CONTEXT_MIX: &[u8] = b"mix";
    /// Shuffle statement: ciphertexts per item (§13.3).
    pub const WIDTH: &[u8] = b"width";
    /// Shuffle statement: an output ciphertext's `A` (§13.3).
    pub const OUT_A: &[u8] = b"out-a";
    /// Shuffle statement: an output ciphertext's `B` (§13.3).
    pub const OUT_B: &[u8] = b"out-b";
    /// Shuffle: a permutation commitment `c_j` (§13.3).
    pub const PERM_COMMIT: &[u8] = b"perm-commit";
    /// Shuffle: the seed of the challenges `u_j` (§13.3).
    pub const SHUFFLE_SEED: &[u8] = b"shuffle-seed";
    /// Shuffle: a commitment-chain element `ĉ_i` (§13.3).
    pub const CHAIN: &[u8] = b"chain";
    /// Shuffle: a commitment `t_1`, `t_2`, `t_3` (§13.3).
    pub const COMMIT: &[u8] = b"commit";
    /// Shuffle: a chain commitment `t̂_i` (§13.3).
    pub const CHAIN_COMMIT: &[u8] = b"chain-commit";

    /// Statement: a generator or base point.
    pub const BASE: &[u8] = b"base";
    /// Statement: a public key or public value `X = x·base`.
    pub const PUBLIC: &[u8] = b"public";
    /// Statement: the election (encryption) public key `K`.
    pub const KEY: &[u8] = b"key";
    /// Statement: a ciphertext's first component `A`.
    pub const CT_A: &[u8] = b"ct-a";
    /// Statement: a ciphertext's second component `B`.
    pub const CT_B: &[u8] = b"ct-b";
    /// Statement: number of ciphertexts summed in a range proof.
    pub const COUNT: &[u8] = b"count";
    /// Statement: lower bound of a range.
    pub const RANGE_MIN: &[u8] = b"min";
    /// Statement: upper bound of a range.
    pub const RANGE_MAX: &[u8] = b"max";

    /// Commitment: first commitment of a branch or proof.
    pub const COMMIT_A: &[u8] = b"commit-a";
    /// Commitment: second commitment of a branch or proof.
    pub const COMMIT_B: &[u8] = b"commit-b";
    /// The challenge.
    pub const CHALLENGE: &[u8] = b"challenge";

    /// Hedged nonce (§3.6): the witness, in a forked transcript only.
    pub const WITNESS: &[u8] = b"witness";
    /// Hedged nonce (§3.6): fresh random bytes.
    pub const RANDOM: &[u8] = b"random";
    /// Hedged nonce (§3.6): the derived nonce.
    pub const NONCE: &[u8] = b"nonce";
}

/// Starts a transcript bound to an election: the protocol label, then the
/// election's 32-byte base hash (spec: protocol.md §3.2).
pub fn election_transcript(base_hash: &[u8; 32]) -> Transcript {
    let mut t = Transcript::new(labels::PROTOCOL);
    t.append_message(labels::BASE_HASH, base_hash);
    t
}

/// Valurna's operations on a merlin transcript (spec: protocol.md §3.1).
pub trait TranscriptProtocol {
    /// Appends a proof's domain separator: its name and version.
    fn proof_domain(&mut self, domain: &'static [u8]);
    /// Appends a group element's canonical encoding.
    fn append_element(&mut self, label: &'static [u8], element: &Element);
    /// Appends a 64-bit unsigned integer, little-endian.
    fn append_count(&mut self, label: &'static [u8], value: u64);
    /// Draws a challenge: 64 bytes from the transcript, reduced modulo ℓ.
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar;
    /// A prover's secret nonce, hedged (spec §3.6): derived from a copy of
    /// the transcript so far, the witness and 32 fresh random bytes, so a
    /// weak generator alone cannot repeat a nonce for different statements.
    fn hedged_nonce<R: CryptoRng + ?Sized>(&self, witness: &Scalar, rng: &mut R) -> Scalar;
}

impl TranscriptProtocol for Transcript {
    fn proof_domain(&mut self, domain: &'static [u8]) {
        self.append_message(labels::DOM_SEP, domain);
    }

    fn append_element(&mut self, label: &'static [u8], element: &Element) {
        self.append_message(label, element.as_bytes());
    }

    fn append_count(&mut self, label: &'static [u8], value: u64) {
        self.append_u64(label, value);
    }

    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar {
        let mut wide = [0u8; 64];
        self.challenge_bytes(label, &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }

    fn hedged_nonce<R: CryptoRng + ?Sized>(&self, witness: &Scalar, rng: &mut R) -> Scalar {
        let mut fork = self.clone();
        fork.append_message(labels::WITNESS, witness.as_bytes());
        let mut fresh = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut *fresh);
        fork.append_message(labels::RANDOM, &*fresh);
        let mut wide = Zeroizing::new([0u8; 64]);
        fork.challenge_bytes(labels::NONCE, &mut *wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_hash_changes_the_challenge() {
        let mut a = election_transcript(&[1; 32]);
        let mut b = election_transcript(&[2; 32]);
        assert_ne!(
            a.challenge_scalar(labels::CHALLENGE),
            b.challenge_scalar(labels::CHALLENGE)
        );
    }

    #[test]
    fn challenges_are_deterministic() {
        let mk = || {
            let mut t = election_transcript(&[7; 32]);
            t.proof_domain(labels::DOMAIN_SCHNORR);
            t.append_element(labels::PUBLIC, &Element::generator());
            t.challenge_scalar(labels::CHALLENGE)
        };
        assert_eq!(mk(), mk());
    }
}
