//! A simulated agent: a member of a real consumer group that passes each event through the gate.
//!
//! The agent commits a message's offset only after the gate has answered it, so a crash or a
//! rebalance redelivers at most the messages in flight, and the gate turns those into
//! duplicate hits instead of second inferences.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::ClientConfig;
use tokio::sync::watch;

use super::claims::ClaimEvent;
use super::model::{StandInModel, Version};
use super::progress::{Counters, Handled};
use crate::error::{Error, Result};
use crate::gate::{Event, Gate, Outcome};
use crate::model::SourcePosition;

use super::failures::FailureRun;

/// How long an agent waits before retrying a key another agent holds, or a failed gate call.
const RETRY_AFTER: Duration = Duration::from_millis(50);

/// How often an agent reports its partition assignment.
const ASSIGNMENT_EVERY: Duration = Duration::from_millis(250);

/// A consumer in `group`, subscribed to `topic`.
pub(super) fn consumer(
    bootstrap_servers: &str,
    group: &str,
    topic: &str,
    name: &str,
) -> Result<StreamConsumer> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers)
        .set("group.id", group)
        .set("client.id", name)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("session.timeout.ms", "10000")
        .create()?;
    consumer.subscribe(&[topic])?;
    Ok(consumer)
}

/// One agent of the fleet.
pub(super) struct Agent {
    pub name: String,
    /// The model version this agent runs.
    pub version: Version,
    pub consumer: StreamConsumer,
    pub gate: Gate,
    pub model: StandInModel,
    pub counters: Arc<Counters>,
}

impl Agent {
    /// Consumes until `shutdown` turns true, then leaves the group.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(agent = %self.name, version = self.version.as_str(), "agent started");
        let mut look = tokio::time::interval(ASSIGNMENT_EVERY);
        loop {
            let received = tokio::select! {
                received = self.consumer.recv() => received,
                _ = look.tick() => {
                    self.report_assignment();
                    continue;
                }
                _ = shutdown.changed() => break,
            };
            match received {
                Ok(message) => {
                    if !self.handle(&message, &mut shutdown).await {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(agent = %self.name, error = %e, "consume failed");
                    if pause(&mut shutdown).await {
                        break;
                    }
                }
            }
        }

        // Closing a consumer blocks while it leaves the group: keep that off the runtime.
        let consumer = self.consumer;
        let _ = tokio::task::spawn_blocking(move || drop(consumer)).await;
        tracing::info!(agent = %self.name, "agent stopped");
    }

    /// Passes one message through the gate until it is answered, then commits its offset.
    /// False when shutdown came first; the message stays uncommitted and is redelivered.
    async fn handle(
        &self,
        message: &BorrowedMessage<'_>,
        shutdown: &mut watch::Receiver<bool>,
    ) -> bool {
        let (partition, offset) = (message.partition(), message.offset());
        let event = match gate_event(message) {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(agent = %self.name, partition, offset, error = %e,
                    "unreadable event skipped");
                self.commit(message);
                self.counters.skipped(partition, offset);
                return true;
            }
        };
        let mut failures = FailureRun::default();
        loop {
            let outcome = self.pass(&event).await;
            self.log_attempt(&mut failures, &outcome, &event.idempotency_key);
            if let Ok(Some(handled)) = outcome {
                self.commit(message);
                self.counters.processed(handled, partition, offset);
                return true;
            }
            self.counters.retried();
            if pause(shutdown).await {
                return false;
            }
        }
    }

    /// Logs the state changes of a retried gate call: its first failure, and its recovery
    /// (any answer, "another agent holds the key" included) with the failures in between.
    fn log_attempt(&self, failures: &mut FailureRun, outcome: &Result<Option<Handled>>, key: &str) {
        match outcome {
            Err(e) if failures.failed() => {
                tracing::warn!(agent = %self.name, key, error = %e,
                    "gate call failed; retrying until it succeeds");
            }
            Err(_) => {}
            Ok(_) => {
                if let Some(failed) = failures.succeeded() {
                    tracing::info!(agent = %self.name, key, failed,
                        "gate calls answer again after failed attempts");
                }
            }
        }
    }

    /// One gate call; `None` while another agent holds the key.
    async fn pass(&self, event: &Event) -> Result<Option<Handled>> {
        let (model, version, payload) = (self.model.clone(), self.version, event.payload.clone());
        let outcome = self
            .gate
            .process(event, move |_| async move {
                model.infer(version, &payload).await
            })
            .await?;
        Ok(match outcome {
            Outcome::Decided(_) => Some(Handled::Decided),
            Outcome::Duplicate {
                payload_matched, ..
            } => Some(Handled::Duplicate { payload_matched }),
            Outcome::InProgress { .. } => None,
        })
    }

    fn report_assignment(&self) {
        match self.consumer.assignment() {
            Ok(assignment) => self.counters.assigned(&self.name, assignment.count()),
            Err(e) => tracing::warn!(agent = %self.name, error = %e, "cannot read assignment"),
        }
    }

    fn commit(&self, message: &BorrowedMessage<'_>) {
        if let Err(e) = self.consumer.commit_message(message, CommitMode::Async) {
            tracing::warn!(agent = %self.name, error = %e, "offset commit failed");
        }
    }
}

/// Waits before a retry; true when shutdown came first.
async fn pause(shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(RETRY_AFTER) => *shutdown.borrow(),
        _ = shutdown.changed() => true,
    }
}

/// The gate's view of a Kafka message.
fn gate_event(message: &BorrowedMessage<'_>) -> Result<Event> {
    let payload = message
        .payload()
        .ok_or_else(|| Error::Invalid("message has no payload".into()))?;
    let event: ClaimEvent = serde_json::from_slice(payload)
        .map_err(|e| Error::Invalid(format!("message is not a claim event: {e}")))?;
    let source = SourcePosition {
        topic: message.topic().to_owned(),
        partition: message.partition(),
        offset: message.offset(),
    };
    event.to_gate_event(Some(source))
}
