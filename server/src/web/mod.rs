//! The web pages: the voting booth, checking one's ballot, the public
//! board and result, members' nominations, and the committee's pages.
//!
//! Pages are rendered on the server (maud); JavaScript is used where it
//! serves: the booth (the engine compiled to WebAssembly encrypts the
//! ballot in the browser, see the `valurna-booth` crate), the committee's
//! and members' forms (`web/static/app.js` sends them to the JSON API with
//! the session's CSRF token), and the live turnout chart. Reading pages
//! work without JavaScript.
//!
//! | path | page |
//! |---|---|
//! | `/` | elections |
//! | `/elections/{id}` | one election: status, turnout, links |
//! | `/elections/{id}/vote` | the voting booth |
//! | `/elections/{id}/board` | the public board |
//! | `/elections/{id}/track?tracker=` | check my ballot |
//! | `/elections/{id}/result` | the result, seats per district |
//! | `/elections/{id}/verify` | the record and how to run `valurna-verify` |
//! | `/member` | members: sign in with a one-time code, nominate, answer |
//! | `/staff`, `/staff/elections/{id}` | the committee's pages |
//! | `/staff/elections/new` | the election builder |
//! | `/staff/elections/{id}/trustee` | a trustee's key ceremony in the browser |
//! | `/staff/account` | one's own account; an admin's accounts |
//! | `/staff/organisation` | organisations, invitations, the audit log |
//! | `/staff/invite/{token}` | an invited person chooses a username and password |
//! | `/staff/setup` | the first run: the platform admin's account, with the setup token |
//! | `/lang?to=sv&back=/path` | the language switch |
//! | `/static/…` | style, scripts, the booth's WebAssembly |
//!
//! Every page is in five languages ([`i18n`]), has labels on every
//! field, a skip link, visible focus, AA contrast, and fits a 360-px-wide
//! screen. Pages carry their own Content-Security-Policy
//! ([`PAGE_CSP`]): scripts, styles and WebAssembly from this origin only.

pub use crate::i18n;

mod account;
mod booth;
mod builder;
mod ceremony;
mod committee;
mod first_run;
mod member;
mod messages;
mod organisation;
mod protocol;
mod public;
mod roll;
mod trustee;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

pub use i18n::Lang;

use crate::http::error::ApiError;
use crate::http::extract::{P, Staff};
use crate::http::state::AppState;

/// The Content-Security-Policy of pages: nothing inline, nothing from
/// elsewhere; WebAssembly may be compiled (`'wasm-unsafe-eval'`, the booth).
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(public::home))
        .route("/lang", get(switch_language))
        .route("/static/{file}", get(static_file))
        .route("/static/pkg/{file}", get(pkg_file))
        .route("/elections/{id}", get(public::election))
        .route("/elections/{id}/board", get(public::board))
        .route("/elections/{id}/track", get(public::track))
        .route("/elections/{id}/result", get(public::result))
        .route("/elections/{id}/protocol.pdf", get(protocol::protocol))
        .route("/elections/{id}/result.csv", get(protocol::counts))
        .route("/elections/{id}/verify", get(public::verify))
        .route("/elections/{id}/vote", get(booth::page))
        .route("/member", get(member::page))
        .route("/staff", get(committee::home))
        .route("/staff/setup", get(first_run::page))
        .route("/staff/account", get(account::page))
        .route("/staff/organisation", get(organisation::page))
        .route("/staff/invite/{token}", get(organisation::invite))
        .route("/staff/elections/new", get(builder::page))
        .route("/staff/elections/{id}", get(committee::election))
        .route("/staff/elections/{id}/messages", get(messages::page))
        .route("/staff/elections/{id}/trustee", get(trustee::page))
}

/// What a page handler gives back: the page, or an error shown as a page.
pub type PageResult = Result<Response, ApiError>;

/// Renders an error as a page in `lang` with the error's status.
pub fn error_page(lang: Lang, e: ApiError) -> Response {
    let status = e.status();
    let mut r = layout(
        lang,
        lang.t("error-title"),
        "/",
        None,
        html! {
            h1 { (lang.t("error-title")) }
            p role="alert" { (e.message_in(lang)) }
            p { a href="/" { (lang.t("error-back")) } }
        },
    );
    *r.status_mut() = status;
    r
}

/// Runs a page handler, showing an error as a page.
pub async fn render(lang: Lang, page: impl Future<Output = PageResult>) -> Response {
    match page.await {
        Ok(r) => r,
        Err(e) => error_page(lang, e),
    }
}

/// The frame of every page: header with navigation and the language
/// switch, `main`, footer. `csrf` is the signed-in session's token, for
/// the forms' script.
pub fn layout(lang: Lang, title: &str, path: &str, csrf: Option<&str>, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Valurna" }
                link rel="stylesheet" href="/static/style.css";
                link rel="icon" type="image/svg+xml" href="/static/favicon.svg";
                @if let Some(token) = csrf {
                    meta name="csrf-token" content=(token);
                }
                script type="module" src="/static/app.js" {}
            }
            body {
                a class="skip" href="#main" { (lang.t("nav-skip")) }
                header class="site" {
                    a class="brand" href="/" { "Valurna" }
                    nav aria-label=(lang.t("nav-elections")) {
                        a href="/" { (lang.t("nav-elections")) }
                        a href="/member" { (lang.t("nav-member")) }
                        a href="/staff" { (lang.t("nav-staff")) }
                    }
                    form class="lang" action="/lang" method="get" {
                        label class="sr-only" for="lang-to" { (lang.t("nav-language")) }
                        select id="lang-to" name="to" {
                            @for l in i18n::ALL {
                                option value=(l.tag()) lang=(l.tag()) selected[l == lang] { (l.name()) }
                            }
                        }
                        input type="hidden" name="back" value=(path);
                        button type="submit" { (lang.t("nav-language-change")) }
                    }
                }
                main id="main" tabindex="-1" { (body) }
                script type="application/json" id="page-strings" { (json_block(&i18n::js_strings(lang))) }
                footer class="site" {
                    p { (lang.t("footer-privacy")) }
                }
            }
        }
    };
    page_response(markup)
}

/// Who is signed in, with links to their account and to sign out.
pub fn signed_in(lang: Lang, staff: &Staff) -> Markup {
    html! {
        div class="whoami" {
            (lang.t("staff-signed_in")) " " strong { (staff.username) } " (" (lang.t(&format!("role-{}", staff.role.as_str()))) ") "
            a href="/staff/account" id="account-link" { (lang.t("account-link")) }
            @if matches!(staff.role, crate::election::accounts::Role::PlatformAdmin
                | crate::election::accounts::Role::OrgAdmin) {
                " " a href="/staff/organisation" id="organisation-link" { (lang.t("org-link")) }
            }
            form data-api="/api/logout" data-method="POST" data-done="go:/staff" {
                button type="submit" class="link" { (lang.t("staff-logout")) }
            }
        }
    }
}

/// The fields of an account a person makes for themselves (an
/// invitation, the first run): the username and the password, with their
/// rules.
pub fn new_account_fields(lang: Lang) -> Markup {
    html! {
        label for="username" { (lang.t("staff-username")) }
        input id="username" name="username" type="text" autocomplete="username" pattern="[a-z0-9._\\-]{3,64}" maxlength="64" aria-describedby="username-help" required;
        p class="help" id="username-help" { (lang.t("invite-username_help")) }
        label for="password" { (lang.t("staff-password")) }
        input id="password" name="password" type="password" autocomplete="new-password" minlength=(crate::election::accounts::MIN_PASSWORD_CHARS) maxlength="1024" aria-describedby="password-help" required;
        p class="help" id="password-help" { (lang.t("account-new_help")) }
    }
}

/// An HTML answer with the pages' CSP.
pub fn page_response(markup: Markup) -> Response {
    let mut r = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    r
}

/// JSON for a `<script type="application/json">` block: `<` is escaped so
/// that no text can end the block.
pub fn json_block(value: &serde_json::Value) -> PreEscaped<String> {
    PreEscaped(value.to_string().replace('<', "\\u003c"))
}

/// A status's words.
pub fn status_text(lang: Lang, status: &str) -> &'static str {
    match status {
        "draft" => lang.t("status-draft"),
        "nominations" => lang.t("status-nominations"),
        "ceremony" => lang.t("status-ceremony"),
        "open" => lang.t("status-open"),
        "tallied" => lang.t("status-tallied"),
        _ => lang.t("status-closed"),
    }
}

#[derive(Debug, Deserialize)]
struct SwitchQuery {
    to: String,
    back: Option<String>,
}

/// `GET /lang?to=sv&back=/path`: sets the language cookie and goes back
/// (to a path on this site only).
async fn switch_language(
    query: Result<Query<SwitchQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return Redirect::to("/").into_response();
    };
    let lang = Lang::parse(&q.to).unwrap_or(Lang::En);
    let back = safe_back(q.back);
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        i18n::LANG_COOKIE,
        lang.tag()
    );
    let mut r = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// Where the language switch may go back to: a path on this site, else
/// the start page (never `//elsewhere` or `\\elsewhere`, an open redirect).
fn safe_back(back: Option<String>) -> String {
    back.filter(|b| {
        b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') && !b.contains(['\r', '\n'])
    })
    .unwrap_or_else(|| "/".into())
}

/// The pages' own files, compiled in.
const STATIC: &[(&str, &str, &str)] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/static/style.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../../web/static/favicon.svg"),
    ),
    (
        "trustee.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/static/trustee.js"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/static/app.js"),
    ),
    (
        "booth.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/static/booth.js"),
    ),
];

async fn static_file(P(file): P<String>) -> Response {
    match STATIC.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => cached(mime, body.as_bytes().to_vec()),
        None => not_found(),
    }
}

/// `GET /static/pkg/{file}`: the booth's WebAssembly and its glue, built by
/// `web/build.sh` into the web directory ([`AppState::web_dir`]).
async fn pkg_file(State(app): State<AppState>, P(file): P<String>) -> Response {
    let mime = if file.ends_with(".wasm") {
        "application/wasm"
    } else if file.ends_with(".js") {
        "text/javascript; charset=utf-8"
    } else {
        return not_found();
    };
    let plain = file
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    if !plain || file.starts_with('.') {
        return not_found();
    }
    match tokio::fs::read(app.web_dir().join(&file)).await {
        Ok(bytes) => cached(mime, bytes),
        Err(_) => ApiError::not_found(
            "booth_not_built",
            "the browser booth is not built: run web/build.sh",
        )
        .into_response(),
    }
}

/// A static file, cacheable for five minutes (pages themselves are
/// `no-store`).
fn cached(mime: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_blocks_cannot_close_their_script() {
        let v = serde_json::json!({"name": "</script><script>alert(1)</script>"});
        let s = json_block(&v).0;
        assert!(!s.contains("</"));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap_or_default();
        assert_eq!(back, v);
    }

    #[test]
    fn the_switch_goes_back_only_to_this_site() {
        for (back, to) in [
            (Some("/elections/1/vote"), "/elections/1/vote"),
            (Some("//evil.example/x"), "/"),
            (Some("https://evil.example/"), "/"),
            (Some("/\\evil.example"), "/"),
            (Some("/x\r\nSet-Cookie: a=b"), "/"),
            (None, "/"),
        ] {
            assert_eq!(safe_back(back.map(String::from)), to, "{back:?}");
        }
    }
}
