//! Importing the voter roll: a CSV file is first previewed (what would be
//! added, removed and changed, and the file's digest), then applied by
//! sending the same file with `?apply=<digest>`. A bad file is refused
//! whole, with its bad rows; nothing is half-imported.
//!
//! A register's own columns are named with `?columns=<JSON>` (a
//! [`ColumnMap`]); the digest then covers the mapping too, and applying the
//! import saves the mapping as the organisation's, for its next import.
//! The bad rows are worded in the language of the person who sent the file.
//!
//! The file is read as it arrives: a blocking thread parses it row by row
//! ([`Rows`]) while hashing it, and the rows go in batches into the
//! transaction's staging table, where repeats, the difference with the roll
//! and the change are worked out (`db::roll`). What the server holds does
//! not grow with the file: two batches of rows, the body's chunks in
//! flight, and the first bad rows of an answer.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_util::io::{StreamReader, SyncIoBridge};

use super::access::{audit, visible};
use super::error::ApiError;
use super::extract::{P, Staff};
use super::state::AppState;
use crate::db;
use crate::election::accounts::MANAGERS;
use crate::election::lifecycle::Status;
use crate::election::roll::{self, ColumnMap, MAX_MEMBERS, RollMember, Row, RowError, Rows};
use crate::i18n::Lang;

/// The largest voter roll accepted, in bytes (about 5 million members).
pub const MAX_ROLL: usize = 512 << 20;

/// Rows staged in one statement.
const BATCH: usize = 5_000;

/// Bad rows shown in an answer; their count is always given.
const SHOWN_ERRORS: i64 = 10_000;

/// Member numbers shown in each list of a preview.
const SHOWN_MEMBERS: i64 = 1_000;

/// The file's first members shown in a preview, as they would be kept.
const SHOWN_ROWS: usize = 20;

/// The roll's route. The body is read as it arrives (no body-size layer:
/// [`MAX_ROLL`] is counted here).
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/elections/{id}/roll", post(import_roll))
        .route("/api/organisations/{org}/roll-columns", get(saved_columns))
}

/// `?apply=<digest>&columns=<JSON>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyQuery {
    /// The digest a preview returned: apply exactly that file.
    pub apply: Option<String>,
    /// The register's own columns, as a [`ColumnMap`] in JSON.
    pub columns: Option<String>,
}

/// What the digest of an import with a column mapping starts with.
const MAPPED_DIGEST: &[u8] = b"valurna roll import with columns\n";

/// The hasher an import's digest starts from: the file's own SHA-256
/// without a mapping; with one, SHA-256 over [`MAPPED_DIGEST`], the
/// mapping's canonical JSON, a line end, then the file.
fn digest_start(map: Option<&ColumnMap>) -> Sha256 {
    let mut hasher = Sha256::new();
    if let Some(map) = map {
        hasher.update(MAPPED_DIGEST);
        hasher.update(map.canonical().as_bytes());
        hasher.update(b"\n");
    }
    hasher
}

/// What an import would change, or changed.
#[derive(Debug, Serialize, Deserialize)]
pub struct RollImport {
    /// SHA-256 of the file: pass it as `?apply=` to apply this import.
    pub digest: String,
    /// Whether it was applied.
    pub applied: bool,
    /// Members added.
    pub added: u64,
    /// Members removed.
    pub removed: u64,
    /// Members whose name, contact or district changes.
    pub changed: u64,
    /// Members left as they are.
    pub unchanged: u64,
    /// Member numbers added, removed and changed (the first 1,000 of each).
    pub members: Value,
    /// The file's first members as they would be kept, with their lines.
    #[serde(default)]
    pub rows: Vec<ShownRow>,
    /// The register's columns used, if the file has its own.
    #[serde(default)]
    pub columns: Option<ColumnMap>,
}

/// A member of the file as the roll would keep it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ShownRow {
    /// The row's line in the file.
    pub line: u64,
    /// The member.
    #[serde(flatten)]
    pub member: RollMember,
}

/// Why the upload could not be read to its end.
#[derive(Debug, Clone, Copy)]
enum Cut {
    /// Over [`MAX_ROLL`].
    TooLarge,
    /// Cut off, or sent too slowly.
    Unreadable,
}

impl From<Cut> for ApiError {
    fn from(cut: Cut) -> Self {
        match cut {
            Cut::TooLarge => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is over {MAX_ROLL} bytes"),
            ),
            Cut::Unreadable => ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "unreadable_body",
                "the body could not be read: it was cut off or sent too slowly",
            ),
        }
    }
}

/// The upload as the parser reads it: hashed and counted on the way, and
/// stopped past [`MAX_ROLL`].
struct Upload<R> {
    /// The body.
    inner: R,
    /// SHA-256 of what was read.
    hasher: Sha256,
    /// Bytes read.
    read: usize,
    /// Why reading stopped early, if it did (shared: the parser owns the reader).
    cut: Arc<Mutex<Option<Cut>>>,
}

impl<R: Read> Upload<R> {
    /// Records why reading stops.
    fn cut(&self, cut: Cut) -> io::Error {
        if let Ok(mut slot) = self.cut.lock() {
            slot.get_or_insert(cut);
        }
        io::Error::other("the upload could not be read to its end")
    }
}

impl<R: Read> Read for Upload<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self
            .inner
            .read(buf)
            .map_err(|_| self.cut(Cut::Unreadable))?;
        self.read += n;
        if self.read > MAX_ROLL {
            return Err(self.cut(Cut::TooLarge));
        }
        self.hasher.update(buf.get(..n).unwrap_or(&[]));
        Ok(n)
    }
}

/// What the parser ends with.
struct Parsed {
    /// A bad header (or no header): the one error.
    header: Option<RowError>,
    /// The file's SHA-256 hex, if it was read to its end.
    digest: Option<String>,
}

/// How to read an upload.
struct Reading {
    /// The election's districts.
    districts: Vec<String>,
    /// The register's columns, if not the roll's own four.
    columns: Option<ColumnMap>,
    /// The language of the errors.
    lang: Lang,
}

/// Reads the rows from `body` on a blocking thread as they arrive, in
/// batches to `rows`; stops when `rows` is dropped.
fn parse_upload(
    body: Body,
    reading: Reading,
    rows: mpsc::Sender<Vec<Row>>,
    cut: Arc<Mutex<Option<Cut>>>,
) -> tokio::task::JoinHandle<Parsed> {
    let stream = body.into_data_stream().map_err(io::Error::other);
    let upload = Upload {
        inner: SyncIoBridge::new(StreamReader::new(stream)),
        hasher: digest_start(reading.columns.as_ref()),
        read: 0,
        cut,
    };
    tokio::task::spawn_blocking(move || {
        let Reading {
            districts,
            columns,
            lang,
        } = reading;
        let reader = Rows::mapped(upload, &districts, MAX_MEMBERS, columns.as_ref(), lang);
        let mut reader = match reader {
            Ok(reader) => reader,
            Err(header) => {
                return Parsed {
                    header: Some(header),
                    digest: None,
                };
            }
        };
        let mut batch = Vec::with_capacity(BATCH);
        for row in reader.by_ref() {
            batch.push(row);
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if rows.blocking_send(full).is_err() {
                    // The request is over: nothing waits for the rest.
                    break;
                }
            }
        }
        if !batch.is_empty() {
            let _ = rows.blocking_send(batch);
        }
        // Read to its end unless a row stopped reading (and the file is refused).
        let upload = reader.into_inner();
        Parsed {
            header: None,
            digest: Some(hex::encode(upload.hasher.finalize())),
        }
    })
}

async fn import_roll(
    State(app): State<AppState>,
    P(id): P<i64>,
    query: Result<Query<ApplyQuery>, QueryRejection>,
    staff: Staff,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<RollImport>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad("malformed_query", e.body_text()))?;
    let lang = Lang::of_headers(&headers);
    let columns = match query.columns.as_deref() {
        Some(text) => Some(ColumnMap::from_json(text)?),
        None => None,
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("text/csv") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type",
            "send the roll as text/csv",
        ));
    }
    let mut client = app.pool().get().await?;
    let tx = client.transaction().await?;
    let e = visible(&tx, &staff, id, true).await?;
    staff.require(e.organisation, MANAGERS)?;
    e.status.require(&[Status::Draft, Status::Nominations])?;
    let districts = db::elections::districts(&tx, id).await?;

    // The file goes row by row into the import's staging table as it
    // arrives; the rest is worked out there.
    db::roll::stage_begin(&tx).await?;
    let cut = Arc::new(Mutex::new(None));
    let (rows, mut batches) = mpsc::channel(2);
    let reading = Reading {
        districts,
        columns: columns.clone(),
        lang,
    };
    let parser = parse_upload(body, reading, rows, Arc::clone(&cut));
    let mut shown = Vec::new();
    while let Some(batch) = batches.recv().await {
        if shown.len() < SHOWN_ROWS {
            shown.extend(
                batch
                    .iter()
                    .filter_map(|row| match row {
                        Row::Member { line, member } => Some(ShownRow {
                            line: *line,
                            member: member.clone(),
                        }),
                        Row::Bad { .. } => None,
                    })
                    .take(SHOWN_ROWS - shown.len()),
            );
        }
        db::roll::stage(&tx, &batch).await?;
    }
    let parsed = parser.await.map_err(|_| ApiError::internal("roll parse"))?;
    if let Some(cut) = cut.lock().ok().and_then(|c| *c) {
        return Err(cut.into());
    }
    if let Some(header) = parsed.header {
        return Err(bad_rows(1, &[header]));
    }
    db::roll::stage_end(&tx).await?;
    let (staged, bad, errors) = db::roll::staged_errors(&tx, SHOWN_ERRORS).await?;
    if bad > 0 {
        let errors: Vec<RowError> = errors
            .into_iter()
            .map(|e| {
                let mut problems: Vec<String> = e.problems.into_iter().collect();
                if let Some((number, first)) = e.repeat {
                    problems.push(roll::repeated(&number, first, lang));
                }
                RowError {
                    line: e.line,
                    message: problems.join("; "),
                }
            })
            .collect();
        return Err(bad_rows(bad, &errors));
    }
    if staged == 0 {
        return Err(bad_rows(1, &[roll::no_members(lang)]));
    }
    let digest = parsed
        .digest
        .ok_or_else(|| ApiError::internal("roll digest"))?;
    let diff = db::roll::staged_diff(&tx, id, SHOWN_MEMBERS).await?;
    let mut answer = RollImport {
        digest: digest.clone(),
        applied: false,
        added: diff.added.0,
        removed: diff.removed.0,
        changed: diff.changed.0,
        unchanged: diff.unchanged,
        members: json!({
            "added": diff.added.1,
            "removed": diff.removed.1,
            "changed": diff.changed.1,
        }),
        rows: shown,
        columns: columns.clone(),
    };
    let Some(apply) = query.apply else {
        return Ok(Json(answer));
    };
    if apply != digest {
        return Err(ApiError::said(
            StatusCode::CONFLICT,
            "stale_preview",
            "roll-stale",
            &[],
        ));
    }
    // Members in a nomination stay on the roll, and keep their district: a
    // nomination is made within one district.
    let (in_nomination, moved_in_nomination) = db::roll::staged_in_nomination(&tx, id).await?;
    if !in_nomination.is_empty() {
        return Err(ApiError::conflict(
            "member_in_nomination",
            format!(
                "members in a nomination cannot leave the roll: {}",
                in_nomination.join(", ")
            ),
        ));
    }
    if !moved_in_nomination.is_empty() {
        return Err(ApiError::conflict(
            "member_in_nomination_moved",
            format!(
                "members in a nomination cannot move to another district (nominations are \
                 made within a district): {}; withdraw their nominations first or keep \
                 their district",
                moved_in_nomination.join(", ")
            ),
        ));
    }
    db::roll::apply_staged(&tx, id).await?;
    if let Some(columns) = &columns {
        db::roll::save_columns(&tx, e.organisation, columns).await?;
    }
    audit(
        &tx,
        Some(&staff),
        Some(e.organisation),
        "roll.import",
        json!({"election": id, "digest": digest, "added": answer.added,
               "removed": answer.removed, "changed": answer.changed,
               "columns": columns}),
    )
    .await?;
    tx.commit().await?;
    answer.applied = true;
    Ok(Json(answer))
}

/// The answer to a refused file: how many bad rows, and the first of them
/// (worded in the sender's language already).
fn bad_rows(count: u64, rows: &[RowError]) -> ApiError {
    ApiError::said(
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad_rows",
        "roll-bad_rows",
        &[("count", count.to_string())],
    )
    .with_details(json!({ "rows": rows }))
}

/// `GET /api/organisations/{org}/roll-columns`: the register's columns the
/// organisation's last import used (`null` if none).
async fn saved_columns(
    State(app): State<AppState>,
    P(org): P<i64>,
    staff: Staff,
) -> Result<Json<Option<ColumnMap>>, ApiError> {
    staff.require(org, MANAGERS)?;
    let client = app.pool().get().await?;
    Ok(Json(db::roll::saved_columns(&client, org).await?))
}
