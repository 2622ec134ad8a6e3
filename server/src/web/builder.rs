//! The election builder: a committee makes a draft election in the page
//! (title, short id, trustees `n` and `t`, districts with their seats) and
//! names its trustees from the organisation's trustee accounts. Every
//! field is checked by the server's rules ([`crate::election::setup`]); a
//! refused form saves nothing and says why in the page's language.

use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};

use super::{Lang, layout, render, signed_in};
use crate::db;
use crate::election::accounts::{MANAGERS, Role};
use crate::election::setup::MAX_TRUSTEES;
use crate::http::elections::ElectionJson;
use crate::http::error::ApiError;
use crate::http::extract::Staff;
use crate::http::state::AppState;

/// Most districts the page offers rows for (the rules allow as many as a
/// manifest has contests).
const MAX_ROWS: usize = 200;

/// One district row: a name and its seats (`data-row`, for the script's
/// "add" and "remove").
fn district_row(lang: Lang, n: usize) -> Markup {
    html! {
        tr data-row {
            td {
                label class="sr-only" for={ "district-" (n) } { (lang.t("builder-district")) }
                input id={ "district-" (n) } name="districts[].district" type="text" maxlength="100" required;
            }
            td class="num" {
                label class="sr-only" for={ "seats-" (n) } { (lang.t("staff-seats")) }
                input id={ "seats-" (n) } name="districts[].seats" type="number" min="1" max="200" value="1" data-type="int" required;
            }
            td {
                button type="button" data-remove-row { (lang.t("builder-remove")) }
            }
        }
    }
}

/// `GET /staff/elections/new`.
pub(super) async fn page(
    State(_app): State<AppState>,
    lang: Lang,
    staff: Result<Staff, ApiError>,
) -> Response {
    render(lang, async {
        let staff = staff?;
        let org = match staff.organisation {
            Some(org) if MANAGERS.contains(&staff.role) => org,
            _ => {
                return Err(ApiError::said(
                    axum::http::StatusCode::FORBIDDEN,
                    "forbidden",
                    "api-not_a_manager",
                    &[],
                ));
            }
        };
        Ok(layout(
            lang,
            lang.t("builder-title"),
            "/staff/elections/new",
            Some(&staff.csrf),
            html! {
                h1 { (lang.t("builder-title")) }
                (signed_in(lang, &staff))
                p { (lang.t("builder-intro")) }
                form class="stack" id="builder" data-api={ "/api/organisations/" (org) "/elections" } data-method="POST" data-done="go-id:/staff/elections/" {
                    label for="title" { (lang.t("builder-name")) }
                    input id="title" name="title" type="text" maxlength="200" required;
                    label for="election_id" { (lang.t("builder-short_id")) }
                    input id="election_id" name="election_id" type="text" maxlength="64" pattern="[A-Za-z0-9._\\-]{1,64}" aria-describedby="election-id-help" required;
                    p class="help" id="election-id-help" { (lang.t("builder-short_id_help")) }
                    fieldset {
                        legend { (lang.t("staff-trustees")) }
                        div class="pair" {
                            div class="stack" {
                                label for="trustees" { (lang.t("builder-trustees")) }
                                input id="trustees" name="trustees" type="number" min="1" max=(MAX_TRUSTEES) value="3" data-type="int" required;
                            }
                            div class="stack" {
                                label for="threshold" { (lang.t("builder-threshold")) }
                                input id="threshold" name="threshold" type="number" min="1" max=(MAX_TRUSTEES) value="2" data-type="int" aria-describedby="threshold-help" required;
                            }
                        }
                        p class="help" id="threshold-help" { (lang.t("builder-threshold_help")) }
                    }
                    fieldset {
                        legend id="h-districts" { (lang.t("builder-districts")) }
                        p class="help" { (lang.t("builder-districts_help")) }
                        div class="scroll" tabindex="0" role="region" aria-labelledby="h-districts" {
                            table class="rows" {
                                thead { tr {
                                    th scope="col" { (lang.t("builder-district")) }
                                    th scope="col" class="num" { (lang.t("staff-seats")) }
                                    th scope="col" { span class="sr-only" { (lang.t("builder-remove")) } }
                                } }
                                tbody data-rows=(MAX_ROWS) { (district_row(lang, 0)) }
                            }
                        }
                        button type="button" data-add-row="#builder tbody[data-rows]" { (lang.t("builder-add_district")) }
                    }
                    button type="submit" class="primary" { (lang.t("builder-create")) }
                    p class="error-line" role="alert" data-error tabindex="-1" {}
                }
            },
        ))
    })
    .await
}

/// On a draft election's page: name a trustee for each number still
/// without one, from the organisation's trustee accounts not named yet.
/// The organisation's trustee accounts that are not yet trustees of the
/// election.
pub(super) async fn free_trustee_accounts(
    app: &AppState,
    s: &ElectionJson,
) -> Result<Vec<String>, ApiError> {
    let client = app.pool().get().await?;
    Ok(db::organisations::staff_of(&client, s.organisation)
        .await?
        .into_iter()
        .filter(|a| a.role == Role::Trustee.as_str() && !a.disabled)
        .map(|a| a.username)
        .filter(|u| !s.trustee_accounts.iter().any(|t| &t.username == u))
        .collect())
}

pub(super) async fn trustees_form(
    app: &AppState,
    lang: Lang,
    s: &ElectionJson,
) -> Result<Markup, ApiError> {
    let accounts = free_trustee_accounts(app, s).await?;
    let open: Vec<u32> = (1..=s.trustees)
        .filter(|i| !s.trustee_accounts.iter().any(|t| t.index == *i))
        .collect();
    Ok(html! {
        @if !open.is_empty() {
            section aria-labelledby="h-name-trustees" {
                h2 id="h-name-trustees" { (lang.t("builder-name_trustees")) }
                @if accounts.is_empty() {
                    p class="notice warn" id="no-trustee-accounts" { (lang.t("builder-no_trustee_accounts")) " " a href="/staff/organisation" { (lang.t("org-link")) } }
                } @else {
                    form class="inline" id="name-trustee" data-api={ "/api/elections/" (s.id) "/trustees" } data-method="POST" data-done="reload" {
                        label for="trustee-index" { (lang.t("builder-trustee_number")) }
                        select id="trustee-index" name="index" data-type="int" {
                            @for i in &open { option value=(i) { (i) } }
                        }
                        label for="trustee-username" { (lang.t("builder-trustee_account")) }
                        select id="trustee-username" name="username" {
                            @for u in &accounts { option value=(u) { (u) } }
                        }
                        button type="submit" { (lang.t("builder-name_trustee")) }
                        p class="error-line" role="alert" data-error {}
                    }
                }
            }
        }
    })
}

/// On the election's page until voting closes: when voting opens and
/// closes by itself ([`crate::http::schedule`]). The times are shown and
/// entered in the committee's own time zone (the script converts them).
pub(super) fn period_form(lang: Lang, s: &ElectionJson) -> Markup {
    let open = s.status == "open";
    html! {
        section aria-labelledby="h-period" {
            h2 id="h-period" { (lang.t("period-title")) }
            @if s.opens_at.is_none() && s.closes_at.is_none() {
                p id="period-now" { (lang.t("period-none")) }
            } @else {
                dl class="facts" id="period-now" {
                    @if let Some(t) = &s.opens_at { dt { (lang.t("period-opens")) } dd { time datetime=(t) data-local { (t) } } }
                    @if let Some(t) = &s.closes_at { dt { (lang.t("period-closes")) } dd { time datetime=(t) data-local { (t) } } }
                }
            }
            form class="stack narrow" id="period-form" data-api={ "/api/elections/" (s.id) "/schedule" } data-method="PUT" data-done="reload" {
                p class="help" { (lang.t("period-help")) }
                @if !open {
                    label for="opens_at" { (lang.t("period-opens")) }
                    input id="opens_at" name="opens_at" type="datetime-local" data-type="datetime" data-value=[s.opens_at.as_deref()];
                }
                label for="closes_at" { (lang.t("period-closes")) }
                input id="closes_at" name="closes_at" type="datetime-local" data-type="datetime" data-value=[s.closes_at.as_deref()];
                button type="submit" { (lang.t("period-save")) }
                p class="error-line" role="alert" data-error {}
            }
        }
    }
}
