//! An election through the ballot box, `valurna serve`, over HTTP against
//! the real PostgreSQL, then its exported record through the trustees'
//! tally and the observers' verifier.
//!
//! The database comes from `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); the test creates a
//! throwaway database of its own there and drops it at the end. Without a
//! reachable PostgreSQL the test fails and says how to start one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use reqwest::StatusCode;
use serde_json::{Value, json};
use valurna_engine::board::Receipt;
use valurna_engine::credential::{CredentialSecret, VotingCode};
use valurna_engine::encoding::{Element, IdentityRule, decode_hex};
use valurna_engine::manifest::manifest_hash;
use valurna_engine::proofs::SchnorrProof;
use valurna_server::cli::demo::inprocess::{DemoConfig, run};
use valurna_server::db;
use valurna_server::http::AppState;
use valurna_server::http::ballots::ReceiptJson;
use valurna_server::receipt::ReceiptKey;
use valurna_server::record::setup::check_setup;
use valurna_server::record::tally::{tally_finish, trustee_decrypt};

mod common;
use common::{TestDb, b64, serve_on_free_port, snapshot, unb64};

fn board_lines(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("board.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A demo election (its set-up only) loaded into a ballot box that serves
/// on a free port, with a throwaway database.
struct BallotBox {
    db: TestDb,
    tmp: tempfile::TempDir,
    /// The demo's record: its board holds the ballots to cast.
    demo: std::path::PathBuf,
    /// The trustees' key shares.
    shares: std::path::PathBuf,
    pool: db::Pool,
    base_hash: [u8; 32],
    server_key: Element,
    id: i64,
    root: String,
}

impl BallotBox {
    async fn start(config: DemoConfig) -> BallotBox {
        BallotBox::start_with(config, |s| s).await
    }

    /// [`BallotBox::start`] with the server's state adjusted by `adjust`.
    async fn start_with(
        config: DemoConfig,
        adjust: impl FnOnce(AppState) -> AppState,
    ) -> BallotBox {
        let db = TestDb::create().await;
        let tmp = tempfile::tempdir().unwrap();
        let demo = tmp.path().join("demo");
        let shares = tmp.path().join("shares");
        run(&DemoConfig {
            out: demo.clone(),
            trustee_dir: Some(shares.clone()),
            progress: false,
            codes_out: Some(tmp.path().join("codes.jsonl")),
            ..config
        })
        .unwrap();
        // Only the set-up goes to the ballot box.
        let setup_dir = tmp.path().join("setup");
        std::fs::create_dir_all(&setup_dir).unwrap();
        for f in [
            "manifest.json",
            "parameters.json",
            "ceremony.json",
            "credentials.jsonl",
        ] {
            std::fs::copy(demo.join(f), setup_dir.join(f)).unwrap();
        }
        let pool = db::pool_with(db.config.clone(), 4).unwrap();
        db::migrate(&pool).await.unwrap();
        db::migrate(&pool).await.unwrap(); // idempotent
        let key = ReceiptKey::load_or_create(&tmp.path().join("receipt.key")).unwrap();
        let server_key = *key.public();
        let setup = check_setup(&setup_dir).unwrap();
        let id = db::ballot_box::load_election(&pool, &setup, &server_key)
            .await
            .unwrap();
        let root = serve_on_free_port(adjust(AppState::new(pool.clone(), key))).await;
        BallotBox {
            db,
            tmp,
            demo,
            shares,
            pool,
            base_hash: setup.base_hash,
            server_key,
            id,
            root,
        }
    }

    /// `…/api/elections/{id}`.
    fn base(&self) -> String {
        format!("{}/api/elections/{}", self.root, self.id)
    }

    async fn stop(self) {
        drop(self.pool);
        self.db.drop_now().await;
    }
}

fn demo_config() -> DemoConfig {
    DemoConfig {
        voters: 120,
        districts: 2,
        candidates: 4,
        seats: 2,
        trustees: 3,
        threshold: 2,
        revote_percent: 10.0,
        weighted: true,
        out: std::path::PathBuf::new(),
        trustee_dir: None,
        progress: false,
        ranked: None,
        codes_out: None,
    }
}

/// The secret of the demo voter whose credential is `credential`, from the
/// demo's voting codes.
fn credential_of(bb: &BallotBox, credential: &[u8]) -> CredentialSecret {
    let manifest = std::fs::read(bb.demo.join("manifest.json")).unwrap();
    let m_hash = manifest_hash(&manifest);
    std::fs::read_to_string(bb.tmp.path().join("codes.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            VotingCode::parse(v["code"].as_str().unwrap())
                .unwrap()
                .secret(&m_hash)
        })
        .find(|s| s.public().as_bytes() == credential)
        .expect("a demo voter's credential")
}

/// A GET's JSON answer.
async fn get_json<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: String) -> T {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

/// The board's length through the API.
async fn count(http: &reqwest::Client, base: &str) -> u64 {
    let head: Value = get_json(http, format!("{base}/board/head")).await;
    head["count"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_election_through_the_ballot_box_verifies() {
    // The committee prepares an election (manifest, ceremony, credentials)
    // and loads it; the demo's voters' devices provide the ballots, in the
    // demo's order.
    let bb = BallotBox::start(demo_config()).await;
    let (tmp, demo, shares, pool, id) = (&bb.tmp, &bb.demo, &bb.shares, &bb.pool, bb.id);
    let server_key = bb.server_key;
    let root = bb.root.clone();
    let base = bb.base();
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{root}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // Every ballot but the last, in the demo's order: each gets a signed
    // receipt with the position and head the demo's board has.
    let lines = board_lines(demo);
    let (held_back, to_cast) = lines.split_last().unwrap();
    let base_hash = bb.base_hash;
    let mut first_receipt = None;
    for line in to_cast {
        let r = http
            .post(format!("{base}/ballots"))
            .json(&json!({"ballot": line["ballot"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        let receipt: ReceiptJson = r.json().await.unwrap();
        assert_eq!(receipt.position, line["position"].as_u64().unwrap());
        assert_eq!(receipt.tracker, line["tracker"].as_str().unwrap());
        assert_eq!(receipt.head, line["head"].as_str().unwrap());
        assert_eq!(receipt.server_key, server_key.to_hex());
        let signed = Receipt {
            position: receipt.position,
            tracker: decode_hex(&receipt.tracker).unwrap().try_into().unwrap(),
            head: decode_hex(&receipt.head).unwrap().try_into().unwrap(),
        };
        let signature = SchnorrProof::decode(&decode_hex(&receipt.signature).unwrap()).unwrap();
        let public = Element::decode(
            &decode_hex(&receipt.server_key).unwrap(),
            IdentityRule::Forbidden,
        )
        .unwrap();
        signed.verify(&base_hash, &public, &signature).unwrap();
        first_receipt.get_or_insert(receipt);
    }
    let cast = to_cast.len() as u64;
    assert_eq!(count(&http, &base).await, cast);
    // Every table, as it stands: the refusals below leave it so.
    let dbc = bb.pool.get().await.unwrap();
    let before = snapshot(&dbc).await;

    // The same ballot again: the same receipt, nothing stored.
    let first = &to_cast[0];
    let r = http
        .post(format!("{base}/ballots"))
        .json(&json!({"ballot": first["ballot"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<ReceiptJson>().await.unwrap(),
        first_receipt.unwrap()
    );
    assert_eq!(count(&http, &base).await, cast);

    // Bad requests: each a 4xx with a JSON error, and nothing stored.
    let good = unb64(held_back["ballot"].as_str().unwrap());
    let other = unb64(to_cast[1]["ballot"].as_str().unwrap());
    // The voter copies selection 0's zero-one proof from another ballot and
    // signs the result with their own credential: the signature is valid,
    // the proof is not (it is bound to the other ballot's credential and
    // ciphertext). Contest data starts after enc(C) ‖ u32(k) ‖ u32(index);
    // selection 0's zero-one proof follows the 4 ciphertexts.
    let voter = credential_of(&bb, &good[..32]);
    let mut spliced = good.clone();
    let at = 40 + 64 * 4;
    spliced[at..at + 224].copy_from_slice(&other[at..at + 224]);
    let proof_from_another_ballot = common::resign(&base_hash, &voter, &spliced);
    let mut non_canonical = good.clone();
    non_canonical[40 + 64 * 4 + 192 + 31] |= 0xf0;
    let mut identity_a = good.clone();
    identity_a[40..72].fill(0);
    // The generator's encoding: a valid element that is nobody's credential.
    let mut unlisted = good.clone();
    unlisted[..32].copy_from_slice(
        &decode_hex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76").unwrap(),
    );
    let post_json = |body: Value| {
        let http = http.clone();
        let url = format!("{base}/ballots");
        async move { http.post(url).json(&body).send().await.unwrap() }
    };
    let cases: Vec<(&str, reqwest::Response, StatusCode, &str)> = vec![
        (
            "malformed JSON",
            http.post(format!("{base}/ballots"))
                .header("content-type", "application/json")
                .body("{\"ballot\": ")
                .send()
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "wrong content type",
            http.post(format!("{base}/ballots"))
                .body("{}")
                .send()
                .await
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type",
        ),
        (
            "missing field",
            post_json(json!({})).await,
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "unknown field",
            post_json(json!({"ballot": b64(&good), "vote": 1})).await,
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "not base64",
            post_json(json!({"ballot": "not base64!"})).await,
            StatusCode::BAD_REQUEST,
            "malformed_ballot",
        ),
        (
            "truncated ballot",
            post_json(json!({"ballot": b64(&good[..good.len() - 1])})).await,
            StatusCode::BAD_REQUEST,
            "malformed_ballot",
        ),
        (
            "non-canonical scalar",
            post_json(json!({"ballot": b64(&non_canonical)})).await,
            StatusCode::BAD_REQUEST,
            "malformed_ballot",
        ),
        (
            "the identity as a ciphertext",
            post_json(json!({"ballot": b64(&identity_a)})).await,
            StatusCode::BAD_REQUEST,
            "malformed_ballot",
        ),
        (
            "a proof from another ballot",
            post_json(json!({"ballot": b64(&proof_from_another_ballot)})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_ballot",
        ),
        (
            "oversized body",
            post_json(json!({"ballot": "A".repeat(5 << 20)})).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "an unlisted credential",
            post_json(json!({"ballot": b64(&unlisted)})).await,
            StatusCode::FORBIDDEN,
            "unlisted_credential",
        ),
        (
            "an unknown route",
            http.get(format!("{root}/api/nothing"))
                .send()
                .await
                .unwrap(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "an election id that is not a number",
            http.get(format!("{root}/api/elections/abc/board/head"))
                .send()
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "malformed_path",
        ),
        (
            "a negative page start",
            http.get(format!("{base}/board?from=-1"))
                .send()
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "malformed_query",
        ),
        (
            "a malformed tracker",
            http.get(format!("{base}/trackers/XYZ"))
                .send()
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "malformed_tracker",
        ),
        (
            "unknown election",
            http.post(format!("{root}/api/elections/999999/ballots"))
                .json(&json!({"ballot": b64(&good)}))
                .send()
                .await
                .unwrap(),
            StatusCode::NOT_FOUND,
            "no_such_election",
        ),
    ];
    for (name, response, status, code) in cases {
        assert_eq!(response.status(), status, "{name}");
        // A body the server did not read to its end leaves the connection
        // unusable: the answer must say so, or the client reuses it and
        // loses its next request.
        let closes = response
            .headers()
            .get("connection")
            .is_some_and(|v| v == "close");
        assert_eq!(closes, status == StatusCode::PAYLOAD_TOO_LARGE, "{name}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], code, "{name}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{name}"
        );
    }
    assert_eq!(
        snapshot(&dbc).await,
        before,
        "a repeated ballot or a bad request changed the database"
    );
    drop(dbc);
    // The positive control of the copied proof: the same voter's ballot,
    // re-signed the same way but unchanged, is a valid (re)vote.
    let resigned = common::resign(&base_hash, &voter, &good);
    assert_ne!(resigned, good);
    let r = post_json(json!({"ballot": b64(&resigned)})).await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let cast = cast + 1;

    // The public board, a tracker, turnout.
    let page: Vec<Value> = get_json(&http, format!("{base}/board?from=2&limit=3")).await;
    assert_eq!(page.len(), 3);
    assert_eq!(page[0], lines[2]);
    let status: Value = get_json(
        &http,
        format!("{base}/trackers/{}", lines[0]["tracker"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status["position"], 0);
    let turnout: Vec<Value> = get_json(&http, format!("{base}/turnout")).await;
    assert_eq!(
        turnout
            .iter()
            .map(|d| d["eligible"].as_u64().unwrap())
            .sum::<u64>(),
        120
    );

    // Closing seals the board; a new ballot is refused afterwards.
    let seal = db::ballot_box::close(pool, id).await.unwrap();
    let r = post_json(json!({"ballot": held_back["ballot"]})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "election_closed");
    let head: Value = get_json(&http, format!("{base}/board/head")).await;
    assert_eq!(head["seal"], hex::encode(seal));

    // A ballot box holding another receipt key than the one the election
    // was loaded with refuses to sign for it.
    let other_key = ReceiptKey::load_or_create(&tmp.path().join("other.key")).unwrap();
    let wrong = serve_on_free_port(AppState::new(pool.clone(), other_key)).await;
    let r = http
        .post(format!("{wrong}/api/elections/{id}/ballots"))
        .json(&json!({"ballot": to_cast[2]["ballot"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "wrong_receipt_key"
    );

    // The record: exported, decrypted by two trustees, tallied, verified
    // by the independent verifier. (With a pool of one connection: the
    // export must not need two.)
    let record = tmp.path().join("record");
    let single = db::pool_with(bb.db.config.clone(), 1).unwrap();
    db::export::export(&single, id, &record).await.unwrap();
    drop(single);
    for i in [1, 3] {
        trustee_decrypt(&record, &shares.join(format!("trustee-{i}.share"))).unwrap();
    }
    tally_finish(&record).unwrap();
    for f in std::fs::read_dir(&record).unwrap() {
        let f = f.unwrap().path();
        if f.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("decryption-share-")
        {
            std::fs::remove_file(f).unwrap();
        }
    }
    let report = valurna_verifier::verify_record(&record, &valurna_verifier::Options::default());
    assert!(report.verified, "{}", report.to_text());
    assert_eq!(report.turnout.unwrap().board_entries, cast);
    bb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_casts_get_distinct_positions_on_one_chain() {
    let bb = BallotBox::start(DemoConfig {
        voters: 150,
        districts: 3,
        candidates: 3,
        seats: 1,
        trustees: 2,
        revote_percent: 0.0,
        weighted: false,
        ..demo_config()
    })
    .await;
    let (tmp, demo, pool, id) = (&bb.tmp, &bb.demo, &bb.pool, bb.id);
    let http = reqwest::Client::new();
    let url = format!("{}/ballots", bb.base());

    // Every ballot at once, and each one twice: 300 requests in flight.
    let lines = board_lines(demo);
    let mut tasks = tokio::task::JoinSet::new();
    for line in lines.iter().chain(lines.iter()) {
        let (http, url, ballot) = (http.clone(), url.clone(), line["ballot"].clone());
        tasks.spawn(async move {
            // A busy ballot box (503) is tried again, as a booth would.
            loop {
                let r = http
                    .post(&url)
                    .json(&json!({"ballot": ballot}))
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                }
                return (status, r.json::<ReceiptJson>().await.unwrap());
            }
        });
    }
    let mut receipts = std::collections::HashMap::new();
    let mut created = 0;
    while let Some(done) = tasks.join_next().await {
        let (status, receipt) = done.unwrap();
        assert!(status == StatusCode::CREATED || status == StatusCode::OK);
        created += u32::from(status == StatusCode::CREATED);
        // Both posts of a ballot got the same receipt.
        if let Some(other) = receipts.insert(receipt.tracker.clone(), receipt.clone()) {
            assert_eq!(other, receipt);
        }
    }
    assert_eq!(
        created as usize,
        lines.len(),
        "each ballot stored exactly once"
    );
    let mut positions: Vec<u64> = receipts.values().map(|r| r.position).collect();
    positions.sort_unstable();
    assert_eq!(positions, (0..lines.len() as u64).collect::<Vec<_>>());

    // An open election is not exported, and a failed export leaves nothing.
    let early = tmp.path().join("early");
    assert!(matches!(
        db::export::export(pool, id, &early).await,
        Err(db::StoreError::StillOpen)
    ));
    assert!(!early.exists() && !early.with_extension("partial").exists());

    // The board they make is one valid chain: the verifier's board checks.
    db::ballot_box::close(pool, id).await.unwrap();
    let record = tmp.path().join("record");
    db::export::export(pool, id, &record).await.unwrap();
    // An export never overwrites one.
    assert!(db::export::export(pool, id, &record).await.is_err());
    let report = valurna_verifier::verify_record(&record, &valurna_verifier::Options::default());
    for check in valurna_verifier::Check::BOARD {
        assert_eq!(
            report.status(check),
            valurna_verifier::Status::Pass,
            "{check:?}"
        );
    }
    // Each receipt's head is the head at its position on the exported board.
    for line in board_lines(&record) {
        let r = &receipts[line["tracker"].as_str().unwrap()];
        assert_eq!(r.position, line["position"].as_u64().unwrap());
        assert_eq!(r.head, line["head"].as_str().unwrap());
    }
    bb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_whose_ballots_keep_failing_is_answered_429() {
    // server/src/http/limits.rs. A limit of 3 refusals per
    // 10 s; then even a valid ballot from that address waits, unstored.
    let bb = BallotBox::start_with(demo_config(), |s| s.with_abuse_limit(3)).await;
    let http = reqwest::Client::new();
    let url = format!("{}/ballots", bb.base());
    let lines = board_lines(&bb.demo);
    let mut bad = unb64(lines[0]["ballot"].as_str().unwrap());
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let dbc = bb.pool.get().await.unwrap();
    let before = snapshot(&dbc).await;
    for _ in 0..3 {
        let r = http
            .post(&url)
            .json(&json!({"ballot": b64(&bad)}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "invalid_ballot");
    }
    let r = http
        .post(&url)
        .json(&json!({"ballot": lines[0]["ballot"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "10");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(snapshot(&dbc).await, before, "a refused ballot was stored");
    drop(dbc);
    bb.stop().await;
}

/// The `valurna_turnout_scans_total` counter of `/metrics`.
async fn turnout_scans(http: &reqwest::Client, root: &str) -> u64 {
    let text = http
        .get(format!("{root}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("valurna_turnout_scans_total "))
        .unwrap_or_else(|| panic!("no turnout counter in {text}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_polling_turnout_cost_one_scan_per_board_change() {
    // server/src/http/turnout.rs: sixteen readers at once while the board
    // stands still cost one scan; a new ballot is seen by the next read.
    let bb = BallotBox::start_with(demo_config(), |s| {
        s.with_metrics_access(valurna_server::http::state::MetricsAccess {
            from: vec!["127.0.0.0/8".parse().unwrap()],
            token: None,
        })
    })
    .await;
    let http = reqwest::Client::new();
    let base = bb.base();
    let lines = board_lines(&bb.demo);
    let voted = |rows: &Vec<Value>| {
        rows.iter()
            .map(|d| d["voted"].as_u64().unwrap())
            .sum::<u64>()
    };
    let cast = |line: &Value| {
        let (http, url, ballot) = (
            http.clone(),
            format!("{base}/ballots"),
            line["ballot"].clone(),
        );
        async move {
            let r = http
                .post(url)
                .json(&json!({ "ballot": ballot }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
        }
    };
    cast(&lines[0]).await;
    cast(&lines[1]).await;
    assert_eq!(turnout_scans(&http, &bb.root).await, 0);
    let voters = |n: usize| {
        let credentials: std::collections::HashSet<Vec<u8>> = lines[..n]
            .iter()
            .map(|l| unb64(l["ballot"].as_str().unwrap())[..32].to_vec())
            .collect();
        credentials.len() as u64
    };
    let reads: Vec<_> = (0..16)
        .map(|_| {
            let (http, url) = (http.clone(), format!("{base}/turnout"));
            tokio::spawn(async move { get_json::<Vec<Value>>(&http, url).await })
        })
        .collect();
    let mut answers = Vec::new();
    for read in reads {
        answers.push(read.await.unwrap());
    }
    assert!(
        answers
            .iter()
            .all(|a| *a == answers[0] && voted(a) == voters(2)),
        "{answers:?}"
    );
    assert_eq!(turnout_scans(&http, &bb.root).await, 1);
    let again: Vec<Value> = get_json(&http, format!("{base}/turnout")).await;
    assert_eq!(again, answers[0]);
    assert_eq!(turnout_scans(&http, &bb.root).await, 1);

    cast(&lines[2]).await;
    let after: Vec<Value> = get_json(&http, format!("{base}/turnout")).await;
    assert_eq!(voted(&after), voters(3), "{after:?}");
    assert!(voters(3) > voters(2), "the third ballot is a new voter's");
    assert_eq!(turnout_scans(&http, &bb.root).await, 2);
    bb.stop().await;
}
