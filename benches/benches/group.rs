//! The group's own costs, measured in the same run as the protocols so that
//! every protocol figure can be read against them (benches/RESULTS.md).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use valurna_benches::{keypair, rng};
use valurna_engine::encoding::{Element, IdentityRule};

fn points(n: usize) -> Vec<RistrettoPoint> {
    let mut r = rng(9);
    (0..n).map(|_| RistrettoPoint::random(&mut r)).collect()
}

fn scalars(n: usize) -> Vec<Scalar> {
    let mut r = rng(10);
    (0..n).map(|_| Scalar::random(&mut r)).collect()
}

fn single_operations(c: &mut Criterion) {
    let mut g = c.benchmark_group("group");
    let s = scalars(1)[0];
    let p = points(1)[0];
    let (_, pk) = keypair();
    let encoded = p.compress().to_bytes();
    g.bench_function("fixed-base mul (G table)", |b| {
        b.iter(|| RISTRETTO_BASEPOINT_TABLE * black_box(&s))
    });
    g.bench_function("fixed-base mul (K table)", |b| {
        b.iter(|| pk.mul(black_box(&s)))
    });
    g.bench_function("variable-base mul", |b| {
        b.iter(|| black_box(p) * black_box(s))
    });
    g.bench_function("decode point", |b| {
        b.iter(|| Element::decode(black_box(&encoded), IdentityRule::Forbidden))
    });
    g.bench_function("compress point", |b| b.iter(|| black_box(p).compress()));
    g.bench_function("point addition", |b| b.iter(|| black_box(p) + black_box(p)));
    g.finish();
}

fn batch_compression(c: &mut Criterion) {
    let mut g = c.benchmark_group("double_and_compress_batch");
    for n in [68usize, 1024] {
        let ps = points(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &ps, |b, ps| {
            b.iter(|| RistrettoPoint::double_and_compress_batch(black_box(ps)))
        });
    }
    g.finish();
}

fn multiscalar(c: &mut Criterion) {
    let mut g = c.benchmark_group("multiscalar mul");
    g.sample_size(10);
    for n in [64usize, 1024, 16_384, 65_536] {
        let ps = points(n);
        let ss = scalars(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| RistrettoPoint::vartime_multiscalar_mul(black_box(&ss), black_box(&ps)))
        });
    }
    g.finish();
}

criterion_group!(benches, single_operations, batch_compression, multiscalar);
criterion_main!(benches);
