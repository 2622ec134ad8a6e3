//! Nominations: a member proposes a member of their own district (or
//! stands themselves), the nominee accepts or declines, the committee
//! approves or rejects an accepted nomination (a rejection with a reason),
//! and a nominee writes a presentation.
//!
//! ```text
//! proposed ──accept──▶ accepted ──approve──▶ approved
//!     │                    └──────reject───▶ rejected   (the committee may change its mind
//!     └──decline──▶ declined                             until nominations close)
//! ```
//! A member who stands themselves starts at `accepted`.

use super::lifecycle::Status;
use super::{Refused, text_ok};

/// Longest presentation, in characters.
pub const MAX_PRESENTATION: usize = 2000;

/// `Ok` while nominations are open.
pub fn require_open(status: Status) -> Result<(), Refused> {
    if status == Status::Nominations {
        Ok(())
    } else {
        Err(Refused::conflict(
            "nominations_closed",
            "nominations are not open",
        ))
    }
}

/// A new nomination's status, if the proposer (in `proposer_district`) may
/// nominate a member of `nominee_district`: `accepted` for oneself,
/// `proposed` for another.
pub fn nominate(
    proposer_district: &str,
    nominee_district: &str,
    own: bool,
) -> Result<&'static str, Refused> {
    if proposer_district != nominee_district {
        return Err(Refused::invalid(
            "wrong_district",
            "you can nominate members of your own district only",
        ));
    }
    Ok(if own { "accepted" } else { "proposed" })
}

/// The nominee's answer to a nomination now `current`.
pub fn respond(current: &str, accept: bool) -> Result<&'static str, Refused> {
    if current != "proposed" {
        return Err(Refused::conflict(
            "already_answered",
            format!("the nomination is {current}"),
        ));
    }
    Ok(if accept { "accepted" } else { "declined" })
}

/// The reason of a decision: required (1–1000 characters) for a rejection.
pub fn decision_reason(approve: bool, reason: Option<String>) -> Result<Option<String>, Refused> {
    let reason = reason.filter(|r| !r.trim().is_empty());
    if !approve && !reason.as_deref().is_some_and(|r| text_ok(r, 1000)) {
        return Err(Refused::invalid(
            "reason_required",
            "a rejection needs a reason (1-1000 characters)",
        ));
    }
    Ok(reason)
}

/// The committee's decision on a nomination now `current`.
pub fn decide(current: &str, approve: bool) -> Result<&'static str, Refused> {
    if !matches!(current, "accepted" | "approved" | "rejected") {
        return Err(Refused::conflict(
            "not_accepted",
            format!(
                "the nomination is {current}: only a nomination the nominee accepted is decided"
            ),
        ));
    }
    Ok(if approve { "approved" } else { "rejected" })
}

/// A presentation, trimmed, if it is acceptable.
pub fn presentation(text: &str) -> Result<&str, Refused> {
    let text = text.trim();
    if text.chars().count() > MAX_PRESENTATION || !super::text::display_ok(text, usize::MAX, true) {
        return Err(Refused::invalid(
            "invalid_field",
            format!(
                "a presentation has 1 to {MAX_PRESENTATION} characters, and no control or \
                 invisible formatting characters (bidirectional overrides, zero-width spaces)"
            ),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_nomination_rules() {
        assert_eq!(nominate("North", "North", true).unwrap(), "accepted");
        assert_eq!(nominate("North", "North", false).unwrap(), "proposed");
        assert_eq!(
            nominate("North", "South", false).unwrap_err().code,
            "wrong_district"
        );
        assert_eq!(respond("proposed", false).unwrap(), "declined");
        assert_eq!(
            respond("accepted", true).unwrap_err().code,
            "already_answered"
        );
        assert_eq!(decide("accepted", true).unwrap(), "approved");
        assert_eq!(decide("approved", false).unwrap(), "rejected");
        assert_eq!(decide("proposed", true).unwrap_err().code, "not_accepted");
        assert_eq!(
            decision_reason(false, Some("  ".into())).unwrap_err().code,
            "reason_required"
        );
        assert_eq!(decision_reason(true, Some(" ".into())).unwrap(), None);
        assert_eq!(presentation("  Hello\nthere ").unwrap(), "Hello\nthere");
        assert!(presentation("a\u{7}b").is_err());
        assert!(require_open(Status::Nominations).is_ok());
        assert!(require_open(Status::Ceremony).is_err());
    }
}
