//! The command line's one error type.

use thiserror::Error;

/// Why a command failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CliError {
    /// The command was used wrongly.
    #[error("{0}")]
    Usage(String),
    /// The engine refused something (a proof, an encoding, a ceremony).
    #[error(transparent)]
    Engine(#[from] valurna_engine::Error),
    /// Reading or writing a file failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The database or the stored election.
    #[error(transparent)]
    Store(#[from] crate::db::StoreError),
    /// Setting up the demo election through the server's API failed
    /// (`valurna demo --serve`): what was asked and what the server said.
    #[error("demo set-up: {0}")]
    Demo(String),
    /// The server refused or could not be reached (`--server URL`, or
    /// the demo's requests): what was asked and what the server said.
    #[error("server: {0}")]
    Server(String),
    /// An invariant of this program did not hold: a bug.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl From<valurna_engine::DecodeError> for CliError {
    fn from(e: valurna_engine::DecodeError) -> Self {
        CliError::Engine(e.into())
    }
}
