//! The HTTP API and the pages, over axum: [`app`] is the whole router,
//! used by `valurna serve` and by the tests.
//!
//! One module per resource; a handler parses the request, checks who is
//! asking, calls the election's rules ([`crate::election`]) and storage
//! ([`crate::db`]), and maps the outcome to JSON or an [`ApiError`].
//!
//! | module | routes |
//! |---|---|
//! | [`first_run`] | `GET`/`POST /api/setup` (the platform admin's account, once) |
//! | [`sessions`] | `POST /api/login`, `/api/logout`, `GET /api/me`; members' `POST /api/member/code`, `/login`, `/logout` |
//! | [`organisations`] | `POST /api/organisations`, `…/{org}/staff`, `GET …/{org}/audit` |
//! | [`elections`] | `POST /api/organisations/{org}/elections`, `GET /api/elections/{id}`, the lifecycle: `…/nominations/open`, `…/freeze`, `…/open`, `…/close`, `…/retention` |
//! | [`schedule`] | `PUT /api/elections/{id}/schedule`; opens and closes voting at those times |
//! | [`roll`] | `POST /api/elections/{id}/roll` (preview, then `?apply=`) |
//! | [`nominations`] | `…/trustees`, `…/nominations`, `…/nominations/{n}/decision`, `…/candidates`; members' `/api/member/nominations…`, `/api/member/presentation` |
//! | [`ceremony`] | `GET …/ceremony`, `GET`/`PUT …/ceremony/{name}` |
//! | [`ballots`] | `POST /api/elections/{id}/ballots`, `GET …/manifest.json`, `…/parameters.json` |
//! | [`board`] | `GET …/board`, `…/board/head`, `…/trackers/{tracker}`, `…/credentials/{credential}`, `…/turnout` |
//! | [`tally`] | `POST …/decryptions`, `GET …/record`, `…/record/{file}` |
//! | [`outbox`] | `POST …/outbox/export` |
//! | [`health`] | `GET /healthz`, `/readyz`, `/metrics`, `/api/openapi.json` |
//!
//! Every election, from draft to tallied, is `/api/elections/{id}`.
//! Errors are JSON, `{"error": code, "message": text}`, with a 4xx status
//! for anything the client sent.

pub mod access;
pub mod ballots;
pub mod board;
pub mod board_writer;
pub mod ceremony;
pub mod conn;
pub mod elections;
pub mod error;
pub mod extract;
pub mod first_run;
pub mod health;
pub mod invitations;
pub mod limits;
pub mod messages;
pub mod metrics;
pub mod nominations;
pub mod organisations;
pub mod outbox;
pub mod proxy;
pub mod roll;
pub mod schedule;
pub mod second_factor;
pub mod sessions;
pub mod state;
pub mod tally;
pub mod turnout;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;

pub use error::{ApiError, MAX_BODY};
pub use state::AppState;

/// Serves [`app`] on `listener` under the connection limits of
/// [`conn`] until the process is stopped.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    limits: conn::ConnLimits,
) -> std::io::Result<()> {
    let proxies = state.proxies().clone();
    let body_timeout = limits.body_timeout;
    conn::serve(
        listener,
        app(state).layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        )),
        limits,
        proxies,
    )
    .await
}

/// The whole router: every resource's routes and the pages.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(first_run::routes())
        .merge(sessions::routes())
        .merge(second_factor::routes())
        .merge(organisations::routes())
        .merge(invitations::routes())
        .merge(elections::routes())
        .merge(schedule::routes())
        .merge(roll::routes())
        .merge(nominations::routes())
        .merge(ceremony::routes())
        .merge(ballots::routes())
        .merge(board::routes())
        .merge(tally::routes())
        .merge(outbox::routes())
        .merge(messages::routes())
        .merge(health::routes())
        .merge(crate::web::routes())
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this resource does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(error::in_the_askers_language))
        .layer(axum::middleware::from_fn(error::plain_errors_as_json))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics_handle(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
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
