//! The embedded demo: SQLite, librdkafka's mock cluster and a fleet of simulated agents.
//!
//! [`Workload::start`] runs the whole thing against a [`Store`](crate::store::Store): a
//! producer sends insurance-claim events to the `claims` topic at a rate that swells and ebbs,
//! four agents in one consumer group pass them through the dedup [`Gate`](crate::gate::Gate)
//! with a seeded stand-in model (v1, and v2 as a canary on one agent), the [`ClaimProjector`]
//! starts a payout saga on each approval, and a saga worker advances those sagas, failing,
//! compensating and stalling a few. `verdict demo` opens the console on it; `verdict demo
//! --no-ui` only feeds the database.
//!
//! Known shortcomings:
//! - Not simulated: agent crashes mid-inference (the gate's lease takeover), outbox publishing
//!   (rows stay unpublished), and more than one topic.
//! - The stream is fixed by the seed, so a second run with the same seed on a database that
//!   already holds one answers every event as a duplicate; `verdict demo` therefore starts its
//!   own SQLite file afresh, but a `--db` database is used as it is.
//! - The saga worker only advances sagas still within their deadline; when a backlog delays a
//!   saga past it, that saga stays stuck like the deliberately stalled ones.
//! - The mock brokers live inside the demo process and die with it. While it runs they listen
//!   on loopback ports (printed at start); a second console reaches them with `--brokers`, but
//!   must name the group in its config, since the mock cluster does not answer ListGroups.

mod agent;
pub mod claims;
mod cluster;
mod failures;
pub mod model;
mod producer;
mod progress;
mod saga_worker;
pub mod stream;
mod workload;

use std::time::Duration;

pub use claims::{ClaimEvent, ClaimProjector};
pub use model::{StandInModel, Version};
pub use producer::Rate;
pub use progress::Progress;
pub use workload::{Workload, WorkloadConfig};

/// Options of `verdict demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Run the workload without the console, printing progress, until Ctrl-C or SIGTERM.
    #[arg(long)]
    pub no_ui: bool,

    /// Seed of the event stream, the model's replies and the sagas' fates.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,

    /// Baseline producer rate in events per second; the rate swings around it.
    #[arg(long, default_value_t = 20.0, value_name = "EVENTS_PER_SEC")]
    pub rate: f64,

    /// Stop after this many seconds.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub duration: Option<u64>,

    /// Stop producing after this many events; the demo ends once the agents have handled them.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub events: Option<u64>,

    /// Agents in the consumer group (the last one runs model v2).
    #[arg(long, default_value_t = 4)]
    pub agents: usize,
}

impl DemoArgs {
    /// The workload these options ask for.
    pub fn workload_config(&self) -> WorkloadConfig {
        WorkloadConfig {
            seed: self.seed,
            rate: self.rate,
            max_events: self.events,
            agents: self.agents,
            ..WorkloadConfig::default()
        }
    }

    /// The `--duration` limit, if any.
    pub fn duration(&self) -> Option<Duration> {
        self.duration.map(Duration::from_secs)
    }
}
