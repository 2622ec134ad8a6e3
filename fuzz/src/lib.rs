//! Shared fixtures of the fuzz targets: a fixed ballot context (one
//! approval contest, one ranked contest) known to both the engine and the
//! verifier, and the districts of the roll target.
//!
//! `examples/seeds.rs` writes the seed corpus from the same fixtures.

use std::sync::OnceLock;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use valurna_engine::ballot::BallotContext;
use valurna_engine::contest::ContestShape;
use valurna_engine::elgamal::{PublicKey, SecretKey};

/// The base hash of the fixed context.
pub const BASE_HASH: [u8; 32] = [3; 32];

/// The manifest hash voting codes are derived with in the seeds.
pub const MANIFEST_HASH: [u8; 32] = [4; 32];

/// Contest 0: approval, 3 candidates, 0 to 2 selections.
pub const APPROVAL: (usize, u64, u64) = (3, 0, 2);

/// Contest 1: ranked, 3 candidates, 2 preferences.
pub const RANKED: (usize, u32) = (3, 2);

/// The districts the roll target knows.
pub const DISTRICTS: [&str; 3] = ["north", "south", "Väster-ort"];

/// The election key's secret (fixed: the seeds encrypt under it).
pub fn secret_key() -> SecretKey {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    SecretKey::generate(&mut rng)
}

/// The election key.
pub fn key() -> &'static PublicKey {
    static KEY: OnceLock<PublicKey> = OnceLock::new();
    KEY.get_or_init(|| match secret_key().public_key() {
        Ok(k) => k,
        Err(e) => unreachable!("a generated key is never the identity: {e}"),
    })
}

/// The fixed ballot context: an approval contest and a ranked contest.
pub fn ballot_context() -> &'static BallotContext {
    static CTX: OnceLock<BallotContext> = OnceLock::new();
    CTX.get_or_init(|| BallotContext {
        base_hash: BASE_HASH,
        key: key().clone(),
        shapes: vec![
            ContestShape {
                candidates: APPROVAL.0,
                min: APPROVAL.1,
                max: APPROVAL.2,
            },
            ContestShape {
                candidates: RANKED.0,
                min: 0,
                max: 1,
            },
        ],
        preferences: vec![0, RANKED.1],
    })
}

/// The same contests as the verifier describes them.
pub fn verifier_shapes() -> Vec<valurna_verifier::ballot::Shape> {
    use valurna_verifier::ballot::Shape;
    vec![
        Shape::approval(APPROVAL.0, APPROVAL.1, APPROVAL.2),
        Shape::ranked(RANKED.0, u64::from(RANKED.1)),
    ]
}

/// The districts as owned strings.
pub fn districts() -> Vec<String> {
    DISTRICTS.iter().map(|d| (*d).to_owned()).collect()
}
