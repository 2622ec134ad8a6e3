//! `loadgen`: the project's own load generator for `valurna serve`.
//!
//! It posts the ballots of a demo record's `board.jsonl` to a running ballot
//! box whose election was loaded from the same record's set-up files, at a
//! fixed rate (open loop: request `i` is sent at `start + i / rate` whether
//! or not earlier ones were answered, so a slow server shows up as latency,
//! not as a lower offered rate), and reports the achieved rate and latency
//! percentiles.
//!
//! ```sh
//! cargo run --release -p valurna-benches --bin loadgen -- \
//!     --url http://127.0.0.1:8080/api/elections/1 --record DIR --rate 1000 --seconds 60
//! ```
//!
//! With `--flood-rate R` a second client, from another loopback address
//! (`--flood-from`, default 127.0.0.2), posts R ballots per second whose
//! last proof byte is flipped (`--flood invalid`), or 8 MiB bodies
//! (`oversized`), or broken JSON (`malformed`), while the honest ballots
//! go on; both are reported separately.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::sync::Semaphore;

#[derive(Debug, Parser)]
struct Args {
    /// The election's API base, e.g. http://127.0.0.1:8080/api/elections/1.
    #[arg(long)]
    url: String,
    /// A demo record whose ballots to cast (its set-up loaded in the server).
    #[arg(long)]
    record: PathBuf,
    /// Ballots per second offered.
    #[arg(long, default_value_t = 1000)]
    rate: u64,
    /// How long to offer them.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Most requests in flight; beyond it a request counts as dropped.
    #[arg(long, default_value_t = 4096)]
    max_in_flight: usize,
    /// Skip this many ballots first (to continue after an earlier run).
    #[arg(long, default_value_t = 0)]
    skip: usize,
    /// Bad requests per second from a second client during the run.
    #[arg(long, default_value_t = 0)]
    flood_rate: u64,
    /// What the flood sends: invalid, oversized or malformed.
    #[arg(long, default_value = "invalid")]
    flood: String,
    /// The flood client's source address.
    #[arg(long, default_value = "127.0.0.2")]
    flood_from: std::net::IpAddr,
}

/// The outcome of one stream of requests.
struct Stream {
    latencies: Vec<Duration>,
    by_status: std::collections::BTreeMap<u16, u64>,
    dropped: u64,
}

/// Posts `bodies` at `rate` per second from `client` (open loop).
async fn offer(
    client: reqwest::Client,
    url: Arc<String>,
    bodies: Vec<Arc<Vec<u8>>>,
    rate: u64,
    max_in_flight: usize,
) -> Result<Stream, tokio::task::JoinError> {
    let slots = Arc::new(Semaphore::new(max_in_flight));
    let mut tasks = tokio::task::JoinSet::new();
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = Instant::now();
    let mut dropped = 0u64;
    for (i, body) in bodies.into_iter().enumerate() {
        tokio::time::sleep_until((start + interval * i as u32).into()).await;
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            dropped += 1;
            continue;
        };
        let (client, url) = (client.clone(), url.clone());
        tasks.spawn(async move {
            let sent = Instant::now();
            let status = client
                .post(url.as_str())
                .header("content-type", "application/json")
                .body(body.as_ref().clone())
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            drop(permit);
            (status, sent.elapsed())
        });
    }
    let mut latencies = Vec::new();
    let mut by_status = std::collections::BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (status, latency) = done?;
        *by_status.entry(status).or_insert(0u64) += 1;
        latencies.push(latency);
    }
    latencies.sort_unstable();
    Ok(Stream {
        latencies,
        by_status,
        dropped,
    })
}

fn report(name: &str, s: &Stream) {
    println!(
        "{name}: statuses {:?} (0 = connection error); dropped {}",
        s.by_status, s.dropped
    );
    println!(
        "{name}: latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&s.latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&s.latencies, 0.90).as_secs_f64() * 1e3,
        percentile(&s.latencies, 0.99).as_secs_f64() * 1e3,
        s.latencies
            .last()
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1e3,
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let text = std::fs::read_to_string(args.record.join("board.jsonl"))?;
    let total = (args.rate * args.seconds) as usize;
    let bodies: Vec<String> = text
        .lines()
        .skip(args.skip)
        .take(total)
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)?;
            Ok(serde_json::json!({"ballot": v["ballot"]}).to_string())
        })
        .collect::<Result<_, serde_json::Error>>()?;
    if bodies.len() < total {
        return Err(format!(
            "the record has {} ballots after --skip, {total} are needed",
            bodies.len()
        )
        .into());
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.max_in_flight)
        .build()?;
    let url = Arc::new(format!("{}/ballots", args.url));
    let flood = if args.flood_rate > 0 {
        let n = (args.flood_rate * args.seconds) as usize;
        let bad: Vec<u8> = match args.flood.as_str() {
            "oversized" => vec![b' '; 8 << 20],
            "malformed" => b"{\"ballot\": [".to_vec(),
            _ => {
                // An honest ballot with its last byte (in its signature)
                // changed: well formed, but it does not verify.
                let line: serde_json::Value =
                    serde_json::from_str(text.lines().last().ok_or("the record has no ballots")?)?;
                let b64 = line["ballot"]
                    .as_str()
                    .ok_or("a board line without a ballot")?;
                let mut chars: Vec<u8> = b64.bytes().collect();
                let i = chars.len().saturating_sub(4);
                if let Some(c) = chars.get_mut(i) {
                    *c = if *c == b'A' { b'B' } else { b'A' };
                }
                serde_json::json!({"ballot": String::from_utf8(chars)?})
                    .to_string()
                    .into_bytes()
            }
        };
        let bad = Arc::new(bad);
        let flooder = reqwest::Client::builder()
            .local_address(args.flood_from)
            .pool_max_idle_per_host(args.max_in_flight)
            .build()?;
        Some(tokio::spawn(offer(
            flooder,
            url.clone(),
            vec![bad; n],
            args.flood_rate,
            args.max_in_flight,
        )))
    } else {
        None
    };
    let start = Instant::now();
    let honest = offer(
        client,
        url,
        bodies
            .into_iter()
            .map(|b| Arc::new(b.into_bytes()))
            .collect(),
        args.rate,
        args.max_in_flight,
    )
    .await?;
    let elapsed = start.elapsed();
    let accepted = honest.by_status.get(&201).copied().unwrap_or(0)
        + honest.by_status.get(&200).copied().unwrap_or(0);
    println!(
        "offered   {total} ballots at {} /s for {} s",
        args.rate, args.seconds
    );
    println!(
        "answered  {} in {:.1} s: {:.0} accepted per second",
        honest.latencies.len(),
        elapsed.as_secs_f64(),
        accepted as f64 / elapsed.as_secs_f64()
    );
    report("honest", &honest);
    if let Some(flood) = flood {
        let flood = flood.await??;
        println!(
            "flood     {} {} requests at {} /s from {}",
            flood.latencies.len(),
            args.flood,
            args.flood_rate,
            args.flood_from
        );
        report("flood", &flood);
    }
    Ok(())
}
