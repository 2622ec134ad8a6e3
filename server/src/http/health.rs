//! The operator's routes: liveness, readiness, Prometheus metrics and the
//! API's OpenAPI description.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;

use super::error::ApiError;
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

/// `GET /metrics`: Prometheus metrics ([`super::metrics`]).
async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics().render(),
    )
}
