//! When to try a request again, and how long to wait: `Retry-After` when the server gives one,
//! exponential backoff with jitter when it does not; and a token bucket that keeps a client
//! under a documented rate limit so that it rarely sees a 429 at all.

use std::time::{Duration, Instant, SystemTime};

/// Retry and timeout policy of the HTTP client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpPolicy {
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for a whole request, body included.
    pub request_timeout: Duration,
    /// Requests per call at most (first try included) while the server answers 429 or 503;
    /// connection failures and timeouts are tried twice at most.
    pub max_attempts: u32,
    /// First backoff delay when the server gives no `Retry-After`; doubles per retry.
    pub base_delay: Duration,
    /// Longest wait between attempts. A `Retry-After` longer than this ends the fetch
    /// instead: a request before the server's time is wasted, and a sync should not hang.
    pub max_delay: Duration,
    /// Bytes of one answer at most: a longer one (by `Content-Length` or as it streams in)
    /// ends the fetch instead of filling memory.
    pub max_body_bytes: usize,
}

impl Default for HttpPolicy {
    /// Personio asks clients to wait at least a second after a 429; its auth lockout lasts
    /// 60 seconds, which the cap allows.
    fn default() -> Self {
        HttpPolicy {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(90),
            max_body_bytes: 256 * 1024 * 1024,
        }
    }
}

impl HttpPolicy {
    /// Backoff before retry number `retry` (1 for the first retry) when the server said
    /// nothing: `base · 2^(retry-1)`, capped, with "equal jitter" (between half and all of it)
    /// so that clients throttled together do not retry together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << (retry.saturating_sub(1)).min(16));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// A parsed `Retry-After`: delta seconds or an HTTP date. `None` for anything else, which is
/// then treated as absent.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let then = SystemTime::from(date.with_timezone(&chrono::Utc));
    // A date in the past means "now".
    Some(then.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(burst: u32, per_minute: u32, now: Instant) -> Self {
        TokenBucket {
            capacity: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
            tokens: f64::from(burst.max(1)),
            last: now,
        }
    }

    /// Takes a token for a request at `now`; returns how long to wait first (zero when one
    /// is available). The token is taken either way, so waiting callers queue up in order.
    pub fn take(&mut self, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.per_second)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // 1994-11-06 08:49:37
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO),
            "a past date means now"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = HttpPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..HttpPolicy::default()
        };
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!((50..=100).contains(&first.as_millis()), "{first:?}");
            let second = p.backoff(2);
            assert!((100..=200).contains(&second.as_millis()), "{second:?}");
            let late = p.backoff(30);
            assert!((175..=350).contains(&late.as_millis()), "{late:?}");
        }
    }

    #[test]
    fn bucket_allows_a_burst_then_paces() {
        let start = Instant::now();
        // Personio's employees endpoint: 300 per minute, bursts of 15 per second.
        let mut bucket = TokenBucket::new(15, 300, start);
        for _ in 0..15 {
            assert_eq!(bucket.take(start), Duration::ZERO);
        }
        let wait = bucket.take(start);
        assert_eq!(wait, Duration::from_millis(200), "5 per second");
        let wait = bucket.take(start);
        assert_eq!(wait, Duration::from_millis(400), "callers queue up");
        // After a quiet second, five more are available.
        let later = start + Duration::from_millis(1500);
        for _ in 0..5 {
            assert_eq!(bucket.take(later), Duration::ZERO);
        }
        assert!(bucket.take(later) > Duration::ZERO);
    }
}
