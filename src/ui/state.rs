//! The console's state pieces that are not about input: sources, freshness and histories.

use std::collections::VecDeque;
use std::time::Duration;

use crate::clock::Micros;
use crate::settings::Settings;

/// What the console is connected to, fixed at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleInfo {
    /// `postgres` or `sqlite`.
    pub backend: String,
    /// The database URL with the password hidden; replaced by the Store's own once connected.
    pub db_display: String,
    pub kafka: KafkaSource,
    pub operator: String,
    pub read_only: bool,
    /// Time between two database polls: one Overview sample each.
    pub poll_every: Duration,
    /// Time between two lag refreshes: one lag sample each.
    pub lag_every: Duration,
}

impl ConsoleInfo {
    /// The header's facts from the resolved settings; nothing secret is kept.
    pub fn from_settings(settings: &Settings) -> crate::Result<Self> {
        let url = settings.require_db()?;
        let kafka = match &settings.brokers {
            Some(brokers) => KafkaSource::Tailed {
                brokers: brokers.clone(),
            },
            None => KafkaSource::NoBrokers,
        };
        Ok(Self {
            backend: crate::store::Backend::of_url(url)?.name().to_owned(),
            db_display: settings.display_db(),
            kafka,
            operator: settings.operator.clone(),
            read_only: settings.read_only,
            poll_every: Duration::from_millis(settings.config.console.refresh_ms.max(100)),
            lag_every: settings.config.kafka.refresh_interval(),
        })
    }
}

/// Which Kafka cluster the console reads lag from, fixed at start-up; how fresh that lag
/// is lives in [`KafkaState`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KafkaSource {
    /// No `--brokers` and no `[kafka] bootstrap_servers`: no tailer runs.
    NoBrokers,
    /// The lag tailer reads these brokers.
    Tailed { brokers: String },
}

/// The lag tailer as the header sees it, moved only by `Event::Lag` messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KafkaState {
    /// No refresh has finished yet.
    Connecting,
    /// The last refresh read the cluster.
    Connected { last_ok_us: Micros },
    /// The last refresh could not read the cluster; the rows shown are older.
    Unreachable {
        last_ok_us: Option<Micros>,
        error: String,
    },
    /// The tailer could not start or has ended; lag no longer moves.
    Stopped { error: String },
}

impl KafkaState {
    /// When the cluster last answered a refresh.
    pub fn last_ok_us(&self) -> Option<Micros> {
        match self {
            Self::Connected { last_ok_us } => Some(*last_ok_us),
            Self::Unreachable { last_ok_us, .. } => *last_ok_us,
            Self::Connecting | Self::Stopped { .. } => None,
        }
    }

    /// What went wrong, when something did.
    pub fn error(&self) -> Option<&str> {
        match self {
            Self::Unreachable { error, .. } | Self::Stopped { error } => Some(error),
            Self::Connecting | Self::Connected { .. } => None,
        }
    }
}

/// The database as the header sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum DbState {
    /// No poll has finished yet.
    Connecting,
    /// The last poll worked.
    Connected { last_ok_us: Micros },
    /// The last poll failed; the poller retries with backoff.
    Reconnecting {
        last_ok_us: Option<Micros>,
        error: String,
        attempt: u32,
        retry_at_us: Micros,
    },
}

impl DbState {
    /// When the database last answered a poll.
    pub fn last_ok_us(&self) -> Option<Micros> {
        match self {
            Self::Connecting => None,
            Self::Connected { last_ok_us } => Some(*last_ok_us),
            Self::Reconnecting { last_ok_us, .. } => *last_ok_us,
        }
    }

    pub fn is_reconnecting(&self) -> bool {
        matches!(self, Self::Reconnecting { .. })
    }
}

/// How a panel's data stands, shown in its title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Asked for, nothing arrived yet.
    Loading,
    /// Loaded at `at_us` from a database that is answering.
    Loaded { at_us: Micros },
    /// Loaded at `at_us`, but the database has failed since: the figures may be old.
    Stale { at_us: Micros },
    /// The request failed and nothing is loaded.
    Error(String),
}

impl Freshness {
    /// The freshness of data loaded at `loaded_at` (with `error` from its last request)
    /// while the database is in `db`: nothing loaded and a failing database is an error.
    pub fn of(loaded_at: Option<Micros>, error: Option<&str>, db: &DbState) -> Self {
        let db_error = match db {
            DbState::Reconnecting { error, .. } => Some(error.as_str()),
            _ => None,
        };
        match (loaded_at, error.or(db_error)) {
            (Some(at_us), Some(_)) => Self::Stale { at_us },
            (Some(at_us), None) => Self::Loaded { at_us },
            (None, Some(e)) => Self::Error(e.to_owned()),
            (None, None) => Self::Loading,
        }
    }
}

/// Something that is being fetched, has been, or failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready { value: T, at_us: Micros },
    Failed(String),
}

/// A bounded history for a sparkline: the newest value last, the oldest dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ring {
    values: VecDeque<u64>,
    capacity: usize,
}

impl Ring {
    pub fn new(capacity: usize) -> Self {
        Self {
            values: VecDeque::with_capacity(capacity),
            capacity: capacity.max(1),
        }
    }

    /// Adds a value, dropping the oldest when full.
    pub fn push(&mut self, value: u64) {
        if self.values.len() == self.capacity {
            self.values.pop_front();
        }
        self.values.push_back(value);
    }

    /// The newest `n` values, oldest first.
    pub fn latest(&self, n: usize) -> Vec<u64> {
        let skip = self.values.len().saturating_sub(n);
        self.values.iter().skip(skip).copied().collect()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Samples kept per Overview figure: four minutes at the default one-second refresh.
pub const HISTORY: usize = 240;

/// The Overview's histories, one ring per figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histories {
    /// Decisions per second, times 100 (sparklines need integers).
    pub decisions: Ring,
    /// Duplicate hits per second, times 100.
    pub duplicate_hits: Ring,
    pub in_flight: Ring,
    pub stuck: Ring,
    /// Total consumer lag (records) of every watched group, one value per fresh snapshot.
    pub lag: Ring,
}

impl Default for Histories {
    fn default() -> Self {
        Self {
            decisions: Ring::new(HISTORY),
            duplicate_hits: Ring::new(HISTORY),
            in_flight: Ring::new(HISTORY),
            stuck: Ring::new(HISTORY),
            lag: Ring::new(HISTORY),
        }
    }
}

/// A rate as a sparkline value: hundredths, never negative.
pub fn rate_bar(per_second: f64) -> u64 {
    (per_second * 100.0).round().max(0.0) as u64
}

/// A count as a sparkline value.
pub fn count_bar(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_only_the_newest() {
        let mut ring = Ring::new(3);
        for v in 1..=5 {
            ring.push(v);
        }
        assert_eq!(ring.latest(10), vec![3, 4, 5]);
        assert_eq!(ring.latest(2), vec![4, 5]);
    }

    #[test]
    fn data_goes_stale_while_the_database_is_away() {
        let down = DbState::Reconnecting {
            last_ok_us: Some(5),
            error: "refused".into(),
            attempt: 1,
            retry_at_us: 9,
        };
        assert_eq!(
            Freshness::of(Some(5), None, &down),
            Freshness::Stale { at_us: 5 }
        );
        let up = DbState::Connected { last_ok_us: 7 };
        assert_eq!(
            Freshness::of(Some(7), None, &up),
            Freshness::Loaded { at_us: 7 }
        );
        assert_eq!(Freshness::of(None, None, &up), Freshness::Loading);
        assert_eq!(
            Freshness::of(None, Some("x"), &up),
            Freshness::Error("x".into())
        );
    }
}
