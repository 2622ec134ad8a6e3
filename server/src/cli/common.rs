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

/// A secret a command reads: the environment variable `var` if it is
/// set, else the next line of standard input (so it is never an argument
/// that `ps` shows).
pub fn secret_input(var: &str) -> Result<zeroize::Zeroizing<String>, CliError> {
    if let Ok(p) = std::env::var(var) {
        return Ok(zeroize::Zeroizing::new(p));
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin().read_line(&mut line)?;
    Ok(zeroize::Zeroizing::new(
        line.trim_end_matches(['\r', '\n']).to_string(),
    ))
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
