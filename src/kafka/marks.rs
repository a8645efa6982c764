//! Log start, high watermark and last stable offset of many partitions at once: three
//! batched ListOffsets calls (librdkafka sends one request per leader broker for each), run
//! side by side, each with the request deadline.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::{Offset, TopicPartitionList};

use crate::kafka::collector::Tp;

/// Offsets of one partition.
#[derive(Debug, Clone, Copy)]
pub struct Marks {
    pub log_start: i64,
    pub high_watermark: i64,
    pub last_stable: i64,
}

/// Reads the marks of every `wanted` partition. `meta` reads read_uncommitted (log start,
/// high watermark), `stable` read_committed (last stable offset). A partition the broker
/// answered with an error is left out; its rows say so.
pub fn read<C: ConsumerContext>(
    meta: &BaseConsumer<C>,
    stable: &BaseConsumer<C>,
    wanted: &BTreeSet<Tp>,
    timeout: Duration,
) -> Result<HashMap<Tp, Marks>, KafkaError> {
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let (starts, highs, stables) = std::thread::scope(|scope| {
        let starts = scope.spawn(|| list_offsets(meta, wanted, Offset::Beginning, timeout));
        let stables = scope.spawn(|| list_offsets(stable, wanted, Offset::End, timeout));
        let highs = list_offsets(meta, wanted, Offset::End, timeout);
        (join(starts), highs, join(stables))
    });
    let (starts, highs, stables) = (starts?, highs?, stables?);
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
        let tp = (topic.clone(), *partition);
        let m = Marks {
            log_start,
            high_watermark,
            last_stable,
        };
        marks.insert(tp, m);
    }
    Ok(marks)
}

fn list_offsets<C: ConsumerContext>(
    client: &BaseConsumer<C>,
    wanted: &BTreeSet<Tp>,
    offset: Offset,
    timeout: Duration,
) -> Result<TopicPartitionList, KafkaError> {
    let mut list = TopicPartitionList::with_capacity(wanted.len());
    for (topic, partition) in wanted {
        list.add_partition_offset(topic, *partition, offset)?;
    }
    client.offsets_for_times(list, timeout)
}

type Listed = Result<TopicPartitionList, KafkaError>;

/// A panicked ListOffsets thread reads as a failed call.
fn join(handle: std::thread::ScopedJoinHandle<'_, Listed>) -> Listed {
    handle.join().unwrap_or(Err(KafkaError::NoMessageReceived))
}
