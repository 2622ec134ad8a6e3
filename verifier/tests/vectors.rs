//! The spec's test vectors (protocol.md §11), checked by the verifier's own
//! implementation: every case must give its `expect`ed outcome.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::PathBuf;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use serde_json::Value;
use valurna_verifier::ballot::{Contest, Shape};
use valurna_verifier::decode::{self, Identity, Point};
use valurna_verifier::equations::Equations;
use valurna_verifier::proofs::{
    ChaumPedersen, Ciphertext, Disjunctive, Dleq, Domain, Schnorr, add_disjunctive,
    lagrange_at_zero,
};
use valurna_verifier::shuffle::{ShuffleInput, verify_shuffle};
use valurna_verifier::transcript::{ContextItem, TranscriptExt, election, labels};
use valurna_verifier::{Error, Malformed};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors")
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn cases(name: &str) -> Vec<Value> {
    let cases = load(name)["cases"].as_array().unwrap().clone();
    assert!(cases.len() > 3, "{name} has too few cases");
    cases
}

fn bytes(v: &Value) -> Vec<u8> {
    decode::hex(v.as_str().unwrap()).unwrap()
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap()
}

fn context_label(name: &str) -> &'static [u8] {
    labels::context(name).unwrap_or_else(|| panic!("unknown context label {name}"))
}

/// `election(H)` with the case's context items appended in order.
fn transcript(case: &Value) -> Transcript {
    let h: [u8; 32] = bytes(&case["base_hash"]).try_into().unwrap();
    let mut t = election(&h);
    for item in case["context"].as_array().unwrap() {
        let label = context_label(text(&item["label"]));
        if let Some(n) = item["u64"].as_u64() {
            t.append_number(label, n);
        } else {
            t.append(label, &bytes(&item["hex"]));
        }
    }
    t
}

/// Malformed input, or the batch's verdict.
fn outcome(run: impl FnOnce(&mut Equations) -> Result<(), Malformed>) -> &'static str {
    let mut eq = Equations::new().unwrap();
    match run(&mut eq) {
        Err(_) => "malformed",
        Ok(()) if eq.holds() => "ok",
        Ok(()) => "invalid",
    }
}

fn check_each(name: &str, run: impl Fn(&Value, &mut Equations) -> Result<(), Malformed>) {
    for case in cases(name) {
        let got = outcome(|eq| run(&case, eq));
        assert_eq!(got, text(&case["expect"]), "{name}: {}", case["name"]);
    }
}

fn point(v: &Value, rule: Identity) -> Result<Point, Malformed> {
    decode::hex_point(text(v), rule)
}

#[test]
fn encoding() {
    for case in cases("encoding.json") {
        let b = bytes(&case["hex"]);
        let got = match text(&case["kind"]) {
            "point" => {
                let rule = if case["identity_allowed"].as_bool().unwrap() {
                    Identity::Allowed
                } else {
                    Identity::Forbidden
                };
                decode::point(&b, rule).map(|_| ())
            }
            _ => decode::scalar(&b).map(|_| ()),
        };
        let got = match got {
            Ok(()) => "ok",
            Err(Malformed::WrongLength { .. }) => "WrongLength",
            Err(Malformed::InvalidPoint) => "InvalidPoint",
            Err(Malformed::IdentityPoint) => "IdentityPoint",
            Err(Malformed::NonCanonicalScalar) => "NonCanonicalScalar",
            Err(other) => panic!("{other}"),
        };
        assert_eq!(got, text(&case["expect"]), "{}", case["name"]);
    }
}

#[test]
fn encryption() {
    let v = load("encryption.json");
    let g = RISTRETTO_BASEPOINT_POINT;
    for case in v["cases"].as_array().unwrap() {
        let k = point(&case["public_key"], Identity::Forbidden).unwrap();
        let r = decode::scalar(&bytes(&case["nonce"])).unwrap();
        let m = Scalar::from(case["m"].as_u64().unwrap());
        let a = g * r;
        let b = g * m + k.point * r;
        let expected = [a.compress().to_bytes(), b.compress().to_bytes()].concat();
        assert_eq!(bytes(&case["ciphertext"]), expected, "{}", case["name"]);
        let s = decode::scalar(&bytes(&case["secret_key"])).unwrap();
        assert_eq!(g * s, k.point, "{}", case["name"]);
    }
    for case in v["threshold"].as_array().unwrap() {
        let ct = Ciphertext::decode(&bytes(&case["ciphertext"]), Identity::Forbidden).unwrap();
        let partials = case["partials"].as_array().unwrap();
        let set: Vec<u32> = partials
            .iter()
            .map(|p| p["index"].as_u64().unwrap() as u32)
            .collect();
        let mut combined = RistrettoPoint::default();
        for p in partials {
            let i = p["index"].as_u64().unwrap() as u32;
            let lambda = lagrange_at_zero(i, &set);
            assert_eq!(lambda.to_bytes().to_vec(), bytes(&p["lagrange"]));
            let share = decode::scalar(&bytes(&p["share"])).unwrap();
            let d = point(&p["partial"], Identity::Allowed).unwrap();
            assert_eq!(ct.a.point * share, d.point);
            combined += d.point * lambda;
        }
        let m = Scalar::from(case["m"].as_u64().unwrap());
        assert_eq!(ct.b.point - combined, RISTRETTO_BASEPOINT_POINT * m);
    }
}

#[test]
fn schnorr() {
    check_each("schnorr.json", |c, eq| {
        let public = point(&c["public"], Identity::Forbidden)?;
        let proof = Schnorr::decode(&bytes(&c["proof"]))?;
        proof.add_to(&mut transcript(c), &public, eq);
        Ok(())
    });
}

#[test]
fn chaum_pedersen() {
    check_each("chaum_pedersen.json", |c, eq| {
        let base1 = point(&c["base1"], Identity::Allowed)?;
        let public1 = point(&c["public1"], Identity::Forbidden)?;
        let base2 = point(&c["base2"], Identity::Allowed)?;
        let public2 = point(&c["public2"], Identity::Allowed)?;
        let proof = ChaumPedersen::decode(&bytes(&c["proof"]))?;
        let st = Dleq {
            base1: &base1,
            public1: &public1,
            base2: &base2,
            public2: &public2,
        };
        proof.add_to(&mut transcript(c), &st, eq);
        Ok(())
    });
}

fn with_key(c: &Value, eq: &mut Equations) -> Result<Point, Malformed> {
    let key = point(&c["key"], Identity::Forbidden)?;
    eq.set_key(key.point);
    Ok(key)
}

#[test]
fn zero_one() {
    check_each("zero_one.json", |c, eq| {
        let key = with_key(c, eq)?;
        let ct = Ciphertext::decode(&bytes(&c["ciphertext"]), Identity::Forbidden)?;
        let proof = Disjunctive::decode(&bytes(&c["proof"]), 0, 1)?;
        add_disjunctive(&proof, &mut transcript(c), Domain::ZeroOne, &key, &[ct], eq);
        Ok(())
    });
}

#[test]
fn range() {
    check_each("range.json", |c, eq| {
        let key = with_key(c, eq)?;
        let cts = c["ciphertexts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| Ciphertext::decode(&bytes(x), Identity::Forbidden))
            .collect::<Result<Vec<_>, _>>()?;
        if cts.is_empty() {
            return Err(Malformed::OutOfRange("a range proof over no ciphertexts"));
        }
        let (min, max) = (c["min"].as_u64().unwrap(), c["max"].as_u64().unwrap());
        let proof = Disjunctive::decode(&bytes(&c["proof"]), min, max)?;
        add_disjunctive(&proof, &mut transcript(c), Domain::Range, &key, &cts, eq);
        Ok(())
    });
}

#[test]
fn contest() {
    check_each("contest.json", |c, eq| {
        let key = with_key(c, eq)?;
        let shape = Shape::approval(
            c["candidates"].as_u64().unwrap() as usize,
            c["min"].as_u64().unwrap(),
            c["max"].as_u64().unwrap(),
        );
        let contest = Contest::decode(0, &bytes(&c["contest"]), &shape)?;
        contest.add_to(&transcript(c), &key, eq);
        Ok(())
    });
}

#[test]
fn shuffle() {
    let mut outcomes = std::collections::BTreeSet::new();
    for c in cases("shuffle.json") {
        let h: [u8; 32] = bytes(&c["base_hash"]).try_into().unwrap();
        let values: Vec<(&'static [u8], Vec<u8>, Option<u64>)> = c["context"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                let label = context_label(text(&item["label"]));
                match item["u64"].as_u64() {
                    Some(n) => (label, vec![], Some(n)),
                    None => (label, bytes(&item["hex"]), None),
                }
            })
            .collect();
        let context: Vec<ContextItem<'_>> = values
            .iter()
            .map(|(label, b, n)| match n {
                Some(n) => ContextItem::number(label, *n),
                None => ContextItem::bytes(label, b),
            })
            .collect();
        let width = c["width"].as_u64().unwrap() as usize;
        let (key, input, output, proof) = (
            bytes(&c["key"]),
            bytes(&c["input"]),
            bytes(&c["output"]),
            bytes(&c["proof"]),
        );
        assert_eq!(
            input.len(),
            c["count"].as_u64().unwrap() as usize * width * 64,
            "{}",
            c["name"]
        );
        let got = match verify_shuffle(&ShuffleInput {
            base_hash: h,
            context: &context,
            key: &key,
            width,
            input: &input,
            output: &output,
            proof: &proof,
        }) {
            Ok(()) => "ok",
            Err(Error::Malformed(_)) => "malformed",
            Err(Error::NotVerified(_)) => "invalid",
            Err(other) => panic!("{}: {other}", c["name"]),
        };
        assert_eq!(got, text(&c["expect"]), "shuffle.json: {}", c["name"]);
        outcomes.insert(got);
    }
    assert_eq!(outcomes.len(), 3, "shuffle.json lacks an outcome");
}
