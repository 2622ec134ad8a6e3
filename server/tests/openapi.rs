//! `server/openapi.json` against the code: every documented operation is
//! routed, every route is documented, and the server serves the file.
//!
//! Needs no database: the pool points at a closed port, so a handler that
//! reaches the database answers 503 at once, which still proves the route.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt as _;
use valurna_server::db;
use valurna_server::http::{self, AppState};
use valurna_server::receipt::ReceiptKey;

/// The document as it is in the repository.
const DOCUMENT: &str = include_str!("../openapi.json");

/// The source files whose `.route(…)` calls make the API's router (one
/// per resource; the pages' routes are not the API's).
const SOURCES: &[(&str, &str)] = &[
    ("first_run.rs", include_str!("../src/http/first_run.rs")),
    ("sessions.rs", include_str!("../src/http/sessions.rs")),
    (
        "second_factor.rs",
        include_str!("../src/http/second_factor.rs"),
    ),
    (
        "organisations.rs",
        include_str!("../src/http/organisations.rs"),
    ),
    ("invitations.rs", include_str!("../src/http/invitations.rs")),
    ("elections.rs", include_str!("../src/http/elections.rs")),
    ("schedule.rs", include_str!("../src/http/schedule.rs")),
    ("roll.rs", include_str!("../src/http/roll.rs")),
    ("nominations.rs", include_str!("../src/http/nominations.rs")),
    ("ceremony.rs", include_str!("../src/http/ceremony.rs")),
    ("ballots.rs", include_str!("../src/http/ballots.rs")),
    ("board.rs", include_str!("../src/http/board.rs")),
    ("tally.rs", include_str!("../src/http/tally.rs")),
    ("outbox.rs", include_str!("../src/http/outbox.rs")),
    ("messages.rs", include_str!("../src/http/messages.rs")),
    ("health.rs", include_str!("../src/http/health.rs")),
];

/// The methods an operation can have in OpenAPI, as axum's routing
/// functions name them.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("openapi.json is JSON")
}

/// Every (path, method) the document describes.
fn documented() -> BTreeSet<(String, String)> {
    let doc = document();
    let paths = doc["paths"].as_object().expect("`paths` is an object");
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        let item = item.as_object().expect("a path item is an object");
        for method in item.keys() {
            if METHODS.contains(&method.as_str()) {
                out.insert((path.clone(), method.clone()));
            }
        }
    }
    out
}

/// A state over a database that is never there.
fn state(dir: &std::path::Path) -> AppState {
    let pool = db::pool("postgres://nobody@127.0.0.1:1/none", 1).expect("pool");
    let key = ReceiptKey::load_or_create(&dir.join("receipt.key")).expect("receipt key");
    AppState::new(pool, key)
        .with_data_dir(dir.join("data"))
        // The router is probed without a client address: the token opens
        // the metrics.
        .with_metrics_access(http::state::MetricsAccess {
            from: Vec::new(),
            token: Some(zeroize::Zeroizing::new(METRICS_TOKEN.into())),
        })
}

const METRICS_TOKEN: &str = "probe-metrics";

/// A plausible value for a path parameter.
fn value_of(parameter: &str) -> String {
    match parameter {
        "id" | "org" | "n" | "staff" => "1".into(),
        "name" => "announcement-1.json".into(),
        "file" => "manifest.json".into(),
        "kind" => "voting_code".into(),
        "tracker" | "credential" => "0".repeat(64),
        "token" => "A".repeat(43),
        other => panic!("no plausible value for the path parameter {{{other}}}: add one"),
    }
}

/// `path` with its `{parameter}`s replaced by plausible values.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("a closed path parameter") + open;
        out.push_str(&rest[..open]);
        out.push_str(&value_of(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let dir = tempfile::tempdir().unwrap();
    let router = http::app(state(dir.path()));
    let doc = document();
    let operations = documented();
    assert!(!operations.is_empty());
    let mut wrong = Vec::new();
    for (path, method) in &operations {
        let operation = &doc["paths"][path.as_str()][method.as_str()];
        // Send a body of the documented kind, so that the request gets past
        // the content-type check where the handler has one before anything
        // else.
        let content_type = operation["requestBody"]["content"]
            .as_object()
            .and_then(|c| c.keys().next().cloned());
        let uri = concrete(path);
        let mut request = Request::builder()
            .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
            .uri(&uri)
            .header(header::AUTHORIZATION, format!("Bearer {METRICS_TOKEN}"));
        let body = match content_type.as_deref() {
            Some(t) if t.starts_with("application/json") => {
                request = request.header(header::CONTENT_TYPE, t);
                Body::from("{}")
            }
            Some(t) => {
                request = request.header(header::CONTENT_TYPE, t);
                Body::empty()
            }
            None => Body::empty(),
        };
        let response = router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let code = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v["error"].as_str().map(String::from));
        let fallback = status == StatusCode::NOT_FOUND && code.as_deref() == Some("not_found");
        if fallback || status == StatusCode::METHOD_NOT_ALLOWED {
            wrong.push(format!(
                "{} {uri} ({path}): {status}",
                method.to_uppercase()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "documented but not routed:\n{}",
        wrong.join("\n")
    );
}

/// For each byte of Rust `source`, whether it is code (not in a comment, a
/// string or a character literal).
fn code_mask(source: &str) -> Vec<bool> {
    let b = source.as_bytes();
    let mut mask = vec![true; b.len()];
    let mut i = 0;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let start = i;
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i = (i + 2).min(b.len());
        } else if b[i] == b'r'
            && (i == 0 || !ident(b[i - 1]))
            && matches!(b.get(i + 1), Some(b'"' | b'#'))
        {
            // A raw string: r"…", r#"…"#.
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            if b.get(i + 1 + hashes) != Some(&b'"') {
                i += 1;
                continue;
            }
            let end: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            i += 2 + hashes;
            while i < b.len() && !b[i..].starts_with(&end) {
                i += 1;
            }
            i = (i + end.len()).min(b.len());
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if b[i] == b'\'' {
            // A character literal ('x', '\n', '\''), or else a lifetime.
            if b.get(i + 1) == Some(&b'\\') {
                i += 2;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            } else {
                let width = source[i + 1..].chars().next().map_or(1, char::len_utf8);
                if b.get(i + 1 + width) == Some(&b'\'') {
                    i += 2 + width;
                } else {
                    i += 1;
                    continue;
                }
            }
        } else {
            i += 1;
            continue;
        }
        let end = i.min(b.len());
        mask[start..end].iter_mut().for_each(|m| *m = false);
        i = end;
    }
    mask
}

/// Every (path, method) that `.route("PATH", METHOD(…).METHOD(…)…)` calls
/// in `source` register: the path is the first argument, a string
/// literal; the methods are the routing functions called at the top level
/// of the second argument (`get(h)`, `get(h).put(h2)`,
/// `post(h).layer(…)`), not anything inside a handler or a layer.
fn routes_in(file: &str, source: &str) -> BTreeSet<(String, String)> {
    let mask = code_mask(source);
    let b = source.as_bytes();
    let mut out = BTreeSet::new();
    let needle = b".route(";
    let mut at = 0;
    while let Some(found) = source[at..].find(".route(") {
        let start = at + found;
        at = start + needle.len();
        if !mask[start] {
            continue;
        }
        // The first argument: a string literal.
        let mut i = at;
        while b[i].is_ascii_whitespace() {
            i += 1;
        }
        assert_eq!(b[i], b'"', "{file}: a .route( whose path is not a literal");
        let close = source[i + 1..].find('"').unwrap() + i + 1;
        let path = source[i + 1..close].to_string();
        i = close + 1;
        while b[i].is_ascii_whitespace() {
            i += 1;
        }
        assert_eq!(b[i], b',', "{file}: {path}: expected a second argument");
        i += 1;
        // The second argument, up to the `)` closing `.route(`.
        let mut depth = 0usize;
        let mut methods = Vec::new();
        while i < b.len() {
            if !mask[i] {
                i += 1;
                continue;
            }
            match b[i] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth == 0 => break,
                b')' | b']' | b'}' => depth -= 1,
                c if depth == 0 && c.is_ascii_alphabetic() => {
                    let word_end = i + source[i..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap();
                    let word = &source[i..word_end];
                    let before = source[..i].trim_end().chars().last();
                    let called = b.get(word_end) == Some(&b'(');
                    let chained_or_first = matches!(before, Some('.' | ','));
                    if called && chained_or_first && METHODS.contains(&word) {
                        methods.push(word.to_string());
                    }
                    i = word_end;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        assert!(
            !methods.is_empty(),
            "{file}: {path}: no method found in its .route(…)"
        );
        for method in methods {
            assert!(
                out.insert((path.clone(), method.clone())),
                "{file}: {method} {path} is routed twice"
            );
        }
    }
    out
}

fn routed() -> BTreeSet<(String, String)> {
    let mut all = BTreeSet::new();
    for (file, source) in SOURCES {
        let routes = routes_in(file, source);
        assert!(!routes.is_empty(), "{file}: no .route( found");
        for route in routes {
            assert!(all.insert(route.clone()), "{route:?} is routed twice");
        }
    }
    all
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The two tests above see the routes of [`SOURCES`] only: no other file
/// registers a route but the pages' router (none of whose paths is the
/// API's or the health's), and the router merges exactly the listed
/// resources and the pages.
#[test]
fn no_route_is_registered_outside_the_listed_files() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let listed: BTreeSet<&str> = SOURCES.iter().map(|(f, _)| *f).collect();
    let mut files = vec![];
    rust_files(&src, &mut files);
    assert!(files.len() > 40, "{} files", files.len());
    let mut outside = vec![];
    let mut pages = 0;
    for f in files {
        let rel = f
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel
            .strip_prefix("http/")
            .is_some_and(|name| listed.contains(name))
        {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        if !text.contains(".route(") {
            continue;
        }
        for (path, method) in routes_in(&rel, &text) {
            let health = ["/healthz", "/readyz", "/metrics"].contains(&path.as_str());
            if rel == "web/mod.rs" && !path.starts_with("/api") && !health {
                pages += 1;
            } else {
                outside.push(format!("{rel}: {} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(pages > 5, "the pages' routes were not found");
    assert!(
        outside.is_empty(),
        "routes outside the listed files: {outside:#?}"
    );
    // The router: `.merge(<module>::routes())` for each listed file, and the
    // pages.
    let router = include_str!("../src/http/mod.rs");
    let merged: BTreeSet<String> = router
        .match_indices(".merge(")
        .map(|(i, _)| {
            let rest = &router[i + ".merge(".len()..];
            rest[..rest.find("::routes()").expect("a merge of routes()")].to_string()
        })
        .collect();
    let mut expected: BTreeSet<String> = listed
        .iter()
        .map(|f| f.trim_end_matches(".rs").to_string())
        .collect();
    expected.insert("crate::web".into());
    assert_eq!(merged, expected);
}

#[test]
fn every_route_is_documented() {
    let code = routed();
    let doc = documented();
    let undocumented: Vec<String> = code
        .difference(&doc)
        .map(|(p, m)| format!("{} {p}", m.to_uppercase()))
        .collect();
    let unrouted: Vec<String> = doc
        .difference(&code)
        .map(|(p, m)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "routed but not in openapi.json:\n{}\nin openapi.json but not routed:\n{}",
        undocumented.join("\n"),
        unrouted.join("\n")
    );
}

#[test]
fn the_route_parser_reads_how_routes_are_written() {
    let source = r#"
        // .route("/commented", get(nothing))
        Router::new()
            .route("/a", get(a))
            .route("/b/{id}", get(b).put(c))
            .route(
                "/c",
                post(d).layer(DefaultBodyLimit::max(get_limit(1))),
            )
            .route("/d", get(|| async { ([(CONTENT_TYPE, "x")], post_it()) }))
            .route("/e", delete(e).patch(f))
    "#;
    let expected: BTreeSet<(String, String)> = [
        ("/a", "get"),
        ("/b/{id}", "get"),
        ("/b/{id}", "put"),
        ("/c", "post"),
        ("/d", "get"),
        ("/e", "delete"),
        ("/e", "patch"),
    ]
    .into_iter()
    .map(|(p, m)| (p.to_string(), m.to_string()))
    .collect();
    assert_eq!(routes_in("example", source), expected);
}

#[tokio::test]
async fn the_document_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let response = http::app(state(dir.path()))
        .oneshot(
            Request::builder()
                .uri("/api/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(&bytes[..], DOCUMENT.as_bytes());
    assert_eq!(http::health::OPENAPI, DOCUMENT);
}

#[test]
fn the_document_holds_together() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    // Every $ref points at something in the document.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(list) => list.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in &all {
        let pointer = r.strip_prefix('#').expect("a local $ref");
        assert!(doc.pointer(pointer).is_some(), "{r} points at nothing");
    }
    // Every operation declares exactly its path's parameters, answers with
    // the shared Error for 4xx and 5xx, and says who may call it.
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "valurna_session");
    assert_eq!(schemes["csrf"]["in"], "header");
    assert_eq!(schemes["csrf"]["name"], "X-CSRF-Token");
    for (path, method) in documented() {
        let operation = &doc["paths"][path.as_str()][method.as_str()];
        let what = format!("{} {path}", method.to_uppercase());
        let mut in_path: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .collect();
        let mut declared: Vec<&str> = operation["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        in_path.sort_unstable();
        declared.sort_unstable();
        assert_eq!(in_path, declared, "{what}: path parameters");
        assert!(
            operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{what}: summary"
        );
        assert!(operation["security"].is_array(), "{what}: security");
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|c| c.starts_with('2')),
            "{what}: no 2xx"
        );
        for (code, response) in responses {
            if !(code.starts_with('4') || code.starts_with('5')) {
                continue;
            }
            let response = match response["$ref"].as_str() {
                Some(r) => doc.pointer(r.strip_prefix('#').unwrap()).unwrap(),
                None => response,
            };
            let content = response["content"].as_object().unwrap();
            // axum's own body-limit rejection is plain text; everything
            // else the handlers answer is the shared Error.
            if content.contains_key("text/plain") {
                assert_eq!(code, "413", "{what}: {code} in plain text");
                continue;
            }
            assert_eq!(
                content["application/json"]["schema"]["$ref"], "#/components/schemas/Error",
                "{what}: {code}"
            );
        }
    }
}
