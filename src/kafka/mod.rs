//! Kafka consumer lag: a tailer task that reads committed offsets and watermarks of every
//! watched consumer group, and a Burrow-like evaluator that says which ones are in trouble.
//!
//! Layout: [`lag`] holds the snapshot types the console reads, [`status`] the pure
//! evaluator, [`collector`] one blocking refresh against the brokers (helped by `commits`,
//! `marks`, `rows` and `probe`), [`tailer`] the thread that runs refreshes on an interval
//! and publishes snapshots on a `watch` channel.
//!
//! The tailer never joins a watched group: it reads a group's committed offsets through a
//! consumer created with that `group.id` that never subscribes and never commits.

pub mod assignment;
mod clients;
pub mod collector;
mod commits;
pub mod lag;
mod marks;
mod probe;
mod rows;
pub mod status;
pub mod tailer;
mod transport;

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::ClientConfig;

use crate::error::{Error, Result};
use crate::settings::Settings;

/// Group clients kept open at once; beyond that the least recently used is closed.
pub const DEFAULT_MAX_GROUP_CLIENTS: usize = 256;

/// Committed-offset reads in flight at once during a refresh.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 12;

/// Every this many refreshes (5 minutes at the default 5 s interval) a group's commits are
/// asked for over all topics, not only the ones it is known to consume, so a topic it
/// starts consuming is found even where the broker does not describe assignments. These
/// full reads are most of a refresh's work when frequent: at 200 groups and 2,000
/// partitions, every 12 refreshes they doubled the commit phase.
pub const DEFAULT_REDISCOVER_EVERY: u64 = 60;

/// Everything the tailer needs, resolved from the settings.
#[derive(Debug, Clone)]
pub struct LagConfig {
    /// `host:port,...`.
    pub brokers: String,
    /// librdkafka properties, secrets already resolved: never log them.
    pub properties: BTreeMap<String, String>,
    /// Groups always watched.
    pub groups: Vec<String>,
    /// Whether to also watch every group the cluster lists.
    pub list_groups: bool,
    pub refresh_interval: Duration,
    /// Deadline of each broker call.
    pub request_timeout: Duration,
    /// Upper bound on the per-group clients kept open.
    pub max_group_clients: usize,
    /// Committed-offset reads in flight at once (each a blocking call with the deadline).
    pub max_in_flight: usize,
    /// Refreshes between two reads of a group's commits over all topics.
    pub rediscover_every: u64,
}

impl LagConfig {
    /// Builds the lag settings; fails when no bootstrap servers are known.
    pub fn from_settings(settings: &Settings) -> Result<Self> {
        let kafka = &settings.config.kafka;
        let brokers = settings.brokers.clone().ok_or_else(|| {
            Error::Config(
                "no Kafka brokers given: pass --brokers HOST:PORT, set VERDICT_KAFKA_BROKERS, \
                 or set [kafka] bootstrap_servers in the config file"
                    .into(),
            )
        })?;
        validate_brokers(&brokers)?;
        Ok(Self {
            brokers,
            properties: kafka.client_properties()?,
            groups: kafka.groups.clone(),
            list_groups: kafka.list_groups,
            refresh_interval: kafka.refresh_interval(),
            request_timeout: kafka.request_timeout(),
            max_group_clients: DEFAULT_MAX_GROUP_CLIENTS,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            rediscover_every: DEFAULT_REDISCOVER_EVERY,
        })
    }

    /// A minimal config for `brokers` with the defaults of an empty config file.
    pub fn for_brokers(brokers: impl Into<String>) -> Self {
        let defaults = crate::config::KafkaConfig::default();
        Self {
            brokers: brokers.into(),
            properties: BTreeMap::new(),
            groups: Vec::new(),
            list_groups: defaults.list_groups,
            refresh_interval: defaults.refresh_interval(),
            request_timeout: defaults.request_timeout(),
            max_group_clients: DEFAULT_MAX_GROUP_CLIENTS,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            rediscover_every: DEFAULT_REDISCOVER_EVERY,
        }
    }

    /// The librdkafka config every tailer client starts from: the user's properties, then
    /// what the tailer needs to stay a pure observer.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        let timeout_ms = self.request_timeout.as_millis().to_string();
        config
            .set("bootstrap.servers", &self.brokers)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("socket.timeout.ms", timeout_ms.max("10".into()))
            .set("allow.auto.create.topics", "false")
            .set("log_level", "3")
            // Pinned: rdkafka would otherwise follow the `log` crate's level. Only the
            // collector's clients serve these lines (see `TransportErrors`).
            .set_log_level(RDKafkaLogLevel::Error);
        config
    }

    /// The config of a client that reads `group`'s commits. It only ever sends
    /// FindCoordinator and OffsetFetch, so it needs no periodic topic metadata.
    ///
    /// librdkafka still starts one thread per broker it learns of (plus its main, internal
    /// and coordinator threads), whatever the bootstrap list: a client costs about
    /// brokers + 3 threads, which is why the set of them is bounded.
    pub fn group_client_config(&self, group: &str) -> ClientConfig {
        let mut config = self.client_config();
        config
            .set("group.id", group)
            .set("topic.metadata.refresh.interval.ms", "-1")
            .set("enable.partition.eof", "false");
        config
    }
}

/// Checks a bootstrap list is `HOST:PORT[,HOST:PORT...]` before any client is made:
/// librdkafka would accept a malformed one and only ever report a transport failure.
pub fn validate_brokers(brokers: &str) -> Result<()> {
    let bad = |entry: &str, why: &str| {
        Err(Error::Config(format!(
            "bad Kafka broker '{entry}' in '{brokers}': {why} (expected HOST:PORT[,HOST:PORT...])"
        )))
    };
    if brokers.trim().is_empty() {
        return bad("", "the list is empty");
    }
    for entry in brokers.split(',').map(str::trim) {
        // A scheme is allowed by librdkafka only as PLAINTEXT:// and friends; keep it simple.
        let address = entry.split_once("://").map_or(entry, |(_, rest)| rest);
        let Some((host, port)) = address.rsplit_once(':') else {
            return bad(entry, "no port");
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
            return bad(entry, "no host name");
        }
        if !port.parse::<u16>().is_ok_and(|p| p > 0) {
            return bad(entry, "the port is not a number from 1 to 65535");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate_brokers;

    #[test]
    fn broker_lists_are_host_port_pairs() {
        for good in ["127.0.0.1:9092", "kafka-1:9092, kafka-2:9093", "[::1]:9092"] {
            assert!(validate_brokers(good).is_ok(), "{good}");
        }
        for (bad, named) in [
            ("localhost", "'localhost'"),
            ("kafka:9092,kafka2", "'kafka2'"),
            ("kafka:port", "'kafka:port'"),
            (":9092", "':9092'"),
            ("kafka:0", "'kafka:0'"),
            ("", "empty"),
        ] {
            let err = validate_brokers(bad).expect_err(bad).to_string();
            assert!(err.contains(named), "{bad}: {err}");
        }
    }
}
