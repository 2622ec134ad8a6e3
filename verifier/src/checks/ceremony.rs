//! V6–V9: the key ceremony and the joint key (verification.md §3,
//! record.md §6).
//!
//! The ceremony's proofs bind to the ceremony hash in place of the base
//! hash (which depends on the key the ceremony makes). There are few of
//! them (`n` announcements with `t` commitments each, `n(n−1)` shares, `n`
//! confirmations), so each is checked on its own.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use curve25519_dalek::ristretto::RistrettoPoint;
use sha2::{Digest, Sha256};

use super::Election;
use crate::decode::{self, Identity, Point};
use crate::equations::Equations;
use crate::error::Error;
use crate::proofs::{Schnorr, evaluate_commitments};
use crate::record::{self, files};
use crate::report::{Check, Recorder};
use crate::transcript::{TranscriptExt, election, labels};

/// Checks one Schnorr proof alone.
fn schnorr_holds(t: &mut merlin::Transcript, proof_hex: &str, public: &Point) -> Result<(), Error> {
    let proof = Schnorr::decode(&decode::hex(proof_hex)?)?;
    let mut eq = Equations::new()?;
    proof.add_to(t, public, &mut eq);
    if eq.holds() {
        Ok(())
    } else {
        Err(Error::not_verified("the Schnorr proof"))
    }
}

/// The ceremony transcript for trustee `i` (record.md §6.1).
fn ceremony_transcript(ceremony_hash: &[u8; 32], trustee: u32) -> merlin::Transcript {
    let mut t = election(ceremony_hash);
    t.append_number(labels::TRUSTEE, u64::from(trustee));
    t
}

/// V6–V9. Returns the public shares `K_1 … K_n` when V9 passes.
pub(super) fn check_ceremony(dir: &Path, e: &Election, rec: &mut Recorder) -> Option<Vec<Point>> {
    if !rec.passed(&[Check::V5]) {
        for check in [Check::V6, Check::V7, Check::V8, Check::V9] {
            rec.requires(check, &[Check::V5]);
        }
        return None;
    }
    let file = match record::read_json::<record::Ceremony>(&dir.join(files::CEREMONY)) {
        Ok(f) => f,
        Err(err) => {
            for check in [Check::V6, Check::V7] {
                rec.start(check, "");
                rec.fail(check, files::CEREMONY, err.to_string());
            }
            rec.requires(Check::V8, &[Check::V6]);
            rec.requires(Check::V9, &[Check::V6]);
            return None;
        }
    };
    let (n, t) = (e.trustees, e.threshold);
    let ceremony_id: Option<[u8; 16]> = decode::hex_array(&file.ceremony_id).ok();
    let ceremony_hash = ceremony_id.map(|id| {
        let mut h = Sha256::new();
        h.update(b"valurna/ceremony/v1");
        h.update(e.manifest_hash);
        h.update(id);
        h.update(n.to_le_bytes());
        h.update(t.to_le_bytes());
        let h: [u8; 32] = h.finalize().into();
        h
    });

    // V6
    rec.start(Check::V6, "announcements");
    let Some(ch) = ceremony_hash else {
        rec.fail(
            Check::V6,
            "ceremony.json ceremony_id",
            "not 16 bytes of lower-case hex",
        );
        rec.start(Check::V7, "shares");
        rec.fail(
            Check::V7,
            "ceremony.json ceremony_id",
            "not 16 bytes of lower-case hex",
        );
        rec.requires(Check::V8, &[Check::V6]);
        rec.requires(Check::V9, &[Check::V6]);
        return None;
    };
    let mut commitments: BTreeMap<u32, Vec<Point>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for a in &file.announcements {
        rec.items(Check::V6, 1);
        let who = format!("trustee {}", a.index);
        if a.index == 0 || a.index > n {
            rec.fail(Check::V6, &who, "an index outside 1 to n");
            continue;
        }
        if !seen.insert(a.index) {
            rec.fail(Check::V6, &who, "more than one announcement");
            continue;
        }
        let key = match decode::hex_point(&a.communication_key, Identity::Forbidden) {
            Ok(k) => k,
            Err(err) => {
                rec.fail(
                    Check::V6,
                    &who,
                    format!("communication key malformed: {err}"),
                );
                continue;
            }
        };
        let mut tr = ceremony_transcript(&ch, a.index);
        tr.append(labels::COMMUNICATION_KEY, b"");
        if let Err(err) = schnorr_holds(&mut tr, &a.communication_proof, &key) {
            rec.fail(Check::V6, &who, format!("communication key proof: {err}"));
        }
        if a.commitments.len() != t as usize || a.commitment_proofs.len() != t as usize {
            rec.fail(Check::V6, &who, "not exactly t commitments and t proofs");
            continue;
        }
        let mut mine = Vec::with_capacity(t as usize);
        for (k, (c, proof)) in a.commitments.iter().zip(&a.commitment_proofs).enumerate() {
            match decode::hex_point(c, Identity::Forbidden) {
                Ok(point) => {
                    let mut tr = ceremony_transcript(&ch, a.index);
                    tr.append_number(labels::COEFFICIENT, k as u64);
                    if let Err(err) = schnorr_holds(&mut tr, proof, &point) {
                        rec.fail(Check::V6, &who, format!("commitment {k}: {err}"));
                    }
                    mine.push(point);
                }
                Err(err) => rec.fail(Check::V6, &who, format!("commitment {k} malformed: {err}")),
            }
        }
        commitments.insert(a.index, mine);
    }
    for i in 1..=n {
        if !seen.contains(&i) {
            rec.fail(Check::V6, format!("trustee {i}"), "no announcement");
        }
    }

    // V7
    rec.start(Check::V7, "shares");
    let mut pairs: HashMap<(u32, u32), u32> = HashMap::new();
    for s in &file.shares {
        rec.items(Check::V7, 1);
        let who = format!("share from trustee {} to trustee {}", s.from, s.to);
        if s.from == 0 || s.from > n || s.to == 0 || s.to > n || s.from == s.to {
            rec.fail(Check::V7, &who, "indices outside 1 to n or from = to");
            continue;
        }
        *pairs.entry((s.from, s.to)).or_default() += 1;
        if let Err(err) = decode::hex_array::<32>(&s.ciphertext) {
            rec.fail(Check::V7, &who, format!("ciphertext malformed: {err}"));
        }
        match decode::hex_point(&s.ephemeral, Identity::Forbidden) {
            Ok(r) => {
                let mut tr = ceremony_transcript(&ch, s.from);
                tr.append_number(labels::SHARE_TO, u64::from(s.to));
                if let Err(err) = schnorr_holds(&mut tr, &s.ephemeral_proof, &r) {
                    rec.fail(Check::V7, &who, format!("ephemeral key proof: {err}"));
                }
            }
            Err(err) => rec.fail(Check::V7, &who, format!("ephemeral key malformed: {err}")),
        }
    }
    for i in 1..=n {
        for j in (1..=n).filter(|j| *j != i) {
            let count = pairs.get(&(i, j)).copied().unwrap_or(0);
            if count != 1 {
                rec.fail(
                    Check::V7,
                    format!("trustee {i}"),
                    format!("{count} shares to trustee {j}, not exactly one"),
                );
            }
        }
    }

    // The public shares K_j = Σ_i Σ_k j^k·C_{i,k}, used by V8 and V9.
    let ok_v6_v7 = rec.passed(&[Check::V6, Check::V7]);
    let computed: Vec<RistrettoPoint> = (1..=n)
        .map(|j| {
            commitments
                .values()
                .map(|c| evaluate_commitments(c, u64::from(j)))
                .sum()
        })
        .collect();
    let shares: Vec<Point> = computed
        .iter()
        .map(|p| {
            let bytes = p.compress().to_bytes();
            Point { point: *p, bytes }
        })
        .collect();

    // V8
    if rec.requires(Check::V8, &[Check::V6, Check::V7]) && ok_v6_v7 {
        rec.start(Check::V8, "trustees");
        for c in &file.complaints {
            rec.fail(
                Check::V8,
                format!(
                    "complaint by trustee {} against trustee {}",
                    c.accuser, c.accused
                ),
                "a finished ceremony has no complaints",
            );
        }
        for c in &file.confirmations {
            if c.index == 0 || c.index > n {
                rec.fail(
                    Check::V8,
                    format!("confirmation {}", c.index),
                    "an index outside 1 to n",
                );
            }
        }
        for (j, public) in (1..=n).zip(&shares) {
            rec.items(Check::V8, 1);
            let mine: Vec<_> = file.confirmations.iter().filter(|c| c.index == j).collect();
            let [one] = mine.as_slice() else {
                rec.fail(
                    Check::V8,
                    format!("trustee {j}"),
                    format!("{} confirmations, not exactly one", mine.len()),
                );
                continue;
            };
            if public.bytes == [0; 32] {
                rec.fail(
                    Check::V8,
                    format!("trustee {j}"),
                    "its public share is the identity",
                );
                continue;
            }
            let mut tr = ceremony_transcript(&ch, j);
            tr.append(labels::CONFIRMATION, b"");
            if let Err(err) = schnorr_holds(&mut tr, &one.proof, public) {
                rec.fail(
                    Check::V8,
                    format!("trustee {j}"),
                    format!("confirmation: {err}"),
                );
            }
        }
    }

    // V9
    if !(rec.requires(Check::V9, &[Check::V6, Check::V7]) && ok_v6_v7) {
        return None;
    }
    rec.start(Check::V9, "keys");
    rec.items(Check::V9, 1 + u64::from(n));
    let joint: RistrettoPoint = commitments
        .values()
        .filter_map(|c| c.first())
        .map(|c| c.point)
        .sum();
    if joint.compress().to_bytes() != e.joint_key.bytes {
        rec.fail(
            Check::V9,
            "parameters.json joint_key",
            "is not the sum of the trustees' first commitments",
        );
    }
    if file.public_shares.len() != n as usize {
        rec.fail(Check::V9, "ceremony.json public_shares", "not n entries");
    }
    for (j, (published, computed)) in file.public_shares.iter().zip(&shares).enumerate() {
        if decode::hex_array::<32>(published).ok() != Some(computed.bytes) {
            rec.fail(
                Check::V9,
                format!("public share of trustee {}", j + 1),
                "does not follow from the commitments",
            );
        }
    }
    rec.passed(&[Check::V8, Check::V9]).then_some(shares)
}
