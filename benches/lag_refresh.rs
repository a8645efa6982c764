//! One lag refresh over 200 consumer groups and 2,000 partitions on librdkafka's mock
//! cluster: time per refresh, and resident memory before and after many refreshes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use verdict::clock::SystemClock;
use verdict::kafka::collector::Collector;
use verdict::kafka::LagConfig;

const TOPICS: usize = 20;
const PARTITIONS: i32 = 100;
const GROUPS: usize = 200;
const REFRESHES: usize = 50;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cluster = MockCluster::new(3)?;
    let brokers = cluster.bootstrap_servers();
    for t in 0..TOPICS {
        cluster.create_topic(&format!("topic-{t}"), PARTITIONS, 1)?;
    }
    // Each group commits to one topic, so every partition is watched by ten groups.
    for g in 0..GROUPS {
        commit_group(
            &brokers,
            &format!("group-{g}"),
            &format!("topic-{}", g % TOPICS),
        )?;
    }

    let mut config = LagConfig::for_brokers(&brokers);
    config.groups = (0..GROUPS).map(|g| format!("group-{g}")).collect();
    config.list_groups = false;
    config.request_timeout = Duration::from_secs(10);
    let mut collector = Collector::new(config, Arc::new(SystemClock))?;

    let first = Instant::now();
    let snapshot = collector.refresh();
    let cold = first.elapsed();
    let rows: usize = snapshot.groups.iter().map(|g| g.partitions.len()).sum();
    assert!(snapshot.error.is_none(), "{:?}", snapshot.error);
    let rss_before = rss_kib();

    let start = Instant::now();
    for _ in 0..REFRESHES {
        collector.refresh();
    }
    let warm = start.elapsed() / REFRESHES as u32;
    let rss_after = rss_kib();

    println!(
        "lag_refresh: {GROUPS} groups, {} partitions, {rows} rows",
        TOPICS * PARTITIONS as usize
    );
    println!("  first refresh (clients connect): {cold:?}");
    println!("  refresh, mean of {REFRESHES}: {warm:?}");
    println!(
        "  VmRSS after first refresh: {rss_before} KiB; after {REFRESHES} more: {rss_after} KiB"
    );
    Ok(())
}

fn commit_group(brokers: &str, group: &str, topic: &str) -> Result<(), Box<dyn std::error::Error>> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()?;
    let mut list = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        list.add_partition_offset(topic, p, Offset::Offset(0))?;
    }
    consumer.commit(&list, CommitMode::Sync)?;
    Ok(())
}

/// The process's resident set size from /proc/self/status, in KiB (0 where unavailable).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
