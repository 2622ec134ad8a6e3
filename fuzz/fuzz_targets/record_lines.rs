//! The record's JSON Lines files (record.md §4.2, §5.5) through
//! `LinesReader`: `board.jsonl` lines with their ballots' base64, trackers
//! and heads, and `credentials.jsonl` lines with their credentials. The
//! reader always ends, and a line it returns writes back to a line that
//! reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use valurna_engine::record::{BoardLine, CredentialLine, LinesReader, write_line};

fn read_all<T: DeserializeOwned + serde::Serialize + PartialEq + core::fmt::Debug>(
    bytes: &[u8],
    each: impl Fn(&T),
) {
    let mut reader = LinesReader::new(std::io::Cursor::new(bytes));
    let mut lines = 0usize;
    let mut last_offset = None;
    while let Some(value) = reader.next_value::<T>() {
        lines += 1;
        assert!(lines <= bytes.len() + 1, "the reader does not end");
        let offset = reader.line_offset();
        assert!(offset <= bytes.len() as u64, "a line starts past the end");
        assert!(
            last_offset.is_none_or(|o| o < offset),
            "offsets do not increase"
        );
        last_offset = Some(offset);
        if let Ok(v) = value {
            each(&v);
            let mut out = Vec::new();
            if write_line(&mut out, &v).is_ok() {
                let mut again = LinesReader::new(std::io::Cursor::new(&out[..]));
                match again.next_value::<T>() {
                    Some(Ok(w)) => assert_eq!(w, v, "a written line reads back otherwise"),
                    other => panic!("a written line does not read back: {other:?}"),
                }
                assert!(again.next_value::<T>().is_none());
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    if selector & 1 == 0 {
        read_all::<BoardLine>(bytes, |line| {
            let _ = line.tracker();
            let _ = line.head();
            if let Ok(ballot) = line.ballot_bytes() {
                // Canonical base64 only: one text per ballot.
                let again = BoardLine::new(line.position, &[0; 32], &ballot, &[0; 32]);
                assert_eq!(again.ballot, line.ballot, "non-canonical base64 accepted");
                let _ =
                    valurna_engine::ballot::Ballot::decode(&ballot, valurna_fuzz::ballot_context());
            }
        });
    } else {
        read_all::<CredentialLine>(bytes, |line| {
            if let Ok(c) = line.element() {
                assert_eq!(c.to_hex(), line.credential, "non-canonical hex accepted");
            }
        });
    }
});
