//! The workspace's import graph, read from the sources, and the rules the
//! layers keep (`scripts/layers`, run by `tests/tests/layers.rs`).
//!
//! Each `.rs` file under a crate's `src/` is one module (`a/mod.rs` and
//! `a.rs` are `a`, `lib.rs` is the crate root). A file *imports* another
//! when it names it: a `use` path or an inline path starting with `crate`,
//! `super` or `self`, or a `use` starting with one of its own child modules.
//! Paths through a re-export (`pub use part::Item` in a parent) lead to the
//! file that defines the item. Comments, string literals and inline
//! `#[cfg(test)] mod … { … }` blocks are left out.
//!
//! One relation is not an import: a module naming its own parts (its
//! descendants), which declares and re-exports them. Everything else
//! counts, and a circle in what counts (a strongly connected component of
//! more than one file, found with Tarjan's algorithm) is a circle.

// The lexer reads the workspace's own sources and indexes only within the
// bounds it has just checked.
#![allow(clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module's path from its crate root (`[]` is the root).
pub type ModPath = Vec<String>;

/// A source file with comments and literals blanked out.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stripped {
    /// The code, same length in lines, comments and literals' contents as
    /// spaces.
    pub code: String,
    /// Every string literal's contents (escapes left as written), with the
    /// line it starts on (1-based).
    pub strings: Vec<(usize, String)>,
}

fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Blanks out comments and string and character literals.
pub fn strip(src: &str) -> Stripped {
    let s: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut strings = Vec::new();
    let mut line = 1usize;
    let mut i = 0;
    // Pushes `c` to the output as a blank, keeping line breaks.
    let blank = |out: &mut String, c: char, line: &mut usize| {
        if c == '\n' {
            *line += 1;
            out.push('\n');
        } else {
            out.push(' ');
        }
    };
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        let prev_ident = i > 0 && ident_char(s[i - 1]);
        if c == '/' && next == Some('/') {
            while i < s.len() && s[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, s[i], &mut line);
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"' | '#'))
            && (!prev_ident || (s[i - 1] == 'b' && (i < 2 || !ident_char(s[i - 2]))))
            && {
                let mut j = i + 1;
                while s.get(j) == Some(&'#') {
                    j += 1;
                }
                s.get(j) == Some(&'"')
            }
        {
            // A raw string: r"…", r#"…"#, br"…".
            let mut hashes = 0;
            out.push('r');
            i += 1;
            while s[i] == '#' {
                hashes += 1;
                out.push(' ');
                i += 1;
            }
            out.push('"');
            i += 1;
            let start = line;
            let mut text = String::new();
            while i < s.len() {
                if s[i] == '"' && (1..=hashes).all(|k| s.get(i + k) == Some(&'#')) {
                    out.push('"');
                    i += 1;
                    for _ in 0..hashes {
                        out.push(' ');
                        i += 1;
                    }
                    break;
                }
                text.push(s[i]);
                blank(&mut out, s[i], &mut line);
                i += 1;
            }
            strings.push((start, text));
        } else if c == '"' {
            out.push('"');
            i += 1;
            let start = line;
            let mut text = String::new();
            while i < s.len() && s[i] != '"' {
                if s[i] == '\\' && i + 1 < s.len() {
                    text.push(s[i]);
                    blank(&mut out, s[i], &mut line);
                    i += 1;
                }
                text.push(s[i]);
                blank(&mut out, s[i], &mut line);
                i += 1;
            }
            out.push('"');
            i += 1;
            strings.push((start, text));
        } else if c == '\'' && !prev_ident {
            // A character literal, or a lifetime (left as is).
            let end = if next == Some('\\') {
                (i + 2..s.len().min(i + 12)).find(|&j| s[j] == '\'' && j > i + 2)
            } else if s.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    out.push('\'');
                    for _ in i + 1..end {
                        out.push(' ');
                    }
                    out.push('\'');
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            if c == '\n' {
                line += 1;
            }
            out.push(c);
            i += 1;
        }
    }
    Stripped { code: out, strings }
}

/// The tokens of stripped code: identifiers (`$crate` gives `crate`) and
/// single punctuation marks, with `::` as one token.
fn tokens(code: &str) -> Vec<String> {
    let s: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c.is_whitespace() {
            i += 1;
        } else if ident_char(c) {
            let start = i;
            while i < s.len() && ident_char(s[i]) {
                i += 1;
            }
            out.push(s[start..i].iter().collect());
        } else if c == ':' && s.get(i + 1) == Some(&':') {
            out.push("::".into());
            i += 2;
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// Removes `#[cfg(test)] mod name { … }` blocks from stripped code.
fn without_test_modules(code: &str) -> String {
    let mut code = code.to_string();
    while let Some(at) = code.find("#[cfg(test)]") {
        let after = &code[at + "#[cfg(test)]".len()..];
        let rest = after.trim_start();
        let Some(body) = rest.strip_prefix("mod ") else {
            // Not a module: drop only the attribute.
            code.replace_range(at..at + "#[cfg(test)]".len(), "");
            continue;
        };
        let open = body.find(['{', ';']).map(|k| k + (code.len() - body.len()));
        match open {
            Some(open) if code.as_bytes()[open] == b'{' => {
                let mut depth = 0;
                let mut end = code.len();
                for (k, b) in code.bytes().enumerate().skip(open) {
                    match b {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                code.replace_range(at..end, "");
            }
            _ => code.replace_range(at..at + "#[cfg(test)]".len(), ""),
        }
    }
    code
}

/// One path a module names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The segments as written (`crate`, `super`, `self` kept).
    pub path: Vec<String>,
    /// From a `use`: the name it binds (its alias or last segment), and
    /// whether it is re-exported (`pub …`).
    pub binds: Option<(String, bool)>,
}

/// Expands one use tree starting at `toks[*i]` under `prefix`.
fn use_tree(toks: &[String], i: &mut usize, prefix: &[String], public: bool, out: &mut Vec<Named>) {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(*i).map(String::as_str) {
            Some("{") => {
                *i += 1;
                while !matches!(toks.get(*i).map(String::as_str), Some("}") | None) {
                    use_tree(toks, i, &path, public, out);
                    if toks.get(*i).map(String::as_str) == Some(",") {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            Some("*") => {
                *i += 1;
                out.push(Named { path, binds: None });
                return;
            }
            Some(t) if t.chars().all(ident_char) => {
                path.push(t.to_string());
                *i += 1;
                if toks.get(*i).map(String::as_str) == Some("::") {
                    *i += 1;
                    continue;
                }
                let mut name = t.to_string();
                if toks.get(*i).map(String::as_str) == Some("as") {
                    name = toks.get(*i + 1).cloned().unwrap_or_default();
                    *i += 2;
                }
                if name == "self" {
                    path.pop();
                    name = path.last().cloned().unwrap_or_default();
                }
                out.push(Named {
                    path,
                    binds: Some((name, public)),
                });
                return;
            }
            _ => return,
        }
    }
}

/// Every path a module's stripped code names.
pub fn named(code: &str) -> Vec<Named> {
    let toks = tokens(&without_test_modules(code));
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i].as_str();
        if t == "use" {
            // `pub use`, `pub(crate) use`, `pub(super) use`, `pub(in …) use`.
            let mut k = i;
            if k > 0 && toks[k - 1] == ")" {
                while k > 0 && toks[k - 1] != "(" {
                    k -= 1;
                }
                k = k.saturating_sub(1);
            }
            let public = k > 0 && toks[k - 1] == "pub";
            i += 1;
            if toks.get(i).map(String::as_str) == Some("::") {
                i += 1;
            }
            use_tree(&toks, &mut i, &[], public, &mut out);
            continue;
        }
        let starts = matches!(t, "crate" | "super" | "self")
            && toks.get(i + 1).map(String::as_str) == Some("::")
            && (i == 0 || toks[i - 1] != "::");
        if starts {
            let mut path = vec![t.to_string()];
            i += 1;
            while toks.get(i).map(String::as_str) == Some("::")
                && toks.get(i + 1).is_some_and(|n| n.chars().all(ident_char))
            {
                path.push(toks[i + 1].clone());
                i += 2;
            }
            out.push(Named { path, binds: None });
            continue;
        }
        i += 1;
    }
    out
}

/// A crate's modules and the imports between them.
#[derive(Debug, Default)]
pub struct Graph {
    /// Module → the file it lives in (relative to `src/`).
    pub files: BTreeMap<ModPath, String>,
    /// Module → the modules it imports (parts left out).
    pub imports: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

/// The module a file under `src/` is.
pub fn module_of(file: &str) -> Option<ModPath> {
    let file = file.strip_suffix(".rs")?;
    let mut parts: Vec<String> = file.split('/').map(str::to_string).collect();
    match parts.last().map(String::as_str) {
        Some("mod") => {
            parts.pop();
        }
        Some("lib") if parts.len() == 1 => parts.clear(),
        _ => {}
    }
    Some(parts)
}

impl Graph {
    /// Builds the graph of one crate from its files (path under `src/`,
    /// source). `main.rs` beside a `lib.rs`, and `bin/`, are other crates
    /// and left out.
    pub fn build(files: &[(String, String)]) -> Graph {
        let has_lib = files.iter().any(|(f, _)| f == "lib.rs");
        let mut named_by: BTreeMap<ModPath, Vec<Named>> = BTreeMap::new();
        let mut g = Graph::default();
        for (file, src) in files {
            if file.starts_with("bin/") || (has_lib && file == "main.rs") {
                continue;
            }
            let module = if file == "main.rs" {
                Vec::new()
            } else {
                match module_of(file) {
                    Some(m) => m,
                    None => continue,
                }
            };
            named_by.insert(module.clone(), named(&strip(src).code));
            g.files.insert(module, file.clone());
        }
        for (module, names) in &named_by {
            let mut to = BTreeSet::new();
            for n in names {
                if let Some(target) = g.resolve(&named_by, module, &n.path, 0)
                    && !target.starts_with(module)
                {
                    to.insert(target);
                }
            }
            g.imports.insert(module.clone(), to);
        }
        g
    }

    /// The file module a path written in `from` leads to, or `None` if it
    /// leaves the crate.
    fn resolve(
        &self,
        named_by: &BTreeMap<ModPath, Vec<Named>>,
        from: &ModPath,
        path: &[String],
        depth: usize,
    ) -> Option<ModPath> {
        let (mut cur, rest) = match path.first().map(String::as_str)? {
            "crate" => (Vec::new(), &path[1..]),
            "self" => (from.clone(), &path[1..]),
            "super" => (from.clone(), path),
            first => {
                let mut child = from.clone();
                child.push(first.to_string());
                if !self.files.contains_key(&child) {
                    return None;
                }
                (from.clone(), path)
            }
        };
        for seg in rest {
            if seg == "super" {
                cur.pop();
                continue;
            }
            let mut child = cur.clone();
            child.push(seg.clone());
            if self.files.contains_key(&child) {
                cur = child;
                continue;
            }
            // An item: defined here, or re-exported from elsewhere.
            if depth < 8
                && let Some(re) = named_by.get(&cur).and_then(|ns| {
                    ns.iter().find(|n| {
                        n.binds
                            .as_ref()
                            .is_some_and(|(b, public)| *public && b == seg)
                    })
                })
                && let Some(target) = self.resolve(named_by, &cur, &re.path, depth + 1)
            {
                return Some(target);
            }
            break;
        }
        Some(cur)
    }

    /// The circles: every strongly connected component of more than one
    /// module, each as its files, sorted.
    pub fn circles(&self) -> Vec<Vec<String>> {
        let nodes: Vec<&ModPath> = self.files.keys().collect();
        let index_of: BTreeMap<&ModPath, usize> =
            nodes.iter().enumerate().map(|(i, m)| (*m, i)).collect();
        let edges: Vec<Vec<usize>> = nodes
            .iter()
            .map(|m| {
                self.imports
                    .get(*m)
                    .into_iter()
                    .flatten()
                    .filter_map(|t| index_of.get(t).copied())
                    .collect()
            })
            .collect();
        let mut out: Vec<Vec<String>> = tarjan(&edges)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut files: Vec<String> = c
                    .into_iter()
                    .map(|i| self.files[nodes[i]].clone())
                    .collect();
                files.sort();
                files
            })
            .collect();
        out.sort();
        out
    }

    /// The number of floors: the longest chain of imports, counting
    /// modules (only meaningful when there is no circle).
    pub fn floors(&self) -> usize {
        fn height(
            g: &Graph,
            m: &ModPath,
            memo: &mut BTreeMap<ModPath, usize>,
            seen: &mut BTreeSet<ModPath>,
        ) -> usize {
            if let Some(&h) = memo.get(m) {
                return h;
            }
            if !seen.insert(m.clone()) {
                return 0;
            }
            let h = 1 + g
                .imports
                .get(m)
                .into_iter()
                .flatten()
                .map(|t| height(g, t, memo, seen))
                .max()
                .unwrap_or(0);
            memo.insert(m.clone(), h);
            h
        }
        let mut memo = BTreeMap::new();
        self.files
            .keys()
            .map(|m| height(self, m, &mut memo, &mut BTreeSet::new()))
            .max()
            .unwrap_or(0)
    }
}

/// Tarjan's strongly connected components (iterative).
fn tarjan(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&(v, e)) = work.last() {
            if e == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(e) {
                if let Some(top) = work.last_mut() {
                    top.1 += 1;
                }
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(component);
            }
        }
    }
    out
}

/// Every `.rs` file under `dir`, as (path relative to `dir` with `/`,
/// contents), sorted.
pub fn read_sources(dir: &Path) -> std::io::Result<Vec<(String, String)>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((rel, std::fs::read_to_string(&path)?));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// SQL's leading keywords, for [`looks_like_sql`].
const SQL_STARTS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "WITH", "COPY", "TRUNCATE",
    "LOCK", "BEGIN", "COMMIT", "SET ", "GRANT",
];

/// Whether a string literal reads as an SQL statement: it starts with an
/// upper-case SQL keyword followed by more words.
pub fn looks_like_sql(text: &str) -> bool {
    let t = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\\');
    SQL_STARTS.iter().any(|k| {
        t.strip_prefix(k.trim_end())
            .is_some_and(|rest| rest.starts_with([' ', '\n', '\\']) && rest.trim().len() > 1)
    })
}

/// The calls that send SQL to the database (tokio-postgres' client and
/// transaction methods).
pub const SQL_CALLS: &[&str] = &[
    ".query(",
    ".query_one(",
    ".query_opt(",
    ".query_raw(",
    ".execute(",
    ".execute_raw(",
    ".batch_execute(",
    ".simple_query(",
    ".prepare(",
    ".prepare_cached(",
    ".prepare_typed(",
    ".copy_in(",
    ".copy_out(",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn strip_blanks_comments_strings_and_chars_but_not_lifetimes() {
        let src = "use a; // use crate::x;\n/* crate::y /* nested */ */ let s = \"crate::z \\\" q\";\nlet c = '\"'; fn f<'a>(x: &'a str) {} let r = r#\"crate::w \" still\"#; let b = br\"x\";";
        let s = strip(src);
        assert!(!s.code.contains("crate::"), "{}", s.code);
        assert!(
            s.code.contains("<'a>") && s.code.contains("&'a str"),
            "{}",
            s.code
        );
        assert_eq!(s.code.lines().count(), src.lines().count());
        let texts: Vec<&str> = s.strings.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["crate::z \\\" q", "crate::w \" still", "x"]);
        assert_eq!(s.strings[0].0, 2);
    }

    #[test]
    fn use_trees_expand_groups_aliases_and_self() {
        let n = named(
            "pub(crate) use crate::a::{b::{C, D as E}, self, f};\nuse super::g::*;\nfn x() { crate::h::i(); super::super::j::K; }",
        );
        let got: Vec<(String, Option<(String, bool)>)> = n
            .into_iter()
            .map(|n| (n.path.join("::"), n.binds))
            .collect();
        let b = |s: &str, p| Some((s.to_string(), p));
        assert_eq!(
            got,
            [
                ("crate::a::b::C".to_string(), b("C", true)),
                ("crate::a::b::D".to_string(), b("E", true)),
                ("crate::a".to_string(), b("a", true)),
                ("crate::a::f".to_string(), b("f", true)),
                ("super::g".to_string(), None),
                ("crate::h::i".to_string(), None),
                ("super::super::j::K".to_string(), None),
            ]
        );
    }

    #[test]
    fn inline_test_modules_are_left_out() {
        let n = named(
            "fn a() {}\n#[cfg(test)]\nmod tests {\n use crate::b::C; fn x() { if true { crate::d::e(); } }\n}\nuse crate::f;",
        );
        let paths: Vec<String> = n.into_iter().map(|n| n.path.join("::")).collect();
        assert_eq!(paths, ["crate::f"]);
    }

    #[test]
    fn a_circle_between_siblings_is_found() {
        let g = Graph::build(&files(&[
            ("lib.rs", "mod a; mod b; mod c;"),
            ("a.rs", "use crate::b::X;"),
            ("b.rs", "pub struct X; fn f() { super::c::y(); }"),
            ("c.rs", "use crate::a;"),
        ]));
        assert_eq!(g.circles(), [vec!["a.rs", "b.rs", "c.rs"]]);
    }

    #[test]
    fn a_module_naming_its_parts_is_not_a_circle() {
        let g = Graph::build(&files(&[
            ("lib.rs", "mod checks; pub use checks::run;"),
            (
                "checks/mod.rs",
                "mod board; mod tally; pub use board::seal; pub struct E; pub fn run() { tally::t(); }",
            ),
            ("checks/board.rs", "use super::E; pub fn seal() {}"),
            ("checks/tally.rs", "use super::{E, board::seal};"),
        ]));
        assert!(g.circles().is_empty(), "{:?}", g.circles());
        assert_eq!(g.floors(), 3);
    }

    #[test]
    fn a_path_through_a_re_export_leads_to_the_defining_file() {
        // `error` names `crate::Fault`, which lib re-exports from
        // `threshold`, which uses `error`: a circle between the two files.
        let g = Graph::build(&files(&[
            (
                "lib.rs",
                "mod error; mod threshold; pub use threshold::Fault;",
            ),
            ("error.rs", "pub enum Error { F(crate::Fault) }"),
            ("threshold.rs", "use crate::error::Error; pub struct Fault;"),
        ]));
        assert_eq!(g.circles(), [vec!["error.rs", "threshold.rs"]]);
    }

    #[test]
    fn external_crates_and_bins_are_not_modules() {
        let g = Graph::build(&files(&[
            ("lib.rs", "mod a; use std::fmt; use serde::Serialize;"),
            ("a.rs", "use std::fmt; use serde::{Serialize, de};"),
            ("main.rs", "use mycrate::a; mod x;"),
            ("bin/tool.rs", "use crate::a;"),
        ]));
        assert_eq!(g.files.len(), 2);
        assert!(
            g.imports.values().all(BTreeSet::is_empty),
            "{:?}",
            g.imports
        );
    }

    #[test]
    fn sql_is_recognised() {
        assert!(looks_like_sql("SELECT id FROM elections"));
        assert!(looks_like_sql(
            "\n            INSERT INTO board VALUES ($1)"
        ));
        assert!(looks_like_sql("\\\n UPDATE elections SET status = $1"));
        assert!(!looks_like_sql("SELECT"));
        assert!(!looks_like_sql("Select a district"));
        assert!(!looks_like_sql("DELETED"));
    }
}
