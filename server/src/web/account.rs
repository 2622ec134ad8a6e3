//! A staff account's own page: changing one's password and, for an
//! organisation's admins, the organisation's accounts (a role changed, an
//! account disabled or enabled). Every action is a form that
//! `web/static/app.js` sends to the JSON API, as on the committee's pages.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use super::committee::signed_in;
use super::{Lang, layout, render};
use crate::db;
use crate::election::accounts::{MIN_PASSWORD_CHARS, Role};
use crate::http::error::ApiError;
use crate::http::extract::Staff;
use crate::http::state::AppState;

/// The roles an admin can give.
const ROLES: [Role; 4] = [
    Role::OrgAdmin,
    Role::Committee,
    Role::Trustee,
    Role::Observer,
];

/// `GET /staff/account`.
pub(super) async fn page(
    State(app): State<AppState>,
    lang: Lang,
    staff: Result<Staff, ApiError>,
) -> Response {
    render(lang, async {
        let staff = staff?;
        let accounts = match staff.organisation {
            Some(org) if staff.role == Role::OrgAdmin => {
                let client = app.pool().get().await?;
                Some((org, db::organisations::staff_of(&client, org).await?))
            }
            _ => None,
        };
        Ok(layout(
            lang,
            lang.t("account.title"),
            "/staff/account",
            Some(&staff.csrf),
            html! {
                (signed_in(lang, &staff))
                h1 { (lang.t("account.title")) }
                section {
                    h2 { (lang.t("account.password")) }
                    form class="stack narrow" id="password-change" data-api="/api/me/password" data-method="POST" data-done="message" {
                        label for="current_password" { (lang.t("account.current")) }
                        input id="current_password" name="current_password" type="password" autocomplete="current-password" required;
                        label for="new_password" { (lang.t("account.new")) }
                        input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength=(MIN_PASSWORD_CHARS) maxlength="1024" aria-describedby="new_password_help" required;
                        p class="help" id="new_password_help" { (lang.t("account.new_help")) }
                        button type="submit" class="primary" { (lang.t("account.change")) }
                        p class="done" role="status" hidden data-done-message { (lang.t("account.changed")) }
                        p class="error-line" role="alert" data-error {}
                    }
                }
                @if let Some((org, rows)) = accounts {
                    section {
                        h2 { (lang.t("account.staff")) }
                        table id="accounts" {
                            thead { tr {
                                th { (lang.t("account.username")) }
                                th { (lang.t("account.role")) }
                                th { (lang.t("account.status")) }
                                th {}
                            } }
                            tbody { @for a in &rows {
                                @let path = format!("/api/organisations/{org}/staff/{}", a.id);
                                tr data-account=(a.username) {
                                    td { bdi { (a.username) } @if a.id == staff.id { " " (lang.t("account.you")) } }
                                    td {
                                        @if a.id == staff.id {
                                            (lang.t(&format!("role.{}", a.role)))
                                        } @else {
                                            form class="inline" data-api=(path) data-method="PATCH" data-done="reload" {
                                                select name="role" aria-label=(lang.t("account.role")) {
                                                    @for r in ROLES {
                                                        option value=(r.as_str()) selected[r.as_str() == a.role] { (lang.t(&format!("role.{}", r.as_str()))) }
                                                    }
                                                }
                                                " " button type="submit" { (lang.t("account.save_role")) }
                                                span class="error-line" role="alert" data-error {}
                                            }
                                        }
                                    }
                                    td data-status { @if a.disabled { (lang.t("account.disabled")) } @else { (lang.t("account.active")) } }
                                    td {
                                        @if a.id != staff.id {
                                            @if a.disabled {
                                                form class="inline" data-api=(path) data-method="PATCH" data-json=r#"{"disabled":false}"# data-done="reload" {
                                                    button type="submit" { (lang.t("account.enable")) }
                                                }
                                            } @else {
                                                form class="inline" data-api=(path) data-method="PATCH" data-json=r#"{"disabled":true}"# data-confirm data-done="reload" {
                                                    button type="submit" { (lang.t("account.disable")) }
                                                }
                                            }
                                        }
                                    }
                                }
                            } }
                        }
                    }
                }
            },
        ))
    })
    .await
}
