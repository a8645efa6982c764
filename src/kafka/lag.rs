//! What one lag refresh saw: consumer groups, their partitions and how far behind each is.
//!
//! A [`LagSnapshot`] is immutable once built and travels as an `Arc`, so the console can hold
//! the latest one and clone it for free.

use std::sync::Arc;

use serde::Serialize;

use crate::clock::Micros;
use crate::kafka::status::{LagTime, Note, Ownership, Status};

/// The lag of every watched group at one refresh.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LagSnapshot {
    /// When this refresh finished (the tailer's clock); 0 before the first one.
    pub taken_at_us: Micros,
    /// The refresh count, starting at 1; 0 means "not loaded yet".
    pub generation: u64,
    /// Groups sorted by worst status, then total lag, then name.
    pub groups: Vec<GroupLag>,
    /// Why the cluster as a whole could not be read this time (rows then are stale).
    pub error: Option<String>,
    /// Things the broker does not support, said once per snapshot (e.g. ListGroups).
    pub notices: Vec<String>,
}

/// A snapshot shared between the tailer and its readers.
pub type SharedSnapshot = Arc<LagSnapshot>;

impl LagSnapshot {
    /// The group of that name, if watched.
    pub fn group(&self, name: &str) -> Option<&GroupLag> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// True when nothing could be read at the last refresh.
    pub fn is_stale(&self) -> bool {
        self.error.is_some()
    }
}

/// One consumer group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupLag {
    pub name: String,
    /// The broker's word for the group state (`Stable`, `Empty`, `PreparingRebalance`, ...),
    /// or `Unknown` when the broker does not describe groups.
    pub state: String,
    /// The worst status of its partitions (ERR when the group could not be read, or when it
    /// has neither a committed offset nor a member).
    pub status: Status,
    /// Why the group as a whole has its status, when no partition says it (a group that
    /// never committed, say); `None` when the worst partition's reason is the answer.
    pub reason: Option<String>,
    /// Sum of the partitions' lag.
    pub total_lag: u64,
    /// Members as the broker described them; empty when unknown or Empty.
    pub members: Vec<Member>,
    pub partitions: Vec<PartitionLag>,
    /// When these rows were last read successfully.
    pub sampled_at_us: Micros,
    /// Set when the last refresh of this group failed; the rows are then from
    /// `sampled_at_us` and marked stale.
    pub error: Option<String>,
}

impl GroupLag {
    /// True when the rows are older than the snapshot that carries them.
    pub fn is_stale(&self) -> bool {
        self.error.is_some()
    }

    /// How old the rows are at `now_us`.
    pub fn age_us(&self, now_us: Micros) -> Micros {
        (now_us - self.sampled_at_us).max(0)
    }
}

/// A live member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub member_id: String,
    pub client_id: String,
    pub host: String,
}

/// One partition of one group.
#[derive(Debug, Clone, Serialize)]
pub struct PartitionLag {
    pub topic: String,
    pub partition: i32,
    /// `None` when the group never committed here (shown as "-").
    pub committed: Option<i64>,
    pub log_start: i64,
    pub high_watermark: i64,
    pub last_stable: i64,
    /// High watermark - max(committed, log start); never negative.
    pub lag: u64,
    /// Last stable offset - max(committed, log start): what a read_committed consumer sees.
    pub lag_read_committed: u64,
    pub lag_time: LagTime,
    pub status: Status,
    pub ownership: Ownership,
    /// The member that owns the partition, when the broker said.
    pub owner: Option<Member>,
    pub notes: Vec<Note>,
    /// One sentence: why this status (the console's detail pane).
    pub reason: String,
    /// When these offsets were read.
    pub sampled_at_us: Micros,
    /// The partition-level error of the last refresh, if any.
    pub error: Option<String>,
}

impl PartitionLag {
    /// The committed offset as printed: the number, or "-".
    pub fn committed_text(&self) -> String {
        self.committed.map_or_else(|| "-".into(), |c| c.to_string())
    }
}

/// Formats a lag in time: "0s", "~42s", "≥5m 3s".
pub fn format_lag_time(lag: &LagTime) -> String {
    match lag {
        LagTime::CaughtUp => "0s".into(),
        LagTime::About(us) => format!("~{}", format_duration(*us)),
        LagTime::AtLeast(us) => format!(">={}", format_duration(*us)),
    }
}

/// Seconds, minutes or hours, two units at most.
pub fn format_duration(us: Micros) -> String {
    let secs = us.max(0) / 1_000_000;
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m{}s", s / 60, s % 60),
        s => format!("{}h{}m", s / 3_600, (s % 3_600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(42_000_000), "42s");
        assert_eq!(format_duration(303_000_000), "5m3s");
        assert_eq!(format_duration(7_380_000_000), "2h3m");
        assert_eq!(format_lag_time(&LagTime::AtLeast(61_000_000)), ">=1m1s");
        assert_eq!(format_lag_time(&LagTime::CaughtUp), "0s");
    }
}
