//! Organisations and their staff accounts.

use serde_json::json;
use tokio_postgres::Transaction;

use super::{GenericClient, Pool, StoreError};

/// Adds an organisation; a taken slug is [`StoreError::is_duplicate`].
pub async fn create(tx: &Transaction<'_>, slug: &str, name: &str) -> Result<i64, StoreError> {
    Ok(tx
        .query_one(
            "INSERT INTO organisations (slug, name) VALUES ($1, $2) RETURNING id",
            &[&slug, &name],
        )
        .await?
        .get(0))
}

/// Adds a staff account to organisation `org` (`None`: no such
/// organisation); a taken username is [`StoreError::is_duplicate`].
pub async fn create_staff(
    tx: &Transaction<'_>,
    org: i64,
    username: &str,
    password_hash: &str,
    role: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .query_opt(
            "INSERT INTO staff (organisation, username, password_hash, role) \
             SELECT id, $2, $3, $4 FROM organisations WHERE id = $1 RETURNING id",
            &[&org, &username, &password_hash, &role],
        )
        .await?
        .map(|r| r.get(0)))
}

/// Creates the platform administrator's account, with its audit entry.
pub async fn create_platform_admin(
    pool: &Pool,
    username: &str,
    password_hash: &str,
) -> Result<i64, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let id = insert_platform_admin(&tx, username, password_hash).await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a platform administrator's account in `tx`, with its audit entry,
/// and ends the first run (its setup tokens stop working).
pub async fn insert_platform_admin(
    tx: &Transaction<'_>,
    username: &str,
    password_hash: &str,
) -> Result<i64, StoreError> {
    let id: i64 = tx
        .query_one(
            "INSERT INTO staff (username, password_hash, role) \
             VALUES ($1, $2, 'platform_admin') RETURNING id",
            &[&username, &password_hash],
        )
        .await?
        .get(0);
    super::audit::write(
        tx,
        Some(id),
        None,
        "staff.create",
        &json!({"staff": id, "role": "platform_admin"}),
    )
    .await?;
    super::first_run::end(tx).await?;
    Ok(id)
}

/// A staff account as signing in needs it.
#[derive(Debug)]
pub struct Login {
    /// Its id.
    pub id: i64,
    /// Its Argon2id PHC string.
    pub password_hash: String,
    /// Its role's name.
    pub role: String,
    /// Its organisation.
    pub organisation: Option<i64>,
    /// Whether an admin disabled it.
    pub disabled: bool,
}

/// The account named `username`, if any.
pub async fn login(
    client: &impl GenericClient,
    username: &str,
) -> Result<Option<Login>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT id, password_hash, role, organisation, disabled_at IS NOT NULL \
             FROM staff WHERE username = $1",
            &[&username],
        )
        .await?
        .map(|r| Login {
            id: r.get(0),
            password_hash: r.get(1),
            role: r.get(2),
            organisation: r.get(3),
            disabled: r.get(4),
        }))
}

/// The id of organisation `org`'s trustee account `username`, if any.
pub async fn trustee_account(
    client: &impl GenericClient,
    username: &str,
    org: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT id FROM staff WHERE username = $1 AND organisation = $2 AND role = 'trustee'",
            &[&username, &org],
        )
        .await?
        .map(|r| r.get(0)))
}

/// A staff account as its organisation's admin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    /// Its id.
    pub id: i64,
    /// Its username.
    pub username: String,
    /// Its role's name.
    pub role: String,
    /// Whether it is disabled.
    pub disabled: bool,
    /// Whether signing in asks for a code (a second factor is set up).
    pub second_factor: bool,
}

fn staff_row(r: &tokio_postgres::Row) -> StaffRow {
    StaffRow {
        id: r.get(0),
        username: r.get(1),
        role: r.get(2),
        disabled: r.get(3),
        second_factor: r.get(4),
    }
}

/// Organisation `org`'s accounts, by username.
pub async fn staff_of(client: &impl GenericClient, org: i64) -> Result<Vec<StaffRow>, StoreError> {
    Ok(client
        .query(
            "SELECT id, username, role, disabled_at IS NOT NULL, totp_secret IS NOT NULL \
             FROM staff WHERE organisation = $1 ORDER BY username",
            &[&org],
        )
        .await?
        .iter()
        .map(staff_row)
        .collect())
}

/// Sets account `id` of organisation `org`'s role and whether it is
/// disabled (`None`: left as it is), and removes its second factor if
/// `remove_second_factor`; `None` if `org` has no such account.
pub async fn update_staff(
    tx: &Transaction<'_>,
    org: i64,
    id: i64,
    role: Option<&str>,
    disabled: Option<bool>,
    remove_second_factor: bool,
) -> Result<Option<StaffRow>, StoreError> {
    Ok(tx
        .query_opt(
            "UPDATE staff SET role = coalesce($3, role), \
             disabled_at = CASE WHEN $4::bool IS NULL THEN disabled_at \
                                WHEN $4 THEN coalesce(disabled_at, now()) ELSE NULL END, \
             totp_secret = CASE WHEN $5 THEN NULL ELSE totp_secret END, \
             totp_pending = CASE WHEN $5 THEN NULL ELSE totp_pending END \
             WHERE id = $2 AND organisation = $1 \
             RETURNING id, username, role, disabled_at IS NOT NULL, totp_secret IS NOT NULL",
            &[&org, &id, &role, &disabled, &remove_second_factor],
        )
        .await?
        .as_ref()
        .map(staff_row))
}

/// Account `id`'s password hash.
pub async fn password_hash(
    client: &impl GenericClient,
    id: i64,
) -> Result<Option<String>, StoreError> {
    Ok(client
        .query_opt("SELECT password_hash FROM staff WHERE id = $1", &[&id])
        .await?
        .map(|r| r.get(0)))
}

/// Sets account `id`'s password hash.
pub async fn set_password(tx: &Transaction<'_>, id: i64, hash: &str) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE staff SET password_hash = $2 WHERE id = $1",
        &[&id, &hash],
    )
    .await?;
    Ok(())
}

/// One organisation in the platform admin's list.
#[derive(Debug)]
pub struct OrganisationRow {
    /// Its id.
    pub id: i64,
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// Its staff accounts.
    pub staff: i64,
}

/// Every organisation, in the order they were made.
pub async fn all(client: &impl GenericClient) -> Result<Vec<OrganisationRow>, StoreError> {
    Ok(client
        .query(
            "SELECT o.id, o.slug, o.name, \
               (SELECT count(*) FROM staff s WHERE s.organisation = o.id) \
             FROM organisations o ORDER BY o.id",
            &[],
        )
        .await?
        .into_iter()
        .map(|r| OrganisationRow {
            id: r.get(0),
            slug: r.get(1),
            name: r.get(2),
            staff: r.get(3),
        })
        .collect())
}
