//! The messages an election sends its members, and the committee's
//! templates for them.
//!
//! | kind | when | placeholders |
//! |---|---|---|
//! | `nominations_open` | to every member, when nominations open | `{election}` `{link}` |
//! | `sign_in_code` | to a member asking to sign in to the nominations | `{election}` `{code}` `{minutes}` `{link}` |
//! | `nominated` | to a member someone nominated | `{election}` `{link}` |
//! | `voting_code` | to every member, when voting opens | `{election}` `{code}` `{link}` `{closes}` |
//! | `reminder` | to every member, when the committee sends it while voting is open | `{election}` `{link}` `{closes}` |
//! | `result` | to every member, when the result is published | `{election}` `{link}` |
//!
//! Every kind has a default text in each of the five languages (the
//! catalogue's `mail-<kind>-subject` and `mail-<kind>-body`); the
//! committee may replace it per language. A template is plain text with
//! placeholders in braces: an unknown placeholder is refused, and so is a
//! code message without `{code}` in its text (the member would get no
//! code) or with `{code}` in its subject (a subject is one for many
//! messages, and mail servers log subjects). The
//! election's messages go out in one language, the election's message
//! language.
//!
//! A template never holds a code; the rendered body that does is a
//! [`Zeroizing`] string, written only to the outbox.

use zeroize::Zeroizing;

use super::{Kind as Refusal, Refused};
use crate::i18n::{Lang, Words};

/// The longest subject, in characters.
const MAX_SUBJECT: usize = 200;
/// The longest body, in characters.
const MAX_BODY: usize = 5_000;

/// A kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nominations are open.
    NominationsOpen,
    /// A one-time sign-in code for the nominations.
    SignInCode,
    /// A member was nominated.
    Nominated,
    /// A member's voting code.
    VotingCode,
    /// A reminder to vote.
    Reminder,
    /// The result is published.
    Result,
}

impl Kind {
    /// Every kind, in the order of an election's life.
    pub const ALL: [Kind; 6] = [
        Kind::NominationsOpen,
        Kind::SignInCode,
        Kind::Nominated,
        Kind::VotingCode,
        Kind::Reminder,
        Kind::Result,
    ];

    /// Its name in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NominationsOpen => "nominations_open",
            Kind::SignInCode => "sign_in_code",
            Kind::Nominated => "nominated",
            Kind::VotingCode => "voting_code",
            Kind::Reminder => "reminder",
            Kind::Result => "result",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The placeholders its template may use.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            Kind::NominationsOpen | Kind::Nominated | Kind::Result => &["election", "link"],
            Kind::SignInCode => &["election", "code", "minutes", "link"],
            Kind::VotingCode => &["election", "code", "link", "closes"],
            Kind::Reminder => &["election", "link", "closes"],
        }
    }

    /// Whether the message carries a code (and its template must say where).
    pub fn carries_code(self) -> bool {
        matches!(self, Kind::SignInCode | Kind::VotingCode)
    }

    /// The catalogue's keys of its default subject and body.
    fn keys(self) -> (&'static str, &'static str) {
        match self {
            Kind::NominationsOpen => (
                "mail-nominations_open-subject",
                "mail-nominations_open-body",
            ),
            Kind::SignInCode => ("mail-sign_in_code-subject", "mail-sign_in_code-body"),
            Kind::Nominated => ("mail-nominated-subject", "mail-nominated-body"),
            Kind::VotingCode => ("mail-voting_code-subject", "mail-voting_code-body"),
            Kind::Reminder => ("mail-reminder-subject", "mail-reminder-body"),
            Kind::Result => ("mail-result-subject", "mail-result-body"),
        }
    }

    /// The page's name for it.
    pub fn title_key(self) -> &'static str {
        match self {
            Kind::NominationsOpen => "messages-nominations_open",
            Kind::SignInCode => "messages-sign_in_code",
            Kind::Nominated => "messages-nominated",
            Kind::VotingCode => "messages-voting_code",
            Kind::Reminder => "messages-reminder",
            Kind::Result => "messages-result",
        }
    }
}

/// A message's subject and body, with placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// One line.
    pub subject: String,
    /// Plain text.
    pub body: String,
}

/// The default template of `kind` in `lang`.
pub fn default(kind: Kind, lang: Lang) -> Template {
    let (subject, body) = kind.keys();
    // The catalogue's placeables, filled with the placeholders themselves.
    let args: Vec<(&'static str, String)> = kind
        .placeholders()
        .iter()
        .map(|p| (*p, format!("{{{p}}}")))
        .collect();
    Template {
        subject: Words::new(subject, &args).text(lang),
        body: Words::new(body, &args).text(lang),
    }
}

/// The placeholders `text` uses, or the text of the first brace that
/// opens no placeholder.
fn used(text: &str) -> Result<Vec<&str>, ()> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        let after = rest.get(open..).unwrap_or("");
        if after.starts_with('}') {
            return Err(());
        }
        let after = after.get(1..).unwrap_or("");
        let close = after.find('}').ok_or(())?;
        let name = after.get(..close).unwrap_or("");
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(());
        }
        out.push(name);
        rest = after.get(close + 1..).unwrap_or("");
    }
    Ok(out)
}

impl Template {
    /// The template if every rule of the [module documentation](self)
    /// holds for `kind`, trimmed.
    pub fn check(kind: Kind, subject: &str, body: &str) -> Result<Template, Refused> {
        let allowed = kind
            .placeholders()
            .iter()
            .map(|p| format!("{{{p}}}"))
            .collect::<Vec<_>>();
        let refuse = |key: &'static str| {
            Refused::said(
                Refusal::Invalid,
                "invalid_template",
                key,
                &[("placeholders", allowed.join(" "))],
            )
        };
        let subject = subject.trim();
        let body = body.trim();
        if subject.is_empty()
            || subject.chars().count() > MAX_SUBJECT
            || subject.contains(['\n', '\r'])
        {
            return Err(refuse("messages-bad_subject"));
        }
        if body.is_empty() || body.chars().count() > MAX_BODY {
            return Err(refuse("messages-bad_body"));
        }
        let control = |t: &str| {
            t.chars()
                .any(|c| super::text::forbidden_control(c) || super::text::invisible(c))
        };
        if control(subject) || control(body) {
            return Err(refuse("messages-bad_body"));
        }
        let mut all = Vec::new();
        for text in [subject, body] {
            all.extend(used(text).map_err(|()| refuse("messages-unknown_placeholder"))?);
        }
        if all.iter().any(|p| !kind.placeholders().contains(p)) {
            return Err(refuse("messages-unknown_placeholder"));
        }
        if kind.carries_code() && !used(body).unwrap_or_default().contains(&"code") {
            return Err(refuse("messages-code_missing"));
        }
        if used(subject).unwrap_or_default().contains(&"code") {
            return Err(refuse("messages-code_in_subject"));
        }
        Ok(Template {
            subject: subject.to_owned(),
            body: body.to_owned(),
        })
    }

    /// The message for one member: every placeholder replaced by its
    /// value (a placeholder without a value is left as written). The
    /// subject never holds the code (see [`Template::check`]); the body is
    /// written into one allocation that never grows, so no copy of a code
    /// is left behind in freed memory.
    pub fn render(&self, values: &[(&str, &str)]) -> (String, Zeroizing<String>) {
        let longest = values.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        let fill = |text: &str| {
            // Each `{` is replaced by at most the longest value.
            let braces = text.matches('{').count();
            let mut out = Zeroizing::new(String::with_capacity(text.len() + braces * longest));
            let mut rest = text;
            while let Some(open) = rest.find('{') {
                let (before, after) = rest.split_at(open);
                out.push_str(before);
                let value = after.find('}').and_then(|close| {
                    let name = after.get(1..close)?;
                    values
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map(|(_, v)| (close, *v))
                });
                match value {
                    Some((close, v)) => {
                        out.push_str(v);
                        rest = after.get(close + 1..).unwrap_or("");
                    }
                    None => {
                        out.push('{');
                        rest = after.get(1..).unwrap_or("");
                    }
                }
            }
            out.push_str(rest);
            out
        };
        let subject = fill(&self.subject).to_string();
        (subject, fill(&self.body))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_default_passes_its_own_check_in_every_language() {
        for lang in crate::i18n::ALL {
            for kind in Kind::ALL {
                let t = default(kind, lang);
                let checked = Template::check(kind, &t.subject, &t.body);
                assert!(checked.is_ok(), "{kind:?} in {lang:?}: {t:?}");
                assert_eq!(checked.unwrap(), t);
            }
        }
    }

    #[test]
    fn a_template_is_refused_for_what_it_cannot_say() {
        let refused = |kind, s: &str, b: &str| Template::check(kind, s, b).unwrap_err().code;
        assert_eq!(
            refused(Kind::Result, "Result", "See {link} {code}"),
            "invalid_template"
        );
        assert_eq!(
            refused(Kind::Result, "Result", "See {lin"),
            "invalid_template"
        );
        assert_eq!(
            refused(Kind::Result, "Result", "See } here"),
            "invalid_template"
        );
        assert_eq!(refused(Kind::Result, "", "See {link}"), "invalid_template");
        assert_eq!(
            refused(Kind::Result, "Two\nlines", "See {link}"),
            "invalid_template"
        );
        assert_eq!(
            refused(Kind::VotingCode, "Code", "Vote at {link}"),
            "invalid_template"
        );
        assert_eq!(
            refused(Kind::VotingCode, "{code}", "Vote at {link}"),
            "invalid_template"
        );
        // Never the code in a subject: one subject serves many members.
        let r = Template::check(Kind::VotingCode, "Code {code}", "Code {code}").unwrap_err();
        assert!(
            r.message.starts_with("the subject may not hold the code"),
            "{}",
            r.message
        );
        let long = "x".repeat(MAX_BODY + 1);
        assert_eq!(refused(Kind::Result, "Result", &long), "invalid_template");
        // The refusal lists what may be used.
        let r = Template::check(Kind::Reminder, "R", "{code}").unwrap_err();
        assert!(
            r.message.contains("{election} {link} {closes}"),
            "{}",
            r.message
        );
    }

    #[test]
    fn rendering_fills_every_placeholder_and_keeps_other_braces() {
        let t = Template::check(
            Kind::VotingCode,
            " Vote: {election} ",
            "Code {code}, at {link} by {closes}.",
        )
        .unwrap();
        let (subject, body) = t.render(&[
            ("election", "Board {2027}"),
            ("code", "ABCD-EFGH"),
            ("link", "https://v.example/elections/3/vote"),
            ("closes", "2031-03-09 19:00 UTC"),
        ]);
        assert_eq!(subject, "Vote: Board {2027}");
        assert_eq!(
            body.as_str(),
            "Code ABCD-EFGH, at https://v.example/elections/3/vote by 2031-03-09 19:00 UTC."
        );
    }
}
