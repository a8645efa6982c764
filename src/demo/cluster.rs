//! librdkafka's mock Kafka cluster, kept on a thread of its own for the life of the demo.
//!
//! The mock cluster is a handle to C state and is not `Send`, so one thread creates it, creates
//! the demo topic, reports the bootstrap servers and then holds the cluster until told to stop.

use std::sync::mpsc;
use std::thread::JoinHandle;

use rdkafka::mocking::MockCluster;
use tokio::sync::oneshot;

use crate::error::{Error, Result};

/// How many brokers the mock cluster runs.
const BROKERS: i32 = 3;

/// A running mock cluster.
#[derive(Debug)]
pub struct Cluster {
    bootstrap_servers: String,
    /// Dropping or sending on it lets the owning thread drop the cluster.
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Cluster {
    /// Starts a cluster with `topic` created with `partitions` partitions.
    pub async fn start(topic: &str, partitions: i32) -> Result<Self> {
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop, stop_rx) = mpsc::channel();
        let topic = topic.to_owned();
        let thread = std::thread::Builder::new()
            .name("demo-kafka".into())
            .spawn(move || hold(&topic, partitions, ready_tx, stop_rx))
            .map_err(|e| Error::Invalid(format!("cannot start the mock Kafka thread: {e}")))?;
        let bootstrap_servers = ready_rx
            .await
            .map_err(|_| Error::Invalid("the mock Kafka thread died while starting".into()))??;
        tracing::info!(%bootstrap_servers, "mock Kafka cluster up");
        Ok(Self {
            bootstrap_servers,
            stop,
            thread,
        })
    }

    /// `host:port,...` of the mock brokers.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// Stops the brokers and waits for their thread to end.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let thread = self.thread;
        if tokio::task::spawn_blocking(move || thread.join())
            .await
            .is_err()
        {
            tracing::warn!("the mock Kafka thread panicked while stopping");
        }
        tracing::info!("mock Kafka cluster stopped");
    }
}

/// The body of the owning thread: create, report, wait, drop.
fn hold(
    topic: &str,
    partitions: i32,
    ready: oneshot::Sender<Result<String>>,
    stop: mpsc::Receiver<()>,
) {
    let cluster = match MockCluster::new(BROKERS) {
        Ok(cluster) => cluster,
        Err(e) => {
            let _ = ready.send(Err(e.into()));
            return;
        }
    };
    if let Err(e) = cluster.create_topic(topic, partitions, 1) {
        let _ = ready.send(Err(e.into()));
        return;
    }
    if ready.send(Ok(cluster.bootstrap_servers())).is_err() {
        return;
    }

    // Returns on a stop message and when the sender is dropped alike.
    let _ = stop.recv();
    drop(cluster);
}
