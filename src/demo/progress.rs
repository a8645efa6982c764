//! What the demo workload has done so far, counted by its tasks and read as a snapshot.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::Notify;

use super::stream::Kind;

/// A snapshot of the workload's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Messages the broker acknowledged.
    pub produced: u64,
    /// Of those, requests never sent before (new idempotency keys).
    pub produced_new: u64,
    /// Of those, identical redeliveries (same event id, same payload).
    pub redelivered_identical: u64,
    /// Of those, redeliveries re-emitted under a new event id.
    pub redelivered_new_id: u64,
    /// Of those, redeliveries whose payload changed under the same key.
    pub redelivered_changed: u64,
    /// True once every partition is assigned to an agent and every agent has a partition;
    /// the producer waits for it, so the first events do not meet a group still rebalancing.
    pub group_ready: bool,
    /// True once the producer sent its last message (`max_events` reached).
    pub producer_done: bool,
    /// Messages an agent passed through the gate and committed; a message consumed twice
    /// after a rebalance counts twice.
    pub processed: u64,
    /// Deliveries the model decided.
    pub decided: u64,
    /// Deliveries answered from the dedup window.
    pub duplicate_hits: u64,
    /// Duplicate hits whose payload differed from the original's.
    pub mismatched: u64,
    /// Gate calls that failed and were retried.
    pub retries: u64,
    /// Messages produced but not yet processed, summed over partitions.
    pub backlog: u64,
    /// Saga steps the worker recorded (done or failed).
    pub saga_steps: u64,
    /// Compensations the worker ran (succeeded or failed).
    pub compensations: u64,
}

impl Progress {
    /// True when the producer is done and every message it sent has been processed.
    pub fn drained(&self) -> bool {
        self.producer_done && self.backlog == 0
    }
}

/// Next offset per partition: one past the last message produced or processed.
#[derive(Debug, Default)]
struct Positions {
    produced: HashMap<i32, i64>,
    processed: HashMap<i32, i64>,
}

impl Positions {
    fn backlog(&self) -> u64 {
        let behind =
            |(p, end): (&i32, &i64)| (end - self.processed.get(p).copied().unwrap_or(0)).max(0);
        self.produced.iter().map(behind).sum::<i64>().unsigned_abs()
    }
}

/// The live counters, shared by the producer, the agents and the saga worker.
#[derive(Debug, Default)]
pub(super) struct Counters {
    produced_new: AtomicU64,
    identical: AtomicU64,
    new_id: AtomicU64,
    changed: AtomicU64,
    producer_done: AtomicBool,
    /// Partitions assigned to each agent, by agent name, as the agents last saw it.
    assignments: Mutex<HashMap<String, usize>>,
    /// How many agents and partitions make a formed group.
    expected: Mutex<(usize, usize)>,
    processed: AtomicU64,
    decided: AtomicU64,
    duplicate_hits: AtomicU64,
    mismatched: AtomicU64,
    retries: AtomicU64,
    saga_steps: AtomicU64,
    compensations: AtomicU64,
    positions: Mutex<Positions>,
    /// Woken after every change a waiter may be waiting for.
    pub(super) changed_notify: Notify,
}

/// What the gate did with a message, as the counters record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Handled {
    Decided,
    Duplicate { payload_matched: bool },
}

impl Counters {
    pub(super) fn produced(&self, kind: Kind, partition: i32, offset: i64) {
        let counter = match kind {
            Kind::New => &self.produced_new,
            Kind::Identical => &self.identical,
            Kind::NewEventId => &self.new_id,
            Kind::ChangedPayload => &self.changed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.advance(|p| &mut p.produced, partition, offset);
    }

    /// Sets the shape of a formed group: `agents` members sharing `partitions` partitions.
    pub(super) fn expect_group(&self, agents: usize, partitions: usize) {
        *self.expected.lock().unwrap_or_else(|e| e.into_inner()) = (agents, partitions);
    }

    /// Records how many partitions `agent` holds now.
    pub(super) fn assigned(&self, agent: &str, partitions: usize) {
        let mut assignments = self.assignments.lock().unwrap_or_else(|e| e.into_inner());
        if assignments.insert(agent.to_owned(), partitions) != Some(partitions) {
            tracing::info!(agent, partitions, "partition assignment changed");
            drop(assignments);
            self.changed_notify.notify_waiters();
        }
    }

    fn group_ready(&self) -> bool {
        let (agents, partitions) = *self.expected.lock().unwrap_or_else(|e| e.into_inner());
        let assignments = self.assignments.lock().unwrap_or_else(|e| e.into_inner());
        let members = assignments.values().filter(|n| **n > 0).count();
        let assigned: usize = assignments.values().sum();
        members == agents.min(partitions) && assigned == partitions
    }

    pub(super) fn producer_done(&self) {
        self.producer_done.store(true, Ordering::Relaxed);
        self.changed_notify.notify_waiters();
    }

    pub(super) fn processed(&self, handled: Handled, partition: i32, offset: i64) {
        self.processed.fetch_add(1, Ordering::Relaxed);
        match handled {
            Handled::Decided => self.decided.fetch_add(1, Ordering::Relaxed),
            Handled::Duplicate { payload_matched } => {
                if !payload_matched {
                    self.mismatched.fetch_add(1, Ordering::Relaxed);
                }
                self.duplicate_hits.fetch_add(1, Ordering::Relaxed)
            }
        };
        self.advance(|p| &mut p.processed, partition, offset);
        self.changed_notify.notify_waiters();
    }

    /// A message no agent could read: passed over, so it is not backlog any more.
    pub(super) fn skipped(&self, partition: i32, offset: i64) {
        self.advance(|p| &mut p.processed, partition, offset);
        self.changed_notify.notify_waiters();
    }

    pub(super) fn retried(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn saga_step(&self) {
        self.saga_steps.fetch_add(1, Ordering::Relaxed);
        self.changed_notify.notify_waiters();
    }

    pub(super) fn compensation(&self) {
        self.compensations.fetch_add(1, Ordering::Relaxed);
        self.changed_notify.notify_waiters();
    }

    /// Moves a partition's next offset forward, never back.
    fn advance(
        &self,
        side: fn(&mut Positions) -> &mut HashMap<i32, i64>,
        partition: i32,
        offset: i64,
    ) {
        let mut positions = self.positions.lock().unwrap_or_else(|e| e.into_inner());
        let next = side(&mut positions).entry(partition).or_insert(0);
        *next = (*next).max(offset + 1);
    }

    pub(super) fn snapshot(&self) -> Progress {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let (identical, new_id, changed) = (
            load(&self.identical),
            load(&self.new_id),
            load(&self.changed),
        );
        let produced_new = load(&self.produced_new);
        let backlog = self
            .positions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .backlog();
        Progress {
            produced: produced_new + identical + new_id + changed,
            produced_new,
            redelivered_identical: identical,
            redelivered_new_id: new_id,
            redelivered_changed: changed,
            group_ready: self.group_ready(),
            producer_done: self.producer_done.load(Ordering::Relaxed),
            processed: load(&self.processed),
            decided: load(&self.decided),
            duplicate_hits: load(&self.duplicate_hits),
            mismatched: load(&self.mismatched),
            retries: load(&self.retries),
            backlog,
            saga_steps: load(&self.saga_steps),
            compensations: load(&self.compensations),
        }
    }
}
