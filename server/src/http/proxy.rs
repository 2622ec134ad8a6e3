//! The client's address behind a proxy (SECURITY.md, the HTTP layer).
//!
//! The server speaks plain HTTP; in production it sits behind a TLS proxy
//! (README, "Behind a TLS proxy"), so every request's TCP peer is the
//! proxy. Limits that count per client address would then count every
//! voter as one. With `--trusted-proxy CIDR…` the server takes the client's
//! address from the proxy's headers, and only when the TCP peer is one of
//! those proxies:
//!
//! - the hops are read from `Forwarded` (RFC 7239, its `for=` parameters)
//!   when the request has one, otherwise from `X-Forwarded-For`, in the
//!   order the headers and their lists give;
//! - walking from the right (the hop the trusted proxy itself added), the
//!   first address that is not a trusted proxy is the client: hops to its
//!   left were written by the client and prove nothing;
//! - a hop that is not an address (`unknown`, an obfuscated name, garbage)
//!   ends the walk and the last trusted hop's address is used.
//!
//! Without `--trusted-proxy` the headers are ignored and the TCP peer is
//! the client.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    /// Proxies in these networks.
    pub fn new(nets: Vec<IpNet>) -> Self {
        TrustedProxies(Arc::new(nets))
    }

    /// Parses `--trusted-proxy`'s values: a CIDR (`10.0.0.0/8`) or one
    /// address (`127.0.0.1`).
    pub fn parse(values: &[String]) -> Result<Self, String> {
        values
            .iter()
            .map(|v| {
                let v = v.trim();
                IpNet::from_str(v)
                    .or_else(|_| IpAddr::from_str(v).map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "--trusted-proxy {v:?} is not a network: write it as \
                             10.0.0.0/8, 127.0.0.1 or ::1"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies::new)
    }

    /// The networks.
    pub fn networks(&self) -> &[IpNet] {
        &self.0
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address of a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let hops = forwarded_hops(headers).unwrap_or_else(|| x_forwarded_for_hops(headers));
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) if self.contains(*ip) => client = *ip,
                Some(ip) => return *ip,
                None => return client,
            }
        }
        client
    }
}

/// An IPv4 address mapped into IPv6 counts as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One hop's address: `1.2.3.4`, `1.2.3.4:80`, `[::1]`, `[::1]:80`, `::1`.
fn hop_address(text: &str) -> Option<IpAddr> {
    let t = text.trim().trim_matches('"');
    if let Ok(ip) = IpAddr::from_str(t) {
        return Some(canonical(ip));
    }
    if let Ok(sa) = SocketAddr::from_str(t) {
        return Some(canonical(sa.ip()));
    }
    let inner = t.strip_prefix('[')?.split(']').next()?;
    IpAddr::from_str(inner).ok().map(canonical)
}

/// The `for=` hops of every `Forwarded` header, or `None` without one.
fn forwarded_hops(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let values: Vec<_> = headers.get_all("forwarded").iter().collect();
    if values.is_empty() {
        return None;
    }
    let mut hops = Vec::new();
    for value in values {
        let Ok(text) = value.to_str() else {
            hops.push(None);
            continue;
        };
        for element in text.split(',') {
            let found = element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| hop_address(value))
            });
            // An element without `for=` says nothing of its hop.
            if let Some(hop) = found {
                hops.push(hop);
            }
        }
    }
    Some(hops)
}

/// The hops of every `X-Forwarded-For` header.
fn x_forwarded_for_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| match v.to_str() {
            Ok(text) => text.split(',').map(hop_address).collect::<Vec<_>>(),
            Err(_) => vec![None],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_peer_is_believed_and_only_its_rightmost_untrusted_hop() {
        let none = TrustedProxies::default();
        let h = headers(&[("x-forwarded-for", "10.9.9.9")]);
        assert_eq!(none.client(ip("192.0.2.1"), &h), ip("192.0.2.1"));

        let proxies = TrustedProxies::parse(&["127.0.0.1".into(), "10.0.0.0/8".into()]).unwrap();
        // Not from a proxy: the header is the client's own claim.
        assert_eq!(proxies.client(ip("192.0.2.1"), &h), ip("192.0.2.1"));
        // A client's forged left hops are skipped.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.1.1.1")]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &h), ip("198.51.100.7"));
        // Several header lines are one list.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.8"),
        ]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &h), ip("198.51.100.8"));
        // Forwarded wins over X-Forwarded-For, with ports and IPv6.
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.9"),
            (
                "forwarded",
                "for=6.6.6.6, for=\"[2001:db8::1]:4711\";proto=https, for=10.2.2.2",
            ),
        ]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &h), ip("2001:db8::1"));
        // Garbage at the right ends the walk at the last trusted hop.
        let h = headers(&[("x-forwarded-for", "198.51.100.7, unknown")]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
        // Only proxies: the leftmost proxy is the client.
        let h = headers(&[("x-forwarded-for", "10.3.3.3")]);
        assert_eq!(proxies.client(ip("::ffff:127.0.0.1"), &h), ip("10.3.3.3"));
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
    }
}
