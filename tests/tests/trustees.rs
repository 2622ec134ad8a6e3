//! The key ceremony in the trustees' own browsers:
//! `web/e2e/trustees.test.mjs` in headless Chromium, on two elections of
//! one organisation with the same two trustees, set up here through the
//! API up to the ceremony. In the first, trustee 1's browser deals a share
//! that was changed on its way to the server; trustee 2's page complains,
//! and every page names trustee 1 as at fault. In the second, the
//! trustees hold the whole ceremony in their pages: key files under a
//! passphrase, reopened before the ceremony goes on; a wrong passphrase,
//! a truncated key file and the key file of the other election each get
//! their message. Every request body the trustees' pages send is
//! recorded: none holds a secret (the key files' contents or the
//! secrets inside them).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{
    Api, PASSWORD, TestDb, assert_shots, browser_tools, expect, import_roll, member_stands,
    run_browser_tests, serve_on_free_port, workspace,
};
use serde_json::json;
use valurna_server::db;
use valurna_server::http::AppState;
use valurna_server::receipt::ReceiptKey;

/// An election of `org` with trustees `tess` (1) and `theo` (2), n = t =
/// 2, one district with one approved candidate, frozen: its ceremony waits
/// for the trustees' announcements.
async fn at_ceremony(root: &str, committee: &Api, org: i64, slug: &str) -> i64 {
    let election = expect(
        StatusCode::CREATED,
        committee
            .post(
                &format!("/api/organisations/{org}/elections"),
                json!({"election_id": slug, "title": format!("Board {slug}"), "trustees": 2,
                       "threshold": 2, "districts": [{"district": "All", "seats": 1}]}),
            )
            .await,
    )["id"]
        .as_i64()
        .unwrap();
    let roll = format!(
        "member_number,name,contact,district\n{slug}1,Anna,anna@{slug}.example,All\n\
         {slug}2,Bo,bo@{slug}.example,All\n"
    );
    import_roll(committee, election, &roll).await;
    for (i, t) in ["tess", "theo"].iter().enumerate() {
        expect(
            StatusCode::NO_CONTENT,
            committee
                .post(
                    &format!("/api/elections/{election}/trustees"),
                    json!({"username": t, "index": i + 1}),
                )
                .await,
        );
    }
    let s = format!("/api/elections/{election}");
    expect(
        StatusCode::NO_CONTENT,
        committee
            .post(&format!("{s}/nominations/open"), json!({}))
            .await,
    );
    let (_, nomination) = member_stands(root, committee, election, &format!("{slug}1")).await;
    expect(
        StatusCode::NO_CONTENT,
        committee
            .post(
                &format!("{s}/nominations/{nomination}/decision"),
                json!({"approve": true}),
            )
            .await,
    );
    let (status, body) = committee.post(&format!("{s}/freeze"), json!({})).await;
    assert!(status.is_success(), "freeze: {status} {body}");
    election
}

/// The trustees' passphrases for their key files.
const PASSPHRASES: [&str; 3] = [
    "harbour kettle orbit",
    "violet meadow lantern",
    "quiet saffron ferry",
];

/// Every secret a key file holds, as hex and as base64: the whole
/// plaintext and each 32-byte scalar in it (the dealer's communication key
/// and coefficients, or the share). The file names its ceremony (a
/// restart left some of another run); both elections have n = t = 2.
fn secrets_in(path: &std::path::Path) -> Vec<String> {
    use base64::Engine as _;
    use valurna_engine::ceremony_dir::CeremonyParamsFile;
    use valurna_engine::keyfile::{Kind, open};

    let bytes = std::fs::read(path).unwrap();
    let header: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let params = CeremonyParamsFile {
        manifest_hash: header["manifest_hash"].as_str().unwrap().into(),
        ceremony_id: header["ceremony_id"].as_str().unwrap().into(),
        trustees: 2,
        threshold: 2,
    }
    .params()
    .unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    // The file names its trustee number (tina took tess's in the restart);
    // its name, whose passphrase seals it.
    let trustee = u32::try_from(header["trustee"].as_u64().unwrap()).unwrap();
    let passphrase = ["tess", "theo", "tina"]
        .iter()
        .position(|who| name.contains(who))
        .map(|k| PASSPHRASES[k])
        .unwrap();
    let kind = if name.ends_with("-share.json") {
        Kind::Share
    } else {
        Kind::Dealer
    };
    let plain = open(&params, trustee, kind, &bytes, passphrase).unwrap();
    // A dealer's state: the ceremony hash, the index, then the scalars.
    let scalars = match kind {
        Kind::Dealer => plain.get(36..).unwrap(),
        _ => plain.as_slice(),
    };
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut out = vec![hex::encode(plain.as_slice()), b64(&plain)];
    for s in scalars.chunks(32) {
        out.push(hex::encode(s));
        out.push(b64(s));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trustees_hold_the_key_ceremony_in_their_browsers() {
    let root = workspace();
    let chromium = browser_tools();
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::pool_with(db.config.clone(), 8).unwrap();
    db::migrate(&pool).await.unwrap();
    valurna_server::cli::admin::create_platform_admin(&pool, "platform", PASSWORD)
        .await
        .unwrap();
    let key = ReceiptKey::load_or_create(&tmp.path().join("receipt.key")).unwrap();
    let state = AppState::new(pool, key)
        .with_data_dir(tmp.path().join("data"))
        .with_web_dir(root.join("web/static/pkg"));
    let url = serve_on_free_port(state.clone()).await;

    let platform = Api::signed_in(
        &url,
        "/api/login",
        json!({"username": "platform", "password": PASSWORD}),
    )
    .await;
    let org = expect(
        StatusCode::CREATED,
        platform
            .post(
                "/api/organisations",
                json!({"slug": "guild", "name": "The Guild"}),
            )
            .await,
    )["id"]
        .as_i64()
        .unwrap();
    for (username, role) in [
        ("carl", "committee"),
        ("tess", "trustee"),
        ("theo", "trustee"),
        ("tina", "trustee"),
    ] {
        expect(
            StatusCode::CREATED,
            platform
                .post(
                    &format!("/api/organisations/{org}/staff"),
                    json!({"username": username, "password": PASSWORD, "role": role}),
                )
                .await,
        );
    }
    let committee = Api::signed_in(
        &url,
        "/api/login",
        json!({"username": "carl", "password": PASSWORD}),
    )
    .await;
    let tampered = at_ceremony(&url, &committee, org, "spring").await;
    let clean = at_ceremony(&url, &committee, org, "autumn").await;

    let out = root.join("target/browser-tests/trustees");
    run_browser_tests(
        "trustees.test.mjs",
        &chromium,
        &out,
        &[
            ("VALURNA_URL", url.clone()),
            ("VALURNA_PASSWORD", PASSWORD.to_string()),
            ("VALURNA_TAMPERED", tampered.to_string()),
            ("VALURNA_CLEAN", clean.to_string()),
            (
                "VALURNA_PASSPHRASES",
                json!({"tess": PASSPHRASES[0], "theo": PASSPHRASES[1], "tina": PASSPHRASES[2]})
                    .to_string(),
            ),
        ],
        Duration::from_secs(300),
    )
    .await;

    // No request body of the trustees' pages holds a secret of a key file.
    let sent: Vec<(String, String)> =
        serde_json::from_slice(&std::fs::read(out.join("requests.json")).unwrap()).unwrap();
    let mut opened = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !(name.ends_with("-dealer.json") || name.ends_with("-share.json")) {
            continue;
        }
        for secret in secrets_in(&path) {
            for (url, body) in &sent {
                assert!(!body.contains(&secret), "{url} sent a secret of {name}");
            }
        }
        opened += 1;
    }
    assert!(opened >= 11, "the key files saved: {opened}");

    // The clean ceremony completed with the trustees' files only: the
    // server opens voting with its joint key.
    let client = state.pool().get().await.unwrap();
    let names: Vec<String> = db::ceremony::list(&client, clean)
        .await
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names.len(), 7, "{names:?}");
    let (status, body) = committee
        .post(&format!("/api/elections/{clean}/open"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // So does the one restarted without the trustee at fault, with tina
    // in tess's place.
    let (status, body) = committee
        .post(&format!("/api/elections/{tampered}/open"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_shots(
        &out,
        &[
            "trustee-make-phone",
            "trustee-save-phone",
            "trustee-complete-desktop",
            "trustee-stopped-desktop",
            "committee-stopped-desktop",
        ],
    );
    db.drop_now().await;
}
