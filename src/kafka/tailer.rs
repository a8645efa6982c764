//! The lag tailer: a thread of its own that runs a [`Collector`] refresh on an interval and
//! publishes each snapshot on a `watch` channel the console and `verdict lag --watch` read.
//!
//! Why a plain thread and not tokio's blocking pool: a refresh makes blocking rdkafka calls
//! that may each wait out the request deadline, and a runtime waits for its blocking tasks
//! when it shuts down. A detached thread lets [`TailerHandle::shutdown`] return within
//! [`SHUTDOWN_GRACE`] even mid-refresh: the refresh is abandoned, its thread ends on its own
//! when the call returns, or with the process.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{oneshot, watch};

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::kafka::collector::Collector;
use crate::kafka::lag::SharedSnapshot;
use crate::kafka::LagConfig;

/// How long [`TailerHandle::shutdown`] waits for the tailer thread to stop before it
/// abandons it (a refresh still waiting on a broker).
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(250);

/// What the handle asks of the tailer thread.
enum Command {
    RefreshNow,
    Stop,
}

/// Controls a running tailer.
#[derive(Debug)]
pub struct TailerHandle {
    commands: mpsc::Sender<Command>,
    /// Fires when the thread has left its loop (before it closes its clients).
    stopped: oneshot::Receiver<()>,
}

impl TailerHandle {
    /// Starts the next refresh now instead of at the end of the interval; a nudge during
    /// a refresh starts another right after it.
    pub fn refresh_now(&self) {
        let _ = self.commands.send(Command::RefreshNow);
    }

    /// Stops the tailer. Returns within [`SHUTDOWN_GRACE`]: a refresh still waiting on a
    /// broker is abandoned, and its snapshot is never published.
    pub async fn shutdown(self) {
        let _ = self.commands.send(Command::Stop);
        if tokio::time::timeout(SHUTDOWN_GRACE, self.stopped)
            .await
            .is_err()
        {
            tracing::info!("lag tailer busy with a refresh; abandoned it");
        }
    }
}

/// Starts the tailer. The receiver holds an empty snapshot (generation 0) until the first
/// refresh ends. Fails when a client cannot be created (a bad librdkafka property) or the
/// thread cannot be started.
pub fn spawn(
    config: LagConfig,
    clock: Arc<dyn Clock>,
) -> Result<(TailerHandle, watch::Receiver<SharedSnapshot>)> {
    let interval = config.refresh_interval;
    let collector = Collector::new(config, clock)?;
    let (tx, rx) = watch::channel(collector.last());
    let (commands, inbox) = mpsc::channel();
    let (stopped_tx, stopped) = oneshot::channel();
    std::thread::Builder::new()
        .name("lag-tailer".into())
        .spawn(move || {
            let collector = run(collector, &tx, &inbox, interval);
            let _ = stopped_tx.send(());
            // Closing rdkafka clients can wait on brokers: after the handle was told.
            drop(collector);
        })
        .map_err(|e| Error::Config(format!("cannot start the lag tailer thread: {e}")))?;
    Ok((TailerHandle { commands, stopped }, rx))
}

/// The loop: refresh, publish, wait for the interval, a nudge or shutdown. Hands the
/// collector back so its clients are closed after the handle hears the tailer stopped.
fn run(
    mut collector: Collector,
    tx: &watch::Sender<SharedSnapshot>,
    inbox: &mpsc::Receiver<Command>,
    interval: Duration,
) -> Collector {
    tracing::info!("lag tailer started");
    loop {
        let snapshot = collector.refresh();

        // A stop sent during the refresh wins over publishing it; a nudge skips the wait.
        let pending = drain(inbox);
        if matches!(pending, Some(Command::Stop)) {
            break;
        }
        tx.send_replace(snapshot);
        if pending.is_some() {
            continue;
        }

        match inbox.recv_timeout(interval) {
            Ok(Command::RefreshNow) | Err(RecvTimeoutError::Timeout) => {}
            Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    tracing::info!("lag tailer stopped");
    collector
}

/// Takes every pending command; a stop (or a dropped handle) wins over nudges.
fn drain(inbox: &mpsc::Receiver<Command>) -> Option<Command> {
    let mut last = None;
    loop {
        match inbox.try_recv() {
            Ok(Command::Stop) | Err(mpsc::TryRecvError::Disconnected) => {
                return Some(Command::Stop)
            }
            Ok(Command::RefreshNow) => last = Some(Command::RefreshNow),
            Err(mpsc::TryRecvError::Empty) => return last,
        }
    }
}
