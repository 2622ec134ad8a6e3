//! A second factor for staff sign-in: time-based one-time passwords
//! (RFC 6238 over RFC 4226's HOTP: HMAC-SHA-1, six digits, 30-second
//! steps), the codes every authenticator app makes.
//!
//! - **Enrolment** draws a 160-bit secret (RFC 4226 §4 recommends 160 bits)
//!   and offers it as base32 text, as an `otpauth://` link and as a QR code
//!   of that link; it is kept pending until a code made from it is given,
//!   so that a secret never entered in an app cannot lock the account.
//! - **A code** is taken for the step before, the step now or the step
//!   after (RFC 6238 §6: one step of clock drift each way), and only for a
//!   step later than the last one taken, so that a code seen over someone's
//!   shoulder or replayed is refused (RFC 6238 §5.2). Wrong codes count
//!   against the account's sign-in limits like wrong passwords.
//!
//! The pure rules; where the secret is kept and when a code is asked for
//! are in `http::second_factor` and `http::sessions`.

use rand_core::Rng;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};
use valurna_engine::rng::os_rng;
use zeroize::Zeroizing;

/// The secret's length in bytes (160 bits).
pub const SECRET_BYTES: usize = 20;
/// Seconds per step.
pub const STEP_SECS: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// The issuer an authenticator app shows beside the account.
pub const ISSUER: &str = "Valurna";

/// A fresh secret from the operating system's generator.
pub fn new_secret() -> Zeroizing<Vec<u8>> {
    let mut secret = Zeroizing::new(vec![0u8; SECRET_BYTES]);
    os_rng().fill_bytes(&mut secret);
    secret
}

/// Seconds since the epoch, the time codes are made for.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The RFC 6238 generator for `secret`, labelled with `account`.
fn totp(secret: &[u8], account: &str) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECS,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        account.replace(':', "_"),
    )
}

/// The code of `secret` at `step` (seconds since the epoch / 30).
pub fn code_at(secret: &[u8], step: u64) -> String {
    totp(secret, "").generate(step.saturating_mul(STEP_SECS))
}

/// The step `code` was made for, if it is `secret`'s code for the step
/// before, at or after the one of `now` (seconds since the epoch) and later
/// than `last_step`. Compared in constant time.
pub fn matching_step(secret: &[u8], code: &str, now: u64, last_step: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = now / STEP_SECS;
    let mut found = None;
    for candidate in [step.saturating_sub(1), step, step.saturating_add(1)] {
        let expected = code_at(secret, candidate);
        let later = i64::try_from(candidate).is_ok_and(|c| c > last_step);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && later {
            found = i64::try_from(candidate).ok();
        }
    }
    found
}

/// What a person needs to put a secret into their authenticator app.
#[derive(Debug)]
pub struct Enrolment {
    /// The secret in base32 (RFC 4648, no padding), for typing in.
    pub secret: String,
    /// The `otpauth://totp/…` link, for a phone's own browser.
    pub url: String,
    /// The link as a QR code, an SVG document.
    pub qr_svg: String,
}

/// The enrolment of `secret` for the account `account`.
pub fn enrolment(secret: &[u8], account: &str) -> Enrolment {
    let totp = totp(secret, account);
    let url = totp.get_url();
    let qr_svg = qrcode::QrCode::new(url.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default();
    // An element for a page, not a standalone document.
    let qr_svg = qr_svg
        .find("<svg")
        .and_then(|start| qr_svg.get(start..))
        .unwrap_or("")
        .to_owned();
    Enrolment {
        secret: Secret::Raw(secret.to_vec()).to_encoded().to_string(),
        url,
        qr_svg,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_are_rfc_6238s() {
        // Appendix B's times, with the last six of its eight digits.
        for (time, code) in [
            (59u64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(RFC_SECRET, time / STEP_SECS), code, "at {time}");
        }
    }

    #[test]
    fn a_code_is_taken_one_step_either_way_and_once() {
        let now = 1_234_567_890;
        let step = (now / STEP_SECS) as i64;
        for delta in [-1i64, 0, 1] {
            let code = code_at(RFC_SECRET, (step + delta) as u64);
            assert_eq!(matching_step(RFC_SECRET, &code, now, 0), Some(step + delta));
            // Used once: not again, nor one of an earlier step.
            assert_eq!(matching_step(RFC_SECRET, &code, now, step + delta), None);
        }
        for delta in [-2i64, 2] {
            let code = code_at(RFC_SECRET, (step + delta) as u64);
            assert_eq!(matching_step(RFC_SECRET, &code, now, 0), None);
        }
        let right = code_at(RFC_SECRET, step as u64);
        for wrong in ["", "12345", "1234567", "abcdef", &right[..5]] {
            assert_eq!(matching_step(RFC_SECRET, wrong, now, 0), None, "{wrong}");
        }
        assert_eq!(matching_step(b"another secret 12345", &right, now, 0), None);
    }

    #[test]
    fn the_enrolment_carries_the_secret_and_its_link() {
        let secret = new_secret();
        assert_eq!(secret.len(), SECRET_BYTES);
        assert_ne!(*secret, new_secret().to_vec());
        let e = enrolment(&secret, "carl");
        assert_eq!(e.secret.len(), 32, "160 bits in base32");
        assert!(
            e.url.starts_with("otpauth://totp/Valurna:carl?"),
            "{}",
            e.url
        );
        assert!(e.url.contains(&format!("secret={}", e.secret)), "{}", e.url);
        assert!(e.url.contains("issuer=Valurna"), "{}", e.url);
        assert!(e.qr_svg.starts_with("<svg"), "{}", &e.qr_svg[..40]);
    }
}
