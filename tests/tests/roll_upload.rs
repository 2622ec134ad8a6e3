//! The roll upload is read as it arrives: a file of half a million members
//! is previewed and applied while the process's peak memory grows by less
//! than a fifth of the file (reading the file whole, then the members and
//! their difference, grew it by several times the file). Its own test
//! binary, so that the process's peak is this test's.
//!
//! The client streams the file as it writes it, so the peak is the
//! server's. `VALURNA_ROLL_MEMBERS` sets the size (the long form in
//! `benches/RESULTS.md` uses 4 million).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use reqwest::{Method, StatusCode};
use serde_json::Value;

mod common;
use common::{Api, served_platform, tenant};

/// Members in the file, besides the tenant's two.
fn members() -> u64 {
    std::env::var("VALURNA_ROLL_MEMBERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500_000)
}

/// The process's peak resident memory, in bytes (`VmHWM`).
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kib * 1024
}

/// The file's rows `from..to`, as CSV text.
fn rows(slug: &str, from: u64, to: u64) -> String {
    let mut text = String::new();
    for n in from..to {
        text.push_str(&format!(
            "X{n:07},Member {n} Lindqvist-Andersson,member{n}@union.example.org,North\n"
        ));
    }
    if from == 0 {
        // The tenant's own two members, unchanged (one of them is in a nomination).
        text.insert_str(
            0,
            &format!(
                "member_number,name,contact,district\n{slug}1,Anna,anna@{slug}.example,North\n\
                 {slug}2,Bo,bo@{slug}.example,North\n"
            ),
        );
    }
    text
}

/// Uploads the file of `n` members, written as it is sent, in chunks of
/// 1,000 rows; the answer and the file's size.
async fn upload(api: &Api, path: &str, slug: &str, n: u64) -> (StatusCode, Value, u64) {
    const CHUNK: u64 = 1_000;
    let size: u64 = (0..n.div_ceil(CHUNK))
        .map(|k| rows(slug, k * CHUNK, ((k + 1) * CHUNK).min(n)).len() as u64)
        .sum();
    let slug = slug.to_owned();
    let chunks =
        futures_util::stream::iter((0..n.div_ceil(CHUNK)).map(move |k| {
            Ok::<_, std::io::Error>(rows(&slug, k * CHUNK, ((k + 1) * CHUNK).min(n)))
        }));
    let (status, body, _) = Api::answer(
        api.request(Method::POST, path)
            .header("content-type", "text/csv")
            .body(reqwest::Body::wrap_stream(chunks)),
    )
    .await;
    (status, body, size)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_roll_is_imported_in_memory_that_does_not_grow_with_it() {
    let (db, pool, _tmp, root, platform) = served_platform().await;
    let t = tenant(&root, &platform, "big").await;
    let committee = &t.staff[1].1;
    let path = format!("/api/elections/{}/roll", t.election);

    // A small file first, so that what every import allocates once is in
    // the baseline.
    let (s, small, _) = upload(committee, &path, "big", 2_000).await;
    assert_eq!(s, StatusCode::OK, "{small}");
    assert_eq!(small["added"], 2_000);
    let before = peak_memory();

    let n = members();
    let (s, preview, size) = upload(committee, &path, "big", n).await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    assert_eq!(preview["added"], n);
    assert_eq!(preview["unchanged"], 2);
    assert_eq!(preview["removed"], 0);
    assert_eq!(preview["members"]["added"].as_array().unwrap().len(), 1_000);
    assert_eq!(preview["members"]["added"][0], "X0000000");
    let digest = preview["digest"].as_str().unwrap().to_owned();
    let (s, applied, _) = upload(committee, &format!("{path}?apply={digest}"), "big", n).await;
    assert_eq!(s, StatusCode::OK, "{applied}");
    assert_eq!(applied["applied"], true);
    let after = peak_memory();

    let client = pool.get().await.unwrap();
    let on_roll: i64 = client
        .query_one(
            "SELECT count(*) FROM members WHERE setup = $1",
            &[&t.election],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(on_roll as u64, n + 2);
    drop(client);

    let grown = after.saturating_sub(before);
    eprintln!(
        "roll of {n} members, {size} bytes: peak memory grew by {} KiB",
        grown / 1024
    );
    assert!(
        grown < size / 5,
        "peak memory grew by {grown} bytes for a file of {size} bytes"
    );
    db.drop_now().await;
}
