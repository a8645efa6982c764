//! The demo workload end to end: librdkafka's mock cluster, a real consumer group, the gate and
//! the saga worker, on SQLite and PostgreSQL; and `verdict demo --no-ui` as a process.

mod common;

use std::sync::Arc;
use std::time::Duration;

use verdict::clock::{Clock, SystemClock};
use verdict::demo::{Progress, Workload, WorkloadConfig};
use verdict::gate::GateConfig;
use verdict::model::SagaState;
use verdict::store::Store;

/// Upper bound on every wait; a healthy run needs a fraction of it.
const PATIENCE: Duration = Duration::from_secs(120);

fn fast_config(events: u64) -> WorkloadConfig {
    WorkloadConfig {
        seed: 2024,
        rate: 400.0,
        max_events: Some(events),
        latency_ms: (1, 4),
        saga_deadline: Duration::from_secs(3),
        saga_interval: Duration::from_millis(30),
        gate: GateConfig::default(),
        ..WorkloadConfig::default()
    }
}

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(store.pool())
        .await
        .expect(sql);
    n
}

/// How many sagas are in `state`.
async fn sagas(store: &Store, state: SagaState) -> i64 {
    let counts = store.saga_counts_by_state().await.expect("saga counts");
    counts
        .iter()
        .find(|(s, _)| *s == state)
        .map_or(0, |(_, n)| *n)
}

/// Polls until some sagas completed, some compensated or failed compensating, and some are
/// stuck past their deadline.
async fn wait_for_saga_outcomes(store: &Store) -> bool {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        let (_, stuck, _) = store
            .live_saga_counts(SystemClock.now_us())
            .await
            .expect("counts");
        let completed = sagas(store, SagaState::Completed).await;
        let undone = sagas(store, SagaState::Compensated).await
            + sagas(store, SagaState::CompensationFailed).await;
        if completed > 0 && undone > 0 && stuck > 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Runs 500 events through the workload and checks every figure against the producer's.
async fn run_and_reconcile(url: &str) {
    let store = Store::connect_and_migrate(url, 8)
        .await
        .expect("connect and migrate");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let workload = Workload::start(fast_config(500), store.clone(), clock)
        .await
        .expect("start");

    assert!(
        workload.wait_drained(PATIENCE).await,
        "not drained: {:?}",
        workload.progress()
    );
    assert!(
        wait_for_saga_outcomes(&store).await,
        "sagas did not spread over outcomes"
    );
    let p: Progress = workload.shutdown().await;

    // What the producer sent.
    assert_eq!(p.produced, 500);
    assert!(
        p.redelivered_new_id > 0 && p.redelivered_changed > 0,
        "{p:?}"
    );

    // Exactly one decision per idempotency key, and one per new request sent.
    let doubled = sqlx::query(
        "SELECT idempotency_key FROM decisions GROUP BY idempotency_key HAVING COUNT(*) > 1",
    )
    .fetch_all(store.pool())
    .await
    .expect("doubled keys");
    assert!(doubled.is_empty(), "{} keys decided twice", doubled.len());
    let decisions = count(&store, "SELECT COUNT(*) FROM decisions").await;
    assert_eq!(decisions as u64, p.produced_new);
    assert_eq!(decisions as u64, p.decided);

    // Every consumed message was either decided or answered as a duplicate hit.
    let hits = count(&store, "SELECT COUNT(*) FROM duplicate_hits").await;
    assert_eq!(hits as u64, p.duplicate_hits);
    assert_eq!(p.decided + p.duplicate_hits, p.processed);
    assert!(p.processed >= p.produced, "{p:?}");
    let redelivered = p.redelivered_identical + p.redelivered_new_id + p.redelivered_changed;
    assert!(p.duplicate_hits >= redelivered, "{p:?}");

    // The kinds of redelivery show up as such in the log.
    let mismatched = count(
        &store,
        "SELECT COUNT(*) FROM duplicate_hits WHERE payload_matched = 0",
    )
    .await;
    assert!(
        mismatched as u64 >= p.redelivered_changed,
        "{mismatched} mismatched, {p:?}"
    );
    let new_id = count(
        &store,
        "SELECT COUNT(*) FROM duplicate_hits h JOIN decisions d ON d.decision_id = h.decision_id \
         WHERE h.event_id <> d.event_id AND h.payload_matched = 1",
    )
    .await;
    assert!(
        new_id > 0,
        "no redelivery under a new event id was answered"
    );

    // Both model versions decided, and every decision wrote its outbox message.
    let versions = count(
        &store,
        "SELECT COUNT(DISTINCT model_version) FROM decisions",
    )
    .await;
    assert_eq!(versions, 2);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM outbox").await,
        decisions
    );
    store.pool().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_reconciles_on_sqlite() {
    let (_dir, url) = common::fresh_sqlite();
    run_and_reconcile(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_reconciles_on_postgres() {
    let db = common::fresh_pg().await;
    run_and_reconcile(&db.url).await;
    common::drop_pg(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_without_ui_feeds_the_database_and_exits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(["demo", "--no-ui", "--events", "200", "--db", &url])
        .env("VERDICT_LOG_FILE", dir.path().join("verdict.log"))
        .env("XDG_STATE_HOME", dir.path())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(PATIENCE, output)
        .await
        .expect("demo ended")
        .expect("ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&url),
        "the database URL is printed: {stdout}"
    );
    assert!(stdout.contains("stopped:"), "{stdout}");

    let store = Store::connect(&url, 1).await.expect("connect");
    let decisions = count(&store, "SELECT COUNT(*) FROM decisions").await;
    let hits = count(&store, "SELECT COUNT(*) FROM duplicate_hits").await;
    assert!(decisions > 150, "{decisions} decisions");
    assert!(
        decisions + hits >= 200,
        "{decisions} decisions + {hits} hits < 200 events"
    );
    store.pool().close().await;
}
