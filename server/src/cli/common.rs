//! What every command shares: the database option, printing, and the
//! async runtime of the commands that use the database.

use std::future::Future;

use clap::Args;

use crate::error::CliError;

/// `--database-url`.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL URL, e.g. postgres://valurna@127.0.0.1/valurna.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
}

/// Prints a line of a command's output.
#[allow(clippy::print_stdout)]
pub fn say(text: &str) {
    println!("{text}");
}

/// Runs a database command on a new tokio runtime.
pub fn block_on(f: impl Future<Output = Result<(), CliError>>) -> Result<(), CliError> {
    tokio::runtime::Runtime::new()?.block_on(f)
}

/// A URL with any password in it replaced by `***`.
pub fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let (head, rest) = url.split_at(scheme + 3);
            let userinfo = rest.get(..at - scheme - 3).unwrap_or("");
            match userinfo.split_once(':') {
                Some((user, _)) => format!(
                    "{head}{user}:***{}",
                    rest.get(userinfo.len()..).unwrap_or("")
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
