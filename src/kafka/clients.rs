//! One observer client per watched group, so OffsetFetch runs under that group's id; the
//! set is bounded and closes the least recently used client beyond its limit.
//!
//! The clients never subscribe and never commit, so the watched group never sees them join.
//! Several commit readers share one set: a client is handed out as an `Arc`, so a reader
//! holds the lock only to look a client up, never during a broker call.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::{Offset, TopicPartitionList};

use crate::kafka::collector::Tp;
use crate::kafka::LagConfig;

/// Committed offsets of one group (`None`: no commit on that partition).
pub type Commits = BTreeMap<Tp, Option<i64>>;

/// Clients keyed by group id, each with the use count of its last use.
pub struct GroupClients {
    limit: usize,
    inner: Mutex<Inner>,
}

struct Inner {
    uses: u64,
    /// Invariant: never more than `limit` entries.
    clients: HashMap<String, (Arc<BaseConsumer>, u64)>,
}

impl GroupClients {
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            inner: Mutex::new(Inner {
                uses: 0,
                clients: HashMap::new(),
            }),
        }
    }

    /// Clients open now.
    pub fn len(&self) -> usize {
        self.lock().clients.len()
    }

    /// The committed offset of every partition of `topics` for `group` (`None`: no commit).
    pub fn committed(
        &self,
        config: &LagConfig,
        group: &str,
        topics: &BTreeMap<&str, &[i32]>,
    ) -> Result<Commits, KafkaError> {
        let mut list = TopicPartitionList::new();
        for (topic, partitions) in topics {
            for p in *partitions {
                list.add_partition(topic, *p);
            }
        }
        if list.count() == 0 {
            return Ok(BTreeMap::new());
        }
        let client = self.client(config, group)?;
        let committed = client.committed_offsets(list, config.request_timeout)?;
        // Drain client events (errors, logs) so nothing piles up in its queue.
        let _ = client.poll(std::time::Duration::ZERO);
        Ok(committed
            .elements()
            .iter()
            .map(|e| {
                let offset = match e.offset() {
                    Offset::Offset(o) if o >= 0 => Some(o),
                    _ => None,
                };
                ((e.topic().to_owned(), e.partition()), offset)
            })
            .collect())
    }

    /// The group's client, created on first use.
    fn client(&self, config: &LagConfig, group: &str) -> Result<Arc<BaseConsumer>, KafkaError> {
        let mut inner = self.lock();
        inner.uses += 1;
        let now = inner.uses;
        if let Some((client, used)) = inner.clients.get_mut(group) {
            *used = now;
            return Ok(client.clone());
        }
        inner.evict_to(self.limit - 1);
        let client: Arc<BaseConsumer> = Arc::new(config.group_client_config(group).create()?);
        inner
            .clients
            .insert(group.to_owned(), (client.clone(), now));
        Ok(client)
    }

    /// A panic in another reader leaves the map consistent: keep using it.
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    /// Closes the least recently used clients until at most `keep` remain. A client still
    /// in use by a reader closes when that reader drops its `Arc`.
    fn evict_to(&mut self, keep: usize) {
        while self.clients.len() > keep {
            let Some(oldest) = self
                .clients
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                return;
            };
            self.clients.remove(&oldest);
        }
    }
}
