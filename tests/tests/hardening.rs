//! The server's defences from an outside audit (SECURITY.md, the HTTP
//! layer, signing in, text): connection limits under a bounded flood,
//! client addresses behind a trusted proxy, sign-in limits for staff and
//! members, CSV cells, control and invisible characters, member numbers,
//! error answers, `/metrics`, and presentations changed after approval.
//!
//! One database and one organisation for the file; the connection test
//! serves `valurna serve`'s own accept loop ([`http::run`]) with short
//! timeouts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use valurna_server::db;
use valurna_server::http::conn::ConnLimits;
use valurna_server::http::proxy::TrustedProxies;
use valurna_server::http::state::MetricsAccess;
use valurna_server::http::{self, AppState};
use valurna_server::receipt::ReceiptKey;

mod common;
use common::{Api, TestDb, serve_on_free_port};

const PASSWORD: &str = "a long enough password";

fn expect(status: StatusCode, call: (StatusCode, Value)) -> Value {
    assert_eq!(call.0, status, "{}", call.1);
    call.1
}

/// The server of this file: a platform admin, an organisation with a
/// committee member, an election in nominations with a roll.
struct World {
    db: TestDb,
    pool: db::Pool,
    _tmp: tempfile::TempDir,
    key_path: std::path::PathBuf,
    root: String,
    committee: Api,
    org: i64,
    election: i64,
}

const ROLL: &str = "member_number,name,contact,district\n\
                    007,Anna,anna@example.org,North\n\
                    M002,Bo,+46 70 111 22 33,North\n\
                    m003,Cecilia,=1+2@example.org,North\n\
                    M004,David,david@example.org,South\n";

async fn world(adjust: impl FnOnce(AppState) -> AppState) -> World {
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::pool_with(db.config.clone(), 8).unwrap();
    db::migrate(&pool).await.unwrap();
    valurna_server::cli::admin::create_platform_admin(&pool, "platform", PASSWORD)
        .await
        .unwrap();
    let key_path = tmp.path().join("receipt.key");
    let key = ReceiptKey::load_or_create(&key_path).unwrap();
    let root = serve_on_free_port(adjust(AppState::new(pool.clone(), key))).await;
    let login = |u: &str| json!({"username": u, "password": PASSWORD});
    let platform = Api::signed_in(&root, "/api/login", login("platform")).await;
    let org = expect(
        StatusCode::CREATED,
        platform
            .post(
                "/api/organisations",
                json!({"slug": "union", "name": "Union"}),
            )
            .await,
    )["id"]
        .as_i64()
        .unwrap();
    expect(
        StatusCode::CREATED,
        platform
            .post(
                &format!("/api/organisations/{org}/staff"),
                json!({"username": "carl", "password": PASSWORD, "role": "committee"}),
            )
            .await,
    );
    let committee = Api::signed_in(&root, "/api/login", login("carl")).await;
    let election = expect(
        StatusCode::CREATED,
        committee
            .post(
                &format!("/api/organisations/{org}/elections"),
                json!({"election_id": "reps", "title": "Reps", "trustees": 1, "threshold": 1,
                       "districts": [{"district": "North", "seats": 1}, {"district": "South", "seats": 1}]}),
            )
            .await,
    )["id"]
        .as_i64()
        .unwrap();
    let w = World {
        db,
        pool,
        _tmp: tmp,
        key_path,
        root,
        committee,
        org,
        election,
    };
    assert_eq!(w.import(ROLL).await.0, StatusCode::OK);
    expect(
        StatusCode::NO_CONTENT,
        w.committee
            .post(
                &format!("/api/elections/{election}/nominations/open"),
                json!({}),
            )
            .await,
    );
    // Every member was told that nominations are open; those messages
    // leave first, so the tests see only what they cause.
    let told = w.outbox().await;
    assert_eq!(told.len(), ROLL.lines().count() - 1, "{told:?}");
    assert!(
        told.iter()
            .all(|(_, m)| m.starts_with("Nominations are open")),
        "{told:?}"
    );
    w
}

impl World {
    /// Previews and applies a roll; the apply's answer.
    async fn import(&self, csv: &str) -> (StatusCode, Value) {
        let path = format!("/api/elections/{}/roll", self.election);
        let csv_post = |p: String| {
            Api::answer(
                self.committee
                    .request(Method::POST, &p)
                    .header("content-type", "text/csv")
                    .body(csv.to_string()),
            )
        };
        let (status, preview, _) = csv_post(path.clone()).await;
        if status != StatusCode::OK {
            return (status, preview);
        }
        let digest = preview["digest"].as_str().unwrap().to_string();
        let (s, b, _) = csv_post(format!("{path}?apply={digest}")).await;
        (s, b)
    }

    /// The outbox as (recipient, body), taken out of it.
    async fn outbox(&self) -> Vec<(String, String)> {
        let r = self
            .committee
            .request(
                Method::POST,
                &format!("/api/elections/{}/outbox/export", self.election),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let text = r.text().await.unwrap();
        text.lines()
            .skip(1)
            .map(|l| {
                let (recipient, rest) = l.split_once(',').unwrap();
                (recipient.to_string(), rest.to_string())
            })
            .collect()
    }

    async fn audit_actions(&self) -> Vec<String> {
        let c = self.pool.get().await.unwrap();
        c.query("SELECT action FROM audit_log ORDER BY id", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    async fn code_request(&self, number: &str) -> StatusCode {
        Api::anonymous(&self.root)
            .post(
                "/api/member/code",
                json!({"election": self.election, "member_number": number}),
            )
            .await
            .0
    }

    async fn member_login(
        &self,
        number: &str,
        code: &str,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        Api::answer(
            Api::anonymous(&self.root)
                .request(Method::POST, "/api/member/login")
                .json(&json!({"election": self.election, "member_number": number, "code": code})),
        )
        .await
    }
}

fn code_in(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 8)
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_text_exports_and_answers_hold_against_abuse() {
    let w = world(|s| {
        s.with_metrics_access(MetricsAccess {
            from: Vec::new(),
            token: Some(zeroize::Zeroizing::new("metrics-token".into())),
        })
    })
    .await;
    let anonymous = Api::anonymous(&w.root);

    // Staff: five wrong passwords lock the account; then even the right
    // one waits, with Retry-After; an unknown name answers the same.
    for user in ["carl", "nobody"] {
        for _ in 0..5 {
            let (s, b) = anonymous
                .post(
                    "/api/login",
                    json!({"username": user, "password": "wrong password!"}),
                )
                .await;
            assert_eq!(
                (s, b["error"].as_str()),
                (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
            );
        }
        let (s, b, h) = Api::answer(
            anonymous
                .request(Method::POST, "/api/login")
                .json(&json!({"username": user, "password": PASSWORD})),
        )
        .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{user}: {b}");
        assert_eq!(b["error"], "too_many_attempts");
        let wait: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=30).contains(&wait), "{wait}");
    }
    let actions = w.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "login.failed").count(), 10);
    assert_eq!(actions.iter().filter(|a| *a == "login.locked").count(), 2);

    // Members: codes per member are capped (3 an hour), whether or not the
    // member exists, and every answer takes the same fixed time.
    let mut statuses = Vec::new();
    for number in ["M002", "M999"] {
        let mut these = Vec::new();
        for _ in 0..6 {
            let started = std::time::Instant::now();
            these.push(w.code_request(number).await);
            assert!(started.elapsed() >= http::sessions::CODE_ANSWER);
        }
        statuses.push(these);
    }
    assert_eq!(statuses[0], statuses[1]);
    assert_eq!(
        statuses[0],
        [202, 202, 202, 429, 429, 429].map(|s| StatusCode::from_u16(s).unwrap())
    );
    let messages = w.outbox().await;
    assert_eq!(messages.len(), 3, "{messages:?}");
    // Phone numbers stay dialable in the export.
    assert!(
        messages.iter().all(|(r, _)| r == "+46701112233"),
        "{messages:?}"
    );

    // Member numbers are normalised: the register's 007 is 7, m003 is M003.
    assert_eq!(w.code_request(" 7 ").await, StatusCode::ACCEPTED);
    assert_eq!(w.code_request("M003").await, StatusCode::ACCEPTED);
    let messages = w.outbox().await;
    let anna_code = code_in(
        &messages
            .iter()
            .find(|(r, _)| r == "anna@example.org")
            .unwrap()
            .1,
    );
    // A cell a spreadsheet would run is written as text.
    assert!(
        messages.iter().any(|(r, _)| r == "'=1+2@example.org"),
        "{messages:?}"
    );

    // Wrong codes per member, over all codes: five, then the right code
    // waits too; the lock is in the organisation's audit log.
    for number in ["0007", "M999"] {
        for _ in 0..5 {
            let (s, b, _) = w.member_login(number, "00000000").await;
            assert_eq!(
                (s, b["error"].as_str()),
                (StatusCode::UNAUTHORIZED, Some("bad_code"))
            );
        }
        let code = if number == "0007" {
            anna_code.as_str()
        } else {
            "12345678"
        };
        let (s, b, h) = w.member_login(number, code).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{b}");
        assert!(h.contains_key("retry-after"));
    }
    let c = w.pool.get().await.unwrap();
    let locks: i64 = c
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'member_login.locked' \
             AND organisation = $1",
            &[&w.org],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(locks, 2);

    // A roll that spells one member twice is refused.
    let twice =
        "member_number,name,contact,district\nA1,X,x@example.org,North\na1,Y,y@example.org,North\n";
    let (s, b) = w.import(twice).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b["details"]
            .to_string()
            .contains("already appears on line 2"),
        "{b}"
    );

    // A nominee: Cecilia stands; the committee approves; a new
    // presentation sends it back to review, in the log.
    let cecilia_code = code_in(
        &messages
            .iter()
            .find(|(r, _)| r == "'=1+2@example.org")
            .unwrap()
            .1,
    );
    let cecilia = Api::signed_in(
        &w.root,
        "/api/member/login",
        json!({"election": w.election, "member_number": "m003", "code": cecilia_code}),
    )
    .await;
    let nomination = expect(
        StatusCode::CREATED,
        cecilia
            .post("/api/member/nominations", json!({"nominee": "M003"}))
            .await,
    )["id"]
        .as_i64()
        .unwrap();
    let present = |text: &str| {
        Api::answer(
            cecilia
                .request(Method::PUT, "/api/member/presentation")
                .json(&json!({ "text": text })),
        )
    };
    assert_eq!(
        present("Twenty years a member.").await.0,
        StatusCode::NO_CONTENT
    );
    expect(
        StatusCode::NO_CONTENT,
        w.committee
            .post(
                &format!(
                    "/api/elections/{}/nominations/{nomination}/decision",
                    w.election
                ),
                json!({"approve": true}),
            )
            .await,
    );
    let status_of = || async {
        let (_, list) = w
            .committee
            .get(&format!("/api/elections/{}/nominations", w.election))
            .await;
        list.as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == nomination)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status_of().await, "approved");
    // Invisible formatting is refused in a presentation.
    let (s, b, _) = present("Vote \u{202e}rof em").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(status_of().await, "approved");
    assert_eq!(
        present("Thirty years a member.").await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(status_of().await, "accepted");
    assert!(
        w.audit_actions()
            .await
            .contains(&"nomination.presentation_changed".to_string())
    );

    // A nominee cannot be moved to another district by a re-import.
    let moved = ROLL.replace(
        "m003,Cecilia,=1+2@example.org,North",
        "M003,Cecilia,=1+2@example.org,South",
    );
    let (s, b) = w.import(&moved).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"], "member_in_nomination_moved");
    assert!(b["message"].as_str().unwrap().contains("M003"));

    // Control characters: a NUL in any string is a 400, never a 503.
    let (s, b) = anonymous
        .post(
            "/api/login",
            json!({"username": "a\u{0}b", "password": "x"}),
        )
        .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("control_character"))
    );
    let (s, b) = anonymous
        .get(&format!("/api/elections/{}/trackers/ab%00cd", w.election))
        .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("control_character"))
    );
    // Shown text refuses bidirectional overrides.
    let (s, _) = w
        .committee
        .post(
            &format!("/api/organisations/{}/elections", w.org),
            json!({"election_id": "x", "title": "Board \u{202e}2027", "trustees": 1,
                   "threshold": 1, "districts": [{"district": "All", "seats": 1}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Errors: short, and JSON for 405, 413 and 414.
    let mut long = json!({"username": "x", "password": "y"});
    long["z".repeat(5000)] = json!(1);
    let (s, b) = anonymous.post("/api/login", long).await;
    assert_eq!(s.as_u16() / 100, 4);
    assert!(b["message"].as_str().unwrap().chars().count() <= 201, "{b}");
    let (s, b, h) = Api::answer(anonymous.request(Method::DELETE, "/api/login")).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );
    assert!(h.contains_key("allow"));
    let (s, b) = anonymous
        .get(&format!("/api/me?{}", "q".repeat(5000)))
        .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::URI_TOO_LONG, Some("uri_too_long"))
    );
    let (s, b, _) = Api::answer(
        anonymous
            .request(Method::POST, "/api/login")
            .header("content-type", "application/json")
            .body(vec![b' '; http::MAX_BODY + 1]),
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")),
        "{b}"
    );

    // Metrics: nobody without the token.
    assert_eq!(anonymous.get("/metrics").await.0, StatusCode::NOT_FOUND);
    let r = anonymous
        .request(Method::GET, "/metrics")
        .bearer_auth("metrics-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("valurna_"));
    let _ = &w.key_path;
    drop(w.pool);
    w.db.drop_now().await;
}

/// A connection from `source` (any 127.0.0.0/8 address) to `server`.
async fn connect_from(source: [u8; 4], server: SocketAddr) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(IpAddr::from(source), 0))
        .unwrap();
    socket.connect(server).await.unwrap()
}

/// Whether the server closes `stream` (EOF or reset) within `bound`;
/// whatever it answered first is returned.
async fn closed_within(stream: &mut tokio::net::TcpStream, bound: Duration) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(bound, read).await.ok()?;
    Some(String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounded_flood_of_idle_and_slow_connections_leaves_honest_clients_served() {
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::pool_with(db.config.clone(), 4).unwrap();
    db::migrate(&pool).await.unwrap();
    let key = ReceiptKey::load_or_create(&tmp.path().join("receipt.key")).unwrap();
    let state = AppState::new(pool.clone(), key);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = listener.local_addr().unwrap();
    let limits = ConnLimits {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        max_connections: 256,
        per_address: 16,
    };
    tokio::spawn(http::run(listener, state, limits));

    // One client holds 16 idle connections; 300 more are closed at once.
    let mut held = Vec::new();
    for _ in 0..16 {
        held.push(connect_from([127, 0, 0, 2], server).await);
    }
    let mut refused = 0;
    for _ in 0..300 {
        let mut s = connect_from([127, 0, 0, 2], server).await;
        if closed_within(&mut s, Duration::from_secs(5))
            .await
            .is_some()
        {
            refused += 1;
        }
    }
    assert_eq!(refused, 300);
    // Honest clients from another address are answered meanwhile.
    let honest = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    for _ in 0..20 {
        let r = honest
            .get(format!("http://{server}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    // The idle ones, half a header, and a kept-alive connection left idle
    // are closed by the header timeout.
    for s in &mut held {
        assert!(closed_within(s, Duration::from_secs(10)).await.is_some());
    }
    let mut half = connect_from([127, 0, 0, 3], server).await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut half, Duration::from_secs(10))
            .await
            .is_some()
    );
    let mut kept = connect_from([127, 0, 0, 3], server).await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = closed_within(&mut kept, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Half a body is answered 408 by the body timeout, and closed.
    let mut slow = connect_from([127, 0, 0, 3], server).await;
    slow.write_all(
        b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"username\":",
    )
    .await
    .unwrap();
    let answer = closed_within(&mut slow, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("unreadable_body"), "{answer}");
    drop(pool);
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_counted_per_client_behind_a_trusted_proxy() {
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::pool_with(db.config.clone(), 4).unwrap();
    db::migrate(&pool).await.unwrap();
    let key = ReceiptKey::load_or_create(&tmp.path().join("receipt.key")).unwrap();
    let proxied = serve_on_free_port(
        AppState::new(pool.clone(), key)
            .with_abuse_limit(4)
            .with_trusted_proxies(TrustedProxies::parse(&["127.0.0.1".into()]).unwrap()),
    )
    .await;
    let key = ReceiptKey::load_or_create(&tmp.path().join("receipt.key")).unwrap();
    let direct = serve_on_free_port(AppState::new(pool.clone(), key).with_abuse_limit(4)).await;
    let http = reqwest::Client::new();
    let cast = |root: &str, client: &str| {
        http.post(format!("{root}/api/elections/424242/ballots"))
            .header("x-forwarded-for", format!("6.6.6.6, {client}"))
            .json(&json!({"ballot": "AAAA"}))
            .send()
    };
    for root in [&proxied, &direct] {
        for _ in 0..4 {
            assert_eq!(
                cast(root, "198.51.100.1").await.unwrap().status(),
                StatusCode::NOT_FOUND
            );
        }
        let r = cast(root, "198.51.100.1").await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "10");
    }
    // Behind the proxy another voter is not held back by the first; with
    // no trusted proxy the header proves nothing and the peer is held.
    assert_eq!(
        cast(&proxied, "198.51.100.2").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        cast(&direct, "198.51.100.2").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    drop(pool);
    db.drop_now().await;
}

/// A member's sign-in code: refused once expired, refused after its tries
/// are spent (counted per code, apart from the per-member lock), usable
/// once; and signing out ends the session on the server, for members and
/// for staff, whatever the browser keeps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_codes_expire_and_run_out_and_signing_out_ends_the_session() {
    use valurna_server::election::accounts::CODE_TRIES;
    let w = world(|s| s).await;
    let c = w.pool.get().await.unwrap();
    assert_eq!(w.code_request("M004").await, StatusCode::ACCEPTED);
    let messages = w.outbox().await;
    let code = code_in(
        &messages
            .iter()
            .find(|(r, _)| r == "david@example.org")
            .unwrap()
            .1,
    );
    let set = async |sql: String| {
        let n = c
            .execute(
                &format!(
                    "UPDATE login_codes SET {sql} WHERE member = \
                     (SELECT id FROM members WHERE member_number = 'M004')"
                ),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(n, 1, "{sql}");
    };
    let refused = |call: (StatusCode, Value, reqwest::header::HeaderMap)| {
        assert_eq!(
            (call.0, call.1["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("bad_code")),
            "{}",
            call.1
        );
    };

    // The right code, a second past its expiry.
    set("expires_at = now() - interval '1 second'".into()).await;
    refused(w.member_login("M004", &code).await);
    // Fresh again, but its tries spent (over longer than the lock's window).
    set(format!(
        "expires_at = now() + interval '10 minutes', attempts = {CODE_TRIES}"
    ))
    .await;
    refused(w.member_login("M004", &code).await);
    // One try left: the right code signs in, once.
    set(format!("attempts = {}", CODE_TRIES - 1)).await;
    let body = json!({"election": w.election, "member_number": "M004", "code": code});
    let david = Api::signed_in(&w.root, "/api/member/login", body).await;
    refused(w.member_login("M004", &code).await);

    // Signing out: the same cookie is refused afterwards.
    expect(StatusCode::OK, david.get("/api/member/nominations").await);
    expect(
        StatusCode::NO_CONTENT,
        david.post("/api/member/logout", json!({})).await,
    );
    let (s, b) = david.get("/api/member/nominations").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    let sessions: i64 = c
        .query_one(
            "SELECT count(*) FROM sessions WHERE member IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(sessions, 0);

    expect(StatusCode::OK, w.committee.get("/api/me").await);
    expect(
        StatusCode::NO_CONTENT,
        w.committee.post("/api/logout", json!({})).await,
    );
    let (s, b) = w.committee.get("/api/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    drop(c);
    w.db.drop_now().await;
}
