//! Lag tailer against tansu, a separate Kafka-protocol broker that answers ListGroups and
//! DescribeGroups. Needs VERDICT_TEST_TANSU (scripts/test.sh sets it); fails without it.

mod lag_support;

use std::sync::Arc;

use lag_support::*;
use rdkafka::admin::AdminOptions;
use verdict::clock::ManualClock;
use verdict::kafka::collector::Collector;
use verdict::kafka::lag::SharedSnapshot;
use verdict::kafka::status::{Note, Ownership};
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
