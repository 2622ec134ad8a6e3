//! The binary files of a ranked contest's mix (record.md §9.3–§9.4): a mix
//! step's proof of a shuffle (`ShuffleProof::decode` for `N` items of
//! width `w`), its ciphertext lists (`EncodedCiphertext::decode_many`) and
//! a trustee's partial decryptions (`MixDecryption::decode`). All three
//! encodings are canonical: what decodes re-encodes to the input.
//!
//! Input: byte 0 picks `N` (1 to 8), byte 1 `w` (1 to 4), the rest is the
//! file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use valurna_engine::elgamal::EncodedCiphertext;
use valurna_engine::mixnet::{MIX_PARTIAL_LEN, MixDecryption};
use valurna_engine::shuffle::{ShuffleProof, shuffle_proof_len};

fuzz_target!(|data: &[u8]| {
    let [a, b, rest @ ..] = data else {
        return;
    };
    let n = 1 + usize::from(*a % 8);
    let w = 1 + usize::from(*b % 4);

    // The proof, as given, then cut or padded to its exact length.
    let len = shuffle_proof_len(n, w);
    for bytes in [
        rest.to_vec(),
        rest.iter().copied().cycle().take(len).collect(),
    ] {
        if let Ok(p) = ShuffleProof::decode(&bytes, n, w) {
            assert_eq!(p.to_bytes(), bytes, "proof decode → encode differs");
        }
    }
    // Zero sizes are refused, not divided by.
    assert!(ShuffleProof::decode(rest, 0, w).is_err());
    assert!(ShuffleProof::decode(rest, n, 0).is_err());

    if let Ok(cts) = EncodedCiphertext::decode_many(rest) {
        let again: Vec<u8> = cts.iter().flat_map(|c| c.to_bytes()).collect();
        assert_eq!(again, rest, "ciphertexts decode → encode differs");
    }

    let count = rest.len() / MIX_PARTIAL_LEN;
    for c in [count, count + 1] {
        if let Ok(d) = MixDecryption::decode(rest, u32::from(*a), c) {
            assert_eq!(d.partials.len(), c);
            assert_eq!(d.to_bytes(), rest, "mix decryption decode → encode differs");
        }
    }
});
