//! The election's rules, with no HTTP and no SQL: what may happen to an
//! election, when, and what it takes. The API ([`crate::http`]), the pages
//! ([`crate::web`]) and the commands ([`crate::cli`]) all decide through
//! these functions; [`crate::db`] stores what they decided.
//!
//! | module | rules |
//! |---|---|
//! | [`lifecycle`] | the status as a typed state machine: draft → nominations → ceremony → open → closed → tallied |
//! | [`setup`] | a new election's fields: id, title, trustees, districts and seats |
//! | [`accounts`] | staff roles, passwords, session tokens, members' one-time codes |
//! | [`roll`] | reading a voter roll (CSV) and what an import changes |
//! | [`nominations`] | who may propose whom, answers, decisions, presentations |
//! | [`ceremony`] | which trustee may upload which ceremony file |
//! | [`opening`] | freezing the manifest, the ceremony's end, voting codes and credentials |
//! | [`tally`] | checking a trustee's decryption share; what retention deletes |
//!
//! A rule that says no returns [`Refused`]: a stable code, a message for
//! the person, and whether the request was invalid, came at the wrong
//! time, named nothing, or was not theirs to make.

pub mod accounts;
pub mod ceremony;
pub mod lifecycle;
pub mod messages;
pub mod nominations;
pub mod opening;
pub mod outcome;
pub mod roll;
pub mod schedule;
pub mod second_factor;
pub mod setup;
pub mod tally;
pub mod text;
pub mod throttle;

use serde_json::Value;

use crate::i18n::{Lang, Words};

/// Why a rule refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Well-formed, but not acceptable (a field out of range, a bad file).
    Invalid,
    /// Not now: the election is in another status, or the name is taken.
    Conflict,
    /// What it names is not there (for this person).
    NotFound,
    /// Not this person's to do.
    Forbidden,
    /// A bug or damaged data: the message is logged, not shown.
    Internal,
}

/// A refusal: its kind, a stable code and a message for the person.
#[derive(Debug, Clone)]
pub struct Refused {
    /// What kind of refusal.
    pub kind: Kind,
    /// A stable machine-readable code (`wrong_status`, `bad_rows`, …).
    pub code: &'static str,
    /// What to tell the person.
    pub message: String,
    /// Machine-readable details (a roll's bad rows, lacking districts).
    pub details: Option<Value>,
    /// The message as a key of the catalogue, so the answer can be in the
    /// person's language (`message` is its English).
    pub words: Option<Box<Words>>,
}

impl Refused {
    fn of(kind: Kind, code: &'static str, message: impl Into<String>) -> Self {
        Refused {
            kind,
            code,
            message: message.into(),
            details: None,
            words: None,
        }
    }

    /// A refusal whose message is catalogue message `key` with `args`
    /// ([`crate::i18n`]).
    pub fn said(
        kind: Kind,
        code: &'static str,
        key: &'static str,
        args: &[(&'static str, String)],
    ) -> Self {
        let words = Words::new(key, args);
        Refused {
            message: words.text(Lang::En),
            words: Some(Box::new(words)),
            ..Self::of(kind, code, "")
        }
    }

    /// [`Kind::Invalid`].
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::of(Kind::Invalid, code, message)
    }

    /// [`Kind::Conflict`].
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::of(Kind::Conflict, code, message)
    }

    /// [`Kind::NotFound`].
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::of(Kind::NotFound, code, message)
    }

    /// [`Kind::Forbidden`].
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::of(Kind::Forbidden, code, message)
    }

    /// [`Kind::Internal`]: `what` is for the log only.
    pub fn internal(what: impl Into<String>) -> Self {
        Self::of(Kind::Internal, "internal", what)
    }

    /// With machine-readable details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refused {}

/// Whether `s` is 1 to `max` bytes of text with no control characters and
/// not only spaces.
pub fn text_ok(s: &str, max: usize) -> bool {
    text::display_ok(s, max, false)
}
