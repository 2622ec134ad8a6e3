//! Randomness.
//!
//! Secrets, nonces and batch-verification weights come from the operating
//! system's generator (`getrandom`; in the browser, `crypto.getRandomValues`).
//! Functions that need randomness take `&mut impl CryptoRng` so tests and the
//! spec's vectors can pass a seeded generator instead.

use rand_core::UnwrapErr;

/// The operating system's cryptographic random number generator.
pub type OsRng = UnwrapErr<getrandom::SysRng>;

/// A handle on the operating system's generator.
pub fn os_rng() -> OsRng {
    UnwrapErr(getrandom::SysRng)
}
