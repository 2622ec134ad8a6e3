//! An in-process client of the server's router, as a browser or a
//! trustee's tool would use it (a session cookie and its CSRF token).

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use super::election::Account;
use crate::error::CliError;

pub(super) fn failed(what: impl Into<String>) -> CliError {
    CliError::Demo(what.into())
}

/// Runs a CPU-heavy or blocking step off the async runtime's threads.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CliError> + Send + 'static,
) -> Result<T, CliError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| CliError::Internal("a blocking task stopped"))?
}

// ---------------------------------------------------------------------------
// The in-process API client

/// An answer of the API.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) set_cookie: Option<String>,
    pub(super) body: Bytes,
}

impl Answer {
    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(super) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| Value::String(self.text()))
    }
}

/// A client of the router, signed in (a session cookie and its CSRF
/// token) or not, as a browser or a trustee's tool would be.
#[derive(Clone)]
pub(super) struct Api {
    pub(super) router: Router,
    pub(super) cookie: Option<String>,
    pub(super) csrf: Option<String>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("signed_in", &self.cookie.is_some())
            .finish_non_exhaustive()
    }
}

/// A request body.
pub(super) enum Payload {
    Empty,
    Json(Value),
    Csv(String),
    Raw(Vec<u8>),
}

impl Api {
    pub(super) fn anonymous(router: &Router) -> Api {
        Api {
            router: router.clone(),
            cookie: None,
            csrf: None,
        }
    }

    pub(super) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Payload,
    ) -> Result<Answer, CliError> {
        let mut request = Request::builder().method(method.clone()).uri(path);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(csrf) = &self.csrf {
            request = request.header(crate::http::extract::CSRF_HEADER, csrf);
        }
        let body = match body {
            Payload::Empty => Body::empty(),
            Payload::Json(v) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            Payload::Csv(text) => {
                request = request.header(header::CONTENT_TYPE, "text/csv");
                Body::from(text)
            }
            Payload::Raw(bytes) => Body::from(bytes),
        };
        let request = request
            .body(body)
            .map_err(|e| failed(format!("{method} {path}: {e}")))?;
        let response = match self.router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = response.status();
        let set_cookie = response
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| failed(format!("{method} {path}: reading the answer: {e}")))?;
        Ok(Answer {
            status,
            set_cookie,
            body,
        })
    }

    /// Sends, and expects `status`.
    pub(super) async fn expect(
        &self,
        status: StatusCode,
        method: Method,
        path: &str,
        body: Payload,
    ) -> Result<Answer, CliError> {
        let answer = self.send(method.clone(), path, body).await?;
        if answer.status != status {
            return Err(failed(format!(
                "{method} {path} answered {} (expected {status}): {}",
                answer.status,
                answer.text()
            )));
        }
        Ok(answer)
    }

    pub(super) async fn post(
        &self,
        path: &str,
        body: Value,
        status: StatusCode,
    ) -> Result<Value, CliError> {
        Ok(self
            .expect(status, Method::POST, path, Payload::Json(body))
            .await?
            .json())
    }

    pub(super) async fn post_empty(
        &self,
        path: &str,
        status: StatusCode,
    ) -> Result<Value, CliError> {
        Ok(self
            .expect(status, Method::POST, path, Payload::Empty)
            .await?
            .json())
    }

    pub(super) async fn get(&self, path: &str) -> Result<Value, CliError> {
        Ok(self
            .expect(StatusCode::OK, Method::GET, path, Payload::Empty)
            .await?
            .json())
    }

    pub(super) async fn get_bytes(&self, path: &str) -> Result<Bytes, CliError> {
        Ok(self
            .expect(StatusCode::OK, Method::GET, path, Payload::Empty)
            .await?
            .body)
    }

    /// Signs in at `path` (staff or member login): keeps the session
    /// cookie from `Set-Cookie` and the CSRF token from the answer.
    pub(super) async fn signed_in(
        router: &Router,
        path: &str,
        body: Value,
    ) -> Result<Api, CliError> {
        let api = Api::anonymous(router);
        let answer = api
            .expect(StatusCode::OK, Method::POST, path, Payload::Json(body))
            .await?;
        let cookie = answer
            .set_cookie
            .as_deref()
            .and_then(|c| c.split(';').next())
            .map(str::to_string)
            .ok_or_else(|| failed(format!("POST {path} set no session cookie")))?;
        let csrf = field(&answer.json(), "csrf_token")
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| failed(format!("POST {path} gave no CSRF token")))?;
        Ok(Api {
            cookie: Some(cookie),
            csrf: Some(csrf),
            ..api
        })
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

/// A JSON object's field, or `null`.
pub(super) fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&Value::Null)
}

pub(super) fn id_of(v: &Value, what: &str) -> Result<i64, CliError> {
    field(v, "id")
        .as_i64()
        .ok_or_else(|| failed(format!("{what}: no id in {v}")))
}

// ---------------------------------------------------------------------------
// The roll

/// An error with its causes, as one line.
pub(super) fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}
