//! Every `§N` or `§N.M` the engine's code cites exists in the spec, as a
//! heading or as a numbered paragraph: in `spec/record.md` or
//! `spec/counting.md` when the line names that file before the citation
//! (the nearest name wins), else in `spec/protocol.md`.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(document, section)` for every `§` followed by digits and dots,
/// except citations of RFCs (`RFC 9496 §4.3.1`).
fn citations(text: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![];
    for (i, _) in text.match_indices('§') {
        let line_start = text[..i].rfind('\n').map_or(0, |p| p + 1);
        let before = &text[line_start..i];
        let doc = ["record.md", "counting.md", "protocol.md"]
            .into_iter()
            .filter_map(|d| before.rfind(d).map(|at| (at, d)))
            .max()
            .map_or("protocol.md", |(_, d)| d);
        let mut words = text[..i].split_whitespace().rev();
        let number = words.next().unwrap_or("");
        let rfc = words.next().unwrap_or("");
        if rfc.ends_with("RFC") && !number.is_empty() && number.chars().all(|c| c.is_ascii_digit())
        {
            continue;
        }
        let rest = &text[i + '§'.len_utf8()..];
        let num: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let num = num.trim_end_matches('.');
        if !num.is_empty() {
            out.push((doc, num.to_string()));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Sections are defined by headings (`## §4 …`) and by paragraphs that
/// start with their number (`§5.1 Prove: …`).
fn sections(doc: &str) -> BTreeSet<String> {
    let spec = std::fs::read_to_string(root().join("../spec").join(doc)).unwrap();
    spec.lines()
        .filter_map(|l| {
            let l = l.trim_start_matches('#').trim_start();
            l.strip_prefix('§')
                .map(|r| r.split([' ', ':']).next().unwrap_or("").to_string())
        })
        .collect()
}

#[test]
fn every_cited_section_exists() {
    let protocol = sections("protocol.md");
    let record = sections("record.md");
    let counting = sections("counting.md");
    assert!(protocol.contains("10.3"), "parsed sections: {protocol:?}");
    assert!(record.contains("6.4"), "parsed sections: {record:?}");
    assert!(counting.contains("2.6"), "parsed sections: {counting:?}");
    let mut files = vec![];
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join("tests"), &mut files);
    let mut missing = vec![];
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (doc, c) in citations(&text) {
            let defined = match doc {
                "record.md" => &record,
                "counting.md" => &counting,
                _ => &protocol,
            };
            if !defined.contains(&c) {
                missing.push(format!("{}: {doc} §{c}", f.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "cited but not in the spec: {missing:#?}"
    );
}
