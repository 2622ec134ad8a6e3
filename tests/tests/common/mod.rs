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
use serde_json::Value;
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
