//! The public pages: elections, the board, checking one's ballot, the
//! result and how to verify the record.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use valurna_engine::manifest::Manifest;
use valurna_engine::record::ResultFile;

use super::{Lang, layout, render, status_text};
use crate::db::{self, ballot_box as store};
use crate::election::outcome::{Tie, ties};
use crate::election::tally::RECORD_FILES;
use crate::http::error::ApiError;
use crate::http::extract::P;
use crate::http::state::AppState;

/// An election as the public pages show it.
pub(super) struct Public {
    pub id: i64,
    pub manifest: Manifest,
    /// The committee's status when the election was managed here (it knows
    /// `tallied`), else the ballot box's (`open` or `closed`).
    pub status: String,
    pub board_count: u64,
}

impl Public {
    pub fn tallied(&self, app: &AppState) -> bool {
        self.status == "tallied" || app.record_dir(self.id).join("result.json").is_file()
    }
}

pub(super) async fn load(app: &AppState, id: i64) -> Result<Public, ApiError> {
    let e = store::public_election(app.pool(), id).await?;
    let manifest =
        Manifest::from_json(&e.manifest).map_err(|_| ApiError::internal("stored manifest"))?;
    Ok(Public {
        id,
        manifest,
        status: e.status,
        board_count: e.board_count,
    })
}

fn election_nav(lang: Lang, e: &Public, here: &str) -> Markup {
    let id = e.id;
    let links = [
        ("", lang.t("election-turnout")),
        ("/vote", lang.t("election-vote")),
        ("/board", lang.t("election-board")),
        ("/track", lang.t("election-track")),
        ("/result", lang.t("election-result")),
        ("/verify", lang.t("election-verify")),
    ];
    html! {
        p class="crumbs" {
            a href={ "/elections/" (id) } { (e.manifest.title) }
            " · " span class={ "status status-" (e.status) } { (status_text(lang, &e.status)) }
        }
        nav class="tabs" aria-label=(e.manifest.title) {
            @for (suffix, text) in links {
                @if suffix == here {
                    a href={ "/elections/" (id) (suffix) } aria-current="page" { (text) }
                } @else {
                    a href={ "/elections/" (id) (suffix) } { (text) }
                }
            }
        }
    }
}

/// `GET /`: the elections.
pub(super) async fn home(State(app): State<AppState>, lang: Lang) -> Response {
    render(lang, async {
        let rows = store::public_elections(app.pool(), 200).await?;
        let nominating = db::elections::in_nominations(&app.pool().get().await?, 50).await?;
        let elections: Vec<(i64, Manifest, String, u64)> = rows
            .into_iter()
            .filter_map(|r| {
                Some((r.id, Manifest::from_json(&r.manifest).ok()?, r.status, r.board_count))
            })
            .collect();
        Ok(layout(
            lang,
            lang.t("home-title"),
            "/",
            None,
            html! {
                h1 { (lang.t("home-title")) }
                p class="lead" { (lang.t("site-tagline")) }
                @if elections.is_empty() {
                    p { (lang.t("home-none")) }
                }
                ul class="cards" {
                    @for (id, m, status, count) in &elections {
                        li class="card" {
                            h2 { a href={ "/elections/" (id) } { (m.title) } }
                            p { (m.organisation) }
                            p {
                                span class={ "status status-" (status) } { (status_text(lang, status)) }
                                " · " (count) " " (lang.t("election-ballots"))
                            }
                            @if status == "open" {
                                p { a class="button" href={ "/elections/" (id) "/vote" } { (lang.t("election-vote")) } }
                            }
                        }
                    }
                }
                @if !nominating.is_empty() {
                    h2 { (lang.t("home-nominations")) }
                    ul {
                        @for r in &nominating {
                            li { a href="/member" { bdi { (r.title) } } " (" bdi { (r.organisation) } ")" }
                        }
                    }
                }
            },
        ))
    })
    .await
}

/// A bar chart: one `<meter>` per row, with its label and figures as
/// text (no inline styles: the CSP forbids them); `rows` are
/// `(label, value, of)`.
pub(super) fn bar_chart(title: &str, id: &str, rows: &[(String, u64, u64)]) -> Markup {
    html! {
        figure class="chart" data-chart=(id) {
            figcaption id={ (id) "-caption" } { (title) }
            ul class="bars" aria-labelledby={ (id) "-caption" } {
                @for (label, value, of) in rows {
                    li data-key=(label) {
                        span class="label" { (label) }
                        meter min="0" max=((*of).max(1)) value=(value) aria-label=(label) {}
                        span class="figure" {
                            span class="value" { (value) } " / " span class="of" { (of) }
                            " (" span class="pct" { (format!("{:.1}", percent(*value, *of))) } " %)"
                        }
                    }
                }
            }
        }
    }
}

fn percent(value: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        (value as f64) * 100.0 / (of as f64)
    }
}

/// The turnout chart of an election; live (the forms' script refreshes it
/// from `/api/elections/{id}/turnout`) while voting is open.
pub(super) async fn turnout_chart(
    app: &AppState,
    lang: Lang,
    id: i64,
    live: bool,
) -> Result<Markup, ApiError> {
    let rows = app.turnout(id).await?;
    let rows: Vec<(String, u64, u64)> = rows.iter().map(|(d, e, v)| (d.clone(), *v, *e)).collect();
    let chart = bar_chart(lang.t("turnout-chart"), "turnout", &rows);
    Ok(html! {
        @if live {
            div data-live-turnout={ "/api/elections/" (id) "/turnout" } { (chart) }
        } @else {
            (chart)
        }
    })
}

/// `GET /elections/{id}`.
pub(super) async fn election(State(app): State<AppState>, lang: Lang, P(id): P<i64>) -> Response {
    render(lang, async {
        let e = load(&app, id).await?;
        let chart = turnout_chart(&app, lang, id, e.status == "open").await?;
        Ok(layout(
            lang,
            &e.manifest.title,
            &format!("/elections/{id}"),
            None,
            html! {
                h1 { (e.manifest.title) }
                p class="lead" { (e.manifest.organisation) }
                (election_nav(lang, &e, ""))
                @if e.status == "open" {
                    p { a class="button primary" href={ "/elections/" (id) "/vote" } { (lang.t("election-vote")) } }
                }
                h2 { (lang.t("election-turnout")) }
                p { (e.board_count) " " (lang.t("election-ballots")) }
                (chart)
            },
        ))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct BoardQuery {
    from: Option<u64>,
}

const BOARD_PAGE: u64 = 100;

/// `GET /elections/{id}/board?from=N`.
pub(super) async fn board(
    State(app): State<AppState>,
    lang: Lang,
    P(id): P<i64>,
    query: Result<Query<BoardQuery>, QueryRejection>,
) -> Response {
    render(lang, async {
        let from = query.ok().and_then(|q| q.0.from).unwrap_or(0).min(i64::MAX as u64);
        let e = load(&app, id).await?;
        let entries = store::board_page(app.pool(), id, from, BOARD_PAGE).await?;
        let (count, head, seal) = store::board_head(app.pool(), id).await?;
        Ok(layout(
            lang,
            lang.t("board-title"),
            &format!("/elections/{id}/board"),
            None,
            html! {
                h1 { (lang.t("board-title")) }
                (election_nav(lang, &e, "/board"))
                p { (lang.t("board-intro")) }
                dl class="facts" {
                    dt { (lang.t("board-count")) } dd { (count) }
                    dt { (lang.t("board-head")) } dd class="hex" { (hex::encode(head)) }
                    @if let Some(seal) = seal {
                        dt { (lang.t("board-seal")) } dd class="hex" { (hex::encode(seal)) }
                    } @else {
                        dt { (lang.t("status-open")) } dd { (lang.t("board-open")) }
                    }
                }
                @if entries.is_empty() {
                    p { (lang.t("board-empty")) }
                } @else {
                    div class="scroll" tabindex="0" role="region" aria-label=(lang.t("board-title")) {
                        table class="board" {
                            thead { tr {
                                th scope="col" { (lang.t("board-position")) }
                                th scope="col" { (lang.t("board-tracker")) }
                            } }
                            tbody {
                                @for line in &entries {
                                    @let short = line.tracker().map(|t| valurna_engine::ballot::short_tracker(&t)).unwrap_or_default();
                                    tr id={ "p" (line.position) } {
                                        // People count from 1.
                                        td { (line.position + 1) }
                                        td {
                                            a href={ "/elections/" (id) "/track?tracker=" (line.tracker) } class="tracker" { (short) }
                                            br;
                                            span class="hex" { (line.tracker) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                nav class="pager" aria-label=(lang.t("board-title")) {
                    @if from > 0 {
                        a href={ "/elections/" (id) "/board?from=" (from.saturating_sub(BOARD_PAGE)) } { "← " (lang.t("board-newer")) }
                    }
                    @if from + BOARD_PAGE < count {
                        a href={ "/elections/" (id) "/board?from=" (from + BOARD_PAGE) } { (lang.t("board-older")) " →" }
                    }
                }
            },
        ))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct TrackQuery {
    tracker: Option<String>,
}

/// A tracker as typed: the whole (64 hex digits) or the short form
/// (12 symbols of the tracker alphabet, dashes and spaces ignored).
pub(super) enum TrackerInput {
    Full([u8; 32]),
    /// The first 60 bits, in the high bits of a `u64`.
    Short(u64),
}

pub(super) fn parse_tracker(text: &str) -> Option<TrackerInput> {
    let t: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if t.len() == 64 {
        let bytes = hex::decode(t.to_ascii_lowercase()).ok()?;
        return Some(TrackerInput::Full(bytes.try_into().ok()?));
    }
    valurna_engine::ballot::parse_short_tracker(&t).map(TrackerInput::Short)
}

/// The board's tracker that starts with a short form's 60 bits.
async fn find_short(app: &AppState, id: i64, prefix: u64) -> Result<Option<[u8; 32]>, ApiError> {
    let mut lo = [0u8; 32];
    let mut hi = [0xffu8; 32];
    lo[..8].copy_from_slice(&prefix.to_be_bytes());
    hi[..8].copy_from_slice(&(prefix | 0xf).to_be_bytes());
    Ok(store::tracker_in_range(app.pool(), id, &lo, &hi).await?)
}

/// `GET /elections/{id}/track?tracker=…`: where a ballot stands.
pub(super) async fn track(
    State(app): State<AppState>,
    lang: Lang,
    P(id): P<i64>,
    query: Result<Query<TrackQuery>, QueryRejection>,
) -> Response {
    render(lang, async {
        let e = load(&app, id).await?;
        let typed = query.ok().and_then(|q| q.0.tracker).filter(|t| !t.trim().is_empty());
        enum Outcome {
            None,
            Malformed,
            Missing,
            Found { tracker: [u8; 32], position: u64, later: Option<u64> },
        }
        let outcome = match typed.as_deref().map(parse_tracker) {
            None => Outcome::None,
            Some(None) => Outcome::Malformed,
            Some(Some(input)) => {
                let full = match input {
                    TrackerInput::Full(t) => Some(t),
                    TrackerInput::Short(p) => find_short(&app, id, p).await?,
                };
                match full {
                    None => Outcome::Missing,
                    Some(t) => match store::tracker_status(app.pool(), id, &t).await? {
                        None => Outcome::Missing,
                        Some((position, later)) => Outcome::Found { tracker: t, position, later },
                    },
                }
            }
        };
        let tallied = e.tallied(&app);
        Ok(layout(
            lang,
            lang.t("track-title"),
            &format!("/elections/{id}/track"),
            None,
            html! {
                h1 { (lang.t("track-title")) }
                (election_nav(lang, &e, "/track"))
                form method="get" action={ "/elections/" (id) "/track" } class="stack" {
                    p { (lang.t("track-intro")) }
                    label for="tracker" { (lang.t("track-label")) }
                    input id="tracker" name="tracker" type="text" autocomplete="off" spellcheck="false"
                        autocapitalize="characters" value=(typed.clone().unwrap_or_default()) required;
                    button type="submit" { (lang.t("track-submit")) }
                }
                div role="status" aria-live="polite" id="track-outcome" {
                    @match &outcome {
                        Outcome::None => {},
                        Outcome::Malformed => p class="notice bad" { (lang.t("track-malformed")) },
                        Outcome::Missing => p class="notice bad" { (lang.t("track-missing")) },
                        Outcome::Found { tracker, position, later } => {
                            @if let Some(later) = later {
                                p class="notice warn" data-outcome="superseded" {
                                    (lang.t("track-superseded")) " "
                                    a href={ "/elections/" (id) "/board?from=" (later / BOARD_PAGE * BOARD_PAGE) "#p" (later) } { (later + 1) } "."
                                }
                            } @else {
                                p class="notice good" data-outcome="counted" { (lang.t("track-counted")) }
                                @if tallied {
                                    p class="notice good" data-outcome="tallied" { (lang.t("track-tallied")) }
                                } @else {
                                    p { (lang.t("track-not_tallied")) }
                                }
                            }
                            dl class="facts" {
                                dt { (lang.t("board-tracker")) }
                                dd { span class="tracker" { (valurna_engine::ballot::short_tracker(tracker)) } br; span class="hex" { (hex::encode(tracker)) } }
                                dt { (lang.t("track-position")) }
                                dd { a href={ "/elections/" (id) "/board?from=" (position / BOARD_PAGE * BOARD_PAGE) "#p" (position) } { (position + 1) } }
                            }
                        }
                    }
                }
            },
        ))
    })
    .await
}

/// The published result of an election, if any.
pub(super) fn result_file(app: &AppState, id: i64) -> Option<ResultFile> {
    let bytes = std::fs::read(app.record_dir(id).join("result.json")).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Voters (credentials with a ballot on the board) and eligible voters per
/// district.
pub(super) async fn district_turnout(
    app: &AppState,
    id: i64,
) -> Result<std::collections::HashMap<String, (u64, u64)>, ApiError> {
    Ok(app
        .turnout(id)
        .await?
        .iter()
        .map(|(d, eligible, voted)| (d.clone(), (*voted, *eligible)))
        .collect())
}

/// The ties the lot decided in election `id`'s result, per contest.
pub(super) async fn result_ties(
    app: &AppState,
    id: i64,
    m: &Manifest,
    r: &ResultFile,
) -> Result<Vec<Option<Tie>>, ApiError> {
    let (_, _, seal) = store::board_head(app.pool(), id).await?;
    Ok(ties(m, r, seal.as_ref()))
}

/// The result's tables and charts, per contest, and the protocol and the
/// counts to download; `turnout` is [`district_turnout`], `ties`
/// [`result_ties`].
pub(super) fn result_markup(
    lang: Lang,
    id: i64,
    m: &Manifest,
    r: &ResultFile,
    turnout: &std::collections::HashMap<String, (u64, u64)>,
    ties: &[Option<Tie>],
) -> Markup {
    html! {
        p class="downloads" {
            a href={ "/elections/" (id) "/protocol.pdf" } download id="protocol-pdf" { (lang.t("protocol-pdf")) }
            " · "
            a href={ "/elections/" (id) "/result.csv" } download id="result-csv" { (lang.t("protocol-csv")) }
        }
        dl class="facts" {
            dt { (lang.t("turnout-eligible")) } dd { (r.turnout.eligible) }
            dt { (lang.t("result-voters")) } dd { (r.turnout.counted) }
            dt { (lang.t("result-ballots")) } dd { (r.turnout.board_entries) }
        }
        @for (i, (contest, result)) in m.contests.iter().zip(&r.contests).enumerate() {
            section class="contest" aria-labelledby={ "contest-" (i) } {
                h2 id={ "contest-" (i) } { (contest.title) }
                @let (voters, eligible) = turnout.get(&contest.district).copied().unwrap_or((0, 0));
                p {
                    (lang.t("turnout-district")) ": " (contest.district) " · " (lang.t("result-seats")) ": " (contest.seats)
                    " · " (lang.t("turnout-voted")) ": " (voters) " / " (eligible)
                }
                div class="scroll" tabindex="0" role="region" aria-labelledby={ "contest-" (i) } {
                    table class="result" {
                        thead { tr {
                            th scope="col" { (lang.t("result-candidate")) }
                            th scope="col" class="num" { (lang.t("result-votes")) }
                            th scope="col" { (lang.t("result-elected")) }
                        } }
                        tbody {
                            @for (k, cand) in contest.candidates.iter().enumerate() {
                                @let elected = result.elected.contains(&cand.id);
                                tr class=[elected.then_some("elected")] {
                                    th scope="row" { (cand.name) }
                                    td class="num" { (result.counts.get(k).copied().unwrap_or(0)) }
                                    td { @if elected { "✓ " (lang.t("result-elected")) } }
                                }
                            }
                        }
                    }
                }
                @let rows: Vec<(String, u64, u64)> = contest.candidates.iter().enumerate()
                    .map(|(k, c)| (c.name.clone(), result.counts.get(k).copied().unwrap_or(0), voters)).collect();
                (bar_chart(lang.t("result-chart"), &format!("result-{i}"), &rows))
                @if let Some(t) = ties.get(i).and_then(Option::as_ref) {
                    div class="notice warn" data-tie {
                        p { (lang.fmt("result-tie", &[("votes", t.votes.into()), ("seats", t.seats.into())])) }
                        ol {
                            @for (k, lot, won) in &t.order {
                                li {
                                    bdi { (contest.candidates.get(*k).map_or("", |c| c.name.as_str())) }
                                    " — " (lang.t(if *won { "protocol-by_lot" } else { "protocol-not_by_lot" }))
                                    " (" span class="hex" { (lang.fmt("result-lot_value", &[("lot", lot.get(..16).unwrap_or(lot).into())])) "…" } ")"
                                }
                            }
                        }
                    }
                } @else if result.decided_by_lot { p class="notice warn" { (lang.t("result-lot")) } }
            }
        }
    }
}

/// `GET /elections/{id}/result`.
pub(super) async fn result(State(app): State<AppState>, lang: Lang, P(id): P<i64>) -> Response {
    render(lang, async {
        let e = load(&app, id).await?;
        let r = result_file(&app, id);
        let turnout = district_turnout(&app, id).await?;
        let ties = match &r {
            Some(r) => result_ties(&app, id, &e.manifest, r).await?,
            None => Vec::new(),
        };
        Ok(layout(
            lang,
            lang.t("result-title"),
            &format!("/elections/{id}/result"),
            None,
            html! {
                h1 { (lang.t("result-title")) }
                (election_nav(lang, &e, "/result"))
                @match &r {
                    Some(r) => (result_markup(lang, id, &e.manifest, r, &turnout, &ties)),
                    None => p class="notice" { (lang.t("result-pending")) },
                }
            },
        ))
    })
    .await
}

/// `GET /elections/{id}/verify`: the record and the verifier.
pub(super) async fn verify(State(app): State<AppState>, lang: Lang, P(id): P<i64>) -> Response {
    render(lang, async {
        let e = load(&app, id).await?;
        let dir = app.record_dir(id);
        let files: Vec<&str> = RECORD_FILES
            .iter()
            .copied()
            .filter(|f| dir.join(f).is_file())
            .collect();
        let fetch = format!(
            "mkdir record && cd record\nfor f in {}; do\n  curl -fsSO \"$SERVER/api/elections/{id}/record/$f\"\ndone\ncd ..\nvalurna-verify record",
            files.join(" ")
        );
        Ok(layout(
            lang,
            lang.t("verify-title"),
            &format!("/elections/{id}/verify"),
            None,
            html! {
                h1 { (lang.t("verify-title")) }
                (election_nav(lang, &e, "/verify"))
                p { (lang.t("verify-intro")) }
                h2 { (lang.t("verify-files")) }
                @if files.is_empty() {
                    p { (lang.t("verify-none")) }
                } @else {
                    ul class="files" {
                        @for f in &files {
                            li { a href={ "/api/elections/" (id) "/record/" (f) } download=(f) { (f) } }
                        }
                    }
                    h2 { (lang.t("verify-how")) }
                    pre { code { "# the verifier: cargo install --path verifier (from the Valurna sources)\n" "SERVER=<this site's address>\n" (fetch) } }
                    p { (lang.t("verify-tracker")) }
                    pre { code { "valurna-verify record --tracker XXXX-XXXX-XXXX" } }
                }
            },
        ))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_trackers_read_back_to_their_prefix() {
        let tracker = [0xA7u8; 32];
        let short = valurna_engine::ballot::short_tracker(&tracker);
        let Some(TrackerInput::Short(p)) = parse_tracker(&short.to_lowercase()) else {
            unreachable!("the short form parses")
        };
        let first = u64::from_be_bytes([0xA7; 8]);
        assert_eq!(p, first & !0xf);
        assert!(
            matches!(parse_tracker(&hex::encode(tracker)), Some(TrackerInput::Full(t)) if t == tracker)
        );
        assert!(parse_tracker("ABCD-EFGH").is_none());
        assert!(
            parse_tracker("ABCD-EFGH-JKMU").is_none(),
            "U is not in the alphabet"
        );
    }
}
