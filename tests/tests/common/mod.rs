//! What the server tests share: a throwaway PostgreSQL database per test
//! and a server on a free port.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code
)]

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use valurna_server::http::{AppState, app as router};

pub const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database of this test's own, dropped by [`TestDb::drop_now`].
pub struct TestDb {
    pub admin: tokio_postgres::Config,
    pub name: String,
    pub config: tokio_postgres::Config,
}

impl TestDb {
    pub async fn create() -> TestDb {
        let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| ADMIN_URL.to_string());
        let admin: tokio_postgres::Config =
            url.parse().expect("DATABASE_URL is not a postgres URL");
        let (client, conn) = admin.connect(tokio_postgres::NoTls).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {url}: {e}. Start one (e.g. `service postgresql \
                 start`, trust auth for 127.0.0.1) or point DATABASE_URL at a server where this \
                 user may create databases."
            )
        });
        tokio::spawn(conn);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("valurna_test_{}_{nanos}", std::process::id());
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let mut config = admin.clone();
        config.dbname(&name);
        TestDb {
            admin,
            name,
            config,
        }
    }

    pub async fn drop_now(self) {
        let (client, conn) = self.admin.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client
            .batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
            .await
            .unwrap();
        std::mem::forget(self);
    }
}

/// A test that fails still drops its database (on a thread of its own,
/// since this may run while a runtime unwinds).
impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok((client, conn)) = admin.connect(tokio_postgres::NoTls).await {
                    tokio::spawn(conn);
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A ballot's bytes (record.md §5.1) under `who`'s credential with a fresh
/// signature by `who`: what a voter holding a valid credential makes of a
/// ballot they copied (Cortier–Smyth). Re-signing one's own ballot gives
/// another valid ballot with the same choices.
pub fn resign(
    base_hash: &[u8; 32],
    who: &valurna_engine::credential::CredentialSecret,
    ballot: &[u8],
) -> Vec<u8> {
    use sha2::Digest;
    use valurna_engine::proofs::SchnorrProof;
    use valurna_engine::transcript::{election_transcript, labels};
    let mut body = ballot[..ballot.len() - 64].to_vec();
    body[..32].copy_from_slice(who.public().as_bytes());
    let mut t = election_transcript(base_hash);
    t.append_message(labels::CONTEXT_CREDENTIAL, who.public().as_bytes());
    let digest: [u8; 32] = sha2::Sha256::digest(&body).into();
    t.append_message(labels::CONTEXT_BALLOT, &digest);
    let signature = SchnorrProof::prove(
        &mut t,
        who.key(),
        &who.public(),
        &mut valurna_engine::rng::os_rng(),
    );
    body.extend_from_slice(&signature.to_bytes());
    body
}

pub fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

/// Serves the API on a free port; returns `http://address`.
pub async fn serve_on_free_port(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        axum::serve(
            listener,
            router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .into_future(),
    );
    format!("http://{addr}")
}

/// Every table's content, hashed: equal before and after a refused request.
pub async fn snapshot(client: &tokio_postgres::Client) -> String {
    snapshot_except(client, &[]).await
}

/// [`snapshot`] of every table but `skip`.
pub async fn snapshot_except(client: &tokio_postgres::Client, skip: &[&str]) -> String {
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
             AND table_name NOT LIKE 'refinery%' ORDER BY table_name",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(tables.len() >= 16, "{tables:?}");
    let mut out = String::new();
    for table in tables.iter().filter(|t| !skip.contains(&t.as_str())) {
        let row = client
            .query_one(
                &format!(
                    "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' \
                     ORDER BY t::text)), '') FROM {table} t"
                ),
                &[],
            )
            .await
            .unwrap();
        out.push_str(&format!("{table}={} ", row.get::<_, String>(0)));
    }
    out
}

/// A client of the API: anonymous, or signed in with a session cookie and
/// its CSRF token.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub root: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Api {
    pub fn anonymous(root: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            root: root.into(),
            cookie: None,
            csrf: None,
        }
    }

    pub async fn signed_in(root: &str, path: &str, body: Value) -> Api {
        let api = Api::anonymous(root);
        let r = api
            .request(Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "sign-in at {path}");
        let cookie = r.headers()[reqwest::header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let session: Value = r.json().await.unwrap();
        Api {
            cookie: Some(cookie),
            csrf: Some(session["csrf_token"].as_str().unwrap().into()),
            ..api
        }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut b = self.http.request(method, format!("{}{path}", self.root));
        if let Some(c) = &self.cookie {
            b = b.header(reqwest::header::COOKIE, c);
        }
        if let Some(t) = &self.csrf {
            b = b.header("x-csrf-token", t);
        }
        b
    }

    pub async fn answer(
        r: reqwest::RequestBuilder,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let r = r.send().await.unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body, headers)
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, b, _) = Api::answer(self.request(Method::POST, path).json(&body)).await;
        (s, b)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (s, b, _) = Api::answer(self.request(Method::GET, path)).await;
        (s, b)
    }
}

pub const PASSWORD: &str = "a long enough password";
pub const ROLES: [&str; 4] = ["org_admin", "committee", "trustee", "observer"];

pub fn expect(status: StatusCode, call: (StatusCode, Value)) -> Value {
    assert_eq!(call.0, status, "{}", call.1);
    call.1
}

/// A served throwaway database with a platform admin `platform` (password
/// [`PASSWORD`]), signed in; the temporary folder holds the receipt key and
/// the records.
pub async fn served_platform() -> (
    TestDb,
    valurna_server::db::Pool,
    tempfile::TempDir,
    String,
    Api,
) {
    let db = TestDb::create().await;
    let tmp = tempfile::tempdir().unwrap();
    let pool = valurna_server::db::pool_with(db.config.clone(), 8).unwrap();
    valurna_server::db::migrate(&pool).await.unwrap();
    valurna_server::cli::admin::create_platform_admin(&pool, "platform", PASSWORD)
        .await
        .unwrap();
    let key = valurna_server::receipt::ReceiptKey::load_or_create(&tmp.path().join("receipt.key"))
        .unwrap();
    let root =
        serve_on_free_port(AppState::new(pool.clone(), key).with_data_dir(tmp.path().join("data")))
            .await;
    let login = json!({"username": "platform", "password": PASSWORD});
    let platform = Api::signed_in(&root, "/api/login", login).await;
    (db, pool, tmp, root, platform)
}

/// One organisation (set up by the platform admin `platform`): its id, a signed-in account per role, an election in
/// nominations with a roll, one nomination, and a signed-in member.
pub struct Tenant {
    pub org: i64,
    pub staff: Vec<(&'static str, Api)>,
    /// The accounts' ids, in the order of `staff`.
    pub staff_ids: Vec<i64>,
    pub election: i64,
    pub nomination: i64,
    pub member: Api,
}

pub async fn tenant(root: &str, platform: &Api, slug: &str) -> Tenant {
    let org = expect(
        StatusCode::CREATED,
        platform
            .post("/api/organisations", json!({"slug": slug, "name": slug}))
            .await,
    )["id"]
        .as_i64()
        .unwrap();
    let mut staff = Vec::new();
    let mut staff_ids = Vec::new();
    for role in ROLES {
        let username = format!("{slug}-{role}");
        let created = expect(
            StatusCode::CREATED,
            platform
                .post(
                    &format!("/api/organisations/{org}/staff"),
                    json!({"username": username, "password": PASSWORD, "role": role}),
                )
                .await,
        );
        staff_ids.push(created["id"].as_i64().unwrap());
        let login = json!({"username": username, "password": PASSWORD});
        staff.push((role, Api::signed_in(root, "/api/login", login).await));
    }
    let committee = &staff[1].1;
    let election = expect(
        StatusCode::CREATED,
        committee
            .post(
                &format!("/api/organisations/{org}/elections"),
                json!({"election_id": slug, "title": slug, "trustees": 2, "threshold": 2,
                       "districts": [{"district": "North", "seats": 1}]}),
            )
            .await,
    )["id"]
        .as_i64()
        .unwrap();
    let roll = format!(
        "member_number,name,contact,district\n{slug}1,Anna,anna@{slug}.example,North\n\
         {slug}2,Bo,bo@{slug}.example,North\n"
    );
    import_roll(committee, election, &roll).await;
    expect(
        StatusCode::NO_CONTENT,
        committee
            .post(
                &format!("/api/elections/{election}/trustees"),
                json!({"username": format!("{slug}-trustee"), "index": 1}),
            )
            .await,
    );
    expect(
        StatusCode::NO_CONTENT,
        committee
            .post(
                &format!("/api/elections/{election}/nominations/open"),
                json!({}),
            )
            .await,
    );
    let (member, nomination) = member_stands(root, committee, election, &format!("{slug}1")).await;
    Tenant {
        org,
        staff,
        staff_ids,
        election,
        nomination,
        member,
    }
}

/// `committee` previews and imports the register `roll` (CSV) into
/// `election`.
pub async fn import_roll(committee: &Api, election: i64, roll: &str) {
    let path = format!("/api/elections/{election}/roll");
    let csv = |p: String| {
        Api::answer(
            committee
                .request(Method::POST, &p)
                .header("content-type", "text/csv")
                .body(roll.to_string()),
        )
    };
    let (s, preview, _) = csv(path.clone()).await;
    assert_eq!(s, StatusCode::OK, "{preview}");
    let digest = preview["digest"].as_str().unwrap();
    assert_eq!(
        csv(format!("{path}?apply={digest}")).await.0,
        StatusCode::OK
    );
}

/// Member `number` of `election` (in nominations) signs in with the code
/// the outbox holds (taken out by `committee`) and stands: the member's
/// session and the nomination's id.
pub async fn member_stands(root: &str, committee: &Api, election: i64, number: &str) -> (Api, i64) {
    let code_request = json!({"election": election, "member_number": number});
    let anonymous = Api::anonymous(root);
    assert_eq!(
        anonymous.post("/api/member/code", code_request).await.0,
        StatusCode::ACCEPTED
    );
    let r = committee
        .request(
            Method::POST,
            &format!("/api/elections/{election}/outbox/export"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let code = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 8)
        .unwrap()
        .to_string();
    let member = Api::signed_in(
        root,
        "/api/member/login",
        json!({"election": election, "member_number": number, "code": code}),
    )
    .await;
    let nomination = expect(
        StatusCode::CREATED,
        member
            .post("/api/member/nominations", json!({"nominee": number}))
            .await,
    )["id"]
        .as_i64()
        .unwrap();
    (member, nomination)
}

/// The workspace's root.
pub fn workspace() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The workspace's binary `bin` of `package`, built for the profile these
/// tests run in (`cargo test -p valurna-tests` does not build other
/// packages' binaries; `cargo build` is a no-op when it is fresh).
pub fn workspace_binary(package: &str, bin: &str) -> std::path::PathBuf {
    // target/<profile>/deps/<test>-<hash>
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let target_dir = profile_dir.parent().unwrap();
    let mut build = std::process::Command::new(env!("CARGO"));
    build
        .current_dir(workspace())
        .args(["build", "--quiet", "-p", package, "--bin", bin])
        .arg("--target-dir")
        .arg(target_dir);
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let status = build.status().unwrap();
    assert!(status.success(), "cargo build of {bin} failed");
    let path = profile_dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// What the tests in a real browser need, as `scripts/test` makes it
/// ready: the booth's WebAssembly, playwright-core, Chromium and Node.js.
/// Fails, saying which is missing, rather than skip. Returns Chromium's
/// path (`CHROMIUM`, default `/usr/bin/chromium`).
pub fn browser_tools() -> String {
    let root = workspace();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let require = |ok: bool, what: &str| {
        assert!(
            ok,
            "{what} is missing: run `scripts/test` (it builds the booth with web/build.sh, runs \
             `npm ci` in web/e2e and installs Node.js and Chromium), or do that step by hand"
        );
    };
    require(
        root.join("web/static/pkg/valurna_booth_bg.wasm").is_file(),
        "the booth's WebAssembly (web/static/pkg)",
    );
    require(
        root.join("web/e2e/node_modules/playwright-core").is_dir(),
        "playwright-core (web/e2e/node_modules)",
    );
    require(std::path::Path::new(&chromium).is_file(), "Chromium");
    require(
        std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "Node.js",
    );
    chromium
}

/// Runs the browser test file `file` of `web/e2e` in node's test runner
/// against Chromium `chromium`, with its screenshots in `out` and the
/// variables `env`, for at most `limit`; fails with the run's output if any
/// of its tests did.
#[allow(clippy::print_stdout)]
pub async fn run_browser_tests(
    file: &str,
    chromium: &str,
    out: &std::path::Path,
    env: &[(&str, String)],
    limit: std::time::Duration,
) {
    let mut command = tokio::process::Command::new("node");
    command
        .args(["--test", "--test-reporter=spec", file])
        .current_dir(workspace().join("web/e2e"))
        .env("VALURNA_OUT", out)
        .env("CHROMIUM", chromium)
        .kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    let output = tokio::time::timeout(limit, command.output())
        .await
        .unwrap_or_else(|_| panic!("{file} took over {limit:?}"))
        .expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{text}");
    assert!(output.status.success(), "{file} failed:\n{text}");
}

/// Every screenshot named is in `out`.
pub fn assert_shots(out: &std::path::Path, shots: &[&str]) {
    for shot in shots {
        assert!(out.join(format!("{shot}.png")).is_file(), "{shot}.png");
    }
}
