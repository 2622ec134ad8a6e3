//! The key ceremony through the server: the committee's freeze writes the
//! ceremony's parameters; each trustee uploads only their own files, named
//! as the file-based ceremony names them (record.md §6).

use valurna_engine::ceremony_dir;
use valurna_engine::manifest::manifest_hash;
use valurna_engine::record::{
    AnnouncementJson, ComplaintJson, ConfirmationJson, EncryptedShareJson,
};
use valurna_engine::rng::os_rng;
use valurna_engine::threshold::Fault;

use super::{Kind, Refused};
use crate::record::ceremony::CeremonyParamsFile;

/// The ceremony directory's parameters file, written at the freeze.
pub const CEREMONY_PARAMS: &str = "ceremony-params.json";

/// A fresh ceremony's parameters for the frozen manifest `manifest_bytes`.
pub fn new_params(manifest_bytes: &[u8], trustees: u32, threshold: u32) -> CeremonyParamsFile {
    let mut ceremony_id = [0u8; 16];
    rand_core::Rng::fill_bytes(&mut os_rng(), &mut ceremony_id);
    CeremonyParamsFile {
        manifest_hash: hex::encode(manifest_hash(manifest_bytes)),
        ceremony_id: hex::encode(ceremony_id),
        trustees,
        threshold,
    }
}

/// Checks that an uploaded ceremony file is the kind its name says and
/// comes from trustee `index` (the same rule `valurna ceremony finish`
/// applies to a directory).
pub fn check_upload(name: &str, index: u32, bytes: &[u8]) -> Result<(), Refused> {
    let wrong = || {
        Refused::invalid(
            "wrong_sender",
            "the file's content names another trustee than its sender",
        )
    };
    let malformed =
        |e: serde_json::Error| Refused::invalid("malformed_file", format!("{name}: {e}"));
    if name == format!("announcement-{index}.json") {
        let a: AnnouncementJson = serde_json::from_slice(bytes).map_err(malformed)?;
        (a.index == index).then_some(()).ok_or_else(wrong)
    } else if name == format!("shares-from-{index}.json") {
        let s: Vec<EncryptedShareJson> = serde_json::from_slice(bytes).map_err(malformed)?;
        s.iter()
            .all(|s| s.from == index)
            .then_some(())
            .ok_or_else(wrong)
    } else if name == format!("complaints-from-{index}.json") {
        let c: Vec<ComplaintJson> = serde_json::from_slice(bytes).map_err(malformed)?;
        c.iter()
            .all(|c| c.accuser == index)
            .then_some(())
            .ok_or_else(wrong)
    } else if name == format!("confirmation-{index}.json") {
        let c: ConfirmationJson = serde_json::from_slice(bytes).map_err(malformed)?;
        (c.index == index).then_some(()).ok_or_else(wrong)
    } else {
        Err(Refused::invalid(
            "wrong_file_name",
            format!(
                "trustee {index} uploads announcement-{index}.json, shares-from-{index}.json, \
                 complaints-from-{index}.json or confirmation-{index}.json"
            ),
        ))
    }
}

/// A round of the key ceremony (record.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Round {
    /// Round 1: each trustee announces (`announcement-i.json`).
    Announce,
    /// Round 2: each deals the others their shares (`shares-from-i.json`).
    Deal,
    /// Round 3: each checks what it received and confirms
    /// (`confirmation-i.json`) or complains (`complaints-from-i.json`).
    Confirm,
    /// Every trustee confirmed.
    Complete,
}

impl Round {
    /// The file trustee `i` publishes in this round, if the round has one.
    pub fn file(self, i: u32) -> Option<String> {
        match self {
            Round::Announce => Some(format!("announcement-{i}.json")),
            Round::Deal => Some(format!("shares-from-{i}.json")),
            Round::Confirm => Some(format!("confirmation-{i}.json")),
            Round::Complete => None,
        }
    }
}

/// Where the ceremony stands, from the names of its files: each trustee's
/// last round done, the current round, and who it waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Per trustee `1..=n`, the rounds they have done (0 to 3).
    pub done: Vec<u8>,
    /// The trustees who complained, and about whom they complained is in
    /// their file.
    pub complained: Vec<u32>,
    /// The round the ceremony is in.
    pub round: Round,
    /// The trustees the round waits for (none once complete, or when
    /// stopped by a complaint).
    pub waiting: Vec<u32>,
}

impl Standing {
    /// The standing of a ceremony of `n` trustees whose files are `names`.
    pub fn of(names: &[String], n: u32) -> Standing {
        let has = |name: Option<String>| name.is_some_and(|f| names.contains(&f));
        let done: Vec<u8> = (1..=n)
            .map(|i| {
                [Round::Announce, Round::Deal, Round::Confirm]
                    .iter()
                    .take_while(|r| has(r.file(i)))
                    .count() as u8
            })
            .collect();
        let complained: Vec<u32> = (1..=n)
            .filter(|i| names.contains(&format!("complaints-from-{i}.json")))
            .collect();
        let least = done.iter().copied().min().unwrap_or(0);
        let round = match least {
            0 => Round::Announce,
            1 => Round::Deal,
            2 => Round::Confirm,
            _ => Round::Complete,
        };
        let waiting = if complained.is_empty() {
            (1..=n)
                .zip(&done)
                .filter(|&(_, &d)| d == least && round != Round::Complete)
                .map(|(i, _)| i)
                .collect()
        } else {
            Vec::new()
        };
        Standing {
            done,
            complained,
            round,
            waiting,
        }
    }
}

/// Checks an uploaded round file's proofs against the ceremony under way
/// (its parameters, and for a confirmation the announcements so far), so
/// that a file made for an earlier run of a restarted ceremony, or for
/// another, is refused at once rather than stopping the others' rounds.
/// Complaints are checked when the ceremony is ([`faults`]).
pub fn check_proofs(files: &[(String, Vec<u8>)], name: &str, bytes: &[u8]) -> Result<(), Refused> {
    let mut these: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|(n, _)| n == CEREMONY_PARAMS || n.starts_with("announcement-"))
        .filter(|(n, _)| n != name)
        .cloned()
        .collect();
    these.push((name.to_string(), bytes.to_vec()));
    let (params, t) = ceremony_dir::gather(&these)
        .map_err(|e| Refused::invalid("malformed_file", format!("{name}: {e}")))?;
    let stale = |f: Fault| {
        Refused::said(
            Kind::Invalid,
            "not_this_ceremony",
            "api-not_this_ceremony",
            &[("why", f.reason)],
        )
    };
    if name.starts_with("announcement-") {
        let mine = t
            .announcements
            .iter()
            .filter(|a| format!("announcement-{}.json", a.index) == name);
        for a in mine {
            a.verify(&params).map_err(stale)?;
        }
    } else if name.starts_with("shares-from-") {
        for s in &t.shares {
            s.check(&params).map_err(stale)?;
        }
    } else if name.starts_with("confirmation-") {
        for c in &t.confirmations {
            c.verify(&params, &t.announcements).map_err(stale)?;
        }
    }
    Ok(())
}

/// What a restart of the key ceremony does to the trustees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    /// Another account takes trustee `i`'s number; `n` stays.
    Replaced,
    /// Trustee `i` leaves, the trustees after it move down one number,
    /// and the election has `n − 1` trustees.
    Dropped {
        /// The new `n`.
        trustees: u32,
    },
}

/// Whether the committee may restart the ceremony without trustee
/// `without` (one who cheated, as a complaint shows, or who vanished),
/// with a replacement account or without one. Every file of the ceremony
/// is then dropped and a new ceremony id drawn: nothing of the old one
/// can be reused (record.md §6.1).
pub fn restart(
    standing: &Standing,
    trustees: u32,
    threshold: u32,
    without: u32,
    replaced: bool,
) -> Result<Restart, Refused> {
    if without == 0 || without > trustees {
        return Err(Refused::said(
            Kind::Invalid,
            "invalid_field",
            "api-restart_no_such_trustee",
            &[("n", trustees.to_string())],
        ));
    }
    if standing.round == Round::Complete {
        return Err(Refused::said(
            Kind::Conflict,
            "ceremony_complete",
            "api-restart_complete",
            &[],
        ));
    }
    if replaced {
        return Ok(Restart::Replaced);
    }
    if trustees - 1 < threshold {
        return Err(Refused::said(
            Kind::Conflict,
            "threshold_unreachable",
            "api-restart_threshold",
            &[
                ("left", (trustees - 1).to_string()),
                ("threshold", threshold.to_string()),
            ],
        ));
    }
    Ok(Restart::Dropped {
        trustees: trustees - 1,
    })
}

/// Who is at fault in a ceremony stopped by complaints (record.md §6.4):
/// each complaint checked as any observer would, from the ceremony's
/// files. A valid complaint names the dealer whose share did not match
/// its commitments; a false or unproven one names the accuser. Empty
/// while no complaint is in, or if the files do not read (the committee's
/// ceremony check then says why).
pub fn faults(files: &[(String, Vec<u8>)]) -> Vec<Fault> {
    let complained = files
        .iter()
        .any(|(name, _)| name.starts_with("complaints-from-"));
    if !complained {
        return Vec::new();
    }
    let Ok((params, transcript)) = ceremony_dir::gather(files) else {
        return Vec::new();
    };
    match valurna_engine::threshold::finish(&params, &transcript) {
        Err(valurna_engine::Error::CeremonyFailed { faults }) => {
            // Every complaint is a fault of its accuser or its accused,
            // found before confirmations are looked at.
            let mut faults = faults;
            faults.sort_by_key(|f| f.trustee);
            faults
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn a_trustee_uploads_only_its_own_files() {
        let announcement = serde_json::to_vec(&json!({
            "index": 2, "communication_key": "00", "communication_proof": "00", "commitments": []
        }))
        .unwrap();
        let confirmation = serde_json::to_vec(&json!({"index": 2, "proof": "00"})).unwrap();
        let code = |name: &str, index: u32, bytes: &[u8]| {
            check_upload(name, index, bytes).unwrap_err().code
        };
        assert!(check_upload("confirmation-2.json", 2, &confirmation).is_ok());
        assert_eq!(
            code("confirmation-3.json", 2, &confirmation),
            "wrong_file_name"
        );
        assert_eq!(
            code("confirmation-3.json", 3, &confirmation),
            "wrong_sender"
        );
        assert_eq!(code("confirmation-2.json", 2, b"{"), "malformed_file");
        assert_eq!(
            code("shares-from-2.json", 2, &announcement),
            "malformed_file"
        );
        assert_eq!(code("../etc/passwd", 2, &confirmation), "wrong_file_name");
        let shares = serde_json::to_vec(&json!([])).unwrap();
        assert!(check_upload("shares-from-2.json", 2, &shares).is_ok());
    }

    #[test]
    fn the_standing_says_whom_each_round_waits_for() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let s = Standing::of(&names(&["ceremony-params.json"]), 3);
        assert_eq!(
            (s.round, s.waiting.clone(), s.done.clone()),
            (Round::Announce, vec![1, 2, 3], vec![0, 0, 0])
        );
        let s = Standing::of(
            &names(&[
                "announcement-1.json",
                "announcement-3.json",
                "shares-from-1.json",
            ]),
            3,
        );
        // Trustee 1 dealt already; round 1 still waits for trustee 2.
        assert_eq!(
            (s.round, s.waiting.clone(), s.done.clone()),
            (Round::Announce, vec![2], vec![2, 0, 1])
        );
        let all: Vec<String> = (1..=3)
            .flat_map(|i| {
                [Round::Announce, Round::Deal, Round::Confirm].map(|r| r.file(i).unwrap())
            })
            .collect();
        let s = Standing::of(&all, 3);
        assert_eq!((s.round, s.waiting.clone()), (Round::Complete, vec![]));
        let mut stopped = all.clone();
        stopped.retain(|f| f != "confirmation-2.json");
        stopped.push("complaints-from-2.json".into());
        let s = Standing::of(&stopped, 3);
        assert_eq!(
            (s.round, s.complained.clone(), s.waiting.clone()),
            (Round::Confirm, vec![2], vec![])
        );
    }

    #[test]
    fn params_name_the_manifest_and_a_fresh_ceremony() {
        let a = new_params(b"{}", 3, 2);
        let b = new_params(b"{}", 3, 2);
        assert_eq!(a.manifest_hash, hex::encode(manifest_hash(b"{}")));
        assert_ne!(a.ceremony_id, b.ceremony_id);
        assert_eq!((a.trustees, a.threshold), (3, 2));
    }

    #[test]
    fn a_restart_keeps_the_threshold_reachable_and_the_ceremony_unfinished() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let stopped = Standing::of(
            &names(&[
                "announcement-1.json",
                "announcement-2.json",
                "announcement-3.json",
            ]),
            3,
        );
        assert_eq!(
            restart(&stopped, 3, 2, 1, false).unwrap(),
            Restart::Dropped { trustees: 2 }
        );
        assert_eq!(
            restart(&stopped, 3, 3, 1, false).unwrap_err().code,
            "threshold_unreachable"
        );
        assert_eq!(restart(&stopped, 3, 3, 1, true).unwrap(), Restart::Replaced);
        assert_eq!(
            restart(&stopped, 3, 2, 4, true).unwrap_err().code,
            "invalid_field"
        );
        assert_eq!(
            restart(&stopped, 3, 2, 0, true).unwrap_err().code,
            "invalid_field"
        );
        let all: Vec<String> = (1..=2)
            .flat_map(|i| {
                [
                    format!("announcement-{i}.json"),
                    format!("shares-from-{i}.json"),
                    format!("confirmation-{i}.json"),
                ]
            })
            .collect();
        let complete = Standing::of(&all, 2);
        assert_eq!(
            restart(&complete, 2, 1, 1, true).unwrap_err().code,
            "ceremony_complete"
        );
    }
}
