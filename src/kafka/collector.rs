//! One lag refresh against the brokers: blocking rdkafka calls, each with a deadline.
//!
//! Order of a refresh, and why:
//! 1. topic metadata, so added partitions and deleted topics are seen;
//! 2. the group list with members and assignments (ListGroups + DescribeGroups), where the
//!    broker answers it;
//! 3. every group's committed offsets, *before* any watermark, so a commit that lands
//!    during the refresh can only make the lag look smaller, never negative;
//! 4. log start, high watermark and last stable offset of every partition involved, in
//!    three batched ListOffsets calls (librdkafka sends one request per leader broker);
//! 5. for rows a few records behind that do not move, a read_committed probe that tells a
//!    tail of transaction markers from real records.
//!
//! Known limits: committed offsets are asked for every partition of every topic, once per
//! group; on clusters with tens of thousands of partitions that request grows with them.
//! Lag in time comes from sampled watermarks, not record timestamps.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::groups::GroupInfo;
use rdkafka::{Offset, TopicPartitionList};

use crate::clock::{Clock, Micros};
use crate::error::Result;
use crate::kafka::clients::GroupClients;
use crate::kafka::lag::{GroupLag, LagSnapshot, Member, PartitionLag, SharedSnapshot};
use crate::kafka::probe::Probe;
use crate::kafka::status::{self, Context, Ownership, Sample, Window};
use crate::kafka::{assignment, LagConfig};

/// A topic-partition.
pub type Tp = (String, i32);

/// Committed offsets of one group (`None`: no commit on that partition).
type Commits = BTreeMap<Tp, Option<i64>>;

/// A group's commits, or why they could not be read.
type GroupCommits = (String, Result<Commits, String>);

/// Group commit reads that may time out in a row before the rest of the cycle is skipped.
const MAX_TIMEOUTS_PER_REFRESH: usize = 2;

/// A group as DescribeGroups returned it.
#[derive(Debug, Clone)]
struct Described {
    state: String,
    members: Vec<(Member, Vec<Tp>)>,
}

/// Offsets of one partition from the batched ListOffsets calls.
#[derive(Debug, Clone, Copy)]
struct Marks {
    log_start: i64,
    high_watermark: i64,
    last_stable: i64,
}

/// What a partition keeps between refreshes.
#[derive(Debug, Default)]
struct PartitionState {
    window: Window,
}

/// The tailer's blocking half: owns the clients and the sample windows.
pub struct Collector {
    config: LagConfig,
    clock: Arc<dyn Clock>,
    /// read_uncommitted, no group: metadata, group list, log start and high watermark.
    meta: BaseConsumer,
    /// read_committed, no group: the last stable offset.
    stable: BaseConsumer,
    probe: Probe,
    groups: GroupClients,
    /// Invariant: holds only keys seen at the last refresh (or kept stale with their group).
    windows: HashMap<(String, Tp), PartitionState>,
    last: SharedSnapshot,
}

impl Collector {
    /// Creates the clients; nothing talks to a broker until the first refresh.
    pub fn new(config: LagConfig, clock: Arc<dyn Clock>) -> Result<Self> {
        let meta = config
            .client_config()
            .set("isolation.level", "read_uncommitted")
            .create()?;
        let stable = config
            .client_config()
            .set("isolation.level", "read_committed")
            .create()?;
        Ok(Self {
            probe: Probe::new(&config)?,
            groups: GroupClients::new(config.max_group_clients),
            meta,
            stable,
            config,
            clock,
            windows: HashMap::new(),
            last: SharedSnapshot::default(),
        })
    }

    /// The latest snapshot built.
    pub fn last(&self) -> SharedSnapshot {
        self.last.clone()
    }

    /// Runs one refresh; never panics, never blocks past the deadlines of its calls.
    pub fn refresh(&mut self) -> SharedSnapshot {
        let snapshot = match self.fetch_topics() {
            Ok(topics) => self.refresh_with(&topics),
            Err(e) => self.stale_snapshot(format!(
                "cannot read metadata from {} within {} ms: {e}",
                self.config.brokers,
                self.config.request_timeout.as_millis()
            )),
        };
        log_changes(&self.last, &snapshot);
        self.last = Arc::new(snapshot);
        self.last.clone()
    }

    fn refresh_with(&mut self, topics: &BTreeMap<String, Vec<i32>>) -> LagSnapshot {
        let mut notices = Vec::new();
        let described = self.describe_groups(&mut notices);
        let names = self.watched_names(described.as_ref());
        let commits = self.read_commits(&names, topics);
        let wanted = wanted_partitions(&commits, described.as_ref(), topics);
        let marks = match self.read_marks(&wanted) {
            Ok(marks) => marks,
            Err(e) => return self.stale_snapshot(format!("cannot read watermarks: {e}")),
        };
        let now = self.clock.now_us();
        let mut groups = Vec::new();
        let mut seen = BTreeSet::new();
        for (name, commit) in commits {
            let info = described.as_ref().map(|d| d.get(&name));
            let group = match commit {
                Ok(commits) => {
                    self.build_group(&name, info, &commits, topics, &marks, now, &mut seen)
                }
                Err(e) => self.stale_group(&name, e, &mut seen),
            };
            groups.push(group);
        }
        self.windows.retain(|key, _| seen.contains(key));
        sort_groups(&mut groups);
        LagSnapshot {
            taken_at_us: now,
            generation: self.last.generation + 1,
            groups,
            error: None,
            notices,
        }
    }

    /// Non-internal topics and their partitions.
    fn fetch_topics(&self) -> Result<BTreeMap<String, Vec<i32>>, KafkaError> {
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
                    .map(|g| (g.name().to_owned(), described(g)))
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

    /// Committed offsets of every group, first of all offset reads.
    fn read_commits(
        &mut self,
        names: &[String],
        topics: &BTreeMap<String, Vec<i32>>,
    ) -> Vec<GroupCommits> {
        let mut timeouts = 0;
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            if timeouts >= MAX_TIMEOUTS_PER_REFRESH {
                out.push((
                    name.clone(),
                    Err("skipped: the broker timed out on other groups".into()),
                ));
                continue;
            }
            let result = self.groups.committed(&self.config, name, topics);
            if matches!(
                &result,
                Err(KafkaError::OffsetFetch(RDKafkaErrorCode::OperationTimedOut))
            ) {
                timeouts += 1;
            }
            out.push((name.clone(), result.map_err(|e| e.to_string())));
        }
        out
    }

    /// Log start, high watermark and last stable offset of every wanted partition.
    fn read_marks(&self, wanted: &BTreeSet<Tp>) -> Result<HashMap<Tp, Marks>, KafkaError> {
        if wanted.is_empty() {
            return Ok(HashMap::new());
        }
        let timeout = self.config.request_timeout;
        let starts = self
            .meta
            .offsets_for_times(tpl(wanted, Offset::Beginning)?, timeout)?;
        let highs = self
            .meta
            .offsets_for_times(tpl(wanted, Offset::End)?, timeout)?;
        let stables = self
            .stable
            .offsets_for_times(tpl(wanted, Offset::End)?, timeout)?;
        let mut marks = HashMap::with_capacity(wanted.len());
        for (topic, partition) in wanted {
            let get = |list: &TopicPartitionList| {
                list.find_partition(topic, *partition)
                    .filter(|e| e.error().is_ok())
                    .and_then(|e| e.offset().to_raw())
                    .filter(|o| *o >= 0)
            };
            let (Some(log_start), Some(high_watermark)) = (get(&starts), get(&highs)) else {
                continue;
            };
            let last_stable = get(&stables).unwrap_or(high_watermark);
            marks.insert(
                (topic.clone(), *partition),
                Marks {
                    log_start,
                    high_watermark,
                    last_stable,
                },
            );
        }
        Ok(marks)
    }

    /// Rows of one group whose commits were read.
    #[allow(clippy::too_many_arguments)]
    fn build_group(
        &mut self,
        name: &str,
        info: Option<Option<&Described>>,
        commits: &Commits,
        topics: &BTreeMap<String, Vec<i32>>,
        marks: &HashMap<Tp, Marks>,
        now: Micros,
        seen: &mut BTreeSet<(String, Tp)>,
    ) -> GroupLag {
        let owners = owners(info.flatten());
        let rows = group_partitions(commits, info.flatten(), topics);
        let mut partitions = Vec::with_capacity(rows.len());
        for tp in rows {
            let committed = commits.get(&tp).copied().flatten();
            let key = (name.to_owned(), tp.clone());
            let row = match marks.get(&tp) {
                Some(m) => self.sample_row(&key, committed, *m, ownership(info, &owners, &tp), now),
                None => self.failed_row(&key, committed, "no watermark for this partition", now),
            };
            partitions.push(row);
            seen.insert(key);
        }
        partitions.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        GroupLag {
            name: name.to_owned(),
            state: group_state(info),
            status: status::worst(partitions.iter().map(|p| p.status)),
            total_lag: partitions.iter().map(|p| p.lag).sum(),
            members: info.flatten().map_or_else(Vec::new, |d| {
                d.members.iter().map(|m| m.0.clone()).collect()
            }),
            partitions,
            sampled_at_us: now,
            error: None,
        }
    }

    /// Pushes a sample into the partition's window and judges it.
    fn sample_row(
        &mut self,
        key: &(String, Tp),
        committed: Option<i64>,
        m: Marks,
        owner: (Ownership, Option<Member>),
        now: Micros,
    ) -> PartitionLag {
        let sample = Sample {
            at_us: now,
            committed,
            log_start: m.log_start,
            high_watermark: m.high_watermark,
            last_stable: m.last_stable,
        };
        let state = self.windows.entry(key.clone()).or_default();
        state.window.push(sample);
        let tail_is_control = self.probe.tail_is_control(&key.1, &sample, &self.config);
        let ctx = Context {
            ownership: owner.0,
            tail_is_control,
            error: None,
        };
        let window = &self.windows[key].window;
        row(key, &sample, window, &ctx, owner.1, now)
    }

    /// A row whose offsets could not be read this time.
    fn failed_row(
        &mut self,
        key: &(String, Tp),
        committed: Option<i64>,
        error: &str,
        now: Micros,
    ) -> PartitionLag {
        let state = self.windows.entry(key.clone()).or_default();
        let previous = state.window.latest().copied();
        let sample = previous.unwrap_or(Sample {
            at_us: now,
            committed,
            log_start: 0,
            high_watermark: 0,
            last_stable: 0,
        });
        let ctx = Context {
            ownership: Ownership::Unknown,
            tail_is_control: None,
            error: Some(error),
        };
        let mut row = row(key, &sample, &state.window, &ctx, None, sample.at_us);
        row.error = Some(error.to_owned());
        row
    }

    /// The previous rows of a group that could not be read, marked stale.
    fn stale_group(
        &mut self,
        name: &str,
        error: String,
        seen: &mut BTreeSet<(String, Tp)>,
    ) -> GroupLag {
        tracing::debug!(group = name, %error, "committed offsets not read");
        let mut group = self.last.group(name).cloned().unwrap_or_else(|| GroupLag {
            name: name.to_owned(),
            state: "Unknown".into(),
            status: status::Status::Err,
            total_lag: 0,
            members: Vec::new(),
            partitions: Vec::new(),
            sampled_at_us: 0,
            error: None,
        });
        for p in &group.partitions {
            seen.insert((name.to_owned(), (p.topic.clone(), p.partition)));
        }
        group.status = status::Status::Err;
        group.error = Some(error);
        group
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

/// Judges a partition and turns it into a row.
fn row(
    key: &(String, Tp),
    sample: &Sample,
    window: &Window,
    ctx: &Context<'_>,
    owner: Option<Member>,
    now: Micros,
) -> PartitionLag {
    let eval = status::evaluate(window, ctx, now);
    PartitionLag {
        topic: key.1 .0.clone(),
        partition: key.1 .1,
        committed: sample.committed,
        log_start: sample.log_start,
        high_watermark: sample.high_watermark,
        last_stable: sample.last_stable,
        lag: eval.lag,
        lag_read_committed: eval.lag_read_committed,
        lag_time: eval.lag_time,
        status: eval.status,
        ownership: ctx.ownership,
        owner,
        reason: status::explain(&eval, ctx, Some(sample)),
        notes: eval.notes,
        sampled_at_us: sample.at_us,
        error: None,
    }
}

fn described(g: &GroupInfo) -> Described {
    let members = g
        .members()
        .iter()
        .map(|m| {
            let member = Member {
                member_id: m.id().to_owned(),
                client_id: m.client_id().to_owned(),
                host: m.client_host().to_owned(),
            };
            let assigned = m
                .assignment()
                .and_then(assignment::parse)
                .unwrap_or_default();
            (member, assigned)
        })
        .collect();
    Described {
        state: g.state().to_owned(),
        members,
    }
}

/// `Unknown` when groups are not described, `Dead` when described but not listed.
fn group_state(info: Option<Option<&Described>>) -> String {
    match info {
        None => "Unknown".into(),
        Some(None) => "Dead".into(),
        Some(Some(d)) => d.state.clone(),
    }
}

fn owners(info: Option<&Described>) -> HashMap<&Tp, &Member> {
    let mut owners = HashMap::new();
    for (member, assigned) in info.map(|d| d.members.as_slice()).unwrap_or_default() {
        for tp in assigned {
            owners.insert(tp, member);
        }
    }
    owners
}

fn ownership(
    info: Option<Option<&Described>>,
    owners: &HashMap<&Tp, &Member>,
    tp: &Tp,
) -> (Ownership, Option<Member>) {
    match (info, owners.get(tp)) {
        (None, _) => (Ownership::Unknown, None),
        (Some(_), Some(member)) => (Ownership::Owned, Some((*member).clone())),
        (Some(_), None) => (Ownership::Unowned, None),
    }
}

/// A group's rows: every partition of a topic it committed to or was assigned, so a
/// partition without a commit (a new one, say) is listed with "-".
fn group_partitions(
    commits: &Commits,
    info: Option<&Described>,
    topics: &BTreeMap<String, Vec<i32>>,
) -> Vec<Tp> {
    let mut group_topics: BTreeSet<&str> = commits
        .iter()
        .filter(|(_, c)| c.is_some())
        .map(|((t, _), _)| t.as_str())
        .collect();
    for (_, assigned) in info.map(|d| d.members.as_slice()).unwrap_or_default() {
        group_topics.extend(assigned.iter().map(|(t, _)| t.as_str()));
    }
    group_topics
        .into_iter()
        .filter_map(|t| topics.get_key_value(t))
        .flat_map(|(t, parts)| parts.iter().map(|p| (t.clone(), *p)))
        .collect()
}

/// Partitions any group needs watermarks for.
fn wanted_partitions(
    commits: &[GroupCommits],
    described: Option<&HashMap<String, Described>>,
    topics: &BTreeMap<String, Vec<i32>>,
) -> BTreeSet<Tp> {
    let mut wanted = BTreeSet::new();
    for (name, commit) in commits {
        let Ok(commit) = commit else { continue };
        let info = described.and_then(|d| d.get(name));
        wanted.extend(group_partitions(commit, info, topics));
    }
    wanted
}

fn tpl(partitions: &BTreeSet<Tp>, offset: Offset) -> Result<TopicPartitionList, KafkaError> {
    let mut list = TopicPartitionList::with_capacity(partitions.len());
    for (topic, partition) in partitions {
        list.add_partition_offset(topic, *partition, offset)?;
    }
    Ok(list)
}

/// Worst status first, then the biggest lag, then the name.
fn sort_groups(groups: &mut [GroupLag]) {
    groups.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then(b.total_lag.cmp(&a.total_lag))
            .then(a.name.cmp(&b.name))
    });
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
