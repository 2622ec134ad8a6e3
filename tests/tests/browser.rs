//! The web pages in a real browser: the demo election (`valurna demo
//! --serve`'s seed) on a throwaway database, served on a free port, and
//! `web/e2e/browser.test.mjs` run against it in headless Chromium through
//! playwright-core. Members vote through the booth (one audits a ballot
//! first, one votes again), find their trackers on the board; the
//! committee closes voting, the demo's trustees decrypt, and the result
//! must count exactly the ballots cast. Screenshots at phone and desktop
//! widths, and the in-browser encryption timing, go to
//! `target/browser-tests/pages/`.
//!
//! Needs what `scripts/test` makes ready: the booth's WebAssembly
//! (`web/build.sh`), Node.js with `web/e2e`'s packages (`npm ci`), and
//! Chromium (`CHROMIUM`, default `/usr/bin/chromium`). It fails, saying
//! which is missing, rather than skip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{
    TestDb, assert_shots, browser_tools, run_browser_tests, serve_on_free_port, workspace,
};
use valurna_server::cli::demo::serve::{SeedOptions, seed, spawn_trustees, write_files};
use valurna_server::db;
use valurna_server::http::AppState;
use valurna_server::receipt::ReceiptKey;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_vote_and_the_committee_tallies_in_a_real_browser() {
    let root = workspace();
    let chromium = browser_tools();

    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::pool_with(db.config.clone(), 8).unwrap();
    db::migrate(&pool).await.unwrap();
    let key = ReceiptKey::load_or_create(&tmp.path().join("receipt.key")).unwrap();
    let state = AppState::new(pool, key)
        .with_data_dir(tmp.path().join("data"))
        .with_web_dir(root.join("web/static/pkg"));
    let demo_dir = tmp.path().join("demo");
    let election = seed(
        &state,
        &SeedOptions {
            dir: demo_dir.clone(),
            voters: 10,
            password: "a demo password for the browser tests".into(),
        },
    )
    .await
    .unwrap();
    let url = serve_on_free_port(state.clone()).await;
    write_files(&demo_dir, &url, &election).unwrap();
    let trustees = spawn_trustees(&state, &election, Duration::from_millis(500));
    // A second server on an empty database, for the first-run page, with
    // the setup token `valurna serve` would print.
    let fresh_db = TestDb::create().await;
    let fresh_pool = db::pool_with(fresh_db.config.clone(), 4).unwrap();
    db::migrate(&fresh_pool).await.unwrap();
    let setup_token = valurna_server::http::first_run::new_setup_token(&fresh_pool)
        .await
        .unwrap()
        .expect("an empty database gets a setup token");
    let fresh_key = ReceiptKey::load_or_create(&tmp.path().join("fresh-receipt.key")).unwrap();
    let fresh_url = serve_on_free_port(
        AppState::new(fresh_pool, fresh_key)
            .with_data_dir(tmp.path().join("fresh-data"))
            .with_web_dir(root.join("web/static/pkg")),
    )
    .await;

    let out = root.join("target/browser-tests/pages");
    std::fs::create_dir_all(&out).unwrap();
    run_browser_tests(
        "browser.test.mjs",
        &chromium,
        &out,
        &[
            ("VALURNA_URL", url.clone()),
            (
                "VALURNA_DEMO",
                demo_dir.join("demo.json").display().to_string(),
            ),
            ("VALURNA_FRESH_URL", fresh_url.clone()),
            ("VALURNA_SETUP_TOKEN", setup_token.as_str().to_string()),
        ],
        Duration::from_secs(600),
    )
    .await;
    // The trustees' task ended because the result is published.
    let ended = tokio::time::timeout(Duration::from_secs(30), trustees)
        .await
        .expect("the demo's trustees finished");
    ended.unwrap().unwrap();
    assert_shots(
        &out,
        &[
            "booth-choose-phone",
            "booth-audit-phone",
            "booth-receipt-phone",
            "booth-choose-desktop",
            "dashboard-phone",
            "dashboard-desktop",
            "result-phone",
            "result-desktop",
        ],
    );
    assert!(out.join("encryption-timing.json").is_file());
    db.drop_now().await;
    fresh_db.drop_now().await;
}
