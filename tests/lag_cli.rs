//! `verdict lag` run as a user runs it: the real binary against librdkafka's mock cluster,
//! a refusing port, or a malformed broker list, in one-shot and `--watch` modes.

#![allow(clippy::unwrap_used)]

mod lag_support;

use std::io::{BufRead, BufReader};

use lag_support::cli::*;
use lag_support::{commit, produce};
use rdkafka::mocking::MockCluster;

/// A config file with a fast lag refresh, so `--watch` gets its samples quickly.
fn fast_refresh() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verdict.toml");
    std::fs::write(&path, "[kafka]\nrefresh_interval_ms = 100\n").unwrap();
    (dir, path)
}

#[test]
fn lag_watch_ends_quietly_when_its_reader_stops_after_two_lines() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("orders", 1, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let (_dir, config) = fast_refresh();
    let args = [
        "lag",
        "--watch",
        "--group",
        "billing",
        "--brokers",
        &brokers,
    ];

    let mut child = spawn_piped(&args, Some(&config));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..2 {
        lines.next().expect("a line").expect("readable");
    }
    drop(lines);

    let (status, err) = exit_of(child);
    assert_quiet_end(status, &err);
}

#[test]
fn lag_names_a_malformed_broker_entry_before_connecting() {
    let out = verdict(&["lag", "--group", "g", "--brokers", "kafka-1:9092,kafka-2"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("'kafka-2'") && err.contains("HOST:PORT"),
        "{err}"
    );
}

#[test]
fn lag_against_a_refusing_broker_says_connection_refused() {
    let out = verdict(&["lag", "--group", "g", "--brokers", "127.0.0.1:1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("Connection refused"), "{err}");
}

#[test]
fn lag_watch_without_a_broker_does_not_ask_for_groups_it_was_given() {
    let args = ["lag", "--watch", "--group", "g", "--brokers", "127.0.0.1:1"];
    let mut child = spawn_piped(&args, None);
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Vec<String> = lines.take(2).map(|l| l.unwrap()).collect();
    let (status, err) = exit_of(child);
    assert_quiet_end(status, &err);

    let text = first.join("\n");
    assert!(text.contains("no rows yet"), "{text}");
    assert!(!text.contains("name some with --group"), "{text}");
}

#[tokio::test]
async fn one_shot_lag_text_does_not_call_one_sample_ok_and_says_why_a_group_is_err() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("orders", 1, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    commit(&brokers, "billing", &[("orders", 0, 0)]);

    let args = [
        "lag",
        "--group",
        "billing",
        "--group",
        "bliling",
        "--brokers",
        &brokers,
    ];
    let out = verdict(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a group in ERR: {}",
        stderr(&out)
    );
    let text = String::from_utf8_lossy(&out.stdout);

    let row = text.lines().find(|l| l.contains("orders")).expect("a row");
    assert!(row.trim_start().starts_with("- "), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("OK")), "{text}");
    let ghost = text.lines().position(|l| l.starts_with("ERR    bliling"));
    let reason = ghost
        .and_then(|i| text.lines().nth(i + 1))
        .unwrap_or_default();
    assert!(
        reason.contains("the group does not exist or never committed"),
        "{text}"
    );
}

#[tokio::test]
async fn lag_watch_text_says_why_under_a_stopped_partition() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("orders", 1, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    produce(&brokers, "orders", 0, 5).await;
    // A commit at 1 that never moves: behind by 4, and no member is known to own it.
    commit(&brokers, "billing", &[("orders", 0, 1)]);
    let (_dir, config) = fast_refresh();
    let args = [
        "lag",
        "--watch",
        "--group",
        "billing",
        "--brokers",
        &brokers,
    ];

    let mut child = spawn_piped(&args, Some(&config));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // STOP needs three samples: it comes two refresh intervals in.
    let row = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find(|l| l.starts_with("  STOP "))
        .expect("a STOP row");
    let reason = lines.next().expect("a reason line").unwrap();
    drop(lines);
    let (status, err) = exit_of(child);
    assert_quiet_end(status, &err);

    assert!(row.contains("orders"), "{row}");
    assert!(
        reason
            .trim_start()
            .starts_with("STOP: the committed offset stayed at 1"),
        "{reason}"
    );
}
