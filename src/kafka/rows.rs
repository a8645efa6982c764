//! Turns what one refresh read into a group's rows: each partition's sample goes into its
//! window, the evaluator judges the window, and the row carries the verdict and its reason.

use std::collections::{BTreeSet, HashMap};

use crate::clock::Micros;
use crate::kafka::assignment::Described;
use crate::kafka::clients::Commits;
use crate::kafka::collector::{Topics, Tp};
use crate::kafka::lag::{GroupLag, LagSnapshot, Member, PartitionLag};
use crate::kafka::marks::Marks;
use crate::kafka::probe::Probe;
use crate::kafka::status::{self, Context, Ownership, Sample, Status, Window};

/// What one refresh read, shared by the rows of every group.
pub struct Reading<'a> {
    pub topics: &'a Topics,
    pub marks: &'a HashMap<Tp, Marks>,
    /// `None` when the broker does not describe groups.
    pub described: Option<&'a HashMap<String, Described>>,
    pub now: Micros,
}

impl Reading<'_> {
    /// `None`: groups are not described; `Some(None)`: described but not listed.
    fn info(&self, group: &str) -> Option<Option<&Described>> {
        self.described.map(|d| d.get(group))
    }
}

/// A partition's window and the refresh that last touched it.
struct Tracked {
    window: Window,
    cycle: u64,
}

/// The sample windows of every (group, partition) row, and the probe for marker tails.
pub struct History {
    /// Invariant: after [`History::finish`], only rows touched by the last refresh.
    windows: HashMap<(String, Tp), Tracked>,
    probe: Probe,
    cycle: u64,
}

impl History {
    pub fn new(probe: Probe) -> Self {
        Self {
            windows: HashMap::new(),
            probe,
            cycle: 0,
        }
    }

    /// Starts a refresh: rows not touched before [`History::finish`] are forgotten.
    pub fn start(&mut self) {
        self.cycle += 1;
    }

    /// Drops the windows of rows the refresh did not touch (a deleted topic, a group gone).
    pub fn finish(&mut self) {
        let cycle = self.cycle;
        self.windows.retain(|_, t| t.cycle == cycle);
    }

    /// Rows tracked now.
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    /// The rows of a group whose commits were read.
    pub fn group(&mut self, name: &str, commits: &Commits, reading: &Reading) -> GroupLag {
        let info = reading.info(name);
        let owners = info.flatten().map(Described::owners).unwrap_or_default();
        let mut partitions = Vec::new();
        for tp in group_partitions(commits, info.flatten(), reading.topics) {
            let committed = commits.get(&tp).copied().flatten();
            let owner = ownership(info, &owners, &tp);
            let key = (name.to_owned(), tp);
            let row = match reading.marks.get(&key.1) {
                Some(m) => self.sample_row(key, committed, *m, owner, reading.now),
                None => {
                    let error = "no watermark for this partition";
                    self.failed_row(key, committed, error, reading.now)
                }
            };
            partitions.push(row);
        }
        partitions.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        let members: Vec<Member> = info.flatten().map_or_else(Vec::new, |d| {
            d.members.iter().map(|m| m.0.clone()).collect()
        });
        let any_commit = commits.values().any(Option::is_some);
        let statuses = partitions.iter().map(|p| p.status);
        let (status, reason) = status::judge_group(statuses, any_commit, members.len());
        GroupLag {
            name: name.to_owned(),
            state: group_state(info),
            status,
            reason,
            total_lag: partitions.iter().map(|p| p.lag).sum(),
            members,
            partitions,
            sampled_at_us: reading.now,
            error: None,
        }
    }

    /// The previous rows of a group that could not be read, marked stale; their windows
    /// are kept for when the group can be read again.
    pub fn stale_group(&mut self, last: &LagSnapshot, name: &str, error: String) -> GroupLag {
        tracing::debug!(group = name, %error, "committed offsets not read");
        let mut group = last.group(name).cloned().unwrap_or_else(|| GroupLag {
            name: name.to_owned(),
            state: "Unknown".into(),
            status: Status::Err,
            reason: None,
            total_lag: 0,
            members: Vec::new(),
            partitions: Vec::new(),
            sampled_at_us: 0,
            error: None,
        });
        for p in &group.partitions {
            let key = (name.to_owned(), (p.topic.clone(), p.partition));
            if let Some(tracked) = self.windows.get_mut(&key) {
                tracked.cycle = self.cycle;
            }
        }
        group.status = Status::Err;
        group.error = Some(error);
        group
    }

    /// The window of `key`, marked as touched by this refresh.
    fn tracked(&mut self, key: (String, Tp)) -> &mut Window {
        let cycle = self.cycle;
        let tracked = self.windows.entry(key).or_insert_with(|| Tracked {
            window: Window::default(),
            cycle,
        });
        tracked.cycle = cycle;
        &mut tracked.window
    }

    /// Pushes a sample into the partition's window and judges it.
    fn sample_row(
        &mut self,
        key: (String, Tp),
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
        let tail_is_control = self.probe.tail_is_control(&key.1, &sample);
        let ctx = Context {
            ownership: owner.0,
            tail_is_control,
            error: None,
        };
        let tp = key.1.clone();
        let window = self.tracked(key);
        window.push(sample);
        row(&tp, &sample, window, &ctx, owner.1, now)
    }

    /// A row whose offsets could not be read this time: the last sample, marked ERR.
    fn failed_row(
        &mut self,
        key: (String, Tp),
        committed: Option<i64>,
        error: &str,
        now: Micros,
    ) -> PartitionLag {
        let tp = key.1.clone();
        let window = self.tracked(key);
        let sample = window.latest().copied().unwrap_or(Sample {
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
        let mut row = row(&tp, &sample, window, &ctx, None, sample.at_us);
        row.error = Some(error.to_owned());
        row
    }
}

/// Judges a partition and turns it into a row.
fn row(
    tp: &Tp,
    sample: &Sample,
    window: &Window,
    ctx: &Context<'_>,
    owner: Option<Member>,
    now: Micros,
) -> PartitionLag {
    let eval = status::evaluate(window, ctx, now);
    PartitionLag {
        topic: tp.0.clone(),
        partition: tp.1,
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

/// Who owns `tp`: unknown when groups are not described, or when no member is seen to
/// own it but some member's assignment could not be read.
fn ownership(
    info: Option<Option<&Described>>,
    owners: &HashMap<&Tp, &Member>,
    tp: &Tp,
) -> (Ownership, Option<Member>) {
    match (info, owners.get(tp)) {
        (None, _) => (Ownership::Unknown, None),
        (Some(_), Some(member)) => (Ownership::Owned, Some((*member).clone())),
        (Some(Some(d)), None) if !d.assignments_known => (Ownership::Unknown, None),
        (Some(_), None) => (Ownership::Unowned, None),
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

/// A group's rows: every partition of a topic it committed to or was assigned, so a
/// partition without a commit (a new one, say) is listed with "-".
pub fn group_partitions(commits: &Commits, info: Option<&Described>, topics: &Topics) -> Vec<Tp> {
    let mut group_topics: BTreeSet<&str> = commits
        .iter()
        .filter(|(_, c)| c.is_some())
        .map(|((t, _), _)| t.as_str())
        .collect();
    group_topics.extend(info.into_iter().flat_map(Described::topics));
    group_topics
        .into_iter()
        .filter_map(|t| topics.get_key_value(t))
        .flat_map(|(t, parts)| parts.iter().map(|p| (t.clone(), *p)))
        .collect()
}

/// Worst status first, then the biggest lag, then the name.
pub fn sort_groups(groups: &mut [GroupLag]) {
    groups.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then(b.total_lag.cmp(&a.total_lag))
            .then(a.name.cmp(&b.name))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str) -> Member {
        Member {
            member_id: id.into(),
            client_id: "worker".into(),
            host: "/10.0.0.7".into(),
        }
    }

    #[test]
    fn ownership_names_the_owner_and_does_not_guess_without_assignments() {
        let tp = |p| ("orders".to_owned(), p);
        let described = Described {
            state: "Stable".into(),
            members: vec![(member("m-1"), vec![tp(0)])],
            assignments_known: true,
        };
        let owners = described.owners();
        let info = Some(Some(&described));
        assert_eq!(
            ownership(info, &owners, &tp(0)),
            (Ownership::Owned, Some(member("m-1")))
        );
        assert_eq!(ownership(info, &owners, &tp(1)), (Ownership::Unowned, None));
        assert_eq!(ownership(None, &owners, &tp(1)), (Ownership::Unknown, None));

        let blind = Described {
            assignments_known: false,
            ..described.clone()
        };
        let info = Some(Some(&blind));
        assert_eq!(ownership(info, &owners, &tp(1)), (Ownership::Unknown, None));
    }
}
