//! Committed offsets of every watched group: several groups at a time, each asked only for
//! the topics it is known to consume.
//!
//! A group's topics are those it was assigned (when the broker describes groups) and those
//! it had commits on at its last read. A group is asked about every topic when nothing is
//! known of it yet, and once every [`LagConfig::rediscover_every`] refreshes (staggered
//! across groups), so a topic it starts consuming shows up within that many refreshes even
//! where the broker does not describe groups.
//!
//! Reads run on at most [`LagConfig::max_in_flight`] scoped threads; each is one blocking
//! OffsetFetch with the request deadline. After [`MAX_TIMEOUTS_PER_REFRESH`] timeouts the
//! groups not yet read are skipped for this refresh, so a dead coordinator costs about two
//! deadlines, not one per group.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};

use crate::kafka::assignment::Described;
use crate::kafka::clients::{Commits, GroupClients};
use crate::kafka::collector::Topics;
use crate::kafka::LagConfig;

/// A group's commits, or why they could not be read.
pub type GroupCommits = (String, Result<Commits, String>);

/// Commit reads that may time out before the rest of the refresh's reads are skipped.
pub const MAX_TIMEOUTS_PER_REFRESH: usize = 2;

/// Reads commits and remembers which topics each group consumes.
pub struct CommitReader {
    clients: GroupClients,
    /// Topics each group had commits on or was assigned at its last successful read.
    /// Invariant: only groups watched at the last refresh.
    known: HashMap<String, BTreeSet<String>>,
    /// Refreshes so far; staggers the full reads.
    cycle: u64,
}

/// One group's read: its name and the partitions to ask about.
struct Job<'a> {
    name: &'a str,
    scope: BTreeMap<&'a str, &'a [i32]>,
}

impl CommitReader {
    pub fn new(config: &LagConfig) -> Self {
        Self {
            clients: GroupClients::new(config.max_group_clients),
            known: HashMap::new(),
            cycle: 0,
        }
    }

    /// Group clients open now.
    pub fn open_clients(&self) -> usize {
        self.clients.len()
    }

    /// The commits of every group in `names`, in that order.
    pub fn read(
        &mut self,
        config: &LagConfig,
        names: &[String],
        topics: &Topics,
        described: Option<&HashMap<String, Described>>,
    ) -> Vec<GroupCommits> {
        self.cycle += 1;
        let jobs: Vec<Job> = names
            .iter()
            .enumerate()
            .map(|(i, name)| Job {
                name,
                scope: self.scope(config, i, name, topics, described),
            })
            .collect();
        let results = run_jobs(&self.clients, config, &jobs);
        drop(jobs);
        self.remember(&results, described);
        results
    }

    /// The topics to ask `name` about this refresh.
    fn scope<'a>(
        &self,
        config: &LagConfig,
        index: usize,
        name: &str,
        topics: &'a Topics,
        described: Option<&HashMap<String, Described>>,
    ) -> BTreeMap<&'a str, &'a [i32]> {
        let known = self.known.get(name).filter(|k| !k.is_empty());
        let every = config.rediscover_every.max(1);
        let due = (self.cycle + index as u64).is_multiple_of(every);
        let all = || {
            topics
                .iter()
                .map(|(t, p)| (t.as_str(), p.as_slice()))
                .collect()
        };
        let Some(known) = known.filter(|_| !due) else {
            return all();
        };
        let assigned = described
            .and_then(|d| d.get(name))
            .into_iter()
            .flat_map(Described::topics);
        known
            .iter()
            .map(String::as_str)
            .chain(assigned)
            .filter_map(|t| topics.get_key_value(t))
            .map(|(t, p)| (t.as_str(), p.as_slice()))
            .collect()
    }

    /// Records the topics each group was seen on; forgets groups no longer watched.
    fn remember(
        &mut self,
        results: &[GroupCommits],
        described: Option<&HashMap<String, Described>>,
    ) {
        let watched: BTreeSet<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
        self.known.retain(|name, _| watched.contains(name.as_str()));
        for (name, result) in results {
            let Ok(commits) = result else { continue };
            let mut topics: BTreeSet<String> = BTreeSet::new();
            for ((topic, _), offset) in commits {
                if offset.is_some() && !topics.contains(topic) {
                    topics.insert(topic.clone());
                }
            }
            if let Some(d) = described.and_then(|d| d.get(name)) {
                topics.extend(d.topics().map(str::to_owned));
            }
            self.known.insert(name.clone(), topics);
        }
    }
}

/// Runs the jobs on up to `max_in_flight` threads; results come back in job order.
fn run_jobs(clients: &GroupClients, config: &LagConfig, jobs: &[Job]) -> Vec<GroupCommits> {
    let next = AtomicUsize::new(0);
    let timeouts = AtomicUsize::new(0);
    let workers = config.max_in_flight.clamp(1, jobs.len().max(1));
    let mut slots: Vec<Option<Result<Commits, String>>> = vec![None; jobs.len()];
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| scope.spawn(|| worker(clients, config, jobs, &next, &timeouts)))
            .collect();
        for handle in handles {
            // A worker that panicked leaves its groups unread; they are reported below.
            for (i, result) in handle.join().unwrap_or_default() {
                slots[i] = Some(result);
            }
        }
    });
    jobs.iter()
        .zip(slots)
        .map(|(job, slot)| {
            let result = slot.unwrap_or_else(|| Err("the commit reader failed".into()));
            (job.name.to_owned(), result)
        })
        .collect()
}

/// Takes jobs until none are left; skips them once too many reads timed out.
fn worker(
    clients: &GroupClients,
    config: &LagConfig,
    jobs: &[Job],
    next: &AtomicUsize,
    timeouts: &AtomicUsize,
) -> Vec<(usize, Result<Commits, String>)> {
    let mut done = Vec::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(i) else {
            return done;
        };
        if timeouts.load(Ordering::Relaxed) >= MAX_TIMEOUTS_PER_REFRESH {
            done.push((
                i,
                Err("skipped: the broker timed out on other groups".into()),
            ));
            continue;
        }
        let result = clients.committed(config, job.name, &job.scope);
        if matches!(
            &result,
            Err(KafkaError::OffsetFetch(RDKafkaErrorCode::OperationTimedOut))
        ) {
            timeouts.fetch_add(1, Ordering::Relaxed);
        }
        done.push((i, result.map_err(|e| e.to_string())));
    }
}
