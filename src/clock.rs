//! Time as verdict stores it: microseconds since the Unix epoch, UTC, behind an injectable clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

/// Microseconds since the Unix epoch, UTC: the one unit of time in every table.
pub type Micros = i64;

/// A source of the current time, injected so time-dependent code is testable.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time in microseconds since the epoch.
    fn now_us(&self) -> Micros;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> Micros {
        Utc::now().timestamp_micros()
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Micros) -> Self {
        Self {
            now: Arc::new(AtomicI64::new(start)),
        }
    }

    /// Moves the clock forward by `by` microseconds.
    pub fn advance(&self, by: Micros) {
        self.now.fetch_add(by, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_us(&self) -> Micros {
        self.now.load(Ordering::SeqCst)
    }
}

/// Converts stored microseconds to a `DateTime`, clamping out-of-range values to the epoch.
pub fn to_datetime(us: Micros) -> DateTime<Utc> {
    Utc.timestamp_micros(us).single().unwrap_or_default()
}

/// Formats stored microseconds as RFC 3339 with millisecond precision.
pub fn format_us(us: Micros) -> String {
    to_datetime(us).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Microseconds in one day.
pub const DAY_US: Micros = 86_400 * 1_000_000;
