#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;
use proptest::prelude::*;

/// What the contact check says about a contact that is neither.
const NOT_A_CONTACT: &str = "contact is neither an e-mail address nor a phone number";

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
            member("ABC-3", "Cecilia, Carlsson", "cc@mail.example.org", "North"),
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
            RowError::new(
                3,
                "district is not one of the election's districts (North, South)"
            ),
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
            RowError::new(
                4,
                "district is not one of the election's districts (North, South)"
            ),
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
fn not_utf8_is_one_error_where_it_is_found_and_reading_stops() {
    let mut bytes = HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"M-1,Anna,,North\nM-2,Bj\xf6rn,b@example.se,North\nM-3,,,\n");
    let errors = parse(&bytes, &districts()).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0], RowError::new(2, "contact is missing"));
    assert_eq!(errors[1].line, 3);
    assert!(errors[1].message.contains("not UTF-8"), "{}", errors[1]);
    let header = b"member_number,n\xe4me,contact,district\nM-1,Anna,a@b.se,North\n";
    let errors = parse(header, &districts()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 1);
    assert!(errors[0].message.contains("UTF-8"));
}

/// A reader that hands out one byte at a time, as a slow upload may.
struct OneByte<'a>(&'a [u8]);

impl std::io::Read for OneByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((byte, rest)), Some(slot)) => {
                *slot = *byte;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

/// The rows read byte by byte, worded as `parse` words them (repeats aside).
fn rows_one_byte_at_a_time(bytes: &[u8]) -> Result<Vec<Row>, RowError> {
    Ok(Rows::new(OneByte(bytes), &districts(), MAX_MEMBERS)?.collect())
}

#[test]
fn rows_read_byte_by_byte_keep_their_lines_and_the_mark() {
    let text = format!(
        "\u{feff}\r\n{HEADER}\n,,,\r\nM-1,Anna,anna@example.se,North\r\rM-2,,\"a@b.se\nx\",North\nM-3,Cecilia,c@example.se,South\n"
    );
    let rows = rows_one_byte_at_a_time(text.as_bytes()).unwrap();
    let lines: Vec<u64> = rows
        .iter()
        .map(|r| match r {
            Row::Member { line, .. } | Row::Bad { line, .. } => *line,
        })
        .collect();
    assert_eq!(lines, vec![5, 7, 9], "{rows:?}");
    assert!(matches!(&rows[0], Row::Member { member, .. } if member.member_number == "M-1"));
    assert!(matches!(&rows[1], Row::Bad { member_number: Some(n), .. } if n == "M-2"));
}

#[test]
fn a_row_longer_than_the_limit_stops_reading() {
    let mut text = with_header("M-1,Anna,anna@example.se,North\nM-2,\"");
    text.push_str(&"x".repeat(MAX_ROW_BYTES + 10));
    text.push_str("\",b@example.se,North\nM-3,Cecilia,c@example.se,South\n");
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("longer than"), "{}", errors[0]);
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
        parse_limited(text.as_bytes(), &districts(), 3, None, Say(Lang::En))
            .unwrap()
            .len(),
        3
    );
    let errors = parse_limited(text.as_bytes(), &districts(), 2, None, Say(Lang::En)).unwrap_err();
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
            // The file holds the number as written; the roll keeps it
            // normalised.
            member_number: normalise_member_number(&number),
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
        let whole: Result<Vec<Row>, RowError> =
            Rows::new(&input[..], &districts(), MAX_MEMBERS).map(Iterator::collect);
        prop_assert_eq!(whole, rows_one_byte_at_a_time(&input), "read whole or byte by byte");
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
        let read: Vec<RollMember> = rows_one_byte_at_a_time(&bytes)
            .unwrap()
            .into_iter()
            .filter_map(|r| match r {
                Row::Member { member, .. } => Some(member),
                Row::Bad { .. } => None,
            })
            .collect();
        prop_assert_eq!(read, members.clone());
        prop_assert_eq!(
            diff(&members, &members),
            RollDiff { unchanged: members.len() as u64, ..RollDiff::default() }
        );
    }
}

/// A register's export with its own headers, as a Swedish co-operative's.
const REGISTER: &str = "Medlemsnummer;Förnamn;Efternamn;E-post;Mobil;Krets;Född\n\
     0101;Anna;Berg;anna@example.se;;North;1970\n\
     102;Bo;;;070-123 45 67;South;1981\n";

fn register_map() -> ColumnMap {
    ColumnMap {
        member_number: "medlemsnummer".to_owned(),
        name: vec!["Förnamn".to_owned(), " EFTERNAMN ".to_owned()],
        contact: vec!["E-post".to_owned(), "Mobil".to_owned()],
        district: "Krets".to_owned(),
    }
}

#[test]
fn a_register_s_own_columns_are_mapped() {
    let members = parse_mapped(
        REGISTER.as_bytes(),
        &districts(),
        Some(&register_map()),
        Lang::En,
    )
    .unwrap();
    assert_eq!(
        members,
        vec![
            member("101", "Anna Berg", "anna@example.se", "North"),
            member("102", "Bo", "0701234567", "South"),
        ]
    );
    // The same file without a mapping is refused at its header.
    let e = parse(REGISTER.as_bytes(), &districts()).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].line, 1);
    assert!(e[0].message.contains("it has 7 columns"), "{e:?}");
}

#[test]
fn a_mapped_column_must_be_in_the_header_once() {
    let mut map = register_map();
    map.district = "Distrikt".to_owned();
    let e = parse_mapped(REGISTER.as_bytes(), &districts(), Some(&map), Lang::En).unwrap_err();
    assert_eq!(e[0].line, 1);
    assert!(e[0].message.contains("no column “Distrikt”"), "{e:?}");

    let twice = "Medlemsnummer;Förnamn;Efternamn;E-post;Mobil;Krets;krets\n1;A;B;a@b.se;;North;x\n";
    let e = parse_mapped(
        twice.as_bytes(),
        &districts(),
        Some(&register_map()),
        Lang::En,
    )
    .unwrap_err();
    assert!(e[0].message.contains("more than once"), "{e:?}");

    // A row with fewer fields than the header is bad; the others are read.
    let short = format!("{REGISTER}103;Cecilia;Dahl;c@example.se;;North\n");
    let e = parse_mapped(
        short.as_bytes(),
        &districts(),
        Some(&register_map()),
        Lang::En,
    )
    .unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].line, e[0].message.as_str()),
        (4, "expected 7 fields, found 6")
    );
}

#[test]
fn a_mapped_name_or_contact_may_be_empty_in_every_part_and_is_then_missing() {
    let file = "Nr;Förnamn;Efternamn;E-post;Mobil;Krets\n1;;;;;North\n";
    let map = ColumnMap {
        member_number: "Nr".to_owned(),
        ..register_map()
    };
    let e = parse_mapped(file.as_bytes(), &districts(), Some(&map), Lang::En).unwrap_err();
    assert_eq!(e[0].message, "name is missing; contact is missing");
}

#[test]
fn a_column_map_is_checked() {
    let ok = r#"{"member_number":" Nr ","name":["Namn"],"contact":["E-post","Mobil"],"district":"Krets"}"#;
    let map = ColumnMap::from_json(ok).unwrap();
    assert_eq!(map.member_number, "Nr");
    for bad in [
        "not json",
        r#"{"member_number":"Nr","name":[],"contact":["E-post"],"district":"Krets"}"#,
        r#"{"member_number":"Nr","name":["a","b","c","d"],"contact":["E-post"],"district":"Krets"}"#,
        r#"{"member_number":"Nr","name":["Namn"],"contact":["nr"],"district":"Krets"}"#,
        r#"{"member_number":"","name":["Namn"],"contact":["E-post"],"district":"Krets"}"#,
        r#"{"member_number":"N\u0007r","name":["Namn"],"contact":["E-post"],"district":"Krets"}"#,
        r#"{"member_number":"Nr","name":["Namn"],"contact":["E-post"],"district":"Krets","x":1}"#,
    ] {
        let refused = ColumnMap::from_json(bad).expect_err(bad);
        assert_eq!(refused.code, "invalid_columns", "{bad}");
    }
}

#[test]
fn the_errors_are_in_the_sender_s_language() {
    let file = format!("{HEADER}1,,a@example.se,North\n1,Bo,a@example.se,West\n");
    let sv = parse_mapped(file.as_bytes(), &districts(), None, Lang::Sv).unwrap_err();
    let en = parse_mapped(file.as_bytes(), &districts(), None, Lang::En).unwrap_err();
    assert_eq!(en[0].message, "name is missing");
    assert_eq!(sv[0].message, Lang::Sv.t("roll-name_missing"));
    assert_ne!(sv[0].message, en[0].message);
    // The listed districts and the first line are filled in.
    assert!(sv[1].message.contains("North, South"), "{sv:?}");
    assert!(sv[1].message.contains('2'), "{sv:?}");
}
