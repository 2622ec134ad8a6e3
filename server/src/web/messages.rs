//! `GET /staff/elections/{id}/messages`: what the election sends its
//! members. The committee chooses the language the messages go out in,
//! changes any text (a preview shows a member's message as it is typed),
//! goes back to the default text, and sends the reminder while voting is
//! open. The forms go to [`crate::http::messages`].

use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};

use super::{Lang, layout, render, signed_in};
use crate::db;
use crate::election::accounts::MANAGERS;
use crate::election::lifecycle::Status;
use crate::election::messages::Kind;
use crate::http::error::ApiError;
use crate::http::extract::{P, Staff};
use crate::http::messages::{MessageJson, booth_link, closes_text, nominations_link, result_link};
use crate::http::state::AppState;

/// A sample voting code for the preview (not a real one).
const SAMPLE_CODE: &str = "ABCDE-FGHJK-LMNPQ-RSTUV";

fn template_form(lang: Lang, sending: Lang, id: i64, m: &MessageJson, kind: Kind) -> Markup {
    let k = kind.as_str();
    let placeholders: Vec<String> = m.placeholders.iter().map(|p| format!("{{{p}}}")).collect();
    html! {
        section class="message" aria-labelledby={ "h-" (k) } {
            h2 id={ "h-" (k) } { (lang.t(kind.title_key())) }
            @if m.own { p { span class="badge" { (lang.t("messages-own")) } } }
            form class="stack" data-api={ "/api/elections/" (id) "/messages/" (k) } data-method="PUT"
                data-done="reload" data-preview=(k) id={ "message-" (k) } {
                label for={ "subject-" (k) } { (lang.t("messages-subject")) }
                input id={ "subject-" (k) } name="subject" type="text" maxlength="200" value=(m.subject) lang=(sending.tag()) required;
                label for={ "body-" (k) } { (lang.t("messages-body")) }
                textarea id={ "body-" (k) } name="body" rows="6" maxlength="5000" lang=(sending.tag()) required { (m.body) }
                p class="help" { (lang.fmt("messages-placeholders", &[("placeholders", placeholders.join(" ").into())])) }
                div class="preview" aria-live="polite" lang=(sending.tag()) {
                    h3 { (lang.t("messages-preview")) }
                    p { strong data-preview-subject {} }
                    p class="message-body" data-preview-body {}
                }
                button type="submit" { (lang.t("messages-save")) }
                p class="error-line" role="alert" data-error {}
            }
            @if m.own {
                form class="action" data-api={ "/api/elections/" (id) "/messages/" (k) } data-method="DELETE"
                    data-done="reload" id={ "reset-" (k) } {
                    button type="submit" { (lang.t("messages-reset")) }
                    p class="error-line" role="alert" data-error {}
                }
            }
        }
    }
}

/// `GET /staff/elections/{id}/messages`.
pub(super) async fn page(
    State(app): State<AppState>,
    lang: Lang,
    P(id): P<i64>,
    staff: Result<Staff, ApiError>,
) -> Response {
    render(lang, async {
        let staff = staff?;
        let s = crate::http::elections::overview(State(app.clone()), P(id), staff.clone()).await?.0;
        staff.require(s.organisation, MANAGERS)?;
        let all = crate::http::messages::read_json(&app, id, &staff).await?;
        let sending = Lang::parse(&all.lang).unwrap_or(Lang::En);
        let e = {
            let client = app.pool().get().await?;
            let row = crate::http::access::visible(&client, &staff, id, false).await?;
            let members = db::messages::contact_count(&client, id).await?;
            (row, members)
        };
        let (row, members) = e;
        let closes = closes_text(sending, row.closes_at);
        // What the preview fills in: this election's own values, a sample code.
        let values = serde_json::json!({
            "election": s.title,
            "code": SAMPLE_CODE,
            "minutes": crate::election::accounts::CODE_MINUTES.to_string(),
            "closes": closes,
            "link": "",
        });
        let links = serde_json::json!({
            "nominations_open": nominations_link(&app),
            "sign_in_code": nominations_link(&app),
            "nominated": nominations_link(&app),
            "voting_code": booth_link(&app, id),
            "reminder": booth_link(&app, id),
            "result": result_link(&app, id),
        });
        let editable = row.status != Status::Tallied;
        let reminder = lang.fmt(
            "messages-reminder_confirm",
            &[("count", members.into()), ("election", s.title.as_str().into())],
        );
        Ok(layout(
            lang,
            lang.t("messages-title"),
            &format!("/staff/elections/{id}/messages"),
            Some(&staff.csrf),
            html! {
                h1 { (lang.t("messages-title")) ": " bdi { (s.title) } }
                (signed_in(lang, &staff))
                p { a href={ "/staff/elections/" (id) } { "← " bdi { (s.title) } } }
                p class="help" { (lang.t("messages-help")) }
                script type="application/json" id="preview-values" { (super::json_block(&values)) }
                script type="application/json" id="preview-links" { (super::json_block(&links)) }
                @if editable {
                    form class="stack narrow" data-api={ "/api/elections/" (id) "/messages" } data-method="PUT"
                        data-done="reload" id="message-lang" {
                        label for="lang" { (lang.t("messages-lang")) }
                        select id="lang" name="lang" {
                            @for l in crate::i18n::ALL {
                                option value=(l.tag()) selected[l == sending] lang=(l.tag()) { (l.name()) }
                            }
                        }
                        button type="submit" { (lang.t("messages-lang_save")) }
                        p class="error-line" role="alert" data-error {}
                    }
                    @if row.status == Status::Open {
                        section aria-labelledby="h-send-reminder" {
                            h2 id="h-send-reminder" { (lang.t("messages-send_reminder")) }
                            form class="action" data-api={ "/api/elections/" (id) "/reminders" } data-method="POST"
                                data-done="message" data-confirm=(reminder) id="send-reminder" {
                                button type="submit" { (lang.t("messages-send_reminder")) }
                                p data-done-message hidden { (lang.t("messages-saved")) }
                                p class="error-line" role="alert" data-error {}
                            }
                        }
                    }
                    @for (m, kind) in all.messages.iter().zip(Kind::ALL) {
                        (template_form(lang, sending, id, m, kind))
                    }
                }
            },
        ))
    })
    .await
}
