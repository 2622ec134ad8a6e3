//! The election manifest (spec: record.md §2).
//!
//! What is being decided: the organisation, the election, and one contest
//! per district (a co-operative elects delegates per district, a union
//! representatives per workplace), each with its candidates, seats and
//! selection limits. The manifest is published in the record as
//! `manifest.json`; its hash is the SHA-256 of that file's bytes, so there is
//! no canonicalisation to get wrong: the bytes are the manifest.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::contest::ContestShape;
use crate::errors::{Error, Result};
use crate::proofs::MAX_RANGE_WIDTH;

/// Limits that keep a manifest from untrusted input small (record.md §2.3).
pub mod limits {
    /// Most contests in one election.
    pub const MAX_CONTESTS: usize = 10_000;
    /// Most candidates in one contest.
    pub const MAX_CANDIDATES: usize = 200;
    /// Longest text field, in bytes.
    pub const MAX_TEXT: usize = 1_000;
}

/// For an optional field: absent is `None`, but `null` is refused (record.md
/// §1: exactly the fields given), as the verifier reads it. Without this,
/// serde reads `null` as absent, and a manifest the engine accepts (and
/// whose bytes become the record's `manifest.json`) would be one the
/// verifier refuses (found by the `verifier_record` fuzz target).
pub(crate) fn present<'de, D, T>(d: D) -> core::result::Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// A candidate in a contest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// Stable identifier, unique within the contest.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// One contest: a district's (or workplace's) election of `seats` people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contest {
    /// Stable identifier, unique within the election.
    pub id: String,
    /// Display title.
    pub title: String,
    /// The district whose voters vote in this contest.
    pub district: String,
    /// Seats to fill.
    pub seats: u32,
    /// Fewest selections a ballot may make (default 0).
    pub min_selections: u64,
    /// Most selections a ballot may make (default: the number of seats).
    pub max_selections: u64,
    /// The candidates, in ballot order.
    pub candidates: Vec<Candidate>,
    /// `ranked` for a ranked contest (record.md §9.1); absent for approval.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    /// A ranked contest's counting method: `stv` or `schulze`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub method: Option<String>,
}

impl Contest {
    /// Whether voters rank the candidates (record.md §9).
    pub fn is_ranked(&self) -> bool {
        self.kind.as_deref() == Some("ranked")
    }

    /// Preferences a voter may give in a ranked contest; 0 for approval.
    pub fn preferences(&self) -> u32 {
        if self.is_ranked() {
            u32::try_from(self.max_selections).unwrap_or(u32::MAX)
        } else {
            0
        }
    }

    /// The contest's shape for ballots; for a ranked contest the shape of
    /// each preference's entry, `(candidates, 0, 1)` (record.md §9.2).
    pub fn shape(&self) -> ContestShape {
        if self.is_ranked() {
            return ContestShape {
                candidates: self.candidates.len(),
                min: 0,
                max: 1,
            };
        }
        ContestShape {
            candidates: self.candidates.len(),
            min: self.min_selections,
            max: self.max_selections,
        }
    }
}

/// The election manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Format version, 1.
    pub version: u32,
    /// The organisation holding the election.
    pub organisation: String,
    /// Identifier of the election, unique within the organisation.
    pub election_id: String,
    /// Display title.
    pub title: String,
    /// Whether voters carry weights (record.md §4): if not, every weight is 1.
    pub weighted: bool,
    /// The contests.
    pub contests: Vec<Contest>,
}

fn text_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= limits::MAX_TEXT
}

impl Manifest {
    /// Checks every rule of record.md §2.2: non-empty, bounded texts;
    /// unique ids; `min ≤ max ≤ candidates`; at least one seat, and no more
    /// seats than candidates; a selection range no wider than the proofs
    /// allow.
    pub fn validate(&self) -> Result<()> {
        let bad = Error::InvalidStatement;
        if self.version != 1 {
            return Err(bad("manifest version must be 1"));
        }
        if !text_ok(&self.organisation) || !text_ok(&self.election_id) || !text_ok(&self.title) {
            return Err(bad("manifest texts must be 1 to 1000 bytes"));
        }
        if self.contests.is_empty() || self.contests.len() > limits::MAX_CONTESTS {
            return Err(bad("a manifest has 1 to 10000 contests"));
        }
        let mut ids = std::collections::BTreeSet::new();
        for c in &self.contests {
            if !ids.insert(c.id.as_str()) {
                return Err(bad("contest ids must be unique"));
            }
            if !text_ok(&c.id) || !text_ok(&c.title) || !text_ok(&c.district) {
                return Err(bad("contest texts must be 1 to 1000 bytes"));
            }
            let n = c.candidates.len();
            if n == 0 || n > limits::MAX_CANDIDATES {
                return Err(bad("a contest has 1 to 200 candidates"));
            }
            if c.seats == 0 || c.seats as usize > n {
                return Err(bad(
                    "a contest has at least one seat and no more seats than candidates",
                ));
            }
            if c.min_selections > c.max_selections
                || c.max_selections > n as u64
                || c.max_selections - c.min_selections >= MAX_RANGE_WIDTH
            {
                return Err(bad("selection limits must satisfy min ≤ max ≤ candidates"));
            }
            match (c.kind.as_deref(), c.method.as_deref()) {
                (None, None) => {}
                (Some("ranked"), Some("stv" | "schulze")) => {
                    if c.max_selections == 0 || self.weighted {
                        return Err(bad(
                            "a ranked contest allows at least one preference and no weights",
                        ));
                    }
                }
                _ => return Err(bad("kind is ranked with method stv or schulze, or neither")),
            }
            let mut cids = std::collections::BTreeSet::new();
            for cand in &c.candidates {
                if !text_ok(&cand.id) || !text_ok(&cand.name) || !cids.insert(cand.id.as_str()) {
                    return Err(bad(
                        "candidate ids must be unique and texts 1 to 1000 bytes",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Parses and validates `manifest.json` bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let m: Manifest = serde_json::from_slice(bytes)
            .map_err(|_| Error::InvalidStatement("manifest.json is not a valid manifest"))?;
        m.validate()?;
        Ok(m)
    }

    /// The canonical bytes written to the record: pretty JSON, fields in
    /// declaration order, a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Per contest, the preferences of a ranked contest or 0 (approval).
    pub fn preferences(&self) -> Vec<u32> {
        self.contests.iter().map(Contest::preferences).collect()
    }

    /// Index of the contests a district votes in.
    pub fn contests_of(&self, district: &str) -> Vec<usize> {
        self.contests
            .iter()
            .enumerate()
            .filter(|(_, c)| c.district == district)
            .map(|(i, _)| i)
            .collect()
    }
}

/// SHA-256 of a manifest file's bytes (record.md §2.1).
pub fn manifest_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (fuzz target `verifier_record`): `"kind": null` and
    /// `"method": null` were read as absent, so the engine accepted a
    /// manifest the verifier refuses. Refused now, with a typed error.
    #[test]
    fn an_optional_field_may_be_absent_but_not_null() {
        let manifest = |extra: &str| {
            format!(
                r#"{{"version":1,"organisation":"O","election_id":"e","title":"T","weighted":false,"contests":[{{"id":"c","title":"C","district":"d","seats":1,"min_selections":0,"max_selections":1,"candidates":[{{"id":"x","name":"X"}}]{extra}}}]}}"#
            )
        };
        assert!(Manifest::from_json(manifest("").as_bytes()).is_ok());
        assert!(
            Manifest::from_json(manifest(r#","kind":"ranked","method":"stv""#).as_bytes()).is_ok()
        );
        for extra in [
            r#","kind":null"#,
            r#","method":null"#,
            r#","kind":null,"method":null"#,
        ] {
            assert!(
                matches!(
                    Manifest::from_json(manifest(extra).as_bytes()),
                    Err(Error::InvalidStatement(_))
                ),
                "{extra}"
            );
        }
    }
}
