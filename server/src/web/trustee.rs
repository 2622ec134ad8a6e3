//! A trustee's page for one election (record.md §6): the key ceremony in
//! the trustee's own browser. `web/static/trustee.js` loads the engine as
//! WebAssembly (the `valurna-booth` crate's `TrusteeKey`), follows the
//! ceremony's standing, takes the trustee's round when it is due, and
//! uploads only the round's public file. The secret leaves the browser
//! only in a key file sealed under the trustee's passphrase, which the
//! trustee saves and must reopen before the ceremony goes on.

use axum::extract::State;
use axum::response::Response;
use maud::html;
use serde_json::json;

use super::{Lang, json_block, layout, render, signed_in};
use crate::http::access::trustee_index;
use crate::http::error::ApiError;
use crate::http::extract::{P, Staff};
use crate::http::state::AppState;

/// `GET /staff/elections/{id}/trustee`.
pub(super) async fn page(
    State(app): State<AppState>,
    lang: Lang,
    P(id): P<i64>,
    staff: Result<Staff, ApiError>,
) -> Response {
    render(lang, async {
        let staff = staff?;
        let s = crate::http::elections::overview(State(app.clone()), P(id), staff.clone())
            .await?
            .0;
        let index = trustee_index(&app.pool().get().await?, &staff, id).await?;
        let ceremony = crate::http::ceremony::files(State(app.clone()), P(id), staff.clone())
            .await?
            .0;
        let data = json!({
            "election": id,
            "index": index,
            "trustees": s.trustees,
            "threshold": s.threshold,
            "names": s.trustee_accounts.iter().map(|t| json!({"index": t.index, "username": t.username})).collect::<Vec<_>>(),
        });
        let standing = crate::http::ceremony::standing(State(app.clone()), P(id), staff.clone())
            .await?
            .0;
        Ok(layout(
            lang,
            lang.t("trustee-title"),
            &format!("/staff/elections/{id}/trustee"),
            Some(&staff.csrf),
            html! {
                script type="application/json" id="trustee-data" { (json_block(&data)) }
                script type="module" src="/static/trustee.js" {}
                h1 { (lang.fmt("trustee-heading", &[("index", index.into())])) ": " bdi { (s.title) } }
                (signed_in(lang, &staff))
                p { a href={ "/staff/elections/" (id) } { (lang.t("trustee-back")) } }
                p { (lang.t("trustee-intro")) }
                noscript { p class="notice bad" { (lang.t("trustee-nojs")) } }
                div id="trustee-status" role="status" aria-live="polite" class="status-line" {}
                div id="trustee-error" role="alert" class="error-line" tabindex="-1" {}

                section id="step-make" class="step" hidden aria-labelledby="h-make" {
                    h2 id="h-make" tabindex="-1" { (lang.t("trustee-make_heading")) }
                    p { (lang.t("trustee-make_help")) }
                    form id="make-form" class="stack narrow" novalidate {
                        label for="make-pass" { (lang.t("trustee-passphrase")) }
                        p class="help" id="make-pass-help" { (lang.t("trustee-passphrase_help")) }
                        input id="make-pass" type="password" autocomplete="new-password" minlength="12" aria-describedby="make-pass-help" required;
                        label for="make-again" { (lang.t("trustee-passphrase_again")) }
                        input id="make-again" type="password" autocomplete="new-password" minlength="12" required;
                        button type="submit" class="primary" disabled { (lang.t("trustee-make")) }
                    }
                }

                section id="step-save" class="step" hidden aria-labelledby="h-save" {
                    h2 id="h-save" tabindex="-1" { (lang.t("trustee-save_heading")) }
                    p class="notice warn" { (lang.t("trustee-save_warning")) }
                    p { a id="save-link" class="button primary" href="#" download { (lang.t("trustee-save")) } }
                    form id="check-form" class="stack narrow" novalidate {
                        p { (lang.t("trustee-check_help")) }
                        label for="check-file" { (lang.t("trustee-key_file")) }
                        input id="check-file" type="file" accept=".json,application/json" required;
                        label for="check-pass" { (lang.t("trustee-passphrase")) }
                        input id="check-pass" type="password" autocomplete="current-password" required;
                        button type="submit" class="primary" { (lang.t("trustee-check")) }
                    }
                }

                section id="step-open" class="step" hidden aria-labelledby="h-open" {
                    h2 id="h-open" tabindex="-1" { (lang.t("trustee-open_heading")) }
                    p { (lang.t("trustee-open_help")) }
                    form id="open-form" class="stack narrow" novalidate {
                        label for="open-file" { (lang.t("trustee-key_file")) }
                        input id="open-file" type="file" accept=".json,application/json" required;
                        label for="open-pass" { (lang.t("trustee-passphrase")) }
                        input id="open-pass" type="password" autocomplete="current-password" required;
                        button type="submit" class="primary" disabled { (lang.t("trustee-open")) }
                    }
                }

                section id="step-decrypt" class="step" hidden aria-labelledby="h-decrypt" {
                    h2 id="h-decrypt" tabindex="-1" { (lang.t("trustee-decrypt_heading")) }
                    p { (lang.t("trustee-decrypt_help")) }
                    form id="decrypt-form" class="stack narrow" novalidate {
                        label for="decrypt-file" { (lang.t("trustee-key_file")) }
                        input id="decrypt-file" type="file" accept=".json,application/json" required;
                        label for="decrypt-pass" { (lang.t("trustee-passphrase")) }
                        input id="decrypt-pass" type="password" autocomplete="current-password" required;
                        button type="submit" class="primary" disabled { (lang.t("trustee-decrypt")) }
                    }
                    p class="help" { (lang.t("trustee-decrypt_large")) }
                    pre { code {
                        "valurna trustee decrypt --server " (app.public_url()) " --election " (id)
                        " --username " (staff.username) " --dir … --key-file …"
                    } }
                }

                @if s.status == "ceremony" {
                    section aria-labelledby="h-ceremony" {
                        h2 id="h-ceremony" { (lang.t("staff-ceremony")) }
                        div id="ceremony-live" {
                            (super::ceremony::section(lang, &s, &ceremony, &standing, app.public_url()))
                        }
                    }
                }
            },
        ))
    })
    .await
}
