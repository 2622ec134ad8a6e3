//! What text the server accepts (SECURITY.md, text).
//!
//! - **Every string** a client sends, in JSON or a URL, is free of control
//!   characters but tab, line feed and carriage return (C0, DEL and C1):
//!   PostgreSQL refuses NUL outright, and the others have no place in a
//!   name, a title or a presentation. [`json_escapes_ok`] finds them in a
//!   JSON body without parsing it twice (a raw control character in a JSON
//!   string is already a syntax error; the escaped ones are not).
//! - **Text shown to others** (names, titles, districts, presentations) is
//!   also free of characters that change how the text around it looks
//!   without being seen ([`invisible`]): bidirectional embeddings,
//!   overrides and isolates (U+202A–U+202E, U+2066–U+2069) and marks
//!   (U+200E, U+200F, U+061C), zero-width spaces and joiners' look-alikes
//!   (U+200B, U+2060–U+2064, U+FEFF), and tag characters
//!   (U+E0000–U+E007F). The zero-width non-joiner and joiner (U+200C,
//!   U+200D) stay: Persian, the Indic scripts and emoji need them. Pages
//!   show such text in `<bdi>` or with `dir="auto"`, so a right-to-left
//!   name cannot reorder what surrounds it.

/// Whether `c` is a control character a string may not carry (any but
/// tab, line feed and carriage return).
pub fn forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Whether `c` changes how text looks without being seen.
pub fn invisible(c: char) -> bool {
    matches!(c,
        '\u{061c}' | '\u{200b}' | '\u{200e}' | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}'
        | '\u{e0000}'..='\u{e007f}')
}

/// Text shown to others: 1 to `max` bytes, not blank, and no control
/// character (`newlines`: line feeds allowed) or invisible one.
pub fn display_ok(s: &str, max: usize, newlines: bool) -> bool {
    !s.trim().is_empty()
        && s.len() <= max
        && !s
            .chars()
            .any(|c| invisible(c) || (c.is_control() && !(newlines && c == '\n')))
}

/// Whether a JSON text's escapes (`\u0000`) name no forbidden control
/// character; also refuses raw DEL and C1 characters, which JSON allows
/// unescaped. The offset of the first one found is the error.
pub fn json_escapes_ok(bytes: &[u8]) -> Result<(), usize> {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => {
                if bytes.get(i + 1) == Some(&b'u') {
                    let hex = bytes
                        .get(i + 2..i + 6)
                        .and_then(|h| std::str::from_utf8(h).ok());
                    if let Some(code) = hex.and_then(|h| u32::from_str_radix(h, 16).ok())
                        && char::from_u32(code).is_some_and(forbidden_control)
                    {
                        return Err(i);
                    }
                    i += 6;
                } else {
                    // `\\`, `\"` and the one-letter escapes (`\b` and `\f`
                    // are controls too).
                    if matches!(bytes.get(i + 1), Some(b'b' | b'f')) {
                        return Err(i);
                    }
                    i += 2;
                }
            }
            0x7f => return Err(i),
            // C1 controls are U+0080–U+009F: 0xC2 0x80–0x9F in UTF-8.
            0xc2 if bytes.get(i + 1).is_some_and(|b| (0x80..=0x9f).contains(b)) => {
                return Err(i);
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Whether a URL's percent-encoded bytes hold a control character
/// (`%00`–`%1F`, `%7F`).
pub fn url_has_control(url: &str) -> bool {
    let b = url.as_bytes();
    b.windows(3).any(|w| {
        w.split_first().is_some_and(|(first, hex)| {
            *first == b'%'
                && std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .is_some_and(|v| v < 0x20 || v == 0x7f)
        })
    })
}

/// A cell as the server writes it to CSV (OWASP's rule against formula
/// injection): a cell that begins with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading `'`, so a spreadsheet shows it as text
/// instead of running it. A phone number (`+` and digits, as the roll
/// keeps it) is left as it is: it runs nothing and must stay dialable.
pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let phone = cell
        .strip_prefix('+')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !phone => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_text() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+SUM(A1)", "'+SUM(A1)"),
            ("-2+3", "'-2+3"),
            ("@cmd", "'@cmd"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("+46701234567", "+46701234567"),
            ("anna@example.org", "anna@example.org"),
            ("Your code is 1234", "Your code is 1234"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(cell), written, "{cell:?}");
        }
    }

    #[test]
    fn controls_are_found_escaped_or_raw_and_escaped_backslashes_are_not() {
        assert_eq!(json_escapes_ok(br#"{"name":"a\u0000b"}"#), Err(10));
        assert_eq!(json_escapes_ok(br#"{"name":"a\u001Fb"}"#), Err(10));
        assert_eq!(json_escapes_ok(br#"{"n":"\u007f"}"#), Err(6));
        assert_eq!(json_escapes_ok(br#"{"n":"\b"}"#), Err(6));
        assert_eq!(json_escapes_ok("{\"n\":\"\u{85}\"}".as_bytes()), Err(6));
        assert_eq!(json_escapes_ok("{\"n\":\"\u{7f}\"}".as_bytes()), Err(6));
        // A literal backslash before u0000 is text, not an escape.
        assert_eq!(json_escapes_ok(br#"{"n":"\\u0000"}"#), Ok(()));
        assert_eq!(
            json_escapes_ok(br#"{"n":"tab\tline\nret\r\u0009\u00e9 \"q\""}"#),
            Ok(())
        );
        assert_eq!(
            json_escapes_ok("{\"n\":\"Åsa Öberg 李\"}".as_bytes()),
            Ok(())
        );
    }

    #[test]
    fn shown_text_refuses_overrides_zero_widths_and_tags() {
        assert!(display_ok("Åsa Öberg", 200, false));
        assert!(display_ok("محمد", 200, false));
        assert!(display_ok("می\u{200c}خواهم", 200, false));
        for bad in [
            "a\u{202e}b",
            "a\u{2066}b",
            "a\u{200b}b",
            "a\u{feff}",
            "a\u{e0041}",
        ] {
            assert!(!display_ok(bad, 200, false), "{bad:?}");
        }
        assert!(!display_ok("a\nb", 200, false));
        assert!(display_ok("a\nb", 200, true));
        assert!(!display_ok("a\u{0}b", 200, true));
        assert!(!display_ok("   ", 200, false));
        assert!(url_has_control("/api/elections/1/trackers/%00"));
        assert!(url_has_control("/x?q=%1f"));
        assert!(!url_has_control("/x?q=%20%C3%A9"));
    }
}
