//! The voter roll's CSV import (`valurna_server::election::roll::parse`), the body of
//! the roll upload. A roll that parses keeps every rule of the module's
//! documentation, and written back as CSV it parses to the same members;
//! a refused roll's errors name lines that exist.
#![no_main]

use libfuzzer_sys::fuzz_target;
use valurna_server::election::roll::{RollMember, diff, parse};

/// Lines in `bytes`, ends being `\n`, `\r\n` or a lone `\r`.
fn line_count(bytes: &[u8]) -> u64 {
    let mut lines = 1;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            lines += 1;
        }
    }
    lines
}

fn quoted(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}

fn check_member(m: &RollMember, districts: &[String]) {
    let n = &m.member_number;
    assert!(
        (1..=32).contains(&n.len()) && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "bad member number kept"
    );
    assert!(
        !m.name.is_empty() && m.name.chars().count() <= 200,
        "bad name length kept"
    );
    assert!(
        !m.name.chars().any(char::is_control),
        "control character kept"
    );
    assert_eq!(m.name.trim(), m.name, "name not trimmed");
    if m.contact.contains('@') {
        assert!(
            !m.contact
                .chars()
                .any(|c| c.is_whitespace() || c.is_control()),
            "bad e-mail kept"
        );
    } else {
        let digits = m.contact.strip_prefix('+').unwrap_or(&m.contact);
        assert!(
            (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()),
            "phone number not normalised"
        );
    }
    assert!(districts.contains(&m.district), "unknown district kept");
}

fuzz_target!(|data: &[u8]| {
    let districts = valurna_fuzz::districts();
    match parse(data, &districts) {
        Ok(members) => {
            assert!(!members.is_empty(), "an empty roll accepted");
            let mut numbers = std::collections::HashSet::new();
            for m in &members {
                check_member(m, &districts);
                assert!(numbers.insert(&m.member_number), "member number repeated");
            }
            // Written back as CSV, the roll reads the same.
            let mut csv = String::from("member_number,name,contact,district\n");
            for m in &members {
                let row = [&m.member_number, &m.name, &m.contact, &m.district].map(|f| quoted(f));
                csv.push_str(&row.join(","));
                csv.push('\n');
            }
            let again = parse(csv.as_bytes(), &districts);
            assert_eq!(
                again.as_ref(),
                Ok(&members),
                "written roll reads back otherwise"
            );
            let d = diff(&members, &members);
            assert_eq!(d.unchanged, members.len() as u64);
            assert!(d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty());
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "refused without a reason");
            let lines = line_count(data);
            for e in &errors {
                assert!(
                    e.line >= 1 && e.line <= lines,
                    "error at line {} of {lines}",
                    e.line
                );
            }
        }
    }
});
