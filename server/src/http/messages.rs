//! The messages an election sends its members ([`crate::election::messages`]):
//! the committee reads and changes their texts and language, and sends a
//! reminder; the rest of the server fills them in for each member
//! ([`letter`], [`broadcast`]) and queues them in the outbox.
//!
//! | route | |
//! |---|---|
//! | `GET /api/elections/{id}/messages` | the language and every kind's text |
//! | `PUT /api/elections/{id}/messages` | `{"lang": "sv"}`: the language they go out in |
//! | `PUT /api/elections/{id}/messages/{kind}` | `{"subject", "body"}`: the committee's own text in that language |
//! | `DELETE /api/elections/{id}/messages/{kind}` | back to the default text |
//! | `POST /api/elections/{id}/reminders` | queue the reminder for every member (voting open) |

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use deadpool_postgres::Transaction;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use time::macros::format_description;
use zeroize::Zeroizing;

use super::access::{audit, visible};
use super::error::ApiError;
use super::extract::{JsonBody, P, Staff};
use super::state::AppState;
use crate::db::{self, GenericClient};
use crate::election::accounts::MANAGERS;
use crate::election::lifecycle::Status;
use crate::election::messages::{Kind, Template, default};
use crate::i18n::Lang;

/// The messages' routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/elections/{id}/messages", get(read).put(set_language))
        .route("/api/elections/{id}/reminders", post(send_reminder))
        .route(
            "/api/elections/{id}/messages/{kind}",
            put(save).delete(reset),
        )
}

/// A kind's text as the committee sees it.
#[derive(Debug, Serialize, Deserialize)]
pub struct MessageJson {
    /// The kind (`voting_code`, …).
    pub kind: String,
    /// Subject, with placeholders.
    pub subject: String,
    /// Text, with placeholders.
    pub body: String,
    /// Whether it is the committee's own (else the default).
    pub own: bool,
    /// The placeholders it may use.
    pub placeholders: Vec<String>,
}

/// `GET /api/elections/{id}/messages`.
#[derive(Debug, Serialize, Deserialize)]
pub struct MessagesJson {
    /// The language the messages go out in.
    pub lang: String,
    /// Every kind, in the order of an election's life.
    pub messages: Vec<MessageJson>,
}

/// `PUT /api/elections/{id}/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageRequest {
    /// `sv`, `nb`, `da`, `fi` or `en`.
    pub lang: String,
}

/// `PUT /api/elections/{id}/messages/{kind}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    /// One line.
    pub subject: String,
    /// Plain text.
    pub body: String,
}

/// The statuses in which the texts may change: until the result.
const EDITABLE: &[Status] = &[
    Status::Draft,
    Status::Nominations,
    Status::Ceremony,
    Status::Open,
    Status::Closed,
];

fn kind_of(name: &str) -> Result<Kind, ApiError> {
    Kind::parse(name).ok_or_else(|| {
        ApiError::said(
            StatusCode::NOT_FOUND,
            "no_such_message",
            "api-no_such_message",
            &[],
        )
    })
}

/// The language of election `id`'s messages and its text of `kind`.
pub async fn template(
    client: &impl GenericClient,
    id: i64,
    kind: Kind,
) -> Result<(Lang, Template), ApiError> {
    let lang = db::messages::language(client, id).await?;
    let own = db::messages::templates(client, id, lang).await?;
    let t = own
        .into_iter()
        .find(|(k, _)| *k == kind)
        .map_or_else(|| default(kind, lang), |(_, t)| t);
    Ok((lang, t))
}

/// When voting closes, as the messages say it.
pub fn closes_text(lang: Lang, closes: Option<OffsetDateTime>) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    closes
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&format).ok())
        .unwrap_or_else(|| lang.t("mail-closes_unknown").to_owned())
}

/// Where a member signs in to the nominations.
pub fn nominations_link(app: &AppState) -> String {
    format!("{}/member", app.public_url())
}

/// The booth of election `id`.
pub fn booth_link(app: &AppState, id: i64) -> String {
    format!("{}/elections/{id}/vote", app.public_url())
}

/// The result of election `id`.
pub fn result_link(app: &AppState, id: i64) -> String {
    format!("{}/elections/{id}/result", app.public_url())
}

/// Election `id`'s message of `kind`, filled in with `values` (besides
/// `{election}`, which is `title`): its subject and body.
pub async fn letter(
    client: &impl GenericClient,
    id: i64,
    kind: Kind,
    title: &str,
    values: &[(&str, &str)],
) -> Result<(String, Zeroizing<String>), ApiError> {
    let (_, t) = template(client, id, kind).await?;
    let mut all = vec![("election", title)];
    all.extend_from_slice(values);
    Ok(t.render(&all))
}

/// Queues election `id`'s message of `kind` for every member with a
/// contact; returns how many.
pub async fn broadcast(
    tx: &Transaction<'_>,
    id: i64,
    kind: Kind,
    title: &str,
    values: &[(&str, &str)],
) -> Result<usize, ApiError> {
    let (subject, body) = letter(tx, id, kind, title, values).await?;
    let contacts = db::messages::contacts(tx, id).await?;
    for chunk in contacts.chunks(10_000) {
        let to: Vec<db::outbox::To<'_>> = chunk
            .iter()
            .map(|(contact, number, name)| db::outbox::To {
                contact,
                member_number: number,
                name,
            })
            .collect();
        let bodies: Vec<&str> = vec![body.as_str(); to.len()];
        db::outbox::queue_many(tx, id, &subject, &to, &bodies).await?;
    }
    Ok(contacts.len())
}

async fn read(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<MessagesJson>, ApiError> {
    Ok(Json(read_json(&app, id, &staff).await?))
}

/// The language and every kind's text of election `id`, for `staff`.
pub async fn read_json(app: &AppState, id: i64, staff: &Staff) -> Result<MessagesJson, ApiError> {
    let client = app.pool().get().await?;
    let e = visible(&client, staff, id, false).await?;
    staff.require(e.organisation, MANAGERS)?;
    let lang = db::messages::language(&client, id).await?;
    let own = db::messages::templates(&client, id, lang).await?;
    let messages = Kind::ALL
        .into_iter()
        .map(|kind| {
            let mine = own.iter().find(|(k, _)| *k == kind).map(|(_, t)| t.clone());
            let t = mine.clone().unwrap_or_else(|| default(kind, lang));
            MessageJson {
                kind: kind.as_str().to_owned(),
                subject: t.subject,
                body: t.body,
                own: mine.is_some(),
                placeholders: kind
                    .placeholders()
                    .iter()
                    .map(|p| (*p).to_owned())
                    .collect(),
            }
        })
        .collect();
    Ok(MessagesJson {
        lang: lang.tag().to_owned(),
        messages,
    })
}

async fn set_language(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
    JsonBody(req): JsonBody<LanguageRequest>,
) -> Result<StatusCode, ApiError> {
    let lang = Lang::parse(&req.lang).ok_or_else(|| {
        ApiError::said(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "api-no_such_language",
            &[],
        )
    })?;
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    e.status.require(EDITABLE)?;
    db::messages::set_language(&tx, id, lang).await?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "messages.language",
        json!({"election": id, "lang": lang.tag()}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn save(
    State(app): State<AppState>,
    P((id, kind)): P<(i64, String)>,
    staff: Staff,
    JsonBody(req): JsonBody<TemplateRequest>,
) -> Result<StatusCode, ApiError> {
    let kind = kind_of(&kind)?;
    let template = Template::check(kind, &req.subject, &req.body)?;
    change(&app, id, &staff, kind, Some(&template)).await
}

async fn reset(
    State(app): State<AppState>,
    P((id, kind)): P<(i64, String)>,
    staff: Staff,
) -> Result<StatusCode, ApiError> {
    let kind = kind_of(&kind)?;
    change(&app, id, &staff, kind, None).await
}

async fn change(
    app: &AppState,
    id: i64,
    staff: &Staff,
    kind: Kind,
    template: Option<&Template>,
) -> Result<StatusCode, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    e.status.require(EDITABLE)?;
    let lang = db::messages::language(&tx, id).await?;
    db::messages::save(&tx, id, kind, lang, template).await?;
    audit(
        &tx,
        Some(staff),
        Some(e.organisation),
        "messages.template",
        json!({"election": id, "kind": kind.as_str(), "lang": lang.tag(),
               "own": template.is_some()}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST …/reminders`: `{"queued": n}`.
async fn send_reminder(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    if e.status != Status::Open {
        return Err(ApiError::said(
            StatusCode::CONFLICT,
            "wrong_status",
            "messages-wrong_time",
            &[],
        ));
    }
    let lang = db::messages::language(&tx, id).await?;
    let closes = closes_text(lang, e.closes_at);
    let link = booth_link(&app, id);
    let queued = broadcast(
        &tx,
        id,
        Kind::Reminder,
        &e.title,
        &[("link", &link), ("closes", &closes)],
    )
    .await?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "messages.reminder",
        json!({"election": id, "queued": queued}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({ "queued": queued })))
}
