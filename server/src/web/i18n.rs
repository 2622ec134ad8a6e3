//! The pages' words in English and Swedish.
//!
//! The language comes from the `valurna_lang` cookie that the switch in
//! every page's header sets, else from the browser's `Accept-Language`
//! (the first of `sv` or `en` it names), else English. Every key has both
//! languages; a test checks it. The booth's script gets its strings from
//! the page ([`js_strings`]), so there is one table.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

/// The cookie the language switch sets.
pub const LANG_COOKIE: &str = "valurna_lang";

/// A page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Swedish.
    Sv,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
        }
    }

    /// From a tag (`en`, `sv`, `sv-SE`, …).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "sv" => Some(Lang::Sv),
            _ => None,
        }
    }

    /// The other language (the switch's target).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Sv,
            Lang::Sv => Lang::En,
        }
    }

    /// The language's own name.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Sv => "Svenska",
        }
    }

    /// The text of `key` in this language (the key itself if it is
    /// missing, which the tests rule out for every key used).
    pub fn t(self, key: &str) -> &'static str {
        match STRINGS.iter().find(|(k, _, _)| *k == key) {
            Some((_, en, sv)) => match self {
                Lang::En => en,
                Lang::Sv => sv,
            },
            None => {
                tracing::warn!(key, "missing string");
                ""
            }
        }
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

/// The strings the booth's and the forms' scripts use, as a JSON object.
pub fn js_strings(lang: Lang) -> serde_json::Value {
    STRINGS
        .iter()
        .filter(|(k, _, _)| k.starts_with("js."))
        .map(|(k, _, _)| (k.to_string(), serde_json::Value::from(lang.t(k))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

pub use super::strings::STRINGS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_has_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for (k, en, sv) in STRINGS {
            assert!(seen.insert(*k), "{k} twice");
            assert!(!en.is_empty() && !sv.is_empty(), "{k}");
        }
    }

    /// Every `t("key")` in the pages' sources and the booth's script names
    /// a key of the table.
    #[test]
    fn every_key_used_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web");
        let mut sources: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|f| std::fs::read_to_string(f.path()).ok())
            .collect();
        sources.push(include_str!("../../../web/static/booth.js").to_string());
        let mut used = 0;
        for text in &sources {
            for piece in text.split("t(\"").skip(1) {
                let Some(key) = piece.split('"').next() else {
                    continue;
                };
                if key.contains('.') && !key.contains(' ') {
                    used += 1;
                    assert!(
                        STRINGS.iter().any(|(k, _, _)| *k == key),
                        "the key {key} is used but not in the table"
                    );
                }
            }
        }
        assert!(used > 100, "only {used} keys found: the scan is broken");
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
            Lang::of_headers(&headers(&[
                ("accept-language", "sv"),
                ("cookie", "a=b; valurna_lang=en")
            ])),
            Lang::En
        );
        assert_eq!(Lang::Sv.t("booth.cast"), "Lägg min röst");
    }
}
