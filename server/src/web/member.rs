//! Members' nomination pages: sign in with a one-time code, propose a
//! candidate, accept or decline a nomination, write a presentation. The
//! forms go to the members' JSON API ([`crate::members`]) through
//! `web/static/app.js`.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::{Lang, layout, render};
use crate::auth::Member;
use crate::serve::{ApiError, AppState};

pub(super) fn status_words(lang: Lang, status: &str) -> &'static str {
    match status {
        "proposed" => lang.t("nomination.proposed"),
        "accepted" => lang.t("nomination.accepted"),
        "declined" => lang.t("nomination.declined"),
        "approved" => lang.t("nomination.approved"),
        _ => lang.t("nomination.rejected"),
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
            let open = client
                .query(
                    "SELECT s.id, s.title, o.name FROM setups s JOIN organisations o ON o.id = s.organisation \
                     WHERE s.status = 'nominations' ORDER BY s.id DESC LIMIT 100",
                    &[],
                )
                .await?;
            return Ok(layout(
                lang,
                lang.t("member.title"),
                "/member",
                None,
                html! {
                    h1 { (lang.t("member.title")) }
                    p { (lang.t("member.intro")) }
                    @if open.is_empty() {
                        p class="notice" { (lang.t("member.none_open")) }
                    } @else {
                        form class="stack" data-api="/api/member/code" data-method="POST"
                            data-done="reveal:#login-form" id="code-request" {
                            label for="m-setup" { (lang.t("member.election")) }
                            select id="m-setup" name="setup" data-type="int" data-share="setup" {
                                @for r in &open {
                                    option value=(r.get::<_, i64>(0)) { (r.get::<_, String>(1)) " (" (r.get::<_, String>(2)) ")" }
                                }
                            }
                            label for="m-number" { (lang.t("member.number")) }
                            input id="m-number" name="member_number" type="text" autocomplete="username" required data-share="member_number";
                            button type="submit" { (lang.t("member.request")) }
                            p class="notice good" data-done-message hidden { (lang.t("member.sent")) }
                            p class="error-line" role="alert" data-error {}
                        }
                        form class="stack" data-api="/api/member/login" data-method="POST"
                            data-done="reload" id="login-form" hidden {
                            input type="hidden" name="setup" data-type="int" data-from="setup";
                            input type="hidden" name="member_number" data-from="member_number";
                            label for="m-code" { (lang.t("member.code")) }
                            input id="m-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                                pattern="[0-9]{8}" required;
                            button type="submit" class="primary" { (lang.t("member.login")) }
                            p class="error-line" role="alert" data-error {}
                        }
                    }
                },
            ));
        };
        let setup = crate::manage::setup_row(&client, member.setup, false).await?;
        let mine = client
            .query(
                "SELECT n.id, CASE WHEN n.nominee = $1 THEN 'nominee' ELSE 'proposer' END, \
                 m.member_number, m.name, n.status, n.reason, n.presentation FROM nominations n \
                 JOIN members m ON m.id = n.nominee \
                 WHERE n.nominee = $1 OR n.proposer = $1 ORDER BY n.id",
                &[&member.id],
            )
            .await?;
        let open = setup.status == "nominations";
        Ok(layout(
            lang,
            lang.t("member.title"),
            "/member",
            Some(&member.csrf),
            html! {
                h1 { (lang.t("member.title")) ": " (setup.title) }
                p {
                    (lang.t("member.district")) ": " strong { (member.district) }
                    " · " span class={ "status status-" (setup.status) } { (super::status_text(lang, &setup.status)) }
                }
                @if open {
                    section aria-labelledby="h-propose" {
                        h2 id="h-propose" { (lang.t("member.propose")) }
                        form class="stack" data-api="/api/member/nominations" data-method="POST" data-done="reload" {
                            label for="nominee" { (lang.t("member.nominee")) }
                            p class="help" id="nominee-help" { (lang.t("member.propose_help")) }
                            input id="nominee" name="nominee" type="text" required aria-describedby="nominee-help";
                            button type="submit" { (lang.t("member.submit")) }
                            p class="error-line" role="alert" data-error {}
                        }
                    }
                }
                section aria-labelledby="h-mine" {
                    h2 id="h-mine" { (lang.t("member.mine")) }
                    @if mine.is_empty() { p { (lang.t("member.none")) } }
                    ul class="cards" {
                        @for r in &mine {
                            @let id: i64 = r.get(0);
                            @let role: String = r.get(1);
                            @let status: String = r.get(4);
                            @let reason: Option<String> = r.get(5);
                            @let presentation: Option<String> = r.get(6);
                            li class="card" data-nomination=(id) {
                                p {
                                    @if role == "nominee" { strong { (lang.t("member.you_were")) } }
                                    @else { (lang.t("member.you_nominated")) ": " strong { (r.get::<_, String>(3)) " (" (r.get::<_, String>(2)) ")" } }
                                }
                                p { span class={ "status status-" (status) } { (status_words(lang, &status)) } }
                                @if let Some(reason) = reason { p { (lang.t("member.reason")) ": " (reason) } }
                                @if open && role == "nominee" && status == "proposed" {
                                    div class="actions" {
                                        form data-api={ "/api/member/nominations/" (id) "/respond" } data-method="POST"
                                            data-json=r#"{"accept":true}"# data-done="reload" {
                                            button type="submit" class="primary" { (lang.t("member.accept")) }
                                        }
                                        form data-api={ "/api/member/nominations/" (id) "/respond" } data-method="POST"
                                            data-json=r#"{"accept":false}"# data-done="reload" {
                                            button type="submit" { (lang.t("member.decline")) }
                                        }
                                    }
                                }
                                @if open && role == "nominee" && matches!(status.as_str(), "accepted" | "approved") {
                                    form class="stack" data-api="/api/member/presentation" data-method="PUT" data-done="message" {
                                        label for={ "text-" (id) } { (lang.t("member.presentation")) }
                                        textarea id={ "text-" (id) } name="text" rows="6" maxlength="2000" {
                                            (presentation.clone().unwrap_or_default())
                                        }
                                        button type="submit" { (lang.t("member.save")) }
                                        p class="notice good" data-done-message hidden { (lang.t("js.done")) }
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
                    button type="submit" { (lang.t("member.logout")) }
                }
            },
        ))
    })
    .await
}
