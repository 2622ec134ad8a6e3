//! Staff accounts after they exist: changing one's own password (strength
//! checked, the other sessions ended, a wrong current password counted and
//! audited), an organisation's admin listing the accounts, changing a role
//! and disabling an account (its sessions end at once, it cannot sign in)
//! and enabling it again.

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

use common::{Api, PASSWORD, TestDb, expect, serve_on_free_port, snapshot, tenant};

const NEW_PASSWORD: &str = "quiet lantern harbour";

async fn sign_in(root: &str, username: &str, password: &str) -> (StatusCode, Value) {
    Api::anonymous(root)
        .post(
            "/api/login",
            json!({"username": username, "password": password}),
        )
        .await
}

async fn patch(api: &Api, path: &str, body: Value) -> (StatusCode, Value) {
    let (s, b, _) = Api::answer(api.request(Method::PATCH, path).json(&body)).await;
    (s, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_change_and_admins_change_roles_and_disable_accounts() {
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
    let (admin, committee, trustee, observer) = (
        &north.staff[0].1,
        &north.staff[1].1,
        &north.staff[2].1,
        &north.staff[3].1,
    );
    let dbc = pool.get().await.unwrap();

    // A weak new password, a wrong current one: refused, nothing changed
    // but the failure's count and its audit entry.
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let before = snapshot(&dbc).await;
    for weak in ["passwordpassword", "north-committee1", "short"] {
        let (s, body) = committee
            .post("/api/me/password", change(PASSWORD, weak))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{weak}: {body}");
        assert_eq!(body["error"], "weak_password", "{weak}");
    }
    assert_eq!(snapshot(&dbc).await, before);
    let (s, body) = committee
        .post("/api/me/password", change("not the password", NEW_PASSWORD))
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
    );

    // The change: this session goes on, the account's other one ends, and
    // only the new password signs in.
    let second = Api::signed_in(
        &root,
        "/api/login",
        json!({"username": "north-committee", "password": PASSWORD}),
    )
    .await;
    assert_eq!(second.get("/api/me").await.0, StatusCode::OK);
    expect(
        StatusCode::NO_CONTENT,
        committee
            .post("/api/me/password", change(PASSWORD, NEW_PASSWORD))
            .await,
    );
    assert_eq!(committee.get("/api/me").await.0, StatusCode::OK);
    assert_eq!(second.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in(&root, "north-committee", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&root, "north-committee", NEW_PASSWORD).await.0,
        StatusCode::OK
    );

    // The admin's list; nobody else's.
    let org = north.org;
    let list = expect(
        StatusCode::OK,
        admin.get(&format!("/api/organisations/{org}/staff")).await,
    );
    let roles: Vec<(&str, &str, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["username"].as_str().unwrap(),
                a["role"].as_str().unwrap(),
                a["disabled"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("north-committee", "committee", false),
            ("north-observer", "observer", false),
            ("north-org_admin", "org_admin", false),
            ("north-trustee", "trustee", false),
        ]
    );
    for other in [committee, trustee, observer] {
        assert_eq!(
            other
                .get(&format!("/api/organisations/{org}/staff"))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
    }

    // A new role applies from the next request: the observer may not list
    // the accounts, then as an admin may.
    let [_, _, trustee_id, observer_id] = north.staff_ids[..] else {
        panic!("four accounts")
    };
    let accounts = format!("/api/organisations/{org}/staff");
    assert_eq!(observer.get(&accounts).await.0, StatusCode::FORBIDDEN);
    let account = format!("/api/organisations/{org}/staff/");
    let changed = expect(
        StatusCode::OK,
        patch(
            admin,
            &format!("{account}{observer_id}"),
            json!({"role": "org_admin"}),
        )
        .await,
    );
    assert_eq!(changed["role"], "org_admin");
    assert_eq!(observer.get(&accounts).await.0, StatusCode::OK);
    // Refused: a platform role, an unknown field, one's own account, and
    // an account of no organisation (the platform admin's).
    let admin_id = north.staff_ids[0];
    let before = snapshot(&dbc).await;
    for (body, id, status, code) in [
        (
            json!({"role": "platform_admin"}),
            observer_id,
            422,
            "invalid_field",
        ),
        (json!({"admin": true}), observer_id, 400, "malformed_json"),
        (json!({"disabled": true}), admin_id, 409, "own_account"),
        (json!({"disabled": true}), 1, 404, "no_such_staff"),
    ] {
        let (s, b) = patch(admin, &format!("{account}{id}"), body.clone()).await;
        assert_eq!(
            (s.as_u16(), b["error"].as_str()),
            (status, Some(code)),
            "{body}"
        );
    }
    assert_eq!(snapshot(&dbc).await, before);

    // Disabled: the session ends now; the right password says so, a wrong
    // one says no more than ever; enabled again, it signs in.
    assert_eq!(trustee.get("/api/me").await.0, StatusCode::OK);
    let disabled = expect(
        StatusCode::OK,
        patch(
            admin,
            &format!("{account}{trustee_id}"),
            json!({"disabled": true}),
        )
        .await,
    );
    assert_eq!(disabled["disabled"], true);
    assert_eq!(trustee.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    let (s, body) = sign_in(&root, "north-trustee", PASSWORD).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("account_disabled"))
    );
    let (s, body) = sign_in(&root, "north-trustee", "not the password").await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
    );
    expect(
        StatusCode::OK,
        patch(
            admin,
            &format!("{account}{trustee_id}"),
            json!({"disabled": false}),
        )
        .await,
    );
    assert_eq!(
        sign_in(&root, "north-trustee", PASSWORD).await.0,
        StatusCode::OK
    );

    // Each change in the audit log.
    let log = expect(
        StatusCode::OK,
        admin.get(&format!("/api/organisations/{org}/audit")).await,
    );
    let count = |action: &str| {
        log.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action)
            .count()
    };
    assert_eq!(
        (
            count("password.change"),
            count("password.failed"),
            count("staff.update")
        ),
        (1, 1, 3)
    );
    drop(dbc);
    db.drop_now().await;
}
