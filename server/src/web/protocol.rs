//! The result to take away, in the reader's language:
//!
//! - `GET /elections/{id}/protocol.pdf`: the protocol the committee signs
//!   and files — the election, the times, turnout per district, every
//!   contest's counts and who was elected, ties and how the lot fell, the
//!   record's digests (each file's SHA-256 as `sha256sum` prints it, and
//!   their digest), and lines to sign on.
//! - `GET /elections/{id}/result.csv`: the counts, one row per candidate,
//!   for a spreadsheet: UTF-8 with a byte-order mark, `;`-separated in the
//!   Nordic languages (their spreadsheets' list separator), `,` in English.
//!
//! Both exist once the result is published, like the result page.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;
use valurna_engine::manifest::Manifest;
use valurna_engine::record::ResultFile;

use super::Lang;
use super::public::{district_turnout, load, result_file};
use crate::db::ballot_box as store;
use crate::election::outcome::{Tie, ties};
use crate::election::tally::RECORD_FILES;
use crate::election::text::csv_cell;
use crate::http::error::ApiError;
use crate::http::extract::P;
use crate::http::state::AppState;
use crate::pdf::{Align, Document, Font, TEXT_WIDTH};

/// Everything the protocol and the CSV say.
struct Outcome {
    manifest: Manifest,
    result: ResultFile,
    /// Voters and eligible voters per district.
    turnout: HashMap<String, (u64, u64)>,
    /// The ties the lot decided, per contest.
    ties: Vec<Option<Tie>>,
    /// When voting opened and closed and the result was published.
    times: store::Times,
    /// The seal of the board (hex).
    seal: Option<String>,
    /// Each record file's SHA-256 (hex) and name, in the record's order.
    files: Vec<(String, &'static str)>,
}

/// Each record file's SHA-256 (hex), read in pieces off the async
/// threads, for the files of [`RECORD_FILES`] the record has.
async fn record_digests(dir: std::path::PathBuf) -> Result<Vec<(String, &'static str)>, ApiError> {
    tokio::task::spawn_blocking(move || {
        let mut files = Vec::new();
        for name in RECORD_FILES {
            let Ok(mut file) = std::fs::File::open(dir.join(name)) else {
                continue;
            };
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 64 << 10];
            loop {
                let n = std::io::Read::read(&mut file, &mut buf)
                    .map_err(|_| ApiError::internal("record file"))?;
                if n == 0 {
                    break;
                }
                hasher.update(buf.get(..n).unwrap_or(&[]));
            }
            files.push((hex::encode(hasher.finalize()), *name));
        }
        Ok(files)
    })
    .await
    .map_err(|_| ApiError::internal("record digests"))?
}

/// The outcome of election `id`; with the record's digests only when
/// `digests` (the protocol prints them, the CSV has none).
async fn outcome(app: &AppState, id: i64, digests: bool) -> Result<Outcome, ApiError> {
    let e = load(app, id).await?;
    let result = result_file(app, id)
        .ok_or_else(|| ApiError::said(StatusCode::NOT_FOUND, "no_result", "result-pending", &[]))?;
    let turnout = district_turnout(app, id).await?;
    let (_, _, seal) = store::board_head(app.pool(), id).await?;
    let times = store::times(app.pool(), id).await?;
    let files = match digests {
        true => record_digests(app.record_dir(id)).await?,
        false => Vec::new(),
    };
    Ok(Outcome {
        ties: ties(&e.manifest, &result, seal.as_ref()),
        manifest: e.manifest,
        result,
        turnout,
        times,
        seal: seal.map(hex::encode),
        files,
    })
}

/// A time as the protocol prints it (UTC).
fn when(t: Option<OffsetDateTime>) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&format).ok())
        .unwrap_or_else(|| "–".to_owned())
}

/// A share as a percentage with one decimal.
fn percent(part: u64, of: u64) -> String {
    if of == 0 {
        return "–".to_owned();
    }
    #[allow(clippy::cast_precision_loss)]
    let p = part as f64 * 100.0 / of as f64;
    format!("{p:.1} %")
}

/// The lines `sha256sum` prints for the record's files.
fn sha256sum_lines(files: &[(String, &str)]) -> String {
    files.iter().fold(String::new(), |mut out, (digest, name)| {
        let _ = writeln!(out, "{digest}  {name}");
        out
    })
}

/// `GET /elections/{id}/protocol.pdf`.
pub(super) async fn protocol(State(app): State<AppState>, lang: Lang, P(id): P<i64>) -> Response {
    match outcome(&app, id, true).await {
        Ok(o) => {
            let name = format!("protocol-{}.pdf", o.manifest.election_id);
            let pdf = write_protocol(lang, &o);
            download(pdf, "application/pdf", &name)
        }
        Err(e) => super::error_page(lang, e),
    }
}

/// `GET /elections/{id}/result.csv`.
pub(super) async fn counts(State(app): State<AppState>, lang: Lang, P(id): P<i64>) -> Response {
    match outcome(&app, id, false).await {
        Ok(o) => {
            let name = format!("result-{}.csv", o.manifest.election_id);
            download(
                write_csv(lang, &o).into_bytes(),
                "text/csv; charset=utf-8",
                &name,
            )
        }
        Err(e) => super::error_page(lang, e),
    }
}

fn download(body: Vec<u8>, kind: &'static str, name: &str) -> Response {
    // Only letters, digits, `.`, `-` and `_` in the header's file name.
    let name: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' => c,
            _ => '_',
        })
        .collect();
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// One CSV field: text a spreadsheet would run as a formula is made
/// text ([`csv_cell`]), and it is quoted when it must be.
fn field(text: &str, sep: char) -> String {
    let text = csv_cell(text);
    if text.contains([sep, '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.into_owned()
    }
}

fn write_csv(lang: Lang, o: &Outcome) -> String {
    let sep = if lang == Lang::En { ',' } else { ';' };
    let mut out = String::from("\u{feff}");
    let header = [
        lang.t("turnout-district"),
        lang.t("protocol-contest_title"),
        lang.t("result-seats"),
        lang.t("result-candidate"),
        lang.t("result-votes"),
        lang.t("result-elected"),
        lang.t("protocol-by_lot"),
    ];
    let line = |cells: &[&str]| {
        let fields: Vec<String> = cells.iter().map(|c| field(c, sep)).collect();
        fields.join(&sep.to_string()) + "\r\n"
    };
    out.push_str(&line(&header));
    for (c, contest) in o.manifest.contests.iter().enumerate() {
        let Some(result) = o.result.contests.get(c) else {
            continue;
        };
        let tie = o.ties.get(c).and_then(Option::as_ref);
        for (k, cand) in contest.candidates.iter().enumerate() {
            let elected = result.elected.contains(&cand.id);
            let by_lot = tie.is_some_and(|t| t.order.iter().any(|(i, _, e)| *i == k && *e));
            let yes = lang.t("protocol-yes");
            out.push_str(&line(&[
                &contest.district,
                &contest.title,
                &contest.seats.to_string(),
                &cand.name,
                &result.counts.get(k).copied().unwrap_or(0).to_string(),
                if elected { yes } else { "" },
                if by_lot { yes } else { "" },
            ]));
        }
    }
    out
}

fn write_protocol(lang: Lang, o: &Outcome) -> Vec<u8> {
    let m = &o.manifest;
    let title = format!("{} — {}", lang.t("protocol-title"), m.title);
    let mut doc = Document::new(&title, lang.tag(), lang.t("protocol-page"));
    doc.paragraph(Font::Bold, 18.0, lang.t("protocol-title"));
    doc.paragraph(Font::Bold, 14.0, &m.title);
    doc.gap(6.0);
    let facts = [
        (lang.t("protocol-organisation"), m.organisation.clone()),
        (lang.t("protocol-election_id"), m.election_id.clone()),
    ];
    for (k, v) in &facts {
        doc.row(
            Font::Regular,
            10.0,
            &[(k, 0.0, 150.0, Align::Left), (v, 160.0, 320.0, Align::Left)],
        );
    }
    doc.gap(8.0);
    doc.paragraph(Font::Bold, 11.0, lang.t("protocol-times"));
    let times = [
        (lang.t("protocol-opened"), when(Some(o.times.opened))),
        (lang.t("protocol-closed"), when(o.times.closed)),
        (lang.t("protocol-tallied"), when(o.times.tallied)),
    ];
    for (k, v) in &times {
        doc.row(
            Font::Regular,
            10.0,
            &[(k, 0.0, 150.0, Align::Left), (v, 160.0, 320.0, Align::Left)],
        );
    }

    // Turnout per district, in the order the contests name them.
    doc.gap(10.0);
    doc.paragraph(Font::Bold, 11.0, lang.t("turnout-chart"));
    let columns = |a: &str, b: &str, c: &str, d: &str, font: Font, doc: &mut Document| {
        doc.row(
            font,
            10.0,
            &[
                (a, 0.0, 220.0, Align::Left),
                (b, 230.0, 70.0, Align::Right),
                (c, 310.0, 70.0, Align::Right),
                (d, 390.0, 70.0, Align::Right),
            ],
        );
    };
    columns(
        lang.t("turnout-district"),
        lang.t("turnout-eligible"),
        lang.t("turnout-voted"),
        lang.t("protocol-percent"),
        Font::Bold,
        &mut doc,
    );
    doc.rule();
    let mut districts: Vec<&str> = Vec::new();
    for c in &m.contests {
        if !districts.contains(&c.district.as_str()) {
            districts.push(&c.district);
        }
    }
    let (mut voted, mut eligible) = (0, 0);
    for d in &districts {
        let (v, e) = o.turnout.get(*d).copied().unwrap_or((0, 0));
        voted += v;
        eligible += e;
        columns(
            d,
            &e.to_string(),
            &v.to_string(),
            &percent(v, e),
            Font::Regular,
            &mut doc,
        );
    }
    doc.rule();
    columns(
        lang.t("protocol-all"),
        &eligible.to_string(),
        &voted.to_string(),
        &percent(voted, eligible),
        Font::Bold,
        &mut doc,
    );

    // Every contest.
    for (c, contest) in m.contests.iter().enumerate() {
        let Some(result) = o.result.contests.get(c) else {
            continue;
        };
        doc.gap(12.0);
        doc.need(60.0);
        doc.paragraph(Font::Bold, 12.0, &contest.title);
        let (voters, eligible) = o.turnout.get(&contest.district).copied().unwrap_or((0, 0));
        let line = lang.fmt(
            "protocol-contest",
            &[
                ("district", contest.district.as_str().into()),
                ("seats", contest.seats.into()),
                ("voters", voters.into()),
                ("eligible", eligible.into()),
            ],
        );
        doc.paragraph(Font::Regular, 10.0, &line);
        let row = |a: &str, b: &str, c: &str, font: Font, doc: &mut Document| {
            doc.row(
                font,
                10.0,
                &[
                    (a, 0.0, 280.0, Align::Left),
                    (b, 290.0, 70.0, Align::Right),
                    (c, 380.0, 100.0, Align::Left),
                ],
            );
        };
        row(
            lang.t("result-candidate"),
            lang.t("result-votes"),
            lang.t("result-elected"),
            Font::Bold,
            &mut doc,
        );
        doc.rule();
        for (k, cand) in contest.candidates.iter().enumerate() {
            let elected = result.elected.contains(&cand.id);
            let count = result.counts.get(k).copied().unwrap_or(0).to_string();
            let font = if elected { Font::Bold } else { Font::Regular };
            let mark = if elected {
                lang.t("result-elected")
            } else {
                ""
            };
            row(&cand.name, &count, mark, font, &mut doc);
        }
        if let Some(t) = o.ties.get(c).and_then(Option::as_ref) {
            doc.gap(4.0);
            let text = lang.fmt(
                "protocol-tie",
                &[("votes", t.votes.into()), ("seats", t.seats.into())],
            );
            doc.paragraph(Font::Regular, 9.0, &text);
            for (n, (k, lot, won)) in t.order.iter().enumerate() {
                let name = contest.candidates.get(*k).map_or("", |c| c.name.as_str());
                let outcome = lang.t(if *won {
                    "protocol-by_lot"
                } else {
                    "protocol-not_by_lot"
                });
                let short = lot.get(..16).unwrap_or(lot);
                doc.row(
                    Font::Regular,
                    9.0,
                    &[
                        (&format!("{}. {name}", n + 1), 10.0, 230.0, Align::Left),
                        (&format!("{short}…"), 250.0, 120.0, Align::Left),
                        (outcome, 380.0, 100.0, Align::Left),
                    ],
                );
            }
        } else if result.decided_by_lot {
            doc.paragraph(Font::Regular, 9.0, lang.t("result-lot"));
        }
    }

    // The record, to check the result by.
    doc.gap(14.0);
    doc.need(120.0);
    doc.paragraph(Font::Bold, 11.0, lang.t("protocol-record"));
    doc.paragraph(Font::Regular, 9.0, lang.t("protocol-record_help"));
    doc.gap(4.0);
    let listing = sha256sum_lines(&o.files);
    for line in listing.lines() {
        // As sha256sum prints it, two spaces and all (never wrapped: a
        // line is 64 + 2 + a file name's characters, within the width).
        doc.line(Font::Mono, 7.0, line);
    }
    doc.gap(4.0);
    let digest = hex::encode(Sha256::digest(listing.as_bytes()));
    for (k, v) in [
        (lang.t("protocol-record_digest"), digest),
        (
            lang.t("protocol-seal"),
            o.seal.clone().unwrap_or_else(|| "–".to_owned()),
        ),
    ] {
        doc.row(Font::Regular, 9.0, &[(k, 0.0, 120.0, Align::Left)]);
        doc.row(Font::Mono, 8.0, &[(&v, 0.0, TEXT_WIDTH, Align::Left)]);
    }

    // Lines to sign on.
    doc.gap(16.0);
    doc.need(170.0);
    doc.paragraph(Font::Bold, 11.0, lang.t("protocol-signatures"));
    for _ in 0..3 {
        doc.signature_line(&[
            (lang.t("protocol-signature"), 0.0, 170.0),
            (lang.t("protocol-name"), 185.0, 150.0),
            (lang.t("protocol-date"), 350.0, 133.0),
        ]);
    }
    doc.gap(8.0);
    let printed = lang.fmt(
        "protocol-printed",
        &[("time", when(Some(OffsetDateTime::now_utc())).into())],
    );
    doc.paragraph(Font::Regular, 8.0, &printed);
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_they_must_be() {
        assert_eq!(field("Anna Berg", ';'), "Anna Berg");
        assert_eq!(field("Berg; Anna", ';'), "\"Berg; Anna\"");
        assert_eq!(field("Berg, Anna", ';'), "Berg, Anna");
        assert_eq!(field("\"Bo\" Ek", ','), "\"\"\"Bo\"\" Ek\"");
        // A name a spreadsheet would run is text.
        assert!(!field("=HYPERLINK(\"http://x\")", ';').starts_with('='));
        assert!(!field("@SUM(A1)", ',').starts_with('@'));
    }

    #[test]
    fn the_record_listing_is_what_sha256sum_prints() {
        let files = vec![
            ("ab".repeat(32), "manifest.json"),
            ("cd".repeat(32), "result.json"),
        ];
        assert_eq!(
            sha256sum_lines(&files),
            format!(
                "{}  manifest.json\n{}  result.json\n",
                "ab".repeat(32),
                "cd".repeat(32)
            )
        );
    }
}
