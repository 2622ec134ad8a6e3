//! Property-based tests of the whole API from its own description:
//! schemathesis (PyPI) reads the served `/api/openapi.json` and sends
//! generated requests — valid and invalid — to every operation,
//! anonymously and as a committee member of an organisation with an
//! election in nominations, a roll and a nomination. Every answer must be
//! documented: no 5xx, a documented status, content type and headers, and a
//! body that matches the schema.
//!
//! The number of examples per operation is bounded so CI stays quick
//! (`VALURNA_SCHEMATHESIS_EXAMPLES`, default 12; the long form is 200).
//! `scripts/test` installs schemathesis and sets `VALURNA_SCHEMATHESIS` to
//! it; without it this test fails and says so.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use serde_json::json;
use valurna_server::db;
use valurna_server::http::AppState;
use valurna_server::receipt::ReceiptKey;

use common::{Api, PASSWORD, TestDb, serve_on_free_port, tenant};

/// The checks: the answer is no server error and conforms to the document.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance";

fn schemathesis() -> String {
    std::env::var("VALURNA_SCHEMATHESIS").unwrap_or_else(|_| {
        panic!(
            "VALURNA_SCHEMATHESIS is not set: run the tests with scripts/test, which \
             installs schemathesis, or install it (pip install schemathesis==4.32.5) and set \
             VALURNA_SCHEMATHESIS to its executable"
        )
    })
}

/// Runs schemathesis against `root` with `headers`; panics with its report
/// unless it found nothing.
/// With `config`, schemathesis reads that `schemathesis.toml` (the real
/// ids to put in paths).
fn run(
    root: &str,
    who: &str,
    headers: &[String],
    config: Option<&std::path::Path>,
    report: &std::path::Path,
) -> String {
    let examples = std::env::var("VALURNA_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "12".into());
    let mut cmd = std::process::Command::new(schemathesis());
    if let Some(config) = config {
        cmd.arg("--config-file").arg(config);
    }
    // Its cache and reports go to the test's own folder, not the tree.
    cmd.current_dir(report.parent().unwrap_or(report));
    cmd.arg("run")
        .arg(format!("{root}/api/openapi.json"))
        .args(["--url", root])
        .args(["--checks", CHECKS])
        .args(["--max-examples", &examples])
        .args(["--seed", "20261206"])
        .args(["--workers", "1"])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--request-timeout", "30"])
        .arg("--no-color")
        .args(["--report", "junit"])
        .arg("--report-junit-path")
        .arg(report.join(format!("{who}.xml")))
        // Signing out would end the session the rest of the run needs.
        .args(["--exclude-path", "/api/logout"])
        .args(["--exclude-path", "/api/member/logout"]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", schemathesis()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "schemathesis as {who} found problems:\n{text}"
    );
    // It ran: operations were tested and requests were sent.
    assert!(text.contains("passed"), "{text}");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_get_documented_answers() {
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::pool_with(db.config.clone(), 8).unwrap();
    db::migrate(&pool).await.unwrap();
    valurna_server::cli::admin::create_platform_admin(&pool, "platform", PASSWORD)
        .await
        .unwrap();
    let key = ReceiptKey::load_or_create(&tmp.path().join("receipt.key")).unwrap();
    let root =
        serve_on_free_port(AppState::new(pool.clone(), key).with_data_dir(tmp.path().join("data")))
            .await;
    let login = json!({"username": "platform", "password": PASSWORD});
    let platform = Api::signed_in(&root, "/api/login", login).await;
    let north = tenant(&root, &platform, "north").await;
    let committee = north.staff[1].1.clone();
    let report = tmp.path().join("report");
    // The third run puts this organisation's real ids in every path, so
    // generated requests reach the handlers' work, not only the lookups.
    let config = tmp.path().join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "[parameters]\n\"path.org\" = {}\n\"path.id\" = {}\n\"path.n\" = {}\n",
            north.org, north.election, north.nomination
        ),
    )
    .unwrap();
    let root2 = root.clone();
    tokio::task::spawn_blocking(move || {
        run(&root2, "anonymous", &[], None, &report);
        let session = [
            format!("Cookie: {}", committee.cookie.unwrap()),
            format!("X-CSRF-Token: {}", committee.csrf.unwrap()),
        ];
        run(&root2, "committee", &session, None, &report);
        let with_ids = run(&root2, "committee-ids", &session, Some(&config), &report);
        assert!(with_ids.contains("Configuration:"), "{with_ids}");
    })
    .await
    .unwrap();
    db.drop_now().await;
}
