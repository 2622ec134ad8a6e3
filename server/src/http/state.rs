//! What every handler shares: the database pool, the receipt key, the
//! cache of elections open for voting, the board writer, the admission
//! limits of casting, and where records and the booth's files are.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{RwLock, Semaphore, mpsc};
use valurna_engine::ballot::BallotContext;
use valurna_engine::manifest::Manifest;
use valurna_engine::record::Parameters;

use super::board_writer::{self, Job, MAX_BATCH};
use super::error::ApiError;
use super::limits::AbuseLimiter;
use super::metrics::Metrics;
use super::proxy::TrustedProxies;
use super::turnout::{Rows, TurnoutCache};
use crate::db::{self, Pool};
use crate::receipt::ReceiptKey;

/// How much ballot data may wait for verification, in KiB (64 MiB: about
/// 13,000 ten-candidate ballots).
pub const QUEUE_KIB: u32 = 64 * 1024;

/// Where `web/build.sh` puts the booth's WebAssembly in this source tree
/// (the default of `--web-dir`).
pub const DEFAULT_WEB_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/static/pkg");

/// An election's data the ballot box checks ballots against.
#[derive(Debug)]
pub struct Loaded {
    /// What ballots are checked against.
    pub ctx: BallotContext,
    /// The manifest's `election_id`.
    pub election_id: String,
    /// District → its contests' indices.
    pub districts: HashMap<String, Vec<u32>>,
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pool: Pool,
    key: Arc<ReceiptKey>,
    loaded: Arc<RwLock<HashMap<i64, Arc<Loaded>>>>,
    writer: mpsc::Sender<Job>,
    /// Ballots admitted to the CPU-heavy part of casting (decoding and
    /// proofs), counted in KiB of ballot: at most [`QUEUE_KIB`] wait; a
    /// ballot that finds no room is answered 503 at once instead of
    /// queueing without bound.
    admitted: Arc<Semaphore>,
    /// Of those, two per core run at a time.
    running: Arc<Semaphore>,
    /// Where published records are kept (`records/<id>/`).
    data_dir: Arc<PathBuf>,
    /// Whether session cookies carry `Secure` (behind HTTPS).
    secure_cookies: bool,
    metrics: Arc<Metrics>,
    limiter: Arc<AbuseLimiter>,
    /// Where the booth's WebAssembly is (`web/build.sh` writes it).
    web_dir: Arc<PathBuf>,
    /// The proxies whose forwarded client addresses are believed.
    proxies: TrustedProxies,
    /// Who may read `/metrics`.
    metrics_access: Arc<MetricsAccess>,
    turnout: Arc<TurnoutCache>,
    /// The address members reach the server at, for the links in their
    /// messages (no trailing `/`).
    public_url: Arc<str>,
}

/// Who may read `/metrics`: clients in these networks, or anyone with the
/// token (`Authorization: Bearer …`); by default nobody.
#[derive(Default)]
pub struct MetricsAccess {
    /// Client addresses that may read the metrics.
    pub from: Vec<ipnet::IpNet>,
    /// A token that opens them from anywhere.
    pub token: Option<zeroize::Zeroizing<String>>,
}

impl std::fmt::Debug for MetricsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsAccess")
            .field("from", &self.from)
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish()
    }
}

impl AppState {
    /// State over a pool and a receipt key; starts the board writer (so it
    /// must be called inside a tokio runtime).
    pub fn new(pool: Pool, key: ReceiptKey) -> Self {
        let key = Arc::new(key);
        let (writer, jobs) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(board_writer::run(pool.clone(), key.clone(), jobs));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        AppState {
            pool,
            key,
            loaded: Arc::default(),
            writer,
            admitted: Arc::new(Semaphore::new(QUEUE_KIB as usize)),
            running: Arc::new(Semaphore::new(2 * cores)),
            data_dir: Arc::new("valurna-data".into()),
            secure_cookies: false,
            metrics: Arc::default(),
            limiter: Arc::default(),
            web_dir: Arc::new(DEFAULT_WEB_DIR.into()),
            proxies: TrustedProxies::default(),
            metrics_access: Arc::default(),
            turnout: Arc::default(),
            public_url: Arc::from("http://127.0.0.1:8080"),
        }
    }

    /// The address members reach the server at (`https://vote.example.org`).
    #[must_use]
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = Arc::from(url.trim_end_matches('/'));
        self
    }

    /// The address members reach the server at, without a trailing `/`.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Believes the forwarded client addresses of these proxies
    /// ([`super::proxy`]).
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.proxies = proxies;
        self
    }

    /// The trusted proxies.
    pub fn proxies(&self) -> &TrustedProxies {
        &self.proxies
    }

    /// Who may read `/metrics` (default: nobody).
    pub fn with_metrics_access(mut self, access: MetricsAccess) -> Self {
        self.metrics_access = Arc::new(access);
        self
    }

    /// Who may read `/metrics`.
    pub fn metrics_access(&self) -> &MetricsAccess {
        &self.metrics_access
    }

    /// Serves the booth's WebAssembly from `dir` (default
    /// [`DEFAULT_WEB_DIR`]).
    pub fn with_web_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.web_dir = Arc::new(dir.into());
        self
    }

    /// Where the booth's WebAssembly is served from.
    pub fn web_dir(&self) -> &Path {
        &self.web_dir
    }

    /// Refused ballots per client address per 10 s before `429` (0: no
    /// limit; default [`super::limits::DEFAULT_LIMIT`]).
    pub fn with_abuse_limit(mut self, limit: u32) -> Self {
        self.limiter = Arc::new(AbuseLimiter::new(limit));
        self
    }

    /// Keeps published records under `dir` (default `valurna-data`).
    pub fn with_data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Arc::new(dir.into());
        self
    }

    /// Marks session cookies `Secure` (the server is behind HTTPS).
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    /// The database pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// An election's turnout per district, from the cache
    /// ([`super::turnout`]).
    pub async fn turnout(&self, id: i64) -> Result<Rows, ApiError> {
        Ok(self
            .turnout
            .get(&self.pool, id, || self.metrics.turnout_scanned())
            .await?)
    }

    /// The ballot box's receipt key.
    pub fn receipt_key(&self) -> &ReceiptKey {
        &self.key
    }

    /// Where an election's published record lives.
    pub fn record_dir(&self, election: i64) -> PathBuf {
        self.data_dir.join("records").join(election.to_string())
    }

    /// Whether cookies are `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    /// The Prometheus metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The metrics, shared (for the middleware that times requests).
    pub fn metrics_handle(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// The abuse limiter of casting.
    pub fn limiter(&self) -> &AbuseLimiter {
        &self.limiter
    }

    /// The board writer's queue.
    pub fn writer(&self) -> &mpsc::Sender<Job> {
        &self.writer
    }

    /// The admission semaphore (KiB of ballots waiting).
    pub fn admitted(&self) -> &Arc<Semaphore> {
        &self.admitted
    }

    /// The verification semaphore (ballots being checked).
    pub fn running(&self) -> &Arc<Semaphore> {
        &self.running
    }

    /// An election open for voting, as the ballot box checks ballots
    /// against it (read once, then cached).
    pub async fn loaded(&self, id: i64) -> Result<Arc<Loaded>, ApiError> {
        if let Some(l) = self.loaded.read().await.get(&id) {
            return Ok(l.clone());
        }
        let stored = db::ballot_box::election(&self.pool, id).await?;
        if stored.receipt_key != *self.key.public().as_bytes() {
            tracing::error!(
                election = id,
                "the election was loaded with another receipt key than this server's"
            );
            return Err(ApiError::unavailable(
                "wrong_receipt_key",
                "this ballot box does not hold the receipt key published for the election",
            ));
        }
        let internal = |what: &str| {
            tracing::error!(election = id, what, "stored election does not decode");
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "stored election is damaged",
            )
        };
        let manifest = Manifest::from_json(&stored.manifest).map_err(|_| internal("manifest"))?;
        let parameters: Parameters =
            serde_json::from_slice(&stored.parameters).map_err(|_| internal("parameters"))?;
        let ctx = BallotContext {
            base_hash: parameters
                .computed_base_hash()
                .map_err(|_| internal("base hash"))?,
            key: parameters.joint_key().map_err(|_| internal("joint key"))?,
            shapes: manifest.contests.iter().map(|c| c.shape()).collect(),
            preferences: manifest.preferences(),
        };
        let districts = manifest
            .contests
            .iter()
            .map(|c| {
                let list = manifest.contests_of(&c.district);
                (
                    c.district.clone(),
                    list.into_iter().map(|i| i as u32).collect(),
                )
            })
            .collect();
        let l = Arc::new(Loaded {
            ctx,
            election_id: manifest.election_id.clone(),
            districts,
        });
        self.loaded.write().await.insert(id, l.clone());
        Ok(l)
    }
}
