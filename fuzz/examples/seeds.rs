//! Writes the seed corpus `fuzz/seeds/<target>/` from the shared fixtures
//! and the record vectors in `spec/vectors/record/`:
//!
//! ```sh
//! cd fuzz && cargo run --release --example seeds
//! ```
//!
//! The fuzz targets find little past the first curve point from random
//! bytes; valid ballots, proofs and files give them the structure to
//! mutate.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use valurna_engine::ballot::Ballot;
use valurna_engine::credential::VotingCode;
use valurna_engine::elgamal::EncodedCiphertext;
use valurna_engine::mixnet::mix_step;

type Out = Result<(), Box<dyn std::error::Error>>;

fn write(target: &str, name: &str, bytes: &[u8]) -> Out {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), bytes)?;
    Ok(())
}

fn with_selector(selector: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![selector];
    out.extend_from_slice(bytes);
    out
}

fn record(name: &str) -> Result<Vec<u8>, std::io::Error> {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/vectors/record")
        .join(name);
    std::fs::read(path)
}

/// The first `k` lines of a JSON Lines file.
fn first_lines(bytes: &[u8], k: usize) -> Vec<u8> {
    bytes
        .split_inclusive(|b| *b == b'\n')
        .take(k)
        .flatten()
        .copied()
        .collect()
}

fn ballots(rng: &mut ChaCha20Rng) -> Out {
    let ctx = valurna_fuzz::ballot_context();
    let hot = |k: Option<usize>| (0..3).map(|i| Some(i) == k).collect::<Vec<bool>>();
    let all = vec![
        (
            "both",
            vec![
                (0, vec![true, false, true]),
                (1, hot(Some(2))),
                (1, hot(Some(0))),
            ],
        ),
        ("ranked_only", vec![(1, hot(Some(1))), (1, hot(None))]),
        ("approval_only", vec![(0, vec![false, false, false])]),
    ];
    for (name, choices) in all {
        let code = VotingCode::generate(rng);
        let secret = code.secret(&valurna_fuzz::MANIFEST_HASH);
        let (ballot, _) = Ballot::encrypt(ctx, &secret, &choices, rng)?;
        let bytes = ballot.to_bytes();
        write("ballot", name, &bytes)?;
        write("verifier_ballot", name, &bytes)?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let body = serde_json::to_vec(&serde_json::json!({ "ballot": b64 }))?;
        write("cast_body", name, &body)?;
        let line = valurna_engine::record::BoardLine::new(0, &[7; 32], &bytes, &[9; 32]);
        let mut jsonl = serde_json::to_vec(&line)?;
        jsonl.push(b'\n');
        write(
            "record_lines",
            &format!("board_{name}"),
            &with_selector(0, &jsonl),
        )?;
        write(
            "verifier_record",
            &format!("board_line_{name}"),
            &with_selector(3, &jsonl),
        )?;
    }
    Ok(())
}

fn shuffles(rng: &mut ChaCha20Rng) -> Out {
    let key = valurna_fuzz::key();
    for (n, w) in [(1usize, 1usize), (2, 2), (3, 1), (4, 3)] {
        let input: Vec<EncodedCiphertext> = (0..n * w)
            .map(|i| key.encrypt(i as u64 % 2, rng).0.encode())
            .collect();
        let (output, proof, _) = mix_step(&valurna_fuzz::BASE_HASH, key, 1, 0, w, &input, rng)?;
        let head = [(n - 1) as u8, (w - 1) as u8];
        let mut seed = head.to_vec();
        seed.extend_from_slice(&proof.to_bytes());
        write("shuffle_proof", &format!("proof_{n}x{w}"), &seed)?;
        let mut list = head.to_vec();
        list.extend(output.iter().flat_map(EncodedCiphertext::to_bytes));
        write("shuffle_proof", &format!("ciphertexts_{n}x{w}"), &list)?;
        let mut full = head.to_vec();
        full.extend_from_slice(key.element().as_bytes());
        full.extend(input.iter().flat_map(EncodedCiphertext::to_bytes));
        full.extend(output.iter().flat_map(EncodedCiphertext::to_bytes));
        full.extend_from_slice(&proof.to_bytes());
        write("verifier_shuffle", &format!("mix_{n}x{w}"), &full)?;
    }
    Ok(())
}

fn record_files() -> Out {
    let manifest = record("manifest.json")?;
    write("manifest", "spec_record", &manifest)?;
    write("verifier_record", "manifest", &with_selector(0, &manifest))?;
    let ranked = serde_json::json!({
        "version": 1, "organisation": "Org", "election_id": "e", "title": "T",
        "weighted": false,
        "contests": [
            {"id": "a", "title": "A", "district": "north", "seats": 1,
             "min_selections": 0, "max_selections": 2,
             "candidates": [{"id": "x", "name": "X"}, {"id": "y", "name": "Y"}, {"id": "z", "name": "Z"}]},
            {"id": "r", "title": "R", "district": "north", "seats": 2,
             "min_selections": 0, "max_selections": 2, "kind": "ranked", "method": "stv",
             "candidates": [{"id": "x", "name": "X"}, {"id": "y", "name": "Y"}, {"id": "z", "name": "Z"}]}
        ]
    });
    let ranked = serde_json::to_vec_pretty(&ranked)?;
    write("manifest", "ranked", &ranked)?;
    write(
        "verifier_record",
        "manifest_ranked",
        &with_selector(0, &ranked),
    )?;

    // ceremony.json and each message kind a trustee uploads.
    let ceremony = record("ceremony.json")?;
    write("ceremony", "file", &with_selector(0, &ceremony))?;
    write("verifier_record", "ceremony", &with_selector(5, &ceremony))?;
    let c: serde_json::Value = serde_json::from_slice(&ceremony)?;
    let pick = |field: &str| c.get(field).cloned().unwrap_or_default();
    let first = |field: &str| pick(field).get(0).cloned().unwrap_or_default();
    write(
        "ceremony",
        "announcement",
        &with_selector(1, &serde_json::to_vec(&first("announcements"))?),
    )?;
    write(
        "ceremony",
        "shares",
        &with_selector(2, &serde_json::to_vec(&pick("shares"))?),
    )?;
    let complaint = serde_json::json!([{
        "accuser": 1, "accused": 2,
        "shared_secret": first("public_shares"),
        "proof": hex::encode([0u8; 96]),
    }]);
    write(
        "ceremony",
        "complaints",
        &with_selector(3, &serde_json::to_vec(&complaint)?),
    )?;
    write(
        "ceremony",
        "confirmation",
        &with_selector(4, &serde_json::to_vec(&first("confirmations"))?),
    )?;

    let credentials = first_lines(&record("credentials.jsonl")?, 4);
    write(
        "record_lines",
        "credentials",
        &with_selector(1, &credentials),
    )?;
    let board = first_lines(&record("board.jsonl")?, 1);
    write("record_lines", "spec_board", &with_selector(0, &board))?;
    write(
        "verifier_record",
        "credential_line",
        &with_selector(2, &first_lines(&credentials, 1)),
    )?;

    for (selector, verifier_selector, name) in [
        (0u8, 1u8, "parameters.json"),
        (1, 4, "board_seal.json"),
        (2, 6, "tally.json"),
        (3, 7, "decryption.json"),
        (5, 8, "result.json"),
    ] {
        let bytes = record(name)?;
        write("record_json", name, &with_selector(selector, &bytes))?;
        write(
            "verifier_record",
            name,
            &with_selector(verifier_selector, &bytes),
        )?;
    }
    // A ranked contest's result, and the regressions of the `null`
    // optional fields the engine used to read as absent.
    let mut result: serde_json::Value = serde_json::from_slice(&record("result.json")?)?;
    let mut manifest_null: serde_json::Value = serde_json::from_slice(&manifest)?;
    if let (Some(c), Some(m)) = (
        result.pointer_mut("/contests/0"),
        manifest_null.pointer_mut("/contests/0"),
    ) {
        c["ranked"] = serde_json::Value::Null;
        m["kind"] = serde_json::Value::Null;
    }
    let bytes = serde_json::to_vec(&manifest_null)?;
    write(
        "verifier_record",
        "regression_manifest_kind_null",
        &with_selector(0, &bytes),
    )?;
    let bytes = serde_json::to_vec(&result)?;
    write(
        "verifier_record",
        "regression_result_ranked_null",
        &with_selector(8, &bytes),
    )?;
    if let Some(c) = result.pointer_mut("/contests/0") {
        c["ranked"] = serde_json::json!({
            "method": "stv", "ballots": 12, "invalid": 1, "empty": 0,
            "quota": 400001, "stages": [[600000, 300000, 300000, 0]]
        });
    }
    let bytes = serde_json::to_vec(&result)?;
    write(
        "verifier_record",
        "result_ranked",
        &with_selector(8, &bytes),
    )?;
    write("record_json", "result_ranked", &with_selector(5, &bytes))?;

    let decryption: serde_json::Value = serde_json::from_slice(&record("decryption.json")?)?;
    let share = decryption
        .get("shares")
        .and_then(|s| s.get(0))
        .cloned()
        .unwrap_or_default();
    write(
        "record_json",
        "decryption_share",
        &with_selector(4, &serde_json::to_vec(&share)?),
    )?;

    for (selector, name, text) in [
        (9u8, "hex", &b"00ff7a"[..]),
        (9, "base64", b"AAE="),
        (10, "tracker_short", b"1A2B-3C4D-5E6F"),
        (
            10,
            "tracker_full",
            b"beb52f0a4b83d34c2bcbc6706a00e52f9df110f7b52c504a1b7c5658001b0c25",
        ),
        (11, "mix", b"mix-1-0.bin"),
        (11, "mix_decryption", b"mix-decryption-1-2.bin"),
    ] {
        write("verifier_record", name, &with_selector(selector, text))?;
    }
    Ok(())
}

fn rolls() -> Out {
    let rolls: [(&str, &str); 4] = [
        (
            "comma",
            "member_number,name,contact,district\n\
             A-1,Anna Svensson,anna@example.org,north\n\
             B2,\"Berg, Bo\",+46 70-123 45 67,south\n",
        ),
        (
            "semicolon_bom_crlf",
            "\u{feff}District;Contact;Name;Member_Number\r\n\
             Väster-ort;0701234567;Åsa Öberg;77\r\n\
             ;;;\r\n\
             north;c@d.se;\"Quote \"\"Q\"\"\";78\r\n",
        ),
        (
            "errors",
            "member_number,name,contact,district\n\
             1,One,not-a-contact,west\n\
             1,,x@y,north\n\
             \n\
             2,Two,+1 234,south,extra\n",
        ),
        ("header_only", "member_number,name,contact,district\n"),
    ];
    for (name, text) in rolls {
        write("roll_csv", name, text.as_bytes())?;
    }
    Ok(())
}

fn main() -> Out {
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    ballots(&mut rng)?;
    shuffles(&mut rng)?;
    record_files()?;
    rolls()?;
    println!("seeds written to {}/seeds", env!("CARGO_MANIFEST_DIR"));
    Ok(())
}
