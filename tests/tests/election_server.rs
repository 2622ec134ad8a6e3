//! A whole election through `valurna serve` over HTTP against the real
//! PostgreSQL: the platform admin creates an organisation, its
//! admin the staff; the committee creates the election, imports and
//! re-imports the voter roll, names the trustees and opens nominations;
//! members sign in with one-time codes, nominate, accept and decline and
//! write presentations; the committee approves, freezes the manifest; the
//! trustees run the key ceremony through the server with their secrets on
//! their own machines; voting opens with credentials delivered through the
//! outbox; voters' devices encrypt and cast; the committee closes; the
//! trustees decrypt (a bad share is refused and named); and the record the
//! server publishes passes `valurna-verify` with the counts the voters
//! cast. On the way, bad requests of many kinds each get a JSON 4xx and
//! leave the database unchanged.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use valurna_engine::ballot::{Ballot, BallotContext};
use valurna_engine::credential::VotingCode;
use valurna_engine::manifest::{Manifest, manifest_hash};
use valurna_engine::record::Parameters;
use valurna_engine::rng::os_rng;
use valurna_server::db;
use valurna_server::election::messages;
use valurna_server::http::AppState;
use valurna_server::receipt::ReceiptKey;
use valurna_server::record::ceremony::{
    ReceiveOutcome, trustee_announce, trustee_deal, trustee_receive,
};
use valurna_server::record::tally::trustee_decrypt;

mod common;
use common::{TestDb, b64, serve_on_free_port, snapshot, snapshot_except};

const PASSWORD: &str = "correct horse battery staple";

/// Every log line of this test process, at the most verbose level the
/// server allows (`valurna_server::log_filter("trace")`).
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

fn captured_logs() -> Captured {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        tracing_subscriber::fmt()
            .with_env_filter(valurna_server::log_filter("trace"))
            .with_writer(logs.clone())
            .with_ansi(false)
            .init();
        logs
    })
    .clone()
}

/// A client with a session (cookie and CSRF token), or none.
#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    root: String,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl Api {
    fn anonymous(root: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            root: root.to_string(),
            cookie: None,
            csrf: None,
        }
    }

    /// Signs in with a session from `path` (staff or member login).
    async fn signed_in(root: &str, path: &str, body: Value) -> Api {
        let api = Api::anonymous(root);
        let r = api
            .http
            .post(format!("{root}{path}"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login at {path}");
        let set_cookie = r.headers()[reqwest::header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
        let cookie = set_cookie.split(';').next().unwrap().to_string();
        let session: Value = r.json().await.unwrap();
        Api {
            cookie: Some(cookie),
            csrf: Some(session["csrf_token"].as_str().unwrap().to_string()),
            ..api
        }
    }

    async fn staff(root: &str, username: &str) -> Api {
        Api::signed_in(
            root,
            "/api/login",
            json!({"username": username, "password": PASSWORD}),
        )
        .await
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut b = self.http.request(method, format!("{}{path}", self.root));
        if let Some(c) = &self.cookie {
            b = b.header(reqwest::header::COOKIE, c);
        }
        if let Some(t) = &self.csrf {
            b = b.header("x-csrf-token", t);
        }
        b
    }

    async fn answer(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let r = r.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        Api::answer(self.request(Method::POST, path).json(&body)).await
    }

    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        Api::answer(self.request(Method::PUT, path).json(&body)).await
    }

    async fn post_empty(&self, path: &str) -> (StatusCode, Value) {
        Api::answer(self.request(Method::POST, path)).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        Api::answer(self.request(Method::GET, path)).await
    }

    async fn get_bytes(&self, path: &str) -> Vec<u8> {
        let r = self.request(Method::GET, path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.bytes().await.unwrap().to_vec()
    }

    async fn post_csv(&self, path: &str, csv: &str) -> (StatusCode, Value) {
        Api::answer(
            self.request(Method::POST, path)
                .header("content-type", "text/csv")
                .body(csv.to_string()),
        )
        .await
    }

    /// Expects `status`; returns the body.
    async fn expect(&self, status: StatusCode, call: (StatusCode, Value)) -> Value {
        assert_eq!(call.0, status, "{}", call.1);
        call.1
    }
}

/// The audit log's actions after row `after`.
async fn audit_since(client: &tokio_postgres::Client, after: i64) -> Vec<String> {
    client
        .query(
            "SELECT action FROM audit_log WHERE id > $1 ORDER BY id",
            &[&after],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn last_audit_id(client: &tokio_postgres::Client) -> i64 {
    client
        .query_one("SELECT coalesce(max(id), 0) FROM audit_log", &[])
        .await
        .unwrap()
        .get(0)
}

/// Checks that a refused request answered a JSON error with `code` and a
/// 4xx `status`, and changed nothing in the database.
struct Refusals<'a> {
    db: &'a tokio_postgres::Client,
    kinds: Vec<String>,
    /// Every refused request's error body, scanned for secrets at the end.
    bodies: Vec<String>,
}

impl Refusals<'_> {
    async fn check(
        &mut self,
        what: &str,
        status: StatusCode,
        code: &str,
        request: impl Future<Output = (StatusCode, Value)>,
    ) -> Value {
        let before = snapshot(self.db).await;
        let (got, body) = request.await;
        assert_eq!(got, status, "{what}: {body}");
        assert!(got.is_client_error(), "{what}");
        assert_eq!(body["error"], code, "{what}: {body}");
        assert!(body["message"].is_string(), "{what}: {body}");
        assert_eq!(
            snapshot(self.db).await,
            before,
            "{what} changed the database"
        );
        self.kinds.push(what.to_string());
        self.bodies.push(body.to_string());
        body
    }

    /// [`Refusals::check`] for a refused sign-in, which changes nothing
    /// but the audit log (exactly `actions` added) and the sign-in limits'
    /// counters.
    async fn check_audited(
        &mut self,
        what: &str,
        status: StatusCode,
        code: &str,
        actions: &[&str],
        request: impl Future<Output = (StatusCode, Value)>,
    ) -> Value {
        const SKIP: &[&str] = &["audit_log", "throttle"];
        let before = snapshot_except(self.db, SKIP).await;
        let last = last_audit_id(self.db).await;
        let (got, body) = request.await;
        assert_eq!(got, status, "{what}: {body}");
        assert_eq!(body["error"], code, "{what}: {body}");
        assert_eq!(
            snapshot_except(self.db, SKIP).await,
            before,
            "{what} changed the database"
        );
        assert_eq!(audit_since(self.db, last).await, actions, "{what}");
        self.kinds.push(what.to_string());
        self.bodies.push(body.to_string());
        body
    }
}

/// The outbox's messages as (recipient, body), taken out of it.
async fn take_outbox(committee: &Api, setup: i64) -> Vec<(String, String)> {
    let r = committee
        .request(
            Method::POST,
            &format!("/api/elections/{setup}/outbox/export"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let mut reader = csv_rows(&text);
    assert_eq!(reader.remove(0), ["recipient", "subject", "body"]);
    reader
        .into_iter()
        .map(|r| (r[0].clone(), r[2].clone()))
        .collect()
}

/// A small CSV reader for the outbox (quoted fields, no embedded newlines).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut fields = Vec::new();
            let mut field = String::new();
            let mut quoted = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, quoted) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        field.push('"');
                        chars.next();
                    }
                    ('"', _) => quoted = !quoted,
                    (',', false) => fields.push(std::mem::take(&mut field)),
                    (c, _) => field.push(c),
                }
            }
            fields.push(field);
            fields
        })
        .collect()
}

/// The one-time code in the newest message to `contact`.
fn code_for(messages: &[(String, String)], contact: &str) -> String {
    let body = &messages
        .iter()
        .rev()
        .find(|(r, _)| r == contact)
        .unwrap_or_else(|| panic!("no message to {contact}"))
        .1;
    body.split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .find(|w| w.len() == 8 && w.bytes().all(|b| b.is_ascii_digit()))
        .unwrap()
        .to_string()
}

/// Copies every file of the server's ceremony directory to `dir`.
/// Waits until the election at `path` has `status` (the voting period's
/// schedule acts in the background), for at most a minute.
async fn until_status(api: &Api, path: &str, status: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (_, e) = api.get(path).await;
        if e["status"] == status {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the schedule did not make the election {status}: {e}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn sync_ceremony(api: &Api, setup: i64, dir: &Path) {
    let (_, list) = api.get(&format!("/api/elections/{setup}/ceremony")).await;
    for f in list.as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let bytes = api
            .get_bytes(&format!("/api/elections/{setup}/ceremony/{name}"))
            .await;
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

async fn upload(api: &Api, setup: i64, dir: &Path, name: &str) {
    let bytes = std::fs::read(dir.join(name)).unwrap();
    let (status, body) = Api::answer(
        api.request(
            Method::PUT,
            &format!("/api/elections/{setup}/ceremony/{name}"),
        )
        .body(bytes),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
}

/// Downloads a published record into `dir`.
async fn download_record(api: &Api, ballot_box: i64, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let (_, list) = api
        .get(&format!("/api/elections/{ballot_box}/record"))
        .await;
    for f in list.as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let bytes = api
            .get_bytes(&format!("/api/elections/{ballot_box}/record/{name}"))
            .await;
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

const ROLL: &str = "member_number,name,contact,district
M001,Anna Andersson,anna@example.org,North
M002,Bo Berg,+46 70 111 22 33,North
M003,Cecilia Carlsson,cecilia@example.org,North
M004,David Dahl,david@example.org,North
M005,Eva Ek,eva@example.org,North
M006,Fredrik Falk,fredrik@example.org,North
M007,Greta Gran,greta@example.org,South
M008,Hans Holm,hans@example.org,South
M009,Ingrid Ivarsson,ingrid@example.org,South
M010,Johan Jonsson,johan@example.org,South
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_election_over_http_passes_the_verifier() {
    let logs = captured_logs();
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::pool_with(db.config.clone(), 8).unwrap();
    db::migrate(&pool).await.unwrap();
    valurna_server::cli::admin::create_platform_admin(&pool, "platform", PASSWORD)
        .await
        .unwrap();
    let key = ReceiptKey::load_or_create(&tmp.path().join("receipt.key")).unwrap();
    // Observers' tools on this machine read the metrics.
    let state = AppState::new(pool.clone(), key)
        .with_data_dir(tmp.path().join("data"))
        .with_metrics_access(valurna_server::http::state::MetricsAccess {
            from: vec!["127.0.0.0/8".parse().unwrap()],
            token: None,
        });
    let schedule_state = state.clone();
    let root = serve_on_free_port(state).await;
    let (dbc, conn) = db.config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let mut refused = Refusals {
        db: &dbc,
        kinds: Vec::new(),
        bodies: Vec::new(),
    };
    let anonymous = Api::anonymous(&root);

    // The platform admin creates the organisation and its admin.
    let platform = Api::staff(&root, "platform").await;
    let org = platform
        .expect(
            StatusCode::CREATED,
            platform
                .post(
                    "/api/organisations",
                    json!({"slug": "coop-north", "name": "Co-op North"}),
                )
                .await,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let staff_path = format!("/api/organisations/{org}/staff");
    platform
        .expect(
            StatusCode::CREATED,
            platform
                .post(
                    &staff_path,
                    json!({"username": "olga", "password": PASSWORD, "role": "org_admin"}),
                )
                .await,
        )
        .await;
    let olga = Api::staff(&root, "olga").await;
    for (user, role) in [
        ("carl", "committee"),
        ("trustee1", "trustee"),
        ("trustee2", "trustee"),
        ("trustee3", "trustee"),
        ("oscar", "observer"),
    ] {
        olga.expect(
            StatusCode::CREATED,
            olga.post(
                &staff_path,
                json!({"username": user, "password": PASSWORD, "role": role}),
            )
            .await,
        )
        .await;
    }
    let carl = Api::staff(&root, "carl").await;
    let oscar = Api::staff(&root, "oscar").await;

    // Refused: bad sign-ins, sessions and roles.
    refused
        .check_audited(
            "a wrong password",
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            &["login.failed"],
            anonymous.post(
                "/api/login",
                json!({"username": "carl", "password": "wrong password!"}),
            ),
        )
        .await;
    refused
        .check_audited(
            "an unknown account",
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            &["login.failed"],
            anonymous.post(
                "/api/login",
                json!({"username": "nobody", "password": PASSWORD}),
            ),
        )
        .await;
    let forged = Api {
        cookie: Some("valurna_session=AAAAforgedAAAAforgedAAAAforgedAAAAforgedAAA".into()),
        ..carl.clone()
    };
    let new_election = json!({
        "election_id": "delegates-2027", "title": "Delegates 2027",
        "trustees": 3, "threshold": 2,
        "districts": [{"district": "North", "seats": 2}, {"district": "South", "seats": 1}],
    });
    let elections_path = format!("/api/organisations/{org}/elections");
    refused
        .check(
            "a forged session cookie",
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            forged.post(&elections_path, new_election.clone()),
        )
        .await;
    refused
        .check(
            "no session",
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            anonymous.post(&elections_path, new_election.clone()),
        )
        .await;
    let no_csrf = Api {
        csrf: None,
        ..carl.clone()
    };
    refused
        .check(
            "a missing CSRF token",
            StatusCode::FORBIDDEN,
            "csrf",
            no_csrf.post(&elections_path, new_election.clone()),
        )
        .await;
    let wrong_csrf = Api {
        csrf: olga.csrf.clone(),
        ..carl.clone()
    };
    refused
        .check(
            "another session's CSRF token",
            StatusCode::FORBIDDEN,
            "csrf",
            wrong_csrf.post(&elections_path, new_election.clone()),
        )
        .await;
    refused
        .check(
            "an observer creating an election",
            StatusCode::FORBIDDEN,
            "forbidden",
            oscar.post(&elections_path, new_election.clone()),
        )
        .await;
    refused
        .check(
            "a committee member creating staff",
            StatusCode::FORBIDDEN,
            "forbidden",
            carl.post(
                &staff_path,
                json!({"username": "mallory", "password": PASSWORD, "role": "org_admin"}),
            ),
        )
        .await;
    refused
        .check(
            "a weak password",
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
            olga.post(
                &staff_path,
                json!({"username": "weak", "password": "short", "role": "observer"}),
            ),
        )
        .await;
    refused
        .check(
            "a taken username",
            StatusCode::CONFLICT,
            "username_taken",
            olga.post(
                &staff_path,
                json!({"username": "carl", "password": PASSWORD, "role": "observer"}),
            ),
        )
        .await;
    refused
        .check(
            "malformed JSON",
            StatusCode::BAD_REQUEST,
            "malformed_json",
            Api::answer(
                carl.request(Method::POST, &elections_path)
                    .header("content-type", "application/json")
                    .body("{\"election_id\": "),
            ),
        )
        .await;
    refused
        .check(
            "an unknown field",
            StatusCode::BAD_REQUEST,
            "malformed_json",
            carl.post(&elections_path, json!({"election_id": "x", "admin": true})),
        )
        .await;
    refused
        .check(
            "a threshold above the trustees",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            carl.post(
                &elections_path,
                json!({"election_id": "x", "title": "x", "trustees": 2, "threshold": 3,
                       "districts": [{"district": "North", "seats": 1}]}),
            ),
        )
        .await;

    // The committee creates the election and imports the roll.
    let setup = carl
        .expect(
            StatusCode::CREATED,
            carl.post(&elections_path, new_election.clone()).await,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let s = format!("/api/elections/{setup}");
    refused
        .check(
            "another organisation's election",
            StatusCode::NOT_FOUND,
            "no_such_election",
            carl.get("/api/elections/999999"),
        )
        .await;
    let roll_path = format!("{s}/roll");
    let bad_roll = "member_number,name,contact,district\n\
                    M001,Anna,anna@example.org,North\n\
                    M002,Bo,not a contact,North\n\
                    M003,Cecilia,c@example.org,Atlantis\n\
                    M001,Anna again,a2@example.org,North\n";
    let body = refused
        .check(
            "a roll with bad rows",
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_rows",
            carl.post_csv(&roll_path, bad_roll),
        )
        .await;
    let lines: Vec<u64> = body["details"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5], "{body}");
    assert!(
        !body.to_string().contains("not a contact"),
        "personal data echoed"
    );
    refused
        .check(
            "a roll that is not CSV",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type",
            carl.post(&roll_path, json!({"members": []})),
        )
        .await;
    let preview = carl
        .expect(StatusCode::OK, carl.post_csv(&roll_path, ROLL).await)
        .await;
    assert_eq!(preview["added"], 10);
    assert_eq!(preview["applied"], false);
    assert_eq!(
        dbc.query_one("SELECT count(*) FROM members", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        0,
        "a preview imports nothing"
    );
    let digest = preview["digest"].as_str().unwrap().to_string();
    refused
        .check(
            "applying a file other than the one previewed",
            StatusCode::CONFLICT,
            "stale_preview",
            carl.post_csv(
                &format!("{roll_path}?apply={digest}"),
                &ROLL.replace("Eva Ek", "Eva Eklund"),
            ),
        )
        .await;
    let applied = carl
        .expect(
            StatusCode::OK,
            carl.post_csv(&format!("{roll_path}?apply={digest}"), ROLL)
                .await,
        )
        .await;
    assert_eq!(applied["applied"], true);
    // A re-import: one member leaves, one changes, one joins.
    let roll2 = ROLL
        .replace("M006,Fredrik Falk,fredrik@example.org,North\n", "")
        .replace("Eva Ek,", "Eva Eklund,")
        + "M011,Karin Knutsson,karin@example.org,South\n";
    let preview = carl
        .expect(StatusCode::OK, carl.post_csv(&roll_path, &roll2).await)
        .await;
    assert_eq!(
        (
            &preview["members"]["added"],
            &preview["members"]["removed"],
            &preview["members"]["changed"],
            &preview["unchanged"]
        ),
        (
            &json!(["M011"]),
            &json!(["M006"]),
            &json!(["M005"]),
            &json!(8)
        ),
        "{preview}"
    );
    let digest = preview["digest"].as_str().unwrap();
    carl.expect(
        StatusCode::OK,
        carl.post_csv(&format!("{roll_path}?apply={digest}"), &roll2)
            .await,
    )
    .await;

    // The same roll as the register exports it: its own headers, the name
    // in two columns, the phone in its own column, a column more.
    let mut register = String::from("Medlemsnummer;Förnamn;Efternamn;E-post;Mobil;Krets;Född\n");
    for line in roll2.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (first, last) = f[1].split_once(' ').unwrap();
        let (mail, phone) = if f[2].contains('@') {
            (f[2], "")
        } else {
            ("", f[2])
        };
        register.push_str(&format!(
            "{};{first};{last};{mail};{phone};{};1970\n",
            f[0], f[3]
        ));
    }
    let columns = json!({"member_number": "Medlemsnummer", "name": ["Förnamn", "Efternamn"],
                         "contact": ["E-post", "Mobil"], "district": "Krets"});
    let with_columns = |c: &Value| {
        let c = c.to_string();
        let q: String = c
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!("{roll_path}?columns={q}")
    };
    let preview = carl
        .expect(
            StatusCode::OK,
            carl.post_csv(&with_columns(&columns), &register).await,
        )
        .await;
    assert_eq!(
        (
            &preview["added"],
            &preview["changed"],
            &preview["unchanged"]
        ),
        (&json!(0), &json!(0), &json!(10)),
        "{preview}"
    );
    assert_eq!(preview["rows"][1]["name"], "Bo Berg");
    assert_eq!(preview["rows"][1]["contact"], "+46701112233");
    assert_eq!(preview["rows"][1]["line"], 3);
    // The digest covers the columns: another choice is another import.
    let digest = preview["digest"].as_str().unwrap().to_owned();
    let fewer = json!({"member_number": "Medlemsnummer", "name": ["Förnamn"],
                       "contact": ["E-post", "Mobil"], "district": "Krets"});
    refused
        .check(
            "applying other columns than were previewed",
            StatusCode::CONFLICT,
            "stale_preview",
            carl.post_csv(
                &format!("{}&apply={digest}", with_columns(&fewer)),
                &register,
            ),
        )
        .await;
    refused
        .check(
            "columns that are not a mapping",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_columns",
            carl.post_csv(&with_columns(&json!({"name": "x"})), &register),
        )
        .await;
    // A column the file does not have: the row says so, in Swedish.
    let wrong = json!({"member_number": "Medlemsnr", "name": ["Förnamn"],
                       "contact": ["E-post"], "district": "Krets"});
    let (status, body) = Api::answer(
        carl.request(Method::POST, &with_columns(&wrong))
            .header("content-type", "text/csv")
            .header("accept-language", "sv-SE,sv;q=0.9")
            .body(register.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let row = body["details"]["rows"][0]["message"].as_str().unwrap();
    assert!(
        row.contains("Medlemsnr") && !row.contains("the header"),
        "{body}"
    );
    assert!(
        !body["message"]
            .as_str()
            .unwrap()
            .contains("nothing was imported"),
        "{body}"
    );
    let columns_path = elections_path.replace("/elections", "/roll-columns");
    assert_eq!(
        carl.expect(StatusCode::OK, carl.get(&columns_path).await)
            .await,
        Value::Null
    );
    let applied = carl
        .expect(
            StatusCode::OK,
            carl.post_csv(
                &format!("{}&apply={digest}", with_columns(&columns)),
                &register,
            )
            .await,
        )
        .await;
    assert_eq!(applied["applied"], true);
    // Kept for the organisation's next import.
    assert_eq!(
        carl.expect(StatusCode::OK, carl.get(&columns_path).await)
            .await,
        columns
    );

    // Trustees, then nominations.
    refused
        .check(
            "a trustee index beyond n",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            carl.post(
                &format!("{s}/trustees"),
                json!({"username": "trustee1", "index": 4}),
            ),
        )
        .await;
    refused
        .check(
            "a non-trustee account as trustee",
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_trustee",
            carl.post(
                &format!("{s}/trustees"),
                json!({"username": "oscar", "index": 1}),
            ),
        )
        .await;
    for i in 1..=3 {
        carl.expect(
            StatusCode::NO_CONTENT,
            carl.post(
                &format!("{s}/trustees"),
                json!({"username": format!("trustee{i}"), "index": i}),
            )
            .await,
        )
        .await;
    }
    refused
        .check(
            "freezing before nominations",
            StatusCode::CONFLICT,
            "wrong_status",
            carl.post_empty(&format!("{s}/freeze")),
        )
        .await;
    // The messages' texts: the committee's own for "nominations are open",
    // refused when it names what the message has not got.
    let messages = carl
        .expect(StatusCode::OK, carl.get(&format!("{s}/messages")).await)
        .await;
    assert_eq!(messages["lang"], "en");
    assert_eq!(messages["messages"].as_array().unwrap().len(), 6);
    assert_eq!(messages["messages"][3]["kind"], "voting_code");
    assert!(
        messages["messages"][3]["body"]
            .as_str()
            .unwrap()
            .contains("{code}")
    );
    refused
        .check(
            "a voting-code text without the code",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_template",
            carl.put(
                &format!("{s}/messages/voting_code"),
                json!({"subject": "Vote", "body": "Vote at {link}."}),
            ),
        )
        .await;
    refused
        .check(
            "a placeholder the message has not got",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_template",
            carl.put(
                &format!("{s}/messages/nominations_open"),
                json!({"subject": "Open", "body": "Your code is {code}."}),
            ),
        )
        .await;
    refused
        .check(
            "a message that does not exist",
            StatusCode::NOT_FOUND,
            "no_such_message",
            carl.put(
                &format!("{s}/messages/postcard"),
                json!({"subject": "Hi", "body": "Hello"}),
            ),
        )
        .await;
    refused
        .check(
            "a language the messages are not in",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            carl.put(&format!("{s}/messages"), json!({"lang": "de"})),
        )
        .await;
    carl.expect(
        StatusCode::NO_CONTENT,
        carl.put(
            &format!("{s}/messages/nominations_open"),
            json!({"subject": "Nominate now: {election}", "body": "Propose candidates at {link} today."}),
        )
        .await,
    )
    .await;
    carl.expect(
        StatusCode::NO_CONTENT,
        carl.post_empty(&format!("{s}/nominations/open")).await,
    )
    .await;
    // Every member on the roll is told, in the committee's words.
    let told = take_outbox(&carl, setup).await;
    assert_eq!(told.len(), 10, "{told:?}");
    for (_, body) in &told {
        assert_eq!(
            body,
            "Propose candidates at http://127.0.0.1:8080/member today."
        );
    }

    // Members sign in with one-time codes sent to them.
    let mut answers = Vec::new();
    for number in ["M001", "M002", "M003", "M004", "M007", "M008", "M009"] {
        let answer = anonymous
            .post(
                "/api/member/code",
                json!({"election": setup, "member_number": number}),
            )
            .await;
        assert_eq!(answer.0, StatusCode::ACCEPTED, "{}", answer.1);
        answers.push(answer);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    // An unknown member gets the same answer, status and body, and
    // nothing is sent.
    let unknown = anonymous
        .post(
            "/api/member/code",
            json!({"election": setup, "member_number": "M999"}),
        )
        .await;
    assert_eq!(unknown, answers[0]);
    let messages = take_outbox(&carl, setup).await;
    assert_eq!(messages.len(), 7);
    // Every sign-in code sent, for the privacy scan at the end.
    let sign_in_codes: Vec<String> = messages
        .iter()
        .map(|(contact, _)| code_for(&messages, contact))
        .collect();
    let member = |number: &'static str, contact: &'static str| {
        let code = code_for(&messages, contact);
        let root = root.clone();
        async move {
            Api::signed_in(
                &root,
                "/api/member/login",
                json!({"election": setup, "member_number": number, "code": code}),
            )
            .await
        }
    };
    let wrong = anonymous
        .post(
            "/api/member/login",
            json!({"election": setup, "member_number": "M001", "code": "00000000"}),
        )
        .await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.1["error"], "bad_code");
    let anna = member("M001", "anna@example.org").await;
    let bo = member("M002", "+46701112233").await;
    let cecilia = member("M003", "cecilia@example.org").await;
    let david = member("M004", "david@example.org").await;
    let greta = member("M007", "greta@example.org").await;
    let hans = member("M008", "hans@example.org").await;
    let ingrid = member("M009", "ingrid@example.org").await;
    let nominate = |who: &Api, nominee: &str| {
        let (who, nominee) = (who.clone(), nominee.to_string());
        async move {
            who.post("/api/member/nominations", json!({"nominee": nominee}))
                .await
        }
    };
    // Anna stands herself and proposes Bo and Cecilia.
    anna.expect(StatusCode::CREATED, nominate(&anna, "M001").await)
        .await;
    anna.expect(StatusCode::CREATED, nominate(&anna, "M002").await)
        .await;
    anna.expect(StatusCode::CREATED, nominate(&anna, "M003").await)
        .await;
    refused
        .check(
            "a nomination in another district",
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_district",
            nominate(&anna, "M007"),
        )
        .await;
    refused
        .check(
            "a second nomination of one member",
            StatusCode::CONFLICT,
            "already_nominated",
            nominate(&david, "M002"),
        )
        .await;
    refused
        .check(
            "a member's nomination without CSRF token",
            StatusCode::FORBIDDEN,
            "csrf",
            Api {
                csrf: None,
                ..david.clone()
            }
            .post("/api/member/nominations", json!({"nominee": "M004"})),
        )
        .await;
    refused
        .check(
            "a member's session on a staff route",
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            Api {
                csrf: anna.csrf.clone(),
                ..anna.clone()
            }
            .post(&elections_path, new_election.clone()),
        )
        .await;
    david
        .expect(StatusCode::CREATED, nominate(&david, "M004").await)
        .await;
    // Bo accepts and presents himself; Cecilia declines.
    let (_, bos) = bo.get("/api/member/nominations").await;
    let bo_nomination = bos[0]["id"].as_i64().unwrap();
    assert_eq!(bos[0]["role"], "nominee");
    refused
        .check(
            "answering someone else's nomination",
            StatusCode::NOT_FOUND,
            "no_such_nomination",
            anna.post(
                &format!("/api/member/nominations/{bo_nomination}/respond"),
                json!({"accept": true}),
            ),
        )
        .await;
    bo.expect(
        StatusCode::NO_CONTENT,
        bo.post(
            &format!("/api/member/nominations/{bo_nomination}/respond"),
            json!({"accept": true}),
        )
        .await,
    )
    .await;
    let (_, cs) = cecilia.get("/api/member/nominations").await;
    cecilia
        .expect(
            StatusCode::NO_CONTENT,
            cecilia
                .post(
                    &format!("/api/member/nominations/{}/respond", cs[0]["id"]),
                    json!({"accept": false}),
                )
                .await,
        )
        .await;
    for who in [&anna, &bo] {
        who.expect(
            StatusCode::NO_CONTENT,
            Api::answer(
                who.request(Method::PUT, "/api/member/presentation")
                    .json(&json!({"text": "Member for twenty years.\nWants a better shop."})),
            )
            .await,
        )
        .await;
    }
    // South: Greta stands, Hans and Ingrid propose each other.
    greta
        .expect(StatusCode::CREATED, nominate(&greta, "M007").await)
        .await;
    hans.expect(StatusCode::CREATED, nominate(&hans, "M009").await)
        .await;
    let (_, mine) = ingrid.get("/api/member/nominations").await;
    ingrid
        .expect(
            StatusCode::NO_CONTENT,
            ingrid
                .post(
                    &format!("/api/member/nominations/{}/respond", mine[0]["id"]),
                    json!({"accept": true}),
                )
                .await,
        )
        .await;

    // The committee decides. Bo's nomination, Anna's and David's are
    // approved; South has no approved candidate yet.
    let (_, list) = carl.get(&format!("{s}/nominations")).await;
    let id_of = |number: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|n| n["nominee"] == number)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let decision = |n: i64| format!("{s}/nominations/{n}/decision");
    refused
        .check(
            "approving a declined nomination",
            StatusCode::CONFLICT,
            "not_accepted",
            carl.post(&decision(id_of("M003")), json!({"approve": true})),
        )
        .await;
    refused
        .check(
            "a rejection without a reason",
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
            carl.post(&decision(id_of("M004")), json!({"approve": false})),
        )
        .await;
    for n in ["M001", "M002", "M004"] {
        carl.expect(
            StatusCode::NO_CONTENT,
            carl.post(&decision(id_of(n)), json!({"approve": true}))
                .await,
        )
        .await;
    }
    let (_, overview) = carl.get(&s).await;
    assert_eq!(overview["lacking"], json!(["South"]), "{overview}");
    let north = &overview["districts"][0];
    assert_eq!(
        (
            &north["eligible"],
            &north["nominations"],
            &north["accepted"],
            &north["approved"]
        ),
        (&json!(5), &json!(4), &json!(3), &json!(3)),
        "{overview}"
    );
    let body = refused
        .check(
            "freezing with a district lacking candidates",
            StatusCode::CONFLICT,
            "lacking_candidates",
            carl.post_empty(&format!("{s}/freeze")),
        )
        .await;
    assert_eq!(body["details"]["districts"], json!(["South"]));
    carl.expect(
        StatusCode::NO_CONTENT,
        carl.post(&decision(id_of("M007")), json!({"approve": true}))
            .await,
    )
    .await;
    carl.expect(
        StatusCode::NO_CONTENT,
        carl.post(
            &decision(id_of("M009")),
            json!({"approve": false, "reason": "Not a member in good standing."}),
        )
        .await,
    )
    .await;
    carl.expect(
        StatusCode::OK,
        carl.post_empty(&format!("{s}/freeze")).await,
    )
    .await;
    let (_, candidates) = anonymous.get(&format!("{s}/candidates")).await;
    let names: Vec<&str> = candidates
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Anna Andersson", "Bo Berg", "David Dahl", "Greta Gran"]
    );
    refused
        .check(
            "a nomination after nominations closed",
            StatusCode::CONFLICT,
            "nominations_closed",
            nominate(&hans, "M008"),
        )
        .await;

    // The key ceremony through the server; each trustee's secrets stay in
    // their own directory.
    let trustees: Vec<(Api, PathBuf)> = {
        let mut v = Vec::new();
        for i in 1..=3 {
            let dir = tmp.path().join(format!("trustee{i}"));
            std::fs::create_dir_all(dir.join("ceremony")).unwrap();
            v.push((Api::staff(&root, &format!("trustee{i}")).await, dir));
        }
        v
    };
    for (i, (api, dir)) in trustees.iter().enumerate() {
        let c = dir.join("ceremony");
        sync_ceremony(api, setup, &c).await;
        trustee_announce(&c, i as u32 + 1, &dir.join("secret")).unwrap();
        upload(api, setup, &c, &format!("announcement-{}.json", i + 1)).await;
    }
    let t1 = &trustees[0].0;
    let stolen = std::fs::read(trustees[1].1.join("ceremony/announcement-2.json")).unwrap();
    refused
        .check(
            "a trustee uploading another trustee's file",
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_file_name",
            Api::answer(
                t1.request(Method::PUT, &format!("{s}/ceremony/announcement-2.json"))
                    .body(stolen.clone()),
            ),
        )
        .await;
    refused
        .check(
            "a ceremony file naming another sender",
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_sender",
            Api::answer(
                t1.request(Method::PUT, &format!("{s}/ceremony/confirmation-1.json"))
                    .body(serde_json::to_vec(&json!({"index": 2, "proof": "00"})).unwrap()),
            ),
        )
        .await;
    refused
        .check(
            "an oversized ceremony file",
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            Api::answer(
                t1.request(Method::PUT, &format!("{s}/ceremony/shares-from-1.json"))
                    .body(vec![b' '; 5 << 20]),
            ),
        )
        .await;
    refused
        .check(
            "a ceremony upload by the committee",
            StatusCode::FORBIDDEN,
            "forbidden",
            Api::answer(
                carl.request(Method::PUT, &format!("{s}/ceremony/announcement-1.json"))
                    .body(stolen),
            ),
        )
        .await;
    refused
        .check(
            "opening before the ceremony is complete",
            StatusCode::CONFLICT,
            "ceremony_incomplete",
            carl.post_empty(&format!("{s}/open")),
        )
        .await;
    for (i, (api, dir)) in trustees.iter().enumerate() {
        let c = dir.join("ceremony");
        sync_ceremony(api, setup, &c).await;
        trustee_deal(&c, &dir.join("secret")).unwrap();
        upload(api, setup, &c, &format!("shares-from-{}.json", i + 1)).await;
    }
    for (i, (api, dir)) in trustees.iter().enumerate() {
        let c = dir.join("ceremony");
        sync_ceremony(api, setup, &c).await;
        let outcome = trustee_receive(&c, &dir.join("secret"), &dir.join("share")).unwrap();
        assert!(matches!(outcome, ReceiveOutcome::Share));
        upload(api, setup, &c, &format!("confirmation-{}.json", i + 1)).await;
    }
    // Voting opens by itself: the committee sets the voting period (a
    // closing time before the opening is refused, saving nothing), and the
    // schedule, as `valurna serve` runs it, opens the election.
    let now = time::OffsetDateTime::now_utc();
    let at = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    refused
        .check(
            "a voting period that closes before it opens",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            Api::answer(
                carl.request(Method::PUT, &format!("{s}/schedule"))
                    .json(&json!({"opens_at": at(now + time::Duration::hours(2)),
                                  "closes_at": at(now + time::Duration::hours(1))})),
            ),
        )
        .await;
    let (status, _) = Api::answer(
        carl.request(Method::PUT, &format!("{s}/schedule"))
            .json(&json!({"opens_at": at(now), "closes_at": at(now + time::Duration::hours(1))})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    tokio::spawn(valurna_server::http::schedule::run(
        schedule_state.clone(),
        std::time::Duration::from_millis(100),
    ));
    until_status(&carl, &s, "open").await;
    // The election keeps its id: its ballot box is the same election.
    let ballot_box = setup;
    let credentials: i64 = dbc
        .query_one(
            "SELECT count(*) FROM credentials WHERE election = $1",
            &[&ballot_box],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(credentials, 10);

    // The voting codes leave through the outbox, once; the server keeps
    // only public credentials.
    // Bo has no e-mail address: his messages come as printed letters, one
    // page each, with his name and member number (for the address from
    // the register) and a QR code of the message's link.
    let letters = carl
        .request(
            Method::POST,
            &format!("/api/elections/{setup}/outbox/letters"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(letters.status(), StatusCode::OK);
    assert_eq!(letters.headers()["content-type"], "application/pdf");
    let letters = lopdf::Document::load_mem(&letters.bytes().await.unwrap()).unwrap();
    let mut lettered = Vec::new();
    for (number, page) in letters.get_pages() {
        let text = letters.extract_text(&[number]).unwrap();
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("Bo Berg") && flat.contains("M002"), "{flat}");
        assert!(flat.contains("http://127.0.0.1:8080/"), "the link: {flat}");
        let content = letters.get_page_content(page);
        let squares = String::from_utf8_lossy(&content).matches(" re").count();
        assert!(squares > 100, "a QR code's modules: {squares}");
        lettered.push(("+46701112233".to_string(), flat));
    }
    let (mut codes, mut notices): (Vec<_>, Vec<_>) = take_outbox(&carl, setup)
        .await
        .into_iter()
        .chain(lettered)
        .partition(|(_, body)| body.contains("voting code"));
    codes.sort();
    notices.sort();
    assert_eq!(codes.len(), 10, "{codes:?}");
    assert_eq!(
        codes.iter().filter(|(to, _)| to == "+46701112233").count(),
        1
    );
    // The three nominees proposed by others were told.
    assert_eq!(notices.len(), 3);
    assert!(take_outbox(&carl, setup).await.is_empty());
    let outbox_left: i64 = dbc
        .query_one("SELECT count(*) FROM outbox", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(outbox_left, 0);

    // Voters' devices: the manifest and parameters from the ballot box,
    // the code from the letter; each encrypts a random choice.
    let e = format!("/api/elections/{ballot_box}");
    let manifest_bytes = anonymous.get_bytes(&format!("{e}/manifest.json")).await;
    let manifest = Manifest::from_json(&manifest_bytes).unwrap();
    let parameters: Parameters =
        serde_json::from_slice(&anonymous.get_bytes(&format!("{e}/parameters.json")).await)
            .unwrap();
    let ctx = BallotContext {
        base_hash: parameters.computed_base_hash().unwrap(),
        key: parameters.joint_key().unwrap(),
        shapes: manifest.contests.iter().map(|c| c.shape()).collect(),
        preferences: manifest.preferences(),
    };
    let m_hash = manifest_hash(&manifest_bytes);
    let roll: HashMap<String, String> = roll2
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let contact = if f[2].starts_with('+') {
                f[2].replace(' ', "")
            } else {
                f[2].to_string()
            };
            (contact, f[3].to_string())
        })
        .collect();
    let mut expected: Vec<Vec<u64>> = manifest
        .contests
        .iter()
        .map(|c| vec![0; c.candidates.len()])
        .collect();
    let mut ballots: Vec<(String, Vec<u8>)> = Vec::new();
    let mut voters = Vec::new();
    let mut rng = os_rng();
    for (n, (contact, body)) in codes.iter().enumerate() {
        let code = body
            .split_whitespace()
            .find(|w| w.len() > 20 && w.contains('-'))
            .unwrap()
            .trim_end_matches('.');
        let secret = VotingCode::parse(code).unwrap().secret(&m_hash);
        let district = &roll[contact];
        let contest = manifest.contests_of(district)[0];
        let candidates = manifest.contests[contest].candidates.len();
        // Voter n chooses candidate n mod candidates (and the next one in
        // the North, which has two seats).
        let mut bits = vec![false; candidates];
        bits[n % candidates] = true;
        if manifest.contests[contest].seats == 2 {
            bits[(n + 1) % candidates] = true;
        }
        for (k, b) in bits.iter().enumerate() {
            expected[contest][k] += u64::from(*b);
        }
        let (ballot, _) =
            Ballot::encrypt(&ctx, &secret, &[(contest as u32, bits)], &mut rng).unwrap();
        ballots.push((district.clone(), ballot.to_bytes()));
        voters.push(secret);
    }
    for (_, bytes) in &ballots {
        let r = anonymous
            .post(&format!("{e}/ballots"), json!({"ballot": b64(bytes)}))
            .await;
        assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    }
    // A ballot for the other district's contest, signed by a listed voter.
    let north_voter = codes
        .iter()
        .find(|(c, _)| roll[c] == "North")
        .unwrap()
        .1
        .split_whitespace()
        .find(|w| w.len() > 20 && w.contains('-'))
        .unwrap()
        .trim_end_matches('.')
        .to_string();
    let south = manifest.contests_of("South")[0];
    let secret = VotingCode::parse(&north_voter).unwrap().secret(&m_hash);
    let mut bits = vec![false; manifest.contests[south].candidates.len()];
    bits[0] = true;
    let (wrong_district, _) =
        Ballot::encrypt(&ctx, &secret, &[(south as u32, bits)], &mut rng).unwrap();
    refused
        .check(
            "a ballot for another district's contest",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_ballot",
            anonymous.post(
                &format!("{e}/ballots"),
                json!({"ballot": b64(&wrong_district.to_bytes())}),
            ),
        )
        .await;
    // Another voter's ballot copied by a listed voter of the same district
    // under their own credential, re-signed with it (Cortier–Smyth): its
    // proofs are bound to the victim's credential. The positive control,
    // the attacker's own ballot re-signed, is a valid (re)vote with the same
    // choices.
    let attacker = (1..ballots.len())
        .find(|&i| ballots[i].0 == ballots[0].0)
        .unwrap();
    let copied = common::resign(&ctx.base_hash, &voters[attacker], &ballots[0].1);
    assert_eq!(&copied[..32], voters[attacker].public().as_bytes());
    refused
        .check(
            "another voter's ballot re-signed under one's own credential",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_ballot",
            anonymous.post(&format!("{e}/ballots"), json!({"ballot": b64(&copied)})),
        )
        .await;
    let own = common::resign(&ctx.base_hash, &voters[attacker], &ballots[attacker].1);
    assert_ne!(own, ballots[attacker].1);
    let r = anonymous
        .post(&format!("{e}/ballots"), json!({"ballot": b64(&own)}))
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    let (_, turnout) = anonymous.get(&format!("{e}/turnout")).await;
    assert_eq!(
        turnout,
        json!([{"district": "North", "eligible": 5, "voted": 5},
               {"district": "South", "eligible": 5, "voted": 5}])
    );

    // Closing, and a ballot after it.
    refused
        .check(
            "a record before closing",
            StatusCode::NOT_FOUND,
            "no_record",
            anonymous.get(&format!("{e}/record")),
        )
        .await;
    // Closing by itself: the closing time moves to 3 s from now (the
    // opening time cannot change any more), and the schedule closes.
    let (status, body) = Api::answer(
        carl.request(Method::PUT, &format!("{s}/schedule"))
            .json(&json!({"opens_at": at(now), "closes_at": at(now + time::Duration::hours(2))})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("wrong_status"))
    );
    let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(3);
    let (status, _) = Api::answer(
        carl.request(Method::PUT, &format!("{s}/schedule"))
            .json(&json!({"closes_at": at(soon)})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    until_status(&carl, &s, "closed").await;
    let sealed: bool = dbc
        .query_one(
            "SELECT seal IS NOT NULL FROM elections WHERE id = $1",
            &[&ballot_box],
        )
        .await
        .unwrap()
        .get(0);
    assert!(sealed);
    refused
        .check(
            "a ballot after closing",
            StatusCode::CONFLICT,
            "election_closed",
            anonymous.post(
                &format!("{e}/ballots"),
                json!({"ballot": b64(&wrong_district.to_bytes())}),
            ),
        )
        .await;

    // The tally: trustees 1 and 3 check the record on their machines and
    // decrypt; trustee 2's share is tampered with and refused.
    let mut shares = Vec::new();
    for (i, (api, dir)) in trustees.iter().enumerate() {
        let record = dir.join("record");
        download_record(api, ballot_box, &record).await;
        let path = trustee_decrypt(&record, &dir.join("share")).unwrap();
        let share: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(share["trustee"], i + 1);
        shares.push(share);
    }
    let mut tampered = shares[1].clone();
    tampered["partials"][0][0] = shares[0]["partials"][0][0].clone();
    let t2 = &trustees[1].0;
    let body = refused
        .check(
            "a decryption share that does not verify",
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_decryption_share",
            t2.post(&format!("{s}/decryptions"), tampered),
        )
        .await;
    assert!(
        body["message"].as_str().unwrap().contains("trustee 2"),
        "{body}"
    );
    refused
        .check(
            "a decryption share under another trustee's name",
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_sender",
            t2.post(&format!("{s}/decryptions"), shares[0].clone()),
        )
        .await;
    let progress = t1
        .expect(
            StatusCode::OK,
            t1.post(&format!("{s}/decryptions"), shares[0].clone())
                .await,
        )
        .await;
    assert_eq!(progress["tallied"], false);
    let t3 = &trustees[2].0;
    let progress = t3
        .expect(
            StatusCode::OK,
            t3.post(&format!("{s}/decryptions"), shares[2].clone())
                .await,
        )
        .await;
    assert_eq!(progress["tallied"], true);
    let (_, status) = carl.get(&s).await;
    assert_eq!(status["status"], "tallied");

    // Any observer downloads the published record and verifies it.
    let record = tmp.path().join("published");
    download_record(&anonymous, ballot_box, &record).await;
    let report = valurna_verifier::verify_record(&record, &valurna_verifier::Options::default());
    assert!(report.verified, "{}", report.to_text());
    for (c, outcome) in report.result.iter().enumerate() {
        let counts: Vec<u64> = outcome.counts.iter().map(|(_, _, n)| *n).collect();
        assert_eq!(counts, expected[c], "contest {}", outcome.contest);
    }

    // The result to take away, in Swedish: the counts as CSV and the
    // protocol as a PDF, both agreeing with the verified record.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(record.join("manifest.json")).unwrap()).unwrap();
    let in_swedish = |path: String| {
        anonymous
            .request(Method::GET, &path)
            .header("accept-language", "sv")
            .send()
    };
    let csv = in_swedish(format!("/elections/{ballot_box}/result.csv"))
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let csv = csv.text().await.unwrap();
    let csv = csv
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for spreadsheets");
    let mut lines = csv.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(lines.next().unwrap().split(';').count(), 7, "{csv}");
    let mut rows = lines.map(|l| l.split(';').map(str::to_owned).collect::<Vec<_>>());
    for (c, contest) in manifest["contests"].as_array().unwrap().iter().enumerate() {
        for (k, cand) in contest["candidates"].as_array().unwrap().iter().enumerate() {
            let row = rows.next().expect("a row per candidate");
            assert_eq!(row[0], contest["district"].as_str().unwrap());
            assert_eq!(row[3], cand["name"].as_str().unwrap());
            assert_eq!(row[4], expected[c][k].to_string(), "{row:?}");
        }
    }
    assert!(rows.next().is_none(), "no other rows");

    let pdf = in_swedish(format!("/elections/{ballot_box}/protocol.pdf"))
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = lopdf::Document::load_mem(&pdf.bytes().await.unwrap()).expect("a PDF that reads");
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    let text = pdf.extract_text(&pages).unwrap();
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(manifest["title"].as_str().unwrap()), "{flat}");
    for contest in manifest["contests"].as_array().unwrap() {
        assert!(flat.contains(contest["title"].as_str().unwrap()), "{flat}");
        for cand in contest["candidates"].as_array().unwrap() {
            assert!(flat.contains(cand["name"].as_str().unwrap()), "{flat}");
        }
    }
    // Each record file's digest as sha256sum prints it, and their digest.
    let mut listing = String::new();
    for name in valurna_server::election::tally::RECORD_FILES {
        let bytes = std::fs::read(record.join(name)).unwrap();
        let digest = hex::encode(Sha256::digest(&bytes));
        // As sha256sum prints it: two spaces between digest and name.
        assert!(
            text.contains(&format!("{digest}  {name}")),
            "{name} in {text}"
        );
        listing.push_str(&format!("{digest}  {name}\n"));
    }
    assert!(flat.contains(&hex::encode(Sha256::digest(listing.as_bytes()))));
    assert!(
        flat.contains("Underskrift"),
        "the protocol is in Swedish: {flat}"
    );

    // Metrics saw the accepted ballots (ten votes and the re-signed revote)
    // and the refused ones.
    let metrics = String::from_utf8(anonymous.get_bytes("/metrics").await).unwrap();
    assert!(
        metrics.contains("valurna_ballots_accepted_total{outcome=\"appended\"} 11"),
        "{metrics}"
    );
    assert!(
        metrics.contains("valurna_ballots_rejected_total{reason=\"invalid_ballot\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("valurna_http_request_duration_seconds_bucket"));

    // The audit log has every staff change and no personal data.
    let (_, log) = olga.get(&format!("/api/organisations/{org}/audit")).await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    // Each action as often as this test did it, and nothing else.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for action in &actions {
        *counts.entry(action).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = [
        // 3 trustees × announcement, shares, confirmation
        ("ceremony.upload", 9),
        // 2 trustees of threshold 2
        ("decryption.upload", 2),
        ("election.ceremony", 1),
        ("election.closed", 1),
        ("election.create", 1),
        ("election.nominations", 1),
        // the committee's own "nominations are open"
        ("messages.template", 1),
        ("election.open", 1),
        // the voting period, then its new closing time
        ("election.schedule", 2),
        ("election.tallied", 1),
        // olga, carl, oscar, 3 trustees (the platform admin is no organisation's)
        ("login", 6),
        // carl's wrong password (an unknown name is no organisation's)
        ("login.failed", 1),
        ("nomination.approved", 4),
        ("nomination.rejected", 1),
        ("organisation.create", 1),
        // nominations open, sign-in codes, voting codes, the empty export
        ("outbox.export", 4),
        // Bo's voting code as a letter
        ("outbox.letters", 1),
        // the roll, its correction, then the register's own export
        ("roll.import", 3),
        // olga, carl, 3 trustees, oscar
        ("staff.create", 6),
        ("trustee.assign", 3),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, expected, "{actions:?}");
    let text = log.to_string();
    for personal in ["Anna", "anna@example.org", "+46701112233", "Karin"] {
        assert!(!text.contains(personal), "{personal} in the audit log");
    }
    let tampering = dbc
        .execute("DELETE FROM audit_log WHERE action = 'login'", &[])
        .await;
    assert!(tampering.is_err(), "the audit log must be append-only");

    // Every answer carries the security headers.
    let r = anonymous
        .request(Method::GET, &format!("{e}/board/head"))
        .send()
        .await
        .unwrap();
    // The policies are written out here, not taken from the server's
    // constants: a loosened constant must fail this test.
    let h = r.headers();
    assert_eq!(
        h["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    // A page: its scripts and styles from this server only, WebAssembly
    // compiled (the booth), nothing inline, no framing.
    let r = anonymous
        .request(Method::GET, &format!("/elections/{ballot_box}/board"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers();
    let directives: Vec<&str> = h["content-security-policy"]
        .to_str()
        .unwrap()
        .split(';')
        .map(str::trim)
        .collect();
    assert_eq!(
        directives,
        [
            "default-src 'none'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");

    // No table links a member to a credential or a ballot: the tables that
    // name members have no credential, ballot or tracker column.
    let rows = dbc
        .query(
            "SELECT table_name, column_name FROM information_schema.columns \
             WHERE table_schema = 'public'",
            &[],
        )
        .await
        .unwrap();
    let mut tables: HashMap<String, Vec<String>> = HashMap::new();
    for r in &rows {
        tables.entry(r.get(0)).or_default().push(r.get(1));
    }
    for (table, columns) in &tables {
        let names_member = table == "members"
            || columns
                .iter()
                .any(|c| ["member", "nominee", "proposer"].contains(&c.as_str()));
        let holds_vote = columns
            .iter()
            .any(|c| ["credential", "ballot", "tracker"].contains(&c.as_str()));
        assert!(
            !(names_member && holds_vote),
            "{table} links members to votes: {columns:?}"
        );
    }

    // Retention: after the tally the organisation's admin deletes the
    // personal data; the candidates' names stay (they are public).
    refused
        .check(
            "retention by the committee",
            StatusCode::FORBIDDEN,
            "forbidden",
            carl.post_empty(&format!("{s}/retention")),
        )
        .await;
    let removed = olga
        .expect(
            StatusCode::OK,
            olga.post_empty(&format!("{s}/retention")).await,
        )
        .await;
    assert_eq!(removed["contacts"], 10, "{removed}");
    assert_eq!(removed["names"], 6, "{removed}");
    let left: i64 = dbc
        .query_one(
            "SELECT count(*) FROM members WHERE contact IS NOT NULL OR (name <> '' AND id NOT IN \
             (SELECT nominee FROM nominations WHERE status = 'approved'))",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
    for table in ["outbox", "login_codes"] {
        let n: i64 = dbc
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 0, "{table}");
    }
    let (_, candidates) = anonymous.get(&format!("{s}/candidates")).await;
    assert_eq!(candidates.as_array().unwrap().len(), 4);
    // The operator's command does the same, and finds nothing left.
    let again = valurna_server::cli::election::retention(&pool, setup)
        .await
        .unwrap();
    assert_eq!((again.contacts, again.names, again.messages), (0, 0, 0));

    // Privacy: no log line and no error body holds a voting
    // code, a credential, a ballot, a session token, or a member's name,
    // contact or number.
    let log_text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(log_text.lines().count() > 100, "the logs were not captured");
    let mut secrets: Vec<String> = Vec::new();
    let mut member_numbers: Vec<String> = Vec::new();
    for line in roll2.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        member_numbers.push(f[0].to_string());
        secrets.extend([f[1], f[2]].map(str::to_string));
        secrets.push(f[2].replace(' ', ""));
    }
    for (_, body) in &codes {
        let code = body
            .split_whitespace()
            .find(|w| w.len() > 20 && w.contains('-'))
            .unwrap()
            .trim_end_matches('.');
        secrets.push(code.to_string());
        secrets.push(code.replace('-', ""));
    }
    let credentials = std::fs::read_to_string(record.join("credentials.jsonl")).unwrap();
    for line in credentials.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        secrets.push(v["credential"].as_str().unwrap().to_string());
    }
    for (_, bytes) in &ballots {
        secrets.push(b64(bytes)[..44].to_string());
        secrets.push(hex::encode(&bytes[32..64]));
    }
    for api in [&carl, &olga, &anna] {
        let cookie = api.cookie.as_ref().unwrap();
        secrets.push(cookie.split('=').nth(1).unwrap().to_string());
        secrets.push(api.csrf.clone().unwrap());
    }
    // The staff's password, and the wrong one a refused sign-in tried.
    secrets.extend([PASSWORD.to_string(), "wrong password!".to_string()]);
    // The members' sign-in codes: eight digits, so found only where no
    // other digit touches them (a timestamp may hold any eight digits).
    assert_eq!(sign_in_codes.len(), 7);
    for code in &sign_in_codes {
        for (what, text) in std::iter::once(("a log line", &log_text))
            .chain(refused.bodies.iter().map(|b| ("an error body", b)))
        {
            assert!(
                !holds_number(text, code),
                "{what} holds the sign-in code {code}"
            );
        }
    }
    // Member numbers may appear in an error body answering the committee
    // about its own roll file (a duplicate's line), never in the logs.
    for number in &member_numbers {
        assert!(
            !log_text.contains(number.as_str()),
            "a log line holds {number}"
        );
    }
    for secret in &secrets {
        assert!(
            !log_text.contains(secret.as_str()),
            "a log line holds {secret}"
        );
        for body in &refused.bodies {
            assert!(
                !body.contains(secret.as_str()),
                "an error body holds {secret}"
            );
        }
    }

    assert!(
        refused.kinds.len() >= 25,
        "{} kinds: {:?}",
        refused.kinds.len(),
        refused.kinds
    );
    drop(pool);
    db.drop_now().await;
}

/// Whether `text` holds `digits` with no digit right before or after.
fn holds_number(text: &str, digits: &str) -> bool {
    text.match_indices(digits).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + digits.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

/// A real SMTP server (aiosmtpd, from `scripts/test`) on a free port,
/// keeping what it receives in a maildir; stopped when dropped.
struct Relay {
    _server: tokio::process::Child,
    url: String,
    maildir: PathBuf,
    python: String,
}

impl Relay {
    async fn start(dir: &Path) -> Relay {
        let python = std::env::var("VALURNA_AIOSMTPD_PYTHON").expect(
            "VALURNA_AIOSMTPD_PYTHON names a Python with aiosmtpd (scripts/test makes one)",
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let maildir = dir.join("maildir");
        let server = tokio::process::Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .kill_on_drop(true)
            .spawn()
            .expect("aiosmtpd starts");
        // Ready when it greets.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                let mut greeting = [0u8; 3];
                if tokio::io::AsyncReadExt::read_exact(&mut s, &mut greeting)
                    .await
                    .is_ok()
                    && &greeting == b"220"
                {
                    break;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "aiosmtpd did not start"
            );
            tokio::task::yield_now().await;
        }
        Relay {
            _server: server,
            url: format!("smtp://127.0.0.1:{port}"),
            maildir,
            python,
        }
    }

    /// Every message received: recipient, subject and text, decoded by
    /// Python's own e-mail parser.
    fn received(&self) -> Vec<(String, String, String)> {
        let script = "import email, email.policy, json, mailbox, sys\n\
             box = mailbox.Maildir(sys.argv[1], factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default), create=False)\n\
             print(json.dumps([[m['To'], m['Subject'], m.get_content()] for m in box]))";
        let out = std::process::Command::new(&self.python)
            .args(["-c", script])
            .arg(&self.maildir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let list: Vec<(String, String, String)> = serde_json::from_slice(&out.stdout).unwrap();
        list
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_goes_out_through_an_smtp_relay() {
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::pool_with(db.config.clone(), 4).unwrap();
    db::migrate(&pool).await.unwrap();
    valurna_server::cli::admin::create_platform_admin(&pool, "platform", PASSWORD)
        .await
        .unwrap();
    let key = ReceiptKey::load_or_create(&tmp.path().join("receipt.key")).unwrap();
    let root = serve_on_free_port(
        AppState::new(pool.clone(), key).with_public_url("https://vote.example.org/"),
    )
    .await;
    let platform = Api::staff(&root, "platform").await;
    let (_, org) = platform
        .post(
            "/api/organisations",
            json!({"slug": "union", "name": "The Union"}),
        )
        .await;
    let org = org["id"].as_i64().unwrap();
    platform
        .expect(
            StatusCode::CREATED,
            platform
                .post(
                    &format!("/api/organisations/{org}/staff"),
                    json!({"username": "carl", "password": PASSWORD, "role": "committee"}),
                )
                .await,
        )
        .await;
    let carl = Api::staff(&root, "carl").await;
    let (_, setup) = carl
        .post(
            &format!("/api/organisations/{org}/elections"),
            json!({"election_id": "reps", "title": "Representatives", "trustees": 1,
                   "threshold": 1, "districts": [{"district": "North", "seats": 1},
                   {"district": "South", "seats": 1}]}),
        )
        .await;
    let setup = setup["id"].as_i64().unwrap();
    let roll_path = format!("/api/elections/{setup}/roll");
    let (_, preview) = carl.post_csv(&roll_path, ROLL).await;
    let digest = preview["digest"].as_str().unwrap();
    carl.expect(
        StatusCode::OK,
        carl.post_csv(&format!("{roll_path}?apply={digest}"), ROLL)
            .await,
    )
    .await;
    // The election speaks Swedish to its members.
    carl.expect(
        StatusCode::NO_CONTENT,
        carl.put(
            &format!("/api/elections/{setup}/messages"),
            json!({"lang": "sv"}),
        )
        .await,
    )
    .await;
    carl.expect(
        StatusCode::NO_CONTENT,
        carl.post_empty(&format!("/api/elections/{setup}/nominations/open"))
            .await,
    )
    .await;
    // Every member with an e-mail address hears that nominations are open,
    // with the link to the nominations.
    let relay = Relay::start(tmp.path()).await;
    let mailer =
        valurna_server::mail::Mailer::new(&relay.url, "Valurna <valurna@example.org>").unwrap();
    assert_eq!(mailer.send_waiting(&pool).await.unwrap(), 9);
    let told = relay.received();
    assert_eq!(told.len(), 9);
    let swedish = messages::default(
        messages::Kind::NominationsOpen,
        valurna_server::i18n::Lang::Sv,
    );
    let (subject_sv, body_sv) = swedish.render(&[
        ("election", "Representatives"),
        ("link", "https://vote.example.org/member"),
    ]);
    assert!(
        !subject_sv.is_ascii(),
        "a subject with Swedish letters: {subject_sv}"
    );
    for (to, subject, body) in &told {
        assert!(to.ends_with("@example.org"), "{to}");
        assert_eq!(subject, &subject_sv);
        assert_eq!(body.trim_end(), body_sv.as_str());
    }
    let anonymous = Api::anonymous(&root);
    for number in ["M001", "M002"] {
        anonymous
            .post(
                "/api/member/code",
                json!({"election": setup, "member_number": number}),
            )
            .await;
    }

    // The relay gets Anna's e-mail; Bo's phone number stays for export.
    assert_eq!(mailer.send_waiting(&pool).await.unwrap(), 1);
    assert_eq!(mailer.send_waiting(&pool).await.unwrap(), 0);
    let mail: Vec<_> = relay
        .received()
        .into_iter()
        .filter(|(_, _, body)| {
            body.contains("https://vote.example.org/member")
                && body.chars().any(|c| c.is_ascii_digit())
        })
        .collect();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].0, "anna@example.org");
    assert!(mail[0].2.contains("”Representatives”"), "{}", mail[0].2);
    let left = take_outbox(&carl, setup).await;
    assert_eq!(left.len(), 2, "Bo's two messages: {left:?}");
    assert!(left.iter().all(|(to, _)| to == "+46701112233"));
    // The code in the e-mail signs Anna in.
    let code = mail[0]
        .2
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 8)
        .unwrap()
        .to_string();
    Api::signed_in(
        &root,
        "/api/member/login",
        json!({"election": setup, "member_number": "M001", "code": code}),
    )
    .await;
    drop(pool);
    db.drop_now().await;
}
