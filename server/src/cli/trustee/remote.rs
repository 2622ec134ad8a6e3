//! A trustee's steps through the server's API (`valurna trustee ceremony
//! --server URL`, `valurna trustee decrypt --server URL`): the same steps
//! as the file commands ([`crate::record::ceremony`],
//! [`crate::record::tally::trustee_decrypt`]), run on this machine on a
//! copy of the server's files, with only the step's public output
//! uploaded. The secret and the key share never leave the trustee's
//! folder. `valurna demo --serve`'s trustees take the same steps in
//! process.

use std::path::{Path, PathBuf};

use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::cli::api::{Api, Payload, blocking, field};
use crate::election::ceremony::{CEREMONY_PARAMS, Round, Standing};
use crate::error::CliError;
use crate::record::ceremony::{self, ReceiveOutcome};
use crate::record::tally;
use valurna_engine::elgamal::SecretKey;
use valurna_engine::encoding::decode_scalar;
use valurna_engine::keyfile::{self, Kind};
use valurna_engine::manifest::manifest_hash;
use valurna_engine::record::{CeremonyFile, Parameters, files};
use valurna_engine::threshold::{CeremonyParams, TrusteeShare};
use zeroize::Zeroizing;

fn failed(what: impl Into<String>) -> CliError {
    CliError::Server(what.into())
}

/// A trustee's own folder for one election, on their machine:
/// `ceremony/` (a copy of the ceremony's files), `secret` (the dealer's
/// state, until round 3), `share` (the key share) and `record/` (a copy
/// of the record, for the decryption).
#[derive(Debug, Clone)]
pub struct Folder(pub PathBuf);

impl Folder {
    /// The copy of the ceremony's files.
    pub fn ceremony(&self) -> PathBuf {
        self.0.join("ceremony")
    }
    /// The dealer's secret state (rounds 1 to 3).
    pub fn secret(&self) -> PathBuf {
        self.0.join("secret")
    }
    /// The trustee's key share.
    pub fn share(&self) -> PathBuf {
        self.0.join("share")
    }
    /// The copy of the record.
    pub fn record(&self) -> PathBuf {
        self.0.join("record")
    }
}

/// A trustee, signed in, in one election.
#[derive(Debug, Clone)]
pub struct Trustee {
    /// Signed in as the trustee.
    pub api: Api,
    /// The election (its id on the server).
    pub election: i64,
    /// The trustee's number, 1 to n.
    pub index: u32,
    /// Their folder.
    pub folder: Folder,
}

/// A key file the trustee page saved after the key ceremony, with its
/// passphrase. Its `Debug` shows the path only.
#[derive(Clone)]
pub struct KeyFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its passphrase.
    pub passphrase: Zeroizing<String>,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Opens trustee `index`'s key share from `key`, for the ceremony the
/// record in `record` names (its manifest, parameters and `ceremony.json`).
/// The share stays in memory.
fn open_key_file(record: &Path, key: &KeyFile, index: u32) -> Result<TrusteeShare, CliError> {
    let manifest = std::fs::read(record.join(files::MANIFEST))?;
    let ceremony: CeremonyFile = valurna_engine::record::read_json(&record.join(files::CEREMONY))?;
    let parameters: Parameters =
        valurna_engine::record::read_json(&record.join(files::PARAMETERS))?;
    let params = CeremonyParams {
        manifest_hash: manifest_hash(&manifest),
        ceremony_id: ceremony.ceremony_id()?,
        trustees: parameters.trustees,
        threshold: parameters.threshold,
    };
    let bytes = std::fs::read(&key.path)?;
    let secret = keyfile::open(&params, index, Kind::Share, &bytes, &key.passphrase)
        .map_err(|e| CliError::Usage(format!("{}: {e}", key.path.display())))?;
    Ok(TrusteeShare {
        index,
        share: SecretKey::from_scalar(decode_scalar(&secret)?),
    })
}

/// Where a trustee's part stands after a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// A step was taken (what it was, in words).
    Did(String),
    /// Waiting for others (who, in words).
    Waiting(String),
    /// The trustee's part is done.
    Done(String),
}

/// A file name the server listed, if it is a plain one.
fn plain_name(f: &Value) -> Result<&str, CliError> {
    field(f, "name")
        .as_str()
        .filter(|n| !n.is_empty() && !n.contains(['/', '\\']) && !n.starts_with('.'))
        .ok_or_else(|| failed(format!("a ceremony file's name: {f}")))
}

/// Copies every file of the server's ceremony to `dir`, and returns their
/// names, and whether the committee restarted the ceremony since the last
/// copy (its parameters changed): the files of the old run in `dir` are
/// then removed first. A file this trustee made but has not uploaded yet
/// is kept (it is uploaded, not made again).
pub async fn sync_ceremony(
    api: &Api,
    election: i64,
    dir: &Path,
) -> Result<(Vec<String>, bool), CliError> {
    tokio::fs::create_dir_all(dir).await?;
    let list = api
        .get(&format!("/api/elections/{election}/ceremony"))
        .await?;
    let mut files = Vec::new();
    for f in list.as_array().into_iter().flatten() {
        let name = plain_name(f)?;
        let bytes = api
            .get_bytes(&format!("/api/elections/{election}/ceremony/{name}"))
            .await?;
        files.push((name.to_string(), bytes));
    }
    let local = dir.join(CEREMONY_PARAMS);
    let restarted = match (
        tokio::fs::read(&local).await.ok(),
        files.iter().find(|(n, _)| n == CEREMONY_PARAMS),
    ) {
        (Some(mine), Some((_, theirs))) => mine != *theirs,
        _ => false,
    };
    if restarted {
        let mut entries = tokio::fs::read_dir(dir).await?;
        while let Some(entry) = entries.next_entry().await? {
            if entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.ends_with(".json"))
            {
                tokio::fs::remove_file(entry.path()).await?;
            }
        }
    }
    let mut names = Vec::new();
    for (name, bytes) in files {
        tokio::fs::write(dir.join(&name), bytes).await?;
        names.push(name);
    }
    Ok((names, restarted))
}

fn listed(who: &[u32]) -> String {
    who.iter()
        .map(|j| format!("trustee {j}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Trustee {
    /// Signs in as `username` and finds their trustee number in `election`.
    pub async fn sign_in(
        server: Api,
        election: i64,
        username: &str,
        password: &str,
        code: impl FnOnce() -> Result<String, CliError>,
        folder: Folder,
    ) -> Result<Trustee, CliError> {
        let body = serde_json::json!({"username": username, "password": password});
        let answer = server
            .send(Method::POST, "/api/login", Payload::Json(body))
            .await?;
        let answer = if field(&answer.json(), "error") == "second_factor_required" {
            let body =
                serde_json::json!({"username": username, "password": password, "code": code()?});
            server
                .expect(
                    StatusCode::OK,
                    Method::POST,
                    "/api/login",
                    Payload::Json(body),
                )
                .await?
        } else if answer.status == StatusCode::OK {
            answer
        } else {
            return Err(failed(format!(
                "signing in as {username}: {}",
                answer.refusal()
            )));
        };
        let api = server.with_session("/api/login", &answer)?;
        let overview = api.get(&format!("/api/elections/{election}")).await?;
        let index = field(&overview, "trustee_accounts")
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| field(t, "username") == username)
            .and_then(|t| field(t, "index").as_u64())
            .and_then(|i| u32::try_from(i).ok())
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "{username} is not a trustee of election {election}"
                ))
            })?;
        Ok(Trustee {
            api,
            election,
            index,
            folder,
        })
    }

    fn path(&self, rest: &str) -> String {
        format!("/api/elections/{}{rest}", self.election)
    }

    /// The election's status and its trustees `n`.
    async fn status(&self) -> Result<(String, u32), CliError> {
        let overview = self.api.get(&self.path("")).await?;
        let status = field(&overview, "status")
            .as_str()
            .unwrap_or_default()
            .to_string();
        let n = field(&overview, "trustees")
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| failed(format!("the election's trustees: {overview}")))?;
        Ok((status, n))
    }

    async fn upload(&self, name: &str) -> Result<(), CliError> {
        let bytes = tokio::fs::read(self.folder.ceremony().join(name)).await?;
        let answer = self
            .api
            .send(
                Method::PUT,
                &self.path(&format!("/ceremony/{name}")),
                Payload::Raw(bytes),
            )
            .await?;
        match answer.status {
            StatusCode::CREATED => Ok(()),
            // Uploaded before (by an earlier run of this trustee's tool).
            StatusCode::CONFLICT if field(&answer.json(), "error") == "already_uploaded" => Ok(()),
            status => Err(failed(format!(
                "uploading {name} was refused ({status}): {}",
                answer.refusal()
            ))),
        }
    }

    /// Takes this trustee's next step of the key ceremony, if it is due:
    /// announce (round 1), deal (round 2, once every announcement is in),
    /// receive and confirm or complain (round 3, once every trustee has
    /// dealt). A file made by an earlier run but not uploaded is uploaded
    /// rather than made again.
    pub async fn ceremony_step(&self) -> Result<Progress, CliError> {
        let (status, n) = self.status().await?;
        match status.as_str() {
            "draft" | "nominations" => {
                return Ok(Progress::Waiting(
                    "the committee to fix the ballot (the key ceremony starts then)".into(),
                ));
            }
            "ceremony" => {}
            _ => {
                return Ok(Progress::Done(format!(
                    "the key ceremony is over (the election is {status})"
                )));
            }
        }
        let dir = self.folder.ceremony();
        let (names, restarted) = sync_ceremony(&self.api, self.election, &dir).await?;
        if restarted {
            // The old run's secret and share are of no use any more; kept
            // aside rather than deleted.
            for path in [self.folder.secret(), self.folder.share()] {
                if tokio::fs::try_exists(&path).await? {
                    let mut old = path.clone().into_os_string();
                    old.push(".old");
                    tokio::fs::rename(&path, &old).await?;
                }
            }
        }
        if !names.iter().any(|n| n == CEREMONY_PARAMS) {
            return Ok(Progress::Waiting("the ceremony's parameters".into()));
        }
        let standing = Standing::of(&names, n);
        if !standing.complained.is_empty() {
            return Err(CliError::Usage(format!(
                "the key ceremony is stopped by the complaints of {}: the committee restarts it \
                 without the trustee complained about",
                listed(&standing.complained)
            )));
        }
        let i = self.index;
        let mine = standing
            .done
            .get((i as usize).wrapping_sub(1))
            .copied()
            .ok_or_else(|| failed(format!("no trustee {i} of {n} in this ceremony")))?;
        let next = match mine {
            0 => Round::Announce,
            1 => Round::Deal,
            2 => Round::Confirm,
            _ => Round::Complete,
        };
        if standing.round == Round::Complete {
            return Ok(Progress::Done(format!(
                "every trustee confirmed: the key ceremony is complete; keep your key share {} \
                 for the tally",
                self.folder.share().display()
            )));
        }
        if next > standing.round {
            let what = match standing.round {
                Round::Announce => "the announcements",
                Round::Deal => "the shares",
                _ => "the confirmations",
            };
            return Ok(Progress::Waiting(format!(
                "{what} of {}",
                listed(&standing.waiting)
            )));
        }
        self.take(next, &dir).await
    }

    /// Takes round `round` (this trustee's next), uploading its file; a
    /// file an earlier run made but did not upload is uploaded as it is.
    async fn take(&self, round: Round, dir: &Path) -> Result<Progress, CliError> {
        let i = self.index;
        let name = round
            .file(i)
            .ok_or(CliError::Internal("a round without a file"))?;
        let here = dir.join(&name).is_file();
        let (secret, share) = (self.folder.secret(), self.folder.share());
        if round != Round::Announce && !here && !secret.is_file() {
            return Err(CliError::Usage(format!(
                "your secret {} is not there, and rounds 2 and 3 need it: the committee \
                 restarts the ceremony",
                secret.display()
            )));
        }
        let (d, s, k) = (dir.to_path_buf(), secret.clone(), share.clone());
        match round {
            Round::Announce => {
                if !(here && secret.is_file()) {
                    blocking(move || ceremony::trustee_announce(&d, i, &s)).await?;
                }
                self.upload(&name).await?;
                Ok(Progress::Did(format!(
                    "announced (round 1); your secret is in {}",
                    secret.display()
                )))
            }
            Round::Deal => {
                if !here {
                    blocking(move || ceremony::trustee_deal(&d, &s)).await?;
                }
                self.upload(&name).await?;
                Ok(Progress::Did(
                    "dealt the other trustees their shares (round 2)".into(),
                ))
            }
            Round::Confirm | Round::Complete => {
                if !(here && share.is_file()) {
                    match blocking(move || ceremony::trustee_receive(&d, &s, &k)).await? {
                        ReceiveOutcome::Share => {}
                        ReceiveOutcome::Complained(against) => {
                            self.upload(&format!("complaints-from-{i}.json")).await?;
                            return Err(CliError::Usage(format!(
                                "the shares of {} are not valid: your complaint is published, \
                                 and the committee restarts the ceremony without them",
                                listed(&against)
                            )));
                        }
                    }
                }
                self.upload(&name).await?;
                Ok(Progress::Did(format!(
                    "checked every share and confirmed (round 3); your key share is in {}",
                    share.display()
                )))
            }
        }
    }

    /// Downloads the published record into the trustee's folder (replacing
    /// what is there), as a trustee checking it on their own machine would.
    pub async fn download_record(&self) -> Result<PathBuf, CliError> {
        let dir = self.folder.record();
        if tokio::fs::try_exists(&dir).await? {
            tokio::fs::remove_dir_all(&dir).await?;
        }
        tokio::fs::create_dir_all(&dir).await?;
        let list = self.api.get(&self.path("/record")).await?;
        for f in list.as_array().into_iter().flatten() {
            let name = field(f, "name")
                .as_str()
                .filter(|n| crate::election::tally::RECORD_FILES.contains(n))
                .ok_or_else(|| failed(format!("a record file's name: {f}")))?;
            let bytes = self
                .api
                .get_bytes(&self.path(&format!("/record/{name}")))
                .await?;
            tokio::fs::write(dir.join(name), bytes).await?;
        }
        Ok(dir)
    }

    /// Once voting is closed: checks the record on this machine (every
    /// proof, and the encrypted tally recomputed from the sealed board),
    /// decrypts the tally partially with proofs and uploads the share.
    pub async fn decrypt_step(&self, key: Option<&KeyFile>) -> Result<Progress, CliError> {
        let (status, _) = self.status().await?;
        match status.as_str() {
            "closed" => {}
            "tallied" => return Ok(Progress::Done("the result is published".into())),
            "open" => return Ok(Progress::Waiting("voting to close".into())),
            other => {
                return Ok(Progress::Waiting(format!(
                    "voting (the election is {other})"
                )));
            }
        }
        let record = match self.download_record().await {
            Ok(dir) => dir,
            // Closing is under way: the record is not complete yet.
            Err(CliError::Server(why)) => {
                return Ok(Progress::Waiting(format!("the record ({why})")));
            }
            Err(e) => return Err(e),
        };
        let path = match key {
            Some(key) => {
                let (key, index) = (key.clone(), self.index);
                blocking(move || {
                    let share = open_key_file(&record, &key, index)?;
                    tally::trustee_decrypt_with(&record, share)
                })
                .await?
            }
            None => {
                let share = self.folder.share();
                blocking(move || tally::trustee_decrypt(&record, &share)).await?
            }
        };
        let body: Value = serde_json::from_slice(&tokio::fs::read(&path).await?).map_err(|e| {
            CliError::Internal(if e.is_io() {
                "share file"
            } else {
                "share json"
            })
        })?;
        let answer = self
            .api
            .send(
                Method::POST,
                &self.path("/decryptions"),
                Payload::Json(body),
            )
            .await?;
        let progress = answer.json();
        match answer.status {
            StatusCode::OK if field(&progress, "tallied") == true => Ok(Progress::Done(
                "your decryption share completed the tally: the result is published".into(),
            )),
            StatusCode::OK => Ok(Progress::Done(format!(
                "your decryption share is in ({} of the {} needed)",
                field(&progress, "valid_shares"),
                field(&progress, "threshold")
            ))),
            StatusCode::CONFLICT if field(&progress, "error") == "already_uploaded" => Ok(
                Progress::Done("your decryption share was in already".into()),
            ),
            status => Err(failed(format!(
                "your decryption share was refused ({status}): {}",
                answer.refusal()
            ))),
        }
    }
}
