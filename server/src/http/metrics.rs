//! Prometheus metrics, served at `GET /metrics` in the text exposition
//! format: ballots accepted, ballots rejected by reason (the API's error
//! code), and the latency of every request by route and status class.
//! Labels never carry personal data or ballot content: only route
//! templates (`/api/elections/{id}/ballots`) and fixed codes.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A request's labels.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

/// A rejected ballot's label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

/// An accepted ballot's label: `appended` or `replayed`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 8 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    accepted: Family<OutcomeLabels, Counter>,
    rejected: Family<ReasonLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    turnout_scans: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let accepted = Family::<OutcomeLabels, Counter>::default();
        let rejected = Family::<ReasonLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "valurna_ballots_accepted",
            "Ballots answered with a receipt (appended now, or replayed)",
            accepted.clone(),
        );
        registry.register(
            "valurna_ballots_rejected",
            "Ballots refused, by the API's error code",
            rejected.clone(),
        );
        registry.register(
            "valurna_http_request_duration_seconds",
            "Request latency by route template and status class",
            latency.clone(),
        );
        let turnout_scans = Counter::default();
        registry.register(
            "valurna_turnout_scans",
            "Turnout read from the credentials and the board (the rest came from the cache)",
            turnout_scans.clone(),
        );
        Metrics {
            turnout_scans,
            registry,
            accepted,
            rejected,
            latency,
        }
    }
}

impl Metrics {
    /// Counts a ballot answered with a receipt.
    pub fn ballot_accepted(&self, replayed: bool) {
        let outcome = if replayed { "replayed" } else { "appended" };
        self.accepted
            .get_or_create(&OutcomeLabels {
                outcome: outcome.into(),
            })
            .inc();
    }

    /// Counts a refused ballot.
    pub fn ballot_rejected(&self, reason: &str) {
        self.rejected
            .get_or_create(&ReasonLabels {
                reason: reason.into(),
            })
            .inc();
    }

    /// Counts a turnout read from the database.
    pub fn turnout_scanned(&self) {
        self.turnout_scans.inc();
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// Middleware: times every request by its route template.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().as_str().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics
        .latency
        .get_or_create(&RequestLabels {
            method,
            route,
            status,
        })
        .observe(start.elapsed().as_secs_f64());
    response
}
