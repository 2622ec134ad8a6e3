//! The mix-net at scale: shuffle, prove and verify `--items`
//! ciphertexts (items of `--width`), release build, all cores; prints wall
//! time per ciphertext for each phase. Peak memory: run it under
//! `/usr/bin/time -v`.
//!
//! ```sh
//! cargo build --release -p valurna-benches --bin shuffle_scale
//! /usr/bin/time -v target/release/shuffle_scale --items 100000
//! ```

#![allow(clippy::print_stdout)]

use std::time::Instant;

use clap::Parser;
use rayon::prelude::*;
use valurna_engine::elgamal::{EncodedCiphertext, SecretKey};
use valurna_engine::rng::os_rng;
use valurna_engine::shuffle::{ShuffleProof, ShuffleStatement, shuffle};
use valurna_engine::transcript::{TranscriptProtocol, election_transcript, labels};

#[derive(Debug, Parser)]
struct Args {
    /// Items to shuffle.
    #[arg(long, default_value_t = 100_000)]
    items: usize,
    /// Ciphertexts per item.
    #[arg(long, default_value_t = 1)]
    width: usize,
}

fn transcript(base: &[u8; 32]) -> merlin::Transcript {
    let mut t = election_transcript(base);
    t.append_count(labels::CONTEXT_CONTEST, 0);
    t.append_count(labels::CONTEXT_MIX, 1);
    t
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let base = [42u8; 32];
    let pk = SecretKey::generate(&mut os_rng()).public_key()?;
    let total = args.items * args.width;
    let start = Instant::now();
    let input: Vec<EncodedCiphertext> = (0..total)
        .into_par_iter()
        .map_init(os_rng, |rng, m| pk.encrypt(m as u64 % 7, rng).0.encode())
        .collect();
    println!(
        "{} items × {} = {total} ciphertexts encrypted in {:.1} s, on {} threads",
        args.items,
        args.width,
        start.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );

    // The mix server's part; what it publishes is bytes, and the verifier
    // reads those (the mix server's own data is gone by then, as it would
    // be on another machine).
    let (input_bytes, output_bytes, bytes) = {
        let start = Instant::now();
        let (output, proof, _secrets) = shuffle(
            &mut transcript(&base),
            &base,
            &pk,
            args.width,
            &input,
            &mut os_rng(),
        )?;
        let prove = start.elapsed().as_secs_f64();
        let bytes = proof.to_bytes();
        println!(
            "shuffle + proof: {prove:.2} s = {:.1} µs per ciphertext (proof {} bytes)",
            prove * 1e6 / total as f64,
            bytes.len()
        );
        (encode_all(&input), encode_all(&output), bytes)
    };
    drop(input);

    let start = Instant::now();
    let proof = ShuffleProof::decode(&bytes, args.items, args.width)?;
    let inputs = EncodedCiphertext::decode_many(&input_bytes)?;
    let outputs = EncodedCiphertext::decode_many(&output_bytes)?;
    let decode = start.elapsed().as_secs_f64();
    let start = Instant::now();
    proof.verify(
        &mut transcript(&base),
        &base,
        &ShuffleStatement {
            key: &pk,
            width: args.width,
            input: &inputs,
            output: &outputs,
        },
    )?;
    let verify = start.elapsed().as_secs_f64();
    println!(
        "verify: decode {decode:.2} s + check {verify:.2} s = {:.1} µs per ciphertext",
        (decode + verify) * 1e6 / total as f64
    );
    Ok(())
}

fn encode_all(c: &[EncodedCiphertext]) -> Vec<u8> {
    c.iter().flat_map(|c| c.to_bytes()).collect()
}
