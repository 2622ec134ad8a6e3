//! The spec's test vectors (spec: protocol.md §11).
//!
//! `check_*` load `spec/vectors/*.json` and reproduce every case's outcome
//! through the public API. `vectors_are_reproducible` regenerates the files
//! from fixed seeds and compares them byte for byte; run
//! `VALURNA_REGENERATE_VECTORS=1 cargo test -p valurna-engine --test vectors -- vectors_are_reproducible`
//! to rewrite them after a deliberate change (and change the spec first);
//! that run always fails, naming the files it rewrote, and a run without the
//! variable checks them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};
use valurna_engine::contest::{ContestShape, EncryptedContest};
use valurna_engine::elgamal::{
    DlogTable, EncodedCiphertext, Nonce, PublicKey, SecretKey, lagrange_at_zero,
};
use valurna_engine::encoding::{Element, IdentityRule, decode_hex, decode_scalar};
use valurna_engine::proofs::{
    ChaumPedersenProof, DleqStatement, RangeProof, RangeStatement, SchnorrProof, ZeroOneProof,
};
use valurna_engine::shuffle::{ShuffleProof, ShuffleStatement, shuffle};
use valurna_engine::transcript::{election_transcript, labels};
use valurna_engine::{Error, Scalar, Transcript};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors")
}

fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

fn h(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

const ELL: &str = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
/// One of RFC 9496's invalid encodings (a negative field element).
const BAD_POINT: &str = "0100000000000000000000000000000000000000000000000000000000000000";

/// `s + ℓ` as 32 bytes: the same scalar modulo ℓ, non-canonically encoded.
fn plus_ell(s: &[u8]) -> Vec<u8> {
    let ell = hex::decode(ELL).unwrap();
    let mut out = vec![0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(s[i]) + u16::from(ell[i]) + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    assert_eq!(carry, 0);
    out
}

// ---------------------------------------------------------------- context

/// A context item as the vectors write it: `{"label": "contest", "u64": 3}`
/// or `{"label": "credential", "hex": "…"}` (spec §3.3).
fn context_json(credential: &[u8; 32], contest: u64, selection: Option<u64>) -> Value {
    let mut items = vec![
        json!({"label": "credential", "hex": h(credential)}),
        json!({"label": "contest", "u64": contest}),
    ];
    if let Some(s) = selection {
        items.push(json!({"label": "selection", "u64": s}));
    }
    Value::Array(items)
}

fn transcript(base_hash: &str, context: &Value) -> Transcript {
    let base: [u8; 32] = decode_hex(base_hash).unwrap().try_into().unwrap();
    let mut t = election_transcript(&base);
    for item in context.as_array().unwrap() {
        let label: &'static [u8] = match item["label"].as_str().unwrap() {
            "credential" => labels::CONTEXT_CREDENTIAL,
            "contest" => labels::CONTEXT_CONTEST,
            "selection" => labels::CONTEXT_SELECTION,
            "trustee" => labels::CONTEXT_TRUSTEE,
            "mix" => labels::CONTEXT_MIX,
            other => panic!("unknown context label {other}"),
        };
        match (item.get("u64"), item.get("hex")) {
            (Some(n), None) => t.append_u64(label, n.as_u64().unwrap()),
            (None, Some(x)) => t.append_message(label, &decode_hex(x.as_str().unwrap()).unwrap()),
            _ => panic!("context item needs u64 or hex"),
        }
    }
    t
}

fn bytes(v: &Value) -> Vec<u8> {
    decode_hex(v.as_str().unwrap()).unwrap()
}

/// What a case expects: `ok`, `malformed` (a decoding error) or `invalid`
/// (well formed, but a proof does not verify).
fn outcome<T>(r: Result<T, Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(Error::Malformed(_)) => "malformed",
        Err(Error::VerificationFailed(_)) => "invalid",
        Err(e) => panic!("unexpected error kind: {e}"),
    }
}

fn mutate_flip(hex_str: &str, byte: usize) -> String {
    let mut b = hex::decode(hex_str).unwrap();
    b[byte] ^= 0x01;
    h(&b)
}

fn replace_at(hex_str: &str, offset: usize, with: &[u8]) -> String {
    let mut b = hex::decode(hex_str).unwrap();
    b[offset..offset + with.len()].copy_from_slice(with);
    h(&b)
}

/// Adds the standard invalid variants of a valid proof case: a flipped
/// response byte, a non-canonical response (`s + ℓ`), a non-canonical
/// commitment, another base hash, another context.
fn variants(valid: &Value, proof_field: &str, scalar_at: usize, point_at: usize) -> Vec<Value> {
    let proof = valid[proof_field].as_str().unwrap();
    let pb = hex::decode(proof).unwrap();
    let mut out = vec![valid.clone()];
    let mut v = |name: &str, change: &dyn Fn(&mut Value), expect: &str| {
        let mut c = valid.clone();
        change(&mut c);
        c["name"] = json!(format!("{} / {name}", valid["name"].as_str().unwrap()));
        c["expect"] = json!(expect);
        out.push(c);
    };
    v(
        "flipped response byte",
        &|c| c[proof_field] = json!(mutate_flip(proof, scalar_at + 3)),
        "invalid",
    );
    let s_plus_ell = plus_ell(&pb[scalar_at..scalar_at + 32]);
    v(
        "non-canonical scalar s + l",
        &|c| c[proof_field] = json!(replace_at(proof, scalar_at, &s_plus_ell)),
        "malformed",
    );
    v(
        "non-canonical commitment",
        &|c| {
            c[proof_field] = json!(replace_at(
                proof,
                point_at,
                &hex::decode(BAD_POINT).unwrap()
            ))
        },
        "malformed",
    );
    v(
        "other base hash",
        &|c| c["base_hash"] = json!(h(&[0x99; 32])),
        "invalid",
    );
    v(
        "other context",
        &|c| {
            let ctx = c["context"].as_array_mut().unwrap();
            ctx[1]["u64"] = json!(ctx[1]["u64"].as_u64().unwrap() + 1);
        },
        "invalid",
    );
    v(
        "truncated proof",
        &|c| c[proof_field] = json!(&proof[..proof.len() - 2]),
        "malformed",
    );
    out
}

/// What one input of a proof's statement is, for [`binding`].
#[derive(Clone, Copy)]
enum Input {
    /// One element, hex.
    Element,
    /// One ciphertext `A ‖ B`, hex: each component changed on its own.
    Ciphertext,
    /// A list of ciphertexts, each `A ‖ B` in a JSON array.
    CiphertextList,
    /// Ciphertexts concatenated in one hex string, `count` of them.
    Concatenated(usize),
    /// The first `count` ciphertexts at the start of a hex string (an
    /// encrypted contest's selections).
    Leading(usize),
}

/// Another valid element than the one encoded in `hex_str`: `G` or `2G`.
fn other_element(hex_str: &str) -> String {
    let g = Element::generator();
    if hex_str == g.to_hex() {
        Element::from_point(g.point() + g.point()).to_hex()
    } else {
        g.to_hex()
    }
}

/// Statement binding: one invalid variant of `valid` per
/// input of its statement — every element, each component of every
/// ciphertext, every context item — so that every implementation that runs
/// the vectors shows each input is bound to the proof.
fn binding(valid: &Value, inputs: &[(&str, Input)]) -> Vec<Value> {
    let mut out = Vec::new();
    let name = valid["name"].as_str().unwrap().to_string();
    let mut push = |what: String, change: &dyn Fn(&mut Value)| {
        let mut c = valid.clone();
        change(&mut c);
        c["name"] = json!(format!("{name} / binding: {what}"));
        c["expect"] = json!("invalid");
        out.push(c);
    };
    let swap_half = |text: &str, at: usize| -> String {
        let half = &text[at * 64..at * 64 + 64];
        let mut t = text.to_string();
        t.replace_range(at * 64..at * 64 + 64, &other_element(half));
        t
    };
    for &(field, kind) in inputs {
        let text = valid[field].as_str().map(str::to_string);
        match kind {
            Input::Element => {
                let t = text.unwrap();
                push(field.into(), &|c| c[field] = json!(other_element(&t)));
            }
            Input::Ciphertext => {
                let t = text.unwrap();
                for (half, which) in [(0, "A"), (1, "B")] {
                    let changed = swap_half(&t, half);
                    push(format!("{field} {which}"), &|c| c[field] = json!(changed));
                }
            }
            Input::CiphertextList => {
                let n = valid[field].as_array().unwrap().len();
                for i in 0..n {
                    for (half, which) in [(0, "A"), (1, "B")] {
                        let t = valid[field][i].as_str().unwrap().to_string();
                        let changed = swap_half(&t, half);
                        push(format!("{field}[{i}] {which}"), &|c| {
                            c[field][i] = json!(changed)
                        });
                    }
                }
            }
            Input::Concatenated(n) | Input::Leading(n) => {
                let t = text.unwrap();
                for i in 0..n {
                    for (half, which) in [(0, "A"), (1, "B")] {
                        let changed = swap_half(&t, 2 * i + half);
                        push(format!("{field} ciphertext {i} {which}"), &|c| {
                            c[field] = json!(changed)
                        });
                    }
                }
            }
        }
    }
    for (i, item) in valid["context"].as_array().unwrap().iter().enumerate() {
        let label = item["label"].as_str().unwrap().to_string();
        push(format!("context {label}"), &|c| {
            let it = &mut c["context"][i];
            if let Some(n) = it["u64"].as_u64() {
                it["u64"] = json!(n + 1);
            } else {
                it["hex"] = json!(h(&[0x23; 32]));
            }
        });
    }
    out
}

// ------------------------------------------------------------- generation

const BASE: [u8; 32] = [0x11; 32];
const CREDENTIAL: [u8; 32] = [0x22; 32];

fn keypair(seed: u8) -> (SecretKey, PublicKey) {
    let sk = SecretKey::generate(&mut rng(seed));
    let pk = sk.public_key().unwrap();
    (sk, pk)
}

fn gen_encoding() -> Value {
    let mut cases = vec![];
    let rfc = [
        "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
        "c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
        "c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
        "47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
        "f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
        "87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
        "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
        "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
        "de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
        "bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
        "2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
        "f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
        "8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
        "2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
        "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
        "a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
        "d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
        "8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
        "32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
        "227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
        "5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
        "445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ];
    for (i, x) in rfc.iter().enumerate() {
        cases.push(
            json!({"name": format!("RFC 9496 A.2 invalid #{}", i + 1), "kind": "point",
            "identity_allowed": true, "hex": x, "expect": "InvalidPoint"}),
        );
    }
    let identity = h(&[0u8; 32]);
    cases.push(json!({"name": "identity where allowed", "kind": "point", "identity_allowed": true, "hex": identity, "expect": "ok"}));
    cases.push(json!({"name": "identity where forbidden", "kind": "point", "identity_allowed": false, "hex": identity, "expect": "IdentityPoint"}));
    for k in [1u64, 2, 3, 1000] {
        let p = Element::from_point(Element::generator().point() * Scalar::from(k));
        cases.push(json!({"name": format!("{k}·G"), "kind": "point", "identity_allowed": false, "hex": p.to_hex(), "expect": "ok"}));
    }
    cases.push(json!({"name": "31 bytes", "kind": "point", "identity_allowed": true, "hex": h(&[0u8; 31]), "expect": "WrongLength"}));
    cases.push(json!({"name": "33 bytes", "kind": "point", "identity_allowed": true, "hex": h(&[0u8; 33]), "expect": "WrongLength"}));
    let ell = hex::decode(ELL).unwrap();
    let mut ell_minus_1 = ell.clone();
    ell_minus_1[0] -= 1;
    let mut ell_plus_1 = ell.clone();
    ell_plus_1[0] += 1;
    for (name, x, expect) in [
        ("zero", h(&[0u8; 32]), "ok"),
        ("l - 1", h(&ell_minus_1), "ok"),
        ("l", h(&ell), "NonCanonicalScalar"),
        ("l + 1", h(&ell_plus_1), "NonCanonicalScalar"),
        ("2^256 - 1", h(&[0xff; 32]), "NonCanonicalScalar"),
        (
            "high bit set on a small value",
            replace_at(&h(&[1u8; 32]), 31, &[0x80]),
            "NonCanonicalScalar",
        ),
        ("31 bytes", h(&[0u8; 31]), "WrongLength"),
    ] {
        cases.push(
            json!({"name": format!("scalar {name}"), "kind": "scalar", "hex": x, "expect": expect}),
        );
    }
    json!({"section": "protocol.md §2", "cases": cases})
}

fn gen_encryption() -> Value {
    let mut cases = vec![];
    let mut r = rng(3);
    let (sk, pk) = keypair(2);
    for m in [0u64, 1, 2, 3, 1000, 4_294_967_295] {
        let nonce = Nonce::generate(&mut r);
        let ct = pk.encrypt_with_nonce(m, &nonce).encode();
        cases.push(
            json!({"name": format!("encrypt {m}"), "secret_key": h(sk.as_scalar().as_bytes()),
            "public_key": pk.element().to_hex(), "m": m, "nonce": h(&nonce.to_bytes()),
            "ciphertext": h(&ct.to_bytes())}),
        );
    }
    // Threshold: f(x) = s + a·x, shares at 1, 2, 3; partials of one
    // ciphertext from trustees {1, 3} combine with Lagrange coefficients.
    let s = Scalar::random(&mut r);
    let a = Scalar::random(&mut r);
    let pk_t = SecretKey::from_scalar(s).public_key().unwrap();
    let nonce = Nonce::generate(&mut r);
    let ct = pk_t.encrypt_with_nonce(42, &nonce);
    let shares: Vec<Value> = [1u32, 3]
        .iter()
        .map(|&i| {
            let si = s + a * Scalar::from(i);
            json!({"index": i, "share": h(si.as_bytes()),
                "partial": Element::from_point(ct.a * si).to_hex(),
                "lagrange": h(lagrange_at_zero(i, &[1, 3]).unwrap().as_bytes())})
        })
        .collect();
    let threshold = json!({"name": "2-of-3 partial decryption of 42", "public_key": pk_t.element().to_hex(),
        "ciphertext": h(&ct.encode().to_bytes()), "m": 42, "partials": shares});
    json!({"section": "protocol.md §4", "cases": cases, "threshold": [threshold]})
}

fn gen_schnorr() -> Value {
    let (sk, pk) = keypair(4);
    let context = context_json(&CREDENTIAL, 0, None);
    let p = SchnorrProof::prove(
        &mut transcript(&h(&BASE), &context),
        &sk,
        pk.element(),
        &mut rng(5),
    );
    let valid = json!({"name": "schnorr", "base_hash": h(&BASE), "context": context,
        "public": pk.element().to_hex(), "proof": h(&p.to_bytes()), "expect": "ok"});
    let mut cases = variants(&valid, "proof", 32, 0);
    cases.extend(binding(&valid, &[("public", Input::Element)]));
    let (_, other) = keypair(6);
    let mut c = valid.clone();
    c["name"] = json!("schnorr / other public key");
    c["public"] = json!(other.element().to_hex());
    c["expect"] = json!("invalid");
    cases.push(c);
    json!({"section": "protocol.md §5", "cases": cases})
}

fn gen_chaum_pedersen() -> Value {
    let (sk, pk) = keypair(7);
    let mut r = rng(8);
    let (ct, _) = pk.encrypt(5, &mut r);
    let st = DleqStatement {
        base1: Element::generator(),
        public1: *pk.element(),
        base2: Element::from_point(ct.a),
        public2: Element::from_point(sk.partial_decrypt(&ct)),
    };
    let context = json!([{"label": "trustee", "u64": 1}, {"label": "contest", "u64": 0}]);
    let p = ChaumPedersenProof::prove(&mut transcript(&h(&BASE), &context), &st, &sk, &mut r);
    let valid = json!({"name": "partial decryption", "base_hash": h(&BASE), "context": context,
        "base1": st.base1.to_hex(), "public1": st.public1.to_hex(), "base2": st.base2.to_hex(),
        "public2": st.public2.to_hex(), "proof": h(&p.to_bytes()), "expect": "ok"});
    let mut cases = variants(&valid, "proof", 64, 32);
    cases.extend(binding(
        &valid,
        &[
            ("base1", Input::Element),
            ("public1", Input::Element),
            ("base2", Input::Element),
            ("public2", Input::Element),
        ],
    ));
    let mut c = valid.clone();
    c["name"] = json!("partial decryption / share for another plaintext");
    c["public2"] =
        json!(Element::from_point(st.public2.point() + Element::generator().point()).to_hex());
    c["expect"] = json!("invalid");
    cases.push(c);
    json!({"section": "protocol.md §6", "cases": cases})
}

fn gen_zero_one() -> Value {
    let (_, pk) = keypair(9);
    let mut r = rng(10);
    let mut cases = vec![];
    for vote in [false, true] {
        let (ct, nonce) = pk.encrypt(u64::from(vote), &mut r);
        let ct = ct.encode();
        let context = context_json(&CREDENTIAL, 2, Some(u64::from(vote) + 4));
        let p = ZeroOneProof::prove(
            &mut transcript(&h(&BASE), &context),
            &pk,
            &ct,
            vote,
            &nonce,
            &mut r,
        )
        .unwrap();
        let valid = json!({"name": format!("encrypts {}", u8::from(vote)), "base_hash": h(&BASE),
            "context": context, "key": pk.element().to_hex(), "ciphertext": h(&ct.to_bytes()),
            "proof": h(&p.to_bytes()), "expect": "ok"});
        cases.extend(variants(&valid, "proof", 128, 32));
        cases.extend(binding(
            &valid,
            &[("key", Input::Element), ("ciphertext", Input::Ciphertext)],
        ));
        let (other_ct, _) = pk.encrypt(u64::from(vote), &mut r);
        let mut c = valid.clone();
        c["name"] = json!(format!("encrypts {} / other ciphertext", u8::from(vote)));
        c["ciphertext"] = json!(h(&other_ct.encode().to_bytes()));
        c["expect"] = json!("invalid");
        cases.push(c);
        let (_, other_pk) = keypair(11);
        let mut c = valid.clone();
        c["name"] = json!(format!("encrypts {} / other key", u8::from(vote)));
        c["key"] = json!(other_pk.element().to_hex());
        c["expect"] = json!("invalid");
        cases.push(c);
        let mut c = valid.clone();
        c["name"] = json!(format!(
            "encrypts {} / ciphertext A is the identity",
            u8::from(vote)
        ));
        c["ciphertext"] = json!(replace_at(&h(&ct.to_bytes()), 0, &[0u8; 32]));
        c["expect"] = json!("malformed");
        cases.push(c);
    }
    // A ciphertext of 2 with the proof an honest prover makes claiming 1.
    let (ct, nonce) = pk.encrypt(2, &mut r);
    let ct = ct.encode();
    let context = context_json(&CREDENTIAL, 2, Some(0));
    let p = ZeroOneProof::prove(
        &mut transcript(&h(&BASE), &context),
        &pk,
        &ct,
        true,
        &nonce,
        &mut r,
    )
    .unwrap();
    cases.push(
        json!({"name": "encrypts 2", "base_hash": h(&BASE), "context": context,
        "key": pk.element().to_hex(), "ciphertext": h(&ct.to_bytes()), "proof": h(&p.to_bytes()),
        "expect": "invalid"}),
    );
    json!({"section": "protocol.md §7", "cases": cases})
}

fn gen_range() -> Value {
    let (_, pk) = keypair(12);
    let mut r = rng(13);
    let votes = [1u64, 0, 1, 0, 1];
    let (cts, nonces): (Vec<EncodedCiphertext>, Vec<Nonce>) = votes
        .iter()
        .map(|v| {
            let (c, n) = pk.encrypt(*v, &mut r);
            (c.encode(), n)
        })
        .unzip();
    let sum: Scalar = nonces.iter().map(Nonce::as_scalar).sum();
    let context = context_json(&CREDENTIAL, 1, None);
    let st = RangeStatement {
        key: &pk,
        ciphertexts: &cts,
        min: 1,
        max: 3,
    };
    let p = RangeProof::prove(&mut transcript(&h(&BASE), &context), &st, 3, &sum, &mut r).unwrap();
    let ct_hex: Vec<String> = cts.iter().map(|c| h(&c.to_bytes())).collect();
    let valid = json!({"name": "3 of 5 in [1, 3]", "base_hash": h(&BASE), "context": context,
        "key": pk.element().to_hex(), "ciphertexts": ct_hex, "min": 1, "max": 3,
        "proof": h(&p.to_bytes()), "expect": "ok"});
    let mut cases = variants(&valid, "proof", 6 * 32 + 2 * 32, 64);
    cases.extend(binding(
        &valid,
        &[
            ("key", Input::Element),
            ("ciphertexts", Input::CiphertextList),
        ],
    ));
    // The bounds, moved together (a range of the same width, so the proof
    // still decodes).
    for (d, what) in [(1i64, "up"), (-1, "down")] {
        let mut c = valid.clone();
        c["min"] = json!(valid["min"].as_i64().unwrap() + d);
        c["max"] = json!(valid["max"].as_i64().unwrap() + d);
        c["name"] = json!(format!(
            "{} / binding: bounds moved {what}",
            valid["name"].as_str().unwrap()
        ));
        c["expect"] = json!("invalid");
        cases.push(c);
    }
    for (name, min, max, expect) in [
        ("bounds [1, 2]", 1, 2, "malformed"),
        ("bounds [0, 2] (same width)", 0, 2, "invalid"),
        ("bounds [2, 4] (same width)", 2, 4, "invalid"),
    ] {
        let mut c = valid.clone();
        c["name"] = json!(format!("3 of 5 in [1, 3] / {name}"));
        c["min"] = json!(min);
        c["max"] = json!(max);
        c["expect"] = json!(expect);
        cases.push(c);
    }
    let mut c = valid.clone();
    c["name"] = json!("3 of 5 in [1, 3] / bounds at the top of u64");
    c["min"] = json!(u64::MAX - 2);
    c["max"] = json!(u64::MAX);
    c["expect"] = json!("invalid");
    cases.push(c);
    let mut c = valid.clone();
    c["name"] = json!("3 of 5 in [1, 3] / no ciphertexts");
    c["ciphertexts"] = json!([]);
    c["expect"] = json!("malformed");
    cases.push(c);
    let mut c = valid.clone();
    c["name"] = json!("3 of 5 in [1, 3] / one ciphertext dropped");
    c["ciphertexts"].as_array_mut().unwrap().pop();
    c["expect"] = json!("invalid");
    cases.push(c);
    json!({"section": "protocol.md §8", "cases": cases})
}

fn gen_contest() -> Value {
    let (_, pk) = keypair(14);
    let mut r = rng(15);
    let shape = ContestShape {
        candidates: 4,
        min: 0,
        max: 2,
    };
    let context = context_json(&CREDENTIAL, 0, None);
    let (c, _) = EncryptedContest::encrypt(
        &transcript(&h(&BASE), &context),
        &pk,
        &shape,
        &[false, true, false, true],
        &mut r,
    )
    .unwrap();
    let valid = json!({"name": "2 of 4, at most 2", "base_hash": h(&BASE), "context": context,
        "key": pk.element().to_hex(), "candidates": 4, "min": 0, "max": 2,
        "contest": h(&c.to_bytes()), "expect": "ok"});
    // Offsets: 4 ciphertexts (256 bytes), then 4 zero-one proofs of 224.
    let mut cases = variants(&valid, "contest", 256 + 128, 256 + 32);
    cases.extend(binding(
        &valid,
        &[("key", Input::Element), ("contest", Input::Leading(4))],
    ));
    let mut swapped = c.clone();
    swapped.ciphertexts.swap(0, 1);
    swapped.selection_proofs.swap(0, 1);
    let mut x = valid.clone();
    x["name"] = json!("2 of 4, at most 2 / selections swapped");
    x["contest"] = json!(h(&swapped.to_bytes()));
    x["expect"] = json!("invalid");
    cases.push(x);
    let mut x = valid.clone();
    x["name"] = json!("2 of 4, at most 2 / read as at most 1");
    x["max"] = json!(1);
    x["expect"] = json!("malformed");
    cases.push(x);
    json!({"section": "protocol.md §9", "cases": cases})
}

fn gen_shuffle() -> Value {
    let (_, pk) = keypair(16);
    let mut r = rng(17);
    let (n, w) = (3usize, 2usize);
    let input: Vec<EncodedCiphertext> = (0..n * w)
        .map(|m| pk.encrypt(m as u64, &mut r).0.encode())
        .collect();
    let context = json!([{"label": "contest", "u64": 0}, {"label": "mix", "u64": 1}]);
    let base = h(&BASE);
    let (output, proof, _) = shuffle(
        &mut transcript(&base, &context),
        &BASE,
        &pk,
        w,
        &input,
        &mut rng(18),
    )
    .unwrap();
    let cts =
        |c: &[EncodedCiphertext]| h(&c.iter().flat_map(|c| c.to_bytes()).collect::<Vec<u8>>());
    let proof = h(&proof.to_bytes());
    let valid = json!({"name": "3 items of 2", "base_hash": base, "context": context,
        "key": pk.element().to_hex(), "width": w, "count": n,
        "input": cts(&input), "output": cts(&output), "proof": proof, "expect": "ok"});
    // The first scalar (s_1) follows the 3N + 3 + 2w elements.
    let scalar_at = (3 * n + 3 + 2 * w) * 32;
    let mut cases = variants(&valid, "proof", scalar_at, 0);
    cases.extend(binding(
        &valid,
        &[
            ("key", Input::Element),
            ("input", Input::Concatenated(n * w)),
            ("output", Input::Concatenated(n * w)),
        ],
    ));
    let mut c = valid.clone();
    let mut swapped = output.clone();
    swapped.swap(0, 2);
    swapped.swap(1, 3);
    c["name"] = json!("3 items of 2 / two output items swapped");
    c["output"] = json!(cts(&swapped));
    c["expect"] = json!("invalid");
    cases.push(c);
    let mut c = valid.clone();
    let mut altered = output.clone();
    altered[5] = (altered[5].ciphertext() + pk.encrypt(1, &mut r).0).encode();
    c["name"] = json!("3 items of 2 / an output altered");
    c["output"] = json!(cts(&altered));
    c["expect"] = json!("invalid");
    cases.push(c);
    let mut c = valid.clone();
    let (_, other) = keypair(19);
    c["name"] = json!("3 items of 2 / other key");
    c["key"] = json!(other.element().to_hex());
    c["expect"] = json!("invalid");
    cases.push(c);
    let mut c = valid.clone();
    let mut identity = output.clone();
    identity[0].a = Element::identity();
    c["name"] = json!("3 items of 2 / identity as an output's A");
    c["output"] = json!(cts(&identity));
    c["expect"] = json!("invalid");
    cases.push(c);
    json!({"section": "protocol.md §13", "cases": cases})
}

fn generate() -> BTreeMap<&'static str, String> {
    let mut files = BTreeMap::new();
    for (name, v) in [
        ("encoding.json", gen_encoding()),
        ("encryption.json", gen_encryption()),
        ("schnorr.json", gen_schnorr()),
        ("chaum_pedersen.json", gen_chaum_pedersen()),
        ("zero_one.json", gen_zero_one()),
        ("range.json", gen_range()),
        ("contest.json", gen_contest()),
        ("shuffle.json", gen_shuffle()),
    ] {
        files.insert(name, serde_json::to_string_pretty(&v).unwrap() + "\n");
    }
    files
}

#[test]
fn vectors_are_reproducible() {
    let files = generate();
    if std::env::var_os("VALURNA_REGENERATE_VECTORS").is_some() {
        // Rewriting is never a pass: the run that rewrites the files cannot
        // also be the run that shows they match.
        let mut rewritten = Vec::new();
        for (name, text) in &files {
            let path = dir().join(name);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                std::fs::write(&path, text).unwrap();
                rewritten.push(*name);
            }
        }
        panic!(
            "VALURNA_REGENERATE_VECTORS is set: rewrote {rewritten:?} in spec/vectors; run again \
             without it to check them"
        );
    }
    for (name, text) in &files {
        let on_disk = std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| {
            panic!("{name}: {e}; regenerate with VALURNA_REGENERATE_VECTORS=1")
        });
        assert!(
            on_disk == *text,
            "{name} differs from what the code generates: if the change is deliberate, change spec/ and regenerate"
        );
    }
}

// ----------------------------------------------------------------- checks

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn cases(name: &str) -> Vec<Value> {
    let v = load(name);
    let cases = v["cases"].as_array().unwrap().clone();
    assert!(cases.len() > 3, "{name} has too few cases");
    cases
}

fn check_each(name: &str, run: impl Fn(&Value) -> &'static str) {
    for case in cases(name) {
        assert_eq!(
            run(&case),
            case["expect"].as_str().unwrap(),
            "{name}: {}",
            case["name"]
        );
    }
}

#[test]
fn check_encoding() {
    check_each("encoding.json", |c| {
        let b = bytes(&c["hex"]);
        let r = match c["kind"].as_str().unwrap() {
            "point" => {
                let rule = if c["identity_allowed"].as_bool().unwrap() {
                    IdentityRule::Allowed
                } else {
                    IdentityRule::Forbidden
                };
                Element::decode(&b, rule).map(|_| ())
            }
            _ => decode_scalar(&b).map(|_| ()),
        };
        match r {
            Ok(()) => "ok",
            Err(e) => match e {
                valurna_engine::DecodeError::WrongLength { .. } => "WrongLength",
                valurna_engine::DecodeError::InvalidPoint => "InvalidPoint",
                valurna_engine::DecodeError::IdentityPoint => "IdentityPoint",
                valurna_engine::DecodeError::NonCanonicalScalar => "NonCanonicalScalar",
                other => panic!("{other}"),
            },
        }
    });
}

#[test]
fn check_encryption() {
    let v = load("encryption.json");
    for c in v["cases"].as_array().unwrap() {
        let pk = PublicKey::decode(&bytes(&c["public_key"])).unwrap();
        let nonce = Nonce::decode(&bytes(&c["nonce"])).unwrap();
        let m = c["m"].as_u64().unwrap();
        let ct = pk.encrypt_with_nonce(m, &nonce);
        assert_eq!(
            h(&ct.encode().to_bytes()),
            c["ciphertext"].as_str().unwrap()
        );
        let sk = SecretKey::from_scalar(decode_scalar(&bytes(&c["secret_key"])).unwrap());
        assert_eq!(sk.decrypt(&ct, DlogTable::shared()).unwrap(), m);
    }
    for c in v["threshold"].as_array().unwrap() {
        let ct = EncodedCiphertext::decode(&bytes(&c["ciphertext"]), IdentityRule::Forbidden)
            .unwrap()
            .ciphertext();
        let indices: Vec<u32> = c["partials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["index"].as_u64().unwrap() as u32)
            .collect();
        let mut combined = valurna_engine::RistrettoPoint::default();
        for p in c["partials"].as_array().unwrap() {
            let i = p["index"].as_u64().unwrap() as u32;
            let lambda = lagrange_at_zero(i, &indices).unwrap();
            assert_eq!(h(lambda.as_bytes()), p["lagrange"].as_str().unwrap());
            let d = Element::decode(&bytes(&p["partial"]), IdentityRule::Allowed).unwrap();
            combined += d.point() * lambda;
        }
        let m = DlogTable::shared().solve(&(ct.b - combined)).unwrap();
        assert_eq!(m, c["m"].as_u64().unwrap());
    }
}

fn element(v: &Value) -> Result<Element, Error> {
    Ok(Element::decode(&bytes(v), IdentityRule::Allowed)?)
}

#[test]
fn check_schnorr() {
    check_each("schnorr.json", |c| {
        outcome((|| {
            let public = Element::decode(&bytes(&c["public"]), IdentityRule::Forbidden)?;
            let p = SchnorrProof::decode(&bytes(&c["proof"]))?;
            p.verify(
                &mut transcript(c["base_hash"].as_str().unwrap(), &c["context"]),
                &public,
            )
        })())
    });
}

#[test]
fn check_chaum_pedersen() {
    check_each("chaum_pedersen.json", |c| {
        outcome((|| {
            let st = DleqStatement {
                base1: element(&c["base1"])?,
                // A trustee's key: the identity is forbidden (spec §2.3).
                public1: Element::decode(&bytes(&c["public1"]), IdentityRule::Forbidden)?,
                base2: element(&c["base2"])?,
                public2: element(&c["public2"])?,
            };
            let p = ChaumPedersenProof::decode(&bytes(&c["proof"]))?;
            p.verify(
                &mut transcript(c["base_hash"].as_str().unwrap(), &c["context"]),
                &st,
            )
        })())
    });
}

#[test]
fn check_zero_one() {
    check_each("zero_one.json", |c| {
        outcome((|| {
            let key = PublicKey::decode(&bytes(&c["key"]))?;
            let ct = EncodedCiphertext::decode(&bytes(&c["ciphertext"]), IdentityRule::Forbidden)?;
            let p = ZeroOneProof::decode(&bytes(&c["proof"]))?;
            p.verify(
                &mut transcript(c["base_hash"].as_str().unwrap(), &c["context"]),
                &key,
                &ct,
            )
        })())
    });
}

#[test]
fn check_range() {
    check_each("range.json", |c| {
        outcome((|| {
            let key = PublicKey::decode(&bytes(&c["key"]))?;
            let cts = c["ciphertexts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| EncodedCiphertext::decode(&bytes(x), IdentityRule::Forbidden))
                .collect::<Result<Vec<_>, _>>()?;
            let (min, max) = (c["min"].as_u64().unwrap(), c["max"].as_u64().unwrap());
            let p = RangeProof::decode(&bytes(&c["proof"]), min, max)?;
            let st = RangeStatement {
                key: &key,
                ciphertexts: &cts,
                min,
                max,
            };
            p.verify(
                &mut transcript(c["base_hash"].as_str().unwrap(), &c["context"]),
                &st,
            )
        })())
    });
}

#[test]
fn check_contest() {
    check_each("contest.json", |c| {
        outcome((|| {
            let key = PublicKey::decode(&bytes(&c["key"]))?;
            let shape = ContestShape {
                candidates: c["candidates"].as_u64().unwrap() as usize,
                min: c["min"].as_u64().unwrap(),
                max: c["max"].as_u64().unwrap(),
            };
            let contest = EncryptedContest::decode(&bytes(&c["contest"]), &shape)?;
            contest.verify(
                &transcript(c["base_hash"].as_str().unwrap(), &c["context"]),
                &key,
                &shape,
            )
        })())
    });
}

#[test]
fn check_shuffle() {
    check_each("shuffle.json", |c| {
        outcome((|| {
            let key = PublicKey::decode(&bytes(&c["key"]))?;
            let (n, w) = (
                c["count"].as_u64().unwrap() as usize,
                c["width"].as_u64().unwrap() as usize,
            );
            let input = EncodedCiphertext::decode_many(&bytes(&c["input"]))?;
            let output = EncodedCiphertext::decode_many(&bytes(&c["output"]))?;
            let proof = ShuffleProof::decode(&bytes(&c["proof"]), n, w)?;
            let base: [u8; 32] = bytes(&c["base_hash"]).try_into().unwrap();
            proof.verify(
                &mut transcript(c["base_hash"].as_str().unwrap(), &c["context"]),
                &base,
                &ShuffleStatement {
                    key: &key,
                    width: w,
                    input: &input,
                    output: &output,
                },
            )
        })())
    });
}
