//! `/staff/setup`: the first run's page, where the operator makes the
//! platform admin's account with the setup token `valurna serve` printed
//! ([`crate::http::first_run`]). Once an account exists it only says so.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::{Lang, layout, new_account_fields, render};
use crate::http::first_run;
use crate::http::state::AppState;

/// `GET /staff/setup`.
pub(super) async fn page(State(app): State<AppState>, lang: Lang) -> Response {
    render(lang, async {
        let needed = first_run::needed(&app).await?;
        Ok(layout(
            lang,
            lang.t("setup-title"),
            "/staff/setup",
            None,
            html! {
                h1 { (lang.t("setup-title")) }
                @if needed {
                    p { (lang.t("setup-intro")) }
                    form class="stack narrow" id="setup-form" data-api="/api/setup" data-method="POST" data-done="go:/staff" {
                        label for="token" { (lang.t("setup-token")) }
                        input id="token" name="token" type="password" autocomplete="off" spellcheck="false" aria-describedby="token-help" required;
                        p class="help" id="token-help" { (lang.t("setup-token_help")) }
                        (new_account_fields(lang))
                        button type="submit" class="primary" { (lang.t("setup-create")) }
                        p class="error-line" role="alert" data-error {}
                    }
                } @else {
                    p id="setup-done" { (lang.t("setup-done")) " " a href="/staff" { (lang.t("staff-login")) } }
                }
            },
        ))
    })
    .await
}
