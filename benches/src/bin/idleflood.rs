//! `idleflood`: honest latency while one client opens and holds idle
//! connections to `valurna serve` (SECURITY.md, the HTTP layer).
//!
//! The flood client, from `--from` (default 127.0.0.2, any loopback
//! address works on Linux), opens `--idle` TCP connections and sends
//! nothing; connections the server closes are let go, the rest are held.
//! Meanwhile an honest client, from 127.0.0.1, sends `--requests` GETs of
//! `--path` one after another on fresh connections and reports the
//! latency percentiles.
//!
//! ```sh
//! valurna serve --database-url … --listen 127.0.0.1:8080 &
//! cargo run --release -p valurna-benches --bin idleflood -- \
//!     --server 127.0.0.1:8080 --idle 20000 --requests 2000
//! ```

#![allow(clippy::print_stdout)]

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Parser)]
struct Args {
    /// The server's address.
    #[arg(long)]
    server: SocketAddr,
    /// Idle connections the flood client opens.
    #[arg(long, default_value_t = 20_000)]
    idle: usize,
    /// The flood client's address.
    #[arg(long, default_value = "127.0.0.2")]
    from: IpAddr,
    /// Honest requests.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// What the honest client asks for.
    #[arg(long, default_value = "/healthz")]
    path: String,
}

async fn connect(from: IpAddr, server: SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = match from {
        IpAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        IpAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(server).await
}

/// One honest GET on a fresh connection; its latency.
async fn honest(server: SocketAddr, path: &str) -> std::io::Result<Duration> {
    let started = Instant::now();
    let mut s = tokio::net::TcpStream::connect(server).await?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await?;
    if !answer.starts_with(b"HTTP/1.1 200") {
        return Err(std::io::Error::other("not a 200"));
    }
    Ok(started.elapsed())
}

/// Whether the server still holds `s` open (nothing to read, no EOF).
fn still_open(s: &tokio::net::TcpStream) -> bool {
    let mut buf = [0u8; 1];
    matches!(s.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let a = Args::parse();
    let mut held = Vec::new();
    let (mut opened, mut failed) = (0usize, 0usize);
    for _ in 0..a.idle {
        match connect(a.from, a.server).await {
            Ok(s) => {
                opened += 1;
                held.push(s);
            }
            Err(_) => failed += 1,
        }
        // Let go of what the server closed, so the client keeps room.
        if opened % 500 == 0 {
            held.retain(still_open);
        }
    }
    held.retain(still_open);
    println!(
        "flood from {}: {opened} connections opened, {failed} refused at connect, {} still open",
        a.from,
        held.len()
    );
    let mut latencies = Vec::with_capacity(a.requests);
    let mut errors = 0usize;
    for _ in 0..a.requests {
        match tokio::time::timeout(Duration::from_secs(30), honest(a.server, &a.path)).await {
            Ok(Ok(d)) => latencies.push(d),
            _ => errors += 1,
        }
    }
    latencies.sort();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "honest: {} answered, {errors} failed; p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        pick(0.50),
        pick(0.99),
        pick(1.0)
    );
    drop(held);
    Ok(())
}
