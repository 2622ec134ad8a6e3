//! An election's life as a typed state machine.
//!
//! ```text
//! draft ──open nominations──▶ nominations ──freeze──▶ ceremony ──open voting──▶ open
//!                                                                                 │
//!                          tallied ◀──the t-th valid decryption share── closed ◀──close voting
//! ```
//!
//! | status | what happens | the transition out, and what it needs |
//! |---|---|---|
//! | `draft` | districts and seats are set; the roll is imported; trustees are named | [`Transition::OpenNominations`]: a roll |
//! | `nominations` | members propose, nominees accept, the committee approves | [`Transition::Freeze`]: every trustee named, enough approved candidates everywhere |
//! | `ceremony` | the manifest is frozen; trustees upload their ceremony files | [`Transition::OpenVoting`]: the ceremony checks out |
//! | `open` | voting | [`Transition::CloseVoting`] |
//! | `closed` | trustees upload decryption shares | [`Transition::Tally`]: `t` valid shares |
//! | `tallied` | the result and the whole record are published | |
//!
//! [`Transition::apply`] is the only way to a new status: it returns a
//! [`Step`], which is what the storage layer takes to write one
//! (`db::elections::advance`), so no code path can set a status the
//! machine does not allow.

use super::Refused;

/// An election's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Being set up.
    Draft,
    /// Nominations are open.
    Nominations,
    /// The manifest is frozen; the key ceremony runs.
    Ceremony,
    /// Voting is open.
    Open,
    /// Voting is closed; the tally waits for the trustees.
    Closed,
    /// The result is published.
    Tallied,
}

impl Status {
    /// Every status, in order.
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Nominations,
        Status::Ceremony,
        Status::Open,
        Status::Closed,
        Status::Tallied,
    ];

    /// Its name in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Nominations => "nominations",
            Status::Ceremony => "ceremony",
            Status::Open => "open",
            Status::Closed => "closed",
            Status::Tallied => "tallied",
        }
    }

    /// Reads a status's name.
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the candidates are public (the manifest is frozen).
    pub fn frozen(self) -> bool {
        !matches!(self, Status::Draft | Status::Nominations)
    }

    /// `Ok` if the election is in one of `allowed`, else the refusal that
    /// says which it is in and which it must be in.
    pub fn require(self, allowed: &[Status]) -> Result<(), Refused> {
        if allowed.contains(&self) {
            return Ok(());
        }
        let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        Err(Refused::conflict(
            "wrong_status",
            format!(
                "the election is {}; this needs it to be {}",
                self.as_str(),
                names.join(" or ")
            ),
        ))
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A move from one status to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// draft → nominations.
    OpenNominations,
    /// nominations → ceremony: the manifest is frozen.
    Freeze,
    /// ceremony → open: the ballot box opens.
    OpenVoting,
    /// open → closed: the board is sealed.
    CloseVoting,
    /// closed → tallied: the result is published.
    Tally,
}

impl Transition {
    /// The status it leaves.
    pub fn from(self) -> Status {
        match self {
            Transition::OpenNominations => Status::Draft,
            Transition::Freeze => Status::Nominations,
            Transition::OpenVoting => Status::Ceremony,
            Transition::CloseVoting => Status::Open,
            Transition::Tally => Status::Closed,
        }
    }

    /// The status it reaches.
    pub fn to(self) -> Status {
        match self {
            Transition::OpenNominations => Status::Nominations,
            Transition::Freeze => Status::Ceremony,
            Transition::OpenVoting => Status::Open,
            Transition::CloseVoting => Status::Closed,
            Transition::Tally => Status::Tallied,
        }
    }

    /// The step for election `election` now in `current`, or the refusal
    /// if the election is not where this transition starts.
    pub fn apply(self, election: i64, current: Status) -> Result<Step, Refused> {
        current.require(&[self.from()])?;
        Ok(Step {
            election,
            transition: self,
        })
    }
}

/// A transition allowed for one election: made only by
/// [`Transition::apply`], written by the storage layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    election: i64,
    transition: Transition,
}

impl Step {
    /// The election.
    pub fn election(&self) -> i64 {
        self.election
    }

    /// The status it leaves.
    pub fn from(&self) -> Status {
        self.transition.from()
    }

    /// The status it reaches.
    pub fn to(&self) -> Status {
        self.transition.to()
    }

    /// The audit log's name of the step (`election.open`, …).
    pub fn action(&self) -> String {
        format!("election.{}", self.to())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_machine_goes_one_way_one_step_at_a_time() {
        let all = [
            Transition::OpenNominations,
            Transition::Freeze,
            Transition::OpenVoting,
            Transition::CloseVoting,
            Transition::Tally,
        ];
        for (t, pair) in all.iter().zip(Status::ALL.windows(2)) {
            assert_eq!((t.from(), t.to()), (pair[0], pair[1]));
        }
        for t in all {
            for s in Status::ALL {
                let step = t.apply(7, s);
                assert_eq!(step.is_ok(), s == t.from(), "{t:?} from {s}");
                if let Ok(step) = step {
                    assert_eq!((step.election(), step.to()), (7, t.to()));
                }
            }
        }
        let e = Transition::CloseVoting.apply(1, Status::Draft).unwrap_err();
        assert_eq!(e.code, "wrong_status");
        assert_eq!(e.message, "the election is draft; this needs it to be open");
    }

    #[test]
    fn statuses_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("archived"), None);
    }
}
