//! The verifier's own strict readers of a record (valurna-verifier is a
//! second implementation of spec/): every JSON file and JSON line type of
//! `valurna_verifier::record`, the strict hex, base64 and element decoders
//! of `valurna_verifier::decode`, the tracker codes an observer types, and
//! the mix file names. Differential: a file the engine's reader accepts,
//! the verifier's accepts too, and the other way round (for the manifest,
//! which the engine also validates, one way only).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use valurna_engine::record as engine;
use valurna_verifier::decode::{self, Identity};
use valurna_verifier::record as verifier;

fn parse<T: DeserializeOwned>(json: &[u8]) -> Option<T> {
    serde_json::from_slice(json).ok()
}

/// Both readers agree on whether `json` is a file of this kind.
fn agree<E: DeserializeOwned, V: DeserializeOwned>(json: &[u8], what: &str) -> Option<V> {
    let e = parse::<E>(json).is_some();
    let v = parse::<V>(json);
    assert_eq!(
        e,
        v.is_some(),
        "{what}: engine accepts {e}, verifier {}",
        v.is_some()
    );
    v
}

fn hex_points(items: &[&str], identity: Identity) {
    for h in items {
        if let Ok(p) = decode::hex_point(h, identity) {
            assert_eq!(hex::encode(p.bytes), *h, "non-canonical hex point accepted");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, json)) = data.split_first() else {
        return;
    };
    let text = std::str::from_utf8(json).unwrap_or("");
    match selector % 12 {
        0 => {
            let v = parse::<verifier::Manifest>(json);
            if valurna_engine::manifest::Manifest::from_json(json).is_ok() {
                assert!(
                    v.is_some(),
                    "a manifest the engine accepts, the verifier refuses"
                );
            }
        }
        1 => {
            let _ = agree::<engine::Parameters, verifier::Parameters>(json, "parameters");
        }
        2 => {
            if let Some(l) =
                agree::<engine::CredentialLine, verifier::CredentialLine>(json, "credential line")
            {
                hex_points(&[&l.credential], Identity::Forbidden);
            }
        }
        3 => {
            if let Some(l) = agree::<engine::BoardLine, verifier::BoardLine>(json, "board line") {
                let _ = decode::hex_array::<32>(&l.tracker);
                let _ = decode::hex_array::<32>(&l.head);
                if let Ok(bytes) = decode::base64(&l.ballot) {
                    let shapes = valurna_fuzz::verifier_shapes();
                    let _ = valurna_verifier::ballot::Ballot::decode(&bytes, &shapes);
                }
            }
        }
        4 => {
            let _ = agree::<engine::BoardSeal, verifier::BoardSeal>(json, "board seal");
        }
        5 => {
            if let Some(c) = agree::<engine::CeremonyFile, verifier::Ceremony>(json, "ceremony") {
                let _ = decode::hex_array::<16>(&c.ceremony_id);
                for a in &c.announcements {
                    hex_points(&[&a.communication_key], Identity::Forbidden);
                    let commitments: Vec<&str> = a.commitments.iter().map(String::as_str).collect();
                    hex_points(&commitments, Identity::Forbidden);
                    for p in std::iter::once(&a.communication_proof).chain(&a.commitment_proofs) {
                        if let Ok(b) = decode::hex(p) {
                            let _ = valurna_verifier::proofs::Schnorr::decode(&b);
                        }
                    }
                }
                for p in &c.public_shares {
                    hex_points(&[p], Identity::Forbidden);
                }
            }
        }
        6 => {
            if let Some(t) = agree::<engine::TallyFile, verifier::Tally>(json, "tally") {
                for c in t.contests.iter().flat_map(|c| &c.ciphertexts) {
                    if let Ok(b) = decode::hex(c) {
                        let _ = valurna_verifier::proofs::Ciphertext::decode(&b, Identity::Allowed);
                    }
                }
            }
        }
        7 => {
            if let Some(d) =
                agree::<engine::DecryptionFile, verifier::Decryption>(json, "decryption")
            {
                for p in d.shares.iter().flat_map(|s| &s.partials).flatten() {
                    hex_points(&[&p.partial], Identity::Allowed);
                    if let Ok(b) = decode::hex(&p.proof) {
                        let _ = valurna_verifier::proofs::ChaumPedersen::decode(&b);
                    }
                }
            }
        }
        8 => {
            let _ = agree::<engine::ResultFile, verifier::ElectionResult>(json, "result");
        }
        9 => {
            // Strict hex and base64: one text per value.
            if let Ok(b) = decode::hex(text) {
                assert_eq!(hex::encode(&b), text, "non-canonical hex accepted");
            }
            if let Ok(b) = decode::base64(text) {
                use base64::Engine as _;
                let again = base64::engine::general_purpose::STANDARD.encode(&b);
                assert_eq!(again, text, "non-canonical base64 accepted");
            }
            for identity in [Identity::Allowed, Identity::Forbidden] {
                if let Ok(p) = decode::point(json, identity) {
                    assert_eq!(&p.bytes[..], json, "non-canonical point accepted");
                }
            }
            if let Ok(s) = decode::scalar(json) {
                assert_eq!(&s.to_bytes()[..], json, "non-canonical scalar accepted");
            }
        }
        10 => {
            // A tracker as an observer types it (verification.md §6).
            match valurna_verifier::parse_code(text) {
                Some(valurna_verifier::Code::Short(s)) => {
                    assert_eq!(s.len(), 12, "a short code is not 12 symbols");
                    assert!(
                        s.bytes()
                            .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b))
                    );
                }
                Some(valurna_verifier::Code::Full(t)) => {
                    let compact: String = text
                        .chars()
                        .filter(|c| *c != '-' && !c.is_whitespace())
                        .collect();
                    assert_eq!(hex::encode(t), compact.to_ascii_lowercase());
                }
                None => {}
            }
        }
        _ => {
            // Mix file names: canonical decimals only.
            if let Some((c, s)) = verifier::files::parse_mix(text) {
                assert_eq!(verifier::files::mix(c as usize, s as usize), text);
            }
            if let Some((c, t)) = verifier::files::parse_mix_decryption(text)
                && let Ok(t) = u32::try_from(t)
            {
                assert_eq!(verifier::files::mix_decryption(c as usize, t), text);
            }
        }
    }
});
