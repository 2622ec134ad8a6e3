//! Ballots (spec: record.md §5).
//!
//! A ballot carries the voter's public credential `C`, one
//! [`EncryptedContest`] for each contest of the voter's district, and a
//! Schnorr signature by `C` over everything before it. Every proof in it is
//! bound to the election's base hash, the credential and the contest
//! (spec: protocol.md §3.3), so a ballot copied from another voter and
//! re-signed with another credential fails its proofs (Cortier–Smyth).
//!
//! Encoding (record.md §5.1):
//!
//! ```text
//! enc(C) ‖ u32(k) ‖ k × ( u32(contest index) ‖ contest bytes ) ‖ signature
//! ```
//!
//! with contest indices strictly increasing; each contest's length follows
//! from its shape in the manifest. The *tracker* is
//! `SHA-256("valurna/tracker/v1" ‖ ballot bytes)`; its short human form is the
//! first 60 bits in Crockford base32, `XXXX-XXXX-XXXX`.
//!
//! Parse, don't validate: [`Ballot::verify`] returns a [`VerifiedBallot`], and
//! the board only accepts those.

use merlin::Transcript;
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};

use crate::contest::{ContestShape, EncryptedContest};
use crate::credential::CredentialSecret;
use crate::elgamal::{Nonce, PublicKey};
use crate::encoding::{Element, IdentityRule, POINT_LEN};
use crate::errors::{DecodeError, Error, ProofKind, Result};
use crate::proofs::{BatchVerifier, SCHNORR_PROOF_LEN, SchnorrProof};
use crate::transcript::{election_transcript, labels};

/// Tracker: a ballot's hash.
pub type Tracker = [u8; 32];

/// What a ballot must fit: the election and the contests of one district.
#[derive(Debug, Clone)]
pub struct BallotContext {
    /// The election's base hash (record.md §3).
    pub base_hash: [u8; 32],
    /// The election key.
    pub key: PublicKey,
    /// Every contest's shape, by contest index (a ranked contest's is its
    /// entries' shape, record.md §9.2).
    pub shapes: Vec<ContestShape>,
    /// Per contest index, the preferences of a ranked contest, or 0 for an
    /// approval contest (missing entries are 0).
    pub preferences: Vec<u32>,
}

impl BallotContext {
    fn shape(&self, index: u32) -> Result<&ContestShape> {
        self.shapes
            .get(index as usize)
            .ok_or(Error::Malformed(DecodeError::OutOfRange {
                field: "contest index",
            }))
    }

    /// Preferences of contest `index` if it is ranked, else 0.
    pub fn preferences_of(&self, index: u32) -> u32 {
        self.preferences.get(index as usize).copied().unwrap_or(0)
    }

    /// Checks a ballot's entry indices (record.md §5.1, §9.2):
    /// non-decreasing; an approval contest once, a ranked contest exactly
    /// its preferences' number of times in a row. Returns each entry's
    /// preference `q` (1-based; 0 for an approval contest).
    pub fn entry_preferences(&self, indices: &[u32]) -> Result<Vec<u32>> {
        let bad = |field| Error::Malformed(DecodeError::OutOfRange { field });
        let mut out = Vec::with_capacity(indices.len());
        let mut previous: Option<(u32, u32)> = None;
        for &index in indices {
            self.shape(index)?;
            let p = self.preferences_of(index);
            let q = match previous {
                Some((last, q)) if last == index && p > 0 && q < p => q + 1,
                Some((last, _)) if last >= index => return Err(bad("contest order")),
                _ => u32::from(p > 0),
            };
            if let Some((last, lq)) = previous
                && last != index
                && lq < self.preferences_of(last)
            {
                return Err(bad("a ranked contest's preferences"));
            }
            out.push(q);
            previous = Some((index, q));
        }
        if let Some((last, lq)) = previous
            && lq < self.preferences_of(last)
        {
            return Err(bad("a ranked contest's preferences"));
        }
        Ok(out)
    }

    /// The transcript of one entry of a ballot: the contest transcript, and
    /// for a ranked contest's `q`-th preference `append_u64("preference",
    /// q)` (record.md §9.2).
    pub fn entry_transcript(&self, credential: &Element, contest: u32, q: u32) -> Transcript {
        let mut t = self.contest_transcript(credential, contest);
        if q > 0 {
            t.append_u64(labels::CONTEXT_PREFERENCE, u64::from(q));
        }
        t
    }

    /// The transcript every proof of `credential`'s ballot in `contest` starts
    /// from (spec: protocol.md §3.3).
    pub fn contest_transcript(&self, credential: &Element, contest: u32) -> Transcript {
        let mut t = election_transcript(&self.base_hash);
        t.append_message(labels::CONTEXT_CREDENTIAL, credential.as_bytes());
        t.append_u64(labels::CONTEXT_CONTEST, u64::from(contest));
        t
    }

    fn signature_transcript(&self, credential: &Element, body: &[u8]) -> Transcript {
        let mut t = election_transcript(&self.base_hash);
        t.append_message(labels::CONTEXT_CREDENTIAL, credential.as_bytes());
        let digest: [u8; 32] = Sha256::digest(body).into();
        t.append_message(labels::CONTEXT_BALLOT, &digest);
        t
    }
}

/// A ballot as received: decoded, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    /// The voter's public credential.
    pub credential: Element,
    /// `(contest index, encrypted selections)`, indices increasing.
    pub contests: Vec<(u32, EncryptedContest)>,
    /// Schnorr signature by the credential over the bytes before it.
    pub signature: SchnorrProof,
}

/// What the voter's device keeps to audit a ballot instead of casting it:
/// the choices and the nonces (record.md §5.4). Its `Debug` prints neither.
#[derive(Clone)]
pub struct BallotSecrets {
    /// Per contest, the choice bits.
    pub choices: Vec<(u32, Vec<bool>)>,
    /// Per contest, one nonce per selection.
    pub nonces: Vec<Vec<Nonce>>,
}

impl core::fmt::Debug for BallotSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("BallotSecrets(<redacted>)")
    }
}

fn body_bytes(credential: &Element, contests: &[(u32, EncryptedContest)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(40 + contests.len() * 3400);
    out.extend_from_slice(credential.as_bytes());
    out.extend_from_slice(&(contests.len() as u32).to_le_bytes());
    for (i, c) in contests {
        out.extend_from_slice(&i.to_le_bytes());
        out.extend_from_slice(&c.to_bytes());
    }
    out
}

impl Ballot {
    /// Encrypts the voter's choices (`(contest index, bits)`, indices
    /// increasing) and signs the ballot with the credential.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        ctx: &BallotContext,
        credential: &CredentialSecret,
        choices: &[(u32, Vec<bool>)],
        rng: &mut R,
    ) -> Result<(Ballot, BallotSecrets)> {
        let public = credential.public();
        let mut contests = Vec::with_capacity(choices.len());
        let mut nonces = Vec::with_capacity(choices.len());
        let indices: Vec<u32> = choices.iter().map(|(i, _)| *i).collect();
        let qs = ctx.entry_preferences(&indices).map_err(|_| {
            Error::InvalidStatement(
                "contest indices must increase; a ranked contest once per preference",
            )
        })?;
        for ((index, bits), q) in choices.iter().zip(qs) {
            let shape = ctx.shape(*index)?;
            let t = ctx.entry_transcript(&public, *index, q);
            let (c, n) = EncryptedContest::encrypt(&t, &ctx.key, shape, bits, rng)?;
            contests.push((*index, c));
            nonces.push(n);
        }
        let body = body_bytes(&public, &contests);
        let mut t = ctx.signature_transcript(&public, &body);
        let signature = SchnorrProof::prove(&mut t, credential.key(), &public, rng);
        Ok((
            Ballot {
                credential: public,
                contests,
                signature,
            },
            BallotSecrets {
                choices: choices.to_vec(),
                nonces,
            },
        ))
    }

    /// The ballot's bytes (record.md §5.1).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = body_bytes(&self.credential, &self.contests);
        out.extend_from_slice(&self.signature.to_bytes());
        out
    }

    /// Strictly decodes a ballot; every length follows from the context.
    pub fn decode(bytes: &[u8], ctx: &BallotContext) -> Result<Self> {
        let short = || {
            Error::Malformed(DecodeError::WrongLength {
                expected: bytes.len() + 1,
                actual: bytes.len(),
            })
        };
        let (cred, mut rest) = bytes.split_at_checked(POINT_LEN).ok_or_else(short)?;
        let credential = Element::decode(cred, IdentityRule::Forbidden)?;
        let (k, r) = rest.split_first_chunk::<4>().ok_or_else(short)?;
        rest = r;
        let k = u32::from_le_bytes(*k);
        let max_entries: usize = (0..ctx.shapes.len())
            .map(|c| ctx.preferences_of(c as u32).max(1) as usize)
            .sum();
        if k as usize > max_entries {
            return Err(DecodeError::OutOfRange {
                field: "contest count",
            }
            .into());
        }
        let mut contests = Vec::with_capacity(k as usize);
        for _ in 0..k {
            let (idx, r) = rest.split_first_chunk::<4>().ok_or_else(short)?;
            let index = u32::from_le_bytes(*idx);
            let shape = ctx.shape(index)?;
            let len = shape.encoded_len()?;
            let (c, r) = r.split_at_checked(len).ok_or_else(short)?;
            contests.push((index, EncryptedContest::decode(c, shape)?));
            rest = r;
        }
        if rest.len() != SCHNORR_PROOF_LEN {
            return Err(DecodeError::WrongLength {
                expected: bytes.len() - rest.len() + SCHNORR_PROOF_LEN,
                actual: bytes.len(),
            }
            .into());
        }
        let signature = SchnorrProof::decode(rest)?;
        let indices: Vec<u32> = contests.iter().map(|(i, _)| *i).collect();
        ctx.entry_preferences(&indices)?;
        Ok(Ballot {
            credential,
            contests,
            signature,
        })
    }

    /// The ballot's tracker (record.md §5.2).
    pub fn tracker(bytes: &[u8]) -> Tracker {
        let mut h = Sha256::new();
        h.update(b"valurna/tracker/v1");
        h.update(bytes);
        h.finalize().into()
    }

    /// Adds every proof and the signature to `batch` (record.md §5.3).
    /// `contests` are the indices the credential's district votes in.
    pub fn add_to_batch(
        &self,
        ctx: &BallotContext,
        contests: &[u32],
        batch: &mut BatchVerifier,
    ) -> Result<()> {
        let expected: Vec<u32> = contests
            .iter()
            .flat_map(|&c| core::iter::repeat_n(c, ctx.preferences_of(c).max(1) as usize))
            .collect();
        if self.contests.len() != expected.len()
            || self
                .contests
                .iter()
                .zip(&expected)
                .any(|((i, _), j)| i != j)
        {
            return Err(Error::InvalidStatement(
                "the ballot's contests are not its district's",
            ));
        }
        let indices: Vec<u32> = self.contests.iter().map(|(i, _)| *i).collect();
        let qs = ctx.entry_preferences(&indices)?;
        for ((index, contest), q) in self.contests.iter().zip(qs) {
            let t = ctx.entry_transcript(&self.credential, *index, q);
            contest.add_to_batch(&t, &ctx.key, ctx.shape(*index)?, batch)?;
        }
        let body = body_bytes(&self.credential, &self.contests);
        let mut t = ctx.signature_transcript(&self.credential, &body);
        self.signature.add_to_batch(&mut t, &self.credential, batch)
    }

    /// Verifies the ballot on its own.
    pub fn verify(self, ctx: &BallotContext, contests: &[u32]) -> Result<VerifiedBallot> {
        let mut batch = BatchVerifier::new();
        self.add_to_batch(ctx, contests, &mut batch)?;
        if batch.verify() {
            Ok(self.into_verified())
        } else {
            Err(Error::VerificationFailed(ProofKind::Ballot))
        }
    }

    /// Marks ballots verified together in one batch (the caller has checked
    /// the batch).
    pub(crate) fn into_verified(self) -> VerifiedBallot {
        let bytes = self.to_bytes();
        VerifiedBallot {
            tracker: Ballot::tracker(&bytes),
            bytes,
            ballot: self,
        }
    }
}

/// A ballot whose signature and proofs have been verified, with its
/// encoding and tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBallot {
    ballot: Ballot,
    bytes: Vec<u8>,
    tracker: Tracker,
}

impl VerifiedBallot {
    /// The ballot.
    pub fn ballot(&self) -> &Ballot {
        &self.ballot
    }

    /// Its encoding (record.md §5.1).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Its tracker.
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }
}

/// Verifies many ballots in one batch, with one verdict per ballot: if the
/// batch fails, each is checked alone (spec: protocol.md §10.2).
/// `contests_of(credential)` says which contests a credential votes in, or
/// `None` if the credential is not listed (record.md §5.3).
pub fn verify_ballots(
    ballots: Vec<Ballot>,
    ctx: &BallotContext,
    contests_of: impl Fn(&Element) -> Option<Vec<u32>>,
) -> Vec<Result<VerifiedBallot>> {
    let add = |b: &Ballot, batch: &mut BatchVerifier| {
        let contests = contests_of(&b.credential)
            .ok_or(Error::InvalidStatement("the credential is not listed"))?;
        b.add_to_batch(ctx, &contests, batch)
    };
    let verdicts = crate::proofs::verify_each(&ballots, ProofKind::Ballot, add);
    ballots
        .into_iter()
        .zip(verdicts)
        .map(|(b, v)| v.map(|()| b.into_verified()))
        .collect()
}

/// An audited ballot: checks that revealed nonces open the ballot's
/// ciphertexts to the revealed choices (record.md §5.4).
pub fn check_audit(ballot: &Ballot, ctx: &BallotContext, secrets: &BallotSecrets) -> Result<()> {
    if secrets.choices.len() != ballot.contests.len()
        || secrets.nonces.len() != ballot.contests.len()
    {
        return Err(Error::InvalidStatement("audit does not match the ballot"));
    }
    for (((index, contest), (cindex, bits)), nonces) in ballot
        .contests
        .iter()
        .zip(&secrets.choices)
        .zip(&secrets.nonces)
    {
        if index != cindex || bits.len() != contest.ciphertexts.len() || nonces.len() != bits.len()
        {
            return Err(Error::InvalidStatement("audit does not match the ballot"));
        }
        for ((ct, bit), nonce) in contest.ciphertexts.iter().zip(bits).zip(nonces) {
            let expect = ctx.key.encrypt_with_nonce(u64::from(*bit), nonce);
            if expect.a != *ct.a.point() || expect.b != *ct.b.point() {
                return Err(Error::InvalidStatement(
                    "a revealed nonce does not open its ciphertext",
                ));
            }
        }
    }
    Ok(())
}

/// The short human form of a tracker: 60 bits, `XXXX-XXXX-XXXX`.
pub fn short_tracker(tracker: &Tracker) -> String {
    use crate::credential::ALPHABET;
    let mut bits = u64::from_be_bytes(tracker.first_chunk::<8>().copied().unwrap_or([0; 8])) >> 4;
    let mut out = [b'0'; 12];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET.get((bits & 31) as usize).copied().unwrap_or(b'0');
        bits >>= 5;
    }
    out.chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Reads a short tracker as a person typed it (record.md §5.2): 12 symbols,
/// dashes and white space ignored, read as voting codes are (`O` as `0`,
/// `I` and `L` as `1`, any case). Answers the tracker's first 60 bits in
/// the high bits of a `u64` (the low 4 bits zero), or `None`.
pub fn parse_short_tracker(text: &str) -> Option<u64> {
    let mut bits: u64 = 0;
    let mut symbols = 0;
    for c in text.chars().filter(|c| *c != '-' && !c.is_whitespace()) {
        symbols += 1;
        if symbols > 12 {
            return None;
        }
        bits = (bits << 5) | u64::from(crate::credential::symbol_value(c)?);
    }
    (symbols == 12).then_some(bits << 4)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::elgamal::SecretKey;
    use crate::proofs::BatchVerifier;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn short_trackers_read_back_to_their_first_60_bits() {
        for seed in 0u8..32 {
            let tracker = Ballot::tracker(&[seed; 7]);
            let short = short_tracker(&tracker);
            let first = u64::from_be_bytes(tracker.first_chunk::<8>().copied().unwrap());
            let read = parse_short_tracker(&short.to_lowercase().replace('0', "o"));
            assert_eq!(read, Some(first & !0xf), "{short}");
        }
        assert_eq!(parse_short_tracker("ABCD-EFGH"), None);
        assert_eq!(parse_short_tracker("ABCD-EFGH-JKMN-P"), None);
        assert_eq!(
            parse_short_tracker("ABCD-EFGH-JKMU"),
            None,
            "U is not a symbol"
        );
    }

    /// Contest 0 approval, contest 1 ranked with 3 preferences of 4,
    /// contest 2 ranked with 2 preferences of 3.
    fn ctx() -> BallotContext {
        let mut rng = ChaCha20Rng::from_seed([1; 32]);
        let key = SecretKey::generate(&mut rng).public_key().unwrap();
        let one_of = |m| ContestShape {
            candidates: m,
            min: 0,
            max: 1,
        };
        BallotContext {
            base_hash: [3; 32],
            key,
            shapes: vec![
                ContestShape {
                    candidates: 3,
                    min: 0,
                    max: 2,
                },
                one_of(4),
                one_of(3),
            ],
            preferences: vec![0, 3, 2],
        }
    }

    #[test]
    fn ranked_entries_repeat_exactly_their_preferences() {
        let c = ctx();
        assert_eq!(
            c.entry_preferences(&[0, 1, 1, 1, 2, 2]).unwrap(),
            [0, 1, 2, 3, 1, 2]
        );
        assert_eq!(c.entry_preferences(&[1, 1, 1]).unwrap(), [1, 2, 3]);
        for bad in [
            &[0, 0][..],
            &[1, 1][..],
            &[1, 1, 1, 1][..],
            &[0, 1, 1, 2, 2][..],
            &[1, 1, 2, 2, 1][..],
            &[2, 2, 1, 1, 1][..],
            &[1, 0, 1, 1][..],
            &[3][..],
        ] {
            assert!(c.entry_preferences(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_ranked_ballot_round_trips_and_binds_each_preference() {
        let c = ctx();
        let mut rng = ChaCha20Rng::from_seed([2; 32]);
        let code = crate::credential::VotingCode::generate(&mut rng);
        let secret = code.secret(&[4; 32]);
        let hot = |m: usize, k: Option<usize>| (0..m).map(|i| Some(i) == k).collect::<Vec<_>>();
        let choices = vec![
            (1, hot(4, Some(2))),
            (1, hot(4, Some(0))),
            (1, hot(4, None)),
            (2, hot(3, Some(1))),
            (2, hot(3, Some(0))),
        ];
        let (ballot, _) = Ballot::encrypt(&c, &secret, &choices, &mut rng).unwrap();
        let bytes = ballot.to_bytes();
        let decoded = Ballot::decode(&bytes, &c).unwrap();
        assert_eq!(decoded, ballot);
        decoded.clone().verify(&c, &[1, 2]).unwrap();
        // Missing the approval contest of the district, or a contest of
        // another district: refused.
        assert!(decoded.clone().verify(&c, &[0, 1, 2]).is_err());
        // Two preferences' entries swapped: refused (each entry's proofs
        // were made for its own place in the ranking, and the signature
        // covers the order).
        let mut swapped = decoded.clone();
        swapped.contests.swap(0, 1);
        let mut batch = BatchVerifier::new();
        swapped.add_to_batch(&c, &[1, 2], &mut batch).unwrap();
        assert!(!batch.verify());
        // Too few entries for a ranked contest: not even well formed.
        let mut short = ballot.clone();
        short.contests.remove(2);
        assert!(Ballot::decode(&short.to_bytes(), &c).is_err());
    }
}
