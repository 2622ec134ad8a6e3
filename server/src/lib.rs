//! # valurna-server
//!
//! The `valurna` command: the committee's and trustees' commands, the demo
//! election, and `valurna serve`, the ballot box and public board over HTTP
//! with PostgreSQL storage.

#![forbid(unsafe_code)]

pub mod auth;
pub mod commands;
pub mod demo;
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

pub use error::CliError;
