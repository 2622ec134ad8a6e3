//! The threshold key ceremony: `t` of `n` trustees (spec: record.md §6).
//!
//! A distributed key generation after Pedersen (1991) and Gennaro et al.
//! (1999), run offline by exchanging files. No party ever holds the election
//! secret.
//!
//! 1. **Announce.** Trustee `i` draws a communication key `e_i` and a secret
//!    polynomial `f_i(x) = a_{i,0} + a_{i,1}·x + … + a_{i,t−1}·x^{t−1}`, and
//!    publishes `E_i = e_i·G`, the commitments `C_{i,k} = a_{i,k}·G`, and a
//!    Schnorr proof of knowledge for each (which rules out rogue keys).
//! 2. **Deal.** For every other trustee `j`, trustee `i` encrypts the share
//!    `f_i(j)` to `E_j`: with a fresh `r`, `R = r·G`, `S = r·E_j`, the share's
//!    32 bytes are XORed with a pad `SHA-512("valurna/share/v1" ‖ u32(i) ‖
//!    u32(j) ‖ enc(R) ‖ enc(E_j) ‖ enc(S))[0..32]`, and `R` comes with a
//!    proof of knowledge of `r` (so no one can reuse another dealer's `R`
//!    to make a complaint reveal that dealer's share).
//! 3. **Check.** Trustee `j` recomputes `S = e_j·R`, decrypts, and checks
//!    `f_i(j)·G = Σ_k j^k·C_{i,k}`. A bad share gives a *complaint* that
//!    reveals `S` with a Chaum–Pedersen proof that `log_G E_j = log_R S`, so
//!    anyone can decrypt that one share and see who cheated.
//! 4. **Confirm.** A trustee whose shares all matched publishes a proof of
//!    knowledge of its share `s_j` for its public share `K_j`; the ceremony
//!    finishes only when every trustee has confirmed, so "no complaint yet"
//!    is never mistaken for "no complaint".
//! 5. **Finish.** With no complaint and every confirmation, the joint key is
//!    `K = Σ_i C_{i,0}`, trustee `j`'s secret share is `s_j = Σ_i f_i(j)`
//!    and its public share `K_j = s_j·G = Σ_i Σ_k j^k·C_{i,k}` follows from
//!    public data alone. Any `t` shares determine `s = Σ_i a_{i,0}` by
//!    Lagrange interpolation; fewer reveal nothing about it.
//!
//! A fault — a bad proof, a missing, extra or bad share, a false complaint,
//! a missing confirmation — stops the ceremony with the trustee named; the
//! committee reruns it (with a new ceremony id) without them.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use merlin::Transcript;
use rand_core::CryptoRng;
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use crate::elgamal::{PublicKey, SecretKey, mul_g};
use crate::encoding::{Element, decode_scalar};
use crate::errors::{Error, Result};
use crate::proofs::{ChaumPedersenProof, DleqStatement, SchnorrProof};
use crate::transcript::{election_transcript, labels};

/// Most trustees a ceremony may have.
pub const MAX_TRUSTEES: u32 = 64;

/// What the ceremony is for: the election (its manifest hash) and `t` of `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CeremonyParams {
    /// SHA-256 of the manifest file (record.md §2.1).
    pub manifest_hash: [u8; 32],
    /// A random identifier of this run of the ceremony, so that messages of
    /// an earlier run cannot be replayed into a rerun.
    pub ceremony_id: [u8; 16],
    /// `n`: trustees, numbered 1 to `n`.
    pub trustees: u32,
    /// `t`: shares needed to decrypt.
    pub threshold: u32,
}

impl CeremonyParams {
    /// Checks `1 ≤ t ≤ n ≤ 64`.
    pub fn validate(&self) -> Result<()> {
        if self.threshold == 0 || self.threshold > self.trustees || self.trustees > MAX_TRUSTEES {
            return Err(Error::InvalidStatement("a ceremony needs 1 ≤ t ≤ n ≤ 64"));
        }
        Ok(())
    }

    /// The ceremony's hash, which stands in for the base hash in its
    /// transcripts (the base hash includes the joint key, not yet known):
    /// `SHA-256("valurna/ceremony/v1" ‖ manifest hash ‖ ceremony id ‖ u32(n)
    /// ‖ u32(t))`.
    pub fn ceremony_hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"valurna/ceremony/v1");
        h.update(self.manifest_hash);
        h.update(self.ceremony_id);
        h.update(self.trustees.to_le_bytes());
        h.update(self.threshold.to_le_bytes());
        h.finalize().into()
    }

    fn transcript(&self, trustee: u32) -> Transcript {
        let mut t = election_transcript(&self.ceremony_hash());
        t.append_u64(labels::CONTEXT_TRUSTEE, u64::from(trustee));
        t
    }

    fn coefficient_transcript(&self, trustee: u32, k: usize) -> Transcript {
        let mut t = self.transcript(trustee);
        t.append_u64(labels::CONTEXT_COEFFICIENT, k as u64);
        t
    }

    fn communication_transcript(&self, trustee: u32) -> Transcript {
        let mut t = self.transcript(trustee);
        t.append_message(labels::CONTEXT_COMMUNICATION_KEY, b"");
        t
    }

    fn complaint_transcript(&self, accuser: u32, accused: u32) -> Transcript {
        let mut t = self.transcript(accuser);
        t.append_u64(labels::CONTEXT_COMPLAINT, u64::from(accused));
        t
    }

    fn share_transcript(&self, from: u32, to: u32) -> Transcript {
        let mut t = self.transcript(from);
        t.append_u64(labels::CONTEXT_SHARE_TO, u64::from(to));
        t
    }

    fn confirmation_transcript(&self, trustee: u32) -> Transcript {
        let mut t = self.transcript(trustee);
        t.append_message(labels::CONTEXT_CONFIRMATION, b"");
        t
    }
}

/// A trustee's public first message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The trustee's index, 1 to `n`.
    pub index: u32,
    /// `E_i`, for receiving shares.
    pub communication_key: Element,
    /// Proof of knowledge of `e_i`.
    pub communication_proof: SchnorrProof,
    /// `C_{i,0} … C_{i,t−1}`.
    pub commitments: Vec<Element>,
    /// Proof of knowledge of each coefficient.
    pub commitment_proofs: Vec<SchnorrProof>,
}

pub use crate::errors::Fault;

fn fault(trustee: u32, reason: impl Into<String>) -> Fault {
    Fault {
        trustee,
        reason: reason.into(),
    }
}

impl Announcement {
    /// Checks shape and every proof of knowledge.
    pub fn verify(&self, params: &CeremonyParams) -> Result<(), Fault> {
        let i = self.index;
        if self.commitments.len() != params.threshold as usize
            || self.commitment_proofs.len() != self.commitments.len()
        {
            return Err(fault(i, "wrong number of commitments"));
        }
        if self.communication_key.is_identity() || self.commitments.iter().any(Element::is_identity)
        {
            return Err(fault(i, "identity element as a key or commitment"));
        }
        self.communication_proof
            .verify(
                &mut params.communication_transcript(i),
                &self.communication_key,
            )
            .map_err(|_| fault(i, "bad proof of knowledge of the communication key"))?;
        for (k, (c, p)) in self
            .commitments
            .iter()
            .zip(&self.commitment_proofs)
            .enumerate()
        {
            p.verify(&mut params.coefficient_transcript(i, k), c)
                .map_err(|_| fault(i, format!("bad proof of knowledge of coefficient {k}")))?;
        }
        Ok(())
    }

    /// `Σ_k j^k·C_{i,k}`: the point trustee `j`'s share from this trustee
    /// must match.
    pub fn share_commitment(&self, j: u32) -> RistrettoPoint {
        let x = Scalar::from(j);
        let mut power = Scalar::ONE;
        let powers: Vec<Scalar> = self
            .commitments
            .iter()
            .map(|_| {
                let p = power;
                power *= x;
                p
            })
            .collect();
        RistrettoPoint::vartime_multiscalar_mul(
            &powers,
            self.commitments.iter().map(Element::point),
        )
    }
}

/// A share from trustee `from` to trustee `to`, encrypted to `E_to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedShare {
    /// The dealer.
    pub from: u32,
    /// The recipient.
    pub to: u32,
    /// `R = r·G`.
    pub ephemeral: Element,
    /// Proof of knowledge of `r` (context `trustee = from`, `share-to = to`).
    pub ephemeral_proof: SchnorrProof,
    /// `enc(f_from(to)) XOR pad`.
    pub ciphertext: [u8; 32],
}

impl EncryptedShare {
    /// Checks the indices and the proof of knowledge of `r`.
    pub fn check(&self, params: &CeremonyParams) -> Result<(), Fault> {
        let valid = |i: u32| (1..=params.trustees).contains(&i);
        if !valid(self.from) || !valid(self.to) || self.from == self.to {
            return Err(fault(self.from, "a share with invalid indices"));
        }
        self.ephemeral_proof
            .verify(
                &mut params.share_transcript(self.from, self.to),
                &self.ephemeral,
            )
            .map_err(|_| {
                fault(
                    self.from,
                    format!("a bad ephemeral key in its share to trustee {}", self.to),
                )
            })
    }
}

/// A trustee's confirmation that all its shares matched: a proof of
/// knowledge of `s_j` for `K_j` (record.md §6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// The trustee.
    pub index: u32,
    /// Schnorr proof for `K_index`.
    pub proof: SchnorrProof,
}

impl Confirmation {
    /// Checks the proof for `K_index`, the public share the
    /// `announcements` give trustee `index` (record.md §6.4).
    pub fn verify(
        &self,
        params: &CeremonyParams,
        announcements: &[Announcement],
    ) -> Result<(), Fault> {
        let public = Element::from_point(
            announcements
                .iter()
                .map(|a| a.share_commitment(self.index))
                .sum::<RistrettoPoint>(),
        );
        self.proof
            .verify(&mut params.confirmation_transcript(self.index), &public)
            .map_err(|_| fault(self.index, "a bad confirmation of its share"))
    }
}

fn pad(
    from: u32,
    to: u32,
    ephemeral: &Element,
    recipient: &Element,
    shared: &Element,
) -> Zeroizing<[u8; 32]> {
    let mut h = Sha512::new();
    h.update(b"valurna/share/v1");
    h.update(from.to_le_bytes());
    h.update(to.to_le_bytes());
    h.update(ephemeral.as_bytes());
    h.update(recipient.as_bytes());
    h.update(shared.as_bytes());
    let digest = h.finalize();
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(digest.get(..32).unwrap_or(&[0u8; 32]));
    out
}

fn xor(a: &[u8; 32], b: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x ^ y;
    }
    out
}

/// A complaint: trustee `accuser` reveals the shared secret of the share
/// `accused` sent it, proving it is the right one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    /// Who complains.
    pub accuser: u32,
    /// About whose share.
    pub accused: u32,
    /// `S = e_accuser·R`.
    pub shared_secret: Element,
    /// Chaum–Pedersen proof that `log_G E_accuser = log_R S`.
    pub proof: ChaumPedersenProof,
}

/// A trustee between announcing and receiving its shares. Secret: holds
/// the communication key and the polynomial (zeroized on drop).
#[derive(Debug)]
pub struct TrusteeDealer {
    params: CeremonyParams,
    index: u32,
    communication: SecretKey,
    coefficients: Vec<SecretKey>,
}

/// What a trustee ends with: its share of the election key. Secret.
#[derive(Debug, Clone)]
pub struct TrusteeShare {
    /// The trustee's index.
    pub index: u32,
    /// `s_j`.
    pub share: SecretKey,
}

impl TrusteeShare {
    /// The confirmation: a proof of knowledge of `s_j` for `K_j`.
    pub fn confirm<R: CryptoRng + ?Sized>(
        &self,
        params: &CeremonyParams,
        rng: &mut R,
    ) -> Confirmation {
        let public = Element::from_point(mul_g(self.share.as_scalar()));
        Confirmation {
            index: self.index,
            proof: SchnorrProof::prove(
                &mut params.confirmation_transcript(self.index),
                &self.share,
                &public,
                rng,
            ),
        }
    }
}

/// The outcome of checking one's shares.
#[derive(Debug)]
pub enum Received {
    /// All shares matched their commitments: keep the share, publish the
    /// confirmation.
    Share(TrusteeShare, Box<Confirmation>),
    /// Some did not: publish these.
    Complaints(Vec<Complaint>),
}

fn evaluate(coefficients: &[SecretKey], x: u32) -> Scalar {
    let x = Scalar::from(x);
    coefficients
        .iter()
        .rev()
        .fold(Scalar::ZERO, |acc, a| acc * x + a.as_scalar())
}

impl TrusteeDealer {
    /// Round 1: draws the keys and polynomial, returns the announcement.
    pub fn new<R: CryptoRng + ?Sized>(
        params: CeremonyParams,
        index: u32,
        rng: &mut R,
    ) -> Result<(Self, Announcement)> {
        params.validate()?;
        if index == 0 || index > params.trustees {
            return Err(Error::InvalidStatement("trustee index must be 1 to n"));
        }
        let communication = SecretKey::generate(rng);
        let coefficients: Vec<SecretKey> = (0..params.threshold)
            .map(|_| SecretKey::generate(rng))
            .collect();
        let communication_key = Element::from_point(mul_g(communication.as_scalar()));
        let communication_proof = SchnorrProof::prove(
            &mut params.communication_transcript(index),
            &communication,
            &communication_key,
            rng,
        );
        let commitments: Vec<Element> = coefficients
            .iter()
            .map(|a| Element::from_point(mul_g(a.as_scalar())))
            .collect();
        let commitment_proofs = coefficients
            .iter()
            .zip(&commitments)
            .enumerate()
            .map(|(k, (a, c))| {
                SchnorrProof::prove(&mut params.coefficient_transcript(index, k), a, c, rng)
            })
            .collect();
        let dealer = TrusteeDealer {
            params,
            index,
            communication,
            coefficients,
        };
        let announcement = Announcement {
            index,
            communication_key,
            communication_proof,
            commitments,
            commitment_proofs,
        };
        Ok((dealer, announcement))
    }

    /// This trustee's index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Round 2: after checking every announcement, encrypts a share for
    /// every other trustee.
    pub fn deal<R: CryptoRng + ?Sized>(
        &self,
        announcements: &[Announcement],
        rng: &mut R,
    ) -> Result<Vec<EncryptedShare>> {
        check_announcements(&self.params, announcements)?;
        self.check_own(announcements)?;
        let mut out = Vec::with_capacity(announcements.len());
        for a in announcements.iter().filter(|a| a.index != self.index) {
            let r = SecretKey::generate(rng);
            let ephemeral = Element::from_point(mul_g(r.as_scalar()));
            let ephemeral_proof = SchnorrProof::prove(
                &mut self.params.share_transcript(self.index, a.index),
                &r,
                &ephemeral,
                rng,
            );
            let shared = Element::from_point(a.communication_key.point() * r.as_scalar());
            let share = Zeroizing::new(evaluate(&self.coefficients, a.index).to_bytes());
            let p = pad(
                self.index,
                a.index,
                &ephemeral,
                &a.communication_key,
                &shared,
            );
            out.push(EncryptedShare {
                from: self.index,
                to: a.index,
                ephemeral,
                ephemeral_proof,
                ciphertext: *xor(&share, &p),
            });
        }
        Ok(out)
    }

    /// The announcement published under this trustee's index must be its
    /// own: otherwise someone substituted it (and could frame this trustee).
    fn check_own(&self, announcements: &[Announcement]) -> Result<()> {
        let own = announcements
            .iter()
            .find(|a| a.index == self.index)
            .ok_or(Error::InvalidStatement("no announcement for this trustee"))?;
        let matches = own.communication_key.point() == &mul_g(self.communication.as_scalar())
            && own.commitments.len() == self.coefficients.len()
            && own
                .commitments
                .iter()
                .zip(&self.coefficients)
                .all(|(c, a)| c.point() == &mul_g(a.as_scalar()));
        if matches {
            Ok(())
        } else {
            Err(Error::InvalidStatement(
                "the announcement under this trustee's index is not its own",
            ))
        }
    }

    /// Round 3: decrypts and checks the shares sent to this trustee.
    pub fn receive<R: CryptoRng + ?Sized>(
        self,
        announcements: &[Announcement],
        shares: &[EncryptedShare],
        rng: &mut R,
    ) -> Result<Received> {
        check_announcements(&self.params, announcements)?;
        self.check_own(announcements)?;
        let me = self.index;
        let mut total = Zeroizing::new(evaluate(&self.coefficients, me));
        let mut complaints = Vec::new();
        for a in announcements.iter().filter(|a| a.index != me) {
            let mut mine = shares.iter().filter(|s| s.from == a.index && s.to == me);
            let (Some(share), None) = (mine.next(), mine.next()) else {
                return Err(Error::CeremonyFailed {
                    faults: vec![fault(
                        a.index,
                        format!("sent no single share to trustee {me}"),
                    )],
                });
            };
            share
                .check(&self.params)
                .map_err(|f| Error::CeremonyFailed { faults: vec![f] })?;
            let shared =
                Element::from_point(share.ephemeral.point() * self.communication.as_scalar());
            match open_share(share, &announcements_key(announcements, me)?, &shared, a) {
                Some(s) => *total += s,
                None => {
                    let statement = DleqStatement {
                        base1: Element::generator(),
                        public1: announcements_key(announcements, me)?,
                        base2: share.ephemeral,
                        public2: shared,
                    };
                    let proof = ChaumPedersenProof::prove(
                        &mut self.params.complaint_transcript(me, a.index),
                        &statement,
                        &self.communication,
                        rng,
                    );
                    complaints.push(Complaint {
                        accuser: me,
                        accused: a.index,
                        shared_secret: shared,
                        proof,
                    });
                }
            }
        }
        if complaints.is_empty() {
            let share = TrusteeShare {
                index: me,
                share: SecretKey::from_scalar(*total),
            };
            let confirmation = Box::new(share.confirm(&self.params, rng));
            Ok(Received::Share(share, confirmation))
        } else {
            Ok(Received::Complaints(complaints))
        }
    }

    /// The dealer's secret state, for the trustee's own file between
    /// rounds: `ceremony hash ‖ u32(index) ‖ enc(e) ‖ enc(a_0) ‖ … ‖
    /// enc(a_{t−1})`. Bound to this run of the ceremony: a polynomial is
    /// never reused in another.
    pub fn export_secret(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(36 + 32 * (1 + self.coefficients.len())));
        out.extend_from_slice(&self.params.ceremony_hash());
        out.extend_from_slice(&self.index.to_le_bytes());
        out.extend_from_slice(self.communication.as_scalar().as_bytes());
        for a in &self.coefficients {
            out.extend_from_slice(a.as_scalar().as_bytes());
        }
        out
    }

    /// Reads back [`TrusteeDealer::export_secret`].
    pub fn import_secret(params: CeremonyParams, bytes: &[u8]) -> Result<Self> {
        params.validate()?;
        let expected = 36 + 32 * (1 + params.threshold as usize);
        if bytes.len() != expected {
            return Err(crate::DecodeError::WrongLength {
                expected,
                actual: bytes.len(),
            }
            .into());
        }
        let (hash, rest) = bytes.split_at(32);
        if hash != params.ceremony_hash() {
            return Err(Error::InvalidStatement(
                "this secret state belongs to another ceremony",
            ));
        }
        let (idx, rest) = rest.split_at(4);
        let index = u32::from_le_bytes(idx.try_into().unwrap_or([0; 4]));
        if index == 0 || index > params.trustees {
            return Err(Error::InvalidStatement("trustee index must be 1 to n"));
        }
        let mut scalars = rest
            .chunks_exact(32)
            .map(|c| decode_scalar(c).map(SecretKey::from_scalar));
        let communication = scalars.next().ok_or(Error::InvalidStatement("empty"))??;
        let coefficients = scalars.collect::<Result<Vec<_>, _>>()?;
        Ok(TrusteeDealer {
            params,
            index,
            communication,
            coefficients,
        })
    }
}

fn announcements_key(announcements: &[Announcement], index: u32) -> Result<Element> {
    announcements
        .iter()
        .find(|a| a.index == index)
        .map(|a| a.communication_key)
        .ok_or(Error::InvalidStatement("no announcement for this trustee"))
}

/// Decrypts a share and checks it against the dealer's commitments; `None`
/// if it does not decode or does not match.
fn open_share(
    share: &EncryptedShare,
    recipient: &Element,
    shared: &Element,
    dealer: &Announcement,
) -> Option<Scalar> {
    let p = pad(share.from, share.to, &share.ephemeral, recipient, shared);
    let plain = xor(&share.ciphertext, &p);
    let s = decode_scalar(&*plain).ok()?;
    (mul_g(&s) == dealer.share_commitment(share.to)).then_some(s)
}

/// Every announcement present once, indices 1 to `n`, every proof valid.
fn check_announcements(params: &CeremonyParams, announcements: &[Announcement]) -> Result<()> {
    params.validate()?;
    let mut faults = Vec::new();
    for i in 1..=params.trustees {
        match announcements.iter().filter(|a| a.index == i).count() {
            1 => {}
            0 => faults.push(fault(i, "no announcement")),
            _ => faults.push(fault(i, "more than one announcement")),
        }
    }
    if announcements
        .iter()
        .any(|a| a.index == 0 || a.index > params.trustees)
    {
        faults.push(fault(0, "an announcement with an index outside 1 to n"));
    }
    faults.extend(announcements.iter().filter_map(|a| a.verify(params).err()));
    if faults.is_empty() {
        Ok(())
    } else {
        Err(Error::CeremonyFailed { faults })
    }
}

/// The public result of a ceremony.
#[derive(Debug, Clone)]
pub struct CeremonyOutcome {
    /// `K = Σ_i C_{i,0}`.
    pub joint_key: PublicKey,
    /// `K_j` for `j = 1 … n`.
    pub public_shares: Vec<Element>,
}

/// Checks a whole ceremony from its public data — announcements, encrypted
/// shares, complaints, confirmations — and derives the joint key and public
/// shares (record.md §6.4). Any fault stops it, with the trustee named.
pub fn finish(params: &CeremonyParams, transcript: &CeremonyTranscript) -> Result<CeremonyOutcome> {
    let CeremonyTranscript {
        announcements,
        shares,
        complaints,
        confirmations,
    } = transcript;
    check_announcements(params, announcements)?;
    let mut faults: Vec<Fault> = shares
        .iter()
        .filter_map(|s| s.check(params).err())
        .collect();
    for a in announcements {
        for b in announcements.iter().filter(|b| b.index != a.index) {
            if shares
                .iter()
                .filter(|s| s.from == a.index && s.to == b.index)
                .count()
                != 1
            {
                faults.push(fault(
                    a.index,
                    format!("sent no single share to trustee {}", b.index),
                ));
            }
        }
    }
    for c in complaints {
        if c.accuser == c.accused {
            faults.push(fault(c.accuser, "a complaint against itself"));
            continue;
        }
        let (Some(accuser), Some(accused)) = (
            announcements.iter().find(|a| a.index == c.accuser),
            announcements.iter().find(|a| a.index == c.accused),
        ) else {
            faults.push(fault(c.accuser, "a complaint about an unknown trustee"));
            continue;
        };
        let Some(share) = shares
            .iter()
            .find(|s| s.from == c.accused && s.to == c.accuser)
        else {
            continue; // already a fault above
        };
        let statement = DleqStatement {
            base1: Element::generator(),
            public1: accuser.communication_key,
            base2: share.ephemeral,
            public2: c.shared_secret,
        };
        if c.proof
            .verify(
                &mut params.complaint_transcript(c.accuser, c.accused),
                &statement,
            )
            .is_err()
        {
            faults.push(fault(c.accuser, "a complaint with a bad proof"));
        } else if open_share(share, &accuser.communication_key, &c.shared_secret, accused).is_some()
        {
            faults.push(fault(
                c.accuser,
                format!("a false complaint against trustee {}", c.accused),
            ));
        } else {
            faults.push(fault(
                c.accused,
                format!(
                    "sent trustee {} a share that does not match its commitments",
                    c.accuser
                ),
            ));
        }
    }
    if !faults.is_empty() {
        return Err(Error::CeremonyFailed { faults });
    }
    let public_shares: Vec<Element> = (1..=params.trustees)
        .map(|j| Element::from_point(announcements.iter().map(|a| a.share_commitment(j)).sum()))
        .collect();
    for (j, public) in (1..=params.trustees).zip(&public_shares) {
        let mut mine = confirmations.iter().filter(|c| c.index == j);
        match (mine.next(), mine.next()) {
            (Some(c), None) => {
                if c.proof
                    .verify(&mut params.confirmation_transcript(j), public)
                    .is_err()
                {
                    faults.push(fault(j, "a bad confirmation of its share"));
                }
            }
            _ => faults.push(fault(j, "no single confirmation of its share")),
        }
    }
    if confirmations
        .iter()
        .any(|c| c.index == 0 || c.index > params.trustees)
    {
        faults.push(fault(0, "a confirmation with an index outside 1 to n"));
    }
    if !faults.is_empty() {
        return Err(Error::CeremonyFailed { faults });
    }
    let joint: RistrettoPoint = announcements
        .iter()
        .filter_map(|a| a.commitments.first())
        .map(|c| *c.point())
        .sum();
    let joint_key = PublicKey::from_element(Element::from_point(joint))?;
    Ok(CeremonyOutcome {
        joint_key,
        public_shares,
    })
}

/// Runs a whole ceremony in one process (the demo and tests): every trustee
/// announces, deals, receives and confirms. Returns the public data and
/// each trustee's share.
pub fn run_in_process<R: CryptoRng + ?Sized>(
    params: CeremonyParams,
    rng: &mut R,
) -> Result<(CeremonyOutcome, CeremonyTranscript, Vec<TrusteeShare>)> {
    let mut dealers = Vec::new();
    let mut announcements = Vec::new();
    for i in 1..=params.trustees {
        let (d, a) = TrusteeDealer::new(params, i, rng)?;
        dealers.push(d);
        announcements.push(a);
    }
    let mut shares = Vec::new();
    for d in &dealers {
        shares.extend(d.deal(&announcements, rng)?);
    }
    let mut trustee_shares = Vec::new();
    let mut complaints = Vec::new();
    let mut confirmations = Vec::new();
    for d in dealers {
        match d.receive(&announcements, &shares, rng)? {
            Received::Share(s, c) => {
                trustee_shares.push(s);
                confirmations.push(*c);
            }
            Received::Complaints(c) => complaints.extend(c),
        }
    }
    let transcript = CeremonyTranscript {
        announcements,
        shares,
        complaints,
        confirmations,
    };
    let outcome = finish(&params, &transcript)?;
    Ok((outcome, transcript, trustee_shares))
}

/// The ceremony's public messages, as published in the record.
#[derive(Debug, Clone, Default)]
pub struct CeremonyTranscript {
    /// Round 1.
    pub announcements: Vec<Announcement>,
    /// Round 2.
    pub shares: Vec<EncryptedShare>,
    /// Round 3 (empty in a ceremony that finished).
    pub complaints: Vec<Complaint>,
    /// Round 4: every trustee's confirmation.
    pub confirmations: Vec<Confirmation>,
}
