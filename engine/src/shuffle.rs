//! Verifiable shuffles: re-encryption mixing with the commitment-consistent
//! proof of Terelius and Wikström (spec: protocol.md §13).
//!
//! A mix server takes `N` items of `w` ciphertexts each, re-encrypts every
//! ciphertext (`(A + ρ·G, B + ρ·K)`, which decrypts to the same value) and
//! outputs the items in a secret order `ψ`: output `i` is input `ψ(i)`.
//! Nobody who sees only the input and output can tell which output came
//! from which input, yet the proof convinces anyone that nothing was
//! dropped, added or altered.
//!
//! # The proof, in brief
//!
//! The prover commits to the permutation matrix column by column,
//! `c_{ψ(i)} = r_{ψ(i)}·G + H_i`, with generators `H_i` derived by hashing
//! (§13.2) so that nobody knows their logarithms. The verifier's challenges
//! `u_j` (drawn from the transcript after the commitment) are permuted by
//! the prover into `u'_i = u_{ψ(i)}`, and the proof shows three things:
//!
//! - the commitment opens to a matrix whose columns sum to the `H_i`
//!   (equation 1) and whose `u`-weighted sum is `Σ u'_i·H_i` (3);
//! - the product of the `u'_i` is the product of the `u_j` (a chain of
//!   commitments `ĉ_i = r̂_i·G + u'_i·ĉ_{i−1}`, equations 2 and 5), which
//!   with (1) and (3) forces a permutation matrix for random `u`;
//! - the outputs weighted by `u'_i` equal the inputs weighted by `u_j` up to
//!   one re-encryption (4).
//!
//! # Cost
//!
//! The prover computes the chain in closed form, `ĉ_i = R_i·G + U_i·H_0`
//! with `U_i = Π_{k≤i} u'_k` and `R_i = r̂_i + u'_i·R_{i−1}`, so every
//! scalar multiplication is by a fixed base (`G`, `H_0`, `K`, each with a
//! precomputed table) and the items are independent: the work runs in
//! parallel. Elements that are sums of fixed-base products are computed
//! as halves and compressed together ([`Element::batch_from_halves`]). The
//! verifier folds all `5 + 2w + N` equations with random weights into one
//! multiscalar multiplication of `4 + 4w` terms per item (§13.4), in
//! parallel chunks.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, IsIdentity, MultiscalarMul, VartimeMultiscalarMul};
use merlin::Transcript;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, Rng, SeedableRng};
use rayon::prelude::*;
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use crate::elgamal::{EncodedCiphertext, PublicKey};
use crate::encoding::{Element, IdentityRule, POINT_LEN, Reader};
use crate::errors::{DecodeError, Error, ProofKind, Result};
use crate::transcript::{TranscriptProtocol, labels};

/// Terms per multiscalar multiplication (spec: protocol.md §10.1): the cost
/// per point stops falling beyond about 2^16.
const CHUNK: usize = 1 << 16;

/// Items per parallel task in the prover.
const TASK: usize = 1024;

/// `H_0, …, H_n` for an election (spec: protocol.md §13.2): each
/// `MAP(SHA-512("valurna/shuffle-generator/v1" ‖ H ‖ u64(i)))`.
pub fn generators(base_hash: &[u8; 32], n: usize) -> Vec<RistrettoPoint> {
    (0..=n as u64)
        .into_par_iter()
        .map(|i| {
            let mut h = Sha512::new();
            h.update(b"valurna/shuffle-generator/v1");
            h.update(base_hash);
            h.update(i.to_le_bytes());
            RistrettoPoint::from_uniform_bytes(&h.finalize().into())
        })
        .collect()
}

/// The challenges `u_1…u_N` from the transcript's seed (§13.3 step 2).
fn challenges(seed: &[u8; 32], n: usize) -> Vec<Scalar> {
    (1..=n as u64)
        .into_par_iter()
        .map(|j| {
            let mut h = Sha512::new();
            h.update(b"valurna/shuffle-u/v1");
            h.update(seed);
            h.update(j.to_le_bytes());
            Scalar::from_bytes_mod_order_wide(&h.finalize().into())
        })
        .collect()
}

/// A shuffle's public statement (spec: protocol.md §13.1): `N` items of
/// `width` ciphertexts in, `N` out, flat and item by item.
#[derive(Clone, Copy, Debug)]
pub struct ShuffleStatement<'a> {
    /// The key the ciphertexts are encrypted under.
    pub key: &'a PublicKey,
    /// Ciphertexts per item, `w ≥ 1`.
    pub width: usize,
    /// The input, `N·w` ciphertexts.
    pub input: &'a [EncodedCiphertext],
    /// The output, `N·w` ciphertexts.
    pub output: &'a [EncodedCiphertext],
}

impl ShuffleStatement<'_> {
    /// `N`, after checking the shapes.
    fn items(&self) -> Result<usize> {
        let n = self.input.len() / self.width.max(1);
        if self.width == 0
            || n == 0
            || self.input.len() != n * self.width
            || self.output.len() != self.input.len()
        {
            return Err(Error::InvalidStatement(
                "a shuffle needs N ≥ 1 items of w ≥ 1 ciphertexts in and out",
            ));
        }
        Ok(n)
    }

    /// Appends the statement (§13.3 step 2, up to the commitments).
    fn append(&self, t: &mut Transcript, n: usize) {
        t.proof_domain(labels::DOMAIN_SHUFFLE);
        t.append_element(labels::KEY, self.key.element());
        t.append_count(labels::WIDTH, self.width as u64);
        t.append_count(labels::COUNT, n as u64);
        for c in self.input {
            t.append_element(labels::CT_A, &c.a);
            t.append_element(labels::CT_B, &c.b);
        }
        for c in self.output {
            t.append_element(labels::OUT_A, &c.a);
            t.append_element(labels::OUT_B, &c.b);
        }
    }
}

/// A proof of a shuffle (spec: protocol.md §13.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShuffleProof {
    /// `c_j`, the permutation commitment.
    perm: Vec<Element>,
    /// `ĉ_i`, the commitment chain.
    chain: Vec<Element>,
    /// `t_1, t_2, t_3`.
    t: [Element; 3],
    /// `t_{4,k}` as `(A, B)`.
    t4: Vec<(Element, Element)>,
    /// `t̂_i`.
    chain_commit: Vec<Element>,
    /// `s_1, s_2, s_3`.
    s: [Scalar; 3],
    /// `s_{4,k}`.
    s4: Vec<Scalar>,
    /// `ŝ_i`.
    s_hat: Vec<Scalar>,
    /// `s'_i`.
    s_prime: Vec<Scalar>,
}

/// Bytes of a proof for `n` items of width `w` (spec: protocol.md §13.5).
pub fn shuffle_proof_len(n: usize, w: usize) -> usize {
    32 * (5 * n + 6 + 3 * w)
}

/// A uniformly random index in `0..=max`, by rejection.
fn below_or_equal<R: Rng + ?Sized>(rng: &mut R, max: u64) -> u64 {
    let range = max.wrapping_add(1);
    if range == 0 {
        return rng.next_u64();
    }
    let zone = u64::MAX - (u64::MAX % range);
    loop {
        let x = rng.next_u64();
        if x < zone {
            return x % range;
        }
    }
}

fn random_scalars<R: Rng + ?Sized>(rng: &mut R, n: usize) -> Zeroizing<Vec<Scalar>> {
    let mut out = Zeroizing::new(Vec::with_capacity(n));
    let mut wide = Zeroizing::new([0u8; 64]);
    for _ in 0..n {
        rng.fill_bytes(&mut *wide);
        out.push(Scalar::from_bytes_mod_order_wide(&wide));
    }
    out
}

/// A mix server's secret: the permutation and the re-encryption nonces.
/// Zeroized on drop; `Debug` prints nothing secret.
pub struct ShuffleSecrets {
    /// `ψ`: output `i` is input `psi[i]`.
    psi: Zeroizing<Vec<usize>>,
    /// `ρ_{i,k}`, item by item.
    rho: Zeroizing<Vec<Scalar>>,
}

impl core::fmt::Debug for ShuffleSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ShuffleSecrets(<redacted>)")
    }
}

impl ShuffleSecrets {
    /// Where output `i` came from (for tests and audits of one's own mix).
    pub fn source_of(&self, i: usize) -> Option<usize> {
        self.psi.get(i).copied()
    }
}

/// Re-encrypts and permutes `input` (`N` items of `width`), and proves it.
/// The transcript must be bound to the election and context (§13.1).
pub fn shuffle<R: CryptoRng + ?Sized>(
    transcript: &mut Transcript,
    base_hash: &[u8; 32],
    key: &PublicKey,
    width: usize,
    input: &[EncodedCiphertext],
    rng: &mut R,
) -> Result<(Vec<EncodedCiphertext>, ShuffleProof, ShuffleSecrets)> {
    let mut seed = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(&mut *seed);
    let mut chacha = ChaCha20Rng::from_seed(*seed);
    let n = input.len() / width.max(1);
    if width == 0 || n == 0 || input.len() != n * width {
        return Err(Error::InvalidStatement(
            "a shuffle needs N ≥ 1 items of w ≥ 1 ciphertexts",
        ));
    }
    let mut psi: Zeroizing<Vec<usize>> = Zeroizing::new((0..n).collect());
    for i in (1..n).rev() {
        let j = below_or_equal(&mut chacha, i as u64) as usize;
        psi.swap(i, j);
    }
    let rho = random_scalars(&mut chacha, n * width);
    let key_table = RistrettoBasepointTable::create(key.point());
    let output: Vec<EncodedCiphertext> = (0..n * width)
        .into_par_iter()
        .map(|x| {
            let (i, k) = (x / width, x % width);
            let source = psi.get(i).copied().unwrap_or(0) * width + k;
            let zero = EncodedCiphertext {
                a: Element::identity(),
                b: Element::identity(),
            };
            let c = input.get(source).unwrap_or(&zero);
            let r = rho.get(x).copied().unwrap_or(Scalar::ZERO);
            EncodedCiphertext {
                a: Element::from_point(c.a.point() + RISTRETTO_BASEPOINT_TABLE * &r),
                b: Element::from_point(c.b.point() + &key_table * &r),
            }
        })
        .collect();
    let secrets = ShuffleSecrets { psi, rho };
    let statement = ShuffleStatement {
        key,
        width,
        input,
        output: &output,
    };
    let proof = prove(
        transcript,
        base_hash,
        &statement,
        &secrets,
        &key_table,
        &mut chacha,
    )?;
    Ok((output, proof, secrets))
}

/// Proves a shuffle given its secrets (§13.3).
#[allow(non_snake_case)]
fn prove<R: Rng + ?Sized>(
    transcript: &mut Transcript,
    base_hash: &[u8; 32],
    st: &ShuffleStatement<'_>,
    secrets: &ShuffleSecrets,
    key_table: &RistrettoBasepointTable,
    rng: &mut R,
) -> Result<ShuffleProof> {
    let H = generators(base_hash, st.items()?);
    prove_with(transcript, &H, st, secrets, key_table, rng)
}

/// [`prove`] with the generators `H_0…H_N` given (only tests give other
/// generators than §13.2's).
#[allow(non_snake_case)]
fn prove_with<R: Rng + ?Sized>(
    transcript: &mut Transcript,
    H: &[RistrettoPoint],
    st: &ShuffleStatement<'_>,
    secrets: &ShuffleSecrets,
    key_table: &RistrettoBasepointTable,
    rng: &mut R,
) -> Result<ShuffleProof> {
    let n = st.items()?;
    let w = st.width;
    let psi = &secrets.psi;
    let H0 = H.first().copied().unwrap_or_default();
    let h0_table = RistrettoBasepointTable::create(&H0);
    let G = RISTRETTO_BASEPOINT_TABLE;

    // ψ⁻¹: input j lands at output inv[j].
    let mut inv = Zeroizing::new(vec![0usize; n]);
    for (i, &j) in psi.iter().enumerate() {
        if let Some(slot) = inv.get_mut(j) {
            *slot = i;
        }
    }
    // Step 1: c_j = r_j·G + H_{ψ⁻¹(j)+1} (generators are 1-based).
    let r = random_scalars(rng, n);
    let perm: Vec<Element> = (0..n)
        .into_par_iter()
        .map(|j| {
            let rj = r.get(j).copied().unwrap_or(Scalar::ZERO);
            let h = inv
                .get(j)
                .and_then(|&i| H.get(i + 1))
                .copied()
                .unwrap_or_default();
            Element::from_point(G * &rj + h)
        })
        .collect();
    // Step 2: the challenges u_j.
    st.append(transcript, n);
    for c in &perm {
        transcript.append_element(labels::PERM_COMMIT, c);
    }
    let mut seed = [0u8; 32];
    transcript.challenge_bytes(labels::SHUFFLE_SEED, &mut seed);
    let u = challenges(&seed, n);
    let u_prime: Zeroizing<Vec<Scalar>> = Zeroizing::new(
        psi.iter()
            .map(|&j| u.get(j).copied().unwrap_or(Scalar::ZERO))
            .collect(),
    );

    // Step 3: the chain in closed form, ĉ_i = R_i·G + U_i·H_0.
    let r_hat = random_scalars(rng, n);
    let omega_hat = random_scalars(rng, n);
    let omega_prime = random_scalars(rng, n);
    let omega = random_scalars(rng, 3 + w);
    let mut big_r = Zeroizing::new(Vec::with_capacity(n + 1));
    let mut big_u = Zeroizing::new(Vec::with_capacity(n + 1));
    big_r.push(Scalar::ZERO);
    big_u.push(Scalar::ONE);
    for i in 0..n {
        let (rp, up) = (
            big_r.last().copied().unwrap_or(Scalar::ZERO),
            big_u.last().copied().unwrap_or(Scalar::ONE),
        );
        let ui = u_prime.get(i).copied().unwrap_or(Scalar::ZERO);
        big_r.push(r_hat.get(i).copied().unwrap_or(Scalar::ZERO) + ui * rp);
        big_u.push(ui * up);
    }
    let half = Scalar::from(2u64).invert();
    // Halves of ĉ_i and t̂_i, compressed together.
    let (chain_halves, commit_halves): (Vec<RistrettoPoint>, Vec<RistrettoPoint>) = (0..n)
        .into_par_iter()
        .map(|i| {
            let at = |v: &[Scalar], k: usize| v.get(k).copied().unwrap_or(Scalar::ZERO);
            let chain = G * &(at(&big_r, i + 1) * half) + &h0_table * &(at(&big_u, i + 1) * half);
            let op = at(&omega_prime, i);
            let commit = G * &((at(&omega_hat, i) + op * at(&big_r, i)) * half)
                + &h0_table * &((op * at(&big_u, i)) * half);
            (chain, commit)
        })
        .unzip();
    let chain = Element::batch_from_halves(&chain_halves);
    let chain_commit = Element::batch_from_halves(&commit_halves);

    // Step 4: t_1, t_2, t_3 and t_{4,k}; the sums over items run as
    // constant-time multiscalar multiplications in parallel chunks.
    let at = |v: &[Scalar], k: usize| v.get(k).copied().unwrap_or(Scalar::ZERO);
    let t1 = Element::from_point(G * &at(&omega, 0));
    let t2 = Element::from_point(G * &at(&omega, 1));
    let sum_over = |points: &(dyn Fn(usize) -> RistrettoPoint + Sync)| -> RistrettoPoint {
        (0..n)
            .into_par_iter()
            .chunks(TASK)
            .map(|chunk| {
                let scalars: Vec<Scalar> = chunk.iter().map(|&i| at(&omega_prime, i)).collect();
                let pts: Vec<RistrettoPoint> = chunk.iter().map(|&i| points(i)).collect();
                RistrettoPoint::multiscalar_mul(&scalars, &pts)
            })
            .reduce(RistrettoPoint::identity, |a, b| a + b)
    };
    let t3 = Element::from_point(
        G * &at(&omega, 2) + sum_over(&|i| H.get(i + 1).copied().unwrap_or_default()),
    );
    let mut t4 = Vec::with_capacity(w);
    for k in 0..w {
        let o4 = at(&omega, 3 + k);
        let a = sum_over(&|i| {
            st.output
                .get(i * w + k)
                .map_or_else(RistrettoPoint::identity, |c| *c.a.point())
        });
        let b = sum_over(&|i| {
            st.output
                .get(i * w + k)
                .map_or_else(RistrettoPoint::identity, |c| *c.b.point())
        });
        t4.push((
            Element::from_point(a + G * &o4),
            Element::from_point(b + key_table * &o4),
        ));
    }

    // Step 5: the challenge.
    for c in &chain {
        transcript.append_element(labels::CHAIN, c);
    }
    for t in [&t1, &t2, &t3] {
        transcript.append_element(labels::COMMIT, t);
    }
    for (a, b) in &t4 {
        transcript.append_element(labels::COMMIT_A, a);
        transcript.append_element(labels::COMMIT_B, b);
    }
    for t in &chain_commit {
        transcript.append_element(labels::CHAIN_COMMIT, t);
    }
    let c = transcript.challenge_scalar(labels::CHALLENGE);

    // Step 6: the responses.
    let r_bar: Scalar = r.iter().sum();
    let mut v = Scalar::ONE;
    let mut r_hat_sum = Scalar::ZERO;
    for i in (0..n).rev() {
        r_hat_sum += at(&r_hat, i) * v;
        v *= at(&u_prime, i);
    }
    let r_tilde: Scalar = r.iter().zip(&u).map(|(a, b)| a * b).sum();
    let s4 = (0..w)
        .map(|k| {
            let r_prime: Scalar = (0..n)
                .map(|i| at(&secrets.rho, i * w + k) * at(&u_prime, i))
                .sum();
            at(&omega, 3 + k) - c * r_prime
        })
        .collect();
    Ok(ShuffleProof {
        perm,
        chain,
        t: [t1, t2, t3],
        t4,
        chain_commit,
        s: [
            at(&omega, 0) + c * r_bar,
            at(&omega, 1) + c * r_hat_sum,
            at(&omega, 2) + c * r_tilde,
        ],
        s4,
        s_hat: (0..n)
            .map(|i| at(&omega_hat, i) + c * at(&r_hat, i))
            .collect(),
        s_prime: (0..n)
            .map(|i| at(&omega_prime, i) + c * at(&u_prime, i))
            .collect(),
    })
}

impl ShuffleProof {
    /// The proof's bytes (spec: protocol.md §13.5).
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.perm.len();
        let w = self.t4.len();
        let mut out = Vec::with_capacity(shuffle_proof_len(n, w));
        for e in self.perm.iter().chain(&self.chain).chain(&self.t) {
            out.extend_from_slice(e.as_bytes());
        }
        for (a, b) in &self.t4 {
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b.as_bytes());
        }
        for e in &self.chain_commit {
            out.extend_from_slice(e.as_bytes());
        }
        for s in self
            .s
            .iter()
            .chain(&self.s4)
            .chain(&self.s_hat)
            .chain(&self.s_prime)
        {
            out.extend_from_slice(s.as_bytes());
        }
        out
    }

    /// Decodes a proof for `n` items of width `w`, strictly (§13.5).
    pub fn decode(bytes: &[u8], n: usize, w: usize) -> Result<Self, DecodeError> {
        if n == 0 || w == 0 {
            return Err(DecodeError::OutOfRange {
                field: "shuffle size",
            });
        }
        let total = shuffle_proof_len(n, w);
        if bytes.len() != total {
            return Err(DecodeError::WrongLength {
                expected: total,
                actual: bytes.len(),
            });
        }
        let elements = 3 * n + 3 + 2 * w;
        let (eb, sb) = bytes.split_at(elements * POINT_LEN);
        let decoded: Vec<Element> = eb
            .par_chunks(POINT_LEN)
            .map(|c| Element::decode(c, IdentityRule::Allowed))
            .collect::<Result<_, _>>()?;
        let mut reader = Reader::new(sb);
        let scalars_total = sb.len();
        let scalars: Vec<Scalar> = (0..2 * n + 3 + w)
            .map(|_| reader.scalar(scalars_total))
            .collect::<Result<_, _>>()?;
        reader.finish(scalars_total)?;
        let mut e = decoded.into_iter();
        let mut take = |k: usize| -> Vec<Element> { e.by_ref().take(k).collect() };
        let perm = take(n);
        let chain = take(n);
        let t = take(3);
        let t4_flat = take(2 * w);
        let chain_commit = take(n);
        let bad = DecodeError::WrongLength {
            expected: total,
            actual: bytes.len(),
        };
        let t: [Element; 3] = t.try_into().map_err(|_| bad.clone())?;
        let t4 = t4_flat.chunks(2).filter_map(|p| match p {
            [a, b] => Some((*a, *b)),
            _ => None,
        });
        let mut s = scalars.into_iter();
        let mut takes = |k: usize| -> Vec<Scalar> { s.by_ref().take(k).collect() };
        let s3: [Scalar; 3] = takes(3).try_into().map_err(|_| bad.clone())?;
        let s4 = takes(w);
        let s_hat = takes(n);
        let s_prime = takes(n);
        Ok(ShuffleProof {
            perm,
            chain,
            t,
            t4: t4.collect(),
            chain_commit,
            s: s3,
            s4,
            s_hat,
            s_prime,
        })
    }

    /// Verifies the proof for `statement` (§13.4), all equations folded into
    /// one multiscalar multiplication with weights from `weights_seed`
    /// (which the prover must not know: draw it from the OS).
    #[allow(non_snake_case)]
    pub fn verify(
        &self,
        transcript: &mut Transcript,
        base_hash: &[u8; 32],
        statement: &ShuffleStatement<'_>,
    ) -> Result<()> {
        let mut weights_seed = [0u8; 32];
        crate::rng::os_rng().fill_bytes(&mut weights_seed);
        self.verify_with_seed(transcript, base_hash, statement, weights_seed)
    }

    /// [`ShuffleProof::verify`] with the batch weights' seed given.
    #[allow(non_snake_case)]
    pub fn verify_with_seed(
        &self,
        transcript: &mut Transcript,
        base_hash: &[u8; 32],
        st: &ShuffleStatement<'_>,
        weights_seed: [u8; 32],
    ) -> Result<()> {
        let n = st.items()?;
        let w = st.width;
        if self.perm.len() != n
            || self.chain.len() != n
            || self.chain_commit.len() != n
            || self.t4.len() != w
            || self.s4.len() != w
            || self.s_hat.len() != n
            || self.s_prime.len() != n
        {
            return Err(Error::InvalidStatement(
                "the proof is for another number of items or width",
            ));
        }
        let H = generators(base_hash, n);
        st.append(transcript, n);
        for c in &self.perm {
            transcript.append_element(labels::PERM_COMMIT, c);
        }
        let mut seed = [0u8; 32];
        transcript.challenge_bytes(labels::SHUFFLE_SEED, &mut seed);
        let u = challenges(&seed, n);
        for c in &self.chain {
            transcript.append_element(labels::CHAIN, c);
        }
        for t in &self.t {
            transcript.append_element(labels::COMMIT, t);
        }
        for (a, b) in &self.t4 {
            transcript.append_element(labels::COMMIT_A, a);
            transcript.append_element(labels::COMMIT_B, b);
        }
        for t in &self.chain_commit {
            transcript.append_element(labels::CHAIN_COMMIT, t);
        }
        let c = transcript.challenge_scalar(labels::CHALLENGE);

        // Weights: z_1, z_2, z_3, then (z_a, z_b) per k, then ζ_i.
        let mut wrng = ChaCha20Rng::from_seed(weights_seed);
        let mut weight = || {
            let mut b = [0u8; 32];
            wrng.fill_bytes(&mut b[..16]);
            Scalar::from_bytes_mod_order(b)
        };
        let (z1, z2, z3) = (weight(), weight(), weight());
        let zk: Vec<(Scalar, Scalar)> = (0..w).map(|_| (weight(), weight())).collect();
        let zeta: Vec<Scalar> = (0..n).map(|_| weight()).collect();
        let at = |v: &[Scalar], k: usize| v.get(k).copied().unwrap_or(Scalar::ZERO);
        let product: Scalar = u.iter().product();

        // The shared terms.
        let [s1, s2, s3] = self.s;
        let mut g = z1 * s1 + z2 * s2 + z3 * s3;
        let mut k_coef = Scalar::ZERO;
        for (k, (za, zb)) in zk.iter().enumerate() {
            g += za * at(&self.s4, k);
            k_coef += zb * at(&self.s4, k);
        }
        g += zeta
            .iter()
            .zip(&self.s_hat)
            .map(|(z, s)| z * s)
            .sum::<Scalar>();
        let mut shared_scalars = vec![
            g,
            k_coef,
            z2 * c * product + at(&zeta, 0) * at(&self.s_prime, 0),
            -z1,
            -z2,
            -z3,
        ];
        let mut shared_points = vec![
            *Element::generator().point(),
            *st.key.point(),
            H.first().copied().unwrap_or_default(),
            *self.t[0].point(),
            *self.t[1].point(),
            *self.t[2].point(),
        ];
        for (k, (za, zb)) in zk.iter().enumerate() {
            if let Some((a, b)) = self.t4.get(k) {
                shared_scalars.push(-za);
                shared_points.push(*a.point());
                shared_scalars.push(-zb);
                shared_points.push(*b.point());
            }
        }
        let shared = RistrettoPoint::vartime_multiscalar_mul(&shared_scalars, &shared_points);

        // The per-item terms, in parallel chunks.
        let per_item = 4 + 4 * w;
        let items_per_chunk = (CHUNK / per_item).max(1);
        let sum = (0..n)
            .into_par_iter()
            .chunks(items_per_chunk)
            .map(|chunk| {
                let mut scalars = Vec::with_capacity(chunk.len() * per_item);
                let mut points = Vec::with_capacity(chunk.len() * per_item);
                for &i in &chunk {
                    let sp = at(&self.s_prime, i);
                    let uj = at(&u, i);
                    let zi = at(&zeta, i);
                    // H_i (1-based) and c_j (j = i).
                    scalars.push(z1 * c + z3 * sp);
                    points.push(H.get(i + 1).copied().unwrap_or_default());
                    scalars.push(-(c * (z1 + z3 * uj)));
                    points.push(self.perm.get(i).map_or_default_point());
                    // ĉ_i: −c·ζ_i, plus ζ_{i+1}·s'_{i+1} (or −c·z_2 for ĉ_N).
                    let next = if i + 1 < n {
                        at(&zeta, i + 1) * at(&self.s_prime, i + 1)
                    } else {
                        -(z2 * c)
                    };
                    scalars.push(next - c * zi);
                    points.push(self.chain.get(i).map_or_default_point());
                    scalars.push(-zi);
                    points.push(self.chain_commit.get(i).map_or_default_point());
                    for (k, (za, zb)) in zk.iter().enumerate() {
                        if let (Some(out), Some(inp)) =
                            (st.output.get(i * w + k), st.input.get(i * w + k))
                        {
                            scalars.push(za * sp);
                            points.push(*out.a.point());
                            scalars.push(zb * sp);
                            points.push(*out.b.point());
                            scalars.push(-(c * za * uj));
                            points.push(*inp.a.point());
                            scalars.push(-(c * zb * uj));
                            points.push(*inp.b.point());
                        }
                    }
                }
                RistrettoPoint::vartime_multiscalar_mul(&scalars, &points)
            })
            .reduce(RistrettoPoint::identity, |a, b| a + b);
        if (shared + sum).is_identity() {
            Ok(())
        } else {
            Err(Error::VerificationFailed(ProofKind::Shuffle))
        }
    }
}

/// The point of an optional element, or the identity.
trait OrIdentity {
    fn map_or_default_point(self) -> RistrettoPoint;
}

impl OrIdentity for Option<&Element> {
    fn map_or_default_point(self) -> RistrettoPoint {
        self.map_or_else(RistrettoPoint::identity, |e| *e.point())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::elgamal::SecretKey;
    use crate::transcript::election_transcript;

    fn setup(n: usize, w: usize) -> (SecretKey, PublicKey, Vec<EncodedCiphertext>) {
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        let sk = SecretKey::generate(&mut rng);
        let pk = sk.public_key().unwrap();
        let input = (0..n * w)
            .map(|m| pk.encrypt(m as u64, &mut rng).0.encode())
            .collect();
        (sk, pk, input)
    }

    fn transcript() -> Transcript {
        let mut t = election_transcript(&[5; 32]);
        t.append_count(labels::CONTEXT_MIX, 1);
        t
    }

    #[test]
    fn a_shuffle_is_a_permutation_of_re_encryptions_and_verifies() {
        for (n, w) in [(1, 1), (2, 1), (7, 3), (40, 2)] {
            let (sk, pk, input) = setup(n, w);
            let mut rng = ChaCha20Rng::from_seed([1; 32]);
            let (output, proof, secrets) =
                shuffle(&mut transcript(), &[5; 32], &pk, w, &input, &mut rng).unwrap();
            let table = crate::elgamal::DlogTable::new(8, 1 << 16);
            for i in 0..n {
                let j = secrets.source_of(i).unwrap();
                for k in 0..w {
                    let m = sk.decrypt(&output[i * w + k].ciphertext(), &table).unwrap();
                    assert_eq!(m, (j * w + k) as u64);
                    assert_ne!(output[i * w + k], input[j * w + k]);
                }
            }
            let st = ShuffleStatement {
                key: &pk,
                width: w,
                input: &input,
                output: &output,
            };
            proof.verify(&mut transcript(), &[5; 32], &st).unwrap();
            let bytes = proof.to_bytes();
            assert_eq!(bytes.len(), shuffle_proof_len(n, w));
            assert_eq!(ShuffleProof::decode(&bytes, n, w).unwrap(), proof);
        }
    }

    #[test]
    fn a_proof_for_another_permutation_than_the_output_fails() {
        let (n, w) = (6, 2);
        let (_, pk, input) = setup(n, w);
        let mut rng = ChaCha20Rng::from_seed([2; 32]);
        let (output, _, secrets) =
            shuffle(&mut transcript(), &[5; 32], &pk, w, &input, &mut rng).unwrap();
        // The prover commits to ψ with two entries swapped, keeping the
        // real output and nonces.
        let mut psi = secrets.psi.clone();
        psi.swap(1, 4);
        let liar = ShuffleSecrets {
            psi,
            rho: secrets.rho.clone(),
        };
        let st = ShuffleStatement {
            key: &pk,
            width: w,
            input: &input,
            output: &output,
        };
        let table = RistrettoBasepointTable::create(pk.point());
        let proof = prove(&mut transcript(), &[5; 32], &st, &liar, &table, &mut rng).unwrap();
        assert_eq!(
            proof.verify(&mut transcript(), &[5; 32], &st),
            Err(Error::VerificationFailed(ProofKind::Shuffle))
        );
        // The honest secrets prove the same output.
        let proof = prove(&mut transcript(), &[5; 32], &st, &secrets, &table, &mut rng).unwrap();
        proof.verify(&mut transcript(), &[5; 32], &st).unwrap();
    }

    #[test]
    fn generators_are_distinct_and_bound_to_the_election() {
        let a = generators(&[1; 32], 50);
        let b = generators(&[2; 32], 50);
        assert_eq!(a.len(), 51);
        let mut seen: Vec<[u8; 32]> = a.iter().map(|p| p.compress().to_bytes()).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 51);
        assert!(a.iter().zip(&b).all(|(x, y)| x != y));
        assert!(!a.iter().any(|p| p.is_identity()));
        assert_eq!(a, generators(&[1; 32], 50));
    }

    /// The 2019 Swiss Post flaw: a mix server that chose the generators
    /// (here with known logarithms, `H_i = (i+1)·G`) could prove a false
    /// shuffle. The verifier derives the generators itself (§13.2), so a
    /// proof made with any others fails, even for an honest shuffle.
    #[test]
    fn a_proof_with_generators_other_than_the_hashed_ones_fails() {
        let (n, w) = (5, 1);
        let (_, pk, input) = setup(n, w);
        let mut rng = ChaCha20Rng::from_seed([4; 32]);
        let (output, _, secrets) =
            shuffle(&mut transcript(), &[5; 32], &pk, w, &input, &mut rng).unwrap();
        let st = ShuffleStatement {
            key: &pk,
            width: w,
            input: &input,
            output: &output,
        };
        let known: Vec<RistrettoPoint> = (0..=n as u64)
            .map(|i| RISTRETTO_BASEPOINT_TABLE * &Scalar::from(i + 1))
            .collect();
        let table = RistrettoBasepointTable::create(pk.point());
        let proof = prove_with(&mut transcript(), &known, &st, &secrets, &table, &mut rng).unwrap();
        assert_eq!(
            proof.verify(&mut transcript(), &[5; 32], &st),
            Err(Error::VerificationFailed(ProofKind::Shuffle))
        );
    }
}
