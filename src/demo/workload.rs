//! Starting, watching and stopping the demo workload: cluster, producer, agents, saga worker.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::agent::{self, Agent};
use super::claims::ClaimProjector;
use super::cluster::Cluster;
use super::model::{StandInModel, Version};
use super::producer::{self, Producer, Rate};
use super::progress::{Counters, Progress};
use super::saga_worker::SagaWorker;
use super::stream::EventStream;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::gate::{Gate, GateConfig};
use crate::store::Store;

/// How the workload runs. [`Default`] is what `verdict demo` uses.
#[derive(Debug, Clone)]
pub struct WorkloadConfig {
    /// Fixes the event stream, the model's replies and the sagas' fates.
    pub seed: u64,
    /// Baseline of the producer's rate, events per second.
    pub rate: f64,
    /// Stop producing after this many messages; `None` produces until shutdown.
    pub max_events: Option<u64>,
    /// Agents in the consumer group; the last one runs model v2 as a canary.
    pub agents: usize,
    pub topic: String,
    pub partitions: i32,
    /// The consumer group the agents join.
    pub group: String,
    /// Simulated inference time, (min, max) milliseconds.
    pub latency_ms: (u64, u64),
    /// Time a payout saga has from start to completion before it counts as stuck.
    pub saga_deadline: Duration,
    /// Time between two saga worker ticks; a saga moves at most one step per tick.
    pub saga_interval: Duration,
    pub gate: GateConfig,
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        Self {
            seed: 7,
            rate: 20.0,
            max_events: None,
            agents: 4,
            topic: "claims".into(),
            partitions: 6,
            group: "claims-agents".into(),
            latency_ms: (40, 160),
            saga_deadline: Duration::from_secs(12),
            saga_interval: Duration::from_secs(1),
            // A short lease: after a database outage, a claim whose commit failed blocks its
            // key only this long before an agent may infer it again.
            gate: GateConfig {
                lease_us: 10_000_000,
                ..GateConfig::default()
            },
        }
    }
}

/// A running workload. Stop it with [`Workload::shutdown`]; dropping it stops the tasks
/// without waiting for them.
pub struct Workload {
    config: WorkloadConfig,
    cluster: Option<Cluster>,
    counters: Arc<Counters>,
    /// Turned to true once to tell every task to stop.
    shutdown: watch::Sender<bool>,
    producer: Option<JoinHandle<()>>,
    agents: Vec<JoinHandle<()>>,
    saga_worker: Option<JoinHandle<()>>,
}

impl Workload {
    /// Starts the mock cluster and the tasks; the agents begin consuming once their group has
    /// formed (the mock broker waits a few seconds for members to join).
    pub async fn start(
        config: WorkloadConfig,
        store: Store,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        if config.agents == 0 || config.partitions < 1 || config.rate <= 0.0 {
            return Err(Error::Invalid(
                "the demo needs an agent, a partition and a rate above 0".into(),
            ));
        }
        let cluster = Cluster::start(&config.topic, config.partitions).await?;
        let (shutdown, _) = watch::channel(false);
        let mut workload = Self {
            config,
            cluster: Some(cluster),
            counters: Arc::new(Counters::default()),
            shutdown,
            producer: None,
            agents: Vec::new(),
            saga_worker: None,
        };
        if let Err(e) = workload.spawn_tasks(store, clock) {
            workload.stop().await;
            return Err(e);
        }
        Ok(workload)
    }

    fn spawn_tasks(&mut self, store: Store, clock: Arc<dyn Clock>) -> Result<()> {
        let bootstrap = self.bootstrap_servers().to_owned();
        let c = &self.config;
        let projector = Arc::new(ClaimProjector {
            saga_deadline_us: micros(c.saga_deadline),
        });
        let gate = Gate::new(store.clone(), clock.clone(), c.gate, projector);
        self.spawn_agents(&bootstrap, &gate)?;

        let c = &self.config;
        let producer = Producer {
            client: producer::client(&bootstrap)?,
            topic: c.topic.clone(),
            stream: EventStream::new(c.seed),
            rate: Rate { baseline: c.rate },
            max_events: c.max_events,
            counters: self.counters.clone(),
        };
        self.producer = Some(tokio::spawn(producer.run(self.shutdown.subscribe())));

        let worker = SagaWorker {
            store,
            clock,
            seed: c.seed,
            interval: c.saga_interval,
            counters: self.counters.clone(),
        };
        self.saga_worker = Some(tokio::spawn(worker.run(self.shutdown.subscribe())));
        tracing::info!(agents = c.agents, topic = %c.topic, group = %c.group, "demo started");
        Ok(())
    }

    /// One agent per configured member; the last of several runs model v2 as a canary.
    fn spawn_agents(&mut self, bootstrap: &str, gate: &Gate) -> Result<()> {
        let c = &self.config;
        let model = StandInModel::new(c.seed, c.latency_ms);
        self.counters
            .expect_group(c.agents, c.partitions.unsigned_abs() as usize);
        for i in 0..c.agents {
            let name = format!("agent-{}", i + 1);
            let agent = Agent {
                consumer: agent::consumer(bootstrap, &c.group, &c.topic, &name)?,
                version: if i + 1 == c.agents && c.agents > 1 {
                    Version::V2
                } else {
                    Version::V1
                },
                name,
                gate: gate.clone(),
                model: model.clone(),
                counters: self.counters.clone(),
            };
            self.agents
                .push(tokio::spawn(agent.run(self.shutdown.subscribe())));
        }
        Ok(())
    }

    /// `host:port,...` of the mock cluster, for a console or another client.
    pub fn bootstrap_servers(&self) -> &str {
        self.cluster.as_ref().map_or("", |c| c.bootstrap_servers())
    }

    pub fn config(&self) -> &WorkloadConfig {
        &self.config
    }

    /// The counters now.
    pub fn progress(&self) -> Progress {
        self.counters.snapshot()
    }

    /// Waits until `done` holds for the progress, or `timeout` passes; returns whether it held.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&Progress) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let changed = self.counters.changed_notify.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if done(&self.progress()) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }

            // A short cap on the wait re-checks counters no notification covers.
            let wake = deadline.min(Instant::now() + Duration::from_millis(250));
            let _ = tokio::time::timeout_at(wake, changed).await;
        }
    }

    /// Waits until the producer is done and every message it sent has been processed.
    pub async fn wait_drained(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, Progress::drained).await
    }

    /// Stops the workload and waits for it: the producer first, so nothing new arrives, then
    /// the agents (each finishes or abandons its message; an abandoned one stays uncommitted),
    /// then the saga worker, and the mock cluster last, once no client talks to it. Returns
    /// the final counts.
    pub async fn shutdown(mut self) -> Progress {
        self.stop().await;
        self.progress()
    }

    async fn stop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(producer) = self.producer.take() {
            join("producer", producer).await;
        }
        for agent in self.agents.drain(..) {
            join("agent", agent).await;
        }
        if let Some(worker) = self.saga_worker.take() {
            join("saga worker", worker).await;
        }
        if let Some(cluster) = self.cluster.take() {
            cluster.stop().await;
        }
        tracing::info!(progress = ?self.counters.snapshot(), "demo workload stopped");
    }
}

impl Drop for Workload {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn join(what: &str, task: JoinHandle<()>) {
    if let Err(e) = task.await {
        tracing::warn!(error = %e, "demo {what} task ended abnormally");
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}
