//! An election's voting period: the times at which voting opens and
//! closes by itself ([`crate::http::schedule`] acts on them). The committee
//! sets them until voting opens; while voting is open only the closing
//! time can still move, and never into the past.

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::lifecycle::Status;
use super::{Kind, Refused};

/// `PUT /api/elections/{id}/schedule`: RFC 3339 times, or `null` for none.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodRequest {
    /// When voting opens by itself (once the key ceremony is complete).
    #[serde(default)]
    pub opens_at: Option<String>,
    /// When voting closes by itself.
    #[serde(default)]
    pub closes_at: Option<String>,
}

/// A checked voting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// When voting opens.
    pub opens_at: Option<OffsetDateTime>,
    /// When voting closes.
    pub closes_at: Option<OffsetDateTime>,
}

fn refused(kind: Kind, code: &'static str, key: &'static str) -> Refused {
    Refused::said(kind, code, key, &[])
}

fn parse(text: Option<&str>) -> Result<Option<OffsetDateTime>, Refused> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => OffsetDateTime::parse(t, &Rfc3339)
            .map(Some)
            .map_err(|_| refused(Kind::Invalid, "invalid_field", "api-period_time")),
    }
}

impl PeriodRequest {
    /// Checks the period for an election in `status` at time `now`.
    pub fn check(&self, status: Status, now: OffsetDateTime) -> Result<Period, Refused> {
        let period = Period {
            opens_at: parse(self.opens_at.as_deref())?,
            closes_at: parse(self.closes_at.as_deref())?,
        };
        match status {
            Status::Draft | Status::Nominations | Status::Ceremony => {}
            Status::Open if period.opens_at.is_none() => {}
            Status::Open => {
                return Err(refused(Kind::Conflict, "wrong_status", "api-period_opened"));
            }
            Status::Closed | Status::Tallied => {
                return Err(refused(Kind::Conflict, "wrong_status", "api-period_over"));
            }
        }
        if let (Some(opens), Some(closes)) = (period.opens_at, period.closes_at)
            && opens >= closes
        {
            return Err(refused(Kind::Invalid, "invalid_field", "api-period_order"));
        }
        if period.closes_at.is_some_and(|c| c <= now) {
            return Err(refused(Kind::Invalid, "invalid_field", "api-period_past"));
        }
        Ok(period)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &Rfc3339).unwrap()
    }

    fn request(opens: Option<&str>, closes: Option<&str>) -> PeriodRequest {
        PeriodRequest {
            opens_at: opens.map(str::to_owned),
            closes_at: closes.map(str::to_owned),
        }
    }

    #[test]
    fn a_period_opens_before_it_closes_and_closes_in_the_future() {
        let now = at("2027-03-01T12:00:00Z");
        let ok = request(
            Some("2027-03-02T08:00:00+01:00"),
            Some("2027-03-09T20:00:00+01:00"),
        );
        assert_eq!(
            ok.check(Status::Nominations, now).unwrap(),
            Period {
                opens_at: Some(at("2027-03-02T07:00:00Z")),
                closes_at: Some(at("2027-03-09T19:00:00Z")),
            }
        );
        let code = |r: PeriodRequest, s: Status| r.check(s, now).map(|_| ()).unwrap_err().code;
        let order = request(Some("2027-03-09T08:00:00Z"), Some("2027-03-02T08:00:00Z"));
        assert_eq!(code(order, Status::Draft), "invalid_field");
        let past = request(None, Some("2027-03-01T11:59:59Z"));
        assert_eq!(code(past, Status::Draft), "invalid_field");
        let garbage = request(Some("next tuesday"), None);
        assert_eq!(code(garbage, Status::Draft), "invalid_field");
        // Open: only the closing time moves.
        assert!(
            request(None, Some("2027-03-01T13:00:00Z"))
                .check(Status::Open, now)
                .is_ok()
        );
        let reopen = request(Some("2027-03-01T13:00:00Z"), None);
        assert_eq!(code(reopen, Status::Open), "wrong_status");
        assert_eq!(code(request(None, None), Status::Closed), "wrong_status");
        // Opening in the past means "as soon as the ceremony is complete".
        assert!(
            request(Some("2027-01-01T00:00:00Z"), None)
                .check(Status::Ceremony, now)
                .is_ok()
        );
    }
}
