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
