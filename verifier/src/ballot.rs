//! Ballots (record.md §5.1–§5.2) and their proofs as batch equations.
//!
//! ```text
//! enc(C) ‖ u32(k) ‖ k × ( u32(contest index) ‖ contest ) ‖ signature
//! ```
//!
//! A ranked contest with `p` preferences is `p` consecutive entries with its
//! index, entry `q` of shape `(m, 0, 1)` with its proofs bound to
//! `preference = q` (record.md §9.2); an approval contest is one entry.
//!
//! A contest of shape `(n, min, max)` is `n` ciphertexts, `n` zero-one
//! proofs and one range proof over `[min, max]` (protocol.md §9.3). The
//! equations of all of a ballot's proofs go into one batch; the terms on
//! each selection's `A` and `B` — from its zero-one proof and from the
//! contest's range proof, which is about their sum — are merged into one
//! term each (protocol.md §10.1).

use merlin::Transcript;
use sha2::{Digest, Sha256};

use crate::decode::{Identity, LEN, Point, Reader};
use crate::equations::{Equations, NoRandomness};
use crate::error::Malformed;
use crate::proofs::{
    Ciphertext, Disjunctive, Domain, SCHNORR_LEN, Schnorr, add_disjunctive, disjunctive_len,
};
use crate::transcript::{TranscriptExt, election, labels};

/// The most candidates a contest may have (record.md §2.2).
pub const MAX_CANDIDATES: usize = 200;

/// What a contest looks like on a ballot: the shape `(candidates, min,
/// max)` of its encrypted contests (protocol.md §9) and, for a ranked
/// contest, its number of entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Candidates `n`.
    pub candidates: usize,
    /// Fewest selections.
    pub min: u64,
    /// Most selections.
    pub max: u64,
    /// `None` for an approval contest (one entry); `Some(p)` for a ranked
    /// contest: `p` entries, each of this shape, which is then `(m, 0, 1)`
    /// (record.md §9.2).
    pub preferences: Option<u64>,
}

impl Shape {
    /// An approval contest's shape `(candidates, min, max)`.
    pub fn approval(candidates: usize, min: u64, max: u64) -> Self {
        Shape {
            candidates,
            min,
            max,
            preferences: None,
        }
    }

    /// A ranked contest of `candidates` with `preferences` entries of shape
    /// `(m, 0, 1)` (record.md §9.2).
    pub fn ranked(candidates: usize, preferences: u64) -> Self {
        Shape {
            candidates,
            min: 0,
            max: 1,
            preferences: Some(preferences),
        }
    }

    /// How many entries the contest has on a ballot.
    pub fn entries(&self) -> u64 {
        self.preferences.unwrap_or(1)
    }
}

impl Shape {
    /// Bytes of an encrypted contest of this shape (protocol.md §9.3).
    pub fn encoded_len(&self) -> Result<usize, Malformed> {
        Ok(self.candidates * (64 + 224) + disjunctive_len(self.min, self.max)?)
    }
}

/// An encrypted contest (protocol.md §9).
#[derive(Debug, Clone)]
pub struct Contest {
    /// The contest index.
    pub index: u32,
    /// For an entry of a ranked contest, its place `q` in the ranking, from
    /// 1 (record.md §9.2); `None` for an approval contest.
    pub preference: Option<u64>,
    /// One ciphertext per candidate; no `A` is the identity.
    pub ciphertexts: Vec<Ciphertext>,
    zero_one: Vec<Disjunctive>,
    range: Disjunctive,
}

impl Contest {
    /// Strictly decodes a contest of `shape` (protocol.md §9.3).
    pub fn decode(index: u32, bytes: &[u8], shape: &Shape) -> Result<Self, Malformed> {
        let expected = shape.encoded_len()?;
        if bytes.len() != expected {
            return Err(Malformed::WrongLength {
                expected,
                actual: bytes.len(),
            });
        }
        let mut r = Reader::new(bytes);
        let mut ciphertexts = Vec::with_capacity(shape.candidates);
        for _ in 0..shape.candidates {
            ciphertexts.push(Ciphertext::decode(r.take(64)?, Identity::Forbidden)?);
        }
        let mut zero_one = Vec::with_capacity(shape.candidates);
        for _ in 0..shape.candidates {
            zero_one.push(Disjunctive::decode(r.take(224)?, 0, 1)?);
        }
        let range = Disjunctive::decode(
            r.take(disjunctive_len(shape.min, shape.max)?)?,
            shape.min,
            shape.max,
        )?;
        r.finish()?;
        Ok(Contest {
            index,
            preference: None,
            ciphertexts,
            zero_one,
            range,
        })
    }
}

impl Contest {
    /// Adds the equations of every proof of the contest (protocol.md
    /// §9.1), with the terms on each selection's `A` and `B` merged.
    /// `contest_transcript` holds the election binding and the context up
    /// to `contest` (and `preference` for a ranked entry); each zero-one
    /// proof adds its `selection`.
    pub fn add_to(&self, contest_transcript: &Transcript, key: &Point, eq: &mut Equations) {
        let mut t = contest_transcript.clone();
        let (range_a, range_b) =
            self.range
                .add_to(&mut t, Domain::Range, key, &self.ciphertexts, eq);
        for (i, (c, proof)) in self.ciphertexts.iter().zip(&self.zero_one).enumerate() {
            let mut t = contest_transcript.clone();
            t.append_number(labels::SELECTION, i as u64);
            let (e_a, e_b) =
                proof.add_to(&mut t, Domain::ZeroOne, key, std::slice::from_ref(c), eq);
            eq.add(e_a + range_a, c.a.point);
            eq.add(e_b + range_b, c.b.point);
        }
    }
}

/// Which of a ballot's proofs to add to a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// All of them, with merged terms.
    All,
    /// The signature.
    Signature,
    /// The zero-one proof of `(contest position in the ballot, selection)`.
    Selection(usize, usize),
    /// The range proof of the contest at this position in the ballot.
    Range(usize),
}

/// A decoded ballot.
#[derive(Debug, Clone)]
pub struct Ballot {
    /// `C`.
    pub credential: Point,
    /// Its contests, indices strictly increasing.
    pub contests: Vec<Contest>,
    signature: Schnorr,
    /// SHA-256 of every byte before the signature.
    body_digest: [u8; 32],
}

/// Whether `last`, the last entry of its contest so far, ends it: an
/// approval contest's only entry or a ranked contest's `p`-th.
fn complete(last: &Contest, shapes: &[Shape]) -> bool {
    let p = shapes.get(last.index as usize).and_then(|s| s.preferences);
    last.preference == p
}

/// `SHA-256("valurna/tracker/v1" ‖ ballot bytes)` (record.md §5.2).
pub fn tracker(bytes: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"valurna/tracker/v1");
    h.update(bytes);
    h.finalize().into()
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The short form of a tracker: its first 60 bits as 12 Crockford symbols,
/// `XXXX-XXXX-XXXX` (record.md §5.2).
pub fn short_tracker(tracker: &[u8; 32]) -> String {
    let mut first = [0u8; 8];
    first.copy_from_slice(tracker.get(..8).unwrap_or(&[0; 8]));
    let bits = u64::from_be_bytes(first) >> 4;
    let mut out = String::with_capacity(14);
    for i in 0..12 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let symbol = (bits >> (55 - 5 * i)) & 31;
        out.push(char::from(
            CROCKFORD.get(symbol as usize).copied().unwrap_or(b'?'),
        ));
    }
    out
}

impl Ballot {
    /// Strictly decodes a ballot against the manifest's contest shapes
    /// (record.md §5.1).
    pub fn decode(bytes: &[u8], shapes: &[Shape]) -> Result<Self, Malformed> {
        let body_len = bytes
            .len()
            .checked_sub(SCHNORR_LEN)
            .ok_or(Malformed::WrongLength {
                expected: LEN + 4 + SCHNORR_LEN,
                actual: bytes.len(),
            })?;
        let (body, signature) = bytes.split_at(body_len);
        let mut r = Reader::new(body);
        let credential = r.point(Identity::Forbidden)?;
        let k = r.u32()?;
        // Every entry takes at least 4 bytes, so `k` cannot run far.
        let mut contests: Vec<Contest> = Vec::with_capacity((k as usize).min(shapes.len()));
        for _ in 0..k {
            let index = r.u32()?;
            let shape = shapes
                .get(index as usize)
                .ok_or(Malformed::OutOfRange("contest index"))?;
            // Indices increase, except along a ranked contest's `p`
            // entries (record.md §9.2).
            let preference = match contests.last() {
                Some(last) if last.index > index => {
                    return Err(Malformed::OutOfRange("contest order"));
                }
                Some(last) if last.index == index => match (shape.preferences, last.preference) {
                    (Some(p), Some(q)) if q < p => Some(q + 1),
                    (Some(_), _) => {
                        return Err(Malformed::OutOfRange(
                            "ranked contest entries (more than p)",
                        ));
                    }
                    (None, _) => return Err(Malformed::OutOfRange("contest order")),
                },
                last => {
                    if last.is_some_and(|c| !complete(c, shapes)) {
                        return Err(Malformed::OutOfRange(
                            "ranked contest entries (fewer than p)",
                        ));
                    }
                    shape.preferences.map(|_| 1)
                }
            };
            let len = shape.encoded_len()?;
            let mut contest = Contest::decode(index, r.take(len)?, shape)?;
            contest.preference = preference;
            contests.push(contest);
        }
        if contests.last().is_some_and(|c| !complete(c, shapes)) {
            return Err(Malformed::OutOfRange(
                "ranked contest entries (fewer than p)",
            ));
        }
        r.finish()?;
        Ok(Ballot {
            credential,
            contests,
            signature: Schnorr::decode(signature)?,
            body_digest: Sha256::digest(body).into(),
        })
    }

    /// Adds the equations of `part` of this ballot's proofs
    /// (record.md §5.1, protocol.md §9.1) to `eq`, whose shared key is the
    /// election key `key`.
    pub fn add_to(&self, base_hash: &[u8; 32], key: &Point, part: Part, eq: &mut Equations) {
        let mut voter = election(base_hash);
        voter.append(labels::CREDENTIAL, &self.credential.bytes);
        if matches!(part, Part::All | Part::Signature) {
            let mut t = voter.clone();
            t.append(labels::BALLOT, &self.body_digest);
            self.signature.add_to(&mut t, &self.credential, eq);
        }
        for (position, contest) in self.contests.iter().enumerate() {
            let mut ct: Transcript = voter.clone();
            ct.append_number(labels::CONTEST, u64::from(contest.index));
            if let Some(q) = contest.preference {
                ct.append_number(labels::PREFERENCE, q);
            }
            match part {
                Part::All => contest.add_to(&ct, key, eq),
                Part::Selection(p, i) if p == position => {
                    if let (Some(c), Some(proof)) =
                        (contest.ciphertexts.get(i), contest.zero_one.get(i))
                    {
                        let mut t = ct.clone();
                        t.append_number(labels::SELECTION, i as u64);
                        add_disjunctive(
                            proof,
                            &mut t,
                            Domain::ZeroOne,
                            key,
                            std::slice::from_ref(c),
                            eq,
                        );
                    }
                }
                Part::Range(p) if p == position => {
                    add_disjunctive(
                        &contest.range,
                        &mut ct,
                        Domain::Range,
                        key,
                        &contest.ciphertexts,
                        eq,
                    );
                }
                _ => {}
            }
        }
    }

    /// The proofs that fail on their own, each named (with `contest_name`
    /// giving a contest index's name), for a ballot whose batch failed
    /// (protocol.md §10.2). Empty only if each proof holds alone.
    pub fn failing_parts(
        &self,
        base_hash: &[u8; 32],
        key: &Point,
        contest_name: &dyn Fn(u32) -> String,
    ) -> Vec<String> {
        let mut parts = vec![(Part::Signature, "the signature".to_string())];
        for (p, c) in self.contests.iter().enumerate() {
            let name = match c.preference {
                Some(q) => format!("{} preference {q}", contest_name(c.index)),
                None => contest_name(c.index),
            };
            for i in 0..c.ciphertexts.len() {
                parts.push((
                    Part::Selection(p, i),
                    format!("{name} selection {i}: the zero-one proof"),
                ));
            }
            parts.push((Part::Range(p), format!("{name}: the range proof")));
        }
        let mut failing = Vec::new();
        for (part, name) in parts {
            match self.holds(base_hash, key, part) {
                Ok(true) => {}
                Ok(false) => failing.push(name),
                Err(e) => return vec![format!("cannot be checked: {e}")],
            }
        }
        failing
    }

    /// Whether `part` of this ballot's proofs holds, checked in a batch of
    /// its own (with weights from the operating system).
    pub fn holds(
        &self,
        base_hash: &[u8; 32],
        key: &Point,
        part: Part,
    ) -> Result<bool, NoRandomness> {
        let mut eq = Equations::new()?.with_key(key.point);
        self.add_to(base_hash, key, part, &mut eq);
        Ok(eq.holds())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_trackers_are_twelve_symbols_in_three_groups() {
        let s = short_tracker(&[0xff; 32]);
        assert_eq!(s, "ZZZZ-ZZZZ-ZZZZ");
        let s = short_tracker(&[0; 32]);
        assert_eq!(s, "0000-0000-0000");
        // 60 bits: 0x0842_1084_2108_421 spells 1 in every symbol.
        let mut t = [0u8; 32];
        t[..8].copy_from_slice(&0x0842_1084_2108_4210u64.to_be_bytes());
        assert_eq!(short_tracker(&t), "1111-1111-1111");
    }

    #[test]
    fn garbage_never_panics() {
        let shapes = [Shape::approval(2, 0, 1), Shape::ranked(2, 2)];
        for len in 0..200 {
            assert!(Ballot::decode(&vec![7u8; len], &shapes).is_err());
        }
    }

    /// A ballot with the given entries' indices, each an encrypted contest
    /// of shape `(2, 0, 1)` that decodes (every `A` is `G`, everything
    /// else zero: the identity or the scalar 0); proofs do not matter to
    /// decoding.
    fn ballot_with(indices: &[u32]) -> Vec<u8> {
        use curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED;
        let g = RISTRETTO_BASEPOINT_COMPRESSED.to_bytes();
        let len = Shape::approval(2, 0, 1).encoded_len().unwrap_or(0);
        let mut b = g.to_vec();
        b.extend_from_slice(&(indices.len() as u32).to_le_bytes());
        for i in indices {
            b.extend_from_slice(&i.to_le_bytes());
            let mut contest = vec![0u8; len];
            contest[..32].copy_from_slice(&g);
            contest[64..96].copy_from_slice(&g);
            b.extend_from_slice(&contest);
        }
        b.extend_from_slice(&[0u8; 64]);
        b
    }

    #[test]
    fn ranked_contests_take_exactly_p_consecutive_entries() {
        // Contest 0 approval (2 candidates, 0–1), contest 1 ranked with
        // p = 2, contest 2 approval.
        let shapes = [
            Shape::approval(2, 0, 1),
            Shape::ranked(2, 2),
            Shape::approval(2, 0, 1),
        ];
        let ok = Ballot::decode(&ballot_with(&[0, 1, 1, 2]), &shapes).unwrap();
        let prefs: Vec<_> = ok.contests.iter().map(|c| c.preference).collect();
        assert_eq!(prefs, [None, Some(1), Some(2), None]);
        for bad in [
            &[0, 1, 2][..],
            &[0, 1, 1, 1, 2],
            &[0, 0, 1, 1],
            &[1, 1, 0],
            &[1],
            &[1, 2, 1],
        ] {
            assert!(
                matches!(
                    Ballot::decode(&ballot_with(bad), &shapes),
                    Err(Malformed::OutOfRange(_))
                ),
                "{bad:?}"
            );
        }
    }
}
