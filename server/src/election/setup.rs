//! A new election's and a new organisation's fields.

use serde::{Deserialize, Serialize};

use super::{Kind, Refused, text_ok};

/// Most trustees of one election.
pub const MAX_TRUSTEES: u32 = 64;

/// A district and its seats.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictSeats {
    /// The district's name, as the roll writes it.
    pub district: String,
    /// Seats to fill.
    pub seats: u32,
}

/// A new election (`POST /api/organisations/{org}/elections`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewElection {
    /// The election's identifier within the organisation.
    pub election_id: String,
    /// Its title.
    pub title: String,
    /// Trustees `n`.
    pub trustees: u32,
    /// Trustees needed to decrypt, `t`.
    pub threshold: u32,
    /// The districts, one contest each.
    pub districts: Vec<DistrictSeats>,
}

impl NewElection {
    /// Checks every field.
    pub fn check(&self) -> Result<(), Refused> {
        let id_ok = !self.election_id.is_empty()
            && self.election_id.len() <= 64
            && self
                .election_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !text_ok(&self.title, 200) {
            return Err(Refused::said(
                Kind::Invalid,
                "invalid_field",
                "api-bad_title",
                &[],
            ));
        }
        if !id_ok {
            return Err(Refused::said(
                Kind::Invalid,
                "invalid_field",
                "api-bad_election_id",
                &[],
            ));
        }
        if self.threshold == 0 || self.threshold > self.trustees || self.trustees > MAX_TRUSTEES {
            return Err(Refused::said(
                Kind::Invalid,
                "invalid_field",
                "api-bad_trustees",
                &[("max", MAX_TRUSTEES.to_string())],
            ));
        }
        let mut names = std::collections::HashSet::new();
        let districts_ok = !self.districts.is_empty()
            && self.districts.len() <= valurna_engine::manifest::limits::MAX_CONTESTS
            && self.districts.iter().all(|d| {
                text_ok(&d.district, 100)
                    && d.district.trim() == d.district
                    && (1..=200).contains(&d.seats)
                    && names.insert(d.district.as_str())
            });
        if !districts_ok {
            return Err(Refused::said(
                Kind::Invalid,
                "invalid_field",
                "api-bad_districts",
                &[],
            ));
        }
        Ok(())
    }
}

/// A new organisation (`POST /api/organisations`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    /// Lower-case letters, digits and `-`, 1 to 64.
    pub slug: String,
    /// Display name.
    pub name: String,
}

impl NewOrganisation {
    /// Checks both fields.
    pub fn check(&self) -> Result<(), Refused> {
        let slug_ok = !self.slug.is_empty()
            && self.slug.len() <= 64
            && self
                .slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !slug_ok || !text_ok(&self.name, 200) {
            return Err(Refused::invalid(
                "invalid_field",
                "slug: 1-64 of a-z, 0-9, '-'; name: 1-200 characters",
            ));
        }
        Ok(())
    }
}

/// Checks a trustee number of an election with `trustees` trustees.
pub fn check_trustee_index(index: u32, trustees: u32) -> Result<(), Refused> {
    if index == 0 || index > trustees {
        return Err(Refused::invalid(
            "invalid_field",
            format!("index: 1 to {trustees}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn election(trustees: u32, threshold: u32, districts: &[(&str, u32)]) -> NewElection {
        NewElection {
            election_id: "delegates-2027".into(),
            title: "Delegates 2027".into(),
            trustees,
            threshold,
            districts: districts
                .iter()
                .map(|(d, s)| DistrictSeats {
                    district: (*d).into(),
                    seats: *s,
                })
                .collect(),
        }
    }

    #[test]
    fn an_election_needs_sane_trustees_and_distinct_districts() {
        assert!(
            election(3, 2, &[("North", 3), ("South", 2)])
                .check()
                .is_ok()
        );
        assert!(election(2, 3, &[("North", 3)]).check().is_err());
        assert!(election(65, 2, &[("North", 3)]).check().is_err());
        assert!(
            election(3, 2, &[("North", 3), ("North", 2)])
                .check()
                .is_err()
        );
        assert!(election(3, 2, &[("North ", 3)]).check().is_err());
        assert!(election(3, 2, &[("North", 0)]).check().is_err());
        assert!(election(3, 2, &[]).check().is_err());
        assert!(check_trustee_index(3, 3).is_ok());
        assert!(check_trustee_index(0, 3).is_err());
        assert!(check_trustee_index(4, 3).is_err());
    }
}
