//! The lag tailer as a console source: starts it next to the poller, turns each snapshot it
//! publishes into a [`LagMsg`], and stops it without ever waiting on a broker.
//!
//! The tailer is its own task; the console only reads its `watch` channel, so a slow or dead
//! broker delays lag figures, never a key press or a redraw.

use std::future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::lag::LagMsg;
use crate::clock::Clock;
use crate::kafka::lag::SharedSnapshot;
use crate::kafka::tailer::{self, TailerHandle};
use crate::kafka::LagConfig;
use crate::settings::Settings;

/// A running (or failed) lag tailer.
#[derive(Debug)]
pub struct LagFeed {
    handle: Option<TailerHandle>,
    /// `None` once the tailer has ended and that has been reported.
    snapshots: Option<watch::Receiver<SharedSnapshot>>,
    /// Why the tailer could not start; reported once, as the first message.
    failed: Option<String>,
}

impl LagFeed {
    /// Starts the tailer on the settings' brokers; `None` when no brokers are configured.
    /// A config the tailer cannot use is not fatal: the feed reports it and stays quiet.
    pub fn start(settings: &Settings, clock: Arc<dyn Clock>) -> Option<Self> {
        settings.brokers.as_ref()?;
        Some(match LagConfig::from_settings(settings) {
            Ok(config) => Self::spawn(config, clock),
            Err(e) => Self::failed(e.to_string()),
        })
    }

    /// Starts the tailer with `config`.
    pub fn spawn(config: LagConfig, clock: Arc<dyn Clock>) -> Self {
        let brokers = config.brokers.clone();
        match tailer::spawn(config, clock) {
            Ok((handle, snapshots)) => {
                tracing::info!(%brokers, "lag tailer started for the console");
                Self {
                    handle: Some(handle),
                    snapshots: Some(snapshots),
                    failed: None,
                }
            }
            Err(e) => Self::failed(e.to_string()),
        }
    }

    fn failed(error: String) -> Self {
        tracing::warn!(%error, "lag tailer not started");
        Self {
            handle: None,
            snapshots: None,
            failed: Some(format!("lag tailer not started: {error}")),
        }
    }

    /// The next message: a new snapshot, or that the tailer stopped. Waits forever after the
    /// stop has been reported. Cancel-safe, so it can sit in a `select!`.
    pub async fn next(&mut self) -> LagMsg {
        if let Some(error) = self.failed.take() {
            return LagMsg::Stopped { error };
        }
        let Some(snapshots) = &mut self.snapshots else {
            return future::pending().await;
        };
        match snapshots.changed().await {
            Ok(()) => LagMsg::Snapshot(snapshots.borrow_and_update().clone()),
            Err(_) => {
                self.snapshots = None;
                LagMsg::Stopped {
                    error: "the lag tailer ended (see the log)".into(),
                }
            }
        }
    }

    /// Asks for a refresh now rather than at the end of the interval.
    pub fn refresh_now(&self) {
        if let Some(handle) = &self.handle {
            handle.refresh_now();
        }
    }

    /// Stops the tailer, waiting at most `grace` for its task. A refresh in flight is left
    /// to end on its own within one broker request timeout.
    pub async fn shutdown(self, grace: Duration) {
        let Some(handle) = self.handle else {
            return;
        };
        if tokio::time::timeout(grace, handle.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("lag tailer did not stop within {grace:?}; left behind");
        }
    }
}

/// The next message of `feed`, or never when there is none (no brokers configured).
pub async fn next_of(feed: &mut Option<LagFeed>) -> LagMsg {
    match feed {
        Some(feed) => feed.next().await,
        None => future::pending().await,
    }
}
