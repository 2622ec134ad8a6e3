//! A committee's whole election from an empty database, in a real
//! browser: `web/e2e/acceptance.test.mjs` in headless Chromium. The
//! platform admin sets up the platform with the setup token, creates an
//! organisation and invites its admin, who invites a committee member and
//! three trustees; the committee builds an election with three districts,
//! maps and imports a register of 300 members, runs nominations with
//! members, fixes the ballot, schedules voting to open and close a minute
//! apart; members vote in the booth; at the close the trustees decrypt
//! and the result and the PDF protocol appear. The test makes no API call
//! of its own: everything is done on the pages, except the steps of the
//! trustee who prefers their own machine and the decryption, which run
//! `valurna trustee ceremony|decrypt --server URL` (the command line,
//! talking to the server's API): two trustees hold the key ceremony on
//! their trustee pages, the third by the command line, all at once; one
//! of the two decrypts on their page (which checks the record and
//! recomputes the tally first), the third with the command line.
//!
//! Afterwards the record the server published must verify with
//! `valurna-verify`'s library. Needs what `scripts/test` makes ready (see
//! [`common::browser_tools`]).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{
    TestDb, assert_shots, browser_tools, run_browser_tests, serve_on_free_port, workspace,
    workspace_binary,
};
use valurna_server::db;
use valurna_server::http::AppState;
use valurna_server::receipt::ReceiptKey;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_committee_runs_an_election_from_an_empty_database_in_a_real_browser() {
    let root = workspace();
    let chromium = browser_tools();
    let valurna = workspace_binary("valurna-server", "valurna");

    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::pool_with(db.config.clone(), 8).unwrap();
    db::migrate(&pool).await.unwrap();
    let setup_token = valurna_server::http::first_run::new_setup_token(&pool)
        .await
        .unwrap()
        .expect("an empty database gets a setup token");
    let key = ReceiptKey::load_or_create(&tmp.path().join("receipt.key")).unwrap();
    let state = AppState::new(pool, key)
        .with_data_dir(tmp.path().join("data"))
        .with_web_dir(root.join("web/static/pkg"));
    let url = serve_on_free_port(state.clone()).await;
    // The voting period opens and closes by itself, as under `valurna
    // serve` (which looks every few seconds).
    let schedule = tokio::spawn(valurna_server::http::schedule::run(
        state.clone(),
        Duration::from_millis(500),
    ));

    let out = root.join("target/browser-tests/acceptance");
    run_browser_tests(
        "acceptance.test.mjs",
        &chromium,
        &out,
        &[
            ("VALURNA_URL", url.clone()),
            ("VALURNA_SETUP_TOKEN", setup_token.as_str().to_string()),
            ("VALURNA_BIN", valurna.display().to_string()),
            (
                "VALURNA_TRUSTEE_DIR",
                tmp.path().join("trustees").display().to_string(),
            ),
        ],
        Duration::from_secs(600),
    )
    .await;
    schedule.abort();

    // The record the server published verifies.
    let made: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("acceptance.json")).unwrap()).unwrap();
    let election = made["election"]
        .as_i64()
        .expect("the run names its election");
    let report = valurna_verifier::verify_record(
        &state.record_dir(election),
        &valurna_verifier::Options::default(),
    );
    assert!(report.verified, "{}", report.to_text());
    assert_shots(
        &out,
        &[
            "setup-phone-sv",
            "builder-desktop-sv",
            "roll-columns-desktop-sv",
            "nominations-committee-desktop-sv",
            "ceremony-waiting-desktop-sv",
            "trustee-make-phone-sv",
            "trustee-complete-desktop-sv",
            "ceremony-desktop-sv",
            "trustee-decrypted-desktop-sv",
            "scheduled-desktop-sv",
            "booth-receipt-phone-fi",
            "result-committee-desktop-sv",
            "result-phone-fi",
        ],
    );
    db.drop_now().await;
}
