//! The database poller: the console's only reader of the Store, running in its own task.
//!
//! Every `console.refresh_ms` it takes the Overview figures (index range counts only, never a
//! full-table count) and the newest page of the decision log, and sends them as typed
//! [`PollerMsg`]s. Between polls it answers [`Request`]s for older pages, searches and
//! decision details. When the database fails it reports [`PollerMsg::Unreachable`] and
//! retries with a growing backoff; the first poll that works again reports
//! [`PollerMsg::Connected`] and fresh data. What is open on screen (the Sagas list, a
//! saga's steps, a decision's detail) is asked for again by the console after each poll. It stops when the console drops its request
//! sender or its message receiver.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::clock::{Clock, Micros};
use crate::error::Result;
use crate::model::{Saga, SagaStep};
use crate::settings::Settings;
use crate::store::sagas_view::{SagaCursor, SagaRow};
use crate::store::{DecisionContext, DecisionCursor, DecisionSummary, Store};

/// The span the per-second rates are averaged over.
pub const RATE_WINDOW_US: Micros = 10_000_000;

/// The longest wait between two attempts while the database is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// How the poller runs.
#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// The database URL, secrets included; never displayed.
    pub db_url: String,
    pub max_connections: u32,
    /// Time between two polls while the database answers.
    pub refresh: Duration,
    /// Rows in the live tail page.
    pub tail_rows: u32,
    /// Rows a search returns at most.
    pub search_rows: u32,
}

impl PollerConfig {
    /// The poller of a console run.
    pub fn from_settings(settings: &Settings) -> Result<Self> {
        Ok(Self {
            db_url: settings.require_db()?.to_owned(),
            max_connections: 2,
            refresh: Duration::from_millis(settings.config.console.refresh_ms.max(100)),
            tail_rows: 100,
            search_rows: 200,
        })
    }
}

/// The Overview figures of one poll.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewSample {
    pub at_us: Micros,
    /// Decisions in the last [`RATE_WINDOW_US`].
    pub window_decisions: i64,
    /// Duplicate hits in the last [`RATE_WINDOW_US`].
    pub window_duplicate_hits: i64,
    pub sagas_in_flight: i64,
    /// In-flight sagas past their deadline.
    pub sagas_stuck: i64,
    pub sagas_failed: i64,
}

impl OverviewSample {
    /// Decisions per second over the rate window.
    pub fn decisions_per_s(&self) -> f64 {
        per_second(self.window_decisions)
    }

    /// Duplicate hits per second over the rate window.
    pub fn duplicate_hits_per_s(&self) -> f64 {
        per_second(self.window_duplicate_hits)
    }
}

fn per_second(count: i64) -> f64 {
    count as f64 * 1_000_000.0 / RATE_WINDOW_US as f64
}

/// What the console asks the poller for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// The page of the log after `after` (older rows).
    Page { after: DecisionCursor, limit: u32 },
    /// Decisions whose idempotency key, event id, entity key or id is exactly `needle`.
    Search { needle: String },
    /// Everything about one decision, for the detail pane.
    Detail { decision_id: String },
    /// The sagas of a decision whose detail is open: what moves after a decision is logged
    /// (the decision itself never changes, and its output may be large).
    DetailSagas { decision_id: String },
    /// A page of the Sagas list after `after` (from the top when `None`).
    Sagas {
        after: Option<SagaCursor>,
        limit: u32,
    },
    /// One saga and its steps.
    SagaSteps { saga_id: String },
}

/// A saga with its steps, in step order.
pub type SagaWithSteps = (Saga, Vec<SagaStep>);

/// What the poller tells the console. Replies carry their request so late ones can be
/// recognised and dropped.
#[derive(Debug, Clone, PartialEq)]
pub enum PollerMsg {
    /// A poll succeeded after start-up or after a failure; `display_url` is the Store's own
    /// (password hidden).
    Connected {
        at_us: Micros,
        display_url: String,
    },
    /// A poll failed; the next attempt is in `retry_in`.
    Unreachable {
        at_us: Micros,
        error: String,
        attempt: u32,
        retry_in: Duration,
    },
    Overview(OverviewSample),
    /// The newest page of the log, newest first.
    Tail {
        at_us: Micros,
        rows: Vec<DecisionSummary>,
    },
    Page {
        after: DecisionCursor,
        result: Result<Vec<DecisionSummary>, String>,
    },
    Search {
        needle: String,
        result: Result<Vec<DecisionSummary>, String>,
    },
    Detail {
        decision_id: String,
        result: Result<Option<Box<DecisionContext>>, String>,
    },
    DetailSagas {
        decision_id: String,
        result: Result<Vec<SagaWithSteps>, String>,
    },
    /// A page of the Sagas list, read at `at_us` (what "stuck" was measured against).
    Sagas {
        after: Option<SagaCursor>,
        at_us: Micros,
        result: Result<Vec<SagaRow>, String>,
    },
    SagaSteps {
        saga_id: String,
        result: Result<Option<Box<SagaWithSteps>>, String>,
    },
}

/// The console's end of a running poller.
#[derive(Debug)]
pub struct PollerHandle {
    pub requests: mpsc::Sender<Request>,
    pub messages: mpsc::Receiver<PollerMsg>,
    pub task: JoinHandle<()>,
}

/// Starts a poller task.
pub fn spawn(config: PollerConfig, clock: Arc<dyn Clock>) -> PollerHandle {
    let (req_tx, req_rx) = mpsc::channel(16);
    let (msg_tx, msg_rx) = mpsc::channel(64);
    let poller = Poller {
        config,
        clock,
        store: None,
        out: msg_tx,
        failures: 0,
    };
    let task = tokio::spawn(poller.run(req_rx));
    PollerHandle {
        requests: req_tx,
        messages: msg_rx,
        task,
    }
}

struct Poller {
    config: PollerConfig,
    clock: Arc<dyn Clock>,
    /// Connected lazily and kept: the pool itself replaces broken connections.
    store: Option<Store>,
    out: mpsc::Sender<PollerMsg>,
    /// Consecutive failed polls; zero while the database answers.
    failures: u32,
}

/// Why the poller stopped: the console went away.
struct Closed;

impl Poller {
    async fn run(mut self, mut requests: mpsc::Receiver<Request>) {
        let mut next_poll = Instant::now();
        let mut first = true;
        loop {
            let step = tokio::select! {
                _ = tokio::time::sleep_until(next_poll) => {
                    let wait = self.poll(std::mem::take(&mut first)).await;
                    next_poll = Instant::now() + *wait.as_ref().unwrap_or(&Duration::ZERO);
                    wait.map(|_| ())
                }
                request = requests.recv() => match request {
                    Some(request) => self.answer(request).await,
                    None => Err(Closed),
                },
            };
            if step.is_err() {
                tracing::debug!("console closed; poller stops");
                return;
            }
        }
    }

    /// One poll; returns how long to wait before the next.
    async fn poll(&mut self, first: bool) -> Result<Duration, Closed> {
        match self.fetch().await {
            Ok((sample, rows)) => {
                if first || self.failures > 0 {
                    tracing::info!(after_failures = self.failures, "database answers");
                    let display_url = self
                        .store
                        .as_ref()
                        .map(|s| s.display_url().to_owned())
                        .unwrap_or_default();
                    self.send(PollerMsg::Connected {
                        at_us: sample.at_us,
                        display_url,
                    })
                    .await?;
                }
                self.failures = 0;
                let at_us = sample.at_us;
                self.send(PollerMsg::Overview(sample)).await?;
                self.send(PollerMsg::Tail { at_us, rows }).await?;
                Ok(self.config.refresh)
            }
            Err(e) => {
                self.failures += 1;
                let retry_in = backoff(self.config.refresh, self.failures);
                tracing::warn!(attempt = self.failures, error = %e, "database poll failed");
                let at_us = self.clock.now_us();
                let msg = PollerMsg::Unreachable {
                    at_us,
                    error: e.to_string(),
                    attempt: self.failures,
                    retry_in,
                };
                self.send(msg).await?;
                Ok(retry_in)
            }
        }
    }

    /// The Overview figures and the newest page, from cheap indexed queries.
    async fn fetch(&mut self) -> Result<(OverviewSample, Vec<DecisionSummary>)> {
        let store = self.store().await?;
        let now = self.clock.now_us();
        let window = store.window_counts(now - RATE_WINDOW_US).await?;
        let (in_flight, stuck, failed) = store.live_saga_counts(now).await?;
        let rows = store.decisions_page(None, self.config.tail_rows).await?;
        let sample = OverviewSample {
            at_us: now,
            window_decisions: window.decisions,
            window_duplicate_hits: window.duplicate_hits,
            sagas_in_flight: in_flight,
            sagas_stuck: stuck,
            sagas_failed: failed,
        };
        Ok((sample, rows))
    }

    /// The store, connecting on first use (or after a failed first connect).
    async fn store(&mut self) -> Result<Store> {
        if let Some(store) = &self.store {
            return Ok(store.clone());
        }
        let store = Store::connect(&self.config.db_url, self.config.max_connections).await?;
        store.require_schema().await?;
        self.store = Some(store.clone());
        Ok(store)
    }

    async fn answer(&mut self, request: Request) -> Result<(), Closed> {
        let msg = match request {
            Request::Page { after, limit } => {
                let result = match self.store().await {
                    Ok(store) => store.decisions_page(Some(&after), limit).await,
                    Err(e) => Err(e),
                };
                PollerMsg::Page {
                    after,
                    result: result.map_err(|e| e.to_string()),
                }
            }
            Request::Search { needle } => {
                let limit = self.config.search_rows;
                let result = match self.store().await {
                    Ok(store) => store.search_decisions(&needle, limit).await,
                    Err(e) => Err(e),
                };
                PollerMsg::Search {
                    needle,
                    result: result.map_err(|e| e.to_string()),
                }
            }
            Request::Detail { decision_id } => {
                let result = match self.store().await {
                    Ok(store) => store.decision_context(&decision_id).await,
                    Err(e) => Err(e),
                };
                let result = result.map(|c| c.map(Box::new)).map_err(|e| e.to_string());
                PollerMsg::Detail {
                    decision_id,
                    result,
                }
            }
            Request::DetailSagas { decision_id } => {
                let result = match self.store().await {
                    Ok(store) => store.sagas_for_decision(&decision_id).await,
                    Err(e) => Err(e),
                };
                PollerMsg::DetailSagas {
                    decision_id,
                    result: result.map_err(|e| e.to_string()),
                }
            }
            Request::Sagas { after, limit } => {
                let at_us = self.clock.now_us();
                let result = match self.store().await {
                    Ok(store) => store.sagas_page(at_us, after.as_ref(), limit).await,
                    Err(e) => Err(e),
                };
                let result = result.map_err(|e| e.to_string());
                PollerMsg::Sagas {
                    after,
                    at_us,
                    result,
                }
            }
            Request::SagaSteps { saga_id } => {
                let result = self.saga_with_steps(&saga_id).await;
                let result = result.map(|s| s.map(Box::new)).map_err(|e| e.to_string());
                PollerMsg::SagaSteps { saga_id, result }
            }
        };
        self.send(msg).await
    }

    async fn saga_with_steps(&mut self, saga_id: &str) -> Result<Option<SagaWithSteps>> {
        let store = self.store().await?;
        let Some(saga) = store.saga(saga_id).await? else {
            return Ok(None);
        };
        let steps = store.saga_steps(saga_id).await?;
        Ok(Some((saga, steps)))
    }

    async fn send(&self, msg: PollerMsg) -> Result<(), Closed> {
        self.out.send(msg).await.map_err(|_| Closed)
    }
}

/// The wait after `failures` consecutive failures: the refresh interval, doubling, capped.
fn backoff(refresh: Duration, failures: u32) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(6);
    refresh.saturating_mul(factor).min(MAX_BACKOFF.max(refresh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_refresh_interval_and_is_capped() {
        let r = Duration::from_millis(500);
        assert_eq!(backoff(r, 1), r);
        assert_eq!(backoff(r, 2), Duration::from_secs(1));
        assert_eq!(backoff(r, 4), Duration::from_secs(4));
        assert_eq!(backoff(r, 40), MAX_BACKOFF);
    }

    #[test]
    fn rates_are_per_second_over_the_window() {
        let s = OverviewSample {
            at_us: 0,
            window_decisions: 25,
            window_duplicate_hits: 5,
            sagas_in_flight: 0,
            sagas_stuck: 0,
            sagas_failed: 0,
        };
        assert_eq!(s.decisions_per_s(), 2.5);
        assert_eq!(s.duplicate_hits_per_s(), 0.5);
    }
}
