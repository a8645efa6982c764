//! One observer client per watched group, so OffsetFetch runs under that group's id; the
//! set is bounded and closes the least recently used client beyond its limit.
//!
//! The clients never subscribe and never commit, so the watched group never sees them join.

use std::collections::{BTreeMap, HashMap};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::{Offset, TopicPartitionList};

use crate::kafka::collector::Tp;
use crate::kafka::LagConfig;

/// Clients keyed by group id, each with the refresh count of its last use.
pub struct GroupClients {
    limit: usize,
    uses: u64,
    /// Invariant: never more than `limit` entries.
    clients: HashMap<String, (BaseConsumer, u64)>,
}

impl GroupClients {
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            uses: 0,
            clients: HashMap::new(),
        }
    }

    /// The committed offset of every partition of `topics` for `group` (`None`: no commit).
    pub fn committed(
        &mut self,
        config: &LagConfig,
        group: &str,
        topics: &BTreeMap<String, Vec<i32>>,
    ) -> Result<BTreeMap<Tp, Option<i64>>, KafkaError> {
        let mut list = TopicPartitionList::new();
        for (topic, partitions) in topics {
            for p in partitions {
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

    fn client(&mut self, config: &LagConfig, group: &str) -> Result<&BaseConsumer, KafkaError> {
        self.uses += 1;
        if !self.clients.contains_key(group) {
            self.evict_to(self.limit - 1);
            let client: BaseConsumer = config.client_config().set("group.id", group).create()?;
            self.clients.insert(group.to_owned(), (client, self.uses));
        }
        let entry = self
            .clients
            .get_mut(group)
            .ok_or(KafkaError::NoMessageReceived)?;
        entry.1 = self.uses;
        Ok(&entry.0)
    }

    /// Closes the least recently used clients until at most `keep` remain.
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
