//! The key ceremony through the server: the committee's freeze writes the
//! ceremony's parameters; each trustee uploads only their own files, named
//! as the file-based ceremony names them (record.md §6).

use valurna_engine::manifest::manifest_hash;
use valurna_engine::record::{
    AnnouncementJson, ComplaintJson, ConfirmationJson, EncryptedShareJson,
};
use valurna_engine::rng::os_rng;

use super::Refused;
use crate::record::ceremony::CeremonyParamsFile;

/// The ceremony directory's parameters file, written at the freeze.
pub const CEREMONY_PARAMS: &str = "ceremony-params.json";

/// A fresh ceremony's parameters for the frozen manifest `manifest_bytes`.
pub fn new_params(manifest_bytes: &[u8], trustees: u32, threshold: u32) -> CeremonyParamsFile {
    let mut ceremony_id = [0u8; 16];
    rand_core::Rng::fill_bytes(&mut os_rng(), &mut ceremony_id);
    CeremonyParamsFile {
        manifest_hash: hex::encode(manifest_hash(manifest_bytes)),
        ceremony_id: hex::encode(ceremony_id),
        trustees,
        threshold,
    }
}

/// Checks that an uploaded ceremony file is the kind its name says and
/// comes from trustee `index` (the same rule `valurna ceremony finish`
/// applies to a directory).
pub fn check_upload(name: &str, index: u32, bytes: &[u8]) -> Result<(), Refused> {
    let wrong = || {
        Refused::invalid(
            "wrong_sender",
            "the file's content names another trustee than its sender",
        )
    };
    let malformed =
        |e: serde_json::Error| Refused::invalid("malformed_file", format!("{name}: {e}"));
    if name == format!("announcement-{index}.json") {
        let a: AnnouncementJson = serde_json::from_slice(bytes).map_err(malformed)?;
        (a.index == index).then_some(()).ok_or_else(wrong)
    } else if name == format!("shares-from-{index}.json") {
        let s: Vec<EncryptedShareJson> = serde_json::from_slice(bytes).map_err(malformed)?;
        s.iter()
            .all(|s| s.from == index)
            .then_some(())
            .ok_or_else(wrong)
    } else if name == format!("complaints-from-{index}.json") {
        let c: Vec<ComplaintJson> = serde_json::from_slice(bytes).map_err(malformed)?;
        c.iter()
            .all(|c| c.accuser == index)
            .then_some(())
            .ok_or_else(wrong)
    } else if name == format!("confirmation-{index}.json") {
        let c: ConfirmationJson = serde_json::from_slice(bytes).map_err(malformed)?;
        (c.index == index).then_some(()).ok_or_else(wrong)
    } else {
        Err(Refused::invalid(
            "wrong_file_name",
            format!(
                "trustee {index} uploads announcement-{index}.json, shares-from-{index}.json, \
                 complaints-from-{index}.json or confirmation-{index}.json"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn a_trustee_uploads_only_its_own_files() {
        let announcement = serde_json::to_vec(&json!({
            "index": 2, "communication_key": "00", "communication_proof": "00", "commitments": []
        }))
        .unwrap();
        let confirmation = serde_json::to_vec(&json!({"index": 2, "proof": "00"})).unwrap();
        let code = |name: &str, index: u32, bytes: &[u8]| {
            check_upload(name, index, bytes).unwrap_err().code
        };
        assert!(check_upload("confirmation-2.json", 2, &confirmation).is_ok());
        assert_eq!(
            code("confirmation-3.json", 2, &confirmation),
            "wrong_file_name"
        );
        assert_eq!(
            code("confirmation-3.json", 3, &confirmation),
            "wrong_sender"
        );
        assert_eq!(code("confirmation-2.json", 2, b"{"), "malformed_file");
        assert_eq!(
            code("shares-from-2.json", 2, &announcement),
            "malformed_file"
        );
        assert_eq!(code("../etc/passwd", 2, &confirmation), "wrong_file_name");
        let shares = serde_json::to_vec(&json!([])).unwrap();
        assert!(check_upload("shares-from-2.json", 2, &shares).is_ok());
    }

    #[test]
    fn params_name_the_manifest_and_a_fresh_ceremony() {
        let a = new_params(b"{}", 3, 2);
        let b = new_params(b"{}", 3, 2);
        assert_eq!(a.manifest_hash, hex::encode(manifest_hash(b"{}")));
        assert_ne!(a.ceremony_id, b.ceremony_id);
        assert_eq!((a.trustees, a.threshold), (3, 2));
    }
}
