//! Sign-in limits (SECURITY.md, signing in): how many requests or failures
//! a key may have before it waits, and how long.
//!
//! A key counts hits (a code asked for, a wrong password or code); the
//! count starts again after a quiet window with no hit. From the
//! `free`-th hit on, the key is locked for `base · 2^(count − free)`
//! seconds, at most `max`: a person who mistypes waits seconds, a
//! guesser waits ever longer and guesses a few times an hour. While
//! locked, every attempt is refused before it is checked, the right
//! password or code too.

/// How many hits a key may have, and its backoff.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Names the key's kind (its prefix in the store).
    pub name: &'static str,
    /// Hits before the first lock.
    pub free: i32,
    /// Seconds without a hit after which the count starts again.
    pub window: i64,
    /// The first lock, in seconds.
    pub base: i64,
    /// The longest lock, in seconds.
    pub max: i64,
}

impl Policy {
    /// The key of `subject` under this policy.
    pub fn key(&self, subject: &str) -> String {
        format!("{}:{subject}", self.name)
    }

    /// Seconds the key is locked for after its `count`-th hit, if any.
    pub fn lock_after(&self, count: i32) -> Option<i64> {
        if count < self.free {
            return None;
        }
        let doublings = u32::try_from(count - self.free).unwrap_or(0).min(30);
        Some(self.base.saturating_mul(1 << doublings).min(self.max))
    }
}

/// Wrong passwords for one staff account: 5, then 30 s doubling to 15 min.
pub const STAFF_ACCOUNT: Policy = Policy {
    name: "staff",
    free: 5,
    window: 3600,
    base: 30,
    max: 900,
};

/// Wrong passwords from one client address.
pub const STAFF_ADDRESS: Policy = Policy {
    name: "staff-address",
    free: 20,
    window: 3600,
    base: 60,
    max: 900,
};

/// Sign-in codes asked for one member: 3, then 5 min doubling to 1 hour
/// (at most a handful of messages an hour, however often it is asked).
pub const CODE_REQUESTS: Policy = Policy {
    name: "code",
    free: 3,
    window: 3600,
    base: 300,
    max: 3600,
};

/// Sign-in codes asked for from one client address.
pub const CODE_REQUESTS_ADDRESS: Policy = Policy {
    name: "code-address",
    free: 30,
    window: 3600,
    base: 60,
    max: 900,
};

/// Wrong codes for one member, over all their codes: 5, then 1 min
/// doubling to 1 hour.
pub const CODE_FAILURES: Policy = Policy {
    name: "code-failure",
    free: 5,
    window: 3600,
    base: 60,
    max: 3600,
};

/// Wrong codes from one client address.
pub const CODE_FAILURES_ADDRESS: Policy = Policy {
    name: "code-failure-address",
    free: 20,
    window: 3600,
    base: 60,
    max: 900,
};

/// What a hit did to its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Hits in the key's current count.
    pub count: i32,
    /// The lock this hit started, in seconds.
    pub locked: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_at_free_double_and_stop_at_max() {
        let p = STAFF_ACCOUNT;
        assert_eq!(p.lock_after(4), None);
        assert_eq!(p.lock_after(5), Some(30));
        assert_eq!(p.lock_after(6), Some(60));
        assert_eq!(p.lock_after(9), Some(480));
        assert_eq!(p.lock_after(10), Some(900));
        assert_eq!(p.lock_after(400), Some(900));
        assert_eq!(p.key("carl"), "staff:carl");
    }
}
