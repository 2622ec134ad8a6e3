//! # valurna-server
//!
//! The `valurna` command and the election server.
//!
//! | layer | module | what |
//! |---|---|---|
//! | commands | [`cli`] | one module per command group; `valurna serve` starts [`http::app`] |
//! | HTTP | [`http`] | the router, extractors, [`http::ApiError`], one module per resource |
//! | pages | [`web`] | server-rendered pages (maud) over the same handlers and rules |
//! | rules | [`election`] | the lifecycle state machine, the roll, nominations, opening, the tally — no HTTP, no SQL |
//! | files | [`record`] | the key ceremony, set-up and record on disk (the trustees' tools) |
//! | storage | [`db`] | every SQL statement, one module per aggregate, the migrations |
//!
//! Dependencies go down the table: a layer never imports one above it, and
//! no module imports another that imports it back (`scripts/layers`).
//! [`receipt`] (the ballot box's signing key), [`mail`] (the outbox over
//! SMTP) and [`error`] (the commands' error) sit beside them.

#![forbid(unsafe_code)]

pub mod cli;
pub mod db;
pub mod election;
pub mod error;
pub mod http;
pub mod i18n;
pub mod mail;
pub mod pdf;
pub mod receipt;
pub mod record;
pub mod web;

pub use error::CliError;

/// The log filter for `spec` (`RUST_LOG` syntax), with the database
/// driver capped at `info`: at `debug` tokio-postgres logs every query's
/// parameters, which include voters' personal data and ballots. Logs must
/// never carry those (SECURITY.md), whatever filter an operator sets.
pub fn log_filter(spec: &str) -> tracing_subscriber::EnvFilter {
    let capped = [
        "tokio_postgres=info",
        "deadpool_postgres=info",
        "postgres_protocol=info",
    ];
    capped.iter().fold(
        tracing_subscriber::EnvFilter::try_new(spec)
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        |f, d| match d.parse() {
            Ok(d) => f.add_directive(d),
            Err(_) => f,
        },
    )
}
