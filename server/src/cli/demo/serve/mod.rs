//! `valurna demo --serve`: the real election server (`valurna serve`,
//! PostgreSQL) with a demo election that is open for voting, so a newcomer
//! can vote in a browser at once.
//!
//! Everything is set up through the server's own HTTP API, in process
//! (each request goes through [`crate::http::app`] with
//! `tower::ServiceExt::oneshot`, with the session cookie and the
//! `X-CSRF-Token` header a browser would send): the platform admin creates
//! the organisation "Demo Co-op" and its admin, who creates the staff (the
//! committee, three trustees, an observer); the committee creates the
//! election "Delegates 2027" with the districts North (3 seats) and South
//! (2 seats), imports a voter roll, names the trustees and opens
//! nominations; candidates sign in with one-time codes from the outbox,
//! stand (or are proposed and accept) and write presentations; the
//! committee approves them and freezes the manifest; the trustees run the
//! key ceremony through the server; voting opens and the voting codes are
//! taken from the outbox.
//!
//! The trustees' secret key shares are kept in the demo directory
//! (`trustee-N/share`). In a real election each trustee keeps theirs on
//! their own machine; here, once the committee closes voting,
//! [`spawn_trustees`] acts as `t` of them: it decrypts the tally with
//! [`record::tally::trustee_decrypt`](crate::record::tally::trustee_decrypt) and uploads the shares through the API, so
//! the result is published.
//!
//! [`seed`] and [`spawn_trustees`] work on any [`AppState`] (the tests use
//! them on a throwaway database); [`prepare`] is the command: a fresh
//! database, the seed, the files for the newcomer and the browser tests
//! (`demo.json`, `voting-codes.csv`), then [`ReadyDemo::serve`].

mod api;
mod election;
mod plan;
mod trustees;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use self::api::*;
use self::plan::*;
use self::trustees::*;
use crate::cli::common::redacted;
use crate::db;
use crate::error::CliError;
use crate::http::state::AppState;
use crate::receipt::ReceiptKey;

pub use self::election::{Account, DemoElection, DemoTrustee, SeedOptions, summary, write_files};
pub use self::plan::{
    CODES_SHOWN, COMMITTEE, DEMO_DATABASE, ELECTION_ID, MAX_VOTERS, ORGANISATION,
    ORGANISATION_SLUG, THRESHOLD, TITLE, TRUSTEES,
};
pub use self::trustees::spawn_trustees;

/// Sets up the demo election through the API of `state`'s router, up to
/// open voting with its codes (module docs). The database must be fresh
/// and migrated; the trustees' files go to `options.dir/trustee-N/`
/// (replaced if there).
pub async fn seed(state: &AppState, options: &SeedOptions) -> Result<DemoElection, CliError> {
    check_options(options.voters, &options.password)?;
    let router = crate::http::app(state.clone());
    let account = |username: &str, role: &'static str| Account {
        username: username.into(),
        role,
        password: options.password.clone(),
    };

    // The platform admin (the first account, as `valurna admin-create`
    // makes it), the organisation and its staff.
    let platform = account("platform", "platform_admin");
    crate::cli::admin::create_platform_admin(state.pool(), &platform.username, &platform.password)
        .await?;
    let platform_api = Api::staff(&router, &platform).await?;
    let org = id_of(
        &platform_api
            .post(
                "/api/organisations",
                json!({"slug": ORGANISATION_SLUG, "name": ORGANISATION}),
                StatusCode::CREATED,
            )
            .await?,
        "the organisation",
    )?;
    let staff_path = format!("/api/organisations/{org}/staff");
    let admin = account("admin", "org_admin");
    let create = |api: Api, a: Account| {
        let path = staff_path.clone();
        async move {
            api.post(
                &path,
                json!({"username": a.username, "password": a.password, "role": a.role}),
                StatusCode::CREATED,
            )
            .await
        }
    };
    create(platform_api, admin.clone()).await?;
    let admin_api = Api::staff(&router, &admin).await?;
    let committee = account(COMMITTEE, "committee");
    let observer = account("observer", "observer");
    let mut trustees = Vec::new();
    for index in 1..=TRUSTEES {
        let dir = options.dir.join(format!("trustee-{index}"));
        if tokio::fs::try_exists(&dir).await? {
            tokio::fs::remove_dir_all(&dir).await?;
        }
        tokio::fs::create_dir_all(dir.join("ceremony")).await?;
        trustees.push(DemoTrustee {
            index,
            account: account(&format!("trustee{index}"), "trustee"),
            dir,
        });
    }
    for a in std::iter::once(&committee)
        .chain(trustees.iter().map(|t| &t.account))
        .chain(std::iter::once(&observer))
    {
        create(admin_api.clone(), a.clone()).await?;
    }

    // The committee creates the election and imports the roll.
    let committee_api = Api::staff(&router, &committee).await?;
    let districts: Vec<Value> = DISTRICTS
        .iter()
        .map(|d| json!({"district": d.name, "seats": d.seats}))
        .collect();
    let setup = id_of(
        &committee_api
            .post(
                &format!("/api/organisations/{org}/elections"),
                json!({"election_id": ELECTION_ID, "title": TITLE, "trustees": TRUSTEES,
                       "threshold": THRESHOLD, "districts": districts}),
                StatusCode::CREATED,
            )
            .await?,
        "the election",
    )?;
    let s = format!("/api/elections/{setup}");
    let members = roll(options.voters);
    let csv = roll_csv(&members);
    let preview = committee_api
        .expect(
            StatusCode::OK,
            Method::POST,
            &format!("{s}/roll"),
            Payload::Csv(csv.clone()),
        )
        .await?
        .json();
    let digest = field(&preview, "digest")
        .as_str()
        .ok_or_else(|| failed(format!("the roll's preview has no digest: {preview}")))?;
    committee_api
        .expect(
            StatusCode::OK,
            Method::POST,
            &format!("{s}/roll?apply={digest}"),
            Payload::Csv(csv),
        )
        .await?;
    for t in &trustees {
        committee_api
            .post(
                &format!("{s}/trustees"),
                json!({"username": t.account.username, "index": t.index}),
                StatusCode::NO_CONTENT,
            )
            .await?;
    }
    committee_api
        .post_empty(&format!("{s}/nominations/open"), StatusCode::NO_CONTENT)
        .await?;

    nominate(&router, &committee_api, setup, &members).await?;

    // The committee approves every accepted nomination and freezes.
    let list = committee_api.get(&format!("{s}/nominations")).await?;
    for n in list.as_array().into_iter().flatten() {
        let id = id_of(n, "a nomination")?;
        committee_api
            .post(
                &format!("{s}/nominations/{id}/decision"),
                json!({"approve": true}),
                StatusCode::NO_CONTENT,
            )
            .await?;
    }
    committee_api
        .post_empty(&format!("{s}/freeze"), StatusCode::OK)
        .await?;

    key_ceremony(&router, setup, &trustees).await?;

    // Voting opens; the codes leave through the outbox.
    committee_api
        .post_empty(&format!("{s}/open"), StatusCode::OK)
        .await?;
    let mut by_contact: HashMap<String, String> = HashMap::new();
    for (recipient, body) in committee_api.take_outbox(setup).await? {
        if let Some(code) = voting_code(&body) {
            by_contact.insert(recipient, code);
        }
    }
    let mut codes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in &members {
        let code = by_contact
            .remove(&m.contact)
            .ok_or_else(|| failed(format!("no voting code was sent to member {}", m.number)))?;
        codes.entry(m.district.to_string()).or_default().push(code);
    }

    let candidates = committee_api.get(&format!("{s}/candidates")).await?;
    let mut districts: BTreeMap<String, (u32, Vec<String>)> = DISTRICTS
        .iter()
        .map(|d| (d.name.to_string(), (d.seats, Vec::new())))
        .collect();
    for c in candidates.as_array().into_iter().flatten() {
        if let (Some(d), Some(name)) = (field(c, "district").as_str(), field(c, "name").as_str())
            && let Some((_, names)) = districts.get_mut(d)
        {
            names.push(name.to_string());
        }
    }
    Ok(DemoElection {
        organisation: org,
        id: setup,
        threshold: THRESHOLD,
        accounts: [platform, admin, committee, observer]
            .into_iter()
            .chain(trustees.iter().map(|t| t.account.clone()))
            .collect(),
        trustees,
        districts,
        codes,
    })
}

/// Nominations: every candidate signs in with a one-time code from the
/// outbox; in each district the first candidate stands and proposes the
/// second, who accepts; the others stand themselves; all write
/// presentations.
async fn nominate(
    router: &Router,
    committee: &Api,
    setup: i64,
    members: &[Member],
) -> Result<(), CliError> {
    let anonymous = Api::anonymous(router);
    let candidates: Vec<&Member> = members
        .iter()
        .filter(|m| m.presentation.is_some())
        .collect();
    for m in &candidates {
        anonymous
            .post(
                "/api/member/code",
                json!({"election": setup, "member_number": m.number}),
                StatusCode::ACCEPTED,
            )
            .await?;
    }
    let messages = committee.take_outbox(setup).await?;
    let mut sessions = Vec::new();
    for m in &candidates {
        let code = messages
            .iter()
            .rev()
            .find(|(r, _)| *r == m.contact)
            .and_then(|(_, body)| sign_in_code(body))
            .ok_or_else(|| failed(format!("no sign-in code was sent to member {}", m.number)))?;
        let api = Api::signed_in(
            router,
            "/api/member/login",
            json!({"election": setup, "member_number": m.number, "code": code}),
        )
        .await?;
        sessions.push((*m, api));
    }
    for d in &DISTRICTS {
        let mine: Vec<&(&Member, Api)> = sessions
            .iter()
            .filter(|(m, _)| m.district == d.name)
            .collect();
        for (k, (m, api)) in mine.iter().enumerate() {
            match (k, mine.first()) {
                // Proposed by the district's first candidate; accepts.
                (1, Some((_, proposer))) => {
                    proposer
                        .post(
                            "/api/member/nominations",
                            json!({"nominee": m.number}),
                            StatusCode::CREATED,
                        )
                        .await?;
                    let own = api.get("/api/member/nominations").await?;
                    let n = own
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|n| field(n, "role") == "nominee")
                        .ok_or_else(|| failed(format!("member {} was not nominated", m.number)))?;
                    api.post(
                        &format!(
                            "/api/member/nominations/{}/respond",
                            id_of(n, "a nomination")?
                        ),
                        json!({"accept": true}),
                        StatusCode::NO_CONTENT,
                    )
                    .await?;
                }
                _ => {
                    api.post(
                        "/api/member/nominations",
                        json!({"nominee": m.number}),
                        StatusCode::CREATED,
                    )
                    .await?;
                }
            }
            api.expect(
                StatusCode::NO_CONTENT,
                Method::PUT,
                "/api/member/presentation",
                Payload::Json(json!({"text": m.presentation.unwrap_or_default()})),
            )
            .await?;
        }
    }
    Ok(())
}

/// `valurna demo --serve`'s options.
#[derive(Debug, Clone)]
pub struct DemoServeConfig {
    /// Address to listen on.
    pub listen: String,
    /// A PostgreSQL server where this user may create databases; the demo
    /// resets the database [`DEMO_DATABASE`] on it.
    pub database_url: String,
    /// The demo's files: the receipt key, published records (`data/`), the
    /// trustees' directories, `demo.json`, `voting-codes.csv`.
    pub dir: PathBuf,
    /// Members per district.
    pub voters: u32,
    /// The staff accounts' password; generated if `None`.
    pub password: Option<String>,
}

/// Drops the database `name` on the PostgreSQL server at `url` (if it is
/// there) and creates it empty; returns its connection settings.
pub async fn reset_database(url: &str, name: &str) -> Result<tokio_postgres::Config, CliError> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(CliError::Usage(format!(
            "a database name of a-z, 0-9 and '_', not {name:?}"
        )));
    }
    let mut admin: tokio_postgres::Config = url.parse().map_err(|e| {
        CliError::Usage(format!(
            "--database-url {} is not a PostgreSQL URL: {e}",
            redacted(url)
        ))
    })?;
    if admin.get_dbname() == Some(name) {
        return Err(CliError::Usage(format!(
            "--database-url names the demo's own database {name}, which the demo drops: \
             point it at another database of the server (e.g. postgres)"
        )));
    }
    admin.connect_timeout(Duration::from_secs(5));
    let (client, connection) = admin.connect(tokio_postgres::NoTls).await.map_err(|e| {
        CliError::Usage(format!(
            "cannot connect to PostgreSQL at {}: {}\n\
             `valurna demo --serve` needs a PostgreSQL server where this user may create \
             databases. Start one, for example:\n\
             \x20 sudo service postgresql start          (Debian, Ubuntu; trust or password auth \
             for 127.0.0.1)\n\
             \x20 brew services start postgresql         (macOS)\n\
             \x20 docker run --rm -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres\n\
             or point --database-url (or DATABASE_URL) at another server.",
            redacted(url),
            with_causes(&e)
        ))
    })?;
    let connection = tokio::spawn(connection);
    let reset = db::recreate_database(&client, name).await;
    drop(client);
    let _ = connection.await;
    reset.map_err(|e| {
        CliError::Usage(format!(
            "could not reset the database {name} at {} (the user must be allowed to create \
             databases): {}",
            redacted(url),
            with_causes(&e)
        ))
    })?;
    let mut config = admin;
    config.dbname(name);
    Ok(config)
}

/// A password for the demo's accounts: four groups of four letters and
/// digits (no look-alikes), about 80 bits.
pub fn generate_password() -> String {
    use rand_core::Rng as _;
    const SYMBOLS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    valurna_engine::rng::os_rng().fill_bytes(&mut bytes);
    let symbols: Vec<char> = bytes
        .iter()
        .map(|b| {
            char::from(
                SYMBOLS
                    .get(usize::from(*b) % SYMBOLS.len())
                    .copied()
                    .unwrap_or(b'a'),
            )
        })
        .collect();
    symbols
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The demo, seeded and ready to serve.
#[derive(Debug)]
pub struct ReadyDemo {
    listener: tokio::net::TcpListener,
    state: AppState,
    election: DemoElection,
    url: String,
    dir: PathBuf,
}

impl ReadyDemo {
    /// The server's URL (`http://ADDR`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The election.
    pub fn election(&self) -> &DemoElection {
        &self.election
    }

    /// The printout ([`summary`]).
    pub fn summary(&self) -> Result<String, CliError> {
        summary(&self.url, &self.dir, &self.election)
    }

    /// Starts the trustees ([`spawn_trustees`], every second) and serves
    /// until the process is stopped.
    pub async fn serve(self) -> Result<(), CliError> {
        let trustees = spawn_trustees(&self.state, &self.election, Duration::from_secs(1));
        tokio::spawn(async move {
            match trustees.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "the demo's trustees gave up"),
                Err(_) => tracing::error!("the demo's trustees stopped"),
            }
        });
        crate::http::run(self.listener, self.state, Default::default()).await?;
        Ok(())
    }
}

/// `valurna demo --serve` up to serving: binds `listen`, resets the
/// database [`DEMO_DATABASE`] and migrates it, clears the demo directory's
/// earlier records, [`seed`]s the election and writes [`write_files`].
pub async fn prepare(config: &DemoServeConfig) -> Result<ReadyDemo, CliError> {
    let password = match &config.password {
        Some(p) => p.clone(),
        None => generate_password(),
    };
    check_options(config.voters, &password)?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| CliError::Usage(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener.local_addr()?;
    let host = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_string(),
        std::net::IpAddr::V4(ip) => ip.to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
    };
    let url = format!("http://{host}:{}", addr.port());

    let db = reset_database(&config.database_url, DEMO_DATABASE).await?;
    let pool = db::pool_with(db, 16)?;
    db::migrate(&pool).await?;
    std::fs::create_dir_all(&config.dir)?;
    // Records of an earlier run would stand for this run's elections
    // (the fresh database numbers them from 1 again).
    let data = config.dir.join("data");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    let key = ReceiptKey::load_or_create(&config.dir.join("receipt.key"))?;
    let state = AppState::new(pool, key).with_data_dir(data);
    if !state.web_dir().join("valurna_booth_bg.wasm").is_file() {
        tracing::warn!(
            dir = %state.web_dir().display(),
            "the browser booth is not built, so the voting page cannot encrypt: run web/build.sh first"
        );
    }
    tracing::info!("setting up the demo election through the API");
    let election = seed(
        &state,
        &SeedOptions {
            dir: config.dir.clone(),
            voters: config.voters,
            password,
        },
    )
    .await?;
    write_files(&config.dir, &url, &election)?;
    Ok(ReadyDemo {
        listener,
        state,
        election,
        url,
        dir: config.dir.clone(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use std::collections::HashSet;

    use valurna_engine::credential::VotingCode;

    use super::*;

    #[test]
    fn the_roll_has_the_candidates_first_and_unique_contacts() {
        let members = roll(25);
        assert_eq!(members.len(), 50);
        let contacts: HashSet<&str> = members.iter().map(|m| m.contact.as_str()).collect();
        assert_eq!(contacts.len(), 50);
        let north: Vec<&Member> = members.iter().filter(|m| m.district == "North").collect();
        assert_eq!(
            north.iter().filter(|m| m.presentation.is_some()).count(),
            10
        );
        assert_eq!(north[0].number, "N0001");
        assert_eq!(north[0].contact, "astrid.lindqvist@example.org");
        let parsed = crate::election::roll::parse(
            roll_csv(&members).as_bytes(),
            &["North".to_string(), "South".to_string()],
        );
        assert!(parsed.is_ok(), "{parsed:?}");
    }

    #[test]
    fn messages_give_their_codes() {
        let code = VotingCode::parse("ABCDE-FGHJK-MNPQR-STVWX").unwrap();
        let body = format!(
            "Your voting code for \"Delegates 2027\" is {}. Keep it secret: it is your vote.",
            code.display()
        );
        assert_eq!(voting_code(&body), Some(code.display()));
        assert_eq!(
            sign_in_code("Your sign-in code for the nominations of \"x\" is 01234567. It is"),
            Some("01234567".into())
        );
    }

    #[test]
    fn passwords_are_long_enough_and_urls_are_redacted() {
        let p = generate_password();
        assert_eq!(p.len(), 19);
        assert!(crate::election::accounts::check_new_account("committee", &p).is_ok());
    }
}
