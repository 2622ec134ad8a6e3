//! The tally (spec: record.md §7).
//!
//! 1. **Accumulate**: for every contest and candidate, the homomorphic sum of
//!    the counted ballots' ciphertexts, each weighted by its credential's
//!    weight. Ballots are grouped by weight and each group's sum scaled once.
//! 2. **Partial decryption**: each of at least `t` trustees publishes
//!    `D_j = s_j·A` for every tally ciphertext `(A, B)`, with a Chaum–Pedersen
//!    proof that `log_G K_j = log_A D_j`, bound to the base hash, the trustee,
//!    the contest and the candidate.
//! 3. **Combination**: for trustees `S` (`|S| = t`),
//!    `m·G = B − Σ_{j∈S} λ_j·D_j`, and `m` by the bounded discrete log.
//! 4. **Seats**: candidates ordered by votes, most first; ties broken by a
//!    lot: `SHA-256("valurna/lot/v1" ‖ seal ‖ u32(contest) ‖ u32(candidate))`,
//!    smaller first, where `seal` is the sealed board's seal — fixed only
//!    when voting has closed, and reproducible by anyone.

use std::collections::BTreeMap;

use curve25519_dalek::ristretto::RistrettoPoint;
use merlin::Transcript;
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};

use crate::ballot::Ballot;
use crate::contest::ContestShape;
use crate::elgamal::{Ciphertext, DlogTable, EncodedCiphertext, lagrange_at_zero};
use crate::encoding::Element;
use crate::errors::{DecodeError, Error, ProofKind, Result};
use crate::proofs::{BatchVerifier, ChaumPedersenProof, DleqStatement};
use crate::threshold::TrusteeShare;
use crate::transcript::{election_transcript, labels};

/// Running sums of counted ballots, grouped by weight.
#[derive(Debug, Clone)]
pub struct TallyAccumulator {
    shapes: Vec<ContestShape>,
    /// weight → contest → candidate → sum
    groups: BTreeMap<u64, Vec<Vec<Ciphertext>>>,
    ballots: Vec<u64>,
    weights: Vec<u64>,
    /// Contests counted through the mix-net instead (record.md §9.2).
    ranked: Vec<bool>,
}

impl TallyAccumulator {
    /// Empty sums for these contests.
    pub fn new(shapes: &[ContestShape]) -> Self {
        TallyAccumulator {
            shapes: shapes.to_vec(),
            groups: BTreeMap::new(),
            ballots: vec![0; shapes.len()],
            weights: vec![0; shapes.len()],
            ranked: vec![false; shapes.len()],
        }
    }

    /// Leaves the ranked contests (`preferences[c] > 0`) out of the sums:
    /// their ballots are counted and their ciphertexts mixed instead
    /// (record.md §9.2).
    pub fn with_ranked(mut self, preferences: &[u32]) -> Self {
        for (r, p) in self.ranked.iter_mut().zip(preferences) {
            *r = *p > 0;
        }
        self
    }

    fn zero(&self) -> Vec<Vec<Ciphertext>> {
        self.shapes
            .iter()
            .zip(&self.ranked)
            .map(|(s, ranked)| vec![Ciphertext::zero(); if *ranked { 0 } else { s.candidates }])
            .collect()
    }

    /// Each contest a ballot votes in, once (a ranked contest has an entry
    /// per preference).
    fn contests_of(ballot: &Ballot) -> impl Iterator<Item = usize> + '_ {
        let mut last = None;
        ballot.contests.iter().filter_map(move |(index, _)| {
            let fresh = last != Some(*index);
            last = Some(*index);
            fresh.then_some(*index as usize)
        })
    }

    /// Adds a counted ballot with its credential's weight.
    pub fn add(&mut self, ballot: &Ballot, weight: u64) {
        let zero = self.zero();
        let sums = self.groups.entry(weight).or_insert(zero);
        for (index, contest) in &ballot.contests {
            if let Some(row) = sums.get_mut(*index as usize) {
                for (acc, ct) in row.iter_mut().zip(&contest.ciphertexts) {
                    acc.a += ct.a.point();
                    acc.b += ct.b.point();
                }
            }
        }
        for i in Self::contests_of(ballot) {
            if let (Some(b), Some(w)) = (self.ballots.get_mut(i), self.weights.get_mut(i)) {
                *b = b.saturating_add(1);
                *w = w.saturating_add(weight);
            }
        }
    }

    /// Takes a ballot out of the sums again: a revote superseded it
    /// (record.md §5.6).
    pub fn remove(&mut self, ballot: &Ballot, weight: u64) {
        let zero = self.zero();
        let sums = self.groups.entry(weight).or_insert(zero);
        for (index, contest) in &ballot.contests {
            if let Some(row) = sums.get_mut(*index as usize) {
                for (acc, ct) in row.iter_mut().zip(&contest.ciphertexts) {
                    acc.a -= ct.a.point();
                    acc.b -= ct.b.point();
                }
            }
        }
        for i in Self::contests_of(ballot) {
            if let (Some(b), Some(w)) = (self.ballots.get_mut(i), self.weights.get_mut(i)) {
                *b = b.saturating_sub(1);
                *w = w.saturating_sub(weight);
            }
        }
    }

    /// Merges another accumulator over the same contests (for parallel
    /// accumulation).
    pub fn merge(&mut self, other: TallyAccumulator) {
        for (w, sums) in other.groups {
            let zero = self.zero();
            let mine = self.groups.entry(w).or_insert(zero);
            for (row, other_row) in mine.iter_mut().zip(sums) {
                for (acc, ct) in row.iter_mut().zip(other_row) {
                    *acc += &ct;
                }
            }
        }
        for (a, b) in self.ballots.iter_mut().zip(other.ballots) {
            *a = a.saturating_add(b);
        }
        for (a, b) in self.weights.iter_mut().zip(other.weights) {
            *a = a.saturating_add(b);
        }
    }

    /// The encrypted tally: each weight group's sums scaled by its weight
    /// and added up. Refused if a contest's total weight reaches the
    /// discrete-log bound, since its counts could not be decrypted
    /// (protocol.md §4.5).
    pub fn finish(self) -> Result<EncryptedTally> {
        if self
            .weights
            .iter()
            .any(|w| *w >= crate::elgamal::DLOG_BOUND)
        {
            return Err(Error::WeightOverflow);
        }
        let mut total = self.zero();
        for (w, sums) in &self.groups {
            for (row, group_row) in total.iter_mut().zip(sums) {
                for (acc, ct) in row.iter_mut().zip(group_row) {
                    let scaled = if *w == 1 { *ct } else { ct.scale(*w) };
                    *acc += &scaled;
                }
            }
        }
        Ok(EncryptedTally {
            contests: total
                .into_iter()
                .zip(self.ballots)
                .zip(self.weights)
                .map(|((row, ballots), weight)| ContestTally {
                    ballots,
                    weight,
                    ciphertexts: row.iter().map(Ciphertext::encode).collect(),
                })
                .collect(),
        })
    }
}

/// One contest's encrypted tally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContestTally {
    /// Counted ballots in this contest.
    pub ballots: u64,
    /// Their total weight.
    pub weight: u64,
    /// One ciphertext per candidate.
    pub ciphertexts: Vec<EncodedCiphertext>,
}

/// The encrypted tally of every contest, by contest index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedTally {
    /// Per contest.
    pub contests: Vec<ContestTally>,
}

/// A trustee's partial decryptions of the whole tally with their proofs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptionShare {
    /// The trustee's index.
    pub trustee: u32,
    /// `[contest][candidate] → (D, proof)`.
    pub partials: Vec<Vec<(Element, ChaumPedersenProof)>>,
}

/// The statement of a partial decryption: `log_G K_j = log_A D`
/// (record.md §7.2).
pub(crate) fn partial_statement(
    public_share: &Element,
    ct: &EncodedCiphertext,
    d: Element,
) -> DleqStatement {
    DleqStatement {
        base1: Element::generator(),
        public1: *public_share,
        base2: ct.a,
        public2: d,
    }
}

/// The transcript of trustee `trustee`'s proof for contest `contest`,
/// candidate `candidate` (record.md §7.2).
pub fn decryption_transcript(
    base_hash: &[u8; 32],
    trustee: u32,
    contest: usize,
    candidate: usize,
) -> Transcript {
    let mut t = election_transcript(base_hash);
    t.append_u64(labels::CONTEXT_TRUSTEE, u64::from(trustee));
    t.append_u64(labels::CONTEXT_CONTEST, contest as u64);
    t.append_u64(labels::CONTEXT_SELECTION, candidate as u64);
    t
}

impl DecryptionShare {
    /// Trustee `share` decrypts the tally partially and proves it.
    pub fn create<R: CryptoRng + ?Sized>(
        base_hash: &[u8; 32],
        tally: &EncryptedTally,
        share: &TrusteeShare,
        public_share: &Element,
        rng: &mut R,
    ) -> Self {
        let partials = tally
            .contests
            .iter()
            .enumerate()
            .map(|(c, contest)| {
                contest
                    .ciphertexts
                    .iter()
                    .enumerate()
                    .map(|(k, ct)| {
                        let d = Element::from_point(share.share.partial_decrypt(&ct.ciphertext()));
                        let statement = partial_statement(public_share, ct, d);
                        let mut t = decryption_transcript(base_hash, share.index, c, k);
                        (
                            d,
                            ChaumPedersenProof::prove(&mut t, &statement, &share.share, rng),
                        )
                    })
                    .collect()
            })
            .collect();
        DecryptionShare {
            trustee: share.index,
            partials,
        }
    }

    /// Checks every proof in one batch against the trustee's public share.
    pub fn verify(
        &self,
        base_hash: &[u8; 32],
        tally: &EncryptedTally,
        public_share: &Element,
    ) -> Result<()> {
        if self.partials.len() != tally.contests.len()
            || self
                .partials
                .iter()
                .zip(&tally.contests)
                .any(|(p, c)| p.len() != c.ciphertexts.len())
        {
            return Err(DecodeError::OutOfRange {
                field: "decryption share shape",
            }
            .into());
        }
        let mut batch = BatchVerifier::new();
        for (c, (row, contest)) in self.partials.iter().zip(&tally.contests).enumerate() {
            for (k, ((d, proof), ct)) in row.iter().zip(&contest.ciphertexts).enumerate() {
                let statement = partial_statement(public_share, ct, *d);
                let mut t = decryption_transcript(base_hash, self.trustee, c, k);
                proof.add_to_batch(&mut t, &statement, &mut batch);
            }
        }
        if batch.verify() {
            Ok(())
        } else {
            Err(Error::VerificationFailed(ProofKind::DecryptionShare))
        }
    }
}

/// Combines `t` verified decryption shares (distinct trustees) into the
/// counts: `[contest][candidate]`.
pub fn combine(
    tally: &EncryptedTally,
    shares: &[DecryptionShare],
    table: &DlogTable,
) -> Result<Vec<Vec<u64>>> {
    let indices: Vec<u32> = shares.iter().map(|s| s.trustee).collect();
    let lambdas = indices
        .iter()
        .map(|&i| lagrange_at_zero(i, &indices))
        .collect::<Option<Vec<_>>>()
        .ok_or(Error::InvalidStatement(
            "trustee indices must be distinct and non-zero",
        ))?;
    tally
        .contests
        .iter()
        .enumerate()
        .map(|(c, contest)| {
            contest
                .ciphertexts
                .iter()
                .enumerate()
                .map(|(k, ct)| {
                    let mut combined = RistrettoPoint::default();
                    for (share, lambda) in shares.iter().zip(&lambdas) {
                        let (d, _) = share
                            .partials
                            .get(c)
                            .and_then(|row| row.get(k))
                            .ok_or(Error::InvalidStatement("decryption share shape"))?;
                        combined += d.point() * lambda;
                    }
                    table.solve(&(ct.b.point() - combined))
                })
                .collect()
        })
        .collect()
}

/// The lot that orders tied candidates (record.md §7.4).
pub fn lot(seal: &[u8; 32], contest: u32, candidate: u32) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/lot/v1");
    h.update(seal);
    h.update(contest.to_le_bytes());
    h.update(candidate.to_le_bytes());
    h.finalize().into()
}

/// Candidates in rank order (most votes first, ties by the lot), and
/// whether the lot decided who got the last seat.
pub fn rank(seal: &[u8; 32], contest: u32, counts: &[u64], seats: u32) -> (Vec<usize>, bool) {
    let mut order: Vec<(usize, u64, [u8; 32])> = counts
        .iter()
        .enumerate()
        .map(|(k, &v)| (k, v, lot(seal, contest, k as u32)))
        .collect();
    order.sort_by(|x, y| y.1.cmp(&x.1).then(x.2.cmp(&y.2)));
    let s = seats as usize;
    let by_lot = match (order.get(s.wrapping_sub(1)), order.get(s)) {
        (Some(last_in), Some(first_out)) if s > 0 => last_in.1 == first_out.1,
        _ => false,
    };
    (order.into_iter().map(|(k, _, _)| k).collect(), by_lot)
}
