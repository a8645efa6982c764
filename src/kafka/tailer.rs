//! The lag tailer task: runs a [`Collector`] refresh on an interval, on the blocking pool,
//! and publishes each snapshot on a `watch` channel the console and `verdict lag --watch`
//! read. It never blocks its caller and stops promptly on shutdown.

use std::sync::Arc;

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::error::Result;
use crate::kafka::collector::Collector;
use crate::kafka::lag::SharedSnapshot;
use crate::kafka::LagConfig;

/// Controls a running tailer.
#[derive(Debug)]
pub struct TailerHandle {
    shutdown: watch::Sender<bool>,
    refresh_now: Arc<Notify>,
    task: JoinHandle<()>,
}

impl TailerHandle {
    /// Starts the next refresh now instead of at the end of the interval.
    pub fn refresh_now(&self) {
        self.refresh_now.notify_one();
    }

    /// Stops the tailer and waits for its task. A refresh still running on the blocking
    /// pool is abandoned; it ends on its own within one request timeout.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "lag tailer task failed");
        }
    }
}

/// Starts the tailer. The receiver holds an empty snapshot (generation 0) until the first
/// refresh ends. Fails only when a client cannot be created (a bad librdkafka property).
pub fn spawn(
    config: LagConfig,
    clock: Arc<dyn Clock>,
) -> Result<(TailerHandle, watch::Receiver<SharedSnapshot>)> {
    let interval = config.refresh_interval;
    let collector = Collector::new(config, clock)?;
    let (tx, rx) = watch::channel(collector.last());
    let (shutdown, stop) = watch::channel(false);
    let refresh_now = Arc::new(Notify::new());
    let task = tokio::spawn(run(collector, tx, stop, refresh_now.clone(), interval));
    Ok((
        TailerHandle {
            shutdown,
            refresh_now,
            task,
        },
        rx,
    ))
}

/// The loop: refresh, publish, wait for the interval, a nudge or shutdown.
async fn run(
    collector: Collector,
    tx: watch::Sender<SharedSnapshot>,
    mut stop: watch::Receiver<bool>,
    refresh_now: Arc<Notify>,
    interval: std::time::Duration,
) {
    tracing::info!("lag tailer started");
    let mut collector = Some(collector);
    while let Some(mut c) = collector.take() {
        // The refresh makes blocking rdkafka calls: keep them off the async workers.
        let job = tokio::task::spawn_blocking(move || {
            let snapshot = c.refresh();
            (c, snapshot)
        });
        tokio::select! {
            _ = stop.changed() => break,
            joined = job => match joined {
                Ok((c, snapshot)) => {
                    tx.send_replace(snapshot);
                    collector = Some(c);
                }
                Err(e) => {
                    tracing::error!(error = %e, "lag refresh panicked; tailer stopped");
                    break;
                }
            },
        }
        tokio::select! {
            _ = stop.changed() => break,
            _ = tokio::time::sleep(interval) => {}
            _ = refresh_now.notified() => {}
        }
    }
    // Closing rdkafka clients can wait on brokers: do it off the async workers, unawaited.
    if let Some(c) = collector {
        tokio::task::spawn_blocking(move || drop(c));
    }
    tracing::info!("lag tailer stopped");
}
