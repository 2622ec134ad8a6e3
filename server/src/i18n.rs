//! The words a person reads, in Swedish, Norwegian (bokmål), Danish,
//! Finnish and English, from the Fluent files in `server/locales/` (one per
//! language, edited by translators as text): the pages, the booth's script,
//! and the API's error messages that have words of their own
//! ([`crate::http::error::ApiError::said`]).
//!
//! The language comes from the `valurna_lang` cookie that the switch in
//! every page's header sets, else from the browser's `Accept-Language`
//! (the one it prefers most of the five), else English. Every message
//! exists in every language with the same variables; a test checks it. The
//! booth's script gets its strings from the page ([`js_strings`]), so there
//! is one catalogue.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;

/// The cookie the language switch sets.
pub const LANG_COOKIE: &str = "valurna_lang";

/// A page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Swedish.
    Sv,
    /// Norwegian, bokmål.
    Nb,
    /// Danish.
    Da,
    /// Finnish.
    Fi,
}

/// Every language, in the order the switch lists them.
pub const ALL: [Lang; 5] = [Lang::Sv, Lang::Nb, Lang::Da, Lang::Fi, Lang::En];

/// One language's Fluent source.
fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::En => include_str!("../locales/en.ftl"),
        Lang::Sv => include_str!("../locales/sv.ftl"),
        Lang::Nb => include_str!("../locales/nb.ftl"),
        Lang::Da => include_str!("../locales/da.ftl"),
        Lang::Fi => include_str!("../locales/fi.ftl"),
    }
}

/// One language's messages: the Fluent bundle, for messages with values
/// filled in, and every message rendered once with its variables left as
/// `{name}` (what the pages' plain words and the scripts' templates use).
struct Catalogue {
    bundle: FluentBundle<FluentResource>,
    plain: HashMap<String, String>,
}

impl Catalogue {
    /// Loads a language's messages, with what parsing or rendering them
    /// reported (nothing: a test checks).
    fn load(lang: Lang) -> (Catalogue, Vec<String>) {
        let mut problems = Vec::new();
        let resource = FluentResource::try_new(source(lang).to_owned()).unwrap_or_else(|(r, e)| {
            problems.extend(e.iter().map(|e| format!("{}: {e}", lang.tag())));
            r
        });
        let ids_and_vars: Vec<(String, Vec<String>)> = resource
            .entries()
            .filter_map(|e| match e {
                ast::Entry::Message(m) => Some((
                    m.id.name.to_owned(),
                    m.value.as_ref().map(variables).unwrap_or_default(),
                )),
                _ => None,
            })
            .collect();
        let mut bundle = FluentBundle::new_concurrent(vec![lang.id()]);
        bundle.set_use_isolating(false);
        if let Err(e) = bundle.add_resource(resource) {
            problems.extend(e.iter().map(|e| format!("{}: {e}", lang.tag())));
        }
        let mut plain = HashMap::new();
        for (id, vars) in ids_and_vars {
            let mut args = FluentArgs::new();
            for v in &vars {
                args.set(v.clone(), format!("{{{v}}}"));
            }
            if let Some(text) = format(&bundle, &id, Some(&args), &mut problems) {
                plain.insert(id, text);
            }
        }
        if !problems.is_empty() {
            tracing::warn!(lang = lang.tag(), ?problems, "the messages have problems");
        }
        (Catalogue { bundle, plain }, problems)
    }
}

/// The variables (`{ $name }`) a message's pattern refers to.
fn variables(pattern: &ast::Pattern<&str>) -> Vec<String> {
    fn inline(e: &ast::InlineExpression<&str>, out: &mut Vec<String>) {
        if let ast::InlineExpression::VariableReference { id } = e
            && !out.iter().any(|v| v == id.name)
        {
            out.push(id.name.to_owned());
        }
    }
    fn walk(p: &ast::Pattern<&str>, out: &mut Vec<String>) {
        for element in &p.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                match expression {
                    ast::Expression::Inline(e) => inline(e, out),
                    ast::Expression::Select { selector, variants } => {
                        inline(selector, out);
                        for v in variants {
                            walk(&v.value, out);
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(pattern, &mut out);
    out
}

/// Formats message `id` of `bundle`, noting Fluent's complaints.
fn format(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    args: Option<&FluentArgs>,
    problems: &mut Vec<String>,
) -> Option<String> {
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let text = bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned();
    problems.extend(errors.iter().map(|e| format!("{id}: {e}")));
    Some(text)
}

/// A language's catalogue, loaded on first use.
fn catalogue(lang: Lang) -> &'static Catalogue {
    static EN: OnceLock<Catalogue> = OnceLock::new();
    static SV: OnceLock<Catalogue> = OnceLock::new();
    static NB: OnceLock<Catalogue> = OnceLock::new();
    static DA: OnceLock<Catalogue> = OnceLock::new();
    static FI: OnceLock<Catalogue> = OnceLock::new();
    let cell = match lang {
        Lang::En => &EN,
        Lang::Sv => &SV,
        Lang::Nb => &NB,
        Lang::Da => &DA,
        Lang::Fi => &FI,
    };
    cell.get_or_init(|| Catalogue::load(lang).0)
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>` and the switch.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
            Lang::Nb => "nb",
            Lang::Da => "da",
            Lang::Fi => "fi",
        }
    }

    fn id(self) -> unic_langid::LanguageIdentifier {
        // Each tag above is a valid identifier; the default (`und`) only
        // changes plural rules, which no message uses yet.
        self.tag().parse().unwrap_or_default()
    }

    /// From a tag (`en`, `sv-SE`, `nb`, `no`, `nn`, `da`, `fi-FI`, …):
    /// Norwegian in any form is shown in bokmål.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "sv" => Some(Lang::Sv),
            "nb" | "no" | "nn" => Some(Lang::Nb),
            "da" => Some(Lang::Da),
            "fi" => Some(Lang::Fi),
            _ => None,
        }
    }

    /// The language's own name.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Sv => "Svenska",
            Lang::Nb => "Norsk (bokmål)",
            Lang::Da => "Dansk",
            Lang::Fi => "Suomi",
        }
    }

    /// The text of message `key`, with any variable left as `{name}` (the
    /// key itself if it is missing, so a gap shows; the tests rule it out
    /// for every key used).
    pub fn t(self, key: &str) -> &'static str {
        match catalogue(self).plain.get(key) {
            Some(text) => text,
            None => {
                tracing::warn!(key, lang = self.tag(), "missing message");
                missing(key)
            }
        }
    }

    /// The text of message `key` with its variables filled in.
    pub fn fmt(self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, value.clone());
        }
        let mut problems = Vec::new();
        let text = format(&catalogue(self).bundle, key, Some(&fluent), &mut problems);
        if !problems.is_empty() {
            tracing::warn!(key, lang = self.tag(), ?problems, "message with problems");
        }
        text.unwrap_or_else(|| missing(key).to_owned())
    }

    /// The language a request asks for.
    pub fn of_headers(headers: &axum::http::HeaderMap) -> Lang {
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == LANG_COOKIE)
            .and_then(|c| Lang::parse(c.value()));
        if let Some(lang) = cookie {
            return lang;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(',')
                    .filter_map(|item| {
                        let mut parts = item.split(';');
                        let tag = parts.next()?;
                        let q = parts
                            .find_map(|p| p.trim().strip_prefix("q="))
                            .and_then(|q| q.parse::<f32>().ok())
                            .unwrap_or(1.0);
                        Some((Lang::parse(tag)?, q))
                    })
                    .filter(|(_, q)| *q > 0.0)
                    .fold(None, |best: Option<(Lang, f32)>, (l, q)| match best {
                        Some((_, bq)) if bq >= q => best,
                        _ => Some((l, q)),
                    })
                    .map(|(l, _)| l)
            })
            .unwrap_or(Lang::En)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::of_headers(&parts.headers))
    }
}

/// A message by its key, with its values: what a refusal says, kept so
/// that the answer can be given in the asker's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    key: &'static str,
    args: Vec<(&'static str, String)>,
}

impl Words {
    /// Message `key` with `args`.
    pub fn new(key: &'static str, args: &[(&'static str, String)]) -> Words {
        Words {
            key,
            args: args.to_vec(),
        }
    }

    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let args: Vec<(&str, FluentValue<'_>)> = self
            .args
            .iter()
            .map(|(k, v)| (*k, FluentValue::from(v.as_str())))
            .collect();
        lang.fmt(self.key, &args)
    }
}

/// What [`Lang::t`] shows for a message that is missing: its key, kept
/// once per key.
fn missing(key: &str) -> &'static str {
    static SEEN: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let Ok(mut seen) = SEEN.lock() else {
        return "";
    };
    if let Some(k) = seen.iter().find(|k| **k == key) {
        return k;
    }
    let k: &'static str = Box::leak(key.to_owned().into_boxed_str());
    seen.push(k);
    k
}

/// The strings the booth's and the forms' scripts use (the messages whose
/// key starts `js-`), as a JSON object.
pub fn js_strings(lang: Lang) -> serde_json::Value {
    catalogue(lang)
        .plain
        .iter()
        .filter(|(k, _)| k.starts_with("js-"))
        .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message ids of a language's file, in order, with their variables.
    fn messages(lang: Lang) -> Vec<(String, Vec<String>)> {
        let resource = match FluentResource::try_new(source(lang).to_owned()) {
            Ok(r) => r,
            Err((_, e)) => panic!("{}: {e:?}", lang.tag()),
        };
        resource
            .entries()
            .filter_map(|e| match e {
                ast::Entry::Message(m) => Some((
                    m.id.name.to_owned(),
                    m.value.as_ref().map(variables).unwrap_or_default(),
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_language_has_every_message_with_the_same_variables() {
        let english = messages(Lang::En);
        assert!(english.len() > 200, "only {} messages", english.len());
        for lang in ALL {
            let (_, problems) = Catalogue::load(lang);
            assert!(problems.is_empty(), "{}: {problems:?}", lang.tag());
            let these = messages(lang);
            let mut seen = std::collections::HashSet::new();
            for (id, _) in &these {
                assert!(seen.insert(id.clone()), "{}: {id} twice", lang.tag());
            }
            let mut a: Vec<_> = these.clone();
            let mut b: Vec<_> = english.clone();
            a.sort();
            b.sort();
            for ((ia, va), (ib, vb)) in a.iter().zip(&b) {
                assert_eq!(ia, ib, "{}: the messages differ from English", lang.tag());
                let (mut va, mut vb) = (va.clone(), vb.clone());
                va.sort();
                vb.sort();
                assert_eq!(va, vb, "{}: {ia} has other variables", lang.tag());
            }
            assert_eq!(a.len(), b.len(), "{}: number of messages", lang.tag());
            for (id, _) in &these {
                assert!(
                    catalogue(lang).plain.contains_key(id),
                    "{}: {id} has no value",
                    lang.tag()
                );
                assert!(
                    !lang.t(id).trim().is_empty(),
                    "{}: {id} is empty",
                    lang.tag()
                );
            }
        }
    }

    /// Every `t("key")`, `fmt("key"` and `"api-…"` key in the pages', the
    /// API's and the rules' sources and the scripts names a message, and the keys built at run time (roles,
    /// statuses, invitation states) exist for every value.
    #[test]
    fn every_key_used_exists() {
        // Every Rust file under these folders, subfolders too.
        let mut sources = Vec::new();
        let mut dirs: Vec<std::path::PathBuf> = ["src/web", "src/http", "src/election", "src/cli"]
            .iter()
            .map(|d| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(d))
            .collect();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    sources.extend(std::fs::read_to_string(path).ok());
                }
            }
        }
        sources.push(include_str!("../../web/static/booth.js").to_string());
        sources.push(include_str!("../../web/static/app.js").to_string());
        let mut used = 0;
        for text in &sources {
            // Pages' words by `t(`/`fmt(`; the API's by their `api-` keys.
            for call in ["t(", "fmt(", "\"api-"] {
                for (at, _) in text.match_indices(call) {
                    // `t(` itself, not the end of `get(` or `format(`.
                    let before = text.get(..at).and_then(|b| b.chars().next_back());
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    // The key: the string literal the call starts with
                    // (after any line break), or the `api-` literal itself.
                    let rest = if call.starts_with('"') {
                        text.get(at + 1..).unwrap_or_default()
                    } else {
                        let after = text.get(at + call.len()..).unwrap_or_default();
                        match after.trim_start().strip_prefix('"') {
                            Some(literal) => literal,
                            None => continue,
                        }
                    };
                    let key = rest.split('"').next().unwrap_or_default();
                    if key.contains('-') && !key.contains(' ') && !key.contains('{') {
                        used += 1;
                        for lang in ALL {
                            assert!(
                                catalogue(lang).plain.contains_key(key),
                                "the key {key} is used but not in {}.ftl",
                                lang.tag()
                            );
                        }
                    }
                }
            }
        }
        assert!(used > 100, "only {used} keys found: the scan is broken");
        use crate::election::accounts::Role;
        let built = [
            Role::PlatformAdmin,
            Role::OrgAdmin,
            Role::Committee,
            Role::Trustee,
            Role::Observer,
        ]
        .map(|r| format!("role-{}", r.as_str()))
        .into_iter()
        .chain(["used", "revoked", "expired", "open"].map(|s| format!("invitation-{s}")))
        .chain(crate::election::lifecycle::Status::ALL.map(|s| format!("status-{}", s.as_str())));
        for key in built {
            for lang in ALL {
                assert!(
                    catalogue(lang).plain.contains_key(&key),
                    "{key} in {}",
                    lang.tag()
                );
            }
        }
    }

    #[test]
    fn values_are_filled_in_and_templates_keep_their_names() {
        assert_eq!(Lang::En.t("js-chosen"), "{n} of {max} chosen");
        assert_eq!(
            Lang::Sv.fmt("js-chosen", &[("n", 2.into()), ("max", 3.into())]),
            "2 av 3 valda"
        );
        assert_eq!(Lang::Fi.t("no-such-message"), "no-such-message");
    }

    #[test]
    fn the_browser_and_the_cookie_choose_the_language() {
        let headers = |pairs: &[(&str, &str)]| {
            let mut h = axum::http::HeaderMap::new();
            for (k, v) in pairs {
                if let (Ok(k), Ok(v)) = (
                    axum::http::HeaderName::try_from(*k),
                    axum::http::HeaderValue::try_from(*v),
                ) {
                    h.append(k, v);
                }
            }
            h
        };
        assert_eq!(Lang::of_headers(&headers(&[])), Lang::En);
        assert_eq!(
            Lang::of_headers(&headers(&[("accept-language", "sv-SE,sv;q=0.9,en;q=0.8")])),
            Lang::Sv
        );
        assert_eq!(
            Lang::of_headers(&headers(&[("accept-language", "de-DE,en;q=0.5,sv;q=0.7")])),
            Lang::Sv
        );
        assert_eq!(
            Lang::of_headers(&headers(&[("accept-language", "en-GB,sv;q=0.5")])),
            Lang::En
        );
        assert_eq!(
            Lang::of_headers(&headers(&[("accept-language", "nn-NO,en;q=0.5")])),
            Lang::Nb
        );
        assert_eq!(
            Lang::of_headers(&headers(&[("accept-language", "fi-FI")])),
            Lang::Fi
        );
        assert_eq!(
            Lang::of_headers(&headers(&[
                ("accept-language", "sv"),
                ("cookie", "a=b; valurna_lang=da")
            ])),
            Lang::Da
        );
        assert_eq!(Lang::Sv.t("booth-cast"), "Lägg min röst");
    }
}
