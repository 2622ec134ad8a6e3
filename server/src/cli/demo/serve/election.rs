//! What the seed made: the accounts, the trustees and their files, the
//! election with its voting codes; and the files and summary for the
//! newcomer.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::plan::*;
use crate::error::CliError;

/// What [`seed`](super::seed) makes.
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
    /// The election's id (`/api/elections/{id}`), from draft to tallied.
    pub id: i64,
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
            .field("id", &self.id)
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
            "election": self.id,
            "booth": format!("{url}/elections/{}/vote", self.id),
            "committee": {"username": committee.username, "password": committee.password},
            "codes": self.codes,
        }))
    }
}

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
    crate::record::write_private(&demo, &json)?;
    let mut csv = String::from("district,voting_code\n");
    for (district, list) in &election.codes {
        for code in list {
            let _ = writeln!(csv, "{district},{code}");
        }
    }
    crate::record::write_private(&codes, csv.as_bytes())?;
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
        election.id,
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
