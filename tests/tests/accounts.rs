//! Staff accounts after they exist: changing one's own password (strength
//! checked, the other sessions ended, a wrong current password counted and
//! audited), an organisation's admin listing the accounts, changing a role
//! and disabling an account (its sessions end at once, it cannot sign in)
//! and enabling it again; two-step sign-in (a TOTP code asked for at
//! sign-in, each code taken once, wrong codes counted like wrong
//! passwords, removed by the account or by an admin).

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

use common::{Api, PASSWORD, Tenant, TestDb, expect, served_platform, snapshot, tenant};
use valurna_server::election::second_factor::{STEP_SECS, code_at};

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

/// A served database with one organisation ([`tenant`]).
async fn world() -> (TestDb, db::Pool, tempfile::TempDir, String, Tenant) {
    let (db, pool, tmp, root, platform) = served_platform().await;
    let north = tenant(&root, &platform, "north").await;
    (db, pool, tmp, root, north)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_change_and_admins_change_roles_and_disable_accounts() {
    let (db, pool, _tmp, root, north) = world().await;
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

/// Seconds since the epoch.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The base32 (RFC 4648, no padding) secret's bytes.
fn base32(text: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut value, mut out) = (0u32, 0u32, Vec::new());
    for c in text.bytes() {
        let v = alphabet.iter().position(|a| *a == c).unwrap() as u32;
        value = (value << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((value >> bits) as u8);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_step_sign_in_asks_for_a_code_each_taken_once() {
    let (db, pool, _tmp, root, north) = world().await;
    let (admin, committee) = (&north.staff[0].1, &north.staff[1].1);
    let user = "north-committee";
    let sign_in_with = |code: Option<String>| {
        let root = root.clone();
        async move {
            let mut body = json!({"username": user, "password": PASSWORD});
            if let Some(code) = code {
                body["code"] = json!(code);
            }
            Api::anonymous(&root).post("/api/login", body).await
        }
    };

    // Nothing to confirm before a start; until confirmed, sign-in is as before.
    let (s, body) = committee
        .post("/api/me/second-factor/confirm", json!({"code": "123456"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "nothing_to_confirm");
    let setup = expect(
        StatusCode::OK,
        committee
            .post("/api/me/second-factor", json!({"password": PASSWORD}))
            .await,
    );
    let secret = base32(setup["secret"].as_str().unwrap());
    assert_eq!(secret.len(), 20);
    assert!(
        setup["otpauth_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("otpauth://totp/Valurna:{user}?")),
        "{setup}"
    );
    assert_eq!(sign_in_with(None).await.0, StatusCode::OK, "pending only");

    // Confirmed with the code of now: another secret's code is refused.
    let step = now() / STEP_SECS;
    let (s, body) = committee
        .post(
            "/api/me/second-factor/confirm",
            json!({"code": code_at(b"another secret of twenty", step)}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "wrong_code");
    let (s, body) = committee
        .post(
            "/api/me/second-factor/confirm",
            json!({"code": code_at(&secret, step)}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");

    // Now the password alone is not enough; a code of two steps ago, a wrong one, and the confirmed
    // code again are refused, each counted as a failed sign-in.
    let (s, body) = sign_in_with(None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "second_factor_required");
    for code in [
        code_at(&secret, step - 2),
        code_at(&secret, step),
        "000000".to_owned(),
    ] {
        if code == code_at(&secret, step + 1) {
            continue;
        }
        let (s, body) = sign_in_with(Some(code.clone())).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{code}: {body}");
        assert_eq!(body["error"], "wrong_code", "{code}");
    }
    // The next step's code is taken once.
    let next = code_at(&secret, step + 1);
    assert_eq!(sign_in_with(Some(next.clone())).await.0, StatusCode::OK);
    let (s, body) = sign_in_with(Some(next)).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("wrong_code"))
    );

    // The admin sees it, and removes it for a lost phone; the account can
    // set it up again and remove it itself (with its password).
    let org = north.org;
    let accounts = expect(
        StatusCode::OK,
        admin.get(&format!("/api/organisations/{org}/staff")).await,
    );
    let row = |accounts: &Value| {
        accounts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["username"] == user)
            .unwrap()
            .clone()
    };
    assert_eq!(row(&accounts)["second_factor"], true);
    let id = row(&accounts)["id"].as_i64().unwrap();
    // Two sign-ins racing with one code both find it later than the last
    // one taken; the database takes each step once.
    let dbc = pool.get().await.unwrap();
    let taken = i64::try_from(step + 1).unwrap();
    assert!(!db::second_factor::take_step(&dbc, id, taken).await.unwrap());
    assert!(
        db::second_factor::take_step(&dbc, id, taken + 1)
            .await
            .unwrap()
    );
    assert!(
        !db::second_factor::take_step(&dbc, id, taken + 1)
            .await
            .unwrap()
    );
    drop(dbc);
    let path = format!("/api/organisations/{org}/staff/{id}");
    let (s, body) = patch(admin, &path, json!({"second_factor": true})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let changed = expect(
        StatusCode::OK,
        patch(admin, &path, json!({"second_factor": false})).await,
    );
    assert_eq!(changed["second_factor"], false);
    assert_eq!(sign_in_with(None).await.0, StatusCode::OK);
    let setup = expect(
        StatusCode::OK,
        committee
            .post("/api/me/second-factor", json!({"password": PASSWORD}))
            .await,
    );
    let secret = base32(setup["secret"].as_str().unwrap());
    let (s, _) = committee
        .post(
            "/api/me/second-factor/confirm",
            json!({"code": code_at(&secret, now() / STEP_SECS)}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(sign_in_with(None).await.0, StatusCode::UNAUTHORIZED);
    let (s, _) = committee
        .post("/api/me/second-factor/remove", json!({"password": "wrong"}))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in_with(None).await.0,
        StatusCode::UNAUTHORIZED,
        "still on"
    );
    let (s, _) = committee
        .post(
            "/api/me/second-factor/remove",
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(sign_in_with(None).await.0, StatusCode::OK);

    // In the audit log: on twice, off by the admin and by the account, and
    // the refused codes as failed sign-ins.
    let log = expect(
        StatusCode::OK,
        admin.get(&format!("/api/organisations/{org}/audit")).await,
    );
    let entries = log.as_array().unwrap();
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    assert_eq!(count("second_factor.enable"), 2);
    assert_eq!(count("second_factor.remove"), 1);
    assert!(
        entries
            .iter()
            .filter(|e| e["action"] == "login.failed")
            .filter(|e| e["detail"]["second_factor"] == true)
            .count()
            >= 3
    );
    drop(pool);
    db.drop_now().await;
}
