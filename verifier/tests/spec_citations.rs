//! Every section the verifier's code cites as `protocol.md §N`,
//! `record.md §N`, `verification.md §N` or `counting.md §N`, and every
//! check `V1`–`V23` its report names, exists in `spec/`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use valurna_verifier::Check;

fn spec(doc: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../spec")
            .join(doc),
    )
    .unwrap()
}

/// Sections defined by headings (`## §4 …`) or numbered paragraphs
/// (`§5.1 Prove: …`).
fn sections(doc: &str) -> BTreeSet<String> {
    spec(doc)
        .lines()
        .filter_map(|l| {
            let l = l.trim_start_matches('#').trim_start();
            l.strip_prefix('§')
                .map(|r| r.split([' ', ':']).next().unwrap_or("").to_string())
        })
        .collect()
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_cited_section_exists() {
    let docs = ["protocol.md", "record.md", "verification.md", "counting.md"];
    let known: Vec<BTreeSet<String>> = docs.iter().map(|d| sections(d)).collect();
    assert!(known[0].contains("10.3") && known[1].contains("6.4") && known[2].contains("6"));
    assert!(known[3].contains("2.6"), "parsed sections: {:?}", known[3]);
    let mut files = vec![];
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut cited = 0;
    let mut missing = vec![];
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (doc, known) in docs.iter().zip(&known) {
            let pattern = format!("{doc} §");
            for (i, _) in text.match_indices(&pattern) {
                let number: String = text[i + pattern.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                let number = number.trim_end_matches('.');
                cited += 1;
                if !known.contains(number) {
                    missing.push(format!("{}: {doc} §{number}", f.display()));
                }
            }
        }
    }
    assert!(cited > 50, "only {cited} citations found");
    assert!(missing.is_empty(), "cited but not in spec/: {missing:?}");
}

#[test]
fn every_check_is_specified_with_its_title() {
    let text = spec("verification.md");
    for check in Check::ALL {
        let heading = format!("### {} — ", check.id());
        let line = text
            .lines()
            .find(|l| l.starts_with(&heading))
            .unwrap_or_else(|| panic!("{} has no heading in verification.md", check.id()));
        assert!(
            line.to_lowercase().contains(check.title()),
            "{} is titled {:?} in the report but {line:?} in the spec",
            check.id(),
            check.title()
        );
    }
}
