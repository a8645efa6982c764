//! Tells a tail of transaction markers from real records: a read_committed consumer without
//! a group reads from the committed offset; reaching the end of the partition before any
//! record means only control records (markers, aborted data) are left.
//!
//! Probed only for rows a few records behind whose committed offset and high watermark did
//! not change since the last probe; the answer is cached per (committed, high watermark).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::{Message, Offset, TopicPartitionList};

use crate::kafka::collector::Tp;
use crate::kafka::status::Sample;
use crate::kafka::LagConfig;

/// Rows further behind than this are never probed: markers come one per transaction.
const MAX_PROBED_LAG: u64 = 3;

/// Answers kept; beyond that the cache is cleared (it refills in one refresh).
const MAX_CACHED: usize = 10_000;

pub struct Probe {
    consumer: BaseConsumer,
    /// How long one probe may read.
    timeout: Duration,
    /// (partition) -> (committed, high watermark, answer).
    cache: HashMap<Tp, (i64, i64, bool)>,
}

impl Probe {
    pub fn new(config: &LagConfig) -> Result<Self, KafkaError> {
        let consumer = config
            .client_config()
            .set("group.id", "verdict-lag-probe")
            .set("isolation.level", "read_committed")
            .set("enable.partition.eof", "true")
            .create()?;
        Ok(Self {
            consumer,
            timeout: config.request_timeout,
            cache: HashMap::new(),
        })
    }

    /// `Some(true)` when only control records lie between the commit and the watermark.
    pub fn tail_is_control(&mut self, tp: &Tp, s: &Sample) -> Option<bool> {
        let committed = s.committed?;
        let lag = s.lag();
        if lag == 0 || lag > MAX_PROBED_LAG || s.last_stable < s.high_watermark {
            return None;
        }
        if let Some((c, hw, answer)) = self.cache.get(tp) {
            if (*c, *hw) == (committed, s.high_watermark) {
                return Some(*answer);
            }
        }
        let answer = self.read_tail(tp, committed, s.high_watermark, self.timeout)?;
        if self.cache.len() >= MAX_CACHED {
            self.cache.clear();
        }
        self.cache
            .insert(tp.clone(), (committed, s.high_watermark, answer));
        Some(answer)
    }

    /// Reads from `from`: a record below `high` is real data, end of partition means none.
    fn read_tail(&self, tp: &Tp, from: i64, high: i64, timeout: Duration) -> Option<bool> {
        let mut list = TopicPartitionList::new();
        list.add_partition_offset(&tp.0, tp.1, Offset::Offset(from))
            .ok()?;
        self.consumer.assign(&list).ok()?;
        let deadline = Instant::now() + timeout;
        let mut answer = None;
        while answer.is_none() && Instant::now() < deadline {
            answer = match self.consumer.poll(Duration::from_millis(50)) {
                Some(Ok(m)) if m.offset() < high => Some(false),
                Some(Err(KafkaError::PartitionEOF(_))) => Some(true),
                _ => None,
            };
        }
        let _ = self.consumer.unassign();
        answer
    }
}
