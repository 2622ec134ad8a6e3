//! `valurna serve`: the election server, started as an operator would.
//!
//! Before it listens it checks, in order, and says in one sentence what to
//! do when something is missing:
//!
//! 1. **The database**: it connects (a refused connection, an unknown
//!    database or a refused user each get their own sentence) and applies
//!    the schema's migrations.
//! 2. **The receipt key** (`--receipt-key`, default `valurna-receipt.key`):
//!    on a database that holds no election a missing key is created,
//!    readable by its owner only, and the log says where; on one that holds
//!    elections a missing key is an error that names the file and how to
//!    restore it — a new key would make every receipt voters hold
//!    unverifiable.
//! 3. **The booth** (`--web-dir`): without `web/build.sh`'s files the
//!    server still runs (committee and public pages work) and warns that
//!    voting pages cannot encrypt a ballot until it is built.
//!
//! On a database with no account yet it prints a one-time setup token for
//! the first-run page, `/staff/setup` ([`crate::http::first_run`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::common::{DatabaseArgs, block_on, redacted, say};
use crate::db;
use crate::error::CliError;
use crate::http::conn::{ConnLimits, DEFAULT_MAX_CONNECTIONS, DEFAULT_PER_ADDRESS};
use crate::http::limits::DEFAULT_LIMIT;
use crate::http::proxy::TrustedProxies;
use crate::http::state::{AppState, DEFAULT_WEB_DIR, MetricsAccess};
use crate::mail::Mailer;
use crate::receipt::ReceiptKey;

/// `valurna serve`'s options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "VALURNA_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The address members reach the server at, for the links in their
    /// messages (`https://vote.example.org`; default: `http://` and
    /// `--listen`).
    #[arg(long, env = "VALURNA_PUBLIC_URL")]
    public_url: Option<String>,
    /// The ballot box's receipt key. Created (readable by its owner only)
    /// when the database holds no election yet; keep it with your backups:
    /// receipts are checked against it.
    #[arg(
        long,
        env = "VALURNA_RECEIPT_KEY",
        default_value = "valurna-receipt.key"
    )]
    receipt_key: PathBuf,
    /// Database connections.
    #[arg(long, default_value_t = 16)]
    pool_size: usize,
    /// Where published election records are kept.
    #[arg(long, env = "VALURNA_DATA_DIR", default_value = "valurna-data")]
    data_dir: PathBuf,
    /// Mark session cookies `Secure` (set this behind HTTPS).
    #[arg(long, env = "VALURNA_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Deliver the outbox's e-mails through this SMTP relay
    /// (`smtp://[user:password@]host[:port]`, plain SMTP); without it, the
    /// committee exports the outbox for its own mailing.
    #[arg(long, env = "VALURNA_SMTP_URL")]
    smtp_url: Option<String>,
    /// Refused ballots per client address per 10 s before casts from it
    /// are answered 429 (0: no limit).
    #[arg(long, env = "VALURNA_ABUSE_LIMIT", default_value_t = DEFAULT_LIMIT)]
    abuse_limit: u32,
    /// The sender of the outbox's e-mails.
    #[arg(
        long,
        env = "VALURNA_MAIL_FROM",
        default_value = "Valurna <valurna@localhost>"
    )]
    mail_from: String,
    /// Where the browser booth's WebAssembly is (what `web/build.sh`
    /// writes; default: `web/static/pkg` of the sources this was built
    /// from).
    #[arg(long, env = "VALURNA_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Proxies (CIDR or address, comma-separated or repeated) whose
    /// `Forwarded` / `X-Forwarded-For` headers name the client; without
    /// it, the TCP peer is the client (README, "Behind a TLS proxy").
    #[arg(long, env = "VALURNA_TRUSTED_PROXY", value_delimiter = ',', num_args = 1..)]
    trusted_proxy: Vec<String>,
    /// Seconds a client may take to send a request's headers (and may
    /// keep a connection idle).
    #[arg(long, env = "VALURNA_HEADER_TIMEOUT", default_value_t = 10)]
    header_timeout: u64,
    /// Seconds a request's body may go without a byte.
    #[arg(long, env = "VALURNA_BODY_TIMEOUT", default_value_t = 10)]
    body_timeout: u64,
    /// Connections open at once, in all (beyond: closed at once).
    #[arg(long, env = "VALURNA_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Connections open at once from one client address, trusted proxies
    /// excepted (0: no cap).
    #[arg(long, env = "VALURNA_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = DEFAULT_PER_ADDRESS)]
    max_connections_per_address: usize,
    /// Client addresses (CIDR, comma-separated) that may read `/metrics`.
    #[arg(long, env = "VALURNA_METRICS_FROM", value_delimiter = ',')]
    metrics_from: Vec<String>,
    /// A token that opens `/metrics` from anywhere
    /// (`Authorization: Bearer TOKEN`).
    #[arg(long, env = "VALURNA_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
}

/// The connection limits of `a`, within the descriptors the process may
/// open (raised to its hard limit first).
fn connection_limits(a: &ServeArgs) -> ConnLimits {
    let mut max = a.max_connections.max(1);
    match rlimit::increase_nofile_limit(u64::MAX) {
        // Room for the database pool, files and the listener.
        Ok(fds) => {
            let room = usize::try_from(fds)
                .unwrap_or(usize::MAX)
                .saturating_sub(256);
            if room < max {
                tracing::warn!(
                    descriptors = fds,
                    "the process may open only {fds} files: at most {room} connections"
                );
                max = room.max(1);
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot read the open-file limit"),
    }
    ConnLimits {
        header_timeout: Duration::from_secs(a.header_timeout.max(1)),
        body_timeout: Duration::from_secs(a.body_timeout.max(1)),
        max_connections: max,
        per_address: a.max_connections_per_address,
    }
}

/// Runs the server until the process is stopped.
pub fn run(a: ServeArgs) -> Result<(), CliError> {
    block_on(async move {
        let config = check_database(&a.database.database_url).await?;
        let pool = db::pool_with(config, a.pool_size)?;
        db::migrate(&pool).await?;
        let key = receipt_key(&a.receipt_key, db::election_count(&pool).await?)?;
        let web_dir = a
            .web_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_WEB_DIR));
        check_booth(&web_dir);
        if let Some(url) = &a.smtp_url {
            let mailer =
                Mailer::new(url, &a.mail_from).map_err(|e| CliError::Usage(e.to_string()))?;
            tokio::spawn(mailer.run(pool.clone(), Duration::from_secs(5)));
        }
        let proxies = TrustedProxies::parse(&a.trusted_proxy).map_err(CliError::Usage)?;
        let metrics_from = TrustedProxies::parse(&a.metrics_from)
            .map_err(|e| CliError::Usage(e.replace("--trusted-proxy", "--metrics-from")))?;
        let limits = connection_limits(&a);
        let public_url = a.public_url.clone().unwrap_or_else(|| {
            let url = format!("http://{}", a.listen);
            tracing::warn!(
                %url,
                "no --public-url: the links in members' messages use the listening address"
            );
            url
        });
        let state = AppState::new(pool, key)
            .with_public_url(&public_url)
            .with_data_dir(a.data_dir)
            .with_web_dir(web_dir)
            .with_secure_cookies(a.secure_cookies)
            .with_abuse_limit(a.abuse_limit)
            .with_trusted_proxies(proxies)
            .with_metrics_access(MetricsAccess {
                from: metrics_from.networks().to_vec(),
                token: a.metrics_token.map(zeroize::Zeroizing::new),
            });
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .map_err(|e| {
                CliError::Usage(format!(
                    "cannot listen on {}: {e}; is another server using it? Pass --listen \
                 with a free address",
                    a.listen
                ))
            })?;
        let address = listener.local_addr()?;
        tracing::info!(%address, "valurna serve listening");
        say(&format!(
            "receipt key {}; listening on http://{address}",
            state.receipt_key().public().to_hex()
        ));
        if let Some(token) = crate::http::first_run::new_setup_token(state.pool()).await? {
            say(&format!(
                "no account yet: open http://{address}/staff/setup and give this one-time \
                 setup token (valid for a day; or run `valurna admin-create`): {}",
                token.as_str()
            ));
        }
        // Voting opens and closes at the committees' times.
        tokio::spawn(crate::http::schedule::run(
            state.clone(),
            Duration::from_secs(5),
        ));
        crate::http::run(listener, state, limits).await?;
        Ok(())
    })
}

/// Connects once to the database of `url` and turns what can go wrong
/// into one sentence that says what to do.
pub async fn check_database(url: &str) -> Result<tokio_postgres::Config, CliError> {
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
        CliError::Usage(format!(
            "--database-url {} is not a PostgreSQL URL ({e}): write it as \
             postgres://USER@HOST:PORT/DATABASE",
            redacted(url)
        ))
    })?;
    config.connect_timeout(Duration::from_secs(5));
    let database = config.get_dbname().unwrap_or("postgres").to_string();
    let user = config.get_user().unwrap_or("postgres").to_string();
    let server = match (config.get_hosts().first(), config.get_ports().first()) {
        (Some(tokio_postgres::config::Host::Tcp(h)), Some(p)) => format!("{h}:{p}"),
        (Some(tokio_postgres::config::Host::Tcp(h)), None) => format!("{h}:5432"),
        _ => redacted(url),
    };
    match config.connect(tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            drop(client);
            let _ = connection.await;
            Ok(config)
        }
        Err(e) => Err(CliError::Usage(database_error(
            &e, &server, &database, &user,
        ))),
    }
}

/// The sentence for a failed connection.
fn database_error(e: &tokio_postgres::Error, server: &str, database: &str, user: &str) -> String {
    use tokio_postgres::error::SqlState;
    if let Some(db) = e.as_db_error() {
        return match *db.code() {
            SqlState::INVALID_CATALOG_NAME => format!(
                "the database \"{database}\" does not exist on the PostgreSQL server at \
                 {server}: create it with `createdb -h {host} -U {user} {database}`, or \
                 pass --database-url with another one",
                host = server.rsplit_once(':').map_or(server, |(h, _)| h),
            ),
            SqlState::INVALID_PASSWORD | SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
                format!(
                    "the PostgreSQL server at {server} refused the user \"{user}\" \
                     ({}): give the right user and password in --database-url",
                    db.message()
                )
            }
            _ => format!(
                "the PostgreSQL server at {server} refused the connection: {}",
                db.message()
            ),
        };
    }
    let refused = std::iter::successors(Some(e as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    })
    .filter_map(|e| e.downcast_ref::<std::io::Error>())
    .any(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
    if refused {
        format!(
            "cannot connect to PostgreSQL at {server} (connection refused): start \
             PostgreSQL there (e.g. `sudo service postgresql start`), or pass \
             --database-url with the server to use"
        )
    } else {
        format!(
            "cannot connect to PostgreSQL at {server} ({e}): check that it runs and \
             that --database-url names it"
        )
    }
}

/// The receipt key at `path`: read it, or make it when the database holds
/// no election (`elections` is how many it holds).
pub fn receipt_key(path: &Path, elections: u64) -> Result<ReceiptKey, CliError> {
    if !path.exists() {
        if elections > 0 {
            return Err(CliError::Usage(format!(
                "the receipt key {} is missing, but this database holds {elections} \
                 election(s) whose receipts it signs: restore the file from your backup \
                 (`cp BACKUP/{name} {path}`) or pass --receipt-key with where it is; a new \
                 key would make every receipt voters hold unverifiable",
                path.display(),
                name = path.file_name().map_or_else(
                    || "valurna-receipt.key".into(),
                    |n| n.to_string_lossy().into_owned()
                ),
                path = path.display(),
            )));
        }
        let key = ReceiptKey::load_or_create(path)?;
        let shown = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        tracing::info!(
            path = %shown.display(),
            "created the ballot box's receipt key (readable by its owner only): keep it \
             with your backups"
        );
        return Ok(key);
    }
    ReceiptKey::load(path).map_err(|e| {
        CliError::Usage(format!(
            "the receipt key {} cannot be read ({e}): it holds 64 hex digits, made by \
             `valurna serve` on an empty database",
            path.display()
        ))
    })
}

/// Warns when the booth's WebAssembly is not in `dir`.
pub fn check_booth(dir: &Path) {
    if !dir.join("valurna_booth.js").is_file() || !dir.join("valurna_booth_bg.wasm").is_file() {
        tracing::warn!(
            dir = %dir.display(),
            "the voting booth is not built here: voters cannot encrypt a ballot until you \
             run `bash web/build.sh` (or pass --web-dir with where it is built)"
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_lose_their_passwords() {
        assert_eq!(
            redacted("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redacted("postgres://postgres@127.0.0.1/postgres"),
            "postgres://postgres@127.0.0.1/postgres"
        );
    }

    #[test]
    fn a_missing_key_is_made_only_for_an_empty_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("valurna-receipt.key");
        let e = receipt_key(&path, 2).unwrap_err().to_string();
        assert!(
            e.contains("is missing") && e.contains("2 election(s)"),
            "{e}"
        );
        assert!(!path.exists());
        let made = receipt_key(&path, 0).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Made once, then read: the same key, with or without elections.
        let read = receipt_key(&path, 5).unwrap();
        assert_eq!(made.public(), read.public());
        std::fs::write(&path, "not hex").unwrap();
        let e = receipt_key(&path, 5).unwrap_err().to_string();
        assert!(e.contains("cannot be read"), "{e}");
    }
}
