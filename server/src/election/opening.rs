//! From nominations to voting: freezing the manifest from the approved
//! candidates, and opening — the ceremony's end, one voting code per
//! member on the roll, the public credential list (record.md §4) and the
//! set-up checked exactly as `valurna election load` checks it.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use valurna_engine::credential::{VotingCode, public_credentials};
use valurna_engine::manifest::{Candidate, Contest, Manifest, manifest_hash};
use valurna_engine::record::{self, CredentialLine, Parameters, files};
use valurna_engine::rng::os_rng;

use super::Refused;
use super::ceremony::CEREMONY_PARAMS;
use crate::record::ceremony::{CeremonyParamsFile, ceremony_finish};
use crate::record::setup::{Setup, check_setup};

/// A district as the freeze sees it.
#[derive(Debug, Clone)]
pub struct DistrictCount {
    /// The district.
    pub district: String,
    /// Seats.
    pub seats: u32,
    /// Candidates the committee approved.
    pub approved: u64,
}

impl DistrictCount {
    /// Fewer approved candidates than seats.
    pub fn lacking(&self) -> bool {
        self.approved < u64::from(self.seats)
    }
}

/// An approved candidate with the id the frozen manifest gives them.
#[derive(Debug, Clone)]
pub struct NumberedCandidate {
    /// The district.
    pub district: String,
    /// `c1`, `c2`, … per district.
    pub id: String,
    /// Name.
    pub name: String,
    /// Presentation.
    pub presentation: Option<String>,
}

/// Numbers approved candidates (district, name, presentation) given in
/// ballot order: `c1`, `c2`, … per district.
pub fn number_candidates(
    approved: Vec<(String, String, Option<String>)>,
) -> Vec<NumberedCandidate> {
    let mut next: HashMap<String, usize> = HashMap::new();
    approved
        .into_iter()
        .map(|(district, name, presentation)| {
            let k = next.entry(district.clone()).or_insert(0);
            *k += 1;
            NumberedCandidate {
                id: format!("c{k}"),
                district,
                name,
                presentation,
            }
        })
        .collect()
}

/// What an election's manifest is made of.
#[derive(Debug)]
pub struct Frozen<'a> {
    /// The organisation's slug.
    pub organisation: &'a str,
    /// The election's id within it.
    pub election_id: &'a str,
    /// Its title.
    pub title: &'a str,
    /// Trustees `n`.
    pub trustees: u32,
    /// Trustees named so far.
    pub named: u64,
}

/// The manifest for `districts` with the approved `candidates`, if the
/// election may freeze: every trustee named, no district lacking
/// candidates, and a manifest that validates.
pub fn freeze(
    e: &Frozen<'_>,
    districts: &[DistrictCount],
    candidates: Vec<NumberedCandidate>,
) -> Result<Manifest, Refused> {
    if e.named != u64::from(e.trustees) {
        return Err(Refused::conflict(
            "trustees_missing",
            format!("{} of {} trustees are named", e.named, e.trustees),
        ));
    }
    let lacking: Vec<&str> = districts
        .iter()
        .filter(|d| d.lacking())
        .map(|d| d.district.as_str())
        .collect();
    if !lacking.is_empty() {
        return Err(Refused::conflict(
            "lacking_candidates",
            format!(
                "fewer approved candidates than seats in: {}",
                lacking.join(", ")
            ),
        )
        .with_details(serde_json::json!({ "districts": lacking })));
    }
    let mut by_district: HashMap<String, Vec<Candidate>> = HashMap::new();
    for c in candidates {
        by_district.entry(c.district).or_default().push(Candidate {
            id: c.id,
            name: c.name,
        });
    }
    let manifest = Manifest {
        version: 1,
        organisation: e.organisation.into(),
        election_id: e.election_id.into(),
        title: e.title.into(),
        weighted: false,
        contests: districts
            .iter()
            .map(|d| Contest {
                id: d.district.clone(),
                title: format!("{} — {}", e.title, d.district),
                district: d.district.clone(),
                seats: d.seats,
                min_selections: 0,
                max_selections: u64::from(d.seats),
                candidates: by_district.remove(&d.district).unwrap_or_default(),
                kind: None,
                method: None,
            })
            .collect(),
    };
    manifest
        .validate()
        .map_err(|e| Refused::conflict("invalid_manifest", e.to_string()))?;
    Ok(manifest)
}

/// The voting codes and the public credential list of a roll: one code per
/// member, in roll order, and the list sorted by credential (record.md §4).
pub fn make_credentials(
    manifest_bytes: &[u8],
    districts: &[String],
) -> (Vec<VotingCode>, Vec<CredentialLine>) {
    let m_hash = manifest_hash(manifest_bytes);
    let codes: Vec<VotingCode> = districts
        .par_iter()
        .map_init(os_rng, |rng, _| VotingCode::generate(rng))
        .collect();
    let publics: Vec<_> = codes
        .par_chunks(1024)
        .flat_map_iter(|chunk| {
            let secrets: Vec<_> = chunk.iter().map(|c| c.secret(&m_hash)).collect();
            public_credentials(&secrets)
        })
        .collect();
    let mut lines: Vec<CredentialLine> = publics
        .iter()
        .zip(districts)
        .map(|(c, d)| CredentialLine {
            credential: c.to_hex(),
            district: d.clone(),
            weight: 1,
        })
        .collect();
    lines.sort_unstable_by(|a, b| a.credential.cmp(&b.credential));
    (codes, lines)
}

fn write_lines(path: &Path, lines: &[CredentialLine]) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    for line in lines {
        record::write_line(&mut w, line)?;
    }
    w.flush()
}

/// Opening's CPU and file work (run it off the async runtime): finishes
/// the ceremony from its files, makes the credentials for the roll's
/// `districts` (one per member) and checks the set-up exactly as
/// `valurna election load` does.
pub fn prepare(
    ceremony: Vec<(String, Vec<u8>)>,
    manifest_bytes: &[u8],
    districts: &[String],
) -> Result<(Setup, Vec<VotingCode>), Refused> {
    let dir = tempfile::tempdir().map_err(|_| Refused::internal("temporary directory"))?;
    let io = |_| Refused::internal("temporary files");
    for (name, bytes) in &ceremony {
        std::fs::write(dir.path().join(name), bytes).map_err(io)?;
    }
    let outcome = ceremony_finish(dir.path())
        .map_err(|e| Refused::conflict("ceremony_incomplete", e.to_string()))?;
    let (codes, lines) = make_credentials(manifest_bytes, districts);
    std::fs::write(dir.path().join(files::MANIFEST), manifest_bytes).map_err(io)?;
    write_lines(&dir.path().join(files::CREDENTIALS), &lines).map_err(io)?;
    let credentials_hash = record::sha256_file(&dir.path().join(files::CREDENTIALS)).map_err(io)?;
    let params: CeremonyParamsFile = ceremony
        .iter()
        .find(|(n, _)| n == CEREMONY_PARAMS)
        .and_then(|(_, b)| serde_json::from_slice(b).ok())
        .ok_or_else(|| Refused::internal("ceremony params"))?;
    let m_hash = manifest_hash(manifest_bytes);
    let base_hash = record::base_hash(
        &m_hash,
        params.trustees,
        params.threshold,
        outcome.joint_key.element(),
        &credentials_hash,
    );
    record::write_json(
        &dir.path().join(files::PARAMETERS),
        &Parameters {
            version: 1,
            trustees: params.trustees,
            threshold: params.threshold,
            dlog_bound: valurna_engine::elgamal::DLOG_BOUND,
            manifest_hash: hex::encode(m_hash),
            credentials_hash: hex::encode(credentials_hash),
            joint_key: outcome.joint_key.element().to_hex(),
            base_hash: hex::encode(base_hash),
        },
    )
    .map_err(io)?;
    let setup = check_setup(dir.path())
        .map_err(|e| Refused::internal(format!("set-up does not check: {e}")))?;
    Ok((setup, codes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn credentials_are_one_per_member_sorted_and_match_the_codes() {
        let manifest = b"{\"any\": \"bytes\"}";
        let districts: Vec<String> = ["North", "South", "North"].map(String::from).to_vec();
        let (codes, lines) = make_credentials(manifest, &districts);
        assert_eq!(codes.len(), 3);
        assert_eq!(lines.len(), 3);
        assert!(lines.windows(2).all(|w| w[0].credential < w[1].credential));
        let m_hash = manifest_hash(manifest);
        for (code, district) in codes.iter().zip(&districts) {
            let public = code.secret(&m_hash).public().to_hex();
            let line = lines.iter().find(|l| l.credential == public).unwrap();
            assert_eq!(&line.district, district);
            assert_eq!(line.weight, 1);
        }
    }

    #[test]
    fn a_freeze_needs_every_trustee_and_enough_candidates() {
        let e = Frozen {
            organisation: "coop",
            election_id: "e1",
            title: "Delegates",
            trustees: 2,
            named: 2,
        };
        let approved = |n: u64| DistrictCount {
            district: "North".into(),
            seats: 1,
            approved: n,
        };
        let candidates = number_candidates(vec![
            ("North".into(), "Ada".into(), None),
            ("North".into(), "Bo".into(), Some("Hi".into())),
        ]);
        assert_eq!(
            candidates.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["c1", "c2"]
        );
        let m = freeze(&e, &[approved(2)], candidates.clone()).unwrap();
        assert_eq!(m.contests[0].candidates.len(), 2);
        assert_eq!(
            freeze(&e, &[approved(0)], vec![]).unwrap_err().code,
            "lacking_candidates"
        );
        let short = Frozen { named: 1, ..e };
        assert_eq!(
            freeze(&short, &[approved(2)], candidates).unwrap_err().code,
            "trustees_missing"
        );
    }
}
