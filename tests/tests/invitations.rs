//! Staff accounts by invitation: an organisation's admin (or the platform
//! admin) makes a one-time link for a role; whoever opens it chooses their
//! own username and password. A link works once (also when two people use
//! it at once), not after it expired or was revoked, and only for its
//! organisation; only admins make them; a refused account leaves the link
//! and the database as they were.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use reqwest::StatusCode;
use serde_json::{Value, json};

use common::{Api, expect, served_platform, snapshot, tenant};

/// The token at the end of an invitation's path.
fn token(link: &Value) -> String {
    let path = link["path"].as_str().unwrap();
    path.strip_prefix("/staff/invite/").unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_links_make_one_account_each() {
    let (_db, pool, _tmp, root, platform) = served_platform().await;
    let north = tenant(&root, &platform, "north").await;
    let south = tenant(&root, &platform, "south").await;
    let (admin, committee) = (&north.staff[0].1, &north.staff[1].1);
    let invitations = format!("/api/organisations/{}/invitations", north.org);
    let anonymous = Api::anonymous(&root);

    // Only admins invite; another organisation's admin does not see this one.
    for (who, api, status) in [
        ("the committee", committee, StatusCode::FORBIDDEN),
        (
            "another organisation's admin",
            &south.staff[0].1,
            StatusCode::NOT_FOUND,
        ),
        ("nobody signed in", &anonymous, StatusCode::UNAUTHORIZED),
    ] {
        let (s, b) = api.post(&invitations, json!({"role": "committee"})).await;
        assert_eq!(s, status, "{who}: {b}");
    }
    // Bad roles and notes are refused with the field named.
    for body in [
        json!({"role": "platform_admin"}),
        json!({"role": "king"}),
        json!({"role": "committee", "note": "bell\u{7}"}),
        json!({"role": "committee", "note": "x".repeat(201)}),
        json!({"role": "committee", "extra": 1}),
    ] {
        let (s, b) = admin.post(&invitations, body.clone()).await;
        assert!(s.is_client_error(), "{body}: {s} {b}");
        assert!(!b["message"].as_str().unwrap().is_empty());
    }

    let link = expect(
        StatusCode::CREATED,
        admin
            .post(&invitations, json!({"role": "trustee", "note": "Tove"}))
            .await,
    );
    let t = token(&link);
    assert_eq!(t.len(), 43, "256 bits, base64url");
    // The platform admin invites too (an organisation's first admin).
    let by_platform = expect(
        StatusCode::CREATED,
        platform
            .post(&invitations, json!({"role": "org_admin"}))
            .await,
    );

    // The link shows the organisation and the role, to anyone holding it.
    let view = expect(
        StatusCode::OK,
        anonymous.get(&format!("/api/invitations/{t}")).await,
    );
    assert_eq!(view, json!({"organisation": "north", "role": "trustee"}));
    // A token nobody made, or one changed by a character, names nothing.
    let mut changed = t.clone();
    changed.replace_range(0..1, if t.starts_with('A') { "B" } else { "A" });
    for bad in [changed.as_str(), "short", "a%2Fb"] {
        let (s, b) = anonymous.get(&format!("/api/invitations/{bad}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{bad}: {b}");
    }

    // A weak password or a taken username: refused, nothing saved, the
    // link still open.
    let dbc = pool.get().await.unwrap();
    let before = snapshot(&dbc).await;
    let accept = format!("/api/invitations/{t}");
    for (body, code) in [
        (
            json!({"username": "tove", "password": "password1234"}),
            "weak_password",
        ),
        (
            json!({"username": "north-committee", "password": "a strong new password"}),
            "username_taken",
        ),
        (
            json!({"username": "Tove!", "password": "a strong new password"}),
            "invalid_field",
        ),
    ] {
        let (s, b) = anonymous.post(&accept, body.clone()).await;
        assert!(s.is_client_error(), "{body}: {s} {b}");
        assert_eq!(b["error"], code, "{body}: {b}");
    }
    assert_eq!(
        snapshot(&dbc).await,
        before,
        "a refused account changed the database"
    );

    // Two people use the link at once: one account, the other told the
    // link is used.
    let (a, b) = tokio::join!(
        anonymous.post(
            &accept,
            json!({"username": "tove", "password": "a strong new password"})
        ),
        anonymous.post(
            &accept,
            json!({"username": "tove2", "password": "another strong password"})
        ),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::NOT_FOUND],
        "{a:?} {b:?}"
    );
    let winner = if a.0 == StatusCode::CREATED {
        "tove"
    } else {
        "tove2"
    };
    let (_, loser) = if a.0 == StatusCode::CREATED {
        b.clone()
    } else {
        a.clone()
    };
    assert_eq!(loser["error"], "no_such_invitation");
    let password = if winner == "tove" {
        "a strong new password"
    } else {
        "another strong password"
    };
    let tove = Api::signed_in(
        &root,
        "/api/login",
        json!({"username": winner, "password": password}),
    )
    .await;
    let me = expect(StatusCode::OK, tove.get("/api/me").await);
    assert_eq!(me["role"], "trustee");
    assert_eq!(me["organisation"], north.org);
    // Used: it shows nothing any more.
    let (s, _) = anonymous.get(&accept).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Revoked: the link no longer works; revoking twice is refused.
    let id = by_platform["id"].as_i64().unwrap();
    let revoke = format!("{invitations}/{id}/revoke");
    let (s, b) = admin.post(&revoke, json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (s, _) = admin.post(&revoke, json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = south.staff[0]
        .1
        .post(
            &format!("/api/organisations/{}/invitations/{id}/revoke", south.org),
            json!({}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another organisation's invitation"
    );
    let (s, b) = anonymous
        .post(
            &format!("/api/invitations/{}", token(&by_platform)),
            json!({"username": "mallory", "password": "a strong new password"}),
        )
        .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_such_invitation"))
    );

    // Expired: the same once its time has passed.
    let late = expect(
        StatusCode::CREATED,
        admin.post(&invitations, json!({"role": "observer"})).await,
    );
    dbc.execute(
        "UPDATE staff_invitations SET expires_at = now() - interval '1 second' WHERE id = $1",
        &[&late["id"].as_i64().unwrap()],
    )
    .await
    .unwrap();
    let (s, _) = anonymous
        .post(
            &format!("/api/invitations/{}", token(&late)),
            json!({"username": "late", "password": "a strong new password"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The admins' list: each invitation's state, never its link; the audit
    // log has every step.
    let list = expect(StatusCode::OK, admin.get(&invitations).await);
    let states: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["role"].as_str().unwrap(), i["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("observer", "expired"),
            ("org_admin", "revoked"),
            ("trustee", "used")
        ]
    );
    assert_eq!(list[2]["used_by"], winner);
    assert!(!list.to_string().contains(&t), "the list shows a link");
    let (s, _) = committee.get(&invitations).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let audit = expect(
        StatusCode::OK,
        admin
            .get(&format!("/api/organisations/{}/audit", north.org))
            .await,
    );
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in ["invitation.create", "invitation.revoke", "staff.create"] {
        assert!(actions.contains(&want), "{want}: {actions:?}");
    }
    // Only the token's hash is kept.
    let stored: i64 = dbc
        .query_one(
            "SELECT count(*) FROM staff_invitations WHERE position(convert_to($1, 'UTF8') in token_hash) > 0",
            &[&t],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);
}

/// The first run: on an empty database a setup token (what `valurna serve`
/// prints) makes one platform admin — not a wrong token, not a second
/// claim, not once an account exists — and the refusals are in the asker's
/// language.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setup_token_makes_the_first_account_once() {
    use common::{TestDb, serve_on_free_port};
    use valurna_server::http::AppState;
    use valurna_server::http::first_run::new_setup_token;

    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let pool = valurna_server::db::pool_with(db.config.clone(), 8).unwrap();
    valurna_server::db::migrate(&pool).await.unwrap();
    let key = valurna_server::receipt::ReceiptKey::load_or_create(&tmp.path().join("receipt.key"))
        .unwrap();
    let root = serve_on_free_port(AppState::new(pool.clone(), key)).await;
    let client = pool.get().await.unwrap();
    let anonymous = Api::anonymous(&root);
    assert_eq!(
        expect(StatusCode::OK, anonymous.get("/api/setup").await)["needed"],
        true
    );
    // Two instances each printed one; either works, once.
    let first = new_setup_token(&pool).await.unwrap().unwrap();
    let second = new_setup_token(&pool).await.unwrap().unwrap();

    let before = snapshot(&client).await;
    let account = |token: &str, username: &str| json!({"token": token, "username": username, "password": "quiet harbour lantern"});
    let wrong = expect(
        StatusCode::FORBIDDEN,
        anonymous
            .post("/api/setup", account("guess", "mallory"))
            .await,
    );
    assert_eq!(wrong["error"], "bad_setup_token");
    // The same refusal in Swedish, for a Swedish page.
    let (status, swedish, _) = Api::answer(
        anonymous
            .request(reqwest::Method::POST, "/api/setup")
            .header("accept-language", "sv-SE,sv;q=0.9")
            .json(&account("guess", "mallory")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        swedish["message"].as_str().unwrap().contains("startkoden"),
        "{swedish}"
    );
    assert_ne!(swedish["message"], wrong["message"]);
    let weak = expect(
        StatusCode::UNPROCESSABLE_ENTITY,
        anonymous
            .post(
                "/api/setup",
                json!({"token": first.as_str(), "username": "op", "password": "password1234"}),
            )
            .await,
    );
    assert_eq!(weak["error"], "invalid_field");
    assert_eq!(
        snapshot(&client).await,
        before,
        "a refused setup changed data"
    );

    // Two claims at once, with the two tokens: one platform admin.
    let (a, b) = tokio::join!(
        anonymous.post("/api/setup", account(&first, "ada")),
        anonymous.post("/api/setup", account(&second, "bob"))
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );
    let admins: i64 = client
        .query_one(
            "SELECT count(*) FROM staff WHERE role = 'platform_admin'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(admins, 1);
    let tokens: i64 = client
        .query_one("SELECT count(*) FROM setup_tokens", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tokens, 0, "every setup token goes with the first account");
    assert_eq!(
        expect(StatusCode::OK, anonymous.get("/api/setup").await)["needed"],
        false
    );
    // No new token once an account exists, and the winner signs in.
    assert!(new_setup_token(&pool).await.unwrap().is_none());
    let winner = if a.0 == StatusCode::CREATED {
        "ada"
    } else {
        "bob"
    };
    Api::signed_in(
        &root,
        "/api/login",
        json!({"username": winner, "password": "quiet harbour lantern"}),
    )
    .await;
    let again = expect(
        StatusCode::CONFLICT,
        anonymous.post("/api/setup", account(&first, "eve")).await,
    );
    assert_eq!(again["error"], "already_set_up");
    drop(client);
    db.drop_now().await;
}
