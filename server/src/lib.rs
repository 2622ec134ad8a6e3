//! # valurna-server
//!
//! The `valurna` command: the committee's and trustees' commands, the demo
//! election, and `valurna serve`, the ballot box and public board over HTTP
//! with PostgreSQL storage.

#![forbid(unsafe_code)]

pub mod auth;
pub mod commands;
pub mod demo;
pub mod demo_serve;
pub mod error;
pub mod limits;
pub mod mail;
pub mod manage;
pub mod members;
pub mod metrics;
pub mod ranked;
pub mod receipt;
pub mod roll;
pub mod serve;
pub mod store;
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
