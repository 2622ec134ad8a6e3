//! The demo's use of the API client ([`crate::cli::api`]): its accounts
//! signed in, the outbox read, and its errors.

use axum::Router;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

pub(super) use crate::cli::api::{Api, Payload, field};

use super::election::Account;
use crate::error::CliError;

pub(super) fn failed(what: impl Into<String>) -> CliError {
    CliError::Demo(what.into())
}

impl Api {
    pub(super) async fn signed_in(
        router: &Router,
        path: &str,
        body: Value,
    ) -> Result<Api, CliError> {
        Api::anonymous(router).sign_in(path, body).await
    }

    pub(super) async fn staff(router: &Router, account: &Account) -> Result<Api, CliError> {
        Api::signed_in(
            router,
            "/api/login",
            json!({"username": account.username, "password": account.password}),
        )
        .await
    }

    /// Takes every waiting message out of the set-up's outbox, as
    /// (recipient, body).
    pub(super) async fn take_outbox(&self, setup: i64) -> Result<Vec<(String, String)>, CliError> {
        let csv = self
            .expect(
                StatusCode::OK,
                Method::POST,
                &format!("/api/elections/{setup}/outbox/export"),
                Payload::Empty,
            )
            .await?
            .body;
        let mut reader = csv::Reader::from_reader(csv.as_ref());
        let mut out = Vec::new();
        for row in reader.records() {
            let row = row.map_err(|e| failed(format!("the outbox's CSV: {e}")))?;
            match (row.get(0), row.get(2)) {
                (Some(recipient), Some(body)) => out.push((recipient.into(), body.into())),
                _ => return Err(failed("the outbox's CSV has a short row")),
            }
        }
        Ok(out)
    }
}

pub(super) fn id_of(v: &Value, what: &str) -> Result<i64, CliError> {
    field(v, "id")
        .as_i64()
        .ok_or_else(|| failed(format!("{what}: no id in {v}")))
}

/// An error with its causes, as one line.
pub(super) fn with_causes(e: &dyn std::error::Error) -> String {
    crate::cli::api::causes(e)
}
