//! The outbox, for an organisation that mails its members itself:
//! `POST /api/elections/{id}/outbox/export` hands out every waiting
//! message as CSV (`recipient,subject,body`) and removes them in the same
//! transaction, so each is handed out once; `POST …/outbox/letters` does
//! the same with the messages to members without an e-mail address, as
//! printed letters (one PDF page each: the member's name and number, the
//! message, and a QR code of its link), in the election's message language.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use super::access::{audit, visible};
use super::error::ApiError;
use super::extract::{P, Staff};
use super::state::AppState;
use crate::db;
use crate::election::accounts::MANAGERS;
use crate::election::text::csv_cell;
use crate::i18n::Lang;
use crate::pdf::{Document, Font};
use qrcode::{Color, QrCode};

/// The outbox's route.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/elections/{id}/outbox/export", post(export))
        .route("/api/elections/{id}/outbox/letters", post(letters))
}

/// The first web address in `text`, without the punctuation after it.
fn first_link(text: &str) -> Option<&str> {
    text.split_whitespace()
        .find(|w| w.starts_with("https://") || w.starts_with("http://"))
        .map(|w| w.trim_end_matches(['.', ',', ';', ':', ')', '”', '»', '«', '"', '\'']))
}

/// One page per message.
fn letters_pdf(lang: Lang, title: &str, messages: &[db::outbox::Message]) -> Vec<u8> {
    let mut doc = Document::new(title, lang.tag(), lang.t("protocol-page"));
    for (i, m) in messages.iter().enumerate() {
        if i > 0 {
            doc.new_page();
        }
        // Where a window envelope shows the address: the name and number,
        // by which the organisation's mailing adds the address.
        doc.gap(60.0);
        if let Some((number, name)) = &m.member {
            doc.paragraph(Font::Bold, 12.0, name);
            let line = lang.fmt(
                "letters-member_number",
                &[("number", number.as_str().into())],
            );
            doc.paragraph(Font::Regular, 10.0, &line);
        }
        doc.gap(90.0);
        doc.paragraph(Font::Bold, 14.0, &m.subject);
        doc.gap(6.0);
        for part in m.body.split('\n') {
            doc.paragraph(Font::Regular, 11.0, part);
        }
        if let Some(link) = first_link(&m.body)
            && let Ok(code) = QrCode::new(link.as_bytes())
        {
            doc.gap(18.0);
            doc.paragraph(Font::Regular, 10.0, lang.t("letters-scan"));
            doc.paragraph(Font::Mono, 9.0, link);
            doc.gap(6.0);
            let dark: Vec<bool> = code.to_colors().iter().map(|c| *c == Color::Dark).collect();
            doc.modules(&dark, code.width(), 120.0);
        }
    }
    doc.finish()
}

async fn letters(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Response, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    let lang = db::messages::language(&tx, id).await?;
    let messages = db::outbox::take_letters(&tx, id).await?;
    let title = e.title.clone();
    let count = messages.len();
    let pdf = tokio::task::spawn_blocking(move || letters_pdf(lang, &title, &messages))
        .await
        .map_err(|_| ApiError::internal("letters"))?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "outbox.letters",
        json!({"election": id, "messages": count}),
    )
    .await?;
    tx.commit().await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], Body::from(pdf)).into_response())
}

async fn export(
    State(app): State<AppState>,
    P(id): P<i64>,
    staff: Staff,
) -> Result<Response, ApiError> {
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    let messages = db::outbox::take_all(&tx, id).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["recipient", "subject", "body"])
        .map_err(|_| ApiError::internal("csv"))?;
    for m in &messages {
        // Cells a spreadsheet would run are written as text.
        w.write_record([&m.recipient, &m.subject, &m.body].map(|c| csv_cell(c).into_owned()))
            .map_err(|_| ApiError::internal("csv"))?;
    }
    let out = w.into_inner().map_err(|_| ApiError::internal("csv"))?;
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "outbox.export",
        json!({"election": id, "messages": messages.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        Body::from(out),
    )
        .into_response())
}
