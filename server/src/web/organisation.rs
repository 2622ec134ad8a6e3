//! The admins' pages: the platform admin's organisations (make one, invite
//! its first admin), an organisation's invitations and audit log, and the
//! page an invited person opens to choose their username and password.
//! Accounts themselves (roles, disabling, a lost phone) are on the
//! account page ([`super::account`]). Every action is a form that
//! `web/static/app.js` sends to the JSON API.

use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};

use super::{Lang, layout, new_account_fields, render, signed_in};
use crate::db;
use crate::election::accounts::Role;
use crate::http::error::ApiError;
use crate::http::extract::{P, Staff};
use crate::http::invitations;
use crate::http::state::AppState;

/// The roles an invitation can give.
const ROLES: [Role; 4] = [
    Role::Committee,
    Role::Trustee,
    Role::Observer,
    Role::OrgAdmin,
];

/// How many audit entries the page shows, newest first.
const AUDIT_SHOWN: usize = 200;

/// The form that makes an invitation for organisation `org` and shows its
/// link once; `roles` are the roles offered.
fn invite_form(lang: Lang, org: i64, roles: &[Role]) -> Markup {
    let box_id = format!("invite-link-{org}");
    html! {
        form class="stack narrow" data-invite=(org) data-api={ "/api/organisations/" (org) "/invitations" } data-method="POST" data-done={ "link:#" (box_id) } {
            label for={ "invite-role-" (org) } { (lang.t("org-invite_role")) }
            select id={ "invite-role-" (org) } name="role" {
                @for r in roles {
                    option value=(r.as_str()) { (lang.t(&format!("role-{}", r.as_str()))) }
                }
            }
            label for={ "invite-note-" (org) } { (lang.t("org-invite_note")) }
            input id={ "invite-note-" (org) } name="note" type="text" maxlength="200" aria-describedby={ "invite-note-help-" (org) };
            p class="help" id={ "invite-note-help-" (org) } { (lang.t("org-invite_note_help")) }
            button type="submit" class="primary" { (lang.t("org-invite")) }
            p class="error-line" role="alert" data-error {}
        }
        div class="notice" id=(box_id) hidden role="status" {
            p { (lang.t("org-invite_made")) }
            p { code class="link" data-link {} }
            p class="help" { (lang.t("org-invite_once")) }
        }
    }
}

/// `GET /staff/organisation`: the platform admin's organisations, or an
/// organisation admin's invitations and audit log.
pub(super) async fn page(
    State(app): State<AppState>,
    lang: Lang,
    staff: Result<Staff, ApiError>,
) -> Response {
    render(lang, async {
        let staff = staff?;
        let body = match (staff.role, staff.organisation) {
            (Role::PlatformAdmin, _) => platform(&app, lang).await?,
            (Role::OrgAdmin, Some(org)) => organisation(&app, lang, &staff, org).await?,
            _ => return Err(ApiError::forbidden()),
        };
        Ok(layout(
            lang,
            lang.t("org-title"),
            "/staff/organisation",
            Some(&staff.csrf),
            html! {
                (signed_in(lang, &staff))
                h1 { (lang.t("org-title")) }
                (body)
            },
        ))
    })
    .await
}

async fn platform(app: &AppState, lang: Lang) -> Result<Markup, ApiError> {
    let client = app.pool().get().await?;
    let orgs = db::organisations::all(&client).await?;
    Ok(html! {
        section {
            h2 { (lang.t("org-new")) }
            form class="stack narrow" id="organisation-create" data-api="/api/organisations" data-method="POST" data-done="reload" {
                label for="org-name" { (lang.t("org-name")) }
                input id="org-name" name="name" type="text" maxlength="200" required;
                label for="org-slug" { (lang.t("org-slug")) }
                input id="org-slug" name="slug" type="text" maxlength="64" pattern="[a-z0-9\\-]{1,64}" aria-describedby="org-slug-help" required;
                p class="help" id="org-slug-help" { (lang.t("org-slug_help")) }
                button type="submit" class="primary" { (lang.t("org-create")) }
                p class="error-line" role="alert" data-error {}
            }
        }
        section {
            h2 { (lang.t("org-list")) }
            @if orgs.is_empty() { p { (lang.t("org-none")) } }
            ul class="cards" {
                @for o in &orgs {
                    li class="card" data-organisation=(o.slug) {
                        h3 { bdi { (o.name) } }
                        p { code { (o.slug) } " · " (o.staff) " " (lang.t("org-accounts")) }
                        h4 { (lang.t("org-invite_admin")) }
                        (invite_form(lang, o.id, &[Role::OrgAdmin]))
                    }
                }
            }
        }
    })
}

async fn organisation(
    app: &AppState,
    lang: Lang,
    staff: &Staff,
    org: i64,
) -> Result<Markup, ApiError> {
    let list = invitations::invitations_of(app, staff, org).await?;
    let client = app.pool().get().await?;
    let audit = db::audit::entries(&client, org).await?;
    Ok(html! {
        p { a href="/staff/account#accounts" { (lang.t("org-accounts_link")) } }
        section {
            h2 { (lang.t("org-invite_title")) }
            p { (lang.t("org-invite_intro")) }
            (invite_form(lang, org, &ROLES))
        }
        section {
            h2 { (lang.t("org-invitations")) }
            @if list.is_empty() { p { (lang.t("org-no_invitations")) } }
            @else {
                div class="scroll" tabindex="0" role="region" aria-label=(lang.t("org-invitations")) {
                    table id="invitations" {
                        thead { tr {
                            th { (lang.t("account-role")) }
                            th { (lang.t("org-invite_note")) }
                            th { (lang.t("org-expires")) }
                            th { (lang.t("account-status")) }
                            th {}
                        } }
                        tbody { @for i in &list {
                            tr data-invitation=(i.id) {
                                td { (lang.t(&format!("role-{}", i.role))) }
                                td { bdi { (i.note) } }
                                td { time datetime=(i.expires_at) { (i.expires_at) } }
                                td data-state=(i.state) {
                                    (lang.t(&format!("invitation-{}", i.state)))
                                    @if let Some(u) = &i.used_by { " (" bdi { (u) } ")" }
                                }
                                td {
                                    @if i.state == "open" {
                                        form class="inline" data-api={ "/api/organisations/" (org) "/invitations/" (i.id) "/revoke" } data-method="POST" data-confirm data-done="reload" {
                                            button type="submit" { (lang.t("org-revoke")) }
                                            span class="error-line" role="alert" data-error {}
                                        }
                                    }
                                }
                            }
                        } }
                    }
                }
            }
        }
        section {
            h2 { (lang.t("org-audit")) }
            p class="help" { (lang.t("org-audit_help")) }
            div class="scroll" tabindex="0" role="region" aria-label=(lang.t("org-audit")) {
                table id="audit-log" {
                    thead { tr {
                        th { (lang.t("org-when")) }
                        th { (lang.t("org-who")) }
                        th { (lang.t("org-what")) }
                        th { (lang.t("org-detail")) }
                    } }
                    tbody { @for e in audit.iter().rev().take(AUDIT_SHOWN) {
                        tr data-action=(e.action) {
                            td { time datetime=(e.at) { (e.at.get(..19).unwrap_or(&e.at).replace('T', " ")) } }
                            td { @if let Some(a) = &e.actor { bdi { (a) } } @else { "—" } }
                            td { (e.action) }
                            td { code { (e.detail) } }
                        }
                    } }
                }
            }
        }
    })
}

/// `GET /staff/invite/{token}`: an invited person chooses their username
/// and password.
pub(super) async fn invite(
    State(app): State<AppState>,
    lang: Lang,
    P(token): P<String>,
) -> Response {
    render(lang, async {
        let view = invitations::view(&app, &token).await?;
        let api = format!("/api/invitations/{token}");
        Ok(layout(
            lang,
            lang.t("invite-title"),
            "/staff",
            None,
            html! {
                h1 { (lang.t("invite-title")) }
                p id="invite-for" {
                    (lang.t("invite-for")) " " strong { bdi { (view.organisation) } } ", "
                    (lang.t("invite-as")) " " strong { (lang.t(&format!("role-{}", view.role))) } "."
                }
                form class="stack narrow" id="invite-accept" data-api=(api) data-method="POST" data-done="go:/staff" {
                    (new_account_fields(lang))
                    button type="submit" class="primary" { (lang.t("invite-create")) }
                    p class="error-line" role="alert" data-error {}
                }
            },
        ))
    })
    .await
}
