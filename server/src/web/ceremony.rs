//! The key ceremony as the committee sees it (record.md §6): per trustee
//! the rounds done, and whom the ceremony waits for — never "failed"
//! while it merely waits; stopped only by a complaint, which is named.

use maud::{Markup, html};

use super::Lang;
use crate::http::ceremony::{FileJson, StandingJson};
use crate::http::elections::ElectionJson;

/// The ceremony's section of the election's page (and of the trustees').
pub fn section(
    lang: Lang,
    s: &ElectionJson,
    files: &[FileJson],
    standing: &StandingJson,
    server: &str,
) -> Markup {
    let who = |list: &[u32]| {
        list.iter()
            .map(
                |i| match s.trustee_accounts.iter().find(|t| t.index == *i) {
                    Some(t) => format!("{i}. {}", t.username),
                    None => i.to_string(),
                },
            )
            .collect::<Vec<_>>()
            .join(", ")
    };
    let at_fault: Vec<u32> = standing.faults.iter().map(|f| f.trustee).collect();
    let (state, line) = if !standing.faults.is_empty() {
        (
            "stopped".to_string(),
            lang.fmt("staff-ceremony_at_fault", &[("who", who(&at_fault).into())]),
        )
    } else if !standing.complained.is_empty() {
        (
            "stopped".to_string(),
            lang.fmt(
                "staff-ceremony_stopped",
                &[("who", who(&standing.complained).into())],
            ),
        )
    } else if standing.round == 4 {
        ("complete".into(), lang.t("staff-ceremony_complete").into())
    } else {
        let round = standing.round;
        (
            round.to_string(),
            lang.fmt(
                "staff-ceremony_waiting",
                &[
                    ("round", round.into()),
                    ("who", who(&standing.waiting).into()),
                ],
            ),
        )
    };
    let rounds = [
        "staff-ceremony_announced",
        "staff-ceremony_dealt",
        "staff-ceremony_confirmed",
    ];
    html! {
        p { (lang.t("staff-ceremony_help")) }
        pre { code {
            "valurna trustee ceremony --server " (server) " --election " (s.id) " --username … --dir …"
        } }
        p id="ceremony-standing" class={ "notice" @if state == "stopped" { " warn" } }
            role="status" data-round=(state) data-waiting=(standing.waiting.iter().map(u32::to_string).collect::<Vec<_>>().join(",")) {
            (line)
        }
        @if !standing.faults.is_empty() {
            ul id="ceremony-faults" {
                @for f in &standing.faults {
                    li data-trustee=(f.trustee) { (who(&[f.trustee])) ": " span lang="en" { (f.reason) } }
                }
            }
        }
        div class="scroll" tabindex="0" role="region" aria-labelledby="h-ceremony" {
            table id="ceremony-trustees" {
                thead { tr {
                    th scope="col" { (lang.t("staff-ceremony_trustee")) }
                    @for r in rounds { th scope="col" { (lang.t(r)) } }
                } }
                tbody {
                    @for i in 1..=s.trustees {
                        @let done = standing.done.get(i as usize - 1).copied().unwrap_or(0);
                        tr data-trustee=(i) data-done=(done) {
                            th scope="row" { (who(&[i])) }
                            @for (k, _) in rounds.iter().enumerate() {
                                td {
                                    @if usize::from(done) > k { "✓ " (lang.t("staff-ceremony_yes")) }
                                    @else if k == 2 && standing.complained.contains(&i) { (lang.t("staff-ceremony_complained")) }
                                    @else { (lang.t("staff-ceremony_no")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        details {
            summary { (lang.t("staff-ceremony_files")) " " (files.len()) }
            ul class="files" { @for f in files { li { (f.name) } } }
        }
    }
}

/// The committee's restart of a ceremony without one trustee (one at
/// fault is chosen first): another account takes their number, or the
/// election has one trustee fewer.
pub fn restart_form(
    lang: Lang,
    s: &ElectionJson,
    standing: &StandingJson,
    accounts: &[String],
) -> Markup {
    let first = standing.faults.first().map(|f| f.trustee);
    html! {
        section aria-labelledby="h-restart" {
            h3 id="h-restart" { (lang.t("staff-restart_heading")) }
            p class="help" { (lang.t("staff-restart_help")) }
            form class="inline" id="restart-ceremony" data-api={ "/api/elections/" (s.id) "/ceremony-restart" }
                data-method="POST" data-done="reload" data-confirm {
                label for="restart-without" { (lang.t("staff-restart_without")) }
                select id="restart-without" name="without" data-type="int" {
                    @for i in 1..=s.trustees {
                        @let name = s.trustee_accounts.iter().find(|t| t.index == i).map(|t| t.username.as_str()).unwrap_or("");
                        option value=(i) selected[first == Some(i)] { (i) ". " (name) }
                    }
                }
                label for="restart-replacement" { (lang.t("staff-restart_replacement")) }
                select id="restart-replacement" name="replacement" {
                    option value="" { (lang.t("staff-restart_none")) }
                    @for u in accounts { option value=(u) { (u) } }
                }
                button type="submit" { (lang.t("staff-restart")) }
                p class="error-line" role="alert" data-error {}
            }
        }
    }
}
