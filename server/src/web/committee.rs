//! The committee's pages: sign in, the organisation's elections, and one
//! election from roll import to result. Reading is server-rendered from
//! the same handlers the JSON API uses ([`crate::http`]); every action
//! is a form that `web/static/app.js` sends to the API with the session's
//! CSRF token, so the pages add no second path with its own checks.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::public::{district_turnout, result_file, result_markup, result_ties, turnout_chart};
use super::{Lang, layout, render, signed_in, status_text};
use crate::db;
use crate::election::accounts::{MANAGERS, Role};
use crate::election::tally::RECORD_FILES;
use crate::http::elections::ElectionJson;
use crate::http::error::ApiError;
use crate::http::extract::{P, Staff};
use crate::http::nominations::NominationJson;
use crate::http::state::AppState;

const STEPS: &[&str] = &[
    "draft",
    "nominations",
    "ceremony",
    "open",
    "closed",
    "tallied",
];

fn login_page(lang: Lang) -> Response {
    layout(
        lang,
        lang.t("staff-title"),
        "/staff",
        None,
        html! {
            h1 { (lang.t("staff-title")) }
            form class="stack narrow" data-api="/api/login" data-method="POST" data-done="reload" data-reveal-on="second_factor_required:#code-box" id="staff-login" {
                label for="username" { (lang.t("staff-username")) }
                input id="username" name="username" type="text" autocomplete="username" required;
                label for="password" { (lang.t("staff-password")) }
                input id="password" name="password" type="password" autocomplete="current-password" required;
                div class="stack" id="code-box" hidden {
                    label for="code" { (lang.t("staff-code")) }
                    input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6";
                }
                button type="submit" class="primary" { (lang.t("staff-login")) }
                p class="error-line" role="alert" data-error {}
            }
        },
    )
}

/// `GET /staff`: sign in, or the organisation's elections.
pub(super) async fn home(
    State(app): State<AppState>,
    lang: Lang,
    staff: Result<Staff, ApiError>,
) -> Response {
    let Ok(staff) = staff else {
        // A database with no account yet: the first-run page.
        return match crate::http::first_run::needed(&app).await {
            Ok(true) => Redirect::to("/staff/setup").into_response(),
            _ => login_page(lang),
        };
    };
    render(lang, async {
        let client = app.pool().get().await?;
        let rows = db::elections::list(&client, staff.organisation).await?;
        Ok(layout(
            lang,
            lang.t("staff-title"),
            "/staff",
            Some(&staff.csrf),
            html! {
                h1 { (lang.t("staff-title")) }
                (signed_in(lang, &staff))
                h2 { (lang.t("staff-elections")) }
                @if rows.is_empty() {
                    p { (lang.t("staff-none")) }
                }
                @if staff.organisation.is_some() && MANAGERS.contains(&staff.role) {
                    p { a class="button primary" href="/staff/elections/new" id="new-election" { (lang.t("builder-new")) } }
                }
                ul class="cards" {
                    @for r in &rows {
                        @let id = r.id;
                        @let status = r.status.as_str();
                        li class="card" {
                            h3 { a href={ "/staff/elections/" (id) } { (r.title) } }
                            p { (r.organisation) }
                            p { span class={ "status status-" (status) } { (status_text(lang, status)) } }
                            p { a class="button" href={ "/staff/elections/" (id) } { (lang.t("staff-open_it")) } }
                        }
                    }
                }
            },
        ))
    })
    .await
}

fn stepper(lang: Lang, status: &str) -> Markup {
    let at = STEPS.iter().position(|s| *s == status).unwrap_or(0);
    html! {
        ol class="stepper" aria-label=(lang.t("staff-progress")) {
            @for (i, s) in STEPS.iter().enumerate() {
                @if i == at {
                    li class="current" aria-current="step" { (status_text(lang, s)) }
                } @else if i < at {
                    li class="done" { "✓ " (status_text(lang, s)) }
                } @else {
                    li { (status_text(lang, s)) }
                }
            }
        }
    }
}

fn overview(lang: Lang, s: &ElectionJson) -> Markup {
    html! {
        section aria-labelledby="h-overview" {
            h2 id="h-overview" { (lang.t("staff-overview")) }
            div class="scroll" tabindex="0" role="region" aria-labelledby="h-overview" {
                table class="overview" {
                    thead { tr {
                        th scope="col" { (lang.t("turnout-district")) }
                        th scope="col" class="num" { (lang.t("staff-seats")) }
                        th scope="col" class="num" { (lang.t("staff-eligible")) }
                        th scope="col" class="num" { (lang.t("staff-nominations")) }
                        th scope="col" class="num" { (lang.t("staff-accepted")) }
                        th scope="col" class="num" { (lang.t("staff-approved")) }
                    } }
                    tbody {
                        @for d in &s.districts {
                            tr class=[d.lacking.then_some("lacking")] data-district=(d.district) {
                                th scope="row" {
                                    (d.district)
                                    @if d.lacking { " " span class="badge warn" { (lang.t("staff-lacking")) } }
                                }
                                td class="num" { (d.seats) }
                                td class="num" { (d.eligible) }
                                td class="num" { (d.nominations) }
                                td class="num" { (d.accepted) }
                                td class="num" { (d.approved) }
                            }
                        }
                    }
                }
            }
            @if !s.lacking.is_empty() && matches!(s.status.as_str(), "draft" | "nominations") {
                p class="notice warn" { (lang.t("staff-lacking_list")) " " (s.lacking.join(", ")) }
            }
            p id="trustee-list" {
                (lang.t("staff-trustees")) ": "
                @for (i, t) in s.trustee_accounts.iter().enumerate() {
                    @if i > 0 { ", " }
                    (t.index) ". " (t.username)
                }
                " — " (s.threshold) " / " (s.trustees) " " (lang.t("staff-threshold"))
            }
        }
    }
}

fn nominations_markup(lang: Lang, id: i64, list: &[NominationJson], can_decide: bool) -> Markup {
    html! {
        section aria-labelledby="h-review" {
            h2 id="h-review" { (lang.t("staff-review")) }
            @if list.is_empty() { p { (lang.t("member-none")) } }
            ul class="cards" {
                @for n in list {
                    li class="card" data-nomination=(n.id) {
                        h3 { bdi { (n.name) } " (" bdi { (n.nominee) } ")" }
                        p { (lang.t("turnout-district")) ": " bdi { (n.district) } " · " (lang.t("staff-proposer")) ": " bdi { (n.proposer) } }
                        p { span class={ "status status-" (n.status) } { (super::member::status_words(lang, &n.status)) } }
                        @if let Some(reason) = &n.reason { p { (lang.t("member-reason")) ": " (reason) } }
                        @if let Some(text) = &n.presentation { blockquote { (text) } }
                        @if can_decide && matches!(n.status.as_str(), "accepted" | "approved" | "rejected") {
                            div class="actions" {
                                @if n.status != "approved" {
                                    form data-api={ "/api/elections/" (id) "/nominations/" (n.id) "/decision" } data-method="POST"
                                        data-json=r#"{"approve":true}"# data-done="reload" {
                                        button type="submit" class="primary" { (lang.t("staff-approve")) }
                                    }
                                }
                                @if n.status != "rejected" {
                                    form class="inline" data-api={ "/api/elections/" (id) "/nominations/" (n.id) "/decision" } data-method="POST"
                                        data-json=r#"{"approve":false}"# data-done="reload" {
                                        label for={ "reason-" (n.id) } { (lang.t("staff-reason")) }
                                        input id={ "reason-" (n.id) } name="reason" type="text" required maxlength="1000";
                                        button type="submit" { (lang.t("staff-reject")) }
                                    }
                                }
                                p class="error-line" role="alert" data-error {}
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A lifecycle step's button; `confirm` is the question asked first
/// (empty: the general one).
fn action(id: i64, path: &str, label: &str, primary: bool, confirm: Option<&str>) -> Markup {
    html! {
        form class="action" data-api={ "/api/elections/" (id) "/" (path) } data-method="POST" data-done="reload"
            data-confirm=[confirm] {
            button type="submit" class=[primary.then_some("primary")] { (label) }
            p class="error-line" role="alert" data-error {}
        }
    }
}

/// `GET /staff/elections/{id}`: one election, from roll to result.
pub(super) async fn election(
    State(app): State<AppState>,
    lang: Lang,
    P(id): P<i64>,
    staff: Result<Staff, ApiError>,
) -> Response {
    let Ok(staff) = staff else {
        return login_page(lang);
    };
    render(lang, async {
        let s = crate::http::elections::overview(State(app.clone()), P(id), staff.clone()).await?.0;
        let nominations = crate::http::nominations::list(State(app.clone()), P(id), staff.clone()).await?.0;
        let manager = matches!(staff.role, Role::OrgAdmin | Role::Committee | Role::PlatformAdmin);
        let trustee = staff.role == Role::Trustee;
        let status = s.status.as_str();
        let exports = match manager && matches!(status, "nominations" | "open" | "closed" | "tallied") {
            true => db::audit::outbox_exports(&app.pool().get().await?, id).await?,
            false => Vec::new(),
        };
        let roll_form = match manager && matches!(status, "draft" | "nominations") {
            true => Some(super::roll::roll_form(&app, lang, id, s.organisation).await?),
            false => None,
        };
        let trustees_form = match manager && matches!(status, "draft" | "nominations") {
            true => Some(super::builder::trustees_form(&app, lang, &s).await?),
            false => None,
        };
        let ceremony = if status == "ceremony" {
            Some((
                crate::http::ceremony::files(State(app.clone()), P(id), staff.clone()).await?.0,
                crate::http::ceremony::standing(State(app.clone()), P(id), staff.clone()).await?.0,
                match manager {
                    true => Some(super::builder::free_trustee_accounts(&app, &s).await?),
                    false => None,
                },
            ))
        } else {
            None
        };
        // Once voting opened, the election has its ballot box (same id).
        let ballot_box = matches!(status, "open" | "closed" | "tallied").then_some(id);
        let turnout = match ballot_box {
            Some(b) if matches!(status, "open" | "closed" | "tallied") => {
                Some(turnout_chart(&app, lang, b, status == "open").await?)
            }
            _ => None,
        };
        let shares = match ballot_box {
            Some(b) => std::fs::read_dir(app.record_dir(b))
                .map(|d| {
                    d.filter_map(Result::ok)
                        .filter(|f| f.file_name().to_string_lossy().starts_with("decryption-share-"))
                        .count()
                })
                .unwrap_or(0),
            None => 0,
        };
        // Closing names the election and the count so far.
        let close_question = match ballot_box {
            Some(b) if status == "open" => {
                let (voted, eligible) = app
                    .turnout(b)
                    .await?
                    .iter()
                    .fold((0u64, 0u64), |(v, e), (_, el, vo)| (v + vo, e + el));
                lang.fmt(
                    "staff-close_confirm",
                    &[
                        ("election", s.title.as_str().into()),
                        ("voted", voted.into()),
                        ("eligible", eligible.into()),
                    ],
                )
            }
            _ => String::new(),
        };
        let result = ballot_box.and_then(|b| result_file(&app, b));
        let (manifest, by_district, ties) = match (ballot_box, &result) {
            (Some(b), Some(r)) => {
                let m = super::public::load(&app, b).await?.manifest;
                let ties = result_ties(&app, b, &m, r).await?;
                (Some(m), district_turnout(&app, b).await?, ties)
            }
            _ => (None, Default::default(), Vec::new()),
        };
        let record_files: Vec<&str> = match ballot_box {
            Some(b) if matches!(status, "closed" | "tallied") => {
                let dir = app.record_dir(b);
                RECORD_FILES
                    .iter()
                    .copied()
                    .filter(|f| dir.join(f).is_file())
                    .collect()
            }
            _ => Vec::new(),
        };
        Ok(layout(
            lang,
            &s.title,
            &format!("/staff/elections/{id}"),
            Some(&staff.csrf),
            html! {
                h1 { (s.title) }
                (signed_in(lang, &staff))
                p { span class={ "status status-" (status) } { (status_text(lang, status)) }
                    @if let Some(b) = ballot_box { " · " a href={ "/elections/" (b) } { (lang.t("staff-public_page")) } } }
                (stepper(lang, status))
                @if manager && status != "tallied" {
                    p { a href={ "/staff/elections/" (id) "/messages" } id="messages-link" { (lang.t("messages-open")) } }
                }
                (overview(lang, &s))
                @if let Some(form) = &trustees_form { (form) }
                @if manager && matches!(status, "draft" | "nominations" | "ceremony" | "open") {
                    (super::builder::period_form(lang, &s))
                }
                @if let Some(form) = &roll_form { (form) }
                @if manager && status == "draft" {
                    (action(id, "nominations/open", lang.t("staff-nominations_open"), true, None))
                }
                @if matches!(status, "nominations") || !nominations.is_empty() && status == "draft" {
                    (nominations_markup(lang, id, &nominations, manager && status == "nominations"))
                }
                @if manager && status == "nominations" {
                    (action(id, "freeze", lang.t("staff-freeze"), true, Some("")))
                }
                @if let Some((files, standing, replacements)) = &ceremony {
                    section aria-labelledby="h-ceremony" {
                        h2 id="h-ceremony" { (lang.t("staff-ceremony")) }
                        @if trustee && s.trustee_accounts.iter().any(|t| t.username == staff.username) {
                            p { a class="button primary" id="trustee-page" href={ "/staff/elections/" (id) "/trustee" } { (lang.t("trustee-take_part")) } }
                        }
                        (super::ceremony::section(lang, &s, files, standing, app.public_url()))
                        @if manager { (action(id, "open", lang.t("staff-open"), true, Some(""))) }
                        @if let Some(accounts) = replacements.as_deref().filter(|_| standing.round < 4) {
                            (super::ceremony::restart_form(lang, &s, standing, accounts))
                        }
                    }
                }
                @if let Some(chart) = &turnout {
                    section aria-labelledby="h-turnout" {
                        h2 id="h-turnout" {
                            @if status == "open" { (lang.t("staff-turnout_live")) } @else { (lang.t("election-turnout")) }
                        }
                        (chart)
                    }
                }
                @if manager && matches!(status, "nominations" | "open" | "closed" | "tallied") {
                    section aria-labelledby="h-outbox" {
                        @let (title, help) = if status == "open" {
                            (lang.t("staff-outbox"), lang.t("staff-outbox_help"))
                        } else {
                            (lang.t("staff-outbox_codes"), lang.t("staff-outbox_codes_help"))
                        };
                        h2 id="h-outbox" { (title) }
                        p class="help" { (help) }
                        form class="action" data-api={ "/api/elections/" (id) "/outbox/export" } data-method="POST" data-done="download:outbox.csv" id="outbox-form" {
                            button type="submit" { (title) }
                            p class="error-line" role="alert" data-error {}
                        }
                        p class="help" { (lang.t("staff-letters_help")) }
                        form class="action" data-api={ "/api/elections/" (id) "/outbox/letters" } data-method="POST" data-done="download:letters.pdf" id="letters-form" {
                            button type="submit" { (lang.t("staff-letters")) }
                            p class="error-line" role="alert" data-error {}
                        }
                        h3 { (lang.t("staff-exports")) }
                        @if exports.is_empty() { p { (lang.t("staff-exports_none")) } }
                        ul id="exports" {
                            @for x in &exports {
                                li {
                                    (lang.fmt("staff-export_line", &[
                                        ("time", x.at.replace('T', " ").replace('Z', " UTC").into()),
                                        ("who", x.actor.clone().unwrap_or_default().into()),
                                        ("count", x.detail.clone().into()),
                                        ("kind", lang.t(if x.action == "outbox.letters" { "staff-export_letters" } else { "staff-export_csv" }).into()),
                                    ]))
                                }
                            }
                        }
                        p class="help" { (lang.t("staff-exports_help")) }
                    }
                }
                @if manager && status == "open" {
                    section aria-labelledby="h-close" {
                        h2 id="h-close" { (lang.t("staff-close")) }
                        p class="help" { (lang.t("staff-close_help")) }
                        (action(id, "close", lang.t("staff-close"), true, Some(&close_question)))
                    }
                }
                @if matches!(status, "closed" | "tallied") {
                    section aria-labelledby="h-tally" {
                        h2 id="h-tally" { (lang.t("staff-tally")) }
                        p {
                            label for="tally-progress" { strong data-shares { (shares) } " " (lang.t("staff-shares")) " " (s.threshold) }
                            " "
                            progress id="tally-progress" max=(s.threshold) value=(shares.min(s.threshold as usize)) { (shares) " / " (s.threshold) }
                        }
                        @if trustee && status == "closed" && s.trustee_accounts.iter().any(|t| t.username == staff.username) {
                            p { a class="button primary" id="trustee-page" href={ "/staff/elections/" (id) "/trustee" } { (lang.t("trustee-decrypt_heading")) } }
                        }
                        @if trustee && status == "closed" {
                            form class="stack" data-api={ "/api/elections/" (id) "/decryptions" } data-method="POST"
                                data-raw="file" data-raw-type="application/json" data-done="reload" {
                                p class="help" { (lang.t("staff-share_help")) }
                                label for="share-file" { (lang.t("staff-share_file")) }
                                input id="share-file" name="file" type="file" accept=".json,application/json" required;
                                button type="submit" class="primary" { (lang.t("staff-upload_share")) }
                                p class="error-line" role="alert" data-error {}
                            }
                        }
                        @if status == "closed" && !trustee {
                            div data-poll-status={ "/api/elections/" (id) } data-poll-until="tallied" {}
                        }
                    }
                }
                @if let (Some(r), Some(m)) = (&result, &manifest) {
                    section aria-labelledby="h-result" {
                        h2 id="h-result" { (lang.t("result-title")) }
                        (result_markup(lang, id, m, r, &by_district, &ties))
                    }
                }
                @if !record_files.is_empty() {
                    @if let Some(b) = ballot_box {
                        section aria-labelledby="h-record" {
                            h2 id="h-record" { (lang.t("staff-record")) }
                            ul class="files" {
                                @for f in &record_files {
                                    li { a href={ "/api/elections/" (b) "/record/" (f) } download=(f) { (f) } }
                                }
                            }
                        }
                    }
                }
            },
        ))
    })
    .await
}
