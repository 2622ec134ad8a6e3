//! Which of a register's own columns hold the roll's four fields: the
//! column mapping. A register exports its own headers
//! (`Medlemsnummer;Förnamn;Efternamn;E-post;Mobil;Krets;…`); the committee
//! says once which is which, and the organisation keeps the mapping for its
//! next import.
//!
//! - `member_number` and `district` are one column each.
//! - `name` is one to three columns, joined with a space in the order
//!   given, empty ones left out (`Förnamn`, `Efternamn`).
//! - `contact` is one to three columns, the first that is not empty counts
//!   (`E-post`, else `Mobil`).
//! - Titles are matched trimmed and case-insensitively; each chosen title
//!   must be in the header exactly once, and no title is chosen twice.
//!   Columns not chosen are ignored, so a whole register export can be sent.
//!
//! Without a mapping the header must be exactly `member_number`, `name`,
//! `contact` and `district` (see the [module documentation](super)).

use serde::{Deserialize, Serialize};

use super::Say;
use crate::election::{Kind, Refused};

/// The longest column title, in characters.
const MAX_TITLE_CHARS: usize = 100;

/// The most columns a name or a contact may take.
const MAX_PARTS: usize = 3;

/// The register's columns for each of the roll's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMap {
    /// The member number's column.
    pub member_number: String,
    /// The name's columns, joined with a space.
    pub name: Vec<String>,
    /// The contact's columns, the first non-empty one counting.
    pub contact: Vec<String>,
    /// The district's column.
    pub district: String,
}

/// How a title is compared.
fn folded(title: &str) -> String {
    title.trim().to_lowercase()
}

impl ColumnMap {
    /// A mapping from its JSON form, checked.
    pub fn from_json(text: &str) -> Result<ColumnMap, Refused> {
        let map: ColumnMap = serde_json::from_str(text).map_err(|_| {
            Refused::said(Kind::Invalid, "invalid_columns", "roll-columns_json", &[])
        })?;
        map.check()?;
        Ok(map.trimmed())
    }

    /// Every rule of the [module documentation](self) that needs no file.
    pub fn check(&self) -> Result<(), Refused> {
        let refuse = |key| Refused::said(Kind::Invalid, "invalid_columns", key, &[]);
        let counts = [self.name.len(), self.contact.len()];
        if counts.iter().any(|n| !(1..=MAX_PARTS).contains(n)) {
            return Err(refuse("roll-columns_count"));
        }
        let mut seen = Vec::new();
        for title in self.titles() {
            let t = title.trim();
            if t.is_empty()
                || t.chars().count() > MAX_TITLE_CHARS
                || t.chars().any(char::is_control)
            {
                return Err(refuse("roll-columns_title"));
            }
            let f = folded(t);
            if seen.contains(&f) {
                return Err(refuse("roll-columns_reused"));
            }
            seen.push(f);
        }
        Ok(())
    }

    /// Every title chosen, fields in order.
    fn titles(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.member_number)
            .chain(&self.name)
            .chain(&self.contact)
            .chain(std::iter::once(&self.district))
    }

    /// The mapping with its titles trimmed.
    fn trimmed(self) -> ColumnMap {
        let trim = |s: String| s.trim().to_owned();
        ColumnMap {
            member_number: trim(self.member_number),
            name: self.name.into_iter().map(trim).collect(),
            contact: self.contact.into_iter().map(trim).collect(),
            district: trim(self.district),
        }
    }

    /// Its canonical JSON, as the import's digest covers it.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The places of the chosen columns in `header`, or what is wrong.
    pub(super) fn places(&self, header: &csv::StringRecord, say: &Say) -> Result<Places, String> {
        let titles: Vec<String> = header.iter().map(folded).collect();
        let place = |title: &String| -> Result<usize, String> {
            let f = folded(title);
            let mut at = titles.iter().enumerate().filter(|(_, t)| **t == f);
            match (at.next(), at.next()) {
                (Some((index, _)), None) => Ok(index),
                (None, _) => Err(say.text("roll-mapped_missing", &[("title", title.clone())])),
                (Some(_), Some(_)) => {
                    Err(say.text("roll-mapped_twice", &[("title", title.clone())]))
                }
            }
        };
        Ok(Places {
            member_number: place(&self.member_number)?,
            name: self.name.iter().map(place).collect::<Result<_, _>>()?,
            contact: self.contact.iter().map(place).collect::<Result<_, _>>()?,
            district: place(&self.district)?,
            width: header.len(),
        })
    }
}

/// Where each field is in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Places {
    /// The member number's column.
    pub member_number: usize,
    /// The name's columns.
    pub name: Vec<usize>,
    /// The contact's columns.
    pub contact: Vec<usize>,
    /// The district's column.
    pub district: usize,
    /// How many fields every row has: the header's.
    pub width: usize,
}
