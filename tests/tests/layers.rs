//! The layers the workspace keeps (`scripts/layers` runs this alone):
//! no import circle in any crate, every SQL statement of the server in
//! `server/src/db/`, no server file over 800 lines but the string tables,
//! and a `main.rs` that only parses and dispatches.

#![allow(clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use valurna_tests::layers::{Graph, SQL_CALLS, looks_like_sql, read_sources, strip};

/// Every crate with sources of its own, the fuzz targets' library included.
const CRATES: &[&str] = &[
    "engine", "booth", "server", "verifier", "benches", "tests", "fuzz",
];

/// The most lines a server file may have.
const MAX_LINES: usize = 800;
/// Files that are tables of strings, not code, and may be longer.
const STRING_TABLES: &[&str] = &["web/i18n.rs"];
/// The most lines `server/src/main.rs` may have.
const MAX_MAIN_LINES: usize = 150;

/// The workspace checked: this one, or the checkout `VALURNA_LAYERS_ROOT`
/// names (`scripts/layers DIR`).
fn root() -> PathBuf {
    if let Some(dir) = std::env::var_os("VALURNA_LAYERS_ROOT") {
        return dir.into();
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn sources(krate: &str) -> Vec<(String, String)> {
    let dir = root().join(krate).join("src");
    let files = read_sources(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    assert!(!files.is_empty(), "{} has no sources", dir.display());
    files
}

#[test]
fn no_crate_has_an_import_circle() {
    let mut found = Vec::new();
    for krate in CRATES {
        let g = Graph::build(&sources(krate));
        let circles = g.circles();
        eprintln!(
            "{krate}: {} files, {} floors, {} circles",
            g.files.len(),
            if circles.is_empty() {
                g.floors().to_string()
            } else {
                "-".into()
            },
            circles.len()
        );
        for c in circles {
            found.push(format!("{krate}/src: {}", c.join(" ↔ ")));
        }
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn every_sql_statement_of_the_server_is_in_db() {
    let mut found = Vec::new();
    for (file, src) in sources("server") {
        if file.starts_with("db/") {
            continue;
        }
        let s = strip(&src);
        for (line, text) in &s.strings {
            if looks_like_sql(text) {
                found.push(format!("server/src/{file}:{line}: SQL in a string"));
            }
        }
        for (n, line) in s.code.lines().enumerate() {
            for call in SQL_CALLS.iter().filter(|c| line.contains(*c)) {
                found.push(format!("server/src/{file}:{}: {call}…)", n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL outside server/src/db/:\n{}",
        found.join("\n")
    );
}

#[test]
fn server_files_stay_short_and_main_only_dispatches() {
    let mut long = Vec::new();
    for (file, src) in sources("server") {
        let lines = src.lines().count();
        if file == "main.rs" {
            assert!(
                lines < MAX_MAIN_LINES,
                "server/src/main.rs has {lines} lines (at most {MAX_MAIN_LINES}): move the work into cli/"
            );
        }
        if lines > MAX_LINES && !STRING_TABLES.contains(&file.as_str()) {
            long.push(format!("server/src/{file}: {lines} lines"));
        }
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines; split them by concept:\n{}",
        long.join("\n")
    );
}
