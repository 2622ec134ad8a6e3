//! `valurna trustee …`: a trustee's own steps, each on the trustee's
//! machine: the ceremony's three rounds and the partial decryption, on
//! files ([`crate::record`]) or through the server's API ([`remote`]).

pub mod remote;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use self::remote::{Folder, KeyFile, Progress, Trustee};
use super::common::{block_on, say, secret_input};
use crate::cli::api::Api;
use crate::error::CliError;
use crate::record::ceremony::{ReceiveOutcome, trustee_announce, trustee_deal, trustee_receive};
use crate::record::tally::trustee_decrypt;

/// A trustee's own steps, each on the trustee's machine.
#[derive(Debug, Subcommand)]
pub enum TrusteeCommand {
    /// Round 1: make your keys and publish your announcement.
    Announce {
        /// The shared ceremony directory.
        #[arg(long)]
        dir: PathBuf,
        /// Your trustee number, 1 to n.
        #[arg(long)]
        index: u32,
        /// Your secret file (created; keep it to yourself).
        #[arg(long)]
        secret: PathBuf,
    },
    /// Round 2: publish the encrypted shares for the other trustees.
    Deal {
        /// The shared ceremony directory.
        #[arg(long)]
        dir: PathBuf,
        /// Your secret file.
        #[arg(long)]
        secret: PathBuf,
    },
    /// Round 3: check the shares sent to you; keep your key share.
    Receive {
        /// The shared ceremony directory.
        #[arg(long)]
        dir: PathBuf,
        /// Your secret file.
        #[arg(long)]
        secret: PathBuf,
        /// Your key share (created; keep it to yourself).
        #[arg(long)]
        share: PathBuf,
    },
    /// The whole key ceremony through the server: takes each of your
    /// rounds when it is due and waits for the others in between, until
    /// every trustee has confirmed. Run it again after a stop: it goes on
    /// where it was.
    Ceremony(ServerArgs),
    /// Decrypt the tally partially, with proofs: from a record directory
    /// (--record, --share), or through the server (--server …), which
    /// waits until voting is closed, downloads the record, checks it and
    /// uploads your decryption share.
    Decrypt {
        /// The election record directory.
        #[arg(long, required_unless_present = "server", conflicts_with = "server")]
        record: Option<PathBuf>,
        /// Your key share.
        #[arg(long, required_unless_present = "server", conflicts_with = "server")]
        share: Option<PathBuf>,
        /// Through the server.
        #[command(flatten)]
        online: Option<ServerArgs>,
        /// With --server: the key file the trustee page saved after the key
        /// ceremony (its passphrase from VALURNA_PASSPHRASE, or the next
        /// line of standard input), instead of the key share in --dir.
        #[arg(long, requires = "server")]
        key_file: Option<PathBuf>,
    },
}

/// A trustee's steps through the server. The password is read from
/// VALURNA_PASSWORD or, if unset, the first line of standard input; the
/// authenticator's code, if the account has one, from VALURNA_CODE or the
/// next line.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The server's address, e.g. `https://val.example.org`.
    #[arg(long)]
    pub server: String,
    /// The election's number (in its page's address, /staff/elections/N).
    #[arg(long)]
    pub election: i64,
    /// Your staff account.
    #[arg(long)]
    pub username: String,
    /// Your own folder for this election, on this machine: your secret and
    /// your key share are kept there, and never sent.
    #[arg(long)]
    pub dir: PathBuf,
    /// Seconds between looks at the server while waiting for others.
    #[arg(long, default_value_t = 5.0)]
    pub every: f64,
}

impl ServerArgs {
    async fn sign_in(&self) -> Result<Trustee, CliError> {
        let password = secret_input("VALURNA_PASSWORD")?;
        tokio::fs::create_dir_all(&self.dir).await?;
        Trustee::sign_in(
            Api::remote(&self.server)?,
            self.election,
            &self.username,
            &password,
            || Ok(secret_input("VALURNA_CODE")?.trim().to_string()),
            Folder(self.dir.clone()),
        )
        .await
    }

    fn every(&self) -> Result<Duration, CliError> {
        Duration::try_from_secs_f64(self.every)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| CliError::Usage("--every: a number of seconds above 0".into()))
    }
}

/// A trustee's step through the server.
#[derive(Debug, Clone)]
enum Step {
    Ceremony,
    /// With the key file the trustee page saved, if any.
    Decrypt(Option<PathBuf>),
}

/// Signs in and takes `step` until it is done.
fn online(a: ServerArgs, step: Step) -> Result<(), CliError> {
    block_on(async move {
        let every = a.every()?;
        let t = a.sign_in().await?;
        // The password is read first (by the sign-in), then the passphrase.
        let key = match &step {
            Step::Decrypt(Some(path)) => Some(KeyFile {
                path: path.clone(),
                passphrase: secret_input("VALURNA_PASSPHRASE")?,
            }),
            _ => None,
        };
        let step = &step;
        say(&format!(
            "signed in as trustee {} of election {}",
            t.index, t.election
        ));
        until_done(every, || async {
            match step {
                Step::Ceremony => t.ceremony_step().await,
                Step::Decrypt(_) => t.decrypt_step(key.as_ref()).await,
            }
        })
        .await
    })
}

/// Takes `step` again and again, saying what it did and whom it waits
/// for (once each time that changes), until it is done.
async fn until_done<F, Fut>(every: Duration, mut step: F) -> Result<(), CliError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Progress, CliError>>,
{
    let mut said = String::new();
    loop {
        match step().await? {
            Progress::Did(what) => say(&what),
            Progress::Waiting(whom) => {
                if whom != said {
                    say(&format!("waiting for {whom}"));
                    said = whom;
                }
                tokio::time::sleep(every).await;
            }
            Progress::Done(what) => {
                say(&what);
                return Ok(());
            }
        }
    }
}

/// Runs the command.
pub fn run(command: TrusteeCommand) -> Result<(), CliError> {
    match command {
        TrusteeCommand::Announce { dir, index, secret } => {
            trustee_announce(&dir, index, &secret)?;
            say(&format!(
                "trustee {index} announced; secret state in {}",
                secret.display()
            ));
        }
        TrusteeCommand::Deal { dir, secret } => {
            trustee_deal(&dir, &secret)?;
            say("shares dealt");
        }
        TrusteeCommand::Receive { dir, secret, share } => {
            match trustee_receive(&dir, &secret, &share)? {
                ReceiveOutcome::Share => say(&format!(
                    "all shares valid; your key share is in {}",
                    share.display()
                )),
                ReceiveOutcome::Complained(against) => {
                    return Err(CliError::Usage(format!(
                        "bad shares from trustee(s) {against:?}: complaints published"
                    )));
                }
            }
        }
        TrusteeCommand::Ceremony(a) => online(a, Step::Ceremony)?,
        TrusteeCommand::Decrypt {
            online: Some(a),
            key_file,
            ..
        } => online(a, Step::Decrypt(key_file))?,
        TrusteeCommand::Decrypt {
            record: Some(record),
            share: Some(share),
            online: None,
            ..
        } => {
            let path = trustee_decrypt(&record, &share)?;
            say(&format!("decryption share written to {}", path.display()));
        }
        TrusteeCommand::Decrypt { .. } => {
            return Err(CliError::Usage(
                "give --record and --share, or --server, --election, --username and --dir".into(),
            ));
        }
    }
    Ok(())
}
