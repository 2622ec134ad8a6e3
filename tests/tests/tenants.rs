//! Tenant isolation: two organisations on one server, each with staff of
//! every role. Every staff operation of the API (read from
//! `server/openapi.json`, so a new route is covered without editing this
//! file) and the committee's page, asked by each role of one organisation
//! about the other's organisation, election and nomination, answers 404 —
//! the other's things are not there for them — and leaves every table as
//! it was. A member signed in to one election cannot act on another's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use valurna_server::db;
use valurna_server::http::AppState;
use valurna_server::receipt::ReceiptKey;

use common::{Api, PASSWORD, Tenant, TestDb, serve_on_free_port, snapshot, tenant};

/// Every documented operation that needs a staff session and names an
/// organisation or an election, as (method, path template).
fn staff_operations() -> Vec<(Method, String)> {
    let doc: Value = serde_json::from_str(include_str!("../../server/openapi.json")).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path.starts_with("/api/member") || !(path.contains("{org}") || path.contains("{id}")) {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let needs_session = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("session").is_some()));
            if needs_session {
                out.push((method.to_uppercase().parse().unwrap(), path.clone()));
            }
        }
    }
    out
}

/// A request that would do its work if the organisation check were
/// missing: well-formed, so no extractor refuses it first.
fn attack(api: &Api, method: Method, template: &str, other: &Tenant) -> reqwest::RequestBuilder {
    let path = template
        .replace("{org}", &other.org.to_string())
        .replace("{id}", &other.election.to_string())
        .replace("{n}", &other.nomination.to_string())
        .replace("{staff}", &other.staff_ids[1].to_string())
        .replace("{name}", "announcement-1.json")
        .replace("{kind}", "voting_code");
    let r = api.request(method, &path);
    match template.rsplit('/').next().unwrap() {
        "staff" => {
            r.json(&json!({"username": "intruder", "password": PASSWORD, "role": "org_admin"}))
        }
        "elections" => r.json(
            &json!({"election_id": "stolen", "title": "Stolen", "trustees": 1,
            "threshold": 1, "districts": [{"district": "North", "seats": 1}]}),
        ),
        "roll" => r
            .header("content-type", "text/csv")
            .body("member_number,name,contact,district\nX1,Intruder,x@example.org,North\n"),
        "trustees" => r.json(&json!({"username": "intruder", "index": 2})),
        "decision" => r.json(&json!({"approve": true})),
        "ceremony-restart" => r.json(&json!({"without": 1, "replacement": "intruder"})),
        "{staff}" | "invitations" => r.json(&json!({"role": "org_admin"})),
        "decryptions" => r.json(&json!({"trustee": 1, "partials": []})),
        "{name}" => r.body("{}"),
        "messages" => r.json(&json!({"lang": "sv"})),
        "{kind}" => r.json(&json!({"subject": "Stolen", "body": "Stolen {code}"})),
        _ => r.json(&json!({})),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_account_or_member_reaches_another_organisations_election() {
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
    let a = tenant(&root, &platform, "north").await;
    let b = tenant(&root, &platform, "south").await;

    // Positive control: B's own staff reach B's election and nomination by
    // these ids, so a 404 below is the organisation check, not a wrong id.
    let b_committee = &b.staff[1].1;
    let (s, nominations) = b_committee
        .get(&format!("/api/elections/{}/nominations", b.election))
        .await;
    assert_eq!(s, StatusCode::OK, "{nominations}");
    assert!(
        nominations
            .to_string()
            .contains(&format!("\"id\":{}", b.nomination))
    );
    let (s, body) = b.staff[0]
        .1
        .get(&format!("/api/organisations/{}/audit", b.org))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");

    let operations = staff_operations();
    assert!(operations.len() >= 18, "{operations:?}");
    let dbc = pool.get().await.unwrap();
    let before = snapshot(&dbc).await;
    let mut leaks = Vec::new();
    for (role, api) in &a.staff {
        for (method, template) in &operations {
            let (s, body, _) = Api::answer(attack(api, method.clone(), template, &b)).await;
            if s != StatusCode::NOT_FOUND {
                leaks.push(format!("{role}: {method} {template} → {s} {body}"));
            }
        }
        // The committee's page of B's election.
        let r = api
            .request(Method::GET, &format!("/staff/elections/{}", b.election))
            .send()
            .await
            .unwrap();
        if r.status() != StatusCode::NOT_FOUND {
            leaks.push(format!("{role}: the page of B's election → {}", r.status()));
        }
    }
    assert!(
        leaks.is_empty(),
        "answers other than 404:\n{}",
        leaks.join("\n")
    );

    // A member of A's election: B's nomination is not there; B's member
    // number is not on A's roll; a member's session is no staff session.
    let (s, body) = a
        .member
        .post(
            &format!("/api/member/nominations/{}/respond", b.nomination),
            json!({"accept": true}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, body) = a
        .member
        .post("/api/member/nominations", json!({"nominee": "south2"}))
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_such_member")),
        "{body}"
    );
    let (s, body) = a
        .member
        .get(&format!("/api/elections/{}", b.election))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    let (s, mine) = a.member.get("/api/member/nominations").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!mine.to_string().contains("south"), "{mine}");

    assert_eq!(
        snapshot(&dbc).await,
        before,
        "a refused request changed the database"
    );
    drop(dbc);
    db.drop_now().await;
}
