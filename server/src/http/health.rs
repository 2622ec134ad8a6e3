//! The operator's routes: liveness, readiness, Prometheus metrics and the
//! API's OpenAPI description.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;

use super::error::ApiError;
use super::extract::ClientIp;
use super::state::AppState;
use crate::db;

/// The OpenAPI description of the JSON API.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// The operator's routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route(
            "/api/openapi.json",
            get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    OPENAPI,
                )
            }),
        )
}

/// `GET /readyz`: the board writer runs and the database answers.
async fn ready(State(app): State<AppState>) -> Result<&'static str, ApiError> {
    if app.writer().is_closed() {
        return Err(ApiError::unavailable(
            "unavailable",
            "the board writer has stopped",
        ));
    }
    db::ping(app.pool()).await?;
    Ok("ready")
}

/// `GET /metrics`: Prometheus metrics ([`super::metrics`]), for the
/// clients `--metrics-from` names or with `--metrics-token`; anyone else
/// finds nothing there.
async fn metrics(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    use subtle::ConstantTimeEq;
    let access = app.metrics_access();
    let by_address = ip.is_some_and(|ip| access.from.iter().any(|n| n.contains(&ip)));
    let by_token = access.token.as_ref().is_some_and(|token| {
        headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(token.as_bytes())))
    });
    if !by_address && !by_token {
        return Err(ApiError::not_found("not_found", "no such resource"));
    }
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics().render(),
    ))
}
