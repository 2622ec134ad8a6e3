//! `valurna migrate` and `valurna admin-create`: the operator's first
//! steps on a database.

use clap::Args;
use zeroize::Zeroizing;

use super::common::{DatabaseArgs, block_on, say};
use crate::db::{self, Pool};
use crate::election::accounts::{check_new_account, hash_password};
use crate::error::CliError;

/// `valurna admin-create`'s options.
#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// The account's username.
    #[arg(long)]
    username: String,
}

/// Creates the platform administrator's account (checked as every new
/// account is), with its audit entry. Returns its id.
pub async fn create_platform_admin(
    pool: &Pool,
    username: &str,
    password: &str,
) -> Result<i64, CliError> {
    check_new_account(username, password).map_err(|e| CliError::Usage(e.message))?;
    let password = Zeroizing::new(password.to_string());
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| CliError::Internal("password hash"))?
        .map_err(|e| CliError::Usage(e.message))?;
    Ok(db::organisations::create_platform_admin(pool, username, &hash).await?)
}

/// `valurna admin-create`: the password is read from
/// `VALURNA_ADMIN_PASSWORD` or, if unset, the first line of standard input.
pub fn run(a: AdminArgs) -> Result<(), CliError> {
    let password = super::common::secret_input("VALURNA_ADMIN_PASSWORD")?;
    block_on(async move {
        let pool = db::pool(&a.database.database_url, 1)?;
        db::migrate(&pool).await?;
        let id = create_platform_admin(&pool, &a.username, &password).await?;
        say(&format!(
            "platform admin {} created (account {id})",
            a.username
        ));
        Ok(())
    })
}

/// `valurna migrate`.
pub fn migrate(d: DatabaseArgs) -> Result<(), CliError> {
    block_on(async move {
        db::migrate(&db::pool(&d.database_url, 1)?).await?;
        say("database schema up to date");
        Ok(())
    })
}
