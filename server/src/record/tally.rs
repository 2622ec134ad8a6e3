//! The tally's steps on a record directory: mixing the ranked contests,
//! a trustee's partial decryption, and the result (record.md §7, §9).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use valurna_engine::elgamal::DlogTable;
use valurna_engine::record::{self, DecryptionFile, DecryptionShareJson, ResultFile, files};
use valurna_engine::rng::os_rng;
use valurna_engine::tally::{DecryptionShare, combine};
use valurna_engine::threshold::TrusteeShare;

use super::ceremony::{numbered, read_share};
use super::check::{ballot_context, check_record};
use super::usage;
use crate::error::CliError;

/// `valurna mix --step S`: re-checks the record and the mix chain so far,
/// and adds mix step `S` to every ranked contest (record.md §9.3).
pub fn mix_record(record_dir: &Path, step: u32) -> Result<Vec<usize>, CliError> {
    let checked = check_record(record_dir)?;
    let ctx = ballot_context(&checked)?;
    super::ranked::mix(
        record_dir,
        &checked.base_hash,
        &ctx,
        &checked.manifest,
        step,
    )
}

/// `valurna trustee decrypt`: after re-checking the whole record, a
/// trustee's partial decryption of the tally, written to
/// `decryption-share-<index>.json` in the record; and, if the election has
/// ranked contests, after checking every mix chain, of each chain's last
/// output (`mix-decryption-<c>-<index>.bin`, record.md §9.4).
pub fn trustee_decrypt(record_dir: &Path, share_path: &Path) -> Result<PathBuf, CliError> {
    trustee_decrypt_with(record_dir, read_share(share_path)?)
}

/// [`trustee_decrypt`] with the key share in memory (opened from the key
/// file a trustee page saved).
pub fn trustee_decrypt_with(record_dir: &Path, share: TrusteeShare) -> Result<PathBuf, CliError> {
    let checked = check_record(record_dir)?;
    let public = checked
        .ceremony
        .public_shares
        .get((share.index as usize).wrapping_sub(1))
        .copied()
        .ok_or_else(|| usage(format!("no trustee {} in this ceremony", share.index)))?;
    if share.share.public_key()?.element() != &public {
        return Err(usage("this share does not belong to this election"));
    }
    let d = DecryptionShare::create(
        &checked.base_hash,
        &checked.tally,
        &share,
        &public,
        &mut os_rng(),
    );
    let path = record_dir.join(format!("decryption-share-{}.json", share.index));
    let json = DecryptionFile::new(std::slice::from_ref(&d)).shares;
    record::write_json(&path, json.first().ok_or(CliError::Internal("share"))?)?;
    if !super::ranked::ranked_contests(&checked.manifest).is_empty() {
        let ctx = ballot_context(&checked)?;
        let chains =
            super::ranked::checked_chains(record_dir, &checked.base_hash, &ctx, &checked.manifest)?;
        super::ranked::decrypt(record_dir, &checked.base_hash, &chains, &share, &public)?;
    }
    Ok(path)
}

/// `valurna tally finish`: re-checks the record, verifies the trustees'
/// decryption shares in it, combines `t` valid ones, allocates seats, and
/// writes `decryption.json` and `result.json`. A bad share is named and
/// skipped.
pub fn tally_finish(record_dir: &Path) -> Result<(ResultFile, Vec<String>), CliError> {
    let checked = check_record(record_dir)?;
    let mut refused = Vec::new();
    let mut valid: Vec<DecryptionShare> = Vec::new();
    let mut seen = HashSet::new();
    for (n, p) in numbered(record_dir, "decryption-share-")? {
        let json: DecryptionShareJson = record::read_json(&p)?;
        if json.trustee != n {
            refused.push(format!(
                "trustee {n}: its file claims trustee {}",
                json.trustee
            ));
            continue;
        }
        let share = DecryptionFile { shares: vec![json] }.shares()?;
        let Some(share) = share.into_iter().next() else {
            continue;
        };
        let verdict = checked
            .ceremony
            .public_shares
            .get((share.trustee as usize).wrapping_sub(1))
            .ok_or(valurna_engine::Error::InvalidStatement("unknown trustee"))
            .and_then(|public| share.verify(&checked.base_hash, &checked.tally, public));
        match verdict {
            Ok(()) if seen.insert(share.trustee) => valid.push(share),
            Ok(()) => refused.push(format!("trustee {}: a second share", share.trustee)),
            Err(e) => refused.push(format!("trustee {}: {e}", share.trustee)),
        }
    }
    let threshold = checked.parameters.threshold as usize;
    if valid.len() < threshold {
        return Err(usage(format!(
            "{} valid decryption shares, {threshold} needed{}",
            valid.len(),
            if refused.is_empty() {
                String::new()
            } else {
                format!(" (refused: {})", refused.join("; "))
            }
        )));
    }
    valid.truncate(threshold);
    let counts = combine(&checked.tally, &valid, DlogTable::shared())?;
    let mut result = ResultFile {
        contests: record::contest_results(&checked.manifest, &counts, &checked.seal),
        turnout: checked.turnout.clone(),
    };
    if !super::ranked::ranked_contests(&checked.manifest).is_empty() {
        let ctx = ballot_context(&checked)?;
        let chains =
            super::ranked::checked_chains(record_dir, &checked.base_hash, &ctx, &checked.manifest)?;
        for (c, r) in super::ranked::count(
            record_dir,
            &checked.base_hash,
            &checked.manifest,
            &chains,
            &checked.ceremony.public_shares,
            checked.parameters.threshold,
            &checked.seal,
        )? {
            if let Some(slot) = result.contests.get_mut(c as usize) {
                *slot = r;
            }
        }
    }
    record::write_json(
        &record_dir.join(files::DECRYPTION),
        &DecryptionFile::new(&valid),
    )?;
    record::write_json(&record_dir.join(files::RESULT), &result)?;
    Ok((result, refused))
}
