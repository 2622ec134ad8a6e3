//! Who may sign in, and with what: staff roles and passwords, session
//! tokens, and members' one-time codes.
//!
//! - **Passwords** are stored as Argon2id PHC strings (the `argon2` crate's
//!   defaults: 19 MiB, 2 passes); hashing and checking are slow on purpose,
//!   so callers run them off the async runtime.
//! - **Session tokens** are 256 random bits; only their SHA-256 is stored,
//!   so a leaked table opens no session. Staff sessions last 8 hours,
//!   members' 1 hour.
//! - **One-time codes** for members: 8 digits, valid 15 minutes, 5 tries,
//!   stored hashed with the member's row id.

use base64::Engine as _;
use rand_core::Rng;
use sha2::{Digest, Sha256};
use valurna_engine::rng::os_rng;
use zeroize::Zeroizing;

use super::{Kind, Refused};

/// How long a staff session lasts, in seconds.
pub const STAFF_SESSION_SECS: i64 = 8 * 3600;
/// How long a member's session lasts, in seconds.
pub const MEMBER_SESSION_SECS: i64 = 3600;
/// Minutes a one-time code is valid.
pub const CODE_MINUTES: f64 = 15.0;
/// Wrong tries before a code is spent.
pub const CODE_TRIES: i32 = 5;

/// A staff member's role.
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

/// The roles that manage an election: its organisation's admins and its
/// committee.
pub const MANAGERS: &[Role] = &[Role::OrgAdmin, Role::Committee];

/// Checks a new account's fields.
pub fn check_new_account(username: &str, password: &str) -> Result<(), Refused> {
    let name_ok = (3..=64).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if !name_ok {
        return Err(Refused::said(
            Kind::Invalid,
            "invalid_field",
            "api-bad_username",
            &[],
        ));
    }
    check_password(password, &[username])
}

/// The fewest characters a password has (besides its strength).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The characters of a password its strength is estimated from (the
/// estimate's work grows with the length; anything longer is strong).
const STRENGTH_CHARS: usize = 128;

/// Checks a password's length and strength: 12 to 1024 characters and a
/// zxcvbn score of 3 of 4 or more (guessing it takes more than 10⁸ tries),
/// where `context` (the username, say) counts as known to the guesser.
pub fn check_password(password: &str, context: &[&str]) -> Result<(), Refused> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > 1024 {
        return Err(Refused::said(
            Kind::Invalid,
            "weak_password",
            "api-password_length",
            &[],
        ));
    }
    let head: String = password.chars().take(STRENGTH_CHARS).collect();
    let estimate = zxcvbn::zxcvbn(&head, context);
    if estimate.score() < zxcvbn::Score::Three {
        return Err(Refused::said(
            Kind::Invalid,
            "weak_password",
            "api-password_guessable",
            &[],
        ));
    }
    Ok(())
}

/// Hashes a password with Argon2id (a fresh random salt).
pub fn hash_password(password: &str) -> Result<String, Refused> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt = [0u8; 16];
    os_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| Refused::internal("salt"))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| Refused::internal("password hash"))
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

/// A hash to check unknown usernames against, so that a sign-in takes as
/// long whether or not the account exists.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no such account").unwrap_or_default())
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

/// What the database keeps of member `member`'s one-time code.
pub fn code_hash(member: i64, code: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"valurna/login-code/v1");
    h.update(member.to_le_bytes());
    h.update(code.as_bytes());
    h.finalize().to_vec()
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
        assert_ne!(code_hash(1, "12345678"), code_hash(2, "12345678"));
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
    fn new_accounts_need_a_plain_name_and_a_strong_password() {
        assert!(check_new_account("committee", "violet kettle orbit").is_ok());
        // Long enough but guessable: a keyboard walk, a repeated word, the
        // username with a number.
        for weak in ["qwertyuiop123", "passwordpassword", "committee2026!"] {
            let e = check_new_account("committee", weak).unwrap_err();
            assert_eq!(e.code, "weak_password", "{weak}");
        }
        // Only the first 128 characters are estimated: a long one is fine.
        assert!(check_password(&"violet kettle orbit ".repeat(50), &[]).is_ok());
        assert_eq!(
            check_new_account("Committee", "violet kettle orbit")
                .unwrap_err()
                .code,
            "invalid_field"
        );
        assert_eq!(
            check_new_account("committee", "violet kite")
                .unwrap_err()
                .code,
            "weak_password"
        );
    }
}
