//! Shared helpers of the lag tests: brokers (mock cluster, tansu), producing records one per
//! batch at known offsets, committing a group's offsets from outside the tailer, and (in
//! [`cli`]) running the `verdict` binary.
#![allow(dead_code)]

pub mod cli;

use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use verdict::clock::ManualClock;
use verdict::kafka::collector::Collector;
use verdict::kafka::LagConfig;

pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The tansu broker the tests use; panics with how to start one when it is not set.
pub fn tansu() -> String {
    std::env::var("VERDICT_TEST_TANSU").unwrap_or_else(|_| {
        panic!(
            "VERDICT_TEST_TANSU is not set. Start tansu (see /work/HELPERS.md or \
             scripts/test.sh): `tansu broker --listener-url tcp://127.0.0.1:19092 \
             --advertised-listener-url tcp://127.0.0.1:19092 --storage-engine memory://tansu/` \
             and export VERDICT_TEST_TANSU=127.0.0.1:19092, or run scripts/test.sh"
        )
    })
}

/// A topic name no other test uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::now_v7().simple())
}

pub fn config(brokers: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", brokers);
    c
}

pub fn admin(brokers: &str) -> AdminClient<DefaultClientContext> {
    config(brokers).create().expect("admin client")
}

pub async fn create_topic(brokers: &str, topic: &str, partitions: i32) {
    let results = admin(brokers)
        .create_topics(
            &[NewTopic::new(topic, partitions, TopicReplication::Fixed(1))],
            &AdminOptions::new().operation_timeout(Some(TIMEOUT)),
        )
        .await
        .expect("create_topics");
    for r in results {
        r.expect("topic created");
    }
}

/// Produces `count` records to one partition, one record per batch (tansu 0.6.0 reports
/// the watermark of a multi-record batch wrongly): each send waits for its delivery.
pub async fn produce(brokers: &str, topic: &str, partition: i32, count: usize) {
    let producer: FutureProducer = config(brokers)
        .set("linger.ms", "0")
        .set("batch.num.messages", "1")
        .create()
        .expect("producer");
    for i in 0..count {
        let payload = format!("record {i}");
        let record = FutureRecord::<(), _>::to(topic)
            .partition(partition)
            .payload(&payload);
        producer
            .send(record, TIMEOUT)
            .await
            .map_err(|(e, _)| e)
            .expect("delivered");
    }
}

/// A producer writing one record per batch (see [`produce`]); with `transactional_id`,
/// its transactions are initialised.
pub fn txn_producer(brokers: &str, transactional_id: &str) -> FutureProducer {
    let producer: FutureProducer = config(brokers)
        .set("linger.ms", "0")
        .set("batch.num.messages", "1")
        .set("transactional.id", transactional_id)
        .create()
        .expect("producer");
    producer
        .init_transactions(TIMEOUT)
        .expect("init_transactions");
    producer
}

/// Sends `count` records to one partition, each delivered before the next is sent.
pub async fn send_each(producer: &FutureProducer, topic: &str, partition: i32, count: usize) {
    for i in 0..count {
        let payload = format!("record {i}");
        let record = FutureRecord::<(), _>::to(topic)
            .partition(partition)
            .payload(&payload);
        producer
            .send(record, TIMEOUT)
            .await
            .map_err(|(e, _)| e)
            .expect("delivered");
    }
}

/// Commits `offsets` for `group` from a separate consumer that never subscribes.
pub fn commit(brokers: &str, group: &str, offsets: &[(&str, i32, i64)]) {
    let consumer: BaseConsumer = config(brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("committer");
    let mut list = TopicPartitionList::new();
    for (topic, partition, offset) in offsets {
        list.add_partition_offset(topic, *partition, Offset::Offset(*offset))
            .expect("offset");
    }
    consumer.commit(&list, CommitMode::Sync).expect("commit");
}

/// A collector on `brokers` watching `groups`, with a manual clock.
pub fn collector(brokers: &str, groups: &[&str], list_groups: bool) -> (Collector, ManualClock) {
    let clock = ManualClock::new(1_700_000_000_000_000);
    let mut config = LagConfig::for_brokers(brokers);
    config.groups = groups.iter().map(|g| g.to_string()).collect();
    config.list_groups = list_groups;
    config.request_timeout = Duration::from_secs(5);
    let collector = Collector::new(config, Arc::new(clock.clone())).expect("collector");
    (collector, clock)
}
