//! `valurna`: run an election from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use valurna_server::CliError;
use valurna_server::commands::{self, ReceiveOutcome};
use valurna_server::demo::{self, DemoConfig};

#[derive(Debug, Parser)]
#[command(
    name = "valurna",
    version,
    about = "End-to-end verifiable elections for member organisations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a whole election in this process and write its record; or, with
    /// --serve, start the server with a demo election open for voting.
    Demo(DemoArgs),
    /// The key ceremony's shared steps (the committee, or anyone).
    #[command(subcommand)]
    Ceremony(CeremonyCommand),
    /// A trustee's own steps, each on the trustee's machine.
    #[command(subcommand)]
    Trustee(TrusteeCommand),
    /// The tally's shared steps.
    #[command(subcommand)]
    Tally(TallyCommand),
    /// One mix server's step for the ranked contests: checks the record and
    /// the mix chain so far, and adds its shuffle with proof.
    Mix {
        /// The election record directory.
        #[arg(long)]
        record: PathBuf,
        /// This mix server's step, from 1.
        #[arg(long)]
        step: u32,
    },
    /// Run the ballot box and the public board over HTTP (PostgreSQL).
    Serve(ServeArgs),
    /// Apply the database schema's migrations and exit.
    Migrate(DatabaseArgs),
    /// The committee's steps on the ballot box's database.
    #[command(subcommand)]
    Election(ElectionCommand),
    /// Create the platform administrator's account (the first account;
    /// every other is made through the API). The password is read from
    /// VALURNA_ADMIN_PASSWORD or, if unset, the first line of standard input.
    AdminCreate {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The account's username.
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Args)]
struct DatabaseArgs {
    /// PostgreSQL URL, e.g. postgres://valurna@127.0.0.1/valurna.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "VALURNA_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The ballot box's receipt key (created, readable by its owner only,
    /// if missing). Keep it: receipts are checked against it.
    #[arg(
        long,
        env = "VALURNA_RECEIPT_KEY",
        default_value = "valurna-receipt.key"
    )]
    receipt_key: PathBuf,
    /// Database connections.
    #[arg(long, default_value_t = 16)]
    pool_size: usize,
    /// Where published election records are kept.
    #[arg(long, env = "VALURNA_DATA_DIR", default_value = "valurna-data")]
    data_dir: PathBuf,
    /// Mark session cookies `Secure` (set this behind HTTPS).
    #[arg(long, env = "VALURNA_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Deliver the outbox's e-mails through this SMTP relay
    /// (`smtp://[user:password@]host[:port]`, plain SMTP); without it, the
    /// committee exports the outbox for its own mailing.
    #[arg(long, env = "VALURNA_SMTP_URL")]
    smtp_url: Option<String>,
    /// Refused ballots per client address per 10 s before casts from it
    /// are answered 429 (0: no limit).
    #[arg(long, env = "VALURNA_ABUSE_LIMIT", default_value_t = valurna_server::limits::DEFAULT_LIMIT)]
    abuse_limit: u32,
    /// The sender of the outbox's e-mails.
    #[arg(
        long,
        env = "VALURNA_MAIL_FROM",
        default_value = "Valurna <valurna@localhost>"
    )]
    mail_from: String,
    /// Where the browser booth's WebAssembly is (what `web/build.sh`
    /// writes; default: `web/static/pkg` of the sources this was built
    /// from).
    #[arg(long, env = "VALURNA_WEB_DIR")]
    web_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ElectionCommand {
    /// Load an election whose ceremony is finished and whose credentials
    /// are fixed (manifest.json, parameters.json, ceremony.json,
    /// credentials.jsonl in DIR) and open it for voting.
    Load {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The directory with the set-up files.
        #[arg(long)]
        dir: PathBuf,
        /// The ballot box's receipt key, as for `serve`.
        #[arg(
            long,
            env = "VALURNA_RECEIPT_KEY",
            default_value = "valurna-receipt.key"
        )]
        receipt_key: PathBuf,
    },
    /// Close voting and seal the board.
    Close {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The election's id (as `load` printed it).
        #[arg(long)]
        id: i64,
    },
    /// Delete a tallied election's personal data: contacts, the names of
    /// members who were not candidates, the outbox, members' sessions and
    /// codes (the same as `POST /api/setups/{id}/retention`).
    Retention {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The election's set-up id (as the committee's API shows it).
        #[arg(long)]
        setup: i64,
    },
    /// Write a closed election's record (up to the encrypted tally) to OUT.
    Export {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The election's id.
        #[arg(long)]
        id: i64,
        /// Where to write the record.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum CeremonyCommand {
    /// Start a ceremony for a manifest in a shared directory.
    Init {
        /// The election's manifest.json.
        #[arg(long)]
        manifest: PathBuf,
        /// Trustees n.
        #[arg(long)]
        trustees: u32,
        /// Threshold t.
        #[arg(long)]
        threshold: u32,
        /// The shared ceremony directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Check everything and write ceremony.json with the joint key.
    Finish {
        /// The shared ceremony directory.
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum TrusteeCommand {
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
    /// Decrypt the tally partially, with proofs.
    Decrypt {
        /// The election record directory.
        #[arg(long)]
        record: PathBuf,
        /// Your key share.
        #[arg(long)]
        share: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum TallyCommand {
    /// Verify the trustees' decryption shares, combine t of them, count and
    /// allocate seats.
    Finish {
        /// The election record directory.
        #[arg(long)]
        record: PathBuf,
    },
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Instead of running the election in this process, start the election
    /// server (PostgreSQL) with a demo election open for voting: prints the
    /// address, the committee's sign-in and voting codes. The staff
    /// accounts' password is VALURNA_DEMO_PASSWORD, or generated.
    #[arg(
        long,
        conflicts_with_all = [
            "districts", "candidates", "seats", "trustees", "threshold", "revote_percent",
            "weighted", "out", "trustee_dir", "quiet", "ranked",
        ]
    )]
    serve: bool,
    /// Eligible voters (each votes once; some vote again); default 10,000.
    /// With --serve: voters per district, default 20.
    #[arg(long)]
    voters: Option<u64>,
    /// With --serve: the address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", requires = "serve")]
    listen: String,
    /// With --serve: a PostgreSQL server where this user may create
    /// databases; the demo resets the database `valurna_demo` on it.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
    /// With --serve: the demo's files (trustees' key shares, published
    /// records, demo.json, voting-codes.csv).
    #[arg(long, default_value = "valurna-demo-serve", requires = "serve")]
    dir: PathBuf,
    /// Districts, one contest each.
    #[arg(long, default_value_t = 5)]
    districts: u32,
    /// Candidates per contest.
    #[arg(long, default_value_t = 8)]
    candidates: u32,
    /// Seats per contest (a voter may choose up to this many).
    #[arg(long, default_value_t = 3)]
    seats: u32,
    /// Trustees holding shares of the election key.
    #[arg(long, default_value_t = 3)]
    trustees: u32,
    /// Trustees needed to decrypt.
    #[arg(long, default_value_t = 2)]
    threshold: u32,
    /// Percentage of voters who vote a second time (the last ballot counts).
    #[arg(long, default_value_t = 1.0)]
    revote_percent: f64,
    /// Give voters weights (1, 2 or 3).
    #[arg(long)]
    weighted: bool,
    /// Where to write the election record.
    #[arg(long, default_value = "valurna-demo-record")]
    out: PathBuf,
    /// Also give the trustees their key shares here, to redo the tally with
    /// `valurna trustee decrypt` and `valurna tally finish`.
    #[arg(long)]
    trustee_dir: Option<PathBuf>,
    /// Hide progress bars.
    #[arg(long)]
    quiet: bool,
    /// Make every contest ranked, counted by `stv` (Scottish STV) or
    /// `schulze`, through a mix-net of two mix servers.
    #[arg(long, num_args = 0..=1, default_missing_value = "stv", value_parser = ["stv", "schulze"])]
    ranked: Option<String>,
}

#[allow(clippy::print_stdout)]
fn say(text: &str) {
    println!("{text}");
}

fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Demo(a) if a.serve => run_async(Command::Demo(a)),
        Command::Demo(a) => {
            let config = DemoConfig {
                voters: a.voters.unwrap_or(10_000),
                districts: a.districts,
                candidates: a.candidates,
                seats: a.seats,
                trustees: a.trustees,
                threshold: a.threshold,
                revote_percent: a.revote_percent,
                weighted: a.weighted,
                out: a.out,
                trustee_dir: a.trustee_dir,
                progress: !a.quiet,
                ranked: a.ranked,
            };
            demo::run(&config).map(|report| demo::print_report(&report, &config.out))
        }
        Command::Ceremony(CeremonyCommand::Init {
            manifest,
            trustees,
            threshold,
            dir,
        }) => {
            commands::ceremony_init(&manifest, trustees, threshold, &dir)?;
            say(&format!(
                "ceremony for {trustees} trustees, threshold {threshold}, in {}",
                dir.display()
            ));
            Ok(())
        }
        Command::Ceremony(CeremonyCommand::Finish { dir }) => {
            let outcome = commands::ceremony_finish(&dir)?;
            say(&format!(
                "joint election key {}",
                outcome.joint_key.element().to_hex()
            ));
            Ok(())
        }
        Command::Trustee(TrusteeCommand::Announce { dir, index, secret }) => {
            commands::trustee_announce(&dir, index, &secret)?;
            say(&format!(
                "trustee {index} announced; secret state in {}",
                secret.display()
            ));
            Ok(())
        }
        Command::Trustee(TrusteeCommand::Deal { dir, secret }) => {
            commands::trustee_deal(&dir, &secret)?;
            say("shares dealt");
            Ok(())
        }
        Command::Trustee(TrusteeCommand::Receive { dir, secret, share }) => {
            match commands::trustee_receive(&dir, &secret, &share)? {
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
            Ok(())
        }
        Command::Trustee(TrusteeCommand::Decrypt { record, share }) => {
            let path = commands::trustee_decrypt(&record, &share)?;
            say(&format!("decryption share written to {}", path.display()));
            Ok(())
        }
        Command::Serve(_)
        | Command::Migrate(_)
        | Command::Election(_)
        | Command::AdminCreate { .. } => run_async(command),
        Command::Mix { record, step } => {
            let mixed = commands::mix_record(&record, step)?;
            say(&format!(
                "mix step {step}: shuffled {} item(s) in {} ranked contest(s)",
                mixed.iter().sum::<usize>(),
                mixed.len()
            ));
            Ok(())
        }
        Command::Tally(TallyCommand::Finish { record }) => {
            let (result, refused) = commands::tally_finish(&record)?;
            for r in refused {
                say(&format!("refused: {r}"));
            }
            for c in &result.contests {
                say(&format!("{}: elected {}", c.contest, c.elected.join(", ")));
            }
            Ok(())
        }
    }
}

/// The database-backed commands, on a tokio runtime.
fn run_async(command: Command) -> Result<(), CliError> {
    use valurna_server::serve::{self, AppState, ReceiptKey};
    use valurna_server::store;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match command {
            Command::Serve(a) => {
                let pool = store::pool(&a.database.database_url, a.pool_size)?;
                store::migrate(&pool).await?;
                // Never a new key here: receipts must be signed with the key
                // the elections were loaded with (`election load` makes it).
                let key = ReceiptKey::load(&a.receipt_key)?;
                say(&format!(
                    "receipt key {}; listening on {}",
                    key.public().to_hex(),
                    a.listen
                ));
                if let Some(url) = &a.smtp_url {
                    let mailer = valurna_server::mail::Mailer::new(url, &a.mail_from)
                        .map_err(|e| CliError::Usage(e.to_string()))?;
                    tokio::spawn(mailer.run(pool.clone(), std::time::Duration::from_secs(5)));
                }
                let state = AppState::new(pool, key)
                    .with_data_dir(a.data_dir)
                    .with_web_dir(
                        a.web_dir
                            .unwrap_or_else(|| PathBuf::from(serve::DEFAULT_WEB_DIR)),
                    )
                    .with_secure_cookies(a.secure_cookies)
                    .with_abuse_limit(a.abuse_limit);
                serve::run(&a.listen, state).await?;
            }
            Command::Demo(a) => {
                use valurna_server::demo_serve::{self, DemoServeConfig};
                let voters = a.voters.unwrap_or(20);
                let config = DemoServeConfig {
                    listen: a.listen,
                    database_url: a.database_url,
                    dir: a.dir,
                    voters: u32::try_from(voters).unwrap_or(u32::MAX),
                    password: std::env::var("VALURNA_DEMO_PASSWORD").ok(),
                };
                let ready = demo_serve::prepare(&config).await?;
                say(&ready.summary()?);
                ready.serve().await?;
            }
            Command::Migrate(d) => {
                store::migrate(&store::pool(&d.database_url, 1)?).await?;
                say("database schema up to date");
            }
            Command::Election(ElectionCommand::Load {
                database,
                dir,
                receipt_key,
            }) => {
                let pool = store::pool(&database.database_url, 1)?;
                store::migrate(&pool).await?;
                let setup = commands::check_setup(&dir)?;
                let key = ReceiptKey::load_or_create(&receipt_key)?;
                let id = store::load_election(&pool, &setup, key.public()).await?;
                say(&format!(
                    "election {} loaded as id {id}, open for voting",
                    setup.manifest.election_id
                ));
            }
            Command::Election(ElectionCommand::Close { database, id }) => {
                let seal = store::close(&store::pool(&database.database_url, 1)?, id).await?;
                say(&format!("election {id} closed; seal {}", hex::encode(seal)));
            }
            Command::Election(ElectionCommand::Retention { database, setup }) => {
                let pool = store::pool(&database.database_url, 1)?;
                let removed = valurna_server::manage::retention_command(&pool, setup)
                    .await
                    .map_err(|e| CliError::Usage(e.message().to_string()))?;
                say(&format!(
                    "personal data of set-up {setup} deleted: {} contacts, {} names, \
                     {} messages, {} sessions and codes",
                    removed.contacts, removed.names, removed.messages, removed.sessions
                ));
            }
            Command::Election(ElectionCommand::Export { database, id, out }) => {
                store::export(&store::pool(&database.database_url, 1)?, id, &out).await?;
                say(&format!(
                    "record of election {id} written to {}",
                    out.display()
                ));
            }
            Command::AdminCreate { database, username } => {
                let password = match std::env::var("VALURNA_ADMIN_PASSWORD") {
                    Ok(p) => zeroize::Zeroizing::new(p),
                    Err(_) => {
                        let mut line = zeroize::Zeroizing::new(String::new());
                        std::io::stdin().read_line(&mut line)?;
                        zeroize::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_string())
                    }
                };
                let pool = store::pool(&database.database_url, 1)?;
                store::migrate(&pool).await?;
                let id = store::create_platform_admin(&pool, &username, &password).await?;
                say(&format!("platform admin {username} created (account {id})"));
            }
            _ => return Err(CliError::Internal("not a database command")),
        }
        Ok(())
    })
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(valurna_server::log_filter(
            &std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        ))
        .init();
    let command = Cli::parse().command;
    let result = match command {
        c @ (Command::Serve(_)
        | Command::Migrate(_)
        | Command::Election(_)
        | Command::AdminCreate { .. }) => run_async(c),
        c => run(c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("valurna: {e}");
            ExitCode::FAILURE
        }
    }
}
