//! When to try again and how long to wait first. Server hints (`retry-after-ms`,
//! `retry-after`, `x-ratelimit-reset-*`) win over our own exponential backoff; every wait is
//! bounded by an attempt count and a total budget so a job never hangs on a busy provider.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Requests made at most while the provider keeps answering "rate limited".
    pub max_attempts: u32,
    /// Extra requests after 5xx answers or dropped connections.
    pub max_transient_retries: u32,
    /// First backoff delay when the provider gives no hint; doubles each time.
    pub base_delay: Duration,
    /// Cap on one computed backoff delay (server hints are honoured within the total budget).
    pub max_delay: Duration,
    /// Total time spent waiting between attempts, at most.
    pub max_total_wait: Duration,
    /// Multiplies every wait actually slept (1.0 in the app; tiny in tests so they run fast).
    pub time_scale: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_transient_retries: 2,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(90),
            time_scale: 1.0,
        }
    }
}

/// What kind of failure an attempt ended in, as far as retrying goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryClass {
    Never,
    RateLimit { hint: Option<Duration> },
    Transient { hint: Option<Duration> },
}

/// Attempts and waits used so far in one operation.
#[derive(Debug)]
pub struct RetryBudget<'a> {
    policy: &'a RetryPolicy,
    pub attempts: u32,
    transient_retries: u32,
    waited: Duration,
}

impl<'a> RetryBudget<'a> {
    pub fn new(policy: &'a RetryPolicy) -> Self {
        RetryBudget {
            policy,
            attempts: 0,
            transient_retries: 0,
            waited: Duration::ZERO,
        }
    }

    /// The (unscaled) wait before the next attempt, or None when the budget is spent.
    pub fn next_delay(&mut self, class: RetryClass) -> Option<Duration> {
        let p = self.policy;
        let delay = match class {
            RetryClass::Never => return None,
            RetryClass::RateLimit { hint } => {
                if self.attempts >= p.max_attempts {
                    return None;
                }
                hint.unwrap_or_else(|| self.backoff(self.attempts))
            }
            RetryClass::Transient { hint } => {
                if self.transient_retries >= p.max_transient_retries {
                    return None;
                }
                self.transient_retries += 1;
                hint.unwrap_or_else(|| self.backoff(self.transient_retries))
                    .min(p.max_delay)
            }
        };
        if self.waited + delay > p.max_total_wait {
            return None;
        }
        self.waited += delay;
        Some(delay)
    }

    /// base * 2^(n-1), capped, minus up to 25% jitter so many clients don't retry in step.
    fn backoff(&self, n: u32) -> Duration {
        let p = self.policy;
        let exp = p
            .base_delay
            .saturating_mul(1u32 << n.saturating_sub(1).min(16));
        let capped = exp.min(p.max_delay);
        capped.mul_f64(1.0 - 0.25 * random_unit())
    }
}

impl RetryPolicy {
    pub fn scaled(&self, d: Duration) -> Duration {
        if self.time_scale.is_finite() && self.time_scale >= 0.0 {
            d.mul_f64(self.time_scale)
        } else {
            d
        }
    }
}

/// A number in [0, 1) from the std hasher's random keys; good enough for jitter.
fn random_unit() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// How long the server asked us to wait, from the headers it sent with a 429/5xx.
pub fn server_hint(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    if let Some(v) = text("retry-after") {
        if let Ok(secs) = v.parse::<f64>()
            && secs.is_finite()
            && secs >= 0.0
        {
            return Some(Duration::from_secs_f64(secs));
        }
        if let Ok(at) = chrono::DateTime::parse_from_rfc2822(v) {
            let at = SystemTime::from(at);
            return Some(
                at.duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            );
        }
    }
    ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]
        .into_iter()
        .filter_map(|h| text(h).and_then(parse_go_duration))
        .max()
}

/// Parses Go-style durations as OpenAI sends them: "1s", "6m0s", "20ms", "1h2m3.5s".
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut rest = s;
    let mut total = 0.0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let secs_per_unit = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * secs_per_unit;
    }
    Duration::try_from_secs_f64(total).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_go_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_go_duration("20ms"), Some(Duration::from_millis(20)));
        assert_eq!(
            parse_go_duration("1h2m3.5s"),
            Some(Duration::from_millis(3_723_500))
        );
        for bad in ["", "s", "5", "5x", "1s2", "-1s"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn hints_in_priority_order() {
        assert_eq!(
            server_hint(&headers(&[("retry-after-ms", "250"), ("retry-after", "9")])),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            server_hint(&headers(&[("retry-after", "3")])),
            Some(Duration::from_secs(3))
        );
        let soon = chrono::Utc::now() + chrono::Duration::seconds(30);
        let d = server_hint(&headers(&[(
            "retry-after",
            &soon.to_rfc2822().replace("+0000", "GMT"),
        )]))
        .unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(
            server_hint(&headers(&[
                ("x-ratelimit-reset-requests", "1s"),
                ("x-ratelimit-reset-tokens", "6m0s")
            ])),
            Some(Duration::from_secs(360))
        );
        assert_eq!(server_hint(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(server_hint(&HeaderMap::new()), None);
    }

    #[test]
    fn budgets_bound_attempts_and_total_wait() {
        let p = RetryPolicy::default();
        let mut b = RetryBudget::new(&p);
        let mut waits = vec![];
        loop {
            b.attempts += 1;
            match b.next_delay(RetryClass::RateLimit { hint: None }) {
                Some(d) => waits.push(d),
                None => break,
            }
        }
        assert_eq!(b.attempts, p.max_attempts);
        assert_eq!(waits.len(), 3);
        assert!(waits[0] <= Duration::from_secs(1) && waits[0] >= Duration::from_millis(750));
        assert!(waits[2] <= Duration::from_secs(4) && waits[2] >= Duration::from_secs(3));

        let mut b = RetryBudget::new(&p);
        b.attempts = 1;
        assert_eq!(
            b.next_delay(RetryClass::RateLimit {
                hint: Some(Duration::from_secs(120))
            }),
            None
        );
        assert_eq!(b.next_delay(RetryClass::Never), None);

        let mut b = RetryBudget::new(&p);
        assert!(b.next_delay(RetryClass::Transient { hint: None }).is_some());
        assert!(b.next_delay(RetryClass::Transient { hint: None }).is_some());
        assert_eq!(b.next_delay(RetryClass::Transient { hint: None }), None);
    }
}
