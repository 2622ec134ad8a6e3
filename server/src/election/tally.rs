//! After voting: a trustee's decryption share is checked against the
//! published tally before it is kept, and once the result is out the
//! election's personal data can be deleted (retention).

use std::path::Path;

use serde::{Deserialize, Serialize};
use valurna_engine::record::{
    self, DecryptionFile, DecryptionShareJson, Parameters, TallyFile, files,
};

use super::Refused;

/// The files of a published record, in the order `valurna-verify` reads
/// them.
pub const RECORD_FILES: &[&str] = &[
    files::MANIFEST,
    files::PARAMETERS,
    files::CEREMONY,
    files::CREDENTIALS,
    files::BOARD,
    files::BOARD_SEAL,
    files::TALLY,
    files::DECRYPTION,
    files::RESULT,
];

/// Checks one trustee's decryption share against the published tally,
/// ceremony and parameters in the record directory `dir`.
pub fn check_decryption(dir: &Path, json: &DecryptionShareJson) -> Result<(), Refused> {
    let corrupt = |_| Refused::internal("the published record does not read");
    let parameters: Parameters =
        record::read_json(&dir.join(files::PARAMETERS)).map_err(corrupt)?;
    let base_hash = parameters.computed_base_hash().map_err(corrupt)?;
    let tally = record::read_json::<TallyFile>(&dir.join(files::TALLY))
        .and_then(|t| t.tally())
        .map_err(corrupt)?;
    let ceremony: record::CeremonyFile =
        record::read_json(&dir.join(files::CEREMONY)).map_err(corrupt)?;
    let public = ceremony
        .public_shares()
        .map_err(corrupt)?
        .get((json.trustee as usize).wrapping_sub(1))
        .copied()
        .ok_or_else(|| Refused::internal("no public share for the trustee"))?;
    let refuse = |e: valurna_engine::Error| {
        Refused::invalid(
            "bad_decryption_share",
            format!("trustee {}: {e}", json.trustee),
        )
    };
    let share = DecryptionFile {
        shares: vec![json.clone()],
    }
    .shares()
    .map_err(refuse)?
    .into_iter()
    .next()
    .ok_or_else(|| Refused::internal("share"))?;
    share.verify(&base_hash, &tally, &public).map_err(refuse)
}

/// A trustee's share must be their own.
pub fn check_sender(index: u32, claimed: u32) -> Result<(), Refused> {
    if claimed != index {
        return Err(Refused::invalid(
            "wrong_sender",
            format!("you are trustee {index}; the share claims {claimed}"),
        ));
    }
    Ok(())
}

/// What the retention step removed.
///
/// Retention deletes an election's personal data once it is tallied:
/// contacts, names of members who were not candidates, the outbox, and
/// members' sessions and codes. What stays is the public record and the
/// member numbers and districts of the roll (its size per district). The
/// server never kept a link from a member to a credential or a ballot.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Retention {
    /// Members whose contact (e-mail or phone) was deleted.
    pub contacts: u64,
    /// Members whose name was deleted (all but the approved candidates,
    /// whose names are public in the manifest).
    pub names: u64,
    /// Outbox messages deleted unsent (voting and sign-in codes among
    /// them).
    pub messages: u64,
    /// Members' sessions and sign-in codes deleted.
    pub sessions: u64,
}
