//! Connections (SECURITY.md, the HTTP layer): how long a client may take
//! and how many connections it may hold.
//!
//! `valurna serve` accepts connections itself and serves each with
//! hyper's HTTP/1.1 connection, so that the limits below hold before a
//! request reaches the router:
//!
//! | limit | default | what it stops |
//! |---|---|---|
//! | header read timeout | 10 s | a client that opens a connection and sends nothing, or half a header; also the idle time between requests on a kept-alive connection |
//! | body read timeout | 10 s without a byte of body | a client that sends half a body ([`tower_http::timeout::RequestBodyTimeoutLayer`], in [`super::app`]) |
//! | connections in all | 8,192 | running out of file descriptors |
//! | connections per client address | 64 | one client holding every connection |
//!
//! A connection over a limit is closed at once, before anything is read.
//! Peers that are trusted proxies ([`super::proxy`]) carry many clients on
//! their connections and are not held to the per-address cap (the proxy
//! limits its own clients).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

use super::proxy::TrustedProxies;

/// How long a client may take and how many connections it may hold.
#[derive(Debug, Clone)]
pub struct ConnLimits {
    /// Time to send a request's headers, counted from the connection's
    /// start or the end of the previous answer (so also the idle timeout).
    pub header_timeout: Duration,
    /// Time the body may go without a byte.
    pub body_timeout: Duration,
    /// Connections open at once, in all.
    pub max_connections: usize,
    /// Connections open at once from one client address (0: no cap).
    pub per_address: usize,
}

/// The default header and body timeouts.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default cap on all connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 8192;
/// The default cap on one address's connections.
pub const DEFAULT_PER_ADDRESS: usize = 64;

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            header_timeout: DEFAULT_TIMEOUT,
            body_timeout: DEFAULT_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            per_address: DEFAULT_PER_ADDRESS,
        }
    }
}

/// Open connections per client address.
#[derive(Debug, Default)]
struct PerAddress {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One admitted connection's place in [`PerAddress`], given back on drop.
struct Slot {
    table: Arc<PerAddress>,
    ip: IpAddr,
}

impl PerAddress {
    fn admit(self: &Arc<Self>, ip: IpAddr, cap: usize) -> Option<Slot> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = open.entry(ip).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(Slot {
            table: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .table
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves `router` on `listener` under `limits` until the process stops.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    proxies: TrustedProxies,
) -> std::io::Result<()> {
    let all = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress::default());
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors or a connection reset before accept:
                // wait a moment rather than spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = all.clone().try_acquire_owned() else {
            tracing::debug!(%peer, "connection refused: the server holds its maximum");
            continue;
        };
        let slot = if limits.per_address == 0 || proxies.contains(peer.ip()) {
            None
        } else {
            match per_address.admit(peer.ip(), limits.per_address) {
                Some(slot) => Some(slot),
                None => {
                    tracing::debug!(%peer, "connection refused: its address holds its maximum");
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let connection = http.serve_connection(
            TokioIo::new(stream),
            hyper::service::service_fn(move |mut request: hyper::Request<_>| {
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(peer));
                router.clone().oneshot(request.map(axum::body::Body::new))
            }),
        );
        tokio::spawn(async move {
            let _held = (permit, slot);
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_cap_and_gets_its_places_back() {
        let table = Arc::new(PerAddress::default());
        let a: IpAddr = [127, 0, 0, 2].into();
        let b: IpAddr = [127, 0, 0, 3].into();
        let held: Vec<Slot> = (0..3).map(|_| table.admit(a, 3).unwrap()).collect();
        assert!(table.admit(a, 3).is_none());
        assert!(table.admit(b, 3).is_some());
        drop(held);
        assert!(table.open.lock().unwrap().get(&a).is_none());
        assert!(table.admit(a, 3).is_some());
    }
}
