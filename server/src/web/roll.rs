//! The roll import on an election's page: choose the register's file; if
//! its header is the register's own, say which column is which (offered
//! from the organisation's last import, else guessed from the titles by
//! `app.js`); see the counts and the first rows as they will be kept; then
//! import exactly that (`http::roll`).

use maud::{Markup, html};

use super::Lang;
use crate::db;
use crate::election::roll::ColumnMap;
use crate::http::error::ApiError;
use crate::http::state::AppState;

/// The fields to choose a column for: the field, the select's id and
/// label, and whether it may be left empty.
const FIELDS: [(&str, &str, &str, bool); 6] = [
    ("member_number", "col-number", "roll-map_number", false),
    ("name", "col-name", "roll-map_name", false),
    ("name", "col-name-2", "roll-map_name_more", true),
    ("contact", "col-contact", "roll-map_contact", false),
    ("contact", "col-contact-2", "roll-map_contact_more", true),
    ("district", "col-district", "roll-map_district", false),
];

/// The roll's section, with the organisation's saved columns.
pub(super) async fn roll_form(
    app: &AppState,
    lang: Lang,
    election: i64,
    organisation: i64,
) -> Result<Markup, ApiError> {
    let client = app.pool().get().await?;
    let saved: Option<ColumnMap> = db::roll::saved_columns(&client, organisation).await?;
    let saved = saved
        .map(|s| serde_json::to_string(&s).unwrap_or_default())
        .unwrap_or_default();
    Ok(html! {
        section aria-labelledby="h-roll" {
            h2 id="h-roll" { (lang.t("staff-roll")) }
            p class="help" { (lang.t("staff-roll_help")) }
            form class="stack" data-api={ "/api/elections/" (election) "/roll" } data-method="POST"
                data-raw="file" data-done="roll" data-saved-columns=(saved) id="roll-form" {
                label for="roll-file" { (lang.t("staff-roll_file")) }
                input id="roll-file" name="file" type="file" accept=".csv,text/csv" required;
                fieldset data-roll-columns hidden {
                    legend { (lang.t("roll-map_heading")) }
                    p class="help" { (lang.t("roll-map_help")) }
                    @for (field, id, label, optional) in FIELDS {
                        label for=(id) { (lang.t(label)) }
                        select id=(id) data-column=(field) data-optional[optional] {
                            option value="" { (lang.t("roll-map_none")) }
                        }
                    }
                }
                button type="submit" { (lang.t("staff-roll_check")) }
                div data-roll-preview hidden {
                    ul class="counts" {
                        li { strong data-count="added" {} " " (lang.t("staff-added")) }
                        li { strong data-count="removed" {} " " (lang.t("staff-removed")) }
                        li { strong data-count="changed" {} " " (lang.t("staff-changed")) }
                        li { strong data-count="unchanged" {} " " (lang.t("staff-unchanged")) }
                    }
                    h3 id="h-roll-rows" { (lang.t("roll-preview_rows")) }
                    div class="scroll" tabindex="0" role="region" aria-labelledby="h-roll-rows" {
                        table {
                            thead { tr {
                                th scope="col" { (lang.t("roll-line")) }
                                th scope="col" { (lang.t("roll-map_number")) }
                                th scope="col" { (lang.t("roll-map_name")) }
                                th scope="col" { (lang.t("roll-contact")) }
                                th scope="col" { (lang.t("roll-map_district")) }
                            } }
                            tbody data-roll-rows {}
                        }
                    }
                    button type="button" class="primary" data-roll-apply { (lang.t("staff-roll_apply")) }
                }
                div class="error-line" role="alert" data-error {}
            }
        }
    })
}
