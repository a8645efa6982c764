//! The demo producer: sends the claim stream at a rate that swells and ebbs, with bursts.
//!
//! The rate follows a slow sine around the baseline (from 20% to 180% of it over a one-minute
//! period) and every two minutes a ten-second burst adds twice the baseline. At its peak the
//! producer outruns the agents and a backlog builds up; in the trough the agents drain it, so
//! the consumer group's lag moves the way it does in production.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use super::progress::Counters;
use super::stream::{EventStream, Message};
use crate::error::Result;

/// How often the producer wakes to send what it owes.
const TICK: Duration = Duration::from_millis(100);

/// The longest the producer waits for the consumer group to form.
const GROUP_WAIT: Duration = Duration::from_secs(30);

/// The offered load over time.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    /// Events per second around which the load swings.
    pub baseline: f64,
}

impl Rate {
    /// Events per second `elapsed` after the start.
    pub fn at(self, elapsed: Duration) -> f64 {
        let t = elapsed.as_secs_f64();
        let swell = 1.0 + 0.8 * (std::f64::consts::TAU * t / 60.0).sin();
        let burst = if t % 120.0 >= 60.0 && t % 120.0 < 70.0 {
            2.0
        } else {
            0.0
        };
        (self.baseline * (swell + burst)).max(0.0)
    }
}

/// A producer for the mock cluster.
pub(super) fn client(bootstrap_servers: &str) -> Result<FutureProducer> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers)
        .set("client.id", "claims-intake")
        .set("linger.ms", "5")
        .create()?)
}

/// What the producer needs besides its client.
pub(super) struct Producer {
    pub client: FutureProducer,
    pub topic: String,
    pub stream: EventStream,
    pub rate: Rate,
    /// Stop after this many messages; `None` runs until shutdown.
    pub max_events: Option<u64>,
    pub counters: Arc<Counters>,
}

impl Producer {
    /// Sends until `max_events` or until `shutdown` turns true.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        if !self.wait_for_group(&mut shutdown).await {
            return;
        }
        let started = Instant::now();
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let (mut sent, mut owed) = (0_u64, 0.0_f64);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = shutdown.changed() => break,
            }
            owed += self.rate.at(started.elapsed()) * TICK.as_secs_f64();
            let mut due = owed.floor() as u64;
            owed -= due as f64;
            if let Some(max) = self.max_events {
                due = due.min(max - sent);
            }
            self.send_batch(due).await;
            sent += due;
            if self.max_events.is_some_and(|max| sent >= max) {
                tracing::info!(sent, "demo producer sent its last event");
                self.counters.producer_done();
                break;
            }
        }
    }

    /// Waits until the agents' group has formed, at most [`GROUP_WAIT`]; false on shutdown.
    async fn wait_for_group(&self, shutdown: &mut watch::Receiver<bool>) -> bool {
        let deadline = Instant::now() + GROUP_WAIT;
        while !self.counters.snapshot().group_ready {
            if Instant::now() >= deadline {
                tracing::warn!("consumer group not formed in time; producing anyway");
                return true;
            }
            tokio::select! {
                _ = tokio::time::sleep(TICK) => {}
                _ = shutdown.changed() => return false,
            }
        }
        tracing::info!("consumer group formed; producing");
        true
    }

    /// Sends `n` messages and waits for their acknowledgements. A refused message is logged
    /// and not counted as produced: the stream moves on, as a real intake that drops one would.
    async fn send_batch(&mut self, n: u64) {
        let messages: Vec<Message> = (0..n).map(|_| self.stream.next_message()).collect();
        let mut pending = Vec::with_capacity(messages.len());
        for message in &messages {
            let value = serde_json::to_string(&message.event).unwrap_or_default();
            let record = FutureRecord::to(&self.topic)
                .key(&message.event.claim)
                .payload(&value);
            match self.client.send_result(record) {
                Ok(delivery) => pending.push((message.kind, delivery)),
                Err((e, _)) => tracing::warn!(error = %e, "demo producer could not queue an event"),
            }
        }
        for (kind, delivery) in pending {
            match delivery.await {
                Ok(Ok(d)) => self.counters.produced(kind, d.partition, d.offset),
                Ok(Err((e, _))) => tracing::warn!(error = %e, "demo event not delivered"),
                Err(_) => tracing::warn!("demo producer shut down with an event in flight"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_swings_above_and_below_the_baseline() {
        let rate = Rate { baseline: 10.0 };
        let samples: Vec<f64> = (0..120).map(|s| rate.at(Duration::from_secs(s))).collect();
        let max = samples.iter().copied().fold(0.0, f64::max);
        let min = samples.iter().copied().fold(f64::MAX, f64::min);
        assert!(max > 20.0, "{max}");
        assert!(min < 5.0, "{min}");
    }
}
