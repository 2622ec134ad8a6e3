//! A staff account's own page: changing one's password, setting up or
//! turning off two-step sign-in (a code from an authenticator app, shown
//! as a QR code and a key while being set up) and, for an organisation's
//! admins, the organisation's accounts (a role changed, an
//! account disabled or enabled). Every action is a form that
//! `web/static/app.js` sends to the JSON API, as on the committee's pages.

use axum::extract::State;
use axum::response::Response;
use maud::{PreEscaped, html};

use super::{Lang, layout, render, signed_in};
use crate::db;
use crate::election::accounts::{MIN_PASSWORD_CHARS, Role};
use crate::election::second_factor;
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
        let client = app.pool().get().await?;
        let accounts = match staff.organisation {
            Some(org) if staff.role == Role::OrgAdmin => {
                Some((org, db::organisations::staff_of(&client, org).await?))
            }
            _ => None,
        };
        let factor = db::second_factor::of(&client, staff.id)
            .await?
            .ok_or_else(|| ApiError::internal("account"))?;
        let enrolment = factor
            .pending
            .as_ref()
            .map(|secret| second_factor::enrolment(secret, &staff.username));
        Ok(layout(
            lang,
            lang.t("account-title"),
            "/staff/account",
            Some(&staff.csrf),
            html! {
                (signed_in(lang, &staff))
                h1 { (lang.t("account-title")) }
                section {
                    h2 { (lang.t("account-password")) }
                    form class="stack narrow" id="password-change" data-api="/api/me/password" data-method="POST" data-done="message" {
                        label for="current_password" { (lang.t("account-current")) }
                        input id="current_password" name="current_password" type="password" autocomplete="current-password" required;
                        label for="new_password" { (lang.t("account-new")) }
                        input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength=(MIN_PASSWORD_CHARS) maxlength="1024" aria-describedby="new_password_help" required;
                        p class="help" id="new_password_help" { (lang.t("account-new_help")) }
                        button type="submit" class="primary" { (lang.t("account-change")) }
                        p class="done" role="status" hidden data-done-message { (lang.t("account-changed")) }
                        p class="error-line" role="alert" data-error {}
                    }
                }
                section id="second-factor" {
                    h2 { (lang.t("account-second_factor")) }
                    @if factor.secret.is_some() {
                        p id="second-factor-on" { (lang.t("account-sf_on")) }
                        form class="stack narrow" id="second-factor-remove" data-api="/api/me/second-factor/remove" data-method="POST" data-confirm data-done="reload" {
                            label for="sf_remove_password" { (lang.t("account-sf_password")) }
                            input id="sf_remove_password" name="password" type="password" autocomplete="current-password" required;
                            button type="submit" { (lang.t("account-sf_remove")) }
                            p class="error-line" role="alert" data-error {}
                        }
                    } @else if let Some(e) = &enrolment {
                        p { (lang.t("account-sf_scan")) }
                        figure class="qr" role="img" aria-label=(lang.t("account-sf_qr")) { (PreEscaped(&e.qr_svg)) }
                        p { (lang.t("account-sf_key")) ": " code id="second-factor-secret" { (e.secret) } }
                        form class="stack narrow" id="second-factor-confirm" data-api="/api/me/second-factor/confirm" data-method="POST" data-done="reload" {
                            label for="sf_code" { (lang.t("account-sf_code")) }
                            input id="sf_code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required;
                            button type="submit" class="primary" { (lang.t("account-sf_confirm")) }
                            p class="error-line" role="alert" data-error {}
                        }
                    } @else {
                        p { (lang.t("account-sf_off")) }
                        form class="stack narrow" id="second-factor-begin" data-api="/api/me/second-factor" data-method="POST" data-done="reload" {
                            label for="sf_password" { (lang.t("account-sf_password")) }
                            input id="sf_password" name="password" type="password" autocomplete="current-password" required;
                            button type="submit" { (lang.t("account-sf_begin")) }
                            p class="error-line" role="alert" data-error {}
                        }
                    }
                }
                @if let Some((org, rows)) = accounts {
                    section {
                        h2 { (lang.t("account-staff")) }
                        table id="accounts" {
                            thead { tr {
                                th { (lang.t("account-username")) }
                                th { (lang.t("account-role")) }
                                th { (lang.t("account-status")) }
                                th { (lang.t("account-sf_column")) }
                                th {}
                            } }
                            tbody { @for a in &rows {
                                @let path = format!("/api/organisations/{org}/staff/{}", a.id);
                                tr data-account=(a.username) {
                                    td { bdi { (a.username) } @if a.id == staff.id { " " (lang.t("account-you")) } }
                                    td {
                                        @if a.id == staff.id {
                                            (lang.t(&format!("role-{}", a.role)))
                                        } @else {
                                            form class="inline" data-api=(path) data-method="PATCH" data-done="reload" {
                                                select name="role" aria-label=(lang.t("account-role")) {
                                                    @for r in ROLES {
                                                        option value=(r.as_str()) selected[r.as_str() == a.role] { (lang.t(&format!("role-{}", r.as_str()))) }
                                                    }
                                                }
                                                " " button type="submit" { (lang.t("account-save_role")) }
                                                span class="error-line" role="alert" data-error {}
                                            }
                                        }
                                    }
                                    td data-status { @if a.disabled { (lang.t("account-disabled")) } @else { (lang.t("account-active")) } }
                                    td data-second-factor {
                                        @if a.second_factor {
                                            (lang.t("account-sf_yes"))
                                            @if a.id != staff.id {
                                                " "
                                                form class="inline" data-api=(path) data-method="PATCH" data-json=r#"{"second_factor":false}"# data-confirm data-done="reload" {
                                                    button type="submit" { (lang.t("account-sf_reset")) }
                                                }
                                            }
                                        } @else { (lang.t("account-sf_no")) }
                                    }
                                    td {
                                        @if a.id != staff.id {
                                            @if a.disabled {
                                                form class="inline" data-api=(path) data-method="PATCH" data-json=r#"{"disabled":false}"# data-done="reload" {
                                                    button type="submit" { (lang.t("account-enable")) }
                                                }
                                            } @else {
                                                form class="inline" data-api=(path) data-method="PATCH" data-json=r#"{"disabled":true}"# data-confirm data-done="reload" {
                                                    button type="submit" { (lang.t("account-disable")) }
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
