//! Importing the voter roll from the member register's CSV export.
//!
//! A pure module: bytes in, members or errors out; no database, no I/O.
//! The committee previews an import ([`parse`] and [`diff`] against the
//! current roll), then applies it by naming the file's [`digest`], so what is
//! applied is exactly what was previewed.
//!
//! # The file
//!
//! - UTF-8 text; a leading byte-order mark is allowed and skipped. A file
//!   that is not UTF-8 is refused whole, with one error at line 1.
//! - The first non-blank line is the header. It names exactly the columns
//!   `member_number`, `name`, `contact` and `district`: in any order,
//!   case-insensitive, surrounding whitespace ignored; no column missing,
//!   none twice, no other column. A missing or wrong header is one error at
//!   line 1.
//! - Fields are separated by `,`; or by `;` when the header line contains
//!   `;` and no `,` (spreadsheets set to a Swedish locale export that way).
//!   Fields may be quoted with `"` (a quote inside is doubled), as in RFC 4180.
//! - Lines end with `\n`, `\r\n` or `\r`. Blank lines are skipped, and so
//!   are rows whose every field is empty (spreadsheets export trailing `,,,`
//!   rows); they still count in line numbers.
//! - Every other row is one member, with exactly four fields.
//!
//! # A member's fields
//!
//! Every field is trimmed of surrounding whitespace, then:
//!
//! - `member_number`: 1 to 32 characters, each an ASCII letter, an ASCII
//!   digit or `-`; unique in the file (exact comparison; a repeat is an error
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
//! - `district`: exactly one of the election's districts.
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

use serde::Serialize;
use sha2::{Digest, Sha256};

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

/// What the contact check says about a contact that is neither.
const NOT_A_CONTACT: &str = "contact is neither an e-mail address nor a phone number";

/// One member of the roll: what the election needs and nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// Where each column is in a row.
#[derive(Debug, Clone, Copy)]
struct Columns {
    /// The index of `member_number`.
    member_number: usize,
    /// The index of `name`.
    name: usize,
    /// The index of `contact`.
    contact: usize,
    /// The index of `district`.
    district: usize,
}

/// Parses a whole CSV file. Either every row is good (Ok, members in file order) or the
/// list of EVERY bad row (Err), never a partial result.
///
/// The rules are in the [module documentation](self).
pub fn parse(bytes: &[u8], districts: &[String]) -> Result<Vec<RollMember>, Vec<RowError>> {
    parse_limited(bytes, districts, MAX_MEMBERS)
}

/// [`parse`], with at most `max_members` members.
fn parse_limited(
    bytes: &[u8],
    districts: &[String],
    max_members: u64,
) -> Result<Vec<RollMember>, Vec<RowError>> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(vec![RowError::new(
            1,
            "the file is not UTF-8 text (export it as CSV UTF-8)",
        )]);
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter_of(text))
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();

    let columns = loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Err(vec![RowError::new(1, "no members: the file is empty")]),
            Ok(true) if is_blank(&record) => {}
            Ok(true) => break columns_of(&record).map_err(|m| vec![RowError::new(1, m)])?,
            Err(_) => {
                return Err(vec![RowError::new(
                    1,
                    "the header line cannot be read as CSV",
                )]);
            }
        }
    };

    let districts: HashSet<&str> = districts.iter().map(String::as_str).collect();
    let mut members = Vec::new();
    let mut errors = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut rows: u64 = 0;
    let mut lines = LineCounter::new(text.as_bytes());
    loop {
        let byte_before = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(err) => {
                // Cannot happen on valid UTF-8 read from memory with flexible
                // rows, but a reader that failed once is not read further.
                let line = lines.line_at(err.position().map_or(byte_before, csv::Position::byte));
                errors.push(RowError::new(line, "the row cannot be read as CSV"));
                break;
            }
        }
        if is_blank(&record) {
            continue;
        }
        let line = lines.line_at(record.position().map_or(byte_before, csv::Position::byte));
        rows += 1;
        if rows > max_members {
            errors.push(RowError::new(
                line,
                format!("the roll has more than {max_members} members"),
            ));
            break;
        }
        if record.len() != COLUMNS.len() {
            errors.push(RowError::new(
                line,
                format!("expected {} fields, found {}", COLUMNS.len(), record.len()),
            ));
            continue;
        }
        let field = |index: usize| record.get(index).unwrap_or("").trim();

        let mut problems: Vec<String> = Vec::new();
        let member_number = member_number(field(columns.member_number))
            .map_err(|p| problems.push(p))
            .ok();
        let name = name(field(columns.name)).map_err(|p| problems.push(p)).ok();
        let contact = contact(field(columns.contact))
            .map_err(|p| problems.push(p))
            .ok();
        let district = district(field(columns.district), &districts)
            .map_err(|p| problems.push(p))
            .ok();
        if let Some(number) = &member_number {
            match first_line.entry(number.clone()) {
                Entry::Occupied(first) => problems.push(format!(
                    "member number {number} already appears on line {}",
                    first.get()
                )),
                Entry::Vacant(slot) => {
                    slot.insert(line);
                }
            }
        }

        match (member_number, name, contact, district) {
            (Some(member_number), Some(name), Some(contact), Some(district))
                if problems.is_empty() =>
            {
                // Once the roll is refused, its members are not kept.
                if errors.is_empty() {
                    members.push(RollMember {
                        member_number,
                        name,
                        contact,
                        district,
                    });
                }
            }
            _ => {
                members = Vec::new();
                errors.push(RowError::new(line, problems.join("; ")));
            }
        }
    }

    if !errors.is_empty() {
        Err(errors)
    } else if members.is_empty() {
        Err(vec![RowError::new(
            1,
            "no members: the file has a header and no rows",
        )])
    } else {
        Ok(members)
    }
}

/// Line numbers of records, counted forward as the reader goes.
///
/// The reader's own line numbers do not count the blank lines it skips
/// before a record: it reports where the previous record ended. This counts
/// from the bytes instead.
#[derive(Debug)]
struct LineCounter<'a> {
    /// The whole text.
    bytes: &'a [u8],
    /// How far the lines are counted.
    offset: usize,
    /// The line at `offset`.
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// Counting from the start of `bytes`, line 1.
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the record the reader places at `byte`: past the line
    /// ends there, on the record's first character. Offsets must not go
    /// backwards (an earlier one gives the line counted so far).
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        for index in self.offset..start {
            // A line ends with "\n", "\r\n" or a lone "\r", as for the reader.
            let ends_line = match self.bytes.get(index) {
                Some(b'\n') => true,
                Some(b'\r') => self.bytes.get(index + 1) != Some(&b'\n'),
                _ => false,
            };
            if ends_line {
                self.line += 1;
            }
        }
        self.offset = self.offset.max(start);
        self.line
    }
}

/// `;` if the header line has `;` and no `,`; `,` otherwise.
fn delimiter_of(text: &str) -> u8 {
    let header = text.lines().find(|line| !line.trim().is_empty());
    match header {
        Some(line) if line.contains(';') && !line.contains(',') => b';',
        _ => b',',
    }
}

/// Whether every field of the row is empty or whitespace.
fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|field| field.trim().is_empty())
}

/// The columns' places, from the header row.
fn columns_of(header: &csv::StringRecord) -> Result<Columns, String> {
    let expected = "the header must name exactly the columns \
                    member_number, name, contact and district (in any order)";
    if header.len() != COLUMNS.len() {
        return Err(format!("{expected}; it has {} columns", header.len()));
    }
    let mut places: [Option<usize>; 4] = [None; 4];
    for (index, title) in header.iter().enumerate() {
        let title = title.trim().to_ascii_lowercase();
        let Some(column) = COLUMNS.iter().position(|c| *c == title) else {
            return Err(format!(
                "{expected}; column {} is not one of them",
                index + 1
            ));
        };
        match places.get_mut(column) {
            Some(Some(_)) => return Err(format!("{expected}; {title} appears twice")),
            Some(place) => *place = Some(index),
            None => return Err(expected.to_owned()),
        }
    }
    match places {
        [
            Some(member_number),
            Some(name),
            Some(contact),
            Some(district),
        ] => Ok(Columns {
            member_number,
            name,
            contact,
            district,
        }),
        // Four distinct known titles in four columns fill every place.
        _ => Err(expected.to_owned()),
    }
}

/// A valid member number, or what is wrong with it.
fn member_number(field: &str) -> Result<String, String> {
    if field.is_empty() {
        return Err("member number is missing".to_owned());
    }
    if !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("member number may contain only letters A-Z, digits and '-'".to_owned());
    }
    // All ASCII now, so bytes are characters.
    if field.len() > MAX_MEMBER_NUMBER_CHARS {
        return Err(format!(
            "member number is longer than {MAX_MEMBER_NUMBER_CHARS} characters"
        ));
    }
    Ok(field.to_owned())
}

/// A valid name, or what is wrong with it.
fn name(field: &str) -> Result<String, String> {
    if field.is_empty() {
        return Err("name is missing".to_owned());
    }
    if field.chars().count() > MAX_NAME_CHARS {
        return Err(format!("name is longer than {MAX_NAME_CHARS} characters"));
    }
    if field.chars().any(char::is_control) {
        return Err("name contains a control character".to_owned());
    }
    Ok(field.to_owned())
}

/// An e-mail address as written or a normalised phone number, or what is
/// wrong.
fn contact(field: &str) -> Result<String, String> {
    if field.is_empty() {
        return Err("contact is missing".to_owned());
    }
    if field.contains('@') {
        if field.chars().count() > MAX_EMAIL_CHARS {
            return Err(format!(
                "contact e-mail address is longer than {MAX_EMAIL_CHARS} characters"
            ));
        }
        if is_email(field) {
            return Ok(field.to_owned());
        }
        return Err(NOT_A_CONTACT.to_owned());
    }
    phone(field).ok_or_else(|| NOT_A_CONTACT.to_owned())
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

/// The district if it is one of the election's, or what is wrong.
fn district(field: &str, districts: &HashSet<&str>) -> Result<String, String> {
    if field.is_empty() {
        return Err("district is missing".to_owned());
    }
    if !districts.contains(field) {
        return Err("district is not one of the election's districts".to_owned());
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

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use super::*;
    use proptest::prelude::*;

    fn districts() -> Vec<String> {
        vec!["North".to_owned(), "South".to_owned()]
    }

    fn member(number: &str, name: &str, contact: &str, district: &str) -> RollMember {
        RollMember {
            member_number: number.to_owned(),
            name: name.to_owned(),
            contact: contact.to_owned(),
            district: district.to_owned(),
        }
    }

    fn parse_str(text: &str) -> Result<Vec<RollMember>, Vec<RowError>> {
        parse(text.as_bytes(), &districts())
    }

    /// The errors of a file that must be refused.
    fn errors(text: &str) -> Vec<RowError> {
        parse_str(text).expect_err("the file should be refused")
    }

    /// The one error of a file with one bad row.
    fn one_error(text: &str) -> RowError {
        let errors = errors(text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.into_iter().next().unwrap()
    }

    const HEADER: &str = "member_number,name,contact,district\n";

    fn with_header(rows: &str) -> String {
        format!("{HEADER}{rows}")
    }

    #[test]
    fn parses_a_good_file() {
        let text = with_header(
            "M-1,Anna Andersson,anna@example.se,North\n\
             2, Björn Berg ,+46 70-123 45 67,South\n\
             abc-3,\"Cecilia, Carlsson\",cc@mail.example.org,North\n",
        );
        let members = parse_str(&text).unwrap();
        assert_eq!(
            members,
            vec![
                member("M-1", "Anna Andersson", "anna@example.se", "North"),
                member("2", "Björn Berg", "+46701234567", "South"),
                member("abc-3", "Cecilia, Carlsson", "cc@mail.example.org", "North"),
            ]
        );
    }

    #[test]
    fn header_in_any_order_and_case_with_crlf() {
        let text = " District ;Contact;NAME; member_number \r\n\
                    North;0701234567;Anna;M-1\r\n";
        let members = parse_str(text).unwrap();
        assert_eq!(members, vec![member("M-1", "Anna", "0701234567", "North")]);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let text = format!("\u{feff}{HEADER}M-1,Anna,anna@example.se,North\n");
        let members = parse_str(&text).unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].member_number, "M-1");
    }

    #[test]
    fn semicolons_when_the_header_has_no_comma() {
        let text = "member_number;name;contact;district\n\
                    M-1;Andersson, Anna;anna@example.se;North\n";
        let members = parse_str(text).unwrap();
        assert_eq!(
            members,
            vec![member("M-1", "Andersson, Anna", "anna@example.se", "North")]
        );
        // A comma header keeps commas: the semicolon is then data.
        let text = with_header("M-1,Anna; Andersson,anna@example.se,North\n");
        assert_eq!(parse_str(&text).unwrap()[0].name, "Anna; Andersson");
    }

    #[test]
    fn phone_numbers_are_normalised() {
        for (written, stored) in [
            ("+46 70-123 45 67", "+46701234567"),
            ("070-123 45 67", "0701234567"),
            ("1234567", "1234567"),
            ("+123456789012345", "+123456789012345"),
        ] {
            let text = with_header(&format!("M-1,Anna,{written},North\n"));
            assert_eq!(parse_str(&text).unwrap()[0].contact, stored, "{written}");
        }
        for bad in [
            "123456",
            "+1234567890123456",
            "070/123 45 67",
            "++4670123456",
            "070 12 34 ab",
        ] {
            let text = with_header(&format!("M-1,Anna,{bad},North\n"));
            assert_eq!(one_error(&text).message, NOT_A_CONTACT, "{bad}");
        }
    }

    #[test]
    fn e_mail_addresses() {
        for good in ["a@b.se", "first.last+tag@sub.example.org"] {
            let text = with_header(&format!("M-1,Anna,{good},North\n"));
            assert_eq!(parse_str(&text).unwrap()[0].contact, good);
        }
        for bad in [
            "@b.se", "a@b", "a@@b.se", "a@b@c.se", "a b@c.se", "a@.se", "a@b.", "a@b..se",
        ] {
            let text = with_header(&format!("M-1,Anna,{bad},North\n"));
            assert_eq!(one_error(&text).message, NOT_A_CONTACT, "{bad}");
        }
        let long = format!("{}@example.se", "a".repeat(250));
        let text = with_header(&format!("M-1,Anna,{long},North\n"));
        assert!(one_error(&text).message.contains("254"));
    }

    #[test]
    fn bad_member_numbers() {
        let long = "1".repeat(33);
        let text = with_header(&format!(
            ",Anna,anna@example.se,North\n\
             M_1,Anna,anna@example.se,North\n\
             {long},Anna,anna@example.se,North\n\
             Ä1,Anna,anna@example.se,North\n"
        ));
        let errors = errors(&text);
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5]);
        assert_eq!(errors[0].message, "member number is missing");
        assert!(errors[1].message.contains("only letters"));
        assert!(errors[2].message.contains("longer than 32"));
        assert!(errors[3].message.contains("only letters"));
        // 32 is fine.
        let text = with_header(&format!("{},Anna,anna@example.se,North\n", "1".repeat(32)));
        assert!(parse_str(&text).is_ok());
    }

    #[test]
    fn duplicate_member_number_names_the_first_line() {
        let text = with_header(
            "M-1,Anna,anna@example.se,North\n\
             M-2,Björn,bjorn@example.se,South\n\
             M-1,Anna Again,anna2@example.se,North\n",
        );
        let error = one_error(&text);
        assert_eq!(error.line, 4);
        assert_eq!(error.message, "member number M-1 already appears on line 2");
    }

    #[test]
    fn bad_names() {
        let long = "x".repeat(201);
        let text = with_header(&format!(
            "M-1,,anna@example.se,North\n\
             M-2,{long},anna@example.se,North\n\
             M-3,\"Anna\nAndersson\",anna@example.se,North\n\
             M-4,\"Anna\tA\",anna@example.se,North\n"
        ));
        let errors = errors(&text);
        assert_eq!(
            errors,
            vec![
                RowError::new(2, "name is missing"),
                RowError::new(3, "name is longer than 200 characters"),
                RowError::new(4, "name contains a control character"),
                RowError::new(6, "name contains a control character"),
            ]
        );
        // 200 characters (not bytes) is fine.
        let text = with_header(&format!("M-1,{},anna@example.se,North\n", "å".repeat(200)));
        assert!(parse_str(&text).is_ok());
    }

    #[test]
    fn bad_contacts() {
        let text = with_header(
            "M-1,Anna,,North\n\
             M-2,Anna,not a contact,North\n",
        );
        assert_eq!(
            errors(&text),
            vec![
                RowError::new(2, "contact is missing"),
                RowError::new(3, NOT_A_CONTACT),
            ]
        );
    }

    #[test]
    fn bad_districts() {
        let text = with_header(
            "M-1,Anna,anna@example.se,\n\
             M-2,Anna,anna@example.se,north\n\
             M-3,Anna,anna@example.se, South \n",
        );
        assert_eq!(
            errors(&text),
            vec![
                RowError::new(2, "district is missing"),
                RowError::new(3, "district is not one of the election's districts"),
            ]
        );
    }

    #[test]
    fn wrong_number_of_fields() {
        let text = with_header(
            "M-1,Anna,anna@example.se\n\
             M-2,Anna,anna@example.se,North,extra\n\
             M-3\n",
        );
        assert_eq!(
            errors(&text),
            vec![
                RowError::new(2, "expected 4 fields, found 3"),
                RowError::new(3, "expected 4 fields, found 5"),
                RowError::new(4, "expected 4 fields, found 1"),
            ]
        );
    }

    #[test]
    fn every_bad_row_is_reported_at_once() {
        let text = with_header(
            "M-1,Anna,anna@example.se,North\n\
             M-2,,anna@example.se,North\n\
             M-3,Cecilia,cc@example.se,Nowhere\n\
             M-4,Dan,dan@example.se,South\n\
             M 5,,,\n\
             M-1,Eva,eva@example.se,North\n",
        );
        let errors = errors(&text);
        assert_eq!(
            errors,
            vec![
                RowError::new(3, "name is missing"),
                RowError::new(4, "district is not one of the election's districts"),
                RowError::new(
                    6,
                    "member number may contain only letters A-Z, digits and '-'; \
                     name is missing; contact is missing; district is missing"
                ),
                RowError::new(7, "member number M-1 already appears on line 2"),
            ]
        );
    }

    #[test]
    fn blank_lines_are_skipped_and_still_counted() {
        let text = format!(
            "\n{HEADER}\n   \n,,,\nM-1,Anna,anna@example.se,North\n\n\
             M-2,,anna@example.se,North\n\n"
        );
        assert_eq!(errors(&text), vec![RowError::new(8, "name is missing")]);
        let text = text.replace('\n', "\r\n");
        assert_eq!(errors(&text), vec![RowError::new(8, "name is missing")]);
    }

    #[test]
    fn not_utf8_is_one_error_at_line_1() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(b"M-1,Bj\xf6rn,b@example.se,North\n");
        let errors = parse(&bytes, &districts()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 1);
        assert!(errors[0].message.contains("UTF-8"));
    }

    #[test]
    fn missing_or_wrong_header_is_one_error_at_line_1() {
        for text in [
            // No header: the first member is taken for one, and refused.
            "M-1,Anna,anna@example.se,North\nM-2,Björn,b@example.se,North\n",
            "member_number,name,contact\nM-1,Anna,anna@example.se\n",
            "member_number,name,contact,district,extra\nM-1,Anna,a@b.se,North,x\n",
            "member_number,name,contact,contact\nM-1,Anna,a@b.se,North\n",
            "member_number,name,e-mail,district\nM-1,Anna,a@b.se,North\n",
        ] {
            let error = one_error(text);
            assert_eq!(error.line, 1, "{text}");
            assert!(error.message.starts_with("the header must name"), "{error}");
        }
    }

    #[test]
    fn empty_file_or_header_only_has_no_members() {
        for text in [
            "",
            "\u{feff}",
            "\n\n",
            HEADER,
            "member_number,name,contact,district\n\n,,,\n",
        ] {
            let error = one_error(text);
            assert_eq!(error.line, 1, "{text:?}");
            assert!(error.message.starts_with("no members"), "{error}");
        }
    }

    #[test]
    fn errors_do_not_repeat_personal_data() {
        let text = with_header(
            "M-1,Secretname\u{7},secret@contact,Secretdistrict\n\
             M-2,Secretname2,secret phone 123,North\n\
             secret-name-in-number-column?,Anna,anna@example.se,North\n",
        );
        for error in errors(&text) {
            assert!(!error.message.to_lowercase().contains("secret"), "{error}");
        }
    }

    #[test]
    fn too_many_members() {
        let text = with_header(
            "M-1,Anna,anna@example.se,North\n\
             M-2,Björn,bjorn@example.se,North\n\n\
             M-3,Cecilia,cc@example.se,North\n",
        );
        assert_eq!(
            parse_limited(text.as_bytes(), &districts(), 3)
                .unwrap()
                .len(),
            3
        );
        let errors = parse_limited(text.as_bytes(), &districts(), 2).unwrap_err();
        assert_eq!(
            errors,
            vec![RowError::new(5, "the roll has more than 2 members")]
        );
    }

    #[test]
    fn diff_added_removed_changed_unchanged() {
        let old = vec![
            member("M-3", "Cecilia", "cc@example.se", "North"),
            member("M-1", "Anna", "anna@example.se", "North"),
            member("M-2", "Björn", "bjorn@example.se", "South"),
            member("M-9", "Ivar", "ivar@example.se", "South"),
            member("M-4", "Dan", "dan@example.se", "South"),
        ];
        let new = vec![
            member("M-7", "Gun", "gun@example.se", "North"),
            member("M-1", "Anna", "anna@example.se", "North"),
            member("M-4", "Dan", "dan@example.se", "North"),
            member("M-3", "Cecilia C", "cc@example.se", "North"),
            member("M-5", "Eva", "eva@example.se", "South"),
            member("M-2", "Björn", "+46701234567", "South"),
        ];
        assert_eq!(
            diff(&old, &new),
            RollDiff {
                added: vec!["M-5".to_owned(), "M-7".to_owned()],
                removed: vec!["M-9".to_owned()],
                changed: vec!["M-2".to_owned(), "M-3".to_owned(), "M-4".to_owned()],
                unchanged: 1,
            }
        );
        assert_eq!(diff(&[], &[]), RollDiff::default());
        assert_eq!(
            diff(&old, &old),
            RollDiff {
                unchanged: 5,
                ..RollDiff::default()
            }
        );
    }

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            digest(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn row_error_displays_its_line() {
        assert_eq!(
            RowError::new(7, "name is missing").to_string(),
            "line 7: name is missing"
        );
    }

    /// A valid member, for the round trip.
    fn valid_member() -> impl Strategy<Value = RollMember> {
        (
            "[A-Za-z0-9-]{1,32}",
            "[A-Za-zåäöÅÄÖ ,;\"'.-]{0,40}[A-Za-zåäö]",
            prop_oneof![
                "[a-z0-9.+]{1,10}@[a-z]{1,8}\\.[a-z]{2,4}",
                "\\+?[0-9]{7,15}"
            ],
            prop_oneof![Just("North"), Just("South")],
        )
            .prop_map(|(number, name, contact, district)| RollMember {
                member_number: number,
                name: name.trim().to_owned(),
                contact,
                district: district.to_owned(),
            })
            .prop_filter("names are trimmed and non-empty", |m| !m.name.is_empty())
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..1024),
            with_header in any::<bool>(),
        ) {
            let mut input = if with_header { HEADER.as_bytes().to_vec() } else { Vec::new() };
            input.extend_from_slice(&bytes);
            match parse(&input, &districts()) {
                Ok(members) => prop_assert!(!members.is_empty()),
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    let last_line = 1 + input.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64;
                    prop_assert!(errors.iter().all(|e| (1..=last_line).contains(&e.line)));
                }
            }
        }

        #[test]
        fn never_panics_on_csv_like_text(
            rows in "[Ma-z0-9@.+ ,;\"\r\n\t-]{0,400}",
            semicolons in any::<bool>(),
        ) {
            let header = if semicolons {
                "district;contact;name;member_number\n"
            } else {
                HEADER
            };
            let text = format!("{header}{rows}");
            let last_line = 1 + text.matches(['\n', '\r']).count() as u64;
            match parse_str(&text) {
                Ok(members) => {
                let mut numbers: Vec<&str> =
                    members.iter().map(|m| m.member_number.as_str()).collect();
                numbers.sort_unstable();
                numbers.dedup();
                prop_assert_eq!(numbers.len(), members.len());
                }
                Err(errors) => {
                    prop_assert!(errors.iter().all(|e| (1..=last_line).contains(&e.line)));
                    let mut lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
                    lines.dedup();
                    prop_assert_eq!(lines.len(), errors.len(), "one error per line");
                }
            }
        }

        #[test]
        fn valid_rolls_round_trip(
            members in proptest::collection::vec(valid_member(), 1..20),
        ) {
            let mut seen = HashSet::new();
            let members: Vec<RollMember> = members
                .into_iter()
                .filter(|m| seen.insert(m.member_number.clone()))
                .collect();
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(COLUMNS).unwrap();
            for m in &members {
                writer
                    .write_record([&m.member_number, &m.name, &m.contact, &m.district])
                    .unwrap();
            }
            let bytes = writer.into_inner().unwrap();
            prop_assert_eq!(parse(&bytes, &districts()).unwrap(), members.clone());
            prop_assert_eq!(
                diff(&members, &members),
                RollDiff { unchanged: members.len() as u64, ..RollDiff::default() }
            );
        }
    }
}
