//! The tailer stops promptly even while a refresh waits on a broker that accepts
//! connections and never answers: the console's quit must not wait out a request deadline.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use verdict::clock::ManualClock;
use verdict::kafka::{tailer, LagConfig};

/// Far longer than any bound below: a shutdown that waited for the call would fail.
const DEADLINE: Duration = Duration::from_secs(120);

#[tokio::test]
async fn shutdown_abandons_a_refresh_stuck_on_a_silent_broker() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let address = listener.local_addr().expect("address");
    let (accepted_tx, accepted) = tokio::sync::oneshot::channel();
    // Accept and hold the connection, never writing a byte back.
    std::thread::spawn(move || {
        let held = listener.accept();
        let _ = accepted_tx.send(());
        std::thread::sleep(DEADLINE);
        drop(held);
    });
    let mut config = LagConfig::for_brokers(address.to_string());
    config.groups = vec!["stuck".into()];
    config.list_groups = false;
    config.request_timeout = DEADLINE;
    let (handle, rx) = tailer::spawn(config, Arc::new(ManualClock::new(0))).expect("spawn");

    // The tailer is inside its first refresh once the silent broker has its connection.
    tokio::time::timeout(Duration::from_secs(30), accepted)
        .await
        .expect("the tailer connects within 30 s")
        .expect("acceptor alive");
    tokio::time::timeout(Duration::from_secs(10), handle.shutdown())
        .await
        .expect("shutdown returns long before the request deadline");

    assert_eq!(
        rx.borrow().generation,
        0,
        "the abandoned refresh published nothing"
    );
}
