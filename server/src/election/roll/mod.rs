//! Importing the voter roll from the member register's CSV export.
//!
//! A pure module: bytes in (all at once with [`parse`], or row by row from
//! any reader as they arrive with [`Rows`]), members or errors out; no
//! database. The committee previews an import (what [`diff`] would say
//! against the current roll), then applies it by naming the file's [`digest`], so what is
//! applied is exactly what was previewed.
//!
//! # The file
//!
//! - UTF-8 text; a leading byte-order mark is allowed and skipped. The file
//!   is read as it arrives, so text that is not UTF-8 is one error at the
//!   first line where it is found (at line 1 if that is the header), and
//!   nothing after it is read. So is a row (with the blank lines before it)
//!   of more than [`MAX_ROW_BYTES`].
//! - The first non-blank line is the header. Without a [`ColumnMap`] it
//!   names exactly the columns `member_number`, `name`, `contact` and
//!   `district`: in any order, case-insensitive, surrounding whitespace
//!   ignored; no column missing, none twice, no other column. With one, it
//!   has the register's own columns ([`columns`]). A missing or wrong
//!   header is one error at line 1.
//! - Fields are separated by `,`; or by `;` when the header line (ending
//!   with `\n`, `\r\n` or `\r`, and judged on its first 64 KiB) contains
//!   `;` and no `,` (spreadsheets set to a Swedish locale export that way).
//!   Fields may be quoted with `"` (a quote inside is doubled), as in RFC 4180.
//! - Lines end with `\n`, `\r\n` or `\r`. Blank lines are skipped, and so
//!   are rows whose every field is empty (spreadsheets export trailing `,,,`
//!   rows); they still count in line numbers.
//! - Every other row is one member, with as many fields as the header.
//!
//! # A member's fields
//!
//! Every field is trimmed of surrounding whitespace, then:
//!
//! - `member_number`: 1 to 32 characters, each an ASCII letter, an ASCII
//!   digit or `-`, kept normalised ([`normalise_member_number`]: letters in
//!   upper case, leading zeros dropped); unique in the file after
//!   normalising (`a1`, `A1` and `0A1` are one member; a repeat is an error
//!   naming the line of the first occurrence).
//! - `name`: 1 to 200 characters, none of them a control character.
//! - `contact`: either an e-mail address (at most 254 characters, exactly one
//!   `@`, a non-empty part before it, a domain after it of at least two
//!   non-empty dot-separated labels, no whitespace or control characters),
//!   kept as written; or a phone number (an optional leading `+`, then 7 to
//!   15 digits, with spaces and `-` allowed between them), kept normalised to
//!   the `+` and the digits only: `+46 70-123 45 67` becomes `+46701234567`.
//!   A contact containing `@` is judged as an e-mail address, any other as a
//!   phone number.
//! - `district`: exactly one of the election's districts (the error lists
//!   them, when there are at most 12).
//!
//! # The outcome
//!
//! All or nothing: either every row is good and [`parse`] returns the members
//! in file order, or it returns one [`RowError`] for every bad row (all the
//! problems of a row in its one message), never a partial roll. A file with
//! a header but no member is an error at line 1 ("no members"). A file of
//! more than [`MAX_MEMBERS`] members is refused at the first row past the
//! limit.
//!
//! Error messages never repeat a name, a contact or a district, since the
//! errors are shown and may be logged: they name the line, the field and what
//! is wrong with it. A valid member number may be repeated (it is how the
//! committee finds the member in the register).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::i18n::{Lang, Words};

/// The most members a roll may have.
pub const MAX_MEMBERS: u64 = 5_000_000;

/// The longest member number, in characters.
const MAX_MEMBER_NUMBER_CHARS: usize = 32;
/// The longest name, in characters.
const MAX_NAME_CHARS: usize = 200;
/// The longest e-mail address, in characters.
const MAX_EMAIL_CHARS: usize = 254;
/// The fewest digits in a phone number.
const MIN_PHONE_DIGITS: usize = 7;
/// The most digits in a phone number.
const MAX_PHONE_DIGITS: usize = 15;

/// The header's columns, in the usual order.
const COLUMNS: [&str; 4] = ["member_number", "name", "contact", "district"];

/// The messages of a reading, in one language: errors are worded as they
/// are found, in the language of the person who sent the file.
#[derive(Debug, Clone, Copy)]
pub struct Say(pub Lang);

impl Say {
    /// Message `key` with `args`.
    fn text(self, key: &'static str, args: &[(&'static str, String)]) -> String {
        Words::new(key, args).text(self.0)
    }

    /// Message `key`.
    fn plain(self, key: &'static str) -> String {
        self.text(key, &[])
    }
}

/// One member of the roll: what the election needs and nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollMember {
    /// The member's number in the register: 1–32 ASCII letters, digits or `-`.
    pub member_number: String,
    /// The member's name, as the register has it (trimmed).
    pub name: String,
    /// An e-mail address as written, or a phone number as `+` and digits.
    pub contact: String,
    /// One of the election's districts.
    pub district: String,
}

/// A bad row: its 1-based line number in the file (the header is line 1) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The line the row starts on, counting from 1 (the header's line).
    pub line: u64,
    /// What is wrong, without repeating the member's personal data.
    pub message: String,
}

impl RowError {
    /// An error at `line`.
    fn new(line: u64, message: impl Into<String>) -> Self {
        RowError {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What applying `new` to `old` would change, keyed by member number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RollDiff {
    /// Member numbers in `new` and not in `old`, sorted.
    pub added: Vec<String>,
    /// Member numbers in `old` and not in `new`, sorted.
    pub removed: Vec<String>,
    /// Member numbers in both whose name, contact or district differ, sorted.
    pub changed: Vec<String>,
    /// How many members are in both, identical.
    pub unchanged: u64,
}

/// Parses a whole CSV file. Either every row is good (Ok, members in file order) or the
/// list of EVERY bad row (Err), never a partial result.
///
/// The rules are in the [module documentation](self). The upload reads the
/// same rows with [`Rows`] as they arrive and finds repeats in the database.
pub fn parse(bytes: &[u8], districts: &[String]) -> Result<Vec<RollMember>, Vec<RowError>> {
    parse_limited(bytes, districts, MAX_MEMBERS, None, Say(Lang::En))
}

/// [`parse`] with the register's own columns, its errors in `lang`.
pub fn parse_mapped(
    bytes: &[u8],
    districts: &[String],
    map: Option<&ColumnMap>,
    lang: Lang,
) -> Result<Vec<RollMember>, Vec<RowError>> {
    parse_limited(bytes, districts, MAX_MEMBERS, map, Say(lang))
}

/// [`parse`], with at most `max_members` members.
fn parse_limited(
    bytes: &[u8],
    districts: &[String],
    max_members: u64,
    map: Option<&ColumnMap>,
    say: Say,
) -> Result<Vec<RollMember>, Vec<RowError>> {
    let rows = Rows::mapped(bytes, districts, max_members, map, say.0).map_err(|e| vec![e])?;
    let mut members = Vec::new();
    let mut errors = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    // A repeat of a number seen before, worded; the first sighting is kept.
    let mut repeat = |number: &str, line: u64| match first_line.entry(number.to_owned()) {
        Entry::Occupied(first) => Some(repeated(number, *first.get(), say.0)),
        Entry::Vacant(slot) => {
            slot.insert(line);
            None
        }
    };
    for row in rows {
        match row {
            Row::Member { line, member } => {
                if let Some(problem) = repeat(&member.member_number, line) {
                    members = Vec::new();
                    errors.push(RowError::new(line, problem));
                } else if errors.is_empty() {
                    // Once the roll is refused, its members are not kept.
                    members.push(member);
                }
            }
            Row::Bad {
                line,
                member_number,
                mut problems,
            } => {
                if let Some(problem) = member_number.and_then(|n| repeat(&n, line)) {
                    problems.push(problem);
                }
                members = Vec::new();
                errors.push(RowError::new(line, problems.join("; ")));
            }
        }
    }
    if !errors.is_empty() {
        Err(errors)
    } else if members.is_empty() {
        Err(vec![no_members(say.0)])
    } else {
        Ok(members)
    }
}

/// The error of a file with a header and no member.
pub fn no_members(lang: Lang) -> RowError {
    RowError::new(1, Say(lang).plain("roll-no_rows"))
}

/// What is wrong with a row whose member number `number` first appeared on
/// line `first`.
pub fn repeated(number: &str, first: u64, lang: Lang) -> String {
    Say(lang).text(
        "roll-repeated",
        &[("number", number.to_owned()), ("first", first.to_string())],
    )
}

/// The columns' places, from the header row: the register's own if `map`
/// says which they are, else exactly [`COLUMNS`].
fn columns_of(
    header: &csv::StringRecord,
    map: Option<&ColumnMap>,
    say: Say,
) -> Result<Places, String> {
    if let Some(map) = map {
        return map.places(header, &say);
    }
    if header.len() != COLUMNS.len() {
        return Err(say.text(
            "roll-header_columns",
            &[("count", header.len().to_string())],
        ));
    }
    let mut places: [Option<usize>; 4] = [None; 4];
    for (index, title) in header.iter().enumerate() {
        let title = title.trim().to_ascii_lowercase();
        let Some(column) = COLUMNS.iter().position(|c| *c == title) else {
            return Err(say.text(
                "roll-header_unknown",
                &[("column", (index + 1).to_string())],
            ));
        };
        match places.get_mut(column) {
            Some(Some(_)) => return Err(say.text("roll-header_twice", &[("title", title)])),
            Some(place) => *place = Some(index),
            None => return Err(say.text("roll-header_columns", &[("count", "?".to_owned())])),
        }
    }
    match places {
        [
            Some(member_number),
            Some(name),
            Some(contact),
            Some(district),
        ] => Ok(Places {
            member_number,
            name: vec![name],
            contact: vec![contact],
            district,
            width: COLUMNS.len(),
        }),
        // Four distinct known titles in four columns fill every place.
        _ => Err(say.text(
            "roll-header_columns",
            &[("count", header.len().to_string())],
        )),
    }
}

/// A valid member number, or what is wrong with it.
fn member_number(field: &str, say: Say) -> Result<String, String> {
    if field.is_empty() {
        return Err(say.plain("roll-number_missing"));
    }
    if !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(say.plain("roll-number_chars"));
    }
    // All ASCII now, so bytes are characters.
    if field.len() > MAX_MEMBER_NUMBER_CHARS {
        return Err(say.text(
            "roll-number_long",
            &[("max", MAX_MEMBER_NUMBER_CHARS.to_string())],
        ));
    }
    Ok(normalise_member_number(field))
}

/// A member number as the roll keeps it and sign-in looks it up: trimmed,
/// letters in upper case, and leading zeros dropped (`a01` is `A01`,
/// `007` is `7`, a number of zeros only is `0`), so that one member cannot
/// be two rows of the register's spellings.
pub fn normalise_member_number(field: &str) -> String {
    let upper = field.trim().to_ascii_uppercase();
    let kept = upper.trim_start_matches('0');
    if kept.is_empty() && !upper.is_empty() {
        "0".to_owned()
    } else {
        kept.to_owned()
    }
}

/// A valid name, or what is wrong with it.
fn name(field: &str, say: Say) -> Result<String, String> {
    if field.is_empty() {
        return Err(say.plain("roll-name_missing"));
    }
    if field.chars().count() > MAX_NAME_CHARS {
        return Err(say.text("roll-name_long", &[("max", MAX_NAME_CHARS.to_string())]));
    }
    if field.chars().any(char::is_control) {
        return Err(say.plain("roll-name_control"));
    }
    if field.chars().any(crate::election::text::invisible) {
        return Err(say.plain("roll-name_invisible"));
    }
    Ok(field.to_owned())
}

/// An e-mail address as written or a normalised phone number, or what is
/// wrong.
fn contact(field: &str, say: Say) -> Result<String, String> {
    if field.is_empty() {
        return Err(say.plain("roll-contact_missing"));
    }
    if field.contains('@') {
        if field.chars().count() > MAX_EMAIL_CHARS {
            return Err(say.text("roll-contact_long", &[("max", MAX_EMAIL_CHARS.to_string())]));
        }
        if is_email(field) {
            return Ok(field.to_owned());
        }
        return Err(say.plain("roll-contact_bad"));
    }
    phone(field).ok_or_else(|| say.plain("roll-contact_bad"))
}

/// Whether `s` has the shape of an e-mail address: one `@`, a non-empty
/// local part, a domain of at least two non-empty labels, no whitespace or
/// control characters.
fn is_email(s: &str) -> bool {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

/// A phone number normalised to an optional `+` and its digits, if `s` is
/// one: an optional leading `+`, then 7 to 15 digits, spaces and `-`.
fn phone(s: &str) -> Option<String> {
    let (plus, rest) = match s.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut normalised = String::with_capacity(s.len());
    if plus {
        normalised.push('+');
    }
    let mut digits = 0usize;
    for c in rest.chars() {
        match c {
            '0'..='9' => {
                normalised.push(c);
                digits += 1;
            }
            ' ' | '-' => {}
            _ => return None,
        }
    }
    (MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS)
        .contains(&digits)
        .then_some(normalised)
}

/// Most districts a row's error names.
const LISTED_DISTRICTS: usize = 12;

/// The district if it is one of the election's, or what is wrong.
fn district(field: &str, districts: &HashSet<String>, say: Say) -> Result<String, String> {
    if field.is_empty() {
        return Err(say.plain("roll-district_missing"));
    }
    if !districts.contains(field) {
        // The valid ones, where they are few enough to read in a line.
        if districts.len() <= LISTED_DISTRICTS {
            let mut valid: Vec<&str> = districts.iter().map(String::as_str).collect();
            valid.sort_unstable();
            return Err(say.text(
                "roll-district_unknown_listed",
                &[("districts", valid.join(", "))],
            ));
        }
        return Err(say.plain("roll-district_unknown"));
    }
    Ok(field.to_owned())
}

/// What applying `new` to `old` would change, keyed by member number; the
/// lists are sorted by member number.
///
/// Should a list name a member number twice (a roll from [`parse`] never
/// does), its last entry counts.
pub fn diff(old: &[RollMember], new: &[RollMember]) -> RollDiff {
    fn by_number(roll: &[RollMember]) -> BTreeMap<&str, &RollMember> {
        roll.iter().map(|m| (m.member_number.as_str(), m)).collect()
    }
    let old = by_number(old);
    let new = by_number(new);
    let mut diff = RollDiff::default();
    for (number, member) in &new {
        match old.get(number) {
            None => diff.added.push((*number).to_owned()),
            Some(before) if before != member => diff.changed.push((*number).to_owned()),
            Some(_) => diff.unchanged += 1,
        }
    }
    diff.removed = old
        .keys()
        .filter(|number| !new.contains_key(*number))
        .map(|number| (*number).to_owned())
        .collect();
    diff
}

/// SHA-256 hex of the bytes: the committee previews an import, then applies it by naming this digest.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub mod columns;
mod rows;
pub use columns::ColumnMap;
use columns::Places;
pub use rows::{MAX_ROW_BYTES, Row, Rows};

#[cfg(test)]
mod tests;
