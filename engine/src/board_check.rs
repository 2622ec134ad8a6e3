//! The encrypted tally recomputed from the sealed board, streamed
//! (record.md §5.3–§5.6, §7.1): every ballot verified against the
//! election's credential list, the board's hash chain and seal rebuilt,
//! the counted set found (the last ballot per credential), and the sum of
//! the counted ballots compared with `tally.json`. Sans-IO: the board
//! comes in lines, as a browser downloads it; memory is a credential per
//! entry, never the ballots.
//!
//! The counted set is known only at the end, so every ballot is summed as
//! it comes; when an election had revotes, the superseded ballots
//! ([`BoardCheck::superseded`]) are taken out again in a second pass over
//! just those lines ([`BoardCheck::take_out`]).

use std::collections::HashSet;

use crate::ballot::{Ballot, BallotContext, verify_ballots};
use crate::board::{Board, CountedSet};
use crate::record::{BoardLine, BoardSeal, TallyFile};
use crate::setup::{Setup, SetupError, bad};
use crate::tally::{EncryptedTally, TallyAccumulator};

/// How many ballots are verified in one batch.
const BATCH: usize = 32;

/// The board's check under way.
#[derive(Debug)]
pub struct BoardCheck {
    setup: Setup,
    ctx: BallotContext,
    board: Board,
    counted: CountedSet,
    tally: TallyAccumulator,
    credential_at: Vec<[u8; 32]>,
    /// The tracker of each position's ballot, as verified: the second pass
    /// takes out only these very ballots.
    tracker_at: Vec<[u8; 32]>,
    pending: Vec<(BoardLine, Ballot)>,
    superseded: Option<HashSet<u64>>,
}

impl BoardCheck {
    /// A check of the board of the election `setup` describes.
    pub fn new(setup: Setup) -> Result<Self, SetupError> {
        let shapes: Vec<_> = setup.manifest.contests.iter().map(|c| c.shape()).collect();
        let ctx = BallotContext {
            base_hash: setup.base_hash,
            key: setup.parameters.joint_key()?,
            shapes: shapes.clone(),
            preferences: setup.manifest.preferences(),
        };
        Ok(BoardCheck {
            tally: TallyAccumulator::new(&shapes).with_ranked(&ctx.preferences),
            ctx,
            board: Board::new(&setup.base_hash),
            setup,
            counted: CountedSet::new(),
            credential_at: Vec::new(),
            tracker_at: Vec::new(),
            pending: Vec::new(),
            superseded: None,
        })
    }

    fn weight(&self, credential: &[u8; 32]) -> u64 {
        self.setup.listed.get(credential).map_or(1, |(_, w)| *w)
    }

    /// The next line of `board.jsonl` (without its newline).
    pub fn line(&mut self, line: &[u8]) -> Result<(), SetupError> {
        let at = self.board.len() + self.pending.len() as u64;
        let entry: BoardLine = serde_json::from_slice(line)
            .map_err(|_| bad(format!("board.jsonl: the line of position {at}")))?;
        let ballot = Ballot::decode(&entry.ballot_bytes()?, &self.ctx)
            .map_err(|e| bad(format!("ballot at position {}: {e}", entry.position)))?;
        self.pending.push((entry, ballot));
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SetupError> {
        let (lines, ballots): (Vec<BoardLine>, Vec<Ballot>) = self.pending.drain(..).unzip();
        let listed = &self.setup.listed;
        let verdicts = verify_ballots(ballots, &self.ctx, |c| {
            listed.get(c.as_bytes()).map(|(cs, _)| cs.clone())
        });
        for (line, verdict) in lines.iter().zip(verdicts) {
            let v =
                verdict.map_err(|e| bad(format!("ballot at position {}: {e}", line.position)))?;
            let receipt = self
                .board
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
            self.counted.note(&credential, receipt.position);
            self.credential_at.push(credential);
            self.tracker_at.push(*v.tracker());
            let w = self.weight(&credential);
            self.tally.add(v.ballot(), w);
        }
        Ok(())
    }

    /// After the last line: the positions whose ballots a later one of the
    /// same credential superseded (record.md §5.6), to be taken out.
    pub fn superseded(&mut self) -> Result<Vec<u64>, SetupError> {
        self.flush()?;
        let out: Vec<u64> = self
            .credential_at
            .iter()
            .enumerate()
            .filter(|(p, c)| !self.counted.counts(c, *p as u64))
            .map(|(p, _)| p as u64)
            .collect();
        self.superseded = Some(out.iter().copied().collect());
        Ok(out)
    }

    /// In the second pass: a line of the board; if its ballot was
    /// superseded, it is taken out of the tally. The line must be the very
    /// one verified in the first pass (its ballot's tracker is compared),
    /// and each superseded position is taken out once.
    pub fn take_out(&mut self, line: &[u8]) -> Result<(), SetupError> {
        let changed = || bad("board.jsonl changed between its two readings");
        let entry: BoardLine = serde_json::from_slice(line).map_err(|_| changed())?;
        let Some(set) = &mut self.superseded else {
            return Err(bad("take_out before superseded"));
        };
        if !set.remove(&entry.position) {
            return Ok(());
        }
        let bytes = entry.ballot_bytes()?;
        let position = usize::try_from(entry.position).map_err(|_| changed())?;
        let tracker = Ballot::tracker(&bytes);
        if self.tracker_at.get(position) != Some(&tracker) || hex::encode(tracker) != entry.tracker
        {
            return Err(changed());
        }
        let ballot = Ballot::decode(&bytes, &self.ctx)?;
        let credential = *ballot.credential.as_bytes();
        if self.credential_at.get(position) != Some(&credential) {
            return Err(changed());
        }
        let w = self.weight(&credential);
        self.tally.remove(&ballot, w);
        Ok(())
    }

    /// The board's entries so far.
    pub fn entries(&self) -> u64 {
        self.board.len() + self.pending.len() as u64
    }

    /// Checks the seal (`board_seal.json`) and that `tally.json` is the
    /// tally of the counted ballots; the tally.
    pub fn finish(mut self, seal: &[u8], tally: &[u8]) -> Result<EncryptedTally, SetupError> {
        // Every superseded position taken out once (each is removed from
        // the set as it is).
        let left = match &self.superseded {
            Some(set) => set.len(),
            None => self.superseded()?.len(),
        };
        if left != 0 {
            return Err(bad("the superseded ballots were not taken out"));
        }
        let seal_file: BoardSeal =
            serde_json::from_slice(seal).map_err(|_| bad("board_seal.json"))?;
        if seal_file.count != self.board.len()
            || seal_file.head != hex::encode(self.board.head())
            || seal_file.seal()? != self.board.seal()
        {
            return Err(bad("the board's seal"));
        }
        let computed = self.tally.finish()?;
        let published: TallyFile = serde_json::from_slice(tally).map_err(|_| bad("tally.json"))?;
        if published.tally()? != computed {
            return Err(bad("tally.json is not the tally of the counted ballots"));
        }
        Ok(computed)
    }
}
