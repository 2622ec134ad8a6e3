//! `valurna demo --serve`'s election (`valurna_server::demo_serve`) on a
//! throwaway database: seeded through the server's own API, it is open
//! for voting with the promised districts, candidates and codes; a voter's
//! device casts a ballot with a printed code; the committee closes voting
//! through the API; and the demo's trustees decrypt by themselves, so the
//! published result (which passes the verifier) counts that ballot.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use valurna_engine::ballot::{Ballot, BallotContext};
use valurna_engine::credential::VotingCode;
use valurna_engine::manifest::{Manifest, manifest_hash};
use valurna_engine::record::Parameters;
use valurna_engine::rng::os_rng;
use valurna_server::cli::demo::serve::{self as demo_serve, SeedOptions};
use valurna_server::db;
use valurna_server::http::AppState;
use valurna_server::receipt::ReceiptKey;

mod common;
use common::{TestDb, b64, serve_on_free_port};

async fn get(http: &reqwest::Client, url: &str) -> Value {
    let r = http.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "GET {url}");
    r.json().await.unwrap()
}

async fn get_bytes(http: &reqwest::Client, url: &str) -> Vec<u8> {
    let r = http.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "GET {url}");
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_election_is_open_and_its_trustees_publish_the_result() {
    let started = Instant::now();
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let pool = db::pool_with(db.config.clone(), 8).unwrap();
    db::migrate(&pool).await.unwrap();
    let key = ReceiptKey::load_or_create(&tmp.path().join("receipt.key")).unwrap();
    let state = AppState::new(pool.clone(), key).with_data_dir(tmp.path().join("data"));

    // Seeded through the API, the election is open.
    let password = "demo password for the test";
    let election = demo_serve::seed(
        &state,
        &SeedOptions {
            dir: dir.clone(),
            voters: 12,
            password: password.into(),
        },
    )
    .await
    .unwrap();
    let seeded = started.elapsed();
    let root = serve_on_free_port(state.clone()).await;
    demo_serve::write_files(&dir, &root, &election).unwrap();
    let trustees = demo_serve::spawn_trustees(&state, &election, Duration::from_millis(200));

    // demo.json, as the browser tests read it.
    let demo: Value =
        serde_json::from_slice(&std::fs::read(dir.join("demo.json")).unwrap()).unwrap();
    assert_eq!(demo["url"], root.as_str());
    assert_eq!(demo["election"], election.id);
    assert_eq!(demo["committee"]["username"], "committee");
    assert_eq!(demo["committee"]["password"], password);
    let codes = &demo["codes"];
    for district in ["North", "South"] {
        let list = codes[district].as_array().unwrap();
        assert_eq!(list.len(), 12, "{district}");
        for c in list {
            VotingCode::parse(c.as_str().unwrap()).unwrap();
        }
    }
    let csv = std::fs::read_to_string(dir.join("voting-codes.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 24);
    assert!(csv.contains(codes["South"][11].as_str().unwrap()));
    for t in &election.trustees {
        assert!(t.share().is_file(), "trustee {}'s share", t.index);
    }
    let summary = demo_serve::summary(&root, &dir, &election).unwrap();
    assert!(summary.contains(&format!("{root}/elections/{}/vote", election.id)));
    assert!(summary.contains(codes["North"][0].as_str().unwrap()));

    // The committee signs in as a browser would and sees the election open.
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{root}/api/login"))
        .json(&json!({"username": "committee", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = login.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let session: Value = login.json().await.unwrap();
    let csrf = session["csrf_token"].as_str().unwrap().to_string();
    let s = format!("{root}/api/elections/{}", election.id);
    let committee_get = |url: String| {
        let (http, cookie) = (http.clone(), cookie.clone());
        async move {
            let r = http
                .get(url)
                .header(reqwest::header::COOKIE, cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    };
    let overview = committee_get(s.clone()).await;
    assert_eq!(overview["status"], "open", "{overview}");
    assert_eq!(overview["election_id"], "delegates-demo");
    assert_eq!(overview["title"], "Delegates 2027");
    assert_eq!(
        (&overview["trustees"], &overview["threshold"]),
        (&json!(3), &json!(2))
    );
    let districts: Vec<(String, u64, u64, u64)> = overview["districts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["district"].as_str().unwrap().to_string(),
                d["seats"].as_u64().unwrap(),
                d["approved"].as_u64().unwrap(),
                d["eligible"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        districts,
        [
            ("North".to_string(), 3, 10, 12),
            ("South".to_string(), 2, 4, 12)
        ]
    );
    let candidates = get(&http, &format!("{s}/candidates")).await;
    let candidates = candidates.as_array().unwrap();
    assert_eq!(candidates.len(), 14);
    assert!(candidates.iter().all(|c| {
        c["presentation"]
            .as_str()
            .is_some_and(|p| p.len() > 20 && p.len() < 300)
    }));

    // A voter's device: the manifest and parameters from the ballot box, the
    // code from the printout; it chooses two North candidates.
    let e = format!("{root}/api/elections/{}", election.id);
    let manifest_bytes = get_bytes(&http, &format!("{e}/manifest.json")).await;
    let manifest = Manifest::from_json(&manifest_bytes).unwrap();
    let parameters: Parameters =
        serde_json::from_slice(&get_bytes(&http, &format!("{e}/parameters.json")).await).unwrap();
    let north = manifest.contests_of("North")[0];
    assert_eq!(manifest.contests[north].candidates.len(), 10);
    assert_eq!(manifest.contests[north].seats, 3);
    let south = manifest.contests_of("South")[0];
    assert_eq!(manifest.contests[south].candidates.len(), 4);
    let ctx = BallotContext {
        base_hash: parameters.computed_base_hash().unwrap(),
        key: parameters.joint_key().unwrap(),
        shapes: manifest.contests.iter().map(|c| c.shape()).collect(),
        preferences: manifest.preferences(),
    };
    let code = VotingCode::parse(codes["North"][0].as_str().unwrap()).unwrap();
    let secret = code.secret(&manifest_hash(&manifest_bytes));
    let mut bits = vec![false; 10];
    bits[2] = true;
    bits[7] = true;
    let (ballot, _) = Ballot::encrypt(
        &ctx,
        &secret,
        &[(north as u32, bits.clone())],
        &mut os_rng(),
    )
    .unwrap();
    let cast = http
        .post(format!("{e}/ballots"))
        .json(&json!({"ballot": b64(&ballot.to_bytes())}))
        .send()
        .await
        .unwrap();
    assert_eq!(cast.status(), StatusCode::CREATED);

    // The committee closes voting through the API.
    let closed = http
        .post(format!("{s}/close"))
        .header(reqwest::header::COOKIE, &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), StatusCode::OK);
    let closing = Instant::now();

    // The demo's trustees decrypt by themselves: the result is published.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let overview = committee_get(s.clone()).await;
        if overview["status"] == "tallied" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no result 60 s after closing: {overview}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let tallied = closing.elapsed();
    tokio::time::timeout(Duration::from_secs(10), trustees)
        .await
        .expect("the trustees' task ended")
        .unwrap()
        .unwrap();
    let result = get(&http, &format!("{e}/record/result.json")).await;
    let counts: Vec<u64> = result["contests"][north]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = bits.iter().map(|b| u64::from(*b)).collect();
    assert_eq!(counts, expected);
    let south_counts = result["contests"][south]["counts"].as_array().unwrap();
    assert!(south_counts.iter().all(|n| n == 0));

    // Anyone can check the record the trustees' shares completed.
    let record = tmp.path().join("published");
    std::fs::create_dir_all(&record).unwrap();
    for f in get(&http, &format!("{e}/record")).await.as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let bytes = get_bytes(&http, &format!("{e}/record/{name}")).await;
        std::fs::write(record.join(name), bytes).unwrap();
    }
    let report = valurna_verifier::verify_record(&record, &valurna_verifier::Options::default());
    assert!(report.verified, "{}", report.to_text());

    eprintln!(
        "demo seeded in {seeded:.1?}; result published {tallied:.1?} after closing; \
         {:.1?} in all",
        started.elapsed()
    );
    drop(pool);
    db.drop_now().await;
}
