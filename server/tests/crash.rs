//! Crash safety of the ballot box: `valurna serve` is killed with SIGKILL
//! at random moments while ballots pour in, and restarted. No ballot that
//! got a receipt may be lost, and the board's chain must still check out.
//! A valid ballot is never refused: each answer is a receipt (201, or 200
//! for one already stored), 503, or a broken connection; the ballots
//! without a receipt are posted again to a running instance and all get one.
//!
//! Needs PostgreSQL like the other database tests: `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), where it creates and
//! drops a database of its own.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use valurna_engine::rng::os_rng;
use valurna_server::cli::demo::inprocess::{DemoConfig, run};
use valurna_server::db;
use valurna_server::http::ballots::ReceiptJson;
use valurna_server::receipt::ReceiptKey;
use valurna_server::record::check::check_record;
use valurna_server::record::setup::check_setup;

fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

async fn admin() -> tokio_postgres::Client {
    let url = admin_url();
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {url}: {e}. Start one (e.g. `service postgresql \
                 start`) or set DATABASE_URL to a server where this user may create databases."
            )
        });
    tokio::spawn(conn);
    client
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let url = url.split('?').next().unwrap_or(url);
    let (scheme, rest) = url.split_once("://").unwrap();
    let host = rest.split_once('/').map_or(rest, |(h, _)| h);
    format!("{scheme}://{host}/{name}")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(url: &str, port: u16, key: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_valurna"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--receipt-key")
        .arg(key)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_ready(http: &reqwest::Client, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let ready = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("valurna serve did not become ready");
}

/// A random duration in `[lo, hi)` milliseconds.
fn random_ms(lo: u64, hi: u64) -> Duration {
    use rand_core::Rng;
    Duration::from_millis(lo + os_rng().next_u64() % (hi - lo))
}

/// What posting one ballot came to.
#[derive(Debug)]
enum Outcome {
    /// A receipt, with the answer's status (201 new, 200 already stored).
    Receipt(u16, ReceiptJson),
    /// 503: the box was busy or shutting down, nothing promised.
    Unavailable,
    /// The connection broke (the kill): nothing promised.
    Broken,
}

/// Posts `ballot`. Any answer but 201/200 with a receipt, 503, or a broken
/// connection fails the test: a ballot box being killed may go silent,
/// never refuse a valid ballot.
async fn post(http: &reqwest::Client, url: &str, ballot: Value) -> Outcome {
    let Ok(r) = http.post(url).json(&json!({"ballot": ballot})).send().await else {
        return Outcome::Broken;
    };
    let status = r.status().as_u16();
    match status {
        200 | 201 => match r.json::<ReceiptJson>().await {
            Ok(receipt) => Outcome::Receipt(status, receipt),
            // The body was cut off by the kill.
            Err(e) if !e.is_decode() => Outcome::Broken,
            Err(e) => panic!("a {status} answer without a receipt: {e}"),
        },
        503 => Outcome::Unavailable,
        _ => panic!(
            "a valid ballot got {status}: {}",
            r.text().await.unwrap_or_default()
        ),
    }
}

/// The ballots posted but still without a receipt, by index.
#[derive(Default)]
struct Outcomes {
    unreceipted: Vec<usize>,
}

impl Outcomes {
    fn note(
        &mut self,
        (i, outcome): (usize, Outcome),
        receipts: &mut HashMap<String, ReceiptJson>,
    ) {
        match outcome {
            Outcome::Receipt(_, receipt) => {
                receipts.insert(receipt.tracker.clone(), receipt);
            }
            Outcome::Unavailable | Outcome::Broken => self.unreceipted.push(i),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_ballot_box_loses_no_receipted_ballot() {
    let admin = admin().await;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("valurna_crash_{}_{nanos}", std::process::id());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let mut config: tokio_postgres::Config = admin_url().parse().unwrap();
    config.dbname(&name);
    let url = with_database(&admin_url(), &name);

    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    run(&DemoConfig {
        voters: 800,
        districts: 2,
        candidates: 4,
        seats: 2,
        trustees: 2,
        threshold: 2,
        revote_percent: 0.0,
        weighted: false,
        out: demo.clone(),
        trustee_dir: None,
        progress: false,
        ranked: None,
        codes_out: None,
    })
    .unwrap();
    let key_file = tmp.path().join("receipt.key");
    let key = ReceiptKey::load_or_create(&key_file).unwrap();
    let pool = db::pool_with(config.clone(), 2).unwrap();
    db::migrate(&pool).await.unwrap();
    let setup = check_setup(&demo).unwrap();
    let id = db::ballot_box::load_election(&pool, &setup, key.public())
        .await
        .unwrap();

    let ballots: Vec<Value> = std::fs::read_to_string(demo.join("board.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["ballot"].clone())
        .collect();
    let http = reqwest::Client::new();
    let mut receipts: HashMap<String, ReceiptJson> = HashMap::new();
    let mut outcomes = Outcomes::default();
    let mut next = 0;
    for _round in 0..5 {
        let port = free_port();
        let mut child = start(&url, port, &key_file);
        wait_ready(&http, port).await;
        // Ballots in flight, 16 at a time, until the kill.
        let url = format!("http://127.0.0.1:{port}/api/elections/{id}/ballots");
        let kill_at = Instant::now() + random_ms(100, 400);
        let mut tasks = tokio::task::JoinSet::new();
        while Instant::now() < kill_at && next < ballots.len() {
            while tasks.len() < 16 && next < ballots.len() {
                let (http, url, ballot) = (http.clone(), url.clone(), ballots[next].clone());
                let i = next;
                next += 1;
                tasks.spawn(async move { (i, post(&http, &url, ballot).await) });
            }
            if let Some(done) = tasks.join_next().await {
                outcomes.note(done.unwrap(), &mut receipts);
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        while let Some(done) = tasks.join_next().await {
            outcomes.note(done.unwrap(), &mut receipts);
        }
    }
    assert!(
        outcomes.unreceipted.len() < next,
        "no ballot got through before the kills"
    );
    // Those never posted go to the last instance too.
    outcomes.unreceipted.extend(next..ballots.len());

    // A last instance, left running: every ballot without a receipt (the
    // connection broke, or the box was busy) is posted again and must now
    // get one — 201 if it was lost, 200 with its receipt if it was stored
    // before the kill. So all 800 ballots end up receipted.
    let port = free_port();
    let mut child = start(&url, port, &key_file);
    wait_ready(&http, port).await;
    let post_url = format!("http://127.0.0.1:{port}/api/elections/{id}/ballots");
    for i in std::mem::take(&mut outcomes.unreceipted) {
        match post(&http, &post_url, ballots[i].clone()).await {
            Outcome::Receipt(status, receipt) => {
                assert!(
                    status == 200 || status == 201,
                    "ballot {i} posted again got {status}"
                );
                receipts.insert(receipt.tracker.clone(), receipt);
            }
            other => panic!("ballot {i} posted again to a running box: {other:?}"),
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(receipts.len(), ballots.len(), "every ballot has a receipt");

    // After the last restart, every receipted ballot is on the board at its
    // position with its head, and the board checks out.
    db::ballot_box::close(&pool, id).await.unwrap();
    let record = tmp.path().join("record");
    db::export::export(&pool, id, &record).await.unwrap();
    check_record(&record).unwrap();
    let board: HashMap<String, Value> = std::fs::read_to_string(record.join("board.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["tracker"].as_str().unwrap().to_string(), v)
        })
        .collect();
    for (tracker, receipt) in &receipts {
        let entry = board
            .get(tracker)
            .unwrap_or_else(|| panic!("a ballot with a receipt is missing: {tracker}"));
        assert_eq!(entry["position"].as_u64().unwrap(), receipt.position);
        assert_eq!(entry["head"].as_str().unwrap(), receipt.head);
    }

    drop(pool);
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
}
