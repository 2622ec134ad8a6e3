//! The voting booth's page. The page carries the contests with the
//! candidates' presentations; `web/static/booth.js` loads the engine as
//! WebAssembly, derives the credential from the voting code, asks the
//! ballot box for the credential's district, lets the member choose,
//! encrypts and proves on the device, and casts or audits (see the
//! `valurna-booth` crate).

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use maud::html;
use serde_json::json;

use super::i18n::js_strings;
use super::public::load;
use super::{Lang, json_block, layout, render};
use crate::db;
use crate::http::extract::P;
use crate::http::nominations::candidate_list;
use crate::http::state::AppState;

/// `GET /elections/{id}/vote`.
pub(super) async fn page(State(app): State<AppState>, lang: Lang, P(id): P<i64>) -> Response {
    render(lang, async {
        let e = load(&app, id).await?;
        // Presentations of candidates of an election managed here, keyed
        // (district, candidate id) as the manifest was frozen.
        let client = app.pool().get().await?;
        let mut presentations: HashMap<(String, String), String> = HashMap::new();
        if db::elections::get(&client, id, false).await?.is_some() {
            for c in candidate_list(&client, id).await? {
                if let (Some(cid), Some(text)) = (c.id, c.presentation) {
                    presentations.insert((c.district, cid), text);
                }
            }
        }
        let contests: Vec<serde_json::Value> = e
            .manifest
            .contests
            .iter()
            .enumerate()
            .map(|(i, c)| {
                json!({
                    "index": i,
                    "id": c.id,
                    "title": c.title,
                    "district": c.district,
                    "seats": c.seats,
                    "min": c.min_selections,
                    "max": c.max_selections,
                    "ranked": c.is_ranked(),
                    "candidates": c.candidates.iter().enumerate().map(|(k, cand)| json!({
                        "index": k,
                        "id": cand.id,
                        "name": cand.name,
                        "presentation": presentations.get(&(c.district.clone(), cand.id.clone())),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let data = json!({
            "election": id,
            "open": e.status == "open",
            "contests": contests,
            "strings": js_strings(lang),
        });
        Ok(layout(
            lang,
            lang.t("booth-title"),
            &format!("/elections/{id}/vote"),
            None,
            html! {
                script type="application/json" id="booth-data" { (json_block(&data)) }
                script type="module" src="/static/booth.js" {}
                h1 { (lang.t("booth-title")) ": " bdi { (e.manifest.title) } }
                @if e.status != "open" {
                    p class="notice bad" { (lang.t("booth-closed")) }
                } @else {
                    noscript { p class="notice bad" { (lang.t("booth-nojs")) } }
                    div id="booth-status" role="status" aria-live="polite" class="status-line" {}
                    div id="booth-error" role="alert" class="error-line" {}

                    section id="step-code" class="step" aria-labelledby="h-code" {
                        h2 id="h-code" { (lang.t("booth-code_heading")) }
                        // Posted, never in an address: the script takes it.
                        form id="code-form" class="stack" method="post" novalidate {
                            label for="code" { (lang.t("booth-code_label")) }
                            p class="help" id="code-help" { (lang.t("booth-code_help")) }
                            input id="code" name="code" type="text" autocomplete="off" spellcheck="false"
                                autocapitalize="characters" aria-describedby="code-help" required;
                            // Enabled once the booth's engine has loaded.
                            button type="submit" class="primary" disabled { (lang.t("booth-continue")) }
                        }
                    }

                    section id="step-choose" class="step" hidden aria-labelledby="h-choose" {
                        h2 id="h-choose" tabindex="-1" { (lang.t("booth-choose_heading")) }
                        form id="choose-form" class="stack" novalidate {
                            div id="contests" {}
                            button type="submit" class="primary" { (lang.t("booth-review")) }
                        }
                    }

                    section id="step-review" class="step" hidden aria-labelledby="h-review" {
                        h2 id="h-review" tabindex="-1" { (lang.t("booth-review_heading")) }
                        div id="review" {}
                        div class="actions" {
                            button type="button" id="change" { (lang.t("booth-change")) }
                            button type="button" id="seal" class="primary" { (lang.t("booth-seal")) }
                        }
                    }

                    section id="step-sealed" class="step" hidden aria-labelledby="h-sealed" {
                        h2 id="h-sealed" tabindex="-1" { (lang.t("booth-sealed_heading")) }
                        p { (lang.t("booth-sealed_intro")) }
                        p class="tracker-big" {
                            span class="label" { (lang.t("booth-tracker")) ": " }
                            span id="sealed-tracker" class="tracker" {}
                        }
                        p class="help" id="sealed-timing" {}
                        div class="actions" {
                            button type="button" id="cast" class="primary" { (lang.t("booth-cast")) }
                            button type="button" id="audit" { (lang.t("booth-audit")) }
                        }
                        p class="help" { (lang.t("booth-audit_help")) }
                    }

                    section id="step-audit" class="step" hidden aria-labelledby="h-audit" {
                        h2 id="h-audit" tabindex="-1" { (lang.t("booth-audit_heading")) }
                        p class="notice warn" id="audit-not-cast" { (lang.t("booth-audit_not_cast")) }
                        div id="audit-outcome" {}
                        details {
                            summary { (lang.t("js-audit_data")) }
                            p class="help" { (lang.t("booth-audit_elsewhere")) }
                            pre { code { "valurna-verify DIR --audit valurna-audit.json" } }
                            p class="help" {
                                a href={ "/api/elections/" (id) "/manifest.json" } download="manifest.json" { "manifest.json" }
                                " · "
                                a href={ "/api/elections/" (id) "/parameters.json" } download="parameters.json" { "parameters.json" }
                            }
                            pre id="audit-data" class="hex" {}
                        }
                        div class="actions" {
                            a id="audit-save" class="button" download="valurna-audit.json" href="#" { (lang.t("js-save_audit")) }
                            button type="button" id="again" class="primary" { (lang.t("booth-again")) }
                        }
                    }

                    section id="step-receipt" class="step" hidden aria-labelledby="h-receipt" {
                        h2 id="h-receipt" tabindex="-1" { (lang.t("booth-receipt_heading")) }
                        p id="receipt-check" class="notice good" {}
                        dl class="facts" {
                            dt { (lang.t("booth-tracker")) }
                            dd { span id="receipt-short" class="tracker" {} br; span id="receipt-tracker" class="hex" {} }
                            dt { (lang.t("booth-position")) }
                            dd id="receipt-position" {}
                        }
                        div class="actions" {
                            a id="receipt-save" class="button" download="valurna-receipt.json" href="#" { (lang.t("booth-save")) }
                            a id="receipt-find" class="button primary" href="#" { (lang.t("booth-find")) }
                        }
                        p class="help" { (lang.t("booth-revote")) }
                    }
                }
            },
        ))
    })
    .await
}
