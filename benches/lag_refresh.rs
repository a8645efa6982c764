//! One lag refresh over 200 consumer groups and 2,000 partitions: time per refresh, where
//! it goes, and resident memory and threads over a long run.
//!
//! Runs against librdkafka's in-process mock cluster (3 brokers) by default, or against a
//! running broker named by `VERDICT_BENCH_BROKERS` (e.g. tansu; its topics are created
//! with unique names). `VERDICT_BENCH_REFRESHES` sets the length of the run (default 300).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use verdict::clock::SystemClock;
use verdict::kafka::collector::{Collector, RefreshStats};
use verdict::kafka::LagConfig;

const TOPICS: usize = 20;
const PARTITIONS: i32 = 100;
const GROUPS: usize = 200;
/// Refreshes between two lines of the memory series.
const REPORT_EVERY: usize = 25;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BenchResult<()> {
    // `cargo test --all-targets` runs bench targets too, without `--bench`: then a few
    // refreshes check the bench still works; `cargo bench` runs the long series.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let refreshes: usize = std::env::var("VERDICT_BENCH_REFRESHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if smoke { 3 } else { 300 });
    let external = std::env::var("VERDICT_BENCH_BROKERS").ok();
    let (cluster, brokers, prefix) = match external {
        Some(brokers) => (None, brokers, format!("bench-{}", std::process::id())),
        None => {
            let cluster = MockCluster::new(3)?;
            let brokers = cluster.bootstrap_servers();
            (Some(cluster), brokers, "bench".to_owned())
        }
    };
    let broker_kind = if cluster.is_some() {
        "mock cluster, 3 brokers"
    } else {
        &brokers
    };
    setup(&brokers, &prefix, cluster.as_ref())?;
    println!(
        "lag_refresh against {broker_kind}: {GROUPS} groups, {TOPICS} topics x {PARTITIONS} \
         partitions = {} partitions",
        TOPICS * PARTITIONS as usize
    );
    run(collector(&brokers, &prefix)?, refreshes)
}

/// Topics, and one commit per group: each group commits to one topic, so every partition
/// is watched by ten groups.
fn setup(
    brokers: &str,
    prefix: &str,
    cluster: Option<&MockCluster<'_, rdkafka::producer::DefaultProducerContext>>,
) -> BenchResult<()> {
    let names: Vec<String> = (0..TOPICS).map(|t| format!("{prefix}-topic-{t}")).collect();
    match cluster {
        Some(cluster) => {
            for name in &names {
                cluster.create_topic(name, PARTITIONS, 1)?;
            }
        }
        None => create_topics(brokers, &names)?,
    }
    for g in 0..GROUPS {
        commit_group(brokers, &format!("{prefix}-group-{g}"), &names[g % TOPICS])?;
    }
    Ok(())
}

fn create_topics(brokers: &str, names: &[String]) -> BenchResult<()> {
    let admin: AdminClient<DefaultClientContext> = client(brokers).create()?;
    let topics: Vec<NewTopic> = names
        .iter()
        .map(|n| NewTopic::new(n, PARTITIONS, TopicReplication::Fixed(1)))
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    for result in futures::executor::block_on(admin.create_topics(&topics, &options))? {
        result.map_err(|(topic, e)| format!("create {topic}: {e}"))?;
    }
    Ok(())
}

fn commit_group(brokers: &str, group: &str, topic: &str) -> BenchResult<()> {
    let consumer: BaseConsumer = client(brokers)
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

fn client(brokers: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("log_level", "3");
    config
}

fn collector(brokers: &str, prefix: &str) -> BenchResult<Collector> {
    let mut config = LagConfig::for_brokers(brokers);
    config.groups = (0..GROUPS).map(|g| format!("{prefix}-group-{g}")).collect();
    config.list_groups = false;
    config.request_timeout = Duration::from_secs(10);
    Ok(Collector::new(config, Arc::new(SystemClock))?)
}

/// The first refresh, then `refreshes` more, with a line of memory every [`REPORT_EVERY`].
fn run(mut collector: Collector, refreshes: usize) -> BenchResult<()> {
    let first = Instant::now();
    let snapshot = collector.refresh();
    let cold = first.elapsed();
    if let Some(error) = &snapshot.error {
        return Err(error.clone().into());
    }
    let rows: usize = snapshot.groups.iter().map(|g| g.partitions.len()).sum();
    println!(
        "  rows: {rows}; max in flight: {}",
        verdict::kafka::DEFAULT_MAX_IN_FLIGHT
    );
    println!(
        "  first refresh (clients connect): {cold:.2?}  [{}]",
        phases(&collector.stats())
    );
    println!(
        "  {:>9}  {:>12}  {:>10}  {:>7}  last refresh",
        "refreshes", "mean", "VmRSS KiB", "threads"
    );
    report(0, Duration::ZERO, &collector);

    let (mut batch, mut total, mut worst) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for n in 1..=refreshes {
        let start = Instant::now();
        let snapshot = collector.refresh();
        let took = start.elapsed();
        if let Some(error) = &snapshot.error {
            return Err(format!("refresh {n}: {error}").into());
        }
        (batch, total, worst) = (batch + took, total + took, worst.max(took));
        if n % REPORT_EVERY == 0 || n == refreshes {
            let size = (n - 1) % REPORT_EVERY + 1;
            report(n, batch / size as u32, &collector);
            batch = Duration::ZERO;
        }
    }
    let mean = total / refreshes.max(1) as u32;
    println!("  refresh over {refreshes}: mean {mean:.2?}, slowest {worst:.2?}");
    Ok(())
}

fn report(n: usize, mean: Duration, collector: &Collector) {
    let stats = collector.stats();
    println!(
        "  {n:>9}  {:>12}  {:>10}  {:>7}  [{}]",
        format!("{mean:.2?}"),
        proc_status("VmRSS:"),
        proc_status("Threads:"),
        phases(&stats)
    );
}

fn phases(s: &RefreshStats) -> String {
    format!(
        "metadata {:.0?}, commits {:.0?}, watermarks {:.0?}, rows {:.0?}; {} group clients, \
         {} windows",
        s.metadata, s.commits, s.watermarks, s.rows, s.group_clients, s.windows
    )
}

/// A number field of /proc/self/status (0 where unavailable).
fn proc_status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
