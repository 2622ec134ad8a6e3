//! Members' nomination pages: sign in with a one-time code, propose a
//! candidate, accept or decline a nomination, write a presentation. The
//! forms go to the members' JSON API ([`crate::http::sessions`], [`crate::http::nominations`]) through
//! `web/static/app.js`.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::{Lang, layout, render};
use crate::db;
use crate::election::lifecycle::Status;
use crate::http::access;
use crate::http::error::ApiError;
use crate::http::extract::Member;
use crate::http::state::AppState;

pub(super) fn status_words(lang: Lang, status: &str) -> &'static str {
    match status {
        "proposed" => lang.t("nomination-proposed"),
        "accepted" => lang.t("nomination-accepted"),
        "declined" => lang.t("nomination-declined"),
        "approved" => lang.t("nomination-approved"),
        _ => lang.t("nomination-rejected"),
    }
}

/// `GET /member`.
pub(super) async fn page(
    State(app): State<AppState>,
    lang: Lang,
    member: Result<Member, ApiError>,
) -> Response {
    render(lang, async {
        let client = app.pool().get().await?;
        let Ok(member) = member else {
            let open = db::elections::in_nominations(&client, 100).await?;
            return Ok(layout(
                lang,
                lang.t("member-title"),
                "/member",
                None,
                html! {
                    h1 { (lang.t("member-title")) }
                    p { (lang.t("member-intro")) }
                    @if open.is_empty() {
                        p class="notice" { (lang.t("member-none_open")) }
                    } @else {
                        form class="stack" data-api="/api/member/code" data-method="POST"
                            data-done="reveal:#login-form" id="code-request" {
                            label for="m-election" { (lang.t("member-election")) }
                            select id="m-election" name="election" data-type="int" data-share="election" {
                                @for r in &open {
                                    option value=(r.id) { bdi { (r.title) } " (" bdi { (r.organisation) } ")" }
                                }
                            }
                            label for="m-number" { (lang.t("member-number")) }
                            input id="m-number" name="member_number" type="text" autocomplete="username" required data-share="member_number";
                            button type="submit" { (lang.t("member-request")) }
                            p class="notice good" data-done-message hidden { (lang.t("member-sent")) }
                            p class="error-line" role="alert" data-error {}
                        }
                        form class="stack" data-api="/api/member/login" data-method="POST"
                            data-done="reload" id="login-form" hidden {
                            input type="hidden" name="election" data-type="int" data-from="election";
                            input type="hidden" name="member_number" data-from="member_number";
                            label for="m-code" { (lang.t("member-code")) }
                            input id="m-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                                pattern="[0-9]{8}" required;
                            button type="submit" class="primary" { (lang.t("member-login")) }
                            p class="error-line" role="alert" data-error {}
                        }
                    }
                },
            ));
        };
        let setup = access::election(&client, member.election, false).await?;
        let mine = db::nominations::of_member(&client, member.id).await?;
        let open = setup.status == Status::Nominations;
        Ok(layout(
            lang,
            lang.t("member-title"),
            "/member",
            Some(&member.csrf),
            html! {
                h1 { (lang.t("member-title")) ": " bdi { (setup.title) } }
                p {
                    (lang.t("member-district")) ": " strong { (member.district) }
                    " · " span class={ "status status-" (setup.status.as_str()) } { (super::status_text(lang, setup.status.as_str())) }
                }
                @if open {
                    section aria-labelledby="h-propose" {
                        h2 id="h-propose" { (lang.t("member-propose")) }
                        form class="stack" data-api="/api/member/nominations" data-method="POST" data-done="reload" {
                            label for="nominee" { (lang.t("member-nominee")) }
                            p class="help" id="nominee-help" { (lang.t("member-propose_help")) }
                            input id="nominee" name="nominee" type="text" required aria-describedby="nominee-help";
                            button type="submit" { (lang.t("member-submit")) }
                            p class="error-line" role="alert" data-error {}
                        }
                    }
                }
                section aria-labelledby="h-mine" {
                    h2 id="h-mine" { (lang.t("member-mine")) }
                    @if mine.is_empty() { p { (lang.t("member-none")) } }
                    ul class="cards" {
                        @for r in &mine {
                            @let id = r.id;
                            @let role = r.role.as_str();
                            @let status = r.status.as_str();
                            @let reason = r.reason.as_deref();
                            @let presentation = r.presentation.as_deref();
                            li class="card" data-nomination=(id) {
                                p {
                                    @if role == "nominee" { strong { (lang.t("member-you_were")) } }
                                    @else { (lang.t("member-you_nominated")) ": " strong { (r.name) " (" (r.nominee) ")" } }
                                }
                                p { span class={ "status status-" (status) } { (status_words(lang, status)) } }
                                @if let Some(reason) = reason { p { (lang.t("member-reason")) ": " (reason) } }
                                @if open && role == "nominee" && status == "proposed" {
                                    div class="actions" {
                                        form data-api={ "/api/member/nominations/" (id) "/respond" } data-method="POST"
                                            data-json=r#"{"accept":true}"# data-done="reload" {
                                            button type="submit" class="primary" { (lang.t("member-accept")) }
                                        }
                                        form data-api={ "/api/member/nominations/" (id) "/respond" } data-method="POST"
                                            data-json=r#"{"accept":false}"# data-done="reload" {
                                            button type="submit" { (lang.t("member-decline")) }
                                        }
                                    }
                                }
                                @if open && role == "nominee" && matches!(status, "accepted" | "approved") {
                                    form class="stack" data-api="/api/member/presentation" data-method="PUT" data-done="message" {
                                        label for={ "text-" (id) } { (lang.t("member-presentation")) }
                                        textarea id={ "text-" (id) } name="text" rows="6" maxlength="2000" {
                                            (presentation.unwrap_or_default())
                                        }
                                        button type="submit" { (lang.t("member-save")) }
                                        p class="notice good" data-done-message hidden { (lang.t("js-done")) }
                                        p class="error-line" role="alert" data-error {}
                                    }
                                } @else if let Some(text) = presentation {
                                    blockquote { (text) }
                                }
                            }
                        }
                    }
                }
                form data-api="/api/member/logout" data-method="POST" data-done="reload" {
                    button type="submit" { (lang.t("member-logout")) }
                }
            },
        ))
    })
    .await
}
