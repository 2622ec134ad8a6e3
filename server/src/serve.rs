//! `valurna serve`: the ballot box and the public board over HTTP (axum).
//!
//! | method and path | what |
//! |---|---|
//! | `GET /healthz` | the process is up |
//! | `GET /readyz` | the database answers |
//! | `POST /api/elections/{id}/ballots` | cast a ballot: `{"ballot": "<base64>"}`; answers with a signed receipt (record.md §5.7) |
//! | `GET /api/elections/{id}/board?from=N&limit=M` | board entries, as in `board.jsonl` |
//! | `GET /api/elections/{id}/board/head` | the board's length, head and (once closed) seal |
//! | `GET /api/elections/{id}/trackers/{tracker}` | where a ballot stands: counted or superseded |
//! | `GET /api/elections/{id}/turnout` | eligible and voted per district (counts only) |
//! | `GET /api/elections/{id}/manifest.json`, `…/parameters.json` | what a voter's device encrypts for |
//! | `GET /api/elections/{id}/record`, `…/record/{file}` | the published record, once closed ([`crate::manage`]) |
//! | `GET /metrics` | Prometheus metrics ([`crate::metrics`]) |
//! | `GET /api/openapi.json` | the OpenAPI description of the whole API |
//!
//! The committee's routes (staff, roll, nominations, ceremony, opening,
//! closing, tally) are in [`crate::manage`], the members' in
//! [`crate::members`].
//!
//! Casting checks, cheapest first: the body's size and JSON shape, base64,
//! a replay of a ballot already on the board (answered with its old
//! receipt, nothing stored), the credential being listed and the election
//! open, then — admitted to a bounded queue (or answered 503 at once) and
//! run one per core — strict decoding, the contests being the district's,
//! the signature and every proof. The board is appended in one
//! database transaction and the receipt is sent only after it commits.
//! Errors are JSON, `{"error": code, "message": text}`, with a 4xx status
//! for anything the client sent.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use deadpool_postgres::Pool;
use serde::{Deserialize, Serialize};
use tokio::sync::{RwLock, Semaphore, mpsc, oneshot};
use valurna_engine::ballot::{Ballot, BallotContext, VerifiedBallot};
use valurna_engine::encoding::{Element, IdentityRule, decode_hex};
use valurna_engine::manifest::Manifest;
use valurna_engine::record::{BoardLine, Parameters};

pub use crate::receipt::ReceiptKey;
use crate::store::{self, Cast, SignedReceipt, StoreError};

/// The largest request body accepted: a ballot for a district with many
/// contests, in base64, with room to spare.
pub const MAX_BODY: usize = 4 << 20;
/// The most board entries one page returns.
pub const MAX_PAGE: u64 = 1000;

/// Serves the API on `listen` until the process is stopped.
pub async fn run(listen: &str, state: AppState) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(address = %listener.local_addr()?, "valurna serve listening");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}

/// An election's data the ballot box checks ballots against.
#[derive(Debug)]
struct Loaded {
    ctx: BallotContext,
    election_id: String,
    /// District → its contests' indices.
    districts: HashMap<String, Vec<u32>>,
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
    data_dir: Arc<std::path::PathBuf>,
    /// Whether session cookies carry `Secure` (behind HTTPS).
    secure_cookies: bool,
    metrics: Arc<crate::metrics::Metrics>,
    limiter: Arc<crate::limits::AbuseLimiter>,
    /// Where the booth's WebAssembly is (`web/build.sh` writes it).
    web_dir: Arc<std::path::PathBuf>,
}

/// Where `web/build.sh` puts the booth's WebAssembly in this source tree
/// (the default of `--web-dir`).
pub const DEFAULT_WEB_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/static/pkg");

impl AppState {
    /// State over a pool and a receipt key; starts the board writer (so it
    /// must be called inside a tokio runtime).
    pub fn new(pool: Pool, key: ReceiptKey) -> Self {
        let key = Arc::new(key);
        let (writer, jobs) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(board_writer(pool.clone(), key.clone(), jobs));
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
        }
    }

    /// Serves the booth's WebAssembly from `dir` (default
    /// [`DEFAULT_WEB_DIR`]).
    pub fn with_web_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.web_dir = Arc::new(dir.into());
        self
    }

    /// Where the booth's WebAssembly is served from.
    pub fn web_dir(&self) -> &std::path::Path {
        &self.web_dir
    }

    /// Refused ballots per client address per 10 s before `429` (0: no
    /// limit; default [`crate::limits::DEFAULT_LIMIT`]).
    pub fn with_abuse_limit(mut self, limit: u32) -> Self {
        self.limiter = Arc::new(crate::limits::AbuseLimiter::new(limit));
        self
    }

    /// Keeps published records under `dir` (default `valurna-data`).
    pub fn with_data_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
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

    /// The ballot box's receipt key.
    pub fn receipt_key(&self) -> &ReceiptKey {
        &self.key
    }

    /// Where an election's published record lives.
    pub fn record_dir(&self, ballot_box: i64) -> std::path::PathBuf {
        self.data_dir.join("records").join(ballot_box.to_string())
    }

    /// Whether cookies are `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    /// The Prometheus metrics.
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }
}

/// How much ballot data may wait for verification, in KiB (64 MiB: about
/// 13,000 ten-candidate ballots).
pub const QUEUE_KIB: u32 = 64 * 1024;

/// The most ballots appended in one transaction.
pub const MAX_BATCH: usize = 512;

/// A verified ballot waiting for the board.
#[derive(Debug)]
struct Job {
    election: i64,
    base_hash: [u8; 32],
    ballot: VerifiedBallot,
    reply: oneshot::Sender<Result<Cast, ApiError>>,
}

/// The board writer: takes every verified ballot waiting (up to
/// [`MAX_BATCH`]) and appends them per election in one transaction, then
/// answers each. Under load the next batch gathers while one commits, so
/// one commit serves many ballots (group commit); when idle a ballot is
/// written at once.
async fn board_writer(pool: Pool, key: Arc<ReceiptKey>, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut by_election: Vec<(i64, Vec<Job>)> = Vec::new();
        for job in batch {
            match by_election.iter_mut().find(|(e, _)| *e == job.election) {
                Some((_, list)) => list.push(job),
                None => by_election.push((job.election, vec![job])),
            }
        }
        for (election, list) in by_election {
            let base_hash = list.first().map(|j| j.base_hash).unwrap_or_default();
            let ballots: Vec<&VerifiedBallot> = list.iter().map(|j| &j.ballot).collect();
            let outcome = store::append_batch(&pool, election, &base_hash, &ballots, &key).await;
            match outcome {
                Ok(casts) => {
                    for (job, cast) in list.into_iter().zip(casts) {
                        let _ = job.reply.send(Ok(cast));
                    }
                }
                Err(e) => {
                    let error = ApiError::from(e);
                    for job in list {
                        let _ = job.reply.send(Err(error.clone()));
                    }
                }
            }
        }
    }
}

/// The one error type of the API, mapped to HTTP.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<serde_json::Value>,
}

impl ApiError {
    /// An error with its status, stable code and message for the client.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    /// Adds machine-readable details (e.g. a roll's bad rows).
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    /// A 400 Bad Request.
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A 404 Not Found.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// A 409 Conflict: the request does not fit the resource's state.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// A 422 Unprocessable Content: well-formed, but refused.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// A 500: a bug or damaged data; `what` is logged, not returned.
    pub fn internal(what: &str) -> Self {
        tracing::error!(what, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }

    /// The message for the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a serde_json::Value>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(ErrorBody {
            error: self.code,
            message: &self.message,
            details: self.details.as_ref(),
        });
        (self.status, body).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NoElection => ApiError::new(
                StatusCode::NOT_FOUND,
                "no_such_election",
                "no such election",
            ),
            StoreError::Closed => ApiError::new(
                StatusCode::CONFLICT,
                "election_closed",
                "voting in this election is closed",
            ),
            other => {
                tracing::error!(error = %other, "storage failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the ballot box cannot store or read right now; try again",
                )
            }
        }
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::from(e).into()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content_type",
                "send application/json",
            ),
            JsonRejection::BytesRejection(_) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is over {MAX_BODY} bytes"),
            ),
            other => ApiError::bad("malformed_json", other.body_text()),
        }
    }
}

/// An election's id from the path; anything else is a JSON 400.
#[derive(Debug)]
pub struct ElectionId(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ElectionId {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let Path(id) = Path::<i64>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad("malformed_path", e.body_text()))?;
        Ok(ElectionId(id))
    }
}

/// Path parameters of any shape; a path that does not parse is a JSON 400.
#[derive(Debug)]
pub struct P<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> axum::extract::FromRequestParts<S>
    for P<T>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let Path(t) = Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad("malformed_path", e.body_text()))?;
        Ok(P(t))
    }
}

/// The Content-Security-Policy of every answer but the pages (which set
/// their own, [`crate::web::PAGE_CSP`]): the API serves no page, script,
/// style or frame, so nothing may load.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Middleware: security headers on every answer — a strict CSP, no MIME
/// sniffing, no framing, no referrer, no caching (answers may carry a
/// session's data), and HSTS when the server is told it is behind HTTPS.
async fn security_headers(
    State(app): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if app.secure_cookies() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// The OpenAPI description of the JSON API.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// The router with every route of the module docs, the committee's
/// ([`crate::manage`]) and the members' ([`crate::members`]).
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::manage::routes())
        .merge(crate::members::routes())
        .merge(crate::web::routes())
        .route("/metrics", get(crate::metrics::serve))
        .route(
            "/api/openapi.json",
            get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    OPENAPI,
                )
            }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/api/elections/{id}/ballots", post(cast))
        .route("/api/elections/{id}/board", get(board))
        .route("/api/elections/{id}/board/head", get(head))
        .route("/api/elections/{id}/trackers/{tracker}", get(tracker))
        .route("/api/elections/{id}/turnout", get(turnout))
        .route(
            "/api/elections/{id}/credentials/{credential}",
            get(credential_district),
        )
        .route("/api/elections/{id}/manifest.json", get(manifest_file))
        .route("/api/elections/{id}/parameters.json", get(parameters_file))
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
}

async fn ready(State(app): State<AppState>) -> Result<&'static str, ApiError> {
    if app.writer.is_closed() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the board writer has stopped",
        ));
    }
    let client = app.pool.get().await.map_err(StoreError::from)?;
    client
        .query_one("SELECT 1", &[])
        .await
        .map_err(StoreError::from)?;
    Ok("ready")
}

async fn loaded(app: &AppState, id: i64) -> Result<Arc<Loaded>, ApiError> {
    if let Some(l) = app.loaded.read().await.get(&id) {
        return Ok(l.clone());
    }
    let stored = store::election(&app.pool, id).await?;
    if stored.receipt_key != *app.key.public().as_bytes() {
        tracing::error!(
            election = id,
            "the election was loaded with another receipt key than this server's"
        );
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "wrong_receipt_key",
            "this ballot box does not hold the receipt key published for the election",
        ));
    }
    let internal = |what: &str| {
        tracing::error!(election = id, what, "stored election does not decode");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
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
    app.loaded.write().await.insert(id, l.clone());
    Ok(l)
}

/// `GET /api/elections/{id}/manifest.json`: what a voter's device needs,
/// byte for byte as it is hashed.
async fn manifest_file(
    State(app): State<AppState>,
    ElectionId(id): ElectionId,
) -> Result<Response, ApiError> {
    let stored = store::election(&app.pool, id).await?;
    Ok(json_bytes(stored.manifest))
}

/// `GET /api/elections/{id}/parameters.json`: the joint key and hashes.
async fn parameters_file(
    State(app): State<AppState>,
    ElectionId(id): ElectionId,
) -> Result<Response, ApiError> {
    let stored = store::election(&app.pool, id).await?;
    Ok(json_bytes(stored.parameters))
}

/// A stored JSON file as the answer.
pub fn json_bytes(bytes: Vec<u8>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}

/// `POST /api/elections/{id}/ballots`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CastRequest {
    /// The ballot's bytes (record.md §5.1), base64.
    pub ballot: String,
}

/// A receipt as JSON (record.md §5.7).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReceiptJson {
    /// The manifest's `election_id`.
    pub election: String,
    /// Board position.
    pub position: u64,
    /// The tracker, hex.
    pub tracker: String,
    /// The chain head after this entry, hex.
    pub head: String,
    /// The ballot box's receipt key, hex.
    pub server_key: String,
    /// The signature, hex.
    pub signature: String,
}

fn receipt_json(l: &Loaded, key: &Element, r: &SignedReceipt) -> ReceiptJson {
    ReceiptJson {
        election: l.election_id.clone(),
        position: r.receipt.position,
        tracker: hex::encode(r.receipt.tracker),
        head: hex::encode(r.receipt.head),
        server_key: key.to_hex(),
        signature: hex::encode(r.signature),
    }
}

/// The client's address, when the server was started with connection
/// info (`valurna serve` is).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

async fn cast(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ElectionId(id): ElectionId,
    body: Result<Json<CastRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<ReceiptJson>), ApiError> {
    // A client whose ballots keep being refused waits (crate::limits).
    if let Some(ip) = ip
        && app.limiter.blocked(ip)
    {
        app.metrics().ballot_rejected("rate_limited");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many refused ballots from this address; try again in 10 seconds",
        ));
    }
    let outcome = cast_ballot(&app, id, body).await;
    match &outcome {
        Ok((status, _)) => app.metrics().ballot_accepted(*status == StatusCode::OK),
        Err(e) => {
            app.metrics().ballot_rejected(e.code());
            if let Some(ip) = ip
                && e.status.is_client_error()
            {
                app.limiter.refused(ip);
            }
        }
    }
    outcome
}

async fn cast_ballot(
    app: &AppState,
    id: i64,
    body: Result<Json<CastRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<ReceiptJson>), ApiError> {
    let Json(request) = body?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&request.ballot)
        .map_err(|_| ApiError::bad("malformed_ballot", "the ballot is not canonical base64"))?;
    let l = loaded(app, id).await?;
    let tracker = Ballot::tracker(&bytes);
    // A ballot already on the board: its receipt again, nothing new stored.
    if let Some(r) = store::find_receipt(&app.pool, id, &tracker).await? {
        return Ok((StatusCode::OK, Json(receipt_json(&l, app.key.public(), &r))));
    }
    // The credential is the ballot's first 32 bytes: look it up (and
    // whether voting is open) before any expensive work.
    let credential = bytes
        .get(..32)
        .and_then(|c| Element::decode(c, IdentityRule::Forbidden).ok())
        .ok_or_else(|| ApiError::bad("malformed_ballot", "the ballot's credential is malformed"))?;
    let (district, _, open) = store::credential(&app.pool, id, &credential)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "unlisted_credential",
                "the ballot's credential is not on this election's list",
            )
        })?;
    if !open {
        return Err(StoreError::Closed.into());
    }
    let contests = l.districts.get(&district).cloned().unwrap_or_default();
    let kib = u32::try_from(bytes.len().div_ceil(1024)).unwrap_or(u32::MAX);
    let _admitted = app
        .admitted
        .clone()
        .try_acquire_many_owned(kib)
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the ballot box is busy; try again in a moment",
            )
        })?;
    let running = app.running.clone().acquire_owned().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "shutting down",
        )
    })?;
    let ctx = l.clone();
    let verified = tokio::task::spawn_blocking(move || {
        let _running = running;
        let ballot = Ballot::decode(&bytes, &ctx.ctx)
            .map_err(|e| ApiError::bad("malformed_ballot", e.to_string()))?;
        ballot.verify(&ctx.ctx, &contests).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_ballot",
                e.to_string(),
            )
        })
    })
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "verification stopped",
        )
    })??;
    let (reply, answer) = oneshot::channel();
    let job = Job {
        election: id,
        base_hash: l.ctx.base_hash,
        ballot: verified,
        reply,
    };
    let unavailable = || {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the ballot box is shutting down; try again",
        )
    };
    app.writer.send(job).await.map_err(|_| unavailable())?;
    let cast = answer.await.map_err(|_| unavailable())??;
    Ok(match cast {
        Cast::Appended(r) => (
            StatusCode::CREATED,
            Json(receipt_json(&l, app.key.public(), &r)),
        ),
        Cast::Replayed(r) => (StatusCode::OK, Json(receipt_json(&l, app.key.public(), &r))),
        Cast::Closed => return Err(StoreError::Closed.into()),
    })
}

/// `?from=&limit=`.
#[derive(Debug, Deserialize)]
pub struct Page {
    from: Option<u64>,
    limit: Option<u64>,
}

async fn board(
    State(app): State<AppState>,
    ElectionId(id): ElectionId,
    query: Result<Query<Page>, QueryRejection>,
) -> Result<Json<Vec<BoardLine>>, ApiError> {
    let Query(page) = query.map_err(|e| ApiError::bad("malformed_query", e.body_text()))?;
    let from = page.from.unwrap_or(0);
    let limit = page.limit.unwrap_or(100).min(MAX_PAGE);
    if from > i64::MAX as u64 {
        return Err(ApiError::bad("out_of_range", "from is too large"));
    }
    Ok(Json(store::board_page(&app.pool, id, from, limit).await?))
}

/// The board's head.
#[derive(Debug, Serialize, Deserialize)]
pub struct HeadJson {
    /// Entries.
    pub count: u64,
    /// The last head (the genesis value for an empty board).
    pub head: String,
    /// The seal, once voting is closed.
    pub seal: Option<String>,
}

async fn head(
    State(app): State<AppState>,
    ElectionId(id): ElectionId,
) -> Result<Json<HeadJson>, ApiError> {
    let (count, head, seal) = store::board_head(&app.pool, id).await?;
    Ok(Json(HeadJson {
        count,
        head: hex::encode(head),
        seal: seal.map(hex::encode),
    }))
}

/// Where a tracker stands.
#[derive(Debug, Serialize, Deserialize)]
pub struct TrackerJson {
    /// Board position.
    pub position: u64,
    /// `counted` or `superseded`.
    pub status: String,
    /// The position of the ballot that counts instead, if superseded.
    pub superseded_by: Option<u64>,
}

async fn tracker(
    State(app): State<AppState>,
    path: Result<Path<(i64, String)>, PathRejection>,
) -> Result<Json<TrackerJson>, ApiError> {
    let Path((id, tracker)) = path.map_err(|e| ApiError::bad("malformed_path", e.body_text()))?;
    let bytes: [u8; 32] = decode_hex(&tracker)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            ApiError::bad("malformed_tracker", "a tracker is 64 lower-case hex digits")
        })?;
    let (position, later) = store::tracker_status(&app.pool, id, &bytes)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_on_board",
                "no ballot with this tracker",
            )
        })?;
    Ok(Json(TrackerJson {
        position,
        status: if later.is_some() {
            "superseded"
        } else {
            "counted"
        }
        .into(),
        superseded_by: later,
    }))
}

/// A listed credential's district, for a voter's device.
#[derive(Debug, Serialize, Deserialize)]
pub struct CredentialJson {
    /// The district the credential votes in.
    pub district: String,
    /// Its weight.
    pub weight: u64,
}

/// `GET /api/elections/{id}/credentials/{credential}`: the district of a
/// listed credential (public in the record's `credentials.jsonl`), so the
/// booth can show the voter their district's contests.
async fn credential_district(
    State(app): State<AppState>,
    path: Result<Path<(i64, String)>, PathRejection>,
) -> Result<Json<CredentialJson>, ApiError> {
    let Path((id, credential)) =
        path.map_err(|e| ApiError::bad("malformed_path", e.body_text()))?;
    let credential = Element::from_hex(&credential, IdentityRule::Forbidden).map_err(|_| {
        ApiError::bad(
            "malformed_credential",
            "a credential is a canonical encoding in 64 lower-case hex digits",
        )
    })?;
    let (district, weight, _) = store::credential(&app.pool, id, &credential)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "not_listed",
                "this credential is not listed for the election",
            )
        })?;
    Ok(Json(CredentialJson { district, weight }))
}

/// Turnout of one district.
#[derive(Debug, Serialize, Deserialize)]
pub struct DistrictTurnout {
    /// The district.
    pub district: String,
    /// Listed credentials.
    pub eligible: u64,
    /// Credentials with a ballot on the board.
    pub voted: u64,
}

async fn turnout(
    State(app): State<AppState>,
    ElectionId(id): ElectionId,
) -> Result<Json<Vec<DistrictTurnout>>, ApiError> {
    loaded(&app, id).await?;
    let rows = store::turnout(&app.pool, id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(district, eligible, voted)| DistrictTurnout {
                district,
                eligible,
                voted,
            })
            .collect(),
    ))
}
