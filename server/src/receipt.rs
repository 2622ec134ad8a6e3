//! The ballot box's receipt key and signed receipts (record.md §5.7).

use valurna_engine::board::Receipt;
use valurna_engine::elgamal::SecretKey;
use valurna_engine::encoding::{Element, decode_hex};
use valurna_engine::rng::os_rng;

/// The ballot box's receipt key (record.md §5.7).
pub struct ReceiptKey {
    secret: SecretKey,
    public: Element,
}

impl std::fmt::Debug for ReceiptKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReceiptKey({})", self.public.to_hex())
    }
}

impl ReceiptKey {
    /// From its secret scalar.
    pub fn new(secret: SecretKey) -> Result<Self, valurna_engine::Error> {
        let public = *secret.public_key()?.element();
        Ok(ReceiptKey { secret, public })
    }

    /// The public key voters check receipts with.
    pub fn public(&self) -> &Element {
        &self.public
    }

    /// Reads the key from `path` (its secret scalar, 64 hex digits), or
    /// makes one there, readable by the owner only, if the file does not
    /// exist.
    pub fn load_or_create(path: &std::path::Path) -> Result<Self, crate::CliError> {
        use zeroize::Zeroizing;
        if !path.exists() {
            let key = SecretKey::generate(&mut os_rng());
            let text = Zeroizing::new(hex::encode(key.as_scalar().as_bytes()));
            crate::record::write_private(path, text.as_bytes())?;
        }
        Self::load(path)
    }

    /// Reads the key from `path`; a missing file is an error.
    pub fn load(path: &std::path::Path) -> Result<Self, crate::CliError> {
        use valurna_engine::encoding::decode_scalar;
        use zeroize::Zeroizing;
        let text = Zeroizing::new(std::fs::read_to_string(path)?);
        let bytes = Zeroizing::new(decode_hex(text.trim())?);
        let key = SecretKey::from_scalar(decode_scalar(&bytes)?);
        Ok(ReceiptKey::new(key)?)
    }
}

impl ReceiptKey {
    /// Signs a receipt for the election with base hash `base_hash`.
    pub fn sign(&self, base_hash: &[u8; 32], receipt: &Receipt) -> [u8; 64] {
        receipt
            .sign(base_hash, &self.secret, &self.public, &mut os_rng())
            .to_bytes()
    }
}
