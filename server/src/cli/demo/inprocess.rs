//! `valurna demo`: a whole election in one process (spec: record.md).
//!
//! The demo plays every part: the committee writes the manifest; `n`
//! trustees run the key ceremony; the credential authority makes one voting
//! code per voter and publishes only the public credentials; every voter's
//! device encrypts a random ballot (in parallel, as many devices would); the
//! ballot box validates each ballot exactly as the server does (strict
//! decoding, listed credential, district, signature and proofs, in batches)
//! and appends it to the hash-chained board; some voters vote again; the
//! board is sealed; `t` trustees (one missing when `t < n`) decrypt the
//! homomorphic tally; seats are allocated; and the record is written.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rayon::prelude::*;
use valurna_engine::ballot::{Ballot, BallotContext, VerifiedBallot, verify_ballots};
use valurna_engine::board::{Board, CountedSet};
use valurna_engine::credential::{CredentialSecret, VotingCode, public_credentials};
use valurna_engine::elgamal::DlogTable;
use valurna_engine::encoding::Element;
use valurna_engine::manifest::{Candidate, Contest, Manifest, manifest_hash};
use valurna_engine::record::{
    self, BoardLine, BoardSeal, CeremonyFile, CredentialLine, DecryptionFile, Parameters,
    ResultFile, TallyFile, Turnout, files,
};
use valurna_engine::rng::os_rng;
use valurna_engine::tally::{DecryptionShare, TallyAccumulator, combine};
use valurna_engine::threshold::{CeremonyParams, run_in_process};

use crate::error::CliError;

/// What the demo runs.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Eligible voters; every one votes once.
    pub voters: u64,
    /// Districts, one contest each.
    pub districts: u32,
    /// Candidates per contest.
    pub candidates: u32,
    /// Seats per contest.
    pub seats: u32,
    /// Trustees `n`.
    pub trustees: u32,
    /// Threshold `t`.
    pub threshold: u32,
    /// Percentage of voters who vote a second time (the second counts).
    pub revote_percent: f64,
    /// Give voters weights 1, 2 or 3.
    pub weighted: bool,
    /// Where to write the record.
    pub out: PathBuf,
    /// Where to give each trustee its key share (`trustee-<i>.share`), so
    /// the tally can be redone with `valurna trustee decrypt`; not written
    /// if `None`.
    pub trustee_dir: Option<PathBuf>,
    /// Show progress bars.
    pub progress: bool,
    /// Make every contest ranked, counted by this method (`stv` or
    /// `schulze`) through the mix-net (record.md §9).
    pub ranked: Option<String>,
    /// Where to write every voter's voting code (`codes.jsonl`: voter,
    /// district, code), for tests that must sign as a listed voter; never
    /// written if `None` (the record holds only public credentials).
    pub codes_out: Option<PathBuf>,
}

/// One stage's figures.
#[derive(Debug, Clone)]
pub struct Stage {
    /// What was done.
    pub name: &'static str,
    /// Which side did it.
    pub side: &'static str,
    /// Wall time.
    pub time: Duration,
    /// Items processed, for the rate.
    pub items: u64,
}

/// What a demo run produced.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// The manifest.
    pub manifest: Manifest,
    /// The result written to `result.json`.
    pub result: ResultFile,
    /// Ballots rejected by the ballot box (zero in an honest run).
    pub rejected: u64,
    /// The trustees who decrypted.
    pub decrypting_trustees: Vec<u32>,
    /// The counts the simulated voters' plaintext choices add up to (last
    /// ballot per voter, weights applied): what the decrypted tally must
    /// equal. `None` when contests have more than 64 candidates.
    pub expected_counts: Option<Vec<Vec<u64>>>,
    /// Stage timings.
    pub stages: Vec<Stage>,
}

/// Most voters a demo simulates (it keeps every voter's secret in memory).
pub const MAX_VOTERS: u64 = 50_000_000;

/// Voters encrypted and cast per round.
const CHUNK: usize = 4096;
/// Ballots verified in one batch.
const VERIFY_BATCH: usize = 32;

fn manifest(config: &DemoConfig) -> Manifest {
    Manifest {
        version: 1,
        organisation: "Demo Co-operative Federation".into(),
        election_id: "delegates-2026".into(),
        title: "Election of district delegates".into(),
        weighted: config.weighted,
        contests: (1..=config.districts)
            .map(|d| Contest {
                id: format!("district-{d}"),
                title: format!("Delegates for district {d}"),
                district: format!("D{d}"),
                seats: config.seats,
                min_selections: 0,
                // A ranked contest: one preference more than seats, so
                // that transfers happen.
                max_selections: if config.ranked.is_some() {
                    u64::from(config.candidates.min(config.seats + 1))
                } else {
                    u64::from(config.seats)
                },
                candidates: (1..=config.candidates)
                    .map(|k| Candidate {
                        id: format!("d{d}-c{k}"),
                        name: format!("Candidate {k} (district {d})"),
                    })
                    .collect(),
                kind: config.ranked.as_ref().map(|_| "ranked".to_string()),
                method: config.ranked.clone(),
            })
            .collect(),
    }
}

/// A random ranking of between 1 and `preferences` of `candidates`.
fn random_ranking(rng: &mut ChaCha20Rng, candidates: u32, preferences: u32) -> Vec<u32> {
    let mut all: Vec<u32> = (0..candidates).collect();
    for i in (1..all.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        all.swap(i, j);
    }
    let k = 1 + (rng.next_u64() % u64::from(preferences.max(1))) as usize;
    all.truncate(k);
    all
}

fn progress(config: &DemoConfig, len: u64, what: &str) -> ProgressBar {
    if !config.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:>22} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

fn seeded() -> ChaCha20Rng {
    let mut seed = [0u8; 32];
    os_rng().fill_bytes(&mut seed);
    ChaCha20Rng::from_seed(seed)
}

/// A random choice with between `min` and `max` selections.
fn random_choice(rng: &mut ChaCha20Rng, candidates: usize, min: u64, max: u64) -> Vec<bool> {
    let span = max - min + 1;
    let k = (min + rng.next_u64() % span) as usize;
    let mut picks = vec![false; candidates];
    let mut chosen = 0;
    while chosen < k {
        let i = (rng.next_u64() % candidates as u64) as usize;
        if let Some(p) = picks.get_mut(i)
            && !*p
        {
            *p = true;
            chosen += 1;
        }
    }
    picks
}

/// Runs the demo election.
pub fn run(config: &DemoConfig) -> Result<DemoReport, CliError> {
    if config.voters == 0 || config.districts == 0 || config.voters > MAX_VOTERS {
        return Err(CliError::Usage(format!(
            "--voters must be 1 to {MAX_VOTERS} and --districts at least 1"
        )));
    }
    std::fs::create_dir_all(&config.out)?;
    let out = |name: &str| config.out.join(name);
    let mut stages = Vec::new();
    let stage = |stages: &mut Vec<Stage>, name, side, start: Instant, items| {
        stages.push(Stage {
            name,
            side,
            time: start.elapsed(),
            items,
        })
    };

    // The committee's manifest.
    let manifest = manifest(config);
    manifest.validate()?;
    let manifest_bytes = manifest.to_json();
    std::fs::write(out(files::MANIFEST), &manifest_bytes)?;
    let m_hash = manifest_hash(&manifest_bytes);
    let shapes: Vec<_> = manifest.contests.iter().map(Contest::shape).collect();
    let preferences = manifest.preferences();

    // The trustees' key ceremony.
    let start = Instant::now();
    let mut ceremony_id = [0u8; 16];
    os_rng().fill_bytes(&mut ceremony_id);
    let params = CeremonyParams {
        manifest_hash: m_hash,
        ceremony_id,
        trustees: config.trustees,
        threshold: config.threshold,
    };
    let (outcome, transcript, trustee_shares) = run_in_process(params, &mut os_rng())?;
    record::write_json(
        &out(files::CEREMONY),
        &CeremonyFile::new(&ceremony_id, &transcript, &outcome.public_shares),
    )?;
    if let Some(dir) = &config.trustee_dir {
        std::fs::create_dir_all(dir)?;
        for s in &trustee_shares {
            crate::record::ceremony::write_share(
                &dir.join(format!("trustee-{}.share", s.index)),
                s,
            )?;
        }
    }
    stage(
        &mut stages,
        "key ceremony",
        "trustees",
        start,
        u64::from(config.trustees),
    );

    // The credential authority: one code per voter, only public credentials kept.
    let start = Instant::now();
    let bar = progress(config, config.voters, "credentials");
    let district_of = |v: u64| (v % u64::from(config.districts)) as u32;
    let weight_of = |v: u64| if config.weighted { 1 + v % 3 } else { 1 };
    let keep_codes = config.codes_out.is_some();
    let (secrets, codes): (Vec<CredentialSecret>, Vec<Option<String>>) = (0..config.voters)
        .into_par_iter()
        .map_init(os_rng, |rng, _| {
            let code = VotingCode::generate(rng);
            (code.secret(&m_hash), keep_codes.then(|| code.display()))
        })
        .unzip();
    if let Some(path) = &config.codes_out {
        let mut w = BufWriter::new(File::create(path)?);
        for (v, code) in codes.iter().enumerate() {
            let district = manifest
                .contests
                .get(district_of(v as u64) as usize)
                .map(|c| c.district.clone())
                .unwrap_or_default();
            let line = serde_json::json!({"voter": v, "district": district, "code": code});
            writeln!(w, "{line}")?;
        }
        w.flush()?;
    }
    drop(codes);
    let publics: Vec<Element> = secrets
        .par_chunks(1024)
        .flat_map_iter(|c| {
            bar.inc(c.len() as u64);
            public_credentials(c)
        })
        .collect();
    bar.finish_and_clear();
    let mut list: Vec<(Element, u32, u64)> = publics
        .iter()
        .enumerate()
        .map(|(v, c)| (*c, district_of(v as u64), weight_of(v as u64)))
        .collect();
    list.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    {
        let mut w = BufWriter::new(File::create(out(files::CREDENTIALS))?);
        for (c, d, weight) in &list {
            let district = manifest
                .contests
                .get(*d as usize)
                .map(|c| c.district.clone())
                .unwrap_or_default();
            record::write_line(
                &mut w,
                &CredentialLine {
                    credential: c.to_hex(),
                    district,
                    weight: *weight,
                },
            )?;
        }
        w.flush()?;
    }
    let listed: HashMap<[u8; 32], (u32, u64)> = list
        .iter()
        .map(|(c, d, w)| (*c.as_bytes(), (*d, *w)))
        .collect();
    drop(list);
    let credentials_hash = record::sha256_file(&out(files::CREDENTIALS))?;
    stage(
        &mut stages,
        "credentials",
        "authority",
        start,
        config.voters,
    );

    // Parameters and the base hash.
    let base_hash = record::base_hash(
        &m_hash,
        config.trustees,
        config.threshold,
        outcome.joint_key.element(),
        &credentials_hash,
    );
    record::write_json(
        &out(files::PARAMETERS),
        &Parameters {
            version: 1,
            trustees: config.trustees,
            threshold: config.threshold,
            dlog_bound: valurna_engine::elgamal::DLOG_BOUND,
            manifest_hash: hex::encode(m_hash),
            credentials_hash: hex::encode(credentials_hash),
            joint_key: outcome.joint_key.element().to_hex(),
            base_hash: hex::encode(base_hash),
        },
    )?;
    let ctx = BallotContext {
        base_hash,
        key: outcome.joint_key.clone(),
        shapes: shapes.clone(),
        preferences: manifest.preferences(),
    };
    let contests_of_district: Vec<Vec<u32>> = (0..config.districts)
        .map(|d| {
            manifest
                .contests_of(&format!("D{}", d + 1))
                .into_iter()
                .map(|i| i as u32)
                .collect()
        })
        .collect();
    let contests_of = |c: &Element| {
        listed
            .get(c.as_bytes())
            .and_then(|(d, _)| contests_of_district.get(*d as usize).cloned())
    };

    // Voting: every voter once, then some again.
    let revoters =
        ((config.voters as f64) * config.revote_percent.clamp(0.0, 100.0) / 100.0).round() as u64;
    let step = (config.voters / revoters.max(1)).max(1) as usize;
    let schedule: Vec<u64> = (0..config.voters)
        .chain((0..config.voters).step_by(step).take(revoters as usize))
        .collect();
    let mut board = Board::new(&base_hash);
    let mut counted = CountedSet::new();
    let mut tally = TallyAccumulator::new(&shapes).with_ranked(&preferences);
    let mut offsets: Vec<u64> = Vec::with_capacity(schedule.len());
    let mut credential_at: Vec<[u8; 32]> = Vec::with_capacity(schedule.len());
    let mut board_file = BufWriter::new(File::create(out(files::BOARD))?);
    let mut last_choice: Vec<Option<u64>> = vec![None; config.voters as usize];
    let mut last_ranking: Vec<Vec<u32>> = vec![Vec::new(); config.voters as usize];
    let mut written: u64 = 0;
    let mut rejected: u64 = 0;
    let (mut client_time, mut server_time) = (Duration::ZERO, Duration::ZERO);
    let bar = progress(config, schedule.len() as u64, "ballots");
    for chunk in schedule.chunks(CHUNK) {
        // Voters' devices.
        let start = Instant::now();
        let cast: Vec<(Vec<u8>, u64, Vec<u32>)> = chunk
            .par_iter()
            .map_init(seeded, |rng, &v| {
                let d = district_of(v);
                let mut ranking = Vec::new();
                let mut choices: Vec<(u32, Vec<bool>)> = Vec::new();
                for &c in contests_of_district.get(d as usize).into_iter().flatten() {
                    let Some(s) = shapes.get(c as usize) else {
                        continue;
                    };
                    let p = preferences.get(c as usize).copied().unwrap_or(0);
                    if p == 0 {
                        choices.push((c, random_choice(rng, s.candidates, s.min, s.max)));
                        continue;
                    }
                    // A ranked contest: one entry per preference, one-hot.
                    ranking = random_ranking(rng, s.candidates as u32, p);
                    for q in 0..p as usize {
                        let mut bits = vec![false; s.candidates];
                        if let Some(&k) = ranking.get(q)
                            && let Some(b) = bits.get_mut(k as usize)
                        {
                            *b = true;
                        }
                        choices.push((c, bits));
                    }
                }
                let secret = secrets
                    .get(v as usize)
                    .ok_or(CliError::Internal("voter index"))?;
                let (ballot, _) = Ballot::encrypt(&ctx, secret, &choices, rng)?;
                let mask = choices
                    .first()
                    .map(|(_, bits)| {
                        bits.iter()
                            .enumerate()
                            .fold(0u64, |m, (k, b)| m | (u64::from(*b) << (k % 64)))
                    })
                    .unwrap_or(0);
                Ok((ballot.to_bytes(), mask, ranking))
            })
            .collect::<Result<_, CliError>>()?;
        // The simulation's ground truth: each voter's last choice.
        for (&v, (_, mask, ranking)) in chunk.iter().zip(&cast) {
            if let Some(slot) = last_choice.get_mut(v as usize) {
                *slot = Some(*mask);
            }
            if let Some(slot) = last_ranking.get_mut(v as usize) {
                slot.clone_from(ranking);
            }
        }
        client_time += start.elapsed();

        // The ballot box: validate, append, tally.
        let start = Instant::now();
        let verified: Vec<Vec<VerifiedBallot>> = cast
            .par_chunks(VERIFY_BATCH)
            .map(|group| {
                let decoded: Vec<Ballot> = group
                    .iter()
                    .filter_map(|(b, _, _)| Ballot::decode(b, &ctx).ok())
                    .collect();
                verify_ballots(decoded, &ctx, contests_of)
                    .into_iter()
                    .filter_map(Result::ok)
                    .collect::<Vec<_>>()
            })
            .collect();
        let accepted: Vec<VerifiedBallot> = verified.into_iter().flatten().collect();
        rejected += (cast.len() - accepted.len()) as u64;
        let mut appended: Vec<&VerifiedBallot> = Vec::with_capacity(accepted.len());
        for b in &accepted {
            let receipt = match board.append(b) {
                Ok(r) => r,
                Err(_) => {
                    rejected += 1;
                    continue;
                }
            };
            appended.push(b);
            let credential = *b.ballot().credential.as_bytes();
            counted.note(&credential, receipt.position);
            credential_at.push(credential);
            offsets.push(written);
            let line = serde_json::to_vec(&BoardLine::new(
                receipt.position,
                &receipt.tracker,
                b.bytes(),
                &receipt.head,
            ))
            .map_err(std::io::Error::other)?;
            board_file.write_all(&line)?;
            board_file.write_all(b"\n")?;
            written += line.len() as u64 + 1;
        }
        let part = appended
            .par_iter()
            .fold(
                || TallyAccumulator::new(&shapes).with_ranked(&preferences),
                |mut acc, b| {
                    let w = listed
                        .get(b.ballot().credential.as_bytes())
                        .map_or(1, |(_, w)| *w);
                    acc.add(b.ballot(), w);
                    acc
                },
            )
            .reduce(
                || TallyAccumulator::new(&shapes).with_ranked(&preferences),
                |mut a, b| {
                    a.merge(b);
                    a
                },
            );
        tally.merge(part);
        server_time += start.elapsed();
        bar.inc(chunk.len() as u64);
    }
    board_file.flush()?;
    drop(board_file);
    bar.finish_and_clear();

    // Superseded ballots (revotes): take them out of the sums again.
    let start = Instant::now();
    crate::record::check::take_out_superseded(
        &out(files::BOARD),
        &crate::record::check::Superseded {
            credential_at: &credential_at,
            offsets: &offsets,
            counted: &counted,
        },
        &ctx,
        &mut tally,
        |c| listed.get(c).map_or(1, |(_, w)| *w),
    )?;
    server_time += start.elapsed();
    stages.push(Stage {
        name: "encrypt + prove ballots",
        side: "voters' devices",
        time: client_time,
        items: schedule.len() as u64,
    });
    stages.push(Stage {
        name: "validate, board, tally",
        side: "ballot box",
        time: server_time,
        items: schedule.len() as u64,
    });
    let seal = board.seal();
    record::write_json(
        &out(files::BOARD_SEAL),
        &BoardSeal {
            count: board.len(),
            head: hex::encode(board.head()),
            seal: hex::encode(seal),
        },
    )?;
    let encrypted = tally.finish()?;
    record::write_json(&out(files::TALLY), &TallyFile::new(&encrypted))?;

    // t trustees decrypt, one missing when possible.
    let start = Instant::now();
    let mut decrypting: Vec<&_> = trustee_shares.iter().collect();
    if decrypting.len() > config.threshold as usize && decrypting.len() > 1 {
        decrypting.remove(1);
    }
    decrypting.truncate(config.threshold as usize);
    let shares: Vec<DecryptionShare> = decrypting
        .par_iter()
        .map_init(os_rng, |rng, s| {
            let public = outcome
                .public_shares
                .get(s.index as usize - 1)
                .copied()
                .ok_or(CliError::Internal("public share"))?;
            let share = DecryptionShare::create(&base_hash, &encrypted, s, &public, rng);
            share.verify(&base_hash, &encrypted, &public)?;
            Ok(share)
        })
        .collect::<Result<_, CliError>>()?;
    record::write_json(&out(files::DECRYPTION), &DecryptionFile::new(&shares))?;
    stage(
        &mut stages,
        "partial decryptions",
        "trustees",
        start,
        shares.len() as u64,
    );

    let start = Instant::now();
    let counts = combine(&encrypted, &shares, DlogTable::shared())?;
    let mut result = ResultFile {
        contests: record::contest_results(&manifest, &counts, &seal),
        turnout: Turnout {
            eligible: config.voters,
            board_entries: board.len(),
            counted: counted.len() as u64,
        },
    };
    stage(
        &mut stages,
        "combine, count, seats",
        "committee",
        start,
        counts.iter().map(|c| c.len() as u64).sum(),
    );

    // Ranked contests: two mix servers, the trustees decrypt the last
    // output, the rankings are counted (record.md §9).
    if config.ranked.is_some() {
        let start = Instant::now();
        let mut items = 0;
        for step in 1..=crate::record::ranked::MIN_STEPS {
            items = crate::record::ranked::mix(&config.out, &base_hash, &ctx, &manifest, step)?
                .iter()
                .sum::<usize>();
        }
        stage(
            &mut stages,
            "mix (2 servers, with proofs)",
            "mix servers",
            start,
            2 * items as u64,
        );
        let start = Instant::now();
        let chains =
            crate::record::ranked::checked_chains(&config.out, &base_hash, &ctx, &manifest)?;
        for s in &decrypting {
            let public = outcome
                .public_shares
                .get(s.index as usize - 1)
                .copied()
                .ok_or(CliError::Internal("public share"))?;
            crate::record::ranked::decrypt(&config.out, &base_hash, &chains, s, &public)?;
        }
        stage(
            &mut stages,
            "check mixes, decrypt output",
            "trustees",
            start,
            items as u64,
        );
        let start = Instant::now();
        for (c, r) in crate::record::ranked::count(
            &config.out,
            &base_hash,
            &manifest,
            &chains,
            &outcome.public_shares,
            config.threshold,
            &seal,
        )? {
            // The simulation's ground truth: the voters' own rankings,
            // counted directly, must give the same result.
            let truth: Vec<Vec<u32>> = last_ranking
                .iter()
                .enumerate()
                .filter(|(v, _)| {
                    contests_of_district
                        .get(district_of(*v as u64) as usize)
                        .is_some_and(|cs| cs.contains(&c))
                })
                .map(|(_, r)| r.clone())
                .collect();
            let contest = manifest
                .contests
                .get(c as usize)
                .ok_or(CliError::Internal("contest"))?;
            if record::ranked_result(contest, c, &truth, &seal)? != r {
                return Err(CliError::Internal(
                    "the decrypted rankings' count differs from the simulated voters' rankings",
                ));
            }
            if let Some(slot) = result.contests.get_mut(c as usize) {
                *slot = r;
            }
        }
        stage(
            &mut stages,
            "combine, count ranked",
            "committee",
            start,
            items as u64,
        );
    }
    record::write_json(&out(files::RESULT), &result)?;

    let expected_counts = (config.candidates <= 64).then(|| {
        let mut expected: Vec<Vec<u64>> = shapes
            .iter()
            .zip(&preferences)
            .map(|(s, p)| vec![0; if *p > 0 { 0 } else { s.candidates }])
            .collect();
        for (v, mask) in last_choice.iter().enumerate() {
            let (Some(mask), Some(row)) = (mask, expected.get_mut(district_of(v as u64) as usize))
            else {
                continue;
            };
            for (k, count) in row.iter_mut().enumerate() {
                if mask >> k & 1 == 1 {
                    *count += weight_of(v as u64);
                }
            }
        }
        expected
    });
    if let Some(expected) = &expected_counts
        && *expected != counts
    {
        return Err(CliError::Internal(
            "the decrypted counts differ from the simulated voters' choices",
        ));
    }
    Ok(DemoReport {
        manifest,
        result,
        rejected,
        decrypting_trustees: shares.iter().map(|s| s.trustee).collect(),
        expected_counts,
        stages,
    })
}

/// Prints the result, turnout and the timing table.
pub fn print_report(report: &DemoReport, out: &Path) {
    let mut s = String::new();
    s.push_str(&format!("\n{}\n", report.manifest.title));
    for (contest, result) in report.manifest.contests.iter().zip(&report.result.contests) {
        s.push_str(&format!(
            "\n  {} ({} seats)\n",
            contest.title, contest.seats
        ));
        for (k, cand) in contest.candidates.iter().enumerate() {
            let votes = result.counts.get(k).copied().unwrap_or(0);
            let mark = if result.elected.contains(&cand.id) {
                "elected"
            } else {
                ""
            };
            s.push_str(&format!("    {:<32} {:>10}  {}\n", cand.name, votes, mark));
        }
        if result.decided_by_lot {
            s.push_str("    (the last seat was decided by lot)\n");
        }
    }
    let t = &report.result.turnout;
    s.push_str(&format!(
        "\nTurnout: {} of {} eligible ({:.1}%), {} ballots on the board, {} rejected\n",
        t.counted,
        t.eligible,
        100.0 * t.counted as f64 / t.eligible.max(1) as f64,
        t.board_entries,
        report.rejected
    ));
    s.push_str(&format!(
        "Decrypted by trustees {:?}\n",
        report.decrypting_trustees
    ));
    if report.expected_counts.is_some() {
        s.push_str("Check: the decrypted counts equal the simulated voters' plaintext choices.\n");
    }
    s.push_str(&format!(
        "\n  {:<26} {:<16} {:>10} {:>12} {:>12}\n",
        "stage", "by", "time", "items", "per second"
    ));
    for st in &report.stages {
        let secs = st.time.as_secs_f64();
        s.push_str(&format!(
            "  {:<26} {:<16} {:>9.2}s {:>12} {:>12.0}\n",
            st.name,
            st.side,
            secs,
            st.items,
            st.items as f64 / secs.max(1e-9)
        ));
    }
    s.push_str(&format!("\nRecord written to {}\n", out.display()));
    #[allow(clippy::print_stdout)]
    {
        print!("{s}");
    }
}
