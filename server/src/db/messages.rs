//! The committee's message templates and an election's message language
//! (`election::messages`).

use tokio_postgres::Transaction;

use super::{GenericClient, StoreError};
use crate::election::messages::{Kind, Template};
use crate::i18n::Lang;

/// The language election `election`'s messages go out in.
pub async fn language(client: &impl GenericClient, election: i64) -> Result<Lang, StoreError> {
    let row = client
        .query_one(
            "SELECT message_lang FROM setups WHERE id = $1",
            &[&election],
        )
        .await?;
    Lang::parse(row.get(0)).ok_or(StoreError::Corrupt("message language"))
}

/// Sets the language election `election`'s messages go out in.
pub async fn set_language(
    tx: &Transaction<'_>,
    election: i64,
    lang: Lang,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE setups SET message_lang = $2 WHERE id = $1",
        &[&election, &lang.tag()],
    )
    .await?;
    Ok(())
}

/// The committee's own templates of election `election` in `lang`.
pub async fn templates(
    client: &impl GenericClient,
    election: i64,
    lang: Lang,
) -> Result<Vec<(Kind, Template)>, StoreError> {
    let rows = client
        .query(
            "SELECT kind, subject, body FROM message_templates WHERE setup = $1 AND lang = $2",
            &[&election, &lang.tag()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let kind = Kind::parse(r.get(0)).ok_or(StoreError::Corrupt("message kind"))?;
            Ok((
                kind,
                Template {
                    subject: r.get(1),
                    body: r.get(2),
                },
            ))
        })
        .collect()
}

/// Keeps `template` as the committee's own for `kind` in `lang`, or (None)
/// goes back to the default text.
pub async fn save(
    tx: &Transaction<'_>,
    election: i64,
    kind: Kind,
    lang: Lang,
    template: Option<&Template>,
) -> Result<(), StoreError> {
    match template {
        Some(t) => {
            tx.execute(
                "INSERT INTO message_templates (setup, kind, lang, subject, body) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (setup, kind, lang) \
                 DO UPDATE SET subject = EXCLUDED.subject, body = EXCLUDED.body, saved_at = now()",
                &[&election, &kind.as_str(), &lang.tag(), &t.subject, &t.body],
            )
            .await?
        }
        None => {
            tx.execute(
                "DELETE FROM message_templates WHERE setup = $1 AND kind = $2 AND lang = $3",
                &[&election, &kind.as_str(), &lang.tag()],
            )
            .await?
        }
    };
    Ok(())
}

/// The contact, member number and name of every member of election
/// `election`'s roll who has a contact.
pub async fn contacts(
    client: &impl GenericClient,
    election: i64,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(client
        .query(
            "SELECT contact, member_number, name FROM members WHERE setup = $1 \
             AND contact IS NOT NULL AND contact <> '' ORDER BY member_number",
            &[&election],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// How many members of election `election`'s roll have a contact.
pub async fn contact_count(client: &impl GenericClient, election: i64) -> Result<i64, StoreError> {
    Ok(client
        .query_one(
            "SELECT count(*) FROM members WHERE setup = $1 AND contact IS NOT NULL \
             AND contact <> ''",
            &[&election],
        )
        .await?
        .get(0))
}
