//! Lag tailer against tansu, a separate Kafka-protocol broker that answers ListGroups and
//! DescribeGroups. Needs VERDICT_TEST_TANSU (scripts/test.sh sets it); fails without it.

mod lag_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lag_support::*;
use rdkafka::admin::AdminOptions;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::Producer;
use rdkafka::{Offset, TopicPartitionList};
use verdict::clock::ManualClock;
use verdict::kafka::collector::Collector;
use verdict::kafka::lag::SharedSnapshot;
use verdict::kafka::status::{Note, Ownership, Status};
use verdict::kafka::{tailer, LagConfig};

async fn refresh(collector: Collector) -> (Collector, SharedSnapshot) {
    tokio::task::spawn_blocking(move || {
        let mut collector = collector;
        let snapshot = collector.refresh();
        (collector, snapshot)
    })
    .await
    .expect("refresh")
}

/// Refreshes three times, 5 s apart on the clock: enough samples for STALL to be possible.
async fn three_refreshes(collector: Collector, clock: &ManualClock) -> SharedSnapshot {
    let (mut collector, _) = refresh(collector).await;
    for _ in 0..2 {
        clock.advance(5_000_000);
        collector = refresh(collector).await.0;
    }
    collector.last()
}

#[tokio::test]
async fn case4_commit_marker_left_unread_is_caught_up_not_stalled() {
    let brokers = tansu();
    let (topic, group) = (unique("settlements"), unique("ledger"));
    create_topic(&brokers, &topic, 1).await;
    // Records 0-99 in one transaction; its commit marker takes offset 100.
    let producer = txn_producer(&brokers, &unique("settlement-writer"));
    producer.begin_transaction().expect("begin");
    send_each(&producer, &topic, 0, 100).await;
    producer.commit_transaction(TIMEOUT).expect("commit");
    commit(&brokers, &group, &[(&topic, 0, 100)]);

    let (collector, clock) = collector(&brokers, &[&group], false);
    let snapshot = three_refreshes(collector, &clock).await;

    let p = &snapshot.group(&group).expect("group").partitions[0];
    assert_eq!(
        (p.committed, p.high_watermark, p.last_stable, p.lag),
        (Some(100), 101, 101, 1)
    );
    assert_eq!(p.notes, vec![Note::TransactionMarker]);
    assert_eq!(p.status, Status::Ok);
    assert_eq!(
        p.reason,
        "OK: caught up; only a transaction marker is left to read."
    );
}

#[tokio::test]
async fn case7_empty_group_shows_lag_state_and_unowned_partitions() {
    let brokers = tansu();
    let (topic, group) = (unique("payments"), unique("ledger"));
    create_topic(&brokers, &topic, 2).await;
    produce(&brokers, &topic, 0, 12).await;
    produce(&brokers, &topic, 1, 4).await;
    commit(&brokers, &group, &[(&topic, 0, 7), (&topic, 1, 4)]);

    // Listed by the broker, not configured.
    let (collector, _clock) = collector(&brokers, &[], true);
    let (_, snapshot) = refresh(collector).await;

    assert_eq!(snapshot.error, None);
    let g = snapshot.group(&group).expect("group listed by tansu");
    assert_eq!(g.state, "Empty");
    assert!(g.members.is_empty());
    let rows: Vec<_> = g
        .partitions
        .iter()
        .map(|p| (p.partition, p.committed, p.high_watermark, p.lag))
        .collect();
    assert_eq!(rows, vec![(0, Some(7), 12, 5), (1, Some(4), 4, 0)]);
    assert!(g
        .partitions
        .iter()
        .all(|p| p.ownership == Ownership::Unowned));
}

#[tokio::test]
async fn case8_deleted_topic_rows_disappear_on_the_next_refresh() {
    let brokers = tansu();
    let (kept, doomed, group) = (unique("kept"), unique("doomed"), unique("audit"));
    create_topic(&brokers, &kept, 1).await;
    create_topic(&brokers, &doomed, 1).await;
    produce(&brokers, &kept, 0, 3).await;
    produce(&brokers, &doomed, 0, 9).await;
    commit(&brokers, &group, &[(&kept, 0, 1), (&doomed, 0, 2)]);
    let (collector, _clock) = collector(&brokers, &[&group], false);
    let (collector, before) = refresh(collector).await;
    let topics = |s: &SharedSnapshot| -> Vec<String> {
        s.group(&group)
            .expect("group")
            .partitions
            .iter()
            .map(|p| p.topic.clone())
            .collect()
    };
    assert_eq!(topics(&before).len(), 2);

    let deleted = admin(&brokers)
        .delete_topics(
            &[&doomed],
            &AdminOptions::new().operation_timeout(Some(TIMEOUT)),
        )
        .await
        .expect("delete_topics");
    deleted.into_iter().for_each(|r| {
        r.expect("topic deleted");
    });
    let (_, after) = refresh(collector).await;

    assert_eq!(topics(&after), vec![kept.clone()]);
    assert_eq!(after.group(&group).expect("group").total_lag, 2);
}

#[tokio::test]
async fn case1_no_commit_partition_is_listed_with_a_dash() {
    let brokers = tansu();
    let (topic, group) = (unique("claims"), unique("triage"));
    create_topic(&brokers, &topic, 2).await;
    produce(&brokers, &topic, 0, 358).await;
    commit(&brokers, &group, &[(&topic, 1, 0)]);
    let (collector, _clock) = collector(&brokers, &[&group], false);
    let (_, snapshot) = refresh(collector).await;
    let p0 = &snapshot.group(&group).expect("group").partitions[0];
    assert_eq!((p0.committed_text().as_str(), p0.lag), ("-", 358));
    assert_eq!(p0.notes, vec![Note::NoCommit]);
}

#[tokio::test]
async fn tailer_publishes_snapshots_and_shuts_down() {
    let brokers = tansu();
    let (topic, group) = (unique("events"), unique("agents"));
    create_topic(&brokers, &topic, 1).await;
    produce(&brokers, &topic, 0, 5).await;
    commit(&brokers, &group, &[(&topic, 0, 2)]);
    let mut config = LagConfig::for_brokers(brokers);
    config.groups = vec![group.clone()];
    config.list_groups = false;
    let (handle, mut rx) = tailer::spawn(config, Arc::new(ManualClock::new(0))).expect("spawn");

    // Each refresh is published; nudge the tailer for a second one instead of waiting 5 s.
    let wait = async {
        while rx.borrow_and_update().generation < 2 {
            handle.refresh_now();
            rx.changed().await.expect("tailer alive");
        }
    };
    tokio::time::timeout(TIMEOUT, wait)
        .await
        .expect("two refreshes within the deadline");
    let snapshot = rx.borrow().clone();
    assert_eq!(snapshot.group(&group).expect("group").total_lag, 3);
    handle.shutdown().await;
}

/// A member of `group` subscribed to `topic`, polled on its own thread until dropped.
struct LiveMember {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LiveMember {
    /// Joins the group and returns once it was assigned partitions and committed `offset`
    /// on the first of them.
    fn join(brokers: &str, group: &str, topic: &str, offset: i64) -> Self {
        let consumer: BaseConsumer = config(brokers)
            .set("group.id", group)
            .set("client.id", "fulfil-worker-1")
            .set("enable.auto.commit", "false")
            .create()
            .expect("member");
        consumer.subscribe(&[topic]).expect("subscribe");
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut ready_tx = Some(ready_tx);
            while !stopping.load(Ordering::Relaxed) {
                let _ = consumer.poll(Duration::from_millis(100));
                let assigned = consumer.assignment().expect("assignment");
                if let (Some(first), Some(tx)) = (assigned.elements().first(), &ready_tx) {
                    let mut list = TopicPartitionList::new();
                    list.add_partition_offset(
                        first.topic(),
                        first.partition(),
                        Offset::Offset(offset),
                    )
                    .expect("offset");
                    consumer
                        .commit(&list, CommitMode::Sync)
                        .expect("member commit");
                    let _ = tx.send(first.partition());
                    ready_tx = None;
                }
            }
        });
        ready
            .recv_timeout(Duration::from_secs(30))
            .expect("the member is assigned partitions within 30 s");
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for LiveMember {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// tansu 0.6.0 describes live members without their assignments (and without client id or
/// host), so ownership must read "unknown", never "no member owns it". The empty-group test
/// above covers partitions no member owns.
#[tokio::test]
async fn case7_live_member_is_listed_and_ownership_is_not_guessed() {
    let brokers = tansu();
    let (topic, group) = (unique("orders"), unique("fulfil"));
    create_topic(&brokers, &topic, 1).await;
    produce(&brokers, &topic, 0, 6).await;
    let member = LiveMember::join(&brokers, &group, &topic, 4);

    let (collector, _clock) = collector(&brokers, &[], true);
    let (_, snapshot) = refresh(collector).await;
    drop(member);

    let g = snapshot.group(&group).expect("group listed by tansu");
    assert_eq!(g.state, "Stable");
    assert_eq!(g.members.len(), 1);
    assert!(
        g.members[0].member_id.starts_with("fulfil-worker-1"),
        "{:?}",
        g.members
    );
    let p = &g.partitions[0];
    assert_eq!((p.committed, p.high_watermark, p.lag), (Some(4), 6, 2));
    assert_eq!((p.ownership, &p.owner), (Ownership::Unknown, &None));
}

#[tokio::test]
async fn watched_group_that_does_not_exist_is_an_error_with_its_reason() {
    let brokers = tansu();
    let (topic, group) = (unique("claims"), unique("triage"));
    create_topic(&brokers, &topic, 1).await;
    produce(&brokers, &topic, 0, 3).await;
    let missing = unique("does-not-exist");
    let (collector, _clock) = collector(&brokers, &[&missing], true);
    commit(&brokers, &group, &[(&topic, 0, 3)]);

    let (_, snapshot) = refresh(collector).await;

    let ghost = snapshot.group(&missing).expect("the named group is listed");
    assert_eq!(ghost.status, Status::Err);
    assert_eq!(ghost.total_lag, 0);
    assert!(ghost.members.is_empty() && ghost.partitions.is_empty());
    let reason = ghost.reason.as_deref().expect("a group-level reason");
    assert!(
        reason.contains("the group does not exist or never committed"),
        "{reason}"
    );
    let real = snapshot
        .group(&group)
        .expect("the committed group is listed too");
    assert_ne!(real.status, Status::Err, "{:?}", real.reason);
}
