//! Verification of a proof of a shuffle (protocol.md §13).
//!
//! A mix server outputs `N` items of `w` ciphertexts each, a permutation of
//! re-encryptions of its input, with a commitment-consistent proof of a
//! shuffle (Terelius–Wikström, in the form of Haenni et al.). The verifier
//!
//! 1. checks the lengths and strictly decodes the key, every input and
//!    output ciphertext (`A ≠ O`) and the proof (protocol.md §13.5), in
//!    parallel, while one thread runs the transcript over the received
//!    bytes (§13.3: the seed of the challenges `u_j`, then `c`) and the
//!    others derive the generators `H_0 … H_N` themselves (§13.2);
//! 2. weights the equations (1)–(5) of §13.4 with random 128-bit scalars
//!    from a generator seeded by the operating system (protocol.md §10.1),
//!    merges the terms on each point, and checks the sum with vartime
//!    multiscalar multiplications of at most [`CHUNK`] terms computed in
//!    parallel. Per item that is `4 + 4w` terms: `H_i`, `c_i`, `ĉ_i`, `t̂_i`
//!    and the `A, B, A', B'` of its `w` ciphertexts.
//!
//! A false equation passes with probability at most `2^−128`
//! (protocol.md §10.3).

use std::ops::Range;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use merlin::Transcript;
use rayon::prelude::*;
use sha2::{Digest, Sha512};

use crate::decode::{self, Identity, LEN};
use crate::equations::{CHUNK, Equations};
use crate::error::{Error, Malformed, Result};
use crate::transcript::{ContextItem, TranscriptExt, labels, with_context};

/// The prefix of a generator's hash (protocol.md §13.2).
pub const GENERATOR_DOMAIN: &[u8] = b"valurna/shuffle-generator/v1";
/// The prefix of a challenge `u_j`'s hash (protocol.md §13.3).
pub const CHALLENGE_DOMAIN: &[u8] = b"valurna/shuffle-u/v1";
/// Bytes of a ciphertext `enc(A) ‖ enc(B)`.
pub const CIPHERTEXT_LEN: usize = 2 * LEN;

/// A shuffle's statement and proof, as bytes (protocol.md §13.1, §13.5).
#[derive(Debug, Clone, Copy)]
pub struct ShuffleInput<'a> {
    /// The election's base hash `H`.
    pub base_hash: [u8; 32],
    /// The context items in order (a mix step: `contest`, then `mix`).
    pub context: &'a [ContextItem<'a>],
    /// `enc(K)`, 32 bytes; the identity is refused.
    pub key: &'a [u8],
    /// Ciphertexts per item, `w ≥ 1`.
    pub width: usize,
    /// The input items, `N·w` ciphertexts `enc(A) ‖ enc(B)`, item by item.
    pub input: &'a [u8],
    /// The output items, laid out as the input.
    pub output: &'a [u8],
    /// The proof, `32·(5N + 6 + 3w)` bytes.
    pub proof: &'a [u8],
}

/// The number of items `N` in an input of `input_len` bytes of items of
/// `width` ciphertexts; `w = 0`, `N = 0` and a partial item are malformed
/// (protocol.md §13.5).
pub fn count(width: usize, input_len: usize) -> Result<usize, Malformed> {
    if width == 0 {
        return Err(Malformed::OutOfRange("shuffle width w = 0"));
    }
    let item = width
        .checked_mul(CIPHERTEXT_LEN)
        .ok_or(Malformed::OutOfRange("shuffle width"))?;
    let n = input_len / item;
    if n == 0 {
        return Err(Malformed::OutOfRange("shuffle of no items (N = 0)"));
    }
    if !input_len.is_multiple_of(item) {
        return Err(Malformed::WrongLength {
            expected: n * item,
            actual: input_len,
        });
    }
    Ok(n)
}

/// Element encodings in a proof: `3N + 3 + 2w` (protocol.md §13.5).
fn element_count(n: usize, width: usize) -> Option<usize> {
    n.checked_mul(3)?
        .checked_add(3)?
        .checked_add(width.checked_mul(2)?)
}

/// Scalar encodings in a proof: `2N + 3 + w` (protocol.md §13.5).
fn scalar_count(n: usize, width: usize) -> Option<usize> {
    n.checked_mul(2)?.checked_add(3)?.checked_add(width)
}

/// Bytes of a proof for `N` items of `w` ciphertexts: `32·(5N + 6 + 3w)`
/// (protocol.md §13.5); `None` if that overflows.
pub fn proof_len(n: usize, width: usize) -> Option<usize> {
    element_count(n, width)?
        .checked_add(scalar_count(n, width)?)?
        .checked_mul(LEN)
}

/// `H_i = MAP(SHA-512("valurna/shuffle-generator/v1" ‖ H ‖ u64(i)))`
/// (protocol.md §13.2).
pub fn generator(base_hash: &[u8; 32], i: u64) -> RistrettoPoint {
    let wide: [u8; 64] = Sha512::new()
        .chain_update(GENERATOR_DOMAIN)
        .chain_update(base_hash)
        .chain_update(i.to_le_bytes())
        .finalize()
        .into();
    RistrettoPoint::from_uniform_bytes(&wide)
}

/// `H_0 … H_n`, derived in parallel (protocol.md §13.2).
pub fn generators(base_hash: &[u8; 32], n: usize) -> Vec<RistrettoPoint> {
    (0..=n as u64)
        .into_par_iter()
        .map(|i| generator(base_hash, i))
        .collect()
}

/// `u_1 … u_n` with `u_j = SHA-512("valurna/shuffle-u/v1" ‖ seed ‖ u64(j))`
/// reduced modulo `ℓ` (protocol.md §13.3).
pub fn challenges(seed: &[u8; 32], n: usize) -> Vec<Scalar> {
    (1..=n as u64)
        .into_par_iter()
        .map(|j| {
            let wide: [u8; 64] = Sha512::new()
                .chain_update(CHALLENGE_DOMAIN)
                .chain_update(seed)
                .chain_update(j.to_le_bytes())
                .finalize()
                .into();
            Scalar::from_bytes_mod_order_wide(&wide)
        })
        .collect()
}

/// The next `n` items of `rest`.
fn take<'a, T>(rest: &mut &'a [T], n: usize) -> Result<&'a [T], Malformed> {
    let (head, tail) = rest
        .split_at_checked(n)
        .ok_or(Malformed::OutOfRange("shuffle proof layout"))?;
    *rest = tail;
    Ok(head)
}

/// The parts of a proof (protocol.md §13.3's last paragraph), over
/// encodings (`T = u8`, 32 per element) or decoded values.
#[derive(Debug, Clone, Copy)]
struct Parts<'a, P, S> {
    /// `c_1 … c_N`.
    perm: &'a [P],
    /// `ĉ_1 … ĉ_N`.
    chain: &'a [P],
    /// `t_1, t_2, t_3`.
    t: &'a [P],
    /// `t_{4,1}.A, t_{4,1}.B, …, t_{4,w}.B`.
    t4: &'a [P],
    /// `t̂_1 … t̂_N`.
    chain_commit: &'a [P],
    /// `s_1, s_2, s_3`.
    s: &'a [S],
    /// `s_{4,1} … s_{4,w}`.
    s4: &'a [S],
    /// `ŝ_1 … ŝ_N`.
    s_hat: &'a [S],
    /// `s'_1 … s'_N`.
    s_prime: &'a [S],
}

/// Splits the proof's elements and scalars, `unit` entries of `P` and `S`
/// each (32 for bytes, 1 for decoded values).
fn split<'a, P, S>(
    mut points: &'a [P],
    mut scalars: &'a [S],
    n: usize,
    w: usize,
    unit: usize,
) -> Result<Parts<'a, P, S>, Malformed> {
    let parts = Parts {
        perm: take(&mut points, n * unit)?,
        chain: take(&mut points, n * unit)?,
        t: take(&mut points, 3 * unit)?,
        t4: take(&mut points, 2 * w * unit)?,
        chain_commit: take(&mut points, n * unit)?,
        s: take(&mut scalars, 3 * unit)?,
        s4: take(&mut scalars, w * unit)?,
        s_hat: take(&mut scalars, n * unit)?,
        s_prime: take(&mut scalars, n * unit)?,
    };
    if points.is_empty() && scalars.is_empty() {
        Ok(parts)
    } else {
        Err(Malformed::OutOfRange("shuffle proof layout"))
    }
}

/// Appends encodings, alternating between `labels` (`ct-a`, `ct-b`, …).
fn append_all(t: &mut Transcript, labels: &[&'static [u8]], bytes: &[u8]) {
    for (e, label) in bytes.chunks_exact(LEN).zip(labels.iter().cycle()) {
        t.append(label, e);
    }
}

/// The transcript of protocol.md §13.3 up to the seed: context, domain,
/// statement and permutation commitments; returns `challenge_bytes("shuffle-seed")`.
fn statement(t: &mut Transcript, s: &ShuffleInput<'_>, n: usize, perm: &[u8]) -> [u8; 32] {
    // spec: protocol.md §13.3 step 2
    t.domain(labels::SHUFFLE);
    t.append(labels::KEY, s.key);
    t.append_number(labels::WIDTH, s.width as u64);
    t.append_number(labels::COUNT, n as u64);
    append_all(t, &[labels::CT_A, labels::CT_B], s.input);
    append_all(t, &[labels::OUT_A, labels::OUT_B], s.output);
    append_all(t, &[labels::PERM_COMMIT], perm);
    let mut seed = [0u8; 32];
    t.challenge_bytes(labels::SHUFFLE_SEED, &mut seed);
    seed
}

/// The rest of the transcript (protocol.md §13.3 step 5): the chain and
/// the commitments; returns `c = challenge("challenge")`.
fn commitments(t: &mut Transcript, p: &Parts<'_, u8, u8>) -> Scalar {
    append_all(t, &[labels::CHAIN], p.chain);
    append_all(t, &[labels::COMMIT], p.t);
    append_all(t, &[labels::COMMIT_A, labels::COMMIT_B], p.t4);
    append_all(t, &[labels::CHAIN_COMMIT], p.chain_commit);
    t.challenge()
}

/// `(seed, c)` from the received bytes (protocol.md §13.3).
fn transcript(s: &ShuffleInput<'_>, n: usize) -> Result<([u8; 32], Scalar), Malformed> {
    let elements = element_count(n, s.width).ok_or(Malformed::OutOfRange("shuffle width"))?;
    let (points, scalars) = s
        .proof
        .split_at_checked(elements * LEN)
        .ok_or(Malformed::OutOfRange("shuffle proof layout"))?;
    let parts = split(points, scalars, n, s.width, LEN)?;
    let mut t = with_context(&s.base_hash, s.context);
    let seed = statement(&mut t, s, n, parts.perm);
    let c = commitments(&mut t, &parts);
    Ok((seed, c))
}

/// Decodes 32-byte elements in parallel; `rule(i)` says whether the `i`th
/// may be the identity. The error is the first by position.
fn points(
    bytes: &[u8],
    rule: impl Fn(usize) -> Identity + Sync,
) -> Result<Vec<RistrettoPoint>, Malformed> {
    let one = |(i, b): (usize, &[u8])| decode::point(b, rule(i)).map(|p| p.point);
    bytes
        .par_chunks_exact(LEN)
        .enumerate()
        .map(one)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|any| {
            bytes
                .par_chunks_exact(LEN)
                .enumerate()
                .find_map_first(|x| one(x).err())
                .unwrap_or(any)
        })
}

/// Decodes 32-byte scalars (`< ℓ`) in parallel; the error is the first.
fn scalars(bytes: &[u8]) -> Result<Vec<Scalar>, Malformed> {
    bytes
        .par_chunks_exact(LEN)
        .map(decode::scalar)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|any| {
            bytes
                .par_chunks_exact(LEN)
                .find_map_first(|b| decode::scalar(b).err())
                .unwrap_or(any)
        })
}

/// A ciphertext list's rule: any element, the identity included
/// (protocol.md §13.5: a mix input is computed from ballots and may hold
/// `A = O`).
fn ciphertext_rule(_: usize) -> Identity {
    Identity::Allowed
}

/// Everything decoded (protocol.md §13.5).
#[derive(Debug)]
struct Decoded {
    key: RistrettoPoint,
    /// `A_{1,1}, B_{1,1}, …, A_{N,w}, B_{N,w}`.
    input: Vec<RistrettoPoint>,
    /// `A'_{1,1}, B'_{1,1}, …`.
    output: Vec<RistrettoPoint>,
    elements: Vec<RistrettoPoint>,
    scalars: Vec<Scalar>,
}

fn decode_all(s: &ShuffleInput<'_>, n: usize) -> Result<Decoded, Malformed> {
    let key = decode::point(s.key, Identity::Forbidden)?.point;
    let elements = element_count(n, s.width).ok_or(Malformed::OutOfRange("shuffle width"))?;
    let (element_bytes, scalar_bytes) = s
        .proof
        .split_at_checked(elements * LEN)
        .ok_or(Malformed::OutOfRange("shuffle proof layout"))?;
    Ok(Decoded {
        key,
        input: points(s.input, ciphertext_rule)?,
        output: points(s.output, ciphertext_rule)?,
        elements: points(element_bytes, |_| Identity::Allowed)?,
        scalars: scalars(scalar_bytes)?,
    })
}

/// `v[r]`, never panicking.
fn get<T>(v: &[T], r: Range<usize>) -> Result<&[T], Malformed> {
    v.get(r)
        .ok_or(Malformed::OutOfRange("shuffle proof layout"))
}

/// The per-item terms of the weighted equations, merged per point.
#[derive(Debug)]
struct Items<'a> {
    w: usize,
    /// `H_1 … H_N`.
    generators: &'a [RistrettoPoint],
    /// Coefficients of `H_i`, `c_i`, `ĉ_i`, `t̂_i`.
    h: Vec<Scalar>,
    perm: Vec<Scalar>,
    chain: Vec<Scalar>,
    chain_commit: Vec<Scalar>,
    /// `−z_{4a,k}·c, −z_{4b,k}·c` for `k = 1…w`: times `u_j`, the
    /// coefficients of `A_{j,k}, B_{j,k}`.
    input_weights: Vec<Scalar>,
    /// `z_{4a,k}, z_{4b,k}`: times `s'_i`, those of `A'_{i,k}, B'_{i,k}`.
    output_weights: Vec<Scalar>,
    u: &'a [Scalar],
    s_prime: &'a [Scalar],
    proof: Parts<'a, RistrettoPoint, Scalar>,
    input: &'a [RistrettoPoint],
    output: &'a [RistrettoPoint],
}

impl Items<'_> {
    /// `Σ e·P` over the terms of items `range` (0-based), in
    /// multiscalar multiplications of at most [`CHUNK`] terms.
    fn sum(&self, range: Range<usize>) -> Result<RistrettoPoint, Malformed> {
        let cts = (range.start * 2 * self.w)..(range.end * 2 * self.w);
        let terms = (4 + 4 * self.w) * range.len();
        let mut e: Vec<Scalar> = Vec::with_capacity(terms);
        let mut p: Vec<&RistrettoPoint> = Vec::with_capacity(terms);
        for (coefficients, points) in [
            (&self.h, self.generators),
            (&self.perm, self.proof.perm),
            (&self.chain, self.proof.chain),
            (&self.chain_commit, self.proof.chain_commit),
        ] {
            e.extend_from_slice(get(coefficients, range.clone())?);
            p.extend(get(points, range.clone())?);
        }
        let u = get(self.u, range.clone())?;
        for (u, ct) in u
            .iter()
            .zip(get(self.input, cts.clone())?.chunks_exact(2 * self.w))
        {
            for (weight, point) in self.input_weights.iter().zip(ct) {
                e.push(weight * u);
                p.push(point);
            }
        }
        let s = get(self.s_prime, range)?;
        for (s, ct) in s
            .iter()
            .zip(get(self.output, cts)?.chunks_exact(2 * self.w))
        {
            for (weight, point) in self.output_weights.iter().zip(ct) {
                e.push(weight * s);
                p.push(point);
            }
        }
        Ok(e.chunks(CHUNK)
            .zip(p.chunks(CHUNK))
            .map(|(e, p)| RistrettoPoint::vartime_multiscalar_mul(e, p.iter().copied()))
            .sum())
    }
}

/// Verifies a proof of a shuffle (protocol.md §13.4): `Ok` if it verifies,
/// [`Error::Malformed`] if any length or encoding is wrong (§13.5),
/// [`Error::NotVerified`] if the equations do not hold.
pub fn verify_shuffle(s: &ShuffleInput<'_>) -> Result<()> {
    // spec: protocol.md §13.5 — lengths before anything else.
    let w = s.width;
    let n = count(w, s.input.len())?;
    if s.output.len() != s.input.len() {
        return Err(Malformed::WrongLength {
            expected: s.input.len(),
            actual: s.output.len(),
        }
        .into());
    }
    let expected = proof_len(n, w).ok_or(Malformed::OutOfRange("shuffle width"))?;
    if s.proof.len() != expected {
        return Err(Malformed::WrongLength {
            expected,
            actual: s.proof.len(),
        }
        .into());
    }

    // Decoding and generators on the pool while one thread hashes.
    let ((decoded, gens), challenge) = rayon::join(
        || rayon::join(|| decode_all(s, n), || generators(&s.base_hash, n)),
        || transcript(s, n),
    );
    let d = decoded?;
    let (seed, c) = challenge?;
    let p = split(&d.elements, &d.scalars, n, w, 1)?;
    let u = challenges(&seed, n);
    let (h0, gens_1_n) = gens.split_first().ok_or(Malformed::OutOfRange("N"))?;

    // spec: protocol.md §13.4 — weights after the input is fixed (§10.3).
    let mut eq = Equations::new()?.with_key(d.key);
    let (z1, z2, z3) = (eq.weight(), eq.weight(), eq.weight());
    let (mut za, mut zb) = (Vec::with_capacity(w), Vec::with_capacity(w));
    for _ in 0..w {
        za.push(eq.weight());
        zb.push(eq.weight());
    }
    let y: Vec<Scalar> = (0..n).map(|_| eq.weight()).collect();

    let [s1, s2, s3] = <[Scalar; 3]>::try_from(p.s).map_err(|_| Malformed::OutOfRange("s"))?;
    let [t1, t2, t3] =
        <[RistrettoPoint; 3]>::try_from(p.t).map_err(|_| Malformed::OutOfRange("t"))?;

    // (1) s_1·G − t_1 − c·Σ_j c_j + c·Σ_i H_i = O                   weight z1
    // (2) s_2·G − t_2 − c·ĉ_N + c·u·H_0 = O                         weight z2
    // (3) s_3·G + Σ_i s'_i·H_i − t_3 − c·Σ_j u_j·c_j = O            weight z3
    // (4a) Σ_i s'_i·A'_{i,k} + s_{4,k}·G − t_{4,k}.A − c·Σ_j u_j·A_{j,k} = O   za_k
    // (4b) Σ_i s'_i·B'_{i,k} + s_{4,k}·K − t_{4,k}.B − c·Σ_j u_j·B_{j,k} = O   zb_k
    // (5) ŝ_i·G + s'_i·ĉ_{i−1} − t̂_i − c·ĉ_i = O, ĉ_0 = H_0          weight y_i
    let mut g = z1 * s1 + z2 * s2 + z3 * s3;
    g += p
        .s_hat
        .par_iter()
        .zip(&y)
        .map(|(s, y)| s * y)
        .sum::<Scalar>();
    eq.add(-z1, t1);
    eq.add(-z2, t2);
    eq.add(-z3, t3);
    let mut input_weights = Vec::with_capacity(2 * w);
    let mut output_weights = Vec::with_capacity(2 * w);
    for (((a, b), s4), t4) in za.iter().zip(&zb).zip(p.s4).zip(p.t4.chunks_exact(2)) {
        g += a * s4;
        eq.add_key(b * s4);
        if let [ta, tb] = t4 {
            eq.add(-a, *ta);
            eq.add(-b, *tb);
        }
        input_weights.extend([-(a * c), -(b * c)]);
        output_weights.extend([*a, *b]);
    }
    eq.add_g(g);
    let product = u.par_iter().product::<Scalar>();
    let (y_first, s_first) = (y.first(), p.s_prime.first());
    let chain_first = y_first.zip(s_first).map(|(y, s)| y * s).unwrap_or_default();
    eq.add(z2 * c * product + chain_first, *h0);

    let (z1c, z3c) = (z1 * c, z3 * c);
    let h = p.s_prime.par_iter().map(|s| z1c + z3 * s).collect();
    let perm = u.par_iter().map(|u| -(z1c + z3c * u)).collect();
    // ĉ_i: −y_i·c from (5)_i, y_{i+1}·s'_{i+1} from (5)_{i+1}, −z2·c from (2) for i = N.
    let chain = y
        .par_iter()
        .enumerate()
        .map(|(i, y_i)| {
            let next = match (y.get(i + 1), p.s_prime.get(i + 1)) {
                (Some(y), Some(s)) => y * s,
                _ => -(z2 * c),
            };
            next - y_i * c
        })
        .collect();
    let chain_commit = y.par_iter().map(|y| -y).collect();
    let items = Items {
        w,
        generators: gens_1_n,
        h,
        perm,
        chain,
        chain_commit,
        input_weights,
        output_weights,
        u: &u,
        s_prime: p.s_prime,
        proof: p,
        input: &d.input,
        output: &d.output,
    };

    // Chunks of at most CHUNK terms, and enough of them to share the work.
    let per_item = 4 + 4 * w;
    let target = (n * per_item).div_ceil(4 * rayon::current_num_threads().max(1));
    let per_chunk = (target.clamp(1 << 12, CHUNK) / per_item).max(1);
    let partial = (0..n.div_ceil(per_chunk))
        .into_par_iter()
        .map(|i| items.sum(i * per_chunk..((i + 1) * per_chunk).min(n)))
        .collect::<Result<Vec<_>, _>>()?;
    for sum in partial {
        eq.add(Scalar::ONE, sum);
    }
    if eq.holds() {
        Ok(())
    } else {
        Err(Error::not_verified("proof of a shuffle"))
    }
}

#[cfg(test)]
mod tests {
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT as G;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{Rng, SeedableRng};

    use super::*;

    const H: [u8; 32] = [7; 32];

    fn random_scalar(rng: &mut ChaCha20Rng) -> Scalar {
        let mut wide = [0u8; 64];
        rng.fill_bytes(&mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }

    fn enc(points: &[RistrettoPoint]) -> Vec<u8> {
        points
            .par_iter()
            .flat_map_iter(|p| p.compress().to_bytes())
            .collect()
    }

    /// A shuffle and its proof made as protocol.md §13.3 says (0-based:
    /// `gens[i + 1]` is `H_{i+1}`, `perm[j]` is `c_{j+1}`).
    struct Made {
        context: Vec<(&'static [u8], u64)>,
        key: Vec<u8>,
        width: usize,
        input: Vec<u8>,
        output: Vec<u8>,
        proof: Vec<u8>,
    }

    impl Made {
        fn statement(&self) -> (Vec<ContextItem<'_>>, ShuffleInput<'_>) {
            let context = self
                .context
                .iter()
                .map(|(l, n)| ContextItem::number(l, *n))
                .collect();
            let s = ShuffleInput {
                base_hash: H,
                context: &[],
                key: &self.key,
                width: self.width,
                input: &self.input,
                output: &self.output,
                proof: &self.proof,
            };
            (context, s)
        }

        fn verify(&self) -> Result<()> {
            let (context, s) = self.statement();
            verify_shuffle(&ShuffleInput {
                context: &context,
                ..s
            })
        }
    }

    fn make(n: usize, w: usize, seed: u8) -> Made {
        let mut rng = ChaCha20Rng::from_seed([seed; 32]);
        let context = vec![(labels::CONTEST, 0), (labels::MIX, 1)];
        let x = random_scalar(&mut rng);
        let k = G * x;
        let key = k.compress().to_bytes().to_vec();
        let input_pts: Vec<RistrettoPoint> = (0..2 * n * w)
            .map(|_| RistrettoPoint::mul_base(&random_scalar(&mut rng)))
            .collect();
        // ψ: a random permutation (Fisher–Yates), output i = input ψ(i).
        let mut psi: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            psi.swap(i, j);
        }
        let rho: Vec<Scalar> = (0..n * w).map(|_| random_scalar(&mut rng)).collect();
        let mut output_pts = Vec::with_capacity(2 * n * w);
        for i in 0..n {
            for kk in 0..w {
                let r = rho[i * w + kk];
                let src = 2 * (psi[i] * w + kk);
                output_pts.push(input_pts[src] + G * r);
                output_pts.push(input_pts[src + 1] + k * r);
            }
        }
        let (input, output) = (enc(&input_pts), enc(&output_pts));
        let gens = generators(&H, n);
        let r: Vec<Scalar> = (0..n).map(|_| random_scalar(&mut rng)).collect();
        let mut perm = vec![RistrettoPoint::default(); n];
        for i in 0..n {
            perm[psi[i]] = G * r[psi[i]] + gens[i + 1];
        }
        let perm_bytes = enc(&perm);
        let ctx: Vec<ContextItem<'_>> = context
            .iter()
            .map(|(l, v)| ContextItem::number(l, *v))
            .collect();
        let mut t = with_context(&H, &ctx);
        let shell = ShuffleInput {
            base_hash: H,
            context: &ctx,
            key: &key,
            width: w,
            input: &input,
            output: &output,
            proof: &[],
        };
        let seed_bytes = statement(&mut t, &shell, n, &perm_bytes);
        let u = challenges(&seed_bytes, n);
        let u_prime: Vec<Scalar> = (0..n).map(|i| u[psi[i]]).collect();
        let r_hat: Vec<Scalar> = (0..n).map(|_| random_scalar(&mut rng)).collect();
        let mut chain = Vec::with_capacity(n);
        let mut prev = gens[0];
        for i in 0..n {
            prev = G * r_hat[i] + prev * u_prime[i];
            chain.push(prev);
        }
        let mut rs = || random_scalar(&mut rng);
        let (w1, w2, w3) = (rs(), rs(), rs());
        let w4: Vec<Scalar> = (0..w).map(|_| rs()).collect();
        let w_hat: Vec<Scalar> = (0..n).map(|_| rs()).collect();
        let w_prime: Vec<Scalar> = (0..n).map(|_| rs()).collect();
        let t_123 = [
            G * w1,
            G * w2,
            G * w3 + RistrettoPoint::vartime_multiscalar_mul(&w_prime, &gens[1..]),
        ];
        let mut t4 = Vec::with_capacity(2 * w);
        for kk in 0..w {
            let a: Vec<RistrettoPoint> = (0..n).map(|i| output_pts[2 * (i * w + kk)]).collect();
            let b: Vec<RistrettoPoint> = (0..n).map(|i| output_pts[2 * (i * w + kk) + 1]).collect();
            t4.push(RistrettoPoint::vartime_multiscalar_mul(&w_prime, &a) + G * w4[kk]);
            t4.push(RistrettoPoint::vartime_multiscalar_mul(&w_prime, &b) + k * w4[kk]);
        }
        let chain_commit: Vec<RistrettoPoint> = (0..n)
            .into_par_iter()
            .map(|i| {
                let before = if i == 0 { gens[0] } else { chain[i - 1] };
                G * w_hat[i] + before * w_prime[i]
            })
            .collect();
        let elements = [
            perm_bytes,
            enc(&chain),
            enc(&t_123),
            enc(&t4),
            enc(&chain_commit),
        ]
        .concat();
        let parts = split(&elements, &[0u8; 0][..], n, w, LEN);
        assert!(parts.is_err(), "scalars are missing");
        let empty = vec![0u8; scalar_count(n, w).unwrap() * LEN];
        let parts = split(&elements, &empty, n, w, LEN).unwrap();
        let c = commitments(&mut t, &parts);
        let r_bar: Scalar = r.iter().sum();
        let mut v = vec![Scalar::ONE; n];
        for i in (1..n).rev() {
            v[i - 1] = u_prime[i] * v[i];
        }
        let r_hat_sum: Scalar = r_hat.iter().zip(&v).map(|(a, b)| a * b).sum();
        let r_tilde: Scalar = r.iter().zip(&u).map(|(a, b)| a * b).sum();
        let mut scalars = vec![w1 + c * r_bar, w2 + c * r_hat_sum, w3 + c * r_tilde];
        for kk in 0..w {
            let r_k: Scalar = -(0..n).map(|i| rho[i * w + kk] * u_prime[i]).sum::<Scalar>();
            scalars.push(w4[kk] + c * r_k);
        }
        scalars.extend((0..n).map(|i| w_hat[i] + c * r_hat[i]));
        scalars.extend((0..n).map(|i| w_prime[i] + c * u_prime[i]));
        let proof = [
            elements,
            scalars.iter().flat_map(|s| s.to_bytes()).collect(),
        ]
        .concat();
        Made {
            context,
            key,
            width: w,
            input,
            output,
            proof,
        }
    }

    fn malformed(r: Result<()>) -> Malformed {
        match r {
            Err(Error::Malformed(m)) => m,
            other => panic!("expected malformed, got {other:?}"),
        }
    }

    #[test]
    fn honest_shuffles_verify() {
        for (n, w) in [(1, 1), (2, 1), (5, 3), (40, 2)] {
            let made = make(n, w, n as u8);
            assert_eq!(made.proof.len(), proof_len(n, w).unwrap());
            assert!(made.verify().is_ok(), "N = {n}, w = {w}");
        }
    }

    #[test]
    fn tampering_is_caught() {
        let made = make(6, 2, 9);
        // Another mix step, another base hash, swapped outputs, a changed proof.
        let (context, s) = made.statement();
        let mut other = context.clone();
        other[1] = ContextItem::number(labels::MIX, 2);
        for bad in [
            ShuffleInput {
                context: &other,
                ..s
            },
            ShuffleInput {
                base_hash: [8; 32],
                context: &context,
                ..s
            },
        ] {
            assert!(matches!(verify_shuffle(&bad), Err(Error::NotVerified(_))));
        }
        let item = 2 * 64;
        let mut swapped = made.output.clone();
        let (first, rest) = swapped.split_at_mut(item);
        first.swap_with_slice(&mut rest[..item]);
        let bad = ShuffleInput {
            context: &context,
            output: &swapped,
            ..s
        };
        assert!(matches!(verify_shuffle(&bad), Err(Error::NotVerified(_))));
        // Every response; and each commitment replaced by G.
        let scalars_at = element_count(6, 2).unwrap() * LEN;
        for at in (scalars_at..made.proof.len()).step_by(LEN) {
            let mut proof = made.proof.clone();
            proof[at] ^= 1;
            let bad = ShuffleInput {
                context: &context,
                proof: &proof,
                ..s
            };
            assert!(
                matches!(verify_shuffle(&bad), Err(Error::NotVerified(_))),
                "scalar at {at}"
            );
        }
        let g = G.compress().to_bytes();
        for at in (0..scalars_at).step_by(LEN) {
            let mut proof = made.proof.clone();
            proof[at..at + LEN].copy_from_slice(&g);
            let bad = ShuffleInput {
                context: &context,
                proof: &proof,
                ..s
            };
            assert!(
                matches!(verify_shuffle(&bad), Err(Error::NotVerified(_))),
                "element at {at}"
            );
        }
    }

    #[test]
    fn lengths_are_exact() {
        let made = make(3, 2, 1);
        let (context, s) = made.statement();
        let s = ShuffleInput {
            context: &context,
            ..s
        };
        assert!(verify_shuffle(&s).is_ok());
        // A proof one byte short or long, or one scalar short.
        let p = &made.proof;
        for bad in [
            &p[..p.len() - 1],
            &[p.as_slice(), &[0]].concat(),
            &p[..p.len() - 32],
        ] {
            assert_eq!(
                malformed(verify_shuffle(&ShuffleInput { proof: bad, ..s })),
                Malformed::WrongLength {
                    expected: 32 * (5 * 3 + 6 + 3 * 2),
                    actual: bad.len()
                }
            );
        }
        // Output of another length; input of a partial item.
        let out = &made.output[..made.output.len() - 64];
        assert!(matches!(
            malformed(verify_shuffle(&ShuffleInput { output: out, ..s })),
            Malformed::WrongLength { .. }
        ));
        let inp = &made.input[..made.input.len() - 64];
        assert!(matches!(
            malformed(verify_shuffle(&ShuffleInput { input: inp, ..s })),
            Malformed::WrongLength { .. }
        ));
        // The same bytes read as another width.
        assert!(matches!(
            malformed(verify_shuffle(&ShuffleInput { width: 1, ..s })),
            Malformed::WrongLength { .. }
        ));
        // w = 0, and widths whose byte length overflows.
        for width in [0, usize::MAX, usize::MAX / 64 + 1] {
            assert!(matches!(
                malformed(verify_shuffle(&ShuffleInput { width, ..s })),
                Malformed::OutOfRange(_)
            ));
        }
        assert_eq!(proof_len(usize::MAX, 1), None);
        // A key of 31 bytes.
        assert!(matches!(
            malformed(verify_shuffle(&ShuffleInput {
                key: &made.key[..31],
                ..s
            })),
            Malformed::WrongLength { .. }
        ));
    }

    #[test]
    fn no_items_is_malformed() {
        let key = G.compress().to_bytes();
        for width in [1, 2] {
            let s = ShuffleInput {
                base_hash: H,
                context: &[],
                key: &key,
                width,
                input: &[],
                output: &[],
                proof: &vec![0u8; 32 * (6 + 3 * width)],
            };
            assert_eq!(
                malformed(verify_shuffle(&s)),
                Malformed::OutOfRange("shuffle of no items (N = 0)")
            );
        }
        assert!(count(1, 0).is_err() && count(2, 64).is_err());
        assert_eq!(count(2, 256), Ok(2));
    }

    #[test]
    fn encodings_are_strict() {
        let made = make(3, 1, 4);
        let (context, s) = made.statement();
        let s = ShuffleInput {
            context: &context,
            ..s
        };
        // The identity as an input's or an output's A or B decodes (the
        // proof then fails).
        for (at, expect) in [(64, None::<Malformed>), (96, None)] {
            let mut input = made.input.clone();
            input[at..at + 32].fill(0);
            let got = verify_shuffle(&ShuffleInput { input: &input, ..s });
            match expect {
                Some(m) => assert_eq!(malformed(got), m),
                None => assert!(matches!(got, Err(Error::NotVerified(_)))),
            }
            let mut output = made.output.clone();
            output[at..at + 32].fill(0);
            let got = verify_shuffle(&ShuffleInput {
                output: &output,
                ..s
            });
            match expect {
                Some(m) => assert_eq!(malformed(got), m),
                None => assert!(matches!(got, Err(Error::NotVerified(_)))),
            }
        }
        // The identity as the key.
        assert_eq!(
            malformed(verify_shuffle(&ShuffleInput { key: &[0; 32], ..s })),
            Malformed::IdentityPoint
        );
        // A non-canonical element (2^255 − 1) and a scalar s + ℓ.
        let mut proof = made.proof.clone();
        proof[..32].fill(0xff);
        proof[..32][31] = 0x7f;
        assert_eq!(
            malformed(verify_shuffle(&ShuffleInput { proof: &proof, ..s })),
            Malformed::InvalidPoint
        );
        let mut proof = made.proof.clone();
        let last = proof.len() - 32;
        let s_last = decode::scalar(&proof[last..]).unwrap().to_bytes();
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        // s + ℓ < 2^254: no carry out of the last byte.
        let mut carry = 0u16;
        for (i, out) in proof[last..].iter_mut().enumerate() {
            let v = u16::from(s_last[i]) + u16::from(l[i]) + carry;
            *out = v as u8;
            carry = v >> 8;
        }
        assert_eq!(
            malformed(verify_shuffle(&ShuffleInput { proof: &proof, ..s })),
            Malformed::NonCanonicalScalar
        );
        // The first malformed element by position is the one reported.
        let mut input = made.input.clone();
        input[64..96].fill(0);
        input[..32].fill(0xff);
        assert_eq!(
            malformed(verify_shuffle(&ShuffleInput { input: &input, ..s })),
            Malformed::InvalidPoint
        );
    }

    #[test]
    fn generators_are_distinct_and_bound_to_the_election() {
        let g = generators(&H, 4);
        assert_eq!(g.len(), 5);
        assert_eq!(g[3], generator(&H, 3));
        for i in 0..5 {
            assert_ne!(g[i], G);
            for j in 0..i {
                assert_ne!(g[i], g[j]);
            }
        }
        assert_ne!(generator(&[8; 32], 0), g[0]);
        let u = challenges(&[1; 32], 3);
        assert_eq!(u.len(), 3);
        assert_ne!(u[0], u[1]);
    }

    /// `cargo test --release -p valurna-verifier --lib shuffle::tests::timing -- --ignored --nocapture`
    /// (`VALURNA_SHUFFLE_N`, `VALURNA_SHUFFLE_W` set the size).
    #[test]
    #[ignore = "timing; run in release"]
    fn timing() {
        let env = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        let (n, w) = (
            env("VALURNA_SHUFFLE_N", 100_000),
            env("VALURNA_SHUFFLE_W", 1),
        );
        // CPU seconds of this process (Linux), to see through other load.
        let cpu = || {
            std::fs::read_to_string("/proc/self/stat")
                .ok()
                .and_then(|s| {
                    // utime and stime, fields 14 and 15 (after `comm`, from 3).
                    let f: Vec<&str> = s.rsplit(')').next()?.split_whitespace().collect();
                    let ticks = |i: usize| f.get(i)?.parse::<f64>().ok();
                    Some((ticks(11)? + ticks(12)?) / 100.0)
                })
                .unwrap_or(0.0)
        };
        let made = make(n, w, 3);
        let (start, cpu0) = (std::time::Instant::now(), cpu());
        made.verify().unwrap();
        let (took, cpu) = (start.elapsed().as_secs_f64(), cpu() - cpu0);
        let threads = rayon::current_num_threads();
        println!(
            "N = {n}, w = {w}, {threads} threads: {took:.2} s wall ({:.1} µs per ciphertext), \
             {cpu:.2} s CPU ({:.1} µs per ciphertext per thread)",
            took * 1e6 / (n * w) as f64,
            cpu * 1e6 / (n * w * threads) as f64,
        );
    }
}
