//! Flood protection for casting (SECURITY.md, floods): a client whose
//! ballots keep being refused is answered `429 Too Many Requests` before
//! any further work.
//!
//! Honest devices almost never send a ballot the ballot box refuses; a
//! flood of ballots with invalid proofs costs the server a proof check
//! each (about a millisecond of CPU). So the ballot box counts, per client
//! address, the ballots it refused in the current window (10 s); past the
//! limit, that address's casts are refused at once, before reading the
//! database or checking anything, until the window ends. Cheap refusals
//! (bad JSON, too large, unlisted credential) count too, so a client cannot
//! probe without limit. Voters behind one address (a shop's network) are
//! not affected as long as their devices are honest.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window refusals are counted in.
pub const WINDOW: Duration = Duration::from_secs(10);

/// Refused ballots per client per window before `429`.
pub const DEFAULT_LIMIT: u32 = 32;

/// Refusals per client address in the current window.
#[derive(Debug)]
pub struct AbuseLimiter {
    limit: u32,
    state: Mutex<(Instant, HashMap<IpAddr, u32>)>,
}

impl AbuseLimiter {
    /// A limiter allowing `limit` refusals per window (0: no limit).
    pub fn new(limit: u32) -> Self {
        AbuseLimiter {
            limit,
            state: Mutex::new((Instant::now(), HashMap::new())),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<IpAddr, u32>) -> T) -> T {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (start, counts) = &mut *guard;
        if start.elapsed() >= WINDOW {
            *start = Instant::now();
            counts.clear();
        }
        f(counts)
    }

    /// Whether `ip` is over its limit now.
    pub fn blocked(&self, ip: IpAddr) -> bool {
        self.limit > 0 && self.with(|c| c.get(&ip).is_some_and(|n| *n >= self.limit))
    }

    /// Notes one refused ballot from `ip`.
    pub fn refused(&self, ip: IpAddr) {
        if self.limit > 0 {
            self.with(|c| {
                let n = c.entry(ip).or_insert(0);
                *n = n.saturating_add(1);
            });
        }
    }
}

impl Default for AbuseLimiter {
    fn default() -> Self {
        AbuseLimiter::new(DEFAULT_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_blocked_after_its_limit_and_others_are_not() {
        let l = AbuseLimiter::new(3);
        let (a, b): (IpAddr, IpAddr) = ([127, 0, 0, 2].into(), [127, 0, 0, 1].into());
        for _ in 0..3 {
            assert!(!l.blocked(a));
            l.refused(a);
        }
        assert!(l.blocked(a));
        assert!(!l.blocked(b));
        let off = AbuseLimiter::new(0);
        for _ in 0..100 {
            off.refused(a);
        }
        assert!(!off.blocked(a));
    }
}
