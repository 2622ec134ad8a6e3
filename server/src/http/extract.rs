//! What a handler takes from a request: who is asking (a staff member's or
//! a member's session, with its CSRF token checked), path parameters and
//! bodies, each refused with a JSON [`ApiError`].
//!
//! - **Sessions**: a 256-bit random token in the cookie `valurna_session`
//!   (`HttpOnly; SameSite=Strict; Path=/`, and `Secure` when the server is
//!   told it is behind HTTPS); the database keeps only its SHA-256
//!   ([`crate::election::accounts`]).
//! - **CSRF**: every session has its own random token, returned at sign-in
//!   and by `GET /api/me`; every request that changes something must carry
//!   it in the `X-CSRF-Token` header. With `SameSite=Strict` this is
//!   defence in depth.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::state::AppState;
use crate::db;
use crate::election::accounts::{Role, token_hash};

/// The session cookie's name.
pub const COOKIE: &str = "valurna_session";
/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The `Set-Cookie` value for a new session.
pub fn session_cookie(token: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends a session.
pub fn expired_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

fn unauthenticated() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "sign in first (no valid session cookie)",
    )
}

/// The session token from the request's cookies.
fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_string())
}

/// The hash of the request's session token, if any (for signing out).
pub fn request_session(headers: &HeaderMap) -> Option<Vec<u8>> {
    session_token(headers).map(|t| token_hash(&t))
}

/// Checks the CSRF token of a request that changes something.
fn check_csrf(parts: &Parts, expected: &str) -> Result<(), ApiError> {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if sent.is_empty() || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "missing or wrong X-CSRF-Token header",
        ));
    }
    Ok(())
}

/// A signed-in staff member, with the CSRF token checked on any request
/// that changes something.
#[derive(Debug, Clone)]
pub struct Staff {
    /// The account's id.
    pub id: i64,
    /// Its organisation (none for the platform admin).
    pub organisation: Option<i64>,
    /// Its role.
    pub role: Role,
    /// Its name.
    pub username: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// The hash of the session's token (which session this is).
    pub session: Vec<u8>,
}

impl Staff {
    /// Whether this account may act for organisation `org` in `roles` (the
    /// platform admin may wherever an organisation's admin may).
    pub fn require(&self, org: i64, roles: &[Role]) -> Result<(), ApiError> {
        if self.role == Role::PlatformAdmin && roles.contains(&Role::OrgAdmin) {
            return Ok(());
        }
        // Another organisation is not there for this account (404, as for
        // its elections); its own, in the wrong role, is forbidden (403).
        if !self.sees(org) {
            return Err(ApiError::not_found(
                "no_such_organisation",
                "no such organisation",
            ));
        }
        if roles.contains(&self.role) {
            return Ok(());
        }
        Err(ApiError::forbidden())
    }

    /// Whether this account sees organisation `org`'s elections at all.
    pub fn sees(&self, org: i64) -> bool {
        self.role == Role::PlatformAdmin || self.organisation == Some(org)
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = session_token(&parts.headers).ok_or_else(unauthenticated)?;
        let session = token_hash(&token);
        let row = db::sessions::staff(app.pool(), &session)
            .await?
            .ok_or_else(unauthenticated)?;
        let staff = Staff {
            id: row.id,
            organisation: row.organisation,
            role: Role::parse(&row.role).ok_or_else(|| ApiError::internal("role"))?,
            username: row.username,
            csrf: row.csrf,
            session,
        };
        check_csrf(parts, &staff.csrf)?;
        Ok(staff)
    }
}

/// A member signed in with a one-time code, for nominations.
#[derive(Debug, Clone)]
pub struct Member {
    /// The member's row.
    pub id: i64,
    /// The election whose roll they are on.
    pub election: i64,
    /// Their district.
    pub district: String,
    /// The session's CSRF token.
    pub csrf: String,
}

impl FromRequestParts<AppState> for Member {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = session_token(&parts.headers).ok_or_else(unauthenticated)?;
        let row = db::sessions::member(app.pool(), &token_hash(&token))
            .await?
            .ok_or_else(unauthenticated)?;
        let member = Member {
            id: row.id,
            election: row.election,
            district: row.district,
            csrf: row.csrf,
        };
        check_csrf(parts, &member.csrf)?;
        Ok(member)
    }
}

/// Path parameters of any shape; a path that does not parse is a JSON 400.
#[derive(Debug)]
pub struct P<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for P<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(t) = Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad("malformed_path", e.body_text()))?;
        Ok(P(t))
    }
}

/// The client's address, when the server was started with connection
/// info (`valurna serve` is): the TCP peer, or behind a trusted proxy the
/// address it forwarded ([`super::proxy`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| app.proxies().client(c.0.ip(), &parts.headers)),
        ))
    }
}

/// A JSON body whose strings carry no control character
/// ([`crate::election::text`]); anything else is the JSON error.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime_type::Essence>().ok())
            .is_some_and(|m| m.is_json());
        if !json_type {
            return Err(JsonRejection::MissingJsonContentType(Default::default()).into());
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| body_error(&e, super::MAX_BODY))?;
        if let Err(at) = crate::election::text::json_escapes_ok(&bytes) {
            return Err(ApiError::bad(
                "control_character",
                format!(
                    "the body holds a control character at byte {at}: text may hold tabs \
                     and line breaks, no other control character"
                ),
            ));
        }
        Ok(JsonBody(Json::<T>::from_bytes(&bytes)?.0))
    }
}

/// Reading a `Content-Type`'s essence (`application/json`,
/// `application/problem+json`), as axum's `Json` does.
mod mime_type {
    /// A media type's type and subtype.
    pub struct Essence(String);

    impl std::str::FromStr for Essence {
        type Err = ();
        fn from_str(s: &str) -> Result<Self, ()> {
            let essence = s
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if essence.contains('/') {
                Ok(Essence(essence))
            } else {
                Err(())
            }
        }
    }

    impl Essence {
        /// `application/json` or `application/…+json`.
        pub fn is_json(&self) -> bool {
            let Some((ty, sub)) = self.0.split_once('/') else {
                return false;
            };
            ty == "application" && (sub == "json" || sub.ends_with("+json"))
        }
    }
}

/// A raw body, or the JSON error for one that is too large (the route's
/// body limit is `limit`) or could not be read.
pub fn raw_body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|e| body_error(&e, limit))
}

/// The answer to a body that could not be read: too large (413) or cut
/// off or sent too slowly (408).
fn body_error(e: &BytesRejection, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is over {limit} bytes"),
        )
    } else {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "unreadable_body",
            "the body could not be read: it was cut off or sent too slowly",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_and_strict() {
        let c = session_cookie("abc", 60, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!session_cookie("abc", 60, false).contains("Secure"));
    }
}
