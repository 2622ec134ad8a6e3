//! # valurna-server
//!
//! The `valurna` command: the committee's and trustees' commands and the
//! demo election. (The HTTP server, `valurna serve`, comes later.)

#![forbid(unsafe_code)]

pub mod commands;
pub mod demo;
pub mod error;

pub use error::CliError;
