//! Ranked contests in a record: the mix-net's steps, the trustees'
//! decryption of the last output, and the count (spec: record.md §9).
//!
//! Every function works on a record directory, so that each mix server and
//! each trustee can run its step on its own machine:
//!
//! ```text
//! valurna mix --record R --step 1          (mix server 1)
//! valurna mix --record R --step 2          (mix server 2, another party)
//! valurna trustee decrypt --record R --share t1.share   (t trustees; also the mix output)
//! valurna tally finish --record R          (counts the ranked contests too)
//! ```
//!
//! Before mixing on top of earlier steps, and before decrypting, the whole
//! chain is verified from the board: a mix server never builds on, and a
//! trustee never decrypts, a chain with a false step.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use valurna_engine::ballot::{Ballot, BallotContext};
use valurna_engine::board::CountedSet;
use valurna_engine::elgamal::EncodedCiphertext;
use valurna_engine::encoding::Element;
use valurna_engine::manifest::Manifest;
use valurna_engine::mixnet::{
    MixDecryption, combine_mix, mix_input_item, mix_step, rankings, verify_mix_step,
};
use valurna_engine::record::{self, BoardLine, ContestResult, LinesReader, files};
use valurna_engine::rng::os_rng;
use valurna_engine::shuffle::{ShuffleProof, ShuffleStatement, shuffle_proof_len};
use valurna_engine::threshold::TrusteeShare;

use super::bad;
use crate::error::CliError;

/// The fewest mix steps a ranked contest's chain must have (record.md §9.3).
pub const MIN_STEPS: u32 = 2;

/// A ranked contest: its index, preferences `p` (the items' width) and
/// candidates `m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RankedContest {
    /// Contest index.
    pub index: u32,
    /// Preferences, the width of its mix items.
    pub width: usize,
    /// Candidates.
    pub candidates: u32,
}

/// The manifest's ranked contests.
pub fn ranked_contests(manifest: &Manifest) -> Vec<RankedContest> {
    manifest
        .contests
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_ranked())
        .map(|(i, c)| RankedContest {
            index: i as u32,
            width: c.preferences() as usize,
            candidates: c.candidates.len() as u32,
        })
        .collect()
}

/// The mix input of every ranked contest (record.md §9.3), from the board:
/// the counted ballots (each credential's last) in board order. The
/// ballots are assumed verified (the caller has checked the record).
pub fn mix_inputs(
    dir: &Path,
    ctx: &BallotContext,
    contests: &[RankedContest],
) -> Result<Vec<Vec<EncodedCiphertext>>, CliError> {
    // Which position counts for each credential: one pass for the counted
    // set, a second for the items.
    let mut counted = CountedSet::new();
    let mut lines = LinesReader::new(BufReader::new(File::open(dir.join(files::BOARD))?));
    while let Some(line) = lines.next_value::<BoardLine>() {
        let line = line.map_err(|e| bad(format!("board.jsonl {e}")))?;
        let bytes = line.ballot_bytes()?;
        let credential = bytes
            .get(..32)
            .and_then(|c| <[u8; 32]>::try_from(c).ok())
            .ok_or_else(|| bad("a ballot without a credential"))?;
        counted.note(&credential, line.position);
    }
    let mut inputs = vec![Vec::new(); contests.len()];
    let mut lines = LinesReader::new(BufReader::new(File::open(dir.join(files::BOARD))?));
    while let Some(line) = lines.next_value::<BoardLine>() {
        let line = line.map_err(|e| bad(format!("board.jsonl {e}")))?;
        let ballot = Ballot::decode(&line.ballot_bytes()?, ctx)?;
        if !counted.counts(ballot.credential.as_bytes(), line.position) {
            continue;
        }
        for (input, c) in inputs.iter_mut().zip(contests) {
            if let Some(item) = mix_input_item(&ballot, c.index) {
                input.extend(item);
            }
        }
    }
    Ok(inputs)
}

fn ciphertext_bytes(cts: &[EncodedCiphertext]) -> Vec<u8> {
    cts.iter().flat_map(|c| c.to_bytes()).collect()
}

/// Reads `mix-<c>-<s>.bin` for `items` items of `width`.
pub fn read_mix(
    dir: &Path,
    contest: u32,
    step: u32,
    items: usize,
    width: usize,
) -> Result<Option<(Vec<EncodedCiphertext>, ShuffleProof)>, CliError> {
    let path = dir.join(files::mix(contest, step));
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&path)?;
    let cts = items * width * valurna_engine::elgamal::CIPHERTEXT_LEN;
    if bytes.len() != cts + shuffle_proof_len(items, width) {
        return Err(bad(format!("{} has the wrong length", path.display())));
    }
    let (out, proof) = bytes.split_at(cts);
    Ok(Some((
        EncodedCiphertext::decode_many(out)?,
        ShuffleProof::decode(proof, items, width)?,
    )))
}

/// Verifies contest `c`'s chain of mix steps from `input`; returns the
/// number of steps and the last output (the input if there is none).
pub fn check_chain(
    dir: &Path,
    base_hash: &[u8; 32],
    ctx: &BallotContext,
    c: &RankedContest,
    input: Vec<EncodedCiphertext>,
) -> Result<(u32, Vec<EncodedCiphertext>), CliError> {
    let items = input.len() / c.width.max(1);
    let mut current = input;
    let mut step = 0;
    if items == 0 {
        return Ok((0, current));
    }
    while let Some((output, proof)) = read_mix(dir, c.index, step + 1, items, c.width)? {
        let statement = ShuffleStatement {
            key: &ctx.key,
            width: c.width,
            input: &current,
            output: &output,
        };
        verify_mix_step(base_hash, c.index, step + 1, &statement, &proof)
            .map_err(|e| bad(format!("mix step {} of contest {}: {e}", step + 1, c.index)))?;
        current = output;
        step += 1;
    }
    Ok((step, current))
}

/// `valurna mix --step S`: checks the chain up to step `S − 1` of every
/// ranked contest and adds step `S`. Returns the number of items mixed
/// per contest.
pub fn mix(
    dir: &Path,
    base_hash: &[u8; 32],
    ctx: &BallotContext,
    manifest: &Manifest,
    step: u32,
) -> Result<Vec<usize>, CliError> {
    let contests = ranked_contests(manifest);
    if contests.is_empty() {
        return Err(CliError::Usage("the election has no ranked contest".into()));
    }
    let inputs = mix_inputs(dir, ctx, &contests)?;
    let mut mixed = Vec::new();
    for (c, input) in contests.iter().zip(inputs) {
        let items = input.len() / c.width.max(1);
        let (done, current) = check_chain(dir, base_hash, ctx, c, input)?;
        if done + 1 != step {
            return Err(CliError::Usage(format!(
                "contest {} has {done} mix steps; the next is {}",
                c.index,
                done + 1
            )));
        }
        if items == 0 {
            mixed.push(0);
            continue;
        }
        let (output, proof, _) = mix_step(
            base_hash,
            &ctx.key,
            c.index,
            step,
            c.width,
            &current,
            &mut os_rng(),
        )?;
        let mut bytes = ciphertext_bytes(&output);
        bytes.extend_from_slice(&proof.to_bytes());
        std::fs::write(dir.join(files::mix(c.index, step)), bytes)?;
        mixed.push(items);
    }
    Ok(mixed)
}

/// Every ranked contest's verified chain: `(contest, steps, last output)`.
/// A contest with ballots needs at least [`MIN_STEPS`] steps.
pub fn checked_chains(
    dir: &Path,
    base_hash: &[u8; 32],
    ctx: &BallotContext,
    manifest: &Manifest,
) -> Result<Vec<(RankedContest, u32, Vec<EncodedCiphertext>)>, CliError> {
    let contests = ranked_contests(manifest);
    let inputs = mix_inputs(dir, ctx, &contests)?;
    contests
        .into_iter()
        .zip(inputs)
        .map(|(c, input)| {
            let nonempty = !input.is_empty();
            let (steps, last) = check_chain(dir, base_hash, ctx, &c, input)?;
            if nonempty && steps < MIN_STEPS {
                return Err(CliError::Usage(format!(
                    "contest {} has {steps} mix steps; at least {MIN_STEPS} are needed",
                    c.index
                )));
            }
            Ok((c, steps, last))
        })
        .collect()
}

/// A trustee's decryption of every ranked contest's last mix output,
/// written to `mix-decryption-<c>-<j>.bin` (record.md §9.4).
pub fn decrypt(
    dir: &Path,
    base_hash: &[u8; 32],
    chains: &[(RankedContest, u32, Vec<EncodedCiphertext>)],
    share: &TrusteeShare,
    public: &Element,
) -> Result<(), CliError> {
    for (c, steps, last) in chains {
        let d = MixDecryption::create(base_hash, c.index, *steps, last, share, public);
        std::fs::write(
            dir.join(files::mix_decryption(c.index, share.index)),
            d.to_bytes(),
        )?;
    }
    Ok(())
}

/// Counts every ranked contest: reads and verifies the decryptions of the
/// `threshold` lowest trustees present, combines them, and counts the
/// rankings (record.md §9.4, §9.5). Returns `(contest index, result)`.
pub fn count(
    dir: &Path,
    base_hash: &[u8; 32],
    manifest: &Manifest,
    chains: &[(RankedContest, u32, Vec<EncodedCiphertext>)],
    public_shares: &[Element],
    threshold: u32,
    seal: &[u8; 32],
) -> Result<Vec<(u32, ContestResult)>, CliError> {
    let mut results = Vec::new();
    for (c, steps, last) in chains {
        let mut shares = Vec::new();
        for (j, public) in public_shares.iter().enumerate() {
            if shares.len() == threshold as usize {
                break;
            }
            let trustee = j as u32 + 1;
            let path = dir.join(files::mix_decryption(c.index, trustee));
            if !path.exists() {
                continue;
            }
            let d = MixDecryption::decode(&std::fs::read(&path)?, trustee, last.len())?;
            d.verify(base_hash, c.index, *steps, last, public)
                .map_err(|e| bad(format!("{}: {e}", path.display())))?;
            shares.push(d);
        }
        if !last.is_empty() && shares.len() < threshold as usize {
            return Err(CliError::Usage(format!(
                "contest {}: {} trustees decrypted the mix output, {threshold} needed",
                c.index,
                shares.len()
            )));
        }
        let values = if last.is_empty() {
            Vec::new()
        } else {
            combine_mix(last, &shares, c.candidates)?
        };
        let contest = manifest
            .contests
            .get(c.index as usize)
            .ok_or(CliError::Internal("ranked contest index"))?;
        results.push((
            c.index,
            record::ranked_result(contest, c.index, &rankings(&values, c.width), seal)?,
        ));
    }
    Ok(results)
}
