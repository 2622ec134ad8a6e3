//! Encryption and every proof: prove, verify, and batch verification from
//! encoded bytes, plus the ballot-sized workload (benches/RESULTS.md).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use valurna_benches::{contest_transcript, encoded_zero_one_proofs, keypair, selection_transcript};
use valurna_engine::Scalar;
use valurna_engine::contest::{ContestShape, EncryptedContest};
use valurna_engine::elgamal::Nonce;
use valurna_engine::encoding::{Element, IdentityRule};
use valurna_engine::proofs::{
    BatchVerifier, ChaumPedersenProof, DleqStatement, RangeProof, RangeStatement, SchnorrProof,
    ZeroOneProof, add_encoded_zero_one_to_batch,
};
use valurna_engine::rng::os_rng;

/// A 10-candidate contest where a voter may choose up to 3.
const BALLOT: ContestShape = ContestShape {
    candidates: 10,
    min: 0,
    max: 3,
};

fn encryption(c: &mut Criterion) {
    let (_, pk) = keypair();
    let mut g = c.benchmark_group("elgamal");
    let mut r = os_rng();
    g.bench_function("encrypt", |b| b.iter(|| pk.encrypt(black_box(1), &mut r)));
    g.finish();
}

fn single_proofs(c: &mut Criterion) {
    let (sk, pk) = keypair();
    let mut r = os_rng();
    let mut g = c.benchmark_group("proofs");

    let x = *pk.element();
    g.bench_function("schnorr prove", |b| {
        b.iter(|| SchnorrProof::prove(&mut selection_transcript(0), &sk, &x, &mut r))
    });
    let p = SchnorrProof::prove(&mut selection_transcript(0), &sk, &x, &mut r);
    g.bench_function("schnorr verify", |b| {
        b.iter(|| p.verify(&mut selection_transcript(0), &x))
    });

    let (ct, nonce) = pk.encrypt(1, &mut r);
    let st = DleqStatement {
        base1: Element::generator(),
        public1: x,
        base2: Element::from_point(ct.a),
        public2: Element::from_point(sk.partial_decrypt(&ct)),
    };
    g.bench_function("chaum-pedersen prove", |b| {
        b.iter(|| ChaumPedersenProof::prove(&mut selection_transcript(0), &st, &sk, &mut r))
    });
    let p = ChaumPedersenProof::prove(&mut selection_transcript(0), &st, &sk, &mut r);
    g.bench_function("chaum-pedersen verify", |b| {
        b.iter(|| p.verify(&mut selection_transcript(0), &st))
    });

    let ct = ct.encode();
    g.bench_function("zero-one prove", |b| {
        b.iter(|| ZeroOneProof::prove(&mut selection_transcript(0), &pk, &ct, true, &nonce, &mut r))
    });
    let p = ZeroOneProof::prove(&mut selection_transcript(0), &pk, &ct, true, &nonce, &mut r)
        .unwrap_or_else(|_| unreachable!());
    g.bench_function("zero-one verify", |b| {
        b.iter(|| p.verify(&mut selection_transcript(0), &pk, &ct))
    });

    let (cts, nonces): (Vec<_>, Vec<Nonce>) = (0..10)
        .map(|i| {
            let (c, n) = pk.encrypt(u64::from(i < 3), &mut r);
            (c.encode(), n)
        })
        .unzip();
    let sum: Scalar = nonces.iter().map(Nonce::as_scalar).sum();
    let st = RangeStatement {
        key: &pk,
        ciphertexts: &cts,
        min: 0,
        max: 3,
    };
    g.bench_function("range [0,3] over 10 prove", |b| {
        b.iter(|| RangeProof::prove(&mut contest_transcript(), &st, 3, &sum, &mut r))
    });
    let p = RangeProof::prove(&mut contest_transcript(), &st, 3, &sum, &mut r)
        .unwrap_or_else(|_| unreachable!());
    g.bench_function("range [0,3] over 10 verify", |b| {
        b.iter(|| p.verify(&mut contest_transcript(), &st))
    });
    g.finish();
}

/// The acceptance workload: 10 selections with a zero-one proof each and a
/// range proof for their sum in [0, 3].
fn ballot(c: &mut Criterion) {
    let (_, pk) = keypair();
    let mut r = os_rng();
    let choices = [
        true, false, true, false, false, true, false, false, false, false,
    ];
    let mut g = c.benchmark_group("ballot 10 candidates, choose up to 3");
    g.bench_function("prove (encrypt + 10 zero-one + range)", |b| {
        b.iter(|| EncryptedContest::encrypt(&contest_transcript(), &pk, &BALLOT, &choices, &mut r))
    });
    // The group work that proving needs (spec: protocol.md §9.2): 58
    // fixed-base multiplications by G, 34 by K, one batch compression of 68
    // points. Nothing else.
    let scalars: Vec<Scalar> = (0..92).map(|_| Scalar::random(&mut r)).collect();
    g.bench_function(
        "group work only (58 G + 34 K fixed-base, compress 68)",
        |b| {
            b.iter(|| {
                let mut points: Vec<RistrettoPoint> = scalars[..58]
                    .iter()
                    .map(|s| RISTRETTO_BASEPOINT_TABLE * s)
                    .collect();
                points.extend(scalars[58..].iter().map(|s| pk.mul(s)));
                points.truncate(68);
                RistrettoPoint::double_and_compress_batch(black_box(&points))
            })
        },
    );
    let (contest, _) =
        EncryptedContest::encrypt(&contest_transcript(), &pk, &BALLOT, &choices, &mut r)
            .unwrap_or_else(|_| unreachable!());
    let bytes = contest.to_bytes();
    g.bench_function("verify from bytes", |b| {
        b.iter(|| {
            EncryptedContest::decode(black_box(&bytes), &BALLOT)
                .and_then(|c| c.verify(&contest_transcript(), &pk, &BALLOT))
        })
    });
    g.finish();
}

/// Batch verification of zero-one proofs starting from their encodings.
fn batch_zero_one(c: &mut Criterion) {
    let (_, pk) = keypair();
    let mut g = c.benchmark_group("batch verify zero-one from bytes");
    g.sample_size(10);
    for n in [1_000usize, 100_000] {
        let items = encoded_zero_one_proofs(&pk, n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &items, |b, items| {
            b.iter(|| {
                let mut batch = BatchVerifier::new();
                batch.reserve(6 * items.len());
                for (i, (ct, proof)) in items.iter().enumerate() {
                    let mut t = selection_transcript(i as u64);
                    if add_encoded_zero_one_to_batch(&mut t, &pk, ct, proof, &mut batch).is_err() {
                        return false;
                    }
                }
                batch.verify()
            })
        });
        // The work no verifier can avoid: decode the six points of every
        // item and evaluate a multiscalar multiplication with six terms per
        // item, in the same chunks of 2^16 points.
        g.bench_with_input(
            BenchmarkId::new("group work only", n),
            &items,
            |b, items| {
                // Full-size random scalars: the standard cost of a term
                // (small scalars would make Pippenger look cheaper).
                let mut r = valurna_benches::rng(11);
                let weights: Vec<Scalar> = (0..6 * items.len())
                    .map(|_| Scalar::random(&mut r))
                    .collect();
                b.iter(|| {
                    let mut points = Vec::with_capacity(6 * items.len());
                    for (ct, proof) in items {
                        for chunk in ct.chunks_exact(32).chain(proof[..128].chunks_exact(32)) {
                            match Element::decode(chunk, IdentityRule::Allowed) {
                                Ok(e) => points.push(*e.point()),
                                Err(_) => return false,
                            }
                        }
                    }
                    let mut total = RistrettoPoint::default();
                    for (s, p) in weights.chunks(1 << 16).zip(points.chunks(1 << 16)) {
                        total += RistrettoPoint::vartime_multiscalar_mul(s, p);
                    }
                    total.is_identity()
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, encryption, single_proofs, ballot, batch_zero_one);
criterion_main!(benches);
