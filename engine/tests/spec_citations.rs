//! Every `§N` or `§N.M` cited in the workspace's Rust code (every crate:
//! engine, booth, server, verifier, benches, tests, fuzz) exists in the
//! spec, as a heading or as a numbered paragraph, in the document the
//! citation names: the nearest of `protocol.md`, `record.md`,
//! `verification.md` and `counting.md` before it on its line or, in a
//! comment, on the lines of the same comment paragraph above it (a citation
//! continued on the next line); `protocol.md` if none is named.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DOCS: [&str; 4] = ["protocol.md", "record.md", "verification.md", "counting.md"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A comment line with text (a blank `///` ends a paragraph).
fn comment_text(line: &str) -> bool {
    let l = line.trim_start();
    l.starts_with("//") && !l.trim_start_matches(['/', '!']).trim().is_empty()
}

/// The document the citation at byte `i` of `text` refers to.
fn document_of(text: &str, i: usize) -> &'static str {
    let mut end = i;
    loop {
        let start = text[..end].rfind('\n').map_or(0, |p| p + 1);
        let nearest = DOCS
            .iter()
            .filter_map(|d| text[start..end].rfind(d).map(|at| (at, *d)))
            .max();
        if let Some((_, d)) = nearest {
            return d;
        }
        let this_line = text[start..].lines().next().unwrap_or("");
        if start == 0 || !this_line.trim_start().starts_with("//") {
            return "protocol.md";
        }
        let above_start = text[..start - 1].rfind('\n').map_or(0, |p| p + 1);
        if !comment_text(&text[above_start..start - 1]) {
            return "protocol.md";
        }
        end = start - 1;
    }
}

/// `(document, section)` for every `§` followed by digits and dots,
/// except citations of RFCs (`RFC 9496 §4.3.1`).
fn citations(text: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![];
    for (i, _) in text.match_indices('§') {
        let doc = document_of(text, i);
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
        if p.is_dir() && !p.ends_with("target") && !p.ends_with("node_modules") {
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
fn a_citation_continued_on_the_next_line_keeps_its_document() {
    let text = "/// (record.md §5.1,\n/// §5.3) and\n///\n/// §2\nlet x = 1; // §9\n";
    assert_eq!(
        citations(text),
        [
            ("record.md", "5.1".to_string()),
            ("record.md", "5.3".to_string()),
            ("protocol.md", "2".to_string()),
            ("protocol.md", "9".to_string()),
        ]
    );
}

#[test]
fn every_cited_section_exists() {
    let known: Vec<BTreeSet<String>> = DOCS.iter().map(|d| sections(d)).collect();
    assert!(known[0].contains("10.3"), "parsed sections: {:?}", known[0]);
    assert!(known[1].contains("6.4"), "parsed sections: {:?}", known[1]);
    assert!(known[2].contains("6"), "parsed sections: {:?}", known[2]);
    assert!(known[3].contains("2.6"), "parsed sections: {:?}", known[3]);
    let mut files = vec![];
    for krate in [
        "engine", "booth", "server", "verifier", "benches", "tests", "fuzz",
    ] {
        rust_files(&root().join("..").join(krate), &mut files);
    }
    let mut missing = vec![];
    let mut cited = 0;
    let mut crates_citing = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (doc, c) in citations(&text) {
            cited += 1;
            crates_citing.insert(
                f.strip_prefix(root().join(".."))
                    .unwrap()
                    .components()
                    .next()
                    .unwrap()
                    .as_os_str()
                    .to_owned(),
            );
            let defined = &known[DOCS.iter().position(|d| *d == doc).unwrap()];
            if !defined.contains(&c) {
                missing.push(format!("{}: {doc} §{c}", f.display()));
            }
        }
    }
    assert!(cited > 200, "only {cited} citations found");
    assert!(crates_citing.len() >= 6, "{crates_citing:?}");
    assert!(
        missing.is_empty(),
        "cited but not in the spec: {missing:#?}"
    );
}
