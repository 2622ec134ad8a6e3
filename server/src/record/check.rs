//! Re-checking a record from its files, as a trustee's tool does before
//! it decrypts anything and as the committee's does before it publishes a
//! result (record.md §3–§7.1).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use rayon::prelude::*;
use valurna_engine::ballot::{Ballot, BallotContext, verify_ballots};
use valurna_engine::board::{Board, CountedSet};
use valurna_engine::manifest::Manifest;
use valurna_engine::record::{
    self, BoardLine, BoardSeal, LinesReader, Parameters, TallyFile, Turnout, files,
};
use valurna_engine::tally::{EncryptedTally, TallyAccumulator};
use valurna_engine::threshold::CeremonyOutcome;

use super::bad;
use super::setup::{Setup, check_setup};
use crate::error::CliError;

/// Where each board entry's line starts and whose ballot it is, with the
/// counted set: what is needed to find the superseded ballots again.
pub(crate) struct Superseded<'a> {
    /// Credential of the ballot at each position.
    pub credential_at: &'a [[u8; 32]],
    /// Byte offset of each position's line in `board.jsonl`.
    pub offsets: &'a [u64],
    /// The last ballot per credential.
    pub counted: &'a CountedSet,
}

/// Takes every superseded ballot (record.md §5.6) out of `tally` again,
/// reading just those lines of the board file back by their offsets. The
/// board is summed as it streams, before the counted set is known; revotes
/// are few.
pub(crate) fn take_out_superseded(
    board_file: &Path,
    board: &Superseded<'_>,
    ctx: &BallotContext,
    tally: &mut TallyAccumulator,
    weight_of: impl Fn(&[u8; 32]) -> u64,
) -> Result<(), CliError> {
    let mut reader = BufReader::new(File::open(board_file)?);
    for (position, credential) in board.credential_at.iter().enumerate() {
        if board.counted.counts(credential, position as u64) {
            continue;
        }
        let offset = board
            .offsets
            .get(position)
            .copied()
            .ok_or(CliError::Internal("offset"))?;
        std::io::Seek::seek(&mut reader, std::io::SeekFrom::Start(offset))?;
        let line: BoardLine = LinesReader::new(&mut reader)
            .next_value()
            .ok_or(CliError::Internal("board line"))?
            .map_err(|e| bad(format!("board.jsonl {e}")))?;
        let ballot = Ballot::decode(&line.ballot_bytes()?, ctx)?;
        tally.remove(&ballot, weight_of(credential));
    }
    Ok(())
}

/// A record re-checked up to the tally (record.md §3–§7.1).
#[derive(Debug)]
pub struct CheckedRecord {
    /// The manifest.
    pub manifest: Manifest,
    /// The parameters.
    pub parameters: Parameters,
    /// The base hash, recomputed.
    pub base_hash: [u8; 32],
    /// The ceremony's outcome, recomputed.
    pub ceremony: CeremonyOutcome,
    /// The tally, recomputed from the board (and equal to `tally.json`).
    pub tally: EncryptedTally,
    /// The board's seal.
    pub seal: [u8; 32],
    /// Turnout, counted.
    pub turnout: Turnout,
}

/// Re-checks a record from its files up to the tally: its set-up
/// ([`check_setup`]); the board's chain, seal, distinct trackers and every
/// ballot; the counted set; and that `tally.json` is the tally of the
/// counted ballots.
pub fn check_record(dir: &Path) -> Result<CheckedRecord, CliError> {
    let Setup {
        manifest,
        parameters,
        base_hash,
        ceremony,
        listed,
        ..
    } = check_setup(dir)?;
    let shapes: Vec<_> = manifest.contests.iter().map(|c| c.shape()).collect();
    let ctx = BallotContext {
        base_hash,
        key: parameters.joint_key()?,
        shapes: shapes.clone(),
        preferences: manifest.preferences(),
    };
    let mut board = Board::new(&base_hash);
    let mut counted = CountedSet::new();
    let mut tally = TallyAccumulator::new(&shapes).with_ranked(&manifest.preferences());
    // The counted set is known only at the end: every ballot is summed as
    // it comes, and the few superseded ones are read again and taken out.
    let mut credential_at: Vec<[u8; 32]> = Vec::new();
    let mut offsets: Vec<u64> = Vec::new();
    let mut lines = LinesReader::new(BufReader::new(File::open(dir.join(files::BOARD))?));
    let mut batch: Vec<(BoardLine, Ballot)> = Vec::new();
    let weight_of = |c: &[u8; 32]| listed.get(c).map_or(1, |(_, w)| *w);
    let mut flush = |batch: &mut Vec<(BoardLine, Ballot)>| -> Result<(), CliError> {
        let (lines, ballots): (Vec<BoardLine>, Vec<Ballot>) = batch.drain(..).unzip();
        let mut groups: Vec<Vec<Ballot>> = Vec::new();
        for b in ballots {
            match groups.last_mut() {
                Some(g) if g.len() < 32 => g.push(b),
                _ => groups.push(vec![b]),
            }
        }
        let verdicts: Vec<_> = groups
            .into_par_iter()
            .flat_map_iter(|group| {
                verify_ballots(group, &ctx, |c| {
                    listed.get(c.as_bytes()).map(|(cs, _)| cs.clone())
                })
            })
            .collect();
        for (line, verdict) in lines.iter().zip(verdicts) {
            let v =
                verdict.map_err(|e| bad(format!("ballot at position {}: {e}", line.position)))?;
            let receipt = board
                .append(&v)
                .map_err(|e| bad(format!("position {}: {e}", line.position)))?;
            if receipt.position != line.position
                || hex::encode(receipt.tracker) != line.tracker
                || hex::encode(receipt.head) != line.head
            {
                return Err(bad(format!(
                    "the board's chain at position {}",
                    line.position
                )));
            }
            let credential = *v.ballot().credential.as_bytes();
            counted.note(&credential, receipt.position);
            credential_at.push(credential);
            tally.add(v.ballot(), weight_of(&credential));
        }
        Ok(())
    };
    while let Some(line) = lines.next_value::<BoardLine>() {
        let line = line.map_err(|e| bad(format!("board.jsonl {e}")))?;
        offsets.push(lines.line_offset());
        let ballot = Ballot::decode(&line.ballot_bytes()?, &ctx)
            .map_err(|e| bad(format!("ballot at position {}: {e}", line.position)))?;
        batch.push((line, ballot));
        if batch.len() >= 4096 {
            flush(&mut batch)?;
        }
    }
    flush(&mut batch)?;
    take_out_superseded(
        &dir.join(files::BOARD),
        &Superseded {
            credential_at: &credential_at,
            offsets: &offsets,
            counted: &counted,
        },
        &ctx,
        &mut tally,
        weight_of,
    )?;
    let seal_file: BoardSeal = record::read_json(&dir.join(files::BOARD_SEAL))?;
    if seal_file.count != board.len()
        || seal_file.head != hex::encode(board.head())
        || seal_file.seal()? != board.seal()
    {
        return Err(bad("the board's seal"));
    }
    let tally = tally.finish()?;
    let published = record::read_json::<TallyFile>(&dir.join(files::TALLY))?.tally()?;
    if published != tally {
        return Err(bad("tally.json is not the tally of the counted ballots"));
    }
    Ok(CheckedRecord {
        turnout: Turnout {
            eligible: listed.len() as u64,
            board_entries: board.len(),
            counted: counted.len() as u64,
        },
        manifest,
        parameters,
        base_hash,
        ceremony,
        tally,
        seal: board.seal(),
    })
}

/// The ballot context of a checked record.
pub fn ballot_context(checked: &CheckedRecord) -> Result<BallotContext, CliError> {
    Ok(BallotContext {
        base_hash: checked.base_hash,
        key: checked.parameters.joint_key()?,
        shapes: checked
            .manifest
            .contests
            .iter()
            .map(|c| c.shape())
            .collect(),
        preferences: checked.manifest.preferences(),
    })
}
