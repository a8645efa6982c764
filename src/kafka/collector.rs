//! One lag refresh against the brokers: blocking rdkafka calls, each with a deadline.
//!
//! Order of a refresh, and why:
//! 1. topic metadata, so added partitions and deleted topics are seen;
//! 2. the group list with members and assignments (ListGroups + DescribeGroups), where the
//!    broker answers it;
//! 3. every group's committed offsets (`commits`), several groups at a
//!    time, *before* any watermark, so a commit that lands during the refresh can only make
//!    the lag look smaller, never negative;
//! 4. log start, high watermark and last stable offset of every partition involved
//!    (`marks`);
//! 5. the rows (`rows`): for rows a few records behind that do not move, a
//!    read_committed probe tells a tail of transaction markers from real records.
//!
//! Known limits: a group's commits are asked for the topics it is known to consume, and
//! for every topic once every `rediscover_every` refreshes; on clusters with tens of
//! thousands of partitions those full reads grow with them. Lag in time comes from sampled
//! watermarks, not record timestamps.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;

use crate::clock::Clock;
use crate::error::Result;
use crate::kafka::assignment::Described;
use crate::kafka::commits::{CommitReader, GroupCommits};
use crate::kafka::lag::{LagSnapshot, SharedSnapshot};
use crate::kafka::probe::Probe;
use crate::kafka::rows::{self, History, Reading};
use crate::kafka::transport::TransportErrors;
use crate::kafka::{marks, LagConfig};

/// A topic-partition.
pub type Tp = (String, i32);

/// Non-internal topics and their partitions, from the last metadata read.
pub type Topics = BTreeMap<String, Vec<i32>>;

/// Where the last refresh spent its time, and what it holds: for benchmarks and logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshStats {
    pub metadata: Duration,
    /// ListGroups with DescribeGroups.
    pub groups: Duration,
    pub commits: Duration,
    /// The three ListOffsets calls.
    pub watermarks: Duration,
    /// Evaluating and building rows, probes included.
    pub rows: Duration,
    /// Group clients open after the refresh.
    pub group_clients: usize,
    /// (group, partition) windows kept after the refresh.
    pub windows: usize,
}

/// The tailer's blocking half: owns the clients and the sample windows.
pub struct Collector {
    config: LagConfig,
    clock: Arc<dyn Clock>,
    /// read_uncommitted, no group: metadata, group list, log start and high watermark.
    meta: BaseConsumer<TransportErrors>,
    /// read_committed, no group: the last stable offset.
    stable: BaseConsumer<TransportErrors>,
    /// The last connection failure either of them saw, for the refresh's error.
    transport: TransportErrors,
    commits: CommitReader,
    history: History,
    last: SharedSnapshot,
    stats: RefreshStats,
}

impl Collector {
    /// Creates the clients; nothing talks to a broker until the first refresh.
    pub fn new(config: LagConfig, clock: Arc<dyn Clock>) -> Result<Self> {
        let transport = TransportErrors::default();
        let meta = config
            .client_config()
            .set("isolation.level", "read_uncommitted")
            .create_with_context(transport.clone())?;
        let stable = config
            .client_config()
            .set("isolation.level", "read_committed")
            .create_with_context(transport.clone())?;
        Ok(Self {
            history: History::new(Probe::new(&config)?),
            commits: CommitReader::new(&config),
            meta,
            stable,
            transport,
            config,
            clock,
            last: SharedSnapshot::default(),
            stats: RefreshStats::default(),
        })
    }

    /// The latest snapshot built.
    pub fn last(&self) -> SharedSnapshot {
        self.last.clone()
    }

    /// Where the last refresh spent its time.
    pub fn stats(&self) -> RefreshStats {
        self.stats
    }

    /// Runs one refresh; never panics, never blocks past the deadlines of its calls.
    pub fn refresh(&mut self) -> SharedSnapshot {
        self.stats = RefreshStats::default();
        let started = Instant::now();
        let topics = self.fetch_topics();
        self.stats.metadata = started.elapsed();
        let snapshot = match topics {
            Ok(topics) => {
                self.transport.clear();
                self.refresh_with(&topics)
            }
            Err(e) => self.stale_snapshot(self.metadata_failure(&e)),
        };
        self.stats.group_clients = self.commits.open_clients();
        self.stats.windows = self.history.len();
        log_changes(&self.last, &snapshot);
        self.last = Arc::new(snapshot);
        self.last.clone()
    }

    /// Why metadata could not be read, with librdkafka's cause when it gave one.
    fn metadata_failure(&self, e: &KafkaError) -> String {
        self.serve_logs();
        let mut message = format!(
            "cannot read metadata from {} within {} ms: {e}",
            self.config.brokers,
            self.config.request_timeout.as_millis()
        );
        if let Some(cause) = self.transport.last() {
            message.push_str(&format!("; cause: {cause}"));
        }
        message
    }

    /// rdkafka queues librdkafka's log lines on the client's main queue; polling serves
    /// them to [`TransportErrors`]. Bounded: a queue refilled as fast as it drains ends too.
    fn serve_logs(&self) {
        for client in [&self.meta, &self.stable] {
            for _ in 0..256 {
                if client.poll(Duration::ZERO).is_none() {
                    break;
                }
            }
        }
    }

    fn refresh_with(&mut self, topics: &Topics) -> LagSnapshot {
        let mut notices = Vec::new();
        let step = Instant::now();
        let described = self.describe_groups(&mut notices);
        let names = self.watched_names(described.as_ref());
        self.stats.groups = step.elapsed();

        let step = Instant::now();
        let commits = self
            .commits
            .read(&self.config, &names, topics, described.as_ref());
        self.stats.commits = step.elapsed();

        let step = Instant::now();
        let wanted = wanted_partitions(&commits, described.as_ref(), topics);
        let timeout = self.config.request_timeout;
        let marks = match marks::read(&self.meta, &self.stable, &wanted, timeout) {
            Ok(marks) => marks,
            Err(e) => return self.stale_snapshot(format!("cannot read watermarks: {e}")),
        };
        self.stats.watermarks = step.elapsed();

        let step = Instant::now();
        let reading = Reading {
            topics,
            marks: &marks,
            described: described.as_ref(),
            now: self.clock.now_us(),
        };
        let snapshot = self.build(commits, &reading, notices);
        self.stats.rows = step.elapsed();
        snapshot
    }

    /// The snapshot of this refresh's rows.
    fn build(
        &mut self,
        commits: Vec<GroupCommits>,
        reading: &Reading,
        notices: Vec<String>,
    ) -> LagSnapshot {
        self.history.start();
        let mut groups: Vec<_> = commits
            .into_iter()
            .map(|(name, commit)| match commit {
                Ok(commits) => self.history.group(&name, &commits, reading),
                Err(e) => self.history.stale_group(&self.last, &name, e),
            })
            .collect();
        self.history.finish();
        rows::sort_groups(&mut groups);
        LagSnapshot {
            taken_at_us: reading.now,
            generation: self.last.generation + 1,
            groups,
            error: None,
            notices,
        }
    }

    /// Non-internal topics and their partitions.
    fn fetch_topics(&self) -> Result<Topics, KafkaError> {
        let metadata = self
            .meta
            .fetch_metadata(None, self.config.request_timeout)?;
        let topics = metadata
            .topics()
            .iter()
            .filter(|t| !t.name().starts_with("__") && t.error().is_none())
            .map(|t| {
                (
                    t.name().to_owned(),
                    t.partitions().iter().map(|p| p.id()).collect(),
                )
            })
            .collect();
        Ok(topics)
    }

    /// Every group the cluster lists, described; `None` when the broker does not answer.
    fn describe_groups(&self, notices: &mut Vec<String>) -> Option<HashMap<String, Described>> {
        if !self.config.list_groups {
            return None;
        }
        match self
            .meta
            .fetch_group_list(None, self.config.request_timeout)
        {
            Ok(list) => Some(
                list.groups()
                    .iter()
                    .map(|g| (g.name().to_owned(), Described::from_info(g)))
                    .collect(),
            ),
            Err(e) => {
                notices.push(format!(
                    "the broker did not list groups ({e}); watching only configured groups"
                ));
                None
            }
        }
    }

    /// Configured groups, plus listed consumer groups.
    fn watched_names(&self, described: Option<&HashMap<String, Described>>) -> Vec<String> {
        let mut names: BTreeSet<String> = self.config.groups.iter().cloned().collect();
        if let Some(described) = described {
            names.extend(described.keys().cloned());
        }
        names.into_iter().collect()
    }

    /// The previous snapshot, every group marked stale with `error`.
    fn stale_snapshot(&self, error: String) -> LagSnapshot {
        let mut snapshot = (*self.last).clone();
        for group in &mut snapshot.groups {
            group.error.get_or_insert_with(|| error.clone());
        }
        snapshot.taken_at_us = self.clock.now_us();
        snapshot.generation += 1;
        snapshot.error = Some(error);
        snapshot
    }
}

/// Partitions any group needs watermarks for.
fn wanted_partitions(
    commits: &[GroupCommits],
    described: Option<&HashMap<String, Described>>,
    topics: &Topics,
) -> BTreeSet<Tp> {
    let mut wanted = BTreeSet::new();
    for (name, commit) in commits {
        let Ok(commit) = commit else { continue };
        let info = described.and_then(|d| d.get(name));
        wanted.extend(rows::group_partitions(commit, info, topics));
    }
    wanted
}

/// Logs what changed between two snapshots: errors starting or ending, group statuses.
fn log_changes(before: &LagSnapshot, after: &LagSnapshot) {
    match (&before.error, &after.error) {
        (None, Some(e)) => tracing::warn!(error = %e, "lag refresh failed; rows are stale"),
        (Some(_), None) => tracing::info!("lag refresh recovered"),
        _ => {}
    }
    for group in &after.groups {
        let previous = before.group(&group.name).map(|g| g.status);
        if previous != Some(group.status) {
            let (status, lag) = (group.status.as_str(), group.total_lag);
            tracing::info!(group = %group.name, status, lag, "consumer group status changed");
        }
    }
}
