//! A client of the server's API, as a browser or a trustee's tool uses
//! it: a session cookie and its CSRF token. The demo sends its requests
//! through the router in process; `valurna trustee … --server URL` sends
//! them over HTTP to a running server.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt as _;

use crate::error::CliError;

fn failed(what: impl Into<String>) -> CliError {
    CliError::Server(what.into())
}

/// Runs a CPU-heavy or blocking step off the async runtime's threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CliError> + Send + 'static,
) -> Result<T, CliError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| CliError::Internal("a blocking task stopped"))?
}

/// An answer of the API.
pub struct Answer {
    /// Its status.
    pub status: StatusCode,
    /// Its `Set-Cookie`, if any.
    pub set_cookie: Option<String>,
    /// Its body.
    pub body: Bytes,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the cookie: it is a session.
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Answer {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (or its text as a JSON string).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| Value::String(self.text()))
    }

    /// The API's refusal (`{"error", "message"}`) in words.
    pub fn refusal(&self) -> String {
        let body = self.json();
        match (
            field(&body, "message").as_str(),
            field(&body, "error").as_str(),
        ) {
            (Some(message), Some(code)) => format!("{message} ({code})"),
            _ => self.text(),
        }
    }
}

/// Where the requests go.
#[derive(Clone)]
enum Transport {
    /// Through the router, in this process.
    InProcess(Router),
    /// Over HTTP to a running server at `base`.
    Http {
        client: reqwest::Client,
        base: reqwest::Url,
    },
}

/// A client of the API, signed in (a session cookie and its CSRF token)
/// or not.
#[derive(Clone)]
pub struct Api {
    transport: Transport,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("signed_in", &self.cookie.is_some())
            .finish_non_exhaustive()
    }
}

/// A request body.
#[derive(Debug)]
pub enum Payload {
    /// None.
    Empty,
    /// JSON.
    Json(Value),
    /// A CSV file.
    Csv(String),
    /// Bytes as they are.
    Raw(Vec<u8>),
}

impl Api {
    /// A client of `router`, in process, not signed in.
    pub fn anonymous(router: &Router) -> Api {
        Api {
            transport: Transport::InProcess(router.clone()),
            cookie: None,
            csrf: None,
        }
    }

    /// A client of the server at `base` (`http://` or `https://`), not
    /// signed in.
    pub fn remote(base: &str) -> Result<Api, CliError> {
        let usage = |why: String| CliError::Usage(format!("--server {base}: {why}"));
        let base = reqwest::Url::parse(base).map_err(|e| usage(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(usage("give the server's address, as https://host".into()));
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("valurna/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| usage(e.to_string()))?;
        Ok(Api {
            transport: Transport::Http { client, base },
            cookie: None,
            csrf: None,
        })
    }

    /// Sends a request to `path` (from `/`).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Payload,
    ) -> Result<Answer, CliError> {
        let content_type = match &body {
            Payload::Json(_) => Some("application/json"),
            Payload::Csv(_) => Some("text/csv"),
            Payload::Empty | Payload::Raw(_) => None,
        };
        let bytes = match body {
            Payload::Empty => Vec::new(),
            Payload::Json(v) => v.to_string().into_bytes(),
            Payload::Csv(text) => text.into_bytes(),
            Payload::Raw(bytes) => bytes,
        };
        // One request, with the session's headers; its address is the
        // path in process, the whole URL over HTTP.
        let uri = match &self.transport {
            Transport::InProcess(_) => path.to_string(),
            Transport::Http { base, .. } => base
                .join(path.trim_start_matches('/'))
                .map_err(|e| failed(format!("{path}: {e}")))?
                .to_string(),
        };
        let mut request = Request::builder().method(method.clone()).uri(&uri);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(csrf) = &self.csrf {
            request = request.header(crate::http::extract::CSRF_HEADER, csrf);
        }
        if let Some(t) = content_type {
            request = request.header(header::CONTENT_TYPE, t);
        }
        let request = request
            .body(bytes)
            .map_err(|e| failed(format!("{method} {uri}: {e}")))?;
        let (status, set_cookie, body) = match &self.transport {
            Transport::InProcess(router) => {
                let response = match router.clone().oneshot(request.map(Body::from)).await {
                    Ok(r) => r,
                    Err(never) => match never {},
                };
                let (status, set_cookie) = (response.status(), set_cookie(response.headers()));
                let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .map_err(|e| failed(format!("{method} {uri}: reading the answer: {e}")))?;
                (status, set_cookie, body)
            }
            Transport::Http { client, .. } => {
                let unreachable =
                    |e: reqwest::Error| failed(format!("{method} {uri}: {}", causes(&e)));
                let request = reqwest::Request::try_from(request).map_err(unreachable)?;
                let response = reqwest::RequestBuilder::from_parts(client.clone(), request)
                    .send()
                    .await
                    .map_err(unreachable)?;
                let (status, set_cookie) = (response.status(), set_cookie(response.headers()));
                let body = response.bytes().await.map_err(unreachable)?;
                (status, set_cookie, body)
            }
        };
        Ok(Answer {
            status,
            set_cookie,
            body,
        })
    }

    /// Sends, and expects `status`.
    pub async fn expect(
        &self,
        status: StatusCode,
        method: Method,
        path: &str,
        body: Payload,
    ) -> Result<Answer, CliError> {
        let answer = self.send(method.clone(), path, body).await?;
        if answer.status != status {
            return Err(failed(format!(
                "{method} {path} answered {}: {}",
                answer.status,
                answer.refusal()
            )));
        }
        Ok(answer)
    }

    /// POSTs JSON, expects `status`, returns the answer's JSON.
    pub async fn post(
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

    /// POSTs nothing, expects `status`, returns the answer's JSON.
    pub async fn post_empty(&self, path: &str, status: StatusCode) -> Result<Value, CliError> {
        Ok(self
            .expect(status, Method::POST, path, Payload::Empty)
            .await?
            .json())
    }

    /// GETs JSON.
    pub async fn get(&self, path: &str) -> Result<Value, CliError> {
        Ok(self
            .expect(StatusCode::OK, Method::GET, path, Payload::Empty)
            .await?
            .json())
    }

    /// GETs bytes.
    pub async fn get_bytes(&self, path: &str) -> Result<Bytes, CliError> {
        Ok(self
            .expect(StatusCode::OK, Method::GET, path, Payload::Empty)
            .await?
            .body)
    }

    /// Signs in at `path` (staff or member login) with `body`: keeps the
    /// session cookie from `Set-Cookie` and the CSRF token from the answer.
    pub async fn sign_in(self, path: &str, body: Value) -> Result<Api, CliError> {
        let answer = self
            .expect(StatusCode::OK, Method::POST, path, Payload::Json(body))
            .await?;
        self.with_session(path, &answer)
    }

    /// This client with the session `answer` (of a sign-in at `path`)
    /// started.
    pub fn with_session(self, path: &str, answer: &Answer) -> Result<Api, CliError> {
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
            ..self
        })
    }
}

fn set_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A JSON object's field, or `null`.
pub fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&Value::Null)
}

/// An error with its causes, as one line.
pub fn causes(e: &dyn std::error::Error) -> String {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_server_is_an_http_or_https_address() {
        assert!(Api::remote("https://val.example.org").is_ok());
        assert!(Api::remote("http://127.0.0.1:8080/").is_ok());
        for bad in ["val.example.org", "ftp://val.example.org", "mailto:a@b", ""] {
            let e = Api::remote(bad).unwrap_err();
            assert!(matches!(e, CliError::Usage(_)), "{bad}: {e}");
            assert!(e.to_string().contains("--server"), "{e}");
        }
    }
}
