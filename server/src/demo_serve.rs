//! `valurna demo --serve`: the real election server (`valurna serve`,
//! PostgreSQL) with a demo election that is open for voting, so a newcomer
//! can vote in a browser at once.
//!
//! Everything is set up through the server's own HTTP API, in process
//! (each request goes through [`crate::serve::router`] with
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
//! [`commands::trustee_decrypt`] and uploads the shares through the API, so
//! the result is published.
//!
//! [`seed`] and [`spawn_trustees`] work on any [`AppState`] (the tests use
//! them on a throwaway database); [`prepare`] is the command: a fresh
//! database, the seed, the files for the newcomer and the browser tests
//! (`demo.json`, `voting-codes.csv`), then [`ReadyDemo::serve`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tower::ServiceExt as _;
use valurna_engine::credential::VotingCode;

use crate::CliError;
use crate::commands::{self, ReceiveOutcome};
use crate::serve::{self, AppState, ReceiptKey};
use crate::store;

/// The database [`prepare`] drops and creates afresh on every run.
pub const DEMO_DATABASE: &str = "valurna_demo";
/// The election's id within the organisation.
pub const ELECTION_ID: &str = "delegates-demo";
/// The election's title.
pub const TITLE: &str = "Delegates 2027";
/// The organisation's name.
pub const ORGANISATION: &str = "Demo Co-op";
/// The organisation's slug.
pub const ORGANISATION_SLUG: &str = "demo-coop";
/// Trustees holding shares of the election key.
pub const TRUSTEES: u32 = 3;
/// Trustees needed to decrypt.
pub const THRESHOLD: u32 = 2;
/// The committee's username.
pub const COMMITTEE: &str = "committee";
/// Voting codes per district shown in the printout.
pub const CODES_SHOWN: usize = 5;
/// The most voters per district.
pub const MAX_VOTERS: u32 = 100_000;

/// A district of the demo: its name, seats, member-number prefix and its
/// candidates (name, presentation).
struct DistrictPlan {
    name: &'static str,
    seats: u32,
    prefix: &'static str,
    candidates: &'static [(&'static str, &'static str)],
}

/// North: 3 seats, 10 candidates (the ballot the browser booth is
/// benchmarked on); South: 2 seats, 4 candidates.
const DISTRICTS: [DistrictPlan; 2] = [
    DistrictPlan {
        name: "North",
        seats: 3,
        prefix: "N",
        candidates: &[
            (
                "Astrid Lindqvist",
                "Member since 2009 and shop steward at the Umeå store. I want fair opening \
                 hours and a stronger voice for the staff at the annual meeting.",
            ),
            (
                "Oliver Bennett",
                "I run the co-op's repair café. I will push for more second-hand goods and \
                 local suppliers on our shelves.",
            ),
            (
                "Maja Eriksson",
                "Accountant by trade. I want clearer annual reports and a members' budget \
                 that every district can follow.",
            ),
            (
                "Henrik Sjöberg",
                "Farmer near Skellefteå, supplying our dairy counter. Shorter supply chains \
                 keep the money in the region.",
            ),
            (
                "Charlotte Hughes",
                "Parent of three and chair of the local tenants' group. Affordable staples \
                 and a better app for ordering.",
            ),
            (
                "Erik Nordström",
                "Retired teacher. I will keep our member courses going and open them to \
                 newcomers.",
            ),
            (
                "Sofia Bergman",
                "I work in logistics. Less food waste, electric deliveries and honest \
                 climate figures.",
            ),
            (
                "James Whitfield",
                "Member for twelve years. I want the dividend back and every decision \
                 explained in plain language.",
            ),
            (
                "Ingrid Holm",
                "I run a small bakery in Luleå. Local producers deserve fair terms and a \
                 place on our shelves.",
            ),
            (
                "Lars Petersson",
                "Youth delegate in 2023. Let us make it easier for young members to take \
                 part and to stand for election.",
            ),
        ],
    },
    DistrictPlan {
        name: "South",
        seats: 2,
        prefix: "S",
        candidates: &[
            (
                "Elin Forsberg",
                "Nurse in Malmö. Healthy food at fair prices, and a pharmacy corner in the \
                 larger stores.",
            ),
            (
                "Thomas Clarke",
                "Small-business owner. Better terms for local suppliers and a pricing \
                 policy anyone can read.",
            ),
            (
                "Karin Lundgren",
                "Former board member of our housing co-op. Open books and well-prepared \
                 meetings.",
            ),
            (
                "Gustav Ekström",
                "Student in Lund. Cheaper memberships for students and a vegetarian range \
                 that tastes good.",
            ),
        ],
    },
];

/// First names of the members who are not candidates.
const FIRST_NAMES: [&str; 30] = [
    "Anna", "Erik", "Emma", "Johan", "Sara", "Oscar", "Linnea", "Karl", "Elsa", "Nils", "Hanna",
    "Axel", "Ida", "Viktor", "Ebba", "Emil", "Alice", "William", "Freja", "Hugo", "Olivia",
    "George", "Grace", "Harry", "Lucy", "Daniel", "Amelia", "Samuel", "Chloe", "Jack",
];

/// Last names of the members who are not candidates.
const LAST_NAMES: [&str; 31] = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Green",
    "Hall",
    "Wood",
    "Berg",
];

/// What [`seed`] makes.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// Where the trustees' files are kept (`trustee-N/`).
    pub dir: PathBuf,
    /// Members per district (at least the district's candidates).
    pub voters: u32,
    /// The password of every demo staff account (12 characters or more).
    pub password: String,
}

/// A staff account of the demo.
#[derive(Clone)]
pub struct Account {
    /// Its username.
    pub username: String,
    /// Its role (`platform_admin`, `org_admin`, `committee`, `trustee`,
    /// `observer`).
    pub role: &'static str,
    /// Its password.
    pub password: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A trustee of the demo and where its files are.
#[derive(Debug, Clone)]
pub struct DemoTrustee {
    /// Its trustee number, 1 to n.
    pub index: u32,
    /// Its account.
    pub account: Account,
    /// Its directory: `ceremony/`, `share` (its key share), `record/`.
    pub dir: PathBuf,
}

impl DemoTrustee {
    /// The trustee's key share.
    pub fn share(&self) -> PathBuf {
        self.dir.join("share")
    }
}

/// The demo election, open for voting.
#[derive(Clone)]
pub struct DemoElection {
    /// The organisation's id.
    pub organisation: i64,
    /// The committee's set-up id (`/api/setups/{setup}`).
    pub setup: i64,
    /// The ballot box's election id (`/api/elections/{ballot_box}`).
    pub ballot_box: i64,
    /// Trustees needed to decrypt.
    pub threshold: u32,
    /// Every staff account, the platform admin first.
    pub accounts: Vec<Account>,
    /// The trustees.
    pub trustees: Vec<DemoTrustee>,
    /// District → its seats and approved candidates' names.
    pub districts: BTreeMap<String, (u32, Vec<String>)>,
    /// District → its voters' voting codes (`XXXXX-XXXXX-…`), in roll order.
    pub codes: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for DemoElection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoElection")
            .field("organisation", &self.organisation)
            .field("setup", &self.setup)
            .field("ballot_box", &self.ballot_box)
            .field("threshold", &self.threshold)
            .field("districts", &self.districts)
            .finish_non_exhaustive()
    }
}

impl DemoElection {
    /// The committee's account.
    pub fn committee(&self) -> Result<&Account, CliError> {
        self.accounts
            .iter()
            .find(|a| a.role == "committee")
            .ok_or(CliError::Internal("the demo has no committee account"))
    }

    /// `demo.json`: what the browser end-to-end tests read.
    pub fn to_json(&self, url: &str) -> Result<Value, CliError> {
        let committee = self.committee()?;
        Ok(json!({
            "url": url,
            "organisation": self.organisation,
            "ballot_box": self.ballot_box,
            "setup": self.setup,
            "booth": format!("{url}/elections/{}/vote", self.ballot_box),
            "committee": {"username": committee.username, "password": committee.password},
            "codes": self.codes,
        }))
    }
}

fn failed(what: impl Into<String>) -> CliError {
    CliError::Demo(what.into())
}

/// Runs a CPU-heavy or blocking step off the async runtime's threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CliError> + Send + 'static,
) -> Result<T, CliError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| CliError::Internal("a blocking task stopped"))?
}

// ---------------------------------------------------------------------------
// The in-process API client

/// An answer of the API.
struct Answer {
    status: StatusCode,
    set_cookie: Option<String>,
    body: Bytes,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| Value::String(self.text()))
    }
}

/// A client of the router, signed in (a session cookie and its CSRF
/// token) or not, as a browser or a trustee's tool would be.
#[derive(Clone)]
struct Api {
    router: Router,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("signed_in", &self.cookie.is_some())
            .finish_non_exhaustive()
    }
}

/// A request body.
enum Payload {
    Empty,
    Json(Value),
    Csv(String),
    Raw(Vec<u8>),
}

impl Api {
    fn anonymous(router: &Router) -> Api {
        Api {
            router: router.clone(),
            cookie: None,
            csrf: None,
        }
    }

    async fn send(&self, method: Method, path: &str, body: Payload) -> Result<Answer, CliError> {
        let mut request = Request::builder().method(method.clone()).uri(path);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(csrf) = &self.csrf {
            request = request.header(crate::auth::CSRF_HEADER, csrf);
        }
        let body = match body {
            Payload::Empty => Body::empty(),
            Payload::Json(v) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            Payload::Csv(text) => {
                request = request.header(header::CONTENT_TYPE, "text/csv");
                Body::from(text)
            }
            Payload::Raw(bytes) => Body::from(bytes),
        };
        let request = request
            .body(body)
            .map_err(|e| failed(format!("{method} {path}: {e}")))?;
        let response = match self.router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = response.status();
        let set_cookie = response
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| failed(format!("{method} {path}: reading the answer: {e}")))?;
        Ok(Answer {
            status,
            set_cookie,
            body,
        })
    }

    /// Sends, and expects `status`.
    async fn expect(
        &self,
        status: StatusCode,
        method: Method,
        path: &str,
        body: Payload,
    ) -> Result<Answer, CliError> {
        let answer = self.send(method.clone(), path, body).await?;
        if answer.status != status {
            return Err(failed(format!(
                "{method} {path} answered {} (expected {status}): {}",
                answer.status,
                answer.text()
            )));
        }
        Ok(answer)
    }

    async fn post(&self, path: &str, body: Value, status: StatusCode) -> Result<Value, CliError> {
        Ok(self
            .expect(status, Method::POST, path, Payload::Json(body))
            .await?
            .json())
    }

    async fn post_empty(&self, path: &str, status: StatusCode) -> Result<Value, CliError> {
        Ok(self
            .expect(status, Method::POST, path, Payload::Empty)
            .await?
            .json())
    }

    async fn get(&self, path: &str) -> Result<Value, CliError> {
        Ok(self
            .expect(StatusCode::OK, Method::GET, path, Payload::Empty)
            .await?
            .json())
    }

    async fn get_bytes(&self, path: &str) -> Result<Bytes, CliError> {
        Ok(self
            .expect(StatusCode::OK, Method::GET, path, Payload::Empty)
            .await?
            .body)
    }

    /// Signs in at `path` (staff or member login): keeps the session
    /// cookie from `Set-Cookie` and the CSRF token from the answer.
    async fn signed_in(router: &Router, path: &str, body: Value) -> Result<Api, CliError> {
        let api = Api::anonymous(router);
        let answer = api
            .expect(StatusCode::OK, Method::POST, path, Payload::Json(body))
            .await?;
        let cookie = answer
            .set_cookie
            .as_deref()
            .and_then(|c| c.split(';').next())
            .map(str::to_string)
            .ok_or_else(|| failed(format!("POST {path} set no session cookie")))?;
        let csrf = field(&answer.json(), "csrf_token")
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| failed(format!("POST {path} gave no CSRF token")))?;
        Ok(Api {
            cookie: Some(cookie),
            csrf: Some(csrf),
            ..api
        })
    }

    async fn staff(router: &Router, account: &Account) -> Result<Api, CliError> {
        Api::signed_in(
            router,
            "/api/login",
            json!({"username": account.username, "password": account.password}),
        )
        .await
    }

    /// Takes every waiting message out of the set-up's outbox, as
    /// (recipient, body).
    async fn take_outbox(&self, setup: i64) -> Result<Vec<(String, String)>, CliError> {
        let csv = self
            .expect(
                StatusCode::OK,
                Method::POST,
                &format!("/api/setups/{setup}/outbox/export"),
                Payload::Empty,
            )
            .await?
            .body;
        let mut reader = csv::Reader::from_reader(csv.as_ref());
        let mut out = Vec::new();
        for row in reader.records() {
            let row = row.map_err(|e| failed(format!("the outbox's CSV: {e}")))?;
            match (row.get(0), row.get(2)) {
                (Some(recipient), Some(body)) => out.push((recipient.into(), body.into())),
                _ => return Err(failed("the outbox's CSV has a short row")),
            }
        }
        Ok(out)
    }
}

/// A JSON object's field, or `null`.
fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&Value::Null)
}

fn id_of(v: &Value, what: &str) -> Result<i64, CliError> {
    field(v, "id")
        .as_i64()
        .ok_or_else(|| failed(format!("{what}: no id in {v}")))
}

// ---------------------------------------------------------------------------
// The roll

/// A member of the demo roll.
#[derive(Debug, Clone)]
struct Member {
    number: String,
    name: String,
    contact: String,
    district: &'static str,
    /// The presentation, for a candidate.
    presentation: Option<&'static str>,
}

/// A name as the local part of an e-mail address: lower case, ASCII.
fn mailbox(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'å' | 'ä' | 'á' | 'à' => Some('a'),
            'ö' | 'ø' | 'ó' => Some('o'),
            'é' | 'è' => Some('e'),
            ' ' => Some('.'),
            c if c.is_ascii_alphanumeric() || c == '-' => Some(c),
            _ => None,
        })
        .collect()
}

/// The roll: per district its candidates first, then other members up to
/// `voters`; every contact unique.
fn roll(voters: u32) -> Vec<Member> {
    let mut taken = HashSet::new();
    let mut contact = |name: &str| {
        let base = mailbox(name);
        let mut n = 1;
        let mut c = format!("{base}@example.org");
        while !taken.insert(c.clone()) {
            n += 1;
            c = format!("{base}{n}@example.org");
        }
        c
    };
    let mut members = Vec::new();
    let mut k = 0usize;
    for d in &DISTRICTS {
        for i in 0..voters as usize {
            let (name, presentation) = match d.candidates.get(i) {
                Some((name, text)) => ((*name).to_string(), Some(*text)),
                None => {
                    k += 1;
                    let first = FIRST_NAMES.get(k % FIRST_NAMES.len()).unwrap_or(&"Anna");
                    let last = LAST_NAMES.get(k % LAST_NAMES.len()).unwrap_or(&"Berg");
                    (format!("{first} {last}"), None)
                }
            };
            members.push(Member {
                number: format!("{}{:04}", d.prefix, i + 1),
                contact: contact(&name),
                name,
                district: d.name,
                presentation,
            });
        }
    }
    members
}

fn roll_csv(members: &[Member]) -> String {
    let mut out = String::from("member_number,name,contact,district\n");
    for m in members {
        let _ = writeln!(out, "{},{},{},{}", m.number, m.name, m.contact, m.district);
    }
    out
}

/// The 8-digit sign-in code in a message.
fn sign_in_code(body: &str) -> Option<String> {
    body.split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .find(|w| w.len() == 8 && w.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

/// The voting code in a message, in its printed form.
fn voting_code(body: &str) -> Option<String> {
    body.split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| w.len() > 20 && w.contains('-'))
        .find_map(|w| VotingCode::parse(w).ok())
        .map(|c| c.display())
}

// ---------------------------------------------------------------------------
// Seeding

/// Checks the voters per district (at least the most candidates of a
/// district, at most [`MAX_VOTERS`]) and the staff accounts' password.
fn check_options(voters: u32, password: &str) -> Result<(), CliError> {
    let most = DISTRICTS
        .iter()
        .map(|d| d.candidates.len())
        .max()
        .unwrap_or(0);
    if (voters as usize) < most || voters > MAX_VOTERS {
        return Err(CliError::Usage(format!(
            "--voters is per district: {most} to {MAX_VOTERS} (North has {most} candidates)"
        )));
    }
    crate::manage::check_new_account(COMMITTEE, password).map_err(|e| {
        CliError::Usage(format!(
            "the demo's password (VALURNA_DEMO_PASSWORD): {}",
            e.message()
        ))
    })
}

/// An error with its causes, as one line.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}

/// Sets up the demo election through the API of `state`'s router, up to
/// open voting with its codes (module docs). The database must be fresh
/// and migrated; the trustees' files go to `options.dir/trustee-N/`
/// (replaced if there).
pub async fn seed(state: &AppState, options: &SeedOptions) -> Result<DemoElection, CliError> {
    check_options(options.voters, &options.password)?;
    let router = serve::router(state.clone());
    let account = |username: &str, role: &'static str| Account {
        username: username.into(),
        role,
        password: options.password.clone(),
    };

    // The platform admin (the first account, as `valurna admin-create`
    // makes it), the organisation and its staff.
    let platform = account("platform", "platform_admin");
    store::create_platform_admin(state.pool(), &platform.username, &platform.password).await?;
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
    let s = format!("/api/setups/{setup}");
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
    let opened = committee_api
        .post_empty(&format!("{s}/open"), StatusCode::OK)
        .await?;
    let ballot_box = field(&opened, "ballot_box")
        .as_i64()
        .ok_or_else(|| failed(format!("opening gave no ballot box: {opened}")))?;
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
        setup,
        ballot_box,
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
                json!({"setup": setup, "member_number": m.number}),
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
            json!({"setup": setup, "member_number": m.number, "code": code}),
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

/// Copies every file of the server's ceremony directory to `dir`.
async fn sync_ceremony(api: &Api, setup: i64, dir: &Path) -> Result<(), CliError> {
    let list = api.get(&format!("/api/setups/{setup}/ceremony")).await?;
    for f in list.as_array().into_iter().flatten() {
        let name = field(f, "name")
            .as_str()
            .filter(|n| !n.contains(['/', '\\']) && !n.starts_with('.'))
            .ok_or_else(|| failed(format!("a ceremony file's name: {f}")))?;
        let bytes = api
            .get_bytes(&format!("/api/setups/{setup}/ceremony/{name}"))
            .await?;
        tokio::fs::write(dir.join(name), bytes).await?;
    }
    Ok(())
}

/// A round of the key ceremony.
#[derive(Debug, Clone, Copy)]
enum Round {
    Announce,
    Deal,
    Receive,
}

/// The key ceremony through the server: in each round every trustee
/// fetches the files so far, runs its step on its own files and uploads
/// its new file.
async fn key_ceremony(
    router: &Router,
    setup: i64,
    trustees: &[DemoTrustee],
) -> Result<(), CliError> {
    let mut apis = Vec::new();
    for t in trustees {
        apis.push((Api::staff(router, &t.account).await?, t));
    }
    for round in [Round::Announce, Round::Deal, Round::Receive] {
        for (api, t) in &apis {
            let ceremony = t.dir.join("ceremony");
            sync_ceremony(api, setup, &ceremony).await?;
            let (secret, share, index) = (t.dir.join("secret"), t.share(), t.index);
            let c = ceremony.clone();
            let name = blocking(move || match round {
                Round::Announce => commands::trustee_announce(&c, index, &secret)
                    .map(|()| format!("announcement-{index}.json")),
                Round::Deal => commands::trustee_deal(&c, &secret)
                    .map(|()| format!("shares-from-{index}.json")),
                Round::Receive => match commands::trustee_receive(&c, &secret, &share)? {
                    ReceiveOutcome::Share => Ok(format!("confirmation-{index}.json")),
                    ReceiveOutcome::Complained(against) => Err(failed(format!(
                        "trustee {index} complained about trustee(s) {against:?}"
                    ))),
                },
            })
            .await?;
            let bytes = tokio::fs::read(ceremony.join(&name)).await?;
            api.expect(
                StatusCode::CREATED,
                Method::PUT,
                &format!("/api/setups/{setup}/ceremony/{name}"),
                Payload::Raw(bytes),
            )
            .await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The trustees after voting

/// Where the tally stands, as the trustees see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tally {
    /// Voting is not closed yet.
    Waiting,
    /// The result is published.
    Published,
}

/// Starts the demo's trustees: a task that every `every` checks whether
/// the committee has closed voting (the board is sealed and the set-up
/// closed, its record published), then for `threshold` trustees
/// downloads the record into the trustee's directory, runs
/// [`commands::trustee_decrypt`] with its key share and uploads the share
/// (`POST /api/setups/{setup}/decryptions`, signed in as that trustee).
/// The task ends with `Ok` once the result is published; after ten
/// failed tries in a row it ends with the last error.
pub fn spawn_trustees(
    state: &AppState,
    election: &DemoElection,
    every: Duration,
) -> JoinHandle<Result<(), CliError>> {
    let router = serve::router(state.clone());
    let election = election.clone();
    tokio::spawn(async move {
        let mut failures = 0u32;
        loop {
            tokio::time::sleep(every).await;
            match decrypt_when_closed(&router, &election).await {
                Ok(Tally::Published) => {
                    tracing::info!(
                        setup = election.setup,
                        "the demo's trustees decrypted the tally; the result is published"
                    );
                    return Ok(());
                }
                Ok(Tally::Waiting) => failures = 0,
                Err(e) => {
                    failures += 1;
                    tracing::warn!(setup = election.setup, error = %e, "the demo's trustees");
                    if failures >= 10 {
                        return Err(e);
                    }
                }
            }
        }
    })
}

async fn decrypt_when_closed(router: &Router, e: &DemoElection) -> Result<Tally, CliError> {
    let anonymous = Api::anonymous(router);
    let head = anonymous
        .get(&format!("/api/elections/{}/board/head", e.ballot_box))
        .await?;
    if field(&head, "seal").is_null() {
        return Ok(Tally::Waiting);
    }
    let s = format!("/api/setups/{}", e.setup);
    for t in e.trustees.iter().take(e.threshold as usize) {
        let api = Api::staff(router, &t.account).await?;
        match field(&api.get(&s).await?, "status").as_str() {
            Some("closed") => {}
            Some("tallied") => return Ok(Tally::Published),
            // Closing is under way: the record is not complete yet.
            _ => return Ok(Tally::Waiting),
        }
        let record = t.dir.join("record");
        download_record(&api, e.ballot_box, &record).await?;
        let share = t.share();
        let path = blocking(move || commands::trustee_decrypt(&record, &share)).await?;
        let share: Value = serde_json::from_slice(&tokio::fs::read(&path).await?)
            .map_err(|err| failed(format!("trustee {}'s decryption share: {err}", t.index)))?;
        let answer = api
            .send(
                Method::POST,
                &format!("{s}/decryptions"),
                Payload::Json(share),
            )
            .await?;
        let body = answer.json();
        match answer.status {
            StatusCode::OK if field(&body, "tallied") == true => return Ok(Tally::Published),
            StatusCode::OK => {}
            StatusCode::CONFLICT if field(&body, "error") == "already_uploaded" => {}
            status => {
                return Err(failed(format!(
                    "trustee {}'s decryption share was refused ({status}): {body}",
                    t.index
                )));
            }
        }
    }
    Ok(Tally::Waiting)
}

/// Downloads a published record into `dir` (replacing what is there), as a
/// trustee checking it on their own machine would.
async fn download_record(api: &Api, ballot_box: i64, dir: &Path) -> Result<(), CliError> {
    if tokio::fs::try_exists(dir).await? {
        tokio::fs::remove_dir_all(dir).await?;
    }
    tokio::fs::create_dir_all(dir).await?;
    let list = api
        .get(&format!("/api/elections/{ballot_box}/record"))
        .await?;
    for f in list.as_array().into_iter().flatten() {
        let name = field(f, "name")
            .as_str()
            .filter(|n| crate::manage::RECORD_FILES.contains(n))
            .ok_or_else(|| failed(format!("a record file's name: {f}")))?;
        let bytes = api
            .get_bytes(&format!("/api/elections/{ballot_box}/record/{name}"))
            .await?;
        tokio::fs::write(dir.join(name), bytes).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The files and the printout

/// Writes `demo.json` ([`DemoElection::to_json`]) and `voting-codes.csv`
/// (`district,voting_code`, every code; readable by its owner only) into
/// `dir`, replacing them.
pub fn write_files(dir: &Path, url: &str, election: &DemoElection) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)?;
    let demo = dir.join("demo.json");
    let codes = dir.join("voting-codes.csv");
    for f in [&demo, &codes] {
        if f.exists() {
            std::fs::remove_file(f)?;
        }
    }
    let json = serde_json::to_vec_pretty(&election.to_json(url)?)
        .map_err(|_| CliError::Internal("demo.json"))?;
    commands::write_private(&demo, &json)?;
    let mut csv = String::from("district,voting_code\n");
    for (district, list) in &election.codes {
        for code in list {
            let _ = writeln!(csv, "{district},{code}");
        }
    }
    commands::write_private(&codes, csv.as_bytes())?;
    Ok(())
}

/// What the newcomer reads: where to vote, how the committee signs in,
/// voting codes, and what the trustees do.
pub fn summary(url: &str, dir: &Path, election: &DemoElection) -> Result<String, CliError> {
    let committee = election.committee()?;
    let others: Vec<&str> = election
        .accounts
        .iter()
        .filter(|a| a.role != "committee")
        .map(|a| a.username.as_str())
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nThe demo election \"{TITLE}\" of {ORGANISATION} is open for voting.\n\n\
         Server:      {url}/\n\
         Vote:        {url}/elections/{}/vote\n\
         Committee:   {url}/staff\n\
         \x20            username {}, password {}\n\
         \x20            (the same password signs in {})\n",
        election.ballot_box,
        committee.username,
        committee.password,
        others.join(", ")
    );
    let _ = writeln!(
        out,
        "Voting codes (each is one voter's secret; the first {CODES_SHOWN} of each district, \
         all in {}):",
        dir.join("voting-codes.csv").display()
    );
    for (district, list) in &election.codes {
        let (seats, names) = election
            .districts
            .get(district)
            .map_or((0, 0), |(s, n)| (*s, n.len()));
        let _ = writeln!(
            out,
            "  {district}: {seats} seats, {names} candidates, {} voters",
            list.len()
        );
        for code in list.iter().take(CODES_SHOWN) {
            let _ = writeln!(out, "    {code}");
        }
    }
    let _ = writeln!(
        out,
        "\nTrustees: the {} trustees' key shares are in {}/trustee-N/. In a real election \
         each trustee keeps theirs on their own machine. When the committee closes voting, \
         this process acts as {} of them: it decrypts the tally and uploads their shares, \
         and the result is published.\n\n\
         For scripts: {}. Each run starts afresh (the database {DEMO_DATABASE} is reset). \
         Stop with Ctrl-C.",
        election.trustees.len(),
        dir.display(),
        election.threshold,
        dir.join("demo.json").display(),
    );
    Ok(out)
}

// ---------------------------------------------------------------------------
// The command

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

/// A URL with any password in it replaced by `***`.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let (head, rest) = url.split_at(scheme + 3);
            let userinfo = rest.get(..at - scheme - 3).unwrap_or("");
            match userinfo.split_once(':') {
                Some((user, _)) => format!(
                    "{head}{user}:***{}",
                    rest.get(userinfo.len()..).unwrap_or("")
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
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
    let reset = async {
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
    }
    .await;
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
        axum::serve(
            self.listener,
            serve::router(self.state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await?;
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
    let pool = store::pool_with(db, 16)?;
    store::migrate(&pool).await?;
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
        let parsed = crate::roll::parse(
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
        assert!(crate::manage::check_new_account("committee", &p).is_ok());
        assert_eq!(
            redacted("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redacted("postgres://postgres@127.0.0.1/postgres"),
            "postgres://postgres@127.0.0.1/postgres"
        );
    }
}
