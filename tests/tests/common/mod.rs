//! What the server tests share: a throwaway PostgreSQL database per test
//! and a server on a free port.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use base64::Engine as _;
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
