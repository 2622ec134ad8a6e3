//! Reading a roll row by row, from any reader: the upload is parsed as it
//! arrives, and what is kept while reading does not grow with the file (the
//! bytes not yet counted for line numbers, at most one row plus the CSV
//! reader's buffer; see [`MAX_ROW_BYTES`]).
//!
//! Each row comes out as a [`Row`]: a good member, or a bad row with every
//! problem it has. Whether a member number is repeated is not decided here:
//! that needs every number seen so far, so the consumer keeps them where
//! memory allows (in memory for [`super::parse`], in the database for the
//! upload) and words it with [`super::repeated`].

use std::collections::{HashSet, VecDeque};
use std::io::{self, Read};

use super::{
    ColumnMap, Places, RollMember, RowError, Say, columns_of, contact, district, member_number,
};
use crate::i18n::Lang;

/// The most bytes a row may take, with the blank lines before it. A
/// member's longest row is about 2 KiB; anything near this is not a roll.
pub const MAX_ROW_BYTES: usize = 1 << 20;

/// The most bytes read looking for the header line.
const MAX_HEADER_BYTES: usize = 64 << 10;

/// One row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A good member, on `line`.
    Member {
        /// The line the row starts on (the header's line is 1).
        line: u64,
        /// The member.
        member: RollMember,
    },
    /// A bad row.
    Bad {
        /// The line the row starts on.
        line: u64,
        /// The row's member number, if that field is good: a repeat is
        /// still found and named.
        member_number: Option<String>,
        /// Every problem of the row, in column order; never personal data.
        problems: Vec<String>,
    },
}

/// The rows of a roll, read as they come: an iterator of [`Row`], ending at
/// the end of the file or after a row that stops reading (unreadable CSV,
/// text that is not UTF-8, too many members, a row over [`MAX_ROW_BYTES`]).
#[derive(Debug)]
pub struct Rows<R: Read> {
    /// The CSV reader, over the bytes being counted: the header's bytes
    /// again, then the rest.
    reader: csv::Reader<Tap<io::Chain<io::Cursor<Vec<u8>>, R>>>,
    /// The record being read.
    record: csv::ByteRecord,
    /// Where each field is.
    columns: Places,
    /// The language of the errors.
    say: Say,
    /// The election's districts.
    districts: HashSet<String>,
    /// Non-blank rows read.
    rows: u64,
    /// The most members allowed.
    max_members: u64,
    /// Whether reading has stopped.
    done: bool,
}

impl<R: Read> Rows<R> {
    /// Reads up to the header and checks it; a file without a good header
    /// is one error at line 1.
    pub fn new(input: R, districts: &[String], max_members: u64) -> Result<Self, RowError> {
        Self::mapped(input, districts, max_members, None, Lang::En)
    }

    /// [`Rows::new`] with the register's own columns, the errors in `lang`.
    pub fn mapped(
        mut input: R,
        districts: &[String],
        max_members: u64,
        map: Option<&ColumnMap>,
        lang: Lang,
    ) -> Result<Self, RowError> {
        let say = Say(lang);
        let (prefix, delimiter) = header_prefix(&mut input, say)?;
        let tap = Tap {
            inner: io::Cursor::new(prefix).chain(input),
            seen: VecDeque::new(),
            start: 0,
            line: 1,
            too_long: say.text(
                "roll-row_too_long",
                &[("kib", (MAX_ROW_BYTES >> 10).to_string())],
            ),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(tap);
        let mut record = csv::ByteRecord::new();
        let columns = loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => return Err(RowError::new(1, say.plain("roll-empty"))),
                Ok(true) if is_blank(&record) => {}
                Ok(true) => {
                    let header = csv::StringRecord::from_byte_record(record.clone())
                        .map_err(|_| RowError::new(1, say.plain("roll-not_utf8")))?;
                    break columns_of(&header, map, say).map_err(|m| RowError::new(1, m))?;
                }
                Err(_) => return Err(RowError::new(1, say.plain("roll-header_unreadable"))),
            }
        };
        Ok(Rows {
            reader,
            record,
            columns,
            say,
            districts: districts.iter().cloned().collect(),
            rows: 0,
            max_members,
            done: false,
        })
    }

    /// The reader given to [`Rows::new`], read as far as the rows were.
    pub fn into_inner(self) -> R {
        self.reader.into_inner().inner.into_inner().1
    }

    /// The line a record at `byte` starts on.
    fn line_at(&mut self, byte: u64) -> u64 {
        self.reader.get_mut().line_at(byte)
    }

    /// A bad row that stops reading.
    fn stop(&mut self, line: u64, problem: impl Into<String>) -> Row {
        self.done = true;
        Row::Bad {
            line,
            member_number: None,
            problems: vec![problem.into()],
        }
    }
}

impl<R: Read> Iterator for Rows<R> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        loop {
            if self.done {
                return None;
            }
            let byte_before = self.reader.position().byte();
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) => {}
                Err(err) => {
                    let at = err.position().map_or(byte_before, csv::Position::byte);
                    let line = self.line_at(at);
                    let problem = match err.kind() {
                        csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::InvalidData => {
                            io.to_string()
                        }
                        csv::ErrorKind::Io(_) => self.say.plain("roll-cut"),
                        _ => self.say.plain("roll-unreadable"),
                    };
                    return Some(self.stop(line, problem));
                }
            }
            let at = self
                .record
                .position()
                .map_or(byte_before, csv::Position::byte);
            let line = self.line_at(at);
            if is_blank(&self.record) {
                continue;
            }
            self.rows += 1;
            if self.rows > self.max_members {
                let max = self.max_members;
                let problem = self.say.text("roll-too_many", &[("max", max.to_string())]);
                return Some(self.stop(line, problem));
            }
            let Ok(record) = csv::StringRecord::from_byte_record(self.record.clone()) else {
                let problem = self.say.plain("roll-not_utf8_here");
                return Some(self.stop(line, problem));
            };
            return Some(row(line, &record, &self.columns, &self.districts, self.say));
        }
    }
}

/// One non-blank record's outcome.
fn row(
    line: u64,
    record: &csv::StringRecord,
    columns: &Places,
    districts: &HashSet<String>,
    say: Say,
) -> Row {
    if record.len() != columns.width {
        return Row::Bad {
            line,
            member_number: None,
            problems: vec![say.text(
                "roll-fields",
                &[
                    ("expected", columns.width.to_string()),
                    ("found", record.len().to_string()),
                ],
            )],
        };
    }
    let field = |index: &usize| record.get(*index).unwrap_or("").trim();
    let mut problems: Vec<String> = Vec::new();
    let number = member_number(field(&columns.member_number), say)
        .map_err(|p| problems.push(p))
        .ok();
    // A name in parts is joined with a space; a contact is the first given.
    let whole_name = columns
        .name
        .iter()
        .map(field)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let name = super::name(&whole_name, say)
        .map_err(|p| problems.push(p))
        .ok();
    let first_contact = columns
        .contact
        .iter()
        .map(field)
        .find(|c| !c.is_empty())
        .unwrap_or("");
    let contact = contact(first_contact, say)
        .map_err(|p| problems.push(p))
        .ok();
    let district = district(field(&columns.district), districts, say)
        .map_err(|p| problems.push(p))
        .ok();
    match (number, name, contact, district) {
        (Some(member_number), Some(name), Some(contact), Some(district)) => Row::Member {
            line,
            member: RollMember {
                member_number,
                name,
                contact,
                district,
            },
        },
        (number, ..) => Row::Bad {
            line,
            member_number: number,
            problems,
        },
    }
}

/// Whether every field of the row is empty or whitespace.
fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|field| field.trim_ascii().is_empty())
}

/// The bytes up to and with the first non-blank line (a leading
/// byte-order mark dropped), and the delimiter that line calls for: `;` if
/// it has `;` and no `,`, `,` otherwise. Lines end with `\n`, `\r\n` or
/// `\r`; a header line longer than [`MAX_HEADER_BYTES`] is judged on what
/// was read.
fn header_prefix(input: &mut impl Read, say: Say) -> Result<(Vec<u8>, u8), RowError> {
    let unreadable = |_| RowError::new(1, say.plain("roll-cut"));
    let mut prefix = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut eof = false;
    // Enough bytes to see a byte-order mark.
    while prefix.len() < 3 && !eof {
        let n = input.read(&mut chunk).map_err(unreadable)?;
        eof = n == 0;
        prefix.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
    }
    if let Some(rest) = prefix.strip_prefix(b"\xef\xbb\xbf") {
        prefix = rest.to_vec();
    }
    let mut line_start = 0;
    loop {
        // Whole lines read so far: judge the first non-blank one.
        while let Some(end) = prefix
            .get(line_start..)
            .and_then(|rest| rest.iter().position(|b| matches!(b, b'\n' | b'\r')))
        {
            let line = prefix.get(line_start..line_start + end).unwrap_or(&[]);
            if !line.trim_ascii().is_empty() {
                let delimiter = delimiter_of(line);
                return Ok((prefix, delimiter));
            }
            line_start += end + 1;
        }
        if eof || prefix.len() >= MAX_HEADER_BYTES {
            let delimiter = delimiter_of(prefix.get(line_start..).unwrap_or(&[]));
            return Ok((prefix, delimiter));
        }
        let n = input.read(&mut chunk).map_err(unreadable)?;
        eof = n == 0;
        prefix.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
    }
}

/// `;` if the line has `;` and no `,`; `,` otherwise.
fn delimiter_of(line: &[u8]) -> u8 {
    if line.contains(&b';') && !line.contains(&b',') {
        b';'
    } else {
        b','
    }
}

/// A reader that keeps the bytes read and not yet counted, to give each
/// record its line: the CSV reader's own line numbers do not count the
/// blank lines it skips before a record.
#[derive(Debug)]
struct Tap<R> {
    /// The bytes.
    inner: R,
    /// Bytes read and not yet counted, from offset `start`.
    seen: VecDeque<u8>,
    /// The offset of `seen`'s first byte.
    start: u64,
    /// The line at `start`.
    line: u64,
    /// What to say of a row over [`MAX_ROW_BYTES`].
    too_long: String,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.seen.len() > MAX_ROW_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                self.too_long.clone(),
            ));
        }
        let n = self.inner.read(buf)?;
        self.seen.extend(buf.get(..n).unwrap_or(&[]));
        Ok(n)
    }
}

impl<R> Tap<R> {
    /// The byte at offset `at`, if read and not yet counted past.
    fn at(&self, at: u64) -> Option<u8> {
        let index = usize::try_from(at.checked_sub(self.start)?).ok()?;
        self.seen.get(index).copied()
    }

    /// The line of the record the reader places at `byte`: past the line
    /// ends there, on the record's first character. Offsets must not go
    /// backwards (an earlier one gives the line counted so far).
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut start = byte.max(self.start);
        while matches!(self.at(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let mut index = self.start;
        while index < start {
            // A line ends with "\n", "\r\n" or a lone "\r", as for the reader.
            let ends_line = match self.at(index) {
                Some(b'\n') => true,
                Some(b'\r') => self.at(index + 1) != Some(b'\n'),
                _ => false,
            };
            if ends_line {
                self.line += 1;
            }
            index += 1;
        }
        let counted = usize::try_from(start - self.start).unwrap_or(usize::MAX);
        self.seen.drain(..counted.min(self.seen.len()));
        self.start = start;
        self.line
    }
}
