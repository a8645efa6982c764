//! Lag tailer against librdkafka's mock cluster (no ListGroups there: groups come from the
//! config). Offsets are produced and committed at known values, then read back.

mod lag_support;

use lag_support::*;
use rdkafka::mocking::MockCluster;
use verdict::kafka::status::{Note, Ownership, Status};

#[tokio::test]
async fn configured_group_rows_show_commits_and_no_commit_partitions() {
    let cluster = MockCluster::new(1).expect("mock cluster");
    let brokers = cluster.bootstrap_servers();
    cluster.create_topic("orders", 2, 1).expect("topic");
    produce(&brokers, "orders", 0, 358).await;
    produce(&brokers, "orders", 1, 40).await;
    commit(&brokers, "billing", &[("orders", 1, 30)]);

    let (mut collector, _clock) = collector(&brokers, &["billing"], false);
    let snapshot = tokio::task::spawn_blocking(move || collector.refresh())
        .await
        .expect("join");

    assert_eq!(snapshot.error, None);
    let group = snapshot.group("billing").expect("billing listed");
    assert_eq!(group.state, "Unknown");
    let p0 = &group.partitions[0];
    assert_eq!((p0.topic.as_str(), p0.partition), ("orders", 0));
    assert_eq!(p0.committed_text(), "-");
    assert_eq!(p0.lag, 358);
    assert_eq!(p0.notes, vec![Note::NoCommit]);
    let p1 = &group.partitions[1];
    assert_eq!(
        (p1.committed, p1.high_watermark, p1.lag),
        (Some(30), 40, 10)
    );
    assert_eq!(p1.ownership, Ownership::Unknown);
    assert_eq!(group.total_lag, 368);
    assert_eq!(group.status, Status::Ok);
}

#[tokio::test]
async fn dead_broker_keeps_rows_marked_stale_with_their_age() {
    let cluster = MockCluster::new(1).expect("mock cluster");
    let brokers = cluster.bootstrap_servers();
    cluster.create_topic("refunds", 1, 1).expect("topic");
    produce(&brokers, "refunds", 0, 10).await;
    commit(&brokers, "payouts", &[("refunds", 0, 4)]);
    let (mut collector, clock) = collector(&brokers, &["payouts"], false);
    let first = collector.refresh();
    assert_eq!(first.group("payouts").expect("group").total_lag, 6);

    cluster.broker_down(1).expect("broker down");
    clock.advance(7_000_000);
    let snapshot = tokio::task::spawn_blocking(move || collector.refresh())
        .await
        .expect("join");

    assert!(snapshot.is_stale(), "a dead broker is reported");
    let group = snapshot.group("payouts").expect("rows kept");
    assert!(group.is_stale());
    assert_eq!(group.age_us(snapshot.taken_at_us), 7_000_000);
    assert_eq!(group.total_lag, 6);
}

#[tokio::test]
async fn configured_group_that_never_committed_is_an_error_not_ok() {
    let cluster = MockCluster::new(1).expect("mock cluster");
    let brokers = cluster.bootstrap_servers();
    cluster.create_topic("orders", 1, 1).expect("topic");
    produce(&brokers, "orders", 0, 5).await;
    commit(&brokers, "billing", &[("orders", 0, 5)]);

    let (mut collector, _clock) = collector(&brokers, &["billing", "bliling"], false);
    let snapshot = tokio::task::spawn_blocking(move || collector.refresh())
        .await
        .expect("join");

    let typo = snapshot
        .group("bliling")
        .expect("the configured name is listed");
    assert_eq!(typo.status, Status::Err);
    assert!(typo.partitions.is_empty());
    let reason = typo.reason.as_deref().expect("a group-level reason");
    assert!(
        reason.contains("no committed offsets and no members"),
        "{reason}"
    );
    assert!(reason.contains("check the name"), "{reason}");
    assert!(!typo.is_stale(), "read fine: it is not a stale row");

    let real = snapshot.group("billing").expect("billing");
    assert_eq!((real.status, real.reason.as_deref()), (Status::Ok, None));
}
