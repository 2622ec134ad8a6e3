//! The API's one error type: every answer that is not a success is JSON,
//! `{"error": code, "message": text}` (and `details` where they help), with
//! a 4xx status for anything the client sent and a 5xx for the server's
//! own trouble.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::db::StoreError;
use crate::election::{Kind, Refused};
use crate::i18n::{Lang, Words};

/// The largest request body accepted: a ballot for a district with many
/// contests, in base64, with room to spare.
pub const MAX_BODY: usize = 4 << 20;

/// The one error type of the API, mapped to HTTP.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<serde_json::Value>,
    /// Seconds until the client may try again (`Retry-After`).
    retry_after: Option<u64>,
    /// The message as a catalogue key, given in the asker's language by
    /// [`in_the_askers_language`].
    words: Option<Box<Words>>,
}

/// The longest request target served; longer ones are answered 414.
pub const MAX_URI: usize = 4096;

/// How much of a message an answer carries: a client's own input quoted in
/// it (a serde error names the bad value) is cut to this many characters.
pub const MAX_MESSAGE: usize = 200;

impl ApiError {
    /// An error with its status, stable code and message for the client.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after: None,
            words: None,
        }
    }

    /// An error whose message is catalogue message `key` with `args`
    /// ([`crate::i18n`]): English here, the asker's language in the answer.
    pub fn said(
        status: StatusCode,
        code: &'static str,
        key: &'static str,
        args: &[(&'static str, String)],
    ) -> Self {
        let words = Words::new(key, args);
        ApiError {
            message: words.text(Lang::En),
            words: Some(Box::new(words)),
            ..Self::new(status, code, "")
        }
    }

    /// A 429 Too Many Requests, to be tried again after `seconds`.
    pub fn too_many(code: &'static str, message: impl Into<String>, seconds: u64) -> Self {
        ApiError {
            retry_after: Some(seconds.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, code, message)
        }
    }

    /// Adds machine-readable details (e.g. a roll's bad rows).
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    /// A 400 Bad Request.
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A 404 Not Found.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// A 409 Conflict: the request does not fit the resource's state.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// A 422 Unprocessable Content: well-formed, but refused.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// A 403 for a signed-in person whose role does not allow this.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "your role does not allow this",
        )
    }

    /// A 500: a bug or damaged data; `what` is logged, not returned.
    pub fn internal(what: &str) -> Self {
        tracing::error!(what, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }

    /// A 503: the server cannot do it now; try again.
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    /// The message for the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The message in `lang`, where it has words in the catalogue (else
    /// its English).
    pub fn message_in(&self, lang: Lang) -> String {
        match &self.words {
            Some(words) => words.text(lang),
            None => self.message.clone(),
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// A storage error, or `conflict` when a unique constraint refused
    /// the row (`code` and `message` say what is taken).
    pub fn duplicate(e: StoreError, code: &'static str, key: &'static str) -> Self {
        if e.is_duplicate() {
            ApiError::said(StatusCode::CONFLICT, code, key, &[])
        } else {
            e.into()
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a serde_json::Value>,
}

/// `message` as an answer carries it: control characters shown as `�`,
/// cut to [`MAX_MESSAGE`] characters (JSON escapes the rest).
pub fn excerpt(message: &str) -> String {
    let mut out: String = message
        .chars()
        .take(MAX_MESSAGE)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if message.chars().nth(MAX_MESSAGE).is_some() {
        out.push('…');
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = excerpt(&self.message);
        let body = Json(ErrorBody {
            error: self.code,
            message: &message,
            details: self.details.as_ref(),
        });
        let mut response = (self.status, body).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        if self.words.is_some() {
            response.extensions_mut().insert(self);
        }
        response
    }
}

/// Middleware: an error whose message has words in the catalogue
/// ([`ApiError::said`]) is answered in the asker's language — the
/// language switch's cookie, else `Accept-Language`, as the pages choose.
pub async fn in_the_askers_language(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let lang = Lang::of_headers(request.headers());
    let response = next.run(request).await;
    if lang == Lang::En {
        return response;
    }
    let Some(text) = response
        .extensions()
        .get::<ApiError>()
        .and_then(|e| Some((e, e.words.as_ref()?)))
        .map(|(e, words)| {
            let message = excerpt(&words.text(lang));
            serde_json::to_vec(&ErrorBody {
                error: e.code,
                message: &message,
                details: e.details.as_ref(),
            })
        })
    else {
        return response;
    };
    let Ok(body) = text else {
        return response;
    };
    // The same answer, headers and all, with the message in `lang`.
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Middleware: a request target over [`MAX_URI`] is answered 414, one
/// with an encoded control character 400, and the
/// answers axum or its layers make without a body (405, 408, 413, 414)
/// become the API's JSON error.
pub async fn plain_errors_as_json(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.uri().to_string().len() > MAX_URI {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request target is over {MAX_URI} bytes"),
        )
        .into_response();
    }
    if crate::election::text::url_has_control(&request.uri().to_string()) {
        return ApiError::bad(
            "control_character",
            "the request target holds an encoded control character",
        )
        .into_response();
    }
    let response = next.run(request).await;
    let mut answer = json_error(response);
    // A body refused as too large or too slow was not read to its end, so
    // the connection cannot carry another request: say so, or a client
    // that reuses it loses its next request.
    if matches!(
        answer.status(),
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT
    ) {
        answer.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    answer
}

/// The answers axum or its layers make without a body, as the API's JSON
/// error; every other answer as it is.
fn json_error(response: Response) -> Response {
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if json {
        return response;
    }
    let (code, message) = match response.status() {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this resource does not take that method".to_string(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "the body is too large".to_string()),
        StatusCode::REQUEST_TIMEOUT => (
            "timeout",
            "the request was sent too slowly; send it again".to_string(),
        ),
        StatusCode::URI_TOO_LONG => (
            "uri_too_long",
            format!("the request target is over {MAX_URI} bytes"),
        ),
        _ => return response,
    };
    let mut answer = ApiError::new(response.status(), code, message).into_response();
    if let Some(allow) = response.headers().get(axum::http::header::ALLOW) {
        answer
            .headers_mut()
            .insert(axum::http::header::ALLOW, allow.clone());
    }
    answer
}

impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        let status = match r.kind {
            Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::Internal => return ApiError::internal(&r.message),
        };
        ApiError {
            status,
            code: r.code,
            message: r.message,
            details: r.details,
            retry_after: None,
            words: r.words,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NoElection => ApiError::new(
                StatusCode::NOT_FOUND,
                "no_such_election",
                "no such election",
            ),
            StoreError::Closed => ApiError::new(
                StatusCode::CONFLICT,
                "election_closed",
                "voting in this election is closed",
            ),
            other => {
                tracing::error!(error = %other, "storage failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the ballot box cannot store or read right now; try again",
                )
            }
        }
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::from(e).into()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content_type",
                "send application/json",
            ),
            JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    format!("the body is over {MAX_BODY} bytes"),
                )
            }
            JsonRejection::BytesRejection(_) => ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "unreadable_body",
                "the body could not be read: it was cut off or sent too slowly",
            ),
            other => ApiError::bad("malformed_json", other.body_text()),
        }
    }
}
