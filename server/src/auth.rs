//! Who is asking: staff accounts with passwords, members with one-time
//! codes, sessions in cookies, and CSRF protection.
//!
//! - **Passwords** are stored as Argon2id PHC strings (the `argon2` crate's
//!   defaults: 19 MiB, 2 passes) and checked off the async runtime.
//! - **Sessions**: a 256-bit random token in the cookie `valurna_session`
//!   (`HttpOnly; SameSite=Strict; Path=/`, and `Secure` when the server is
//!   told it is behind HTTPS); the database keeps only its SHA-256, so a
//!   leaked table opens no session. Staff sessions last 8 hours, members'
//!   1 hour.
//! - **CSRF**: every session has its own random token, returned at sign-in
//!   and by `GET /api/me`; every request that changes something must carry
//!   it in the `X-CSRF-Token` header (a form, its hidden `csrf` field). With
//!   `SameSite=Strict` this is defence in depth.
//! - **One-time codes** for members: 8 digits, valid 15 minutes, 5 tries,
//!   stored hashed; asking for one never says whether the member exists.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use base64::Engine as _;
use rand_core::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use valurna_engine::rng::os_rng;
use zeroize::Zeroizing;

use crate::serve::{ApiError, AppState};
use crate::store::StoreError;

/// The session cookie's name.
pub const COOKIE: &str = "valurna_session";
/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a staff session lasts, in seconds.
pub const STAFF_SESSION_SECS: i64 = 8 * 3600;
/// How long a member's session lasts, in seconds.
pub const MEMBER_SESSION_SECS: i64 = 3600;

/// A staff member's role (issue 5 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Runs the platform: creates organisations and their admins.
    PlatformAdmin,
    /// Runs an organisation: its staff and elections.
    OrgAdmin,
    /// An election committee: roll, nominations, opening, closing, tally.
    Committee,
    /// Holds a share of an election key.
    Trustee,
    /// Reads everything of the organisation, changes nothing.
    Observer,
}

impl Role {
    /// The role's name in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::OrgAdmin => "org_admin",
            Role::Committee => "committee",
            Role::Trustee => "trustee",
            Role::Observer => "observer",
        }
    }

    /// Parses a role's name.
    pub fn parse(text: &str) -> Option<Role> {
        Some(match text {
            "platform_admin" => Role::PlatformAdmin,
            "org_admin" => Role::OrgAdmin,
            "committee" => Role::Committee,
            "trustee" => Role::Trustee,
            "observer" => Role::Observer,
            _ => return None,
        })
    }
}

/// Hashes a password with Argon2id (a fresh random salt).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt = [0u8; 16];
    os_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| ApiError::internal("salt"))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| ApiError::internal("password hash"))
}

/// Checks a password against its stored hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(stored).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A fresh random token, base64url (256 bits).
pub fn token() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    os_rng().fill_bytes(&mut *bytes);
    Zeroizing::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(*bytes))
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A one-time code: 8 decimal digits.
pub fn one_time_code() -> Zeroizing<String> {
    let mut n = [0u8; 8];
    os_rng().fill_bytes(&mut n);
    // 2^64 mod 10^8 is negligible next to 10^8: the bias is below 2^-37.
    Zeroizing::new(format!("{:08}", u64::from_le_bytes(n) % 100_000_000))
}

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
}

impl Staff {
    /// Whether this account may manage organisation `org` in `roles`.
    pub fn require(&self, org: i64, roles: &[Role]) -> Result<(), ApiError> {
        if self.role == Role::PlatformAdmin && roles.contains(&Role::OrgAdmin) {
            return Ok(());
        }
        if self.organisation == Some(org) && roles.contains(&self.role) {
            return Ok(());
        }
        Err(forbidden())
    }
}

/// The answer for a signed-in person who may not do this.
pub fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "your role does not allow this",
    )
}

/// The row of the request's live session joined as `sql` says (`$1` is
/// the token's hash), or 401.
async fn session_row(
    parts: &Parts,
    app: &AppState,
    sql: &str,
) -> Result<tokio_postgres::Row, ApiError> {
    let token = session_token(&parts.headers).ok_or_else(unauthenticated)?;
    let client = app.pool().get().await.map_err(StoreError::from)?;
    client
        .query_opt(sql, &[&token_hash(&token)])
        .await
        .map_err(StoreError::from)?
        .ok_or_else(unauthenticated)
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let row = session_row(
            parts,
            app,
            "SELECT s.id, s.organisation, s.role, s.username, x.csrf FROM sessions x \
             JOIN staff s ON s.id = x.staff \
             WHERE x.token_hash = $1 AND x.expires_at > now()",
        )
        .await?;
        let role: String = row.get(2);
        let staff = Staff {
            id: row.get(0),
            organisation: row.get(1),
            role: Role::parse(&role).ok_or_else(|| ApiError::internal("role"))?,
            username: row.get(3),
            csrf: row.get(4),
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
    /// The election (setup) whose roll they are on.
    pub setup: i64,
    /// Their district.
    pub district: String,
    /// The session's CSRF token.
    pub csrf: String,
}

impl FromRequestParts<AppState> for Member {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let row = session_row(
            parts,
            app,
            "SELECT m.id, m.setup, m.district, x.csrf FROM sessions x \
             JOIN members m ON m.id = x.member \
             WHERE x.token_hash = $1 AND x.expires_at > now()",
        )
        .await?;
        let member = Member {
            id: row.get(0),
            setup: row.get(1),
            district: row.get(2),
            csrf: row.get(3),
        };
        check_csrf(parts, &member.csrf)?;
        Ok(member)
    }
}

/// The token of the request's session, if any (for signing out).
pub fn request_session(headers: &HeaderMap) -> Option<Vec<u8>> {
    session_token(headers).map(|t| token_hash(&t))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn passwords_round_trip_and_differ_in_salt() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("correct horsf", &a));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn codes_and_tokens_have_their_shape() {
        let c = one_time_code();
        assert_eq!(c.len(), 8);
        assert!(c.bytes().all(|b| b.is_ascii_digit()));
        let t = token();
        assert_eq!(t.len(), 43);
        assert_ne!(*t, *token());
        assert_eq!(token_hash(&t).len(), 32);
    }

    #[test]
    fn roles_round_trip() {
        for r in [
            Role::PlatformAdmin,
            Role::OrgAdmin,
            Role::Committee,
            Role::Trustee,
            Role::Observer,
        ] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn cookies_are_http_only_and_strict() {
        let c = session_cookie("abc", 60, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!session_cookie("abc", 60, false).contains("Secure"));
    }
}
