//! `valurna`: run an election from the command line. The commands are in
//! [`valurna_server::cli`]; this only parses and dispatches.

use std::process::ExitCode;

use clap::Parser;
use valurna_server::cli::{self, Cli};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(valurna_server::log_filter(
            &std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        ))
        .init();
    match cli::run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("valurna: {e}");
            ExitCode::FAILURE
        }
    }
}
