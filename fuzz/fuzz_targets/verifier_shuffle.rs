//! Differential on a ranked contest's mix step (record.md §9.3): the
//! verifier's `verify_shuffle` (decoding and checking a proof of a shuffle
//! from bytes) and the engine's decoders with `verify_mix_step` give the
//! same verdict on the same key, input, output and proof.
//!
//! Input: byte 0 picks `N` (1 to 4), byte 1 `w` (1 to 3), then the key
//! (32 bytes), the input and output (`N·w` ciphertexts each) and the proof;
//! a short input is padded by repeating it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use valurna_engine::elgamal::{EncodedCiphertext, PublicKey};
use valurna_engine::mixnet::verify_mix_step;
use valurna_engine::shuffle::{ShuffleProof, ShuffleStatement, shuffle_proof_len};
use valurna_verifier::shuffle::{ShuffleInput, verify_shuffle};
use valurna_verifier::transcript::{ContextItem, labels};

const CONTEST: u32 = 1;
const STEP: u32 = 0;

fn engine_verdict(
    key: &[u8],
    input: &[u8],
    output: &[u8],
    proof: &[u8],
    n: usize,
    w: usize,
) -> bool {
    let (Ok(key), Ok(input), Ok(output), Ok(proof)) = (
        PublicKey::decode(key),
        EncodedCiphertext::decode_many(input),
        EncodedCiphertext::decode_many(output),
        ShuffleProof::decode(proof, n, w),
    ) else {
        return false;
    };
    let statement = ShuffleStatement {
        key: &key,
        width: w,
        input: &input,
        output: &output,
    };
    verify_mix_step(&valurna_fuzz::BASE_HASH, CONTEST, STEP, &statement, &proof).is_ok()
}

fuzz_target!(|data: &[u8]| {
    let [a, b, rest @ ..] = data else {
        return;
    };
    if rest.is_empty() {
        return;
    }
    let n = 1 + usize::from(*a % 4);
    let w = 1 + usize::from(*b % 3);
    let list = n * w * 64;
    let total = 32 + 2 * list + shuffle_proof_len(n, w);
    let bytes: Vec<u8> = rest.iter().copied().cycle().take(total).collect();
    let (key, bytes) = bytes.split_at(32);
    let (input, bytes) = bytes.split_at(list);
    let (output, proof) = bytes.split_at(list);

    let context = [
        ContextItem::number(labels::CONTEST, u64::from(CONTEST)),
        ContextItem::number(labels::MIX, u64::from(STEP)),
    ];
    let verifier_ok = verify_shuffle(&ShuffleInput {
        base_hash: valurna_fuzz::BASE_HASH,
        context: &context,
        key,
        width: w,
        input,
        output,
        proof,
    })
    .is_ok();
    let engine_ok = engine_verdict(key, input, output, proof, n, w);
    assert_eq!(
        engine_ok, verifier_ok,
        "the engine and the verifier disagree on a shuffle"
    );
});
