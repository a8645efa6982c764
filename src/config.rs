//! The configuration file (`config.example.toml` documents every setting) and how
//! secrets reach it: from the environment or a file, never from the file in git.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The whole configuration. Every section has defaults, so an empty file is valid.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Who is at the console; recorded on every operator action.
    pub operator: Option<String>,
    /// When true the console and CLI refuse every write.
    pub read_only: bool,
    pub database: DatabaseConfig,
    pub dedup: DedupConfig,
    pub kafka: KafkaConfig,
    pub console: ConsoleConfig,
}

/// Where the decision log and read model live.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// A URL without a password (`postgres://verdict@db:5432/verdict`, `sqlite://verdict.db`).
    pub url: Option<String>,
    /// Name of an environment variable holding the full URL (password included).
    pub url_env: Option<String>,
    /// Path of a file holding the full URL, such as a mounted secret.
    pub url_file: Option<PathBuf>,
    /// Upper bound on pooled connections.
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            url_env: None,
            url_file: None,
            max_connections: 8,
        }
    }
}

/// The dedup window and claim leases.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DedupConfig {
    /// How long a completed key answers duplicates.
    pub window_days: u32,
    /// How long a claim holds a key before another worker may take it over.
    pub lease_seconds: u32,
}

impl Default for DedupConfig {
    fn default() -> Self {
        Self {
            window_days: 32,
            lease_seconds: 60,
        }
    }
}

/// The Kafka cluster whose consumer lag the console tails.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaConfig {
    /// `host:port,host:port`; absent means no lag view.
    pub bootstrap_servers: Option<String>,
    /// Consumer groups always watched, listed by the broker or not.
    pub groups: Vec<String>,
    /// Whether to also watch every group the cluster lists.
    pub list_groups: bool,
    /// Time between two lag refreshes.
    pub refresh_interval_ms: u64,
    /// Deadline of each broker call.
    pub request_timeout_ms: u64,
    /// Passed as-is to librdkafka (`security.protocol`, `sasl.mechanisms`, `ssl.ca.location`).
    pub properties: BTreeMap<String, String>,
    /// librdkafka property -> environment variable holding its secret value.
    pub secret_env: BTreeMap<String, String>,
    /// librdkafka property -> file holding its secret value.
    pub secret_files: BTreeMap<String, PathBuf>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self {
            bootstrap_servers: None,
            groups: Vec::new(),
            list_groups: true,
            refresh_interval_ms: 5_000,
            request_timeout_ms: 3_000,
            properties: BTreeMap::new(),
            secret_env: BTreeMap::new(),
            secret_files: BTreeMap::new(),
        }
    }
}

impl KafkaConfig {
    /// The refresh interval as a duration (never below 100 ms).
    pub fn refresh_interval(&self) -> Duration {
        Duration::from_millis(self.refresh_interval_ms.max(100))
    }

    /// The per-call deadline as a duration (never below 50 ms).
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms.max(50))
    }

    /// Every librdkafka property, secrets resolved from the environment and files.
    pub fn client_properties(&self) -> Result<BTreeMap<String, String>> {
        let mut props = self.properties.clone();
        for (prop, var) in &self.secret_env {
            let value = std::env::var(var).map_err(|_| {
                Error::Config(format!(
                    "kafka.secret_env: environment variable {var} is not set"
                ))
            })?;
            props.insert(prop.clone(), value);
        }
        for (prop, path) in &self.secret_files {
            props.insert(prop.clone(), read_secret_file(path)?);
        }
        Ok(props)
    }
}

/// How the console looks and polls.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// A theme name from `themes/` or a path to a theme file.
    pub theme: String,
    /// Time between two database polls of the live views.
    pub refresh_ms: u64,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            theme: "default".into(),
            refresh_ms: 1_000,
        }
    }
}

impl Config {
    /// Reads and checks a config file; the message names the file, line and setting.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    /// Parses and checks config text.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        if config.database.url.as_deref().is_some_and(url_has_password) {
            let line = password_line(text).map_or_else(String::new, |n| format!("line {n}: "));
            return Err(format!(
                "{line}database.url holds a password; put the URL in the environment \
                 (database.url_env) or a file (database.url_file) instead"
            ));
        }
        config.check()?;
        Ok(config)
    }

    /// Refuses settings that are well-formed but wrong, secrets in the file above all.
    fn check(&self) -> std::result::Result<(), String> {
        self.database.check()?;
        for key in self.kafka.properties.keys() {
            if is_secret_property(key) {
                return Err(format!(
                    "kafka.properties.\"{key}\" is a secret; name an environment variable in \
                     kafka.secret_env or a file in kafka.secret_files instead"
                ));
            }
        }
        if self.dedup.window_days == 0 {
            return Err("dedup.window_days must be at least 1".into());
        }
        if self.dedup.lease_seconds == 0 {
            return Err("dedup.lease_seconds must be at least 1".into());
        }
        at_least(
            "kafka.refresh_interval_ms",
            self.kafka.refresh_interval_ms,
            MIN_REFRESH_MS,
        )?;
        at_least(
            "console.refresh_ms",
            self.console.refresh_ms,
            MIN_REFRESH_MS,
        )?;
        Ok(())
    }

    /// The database URL from the config's `url`, `url_env` or `url_file`, in that order.
    pub fn database_url(&self) -> Result<Option<String>> {
        if let Some(url) = &self.database.url {
            return Ok(Some(url.clone()));
        }
        if let Some(var) = &self.database.url_env {
            let url = std::env::var(var).map_err(|_| {
                Error::Config(format!(
                    "database.url_env: environment variable {var} is not set"
                ))
            })?;
            return Ok(Some(url));
        }
        match &self.database.url_file {
            Some(path) => Ok(Some(read_secret_file(path)?)),
            None => Ok(None),
        }
    }

    /// The operator's name: the config, then `VERDICT_OPERATOR`, `USER`, `LOGNAME`.
    pub fn operator_name(&self) -> String {
        self.operator
            .clone()
            .or_else(|| std::env::var("VERDICT_OPERATOR").ok())
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .unwrap_or_else(|| "unknown".into())
    }
}

/// The shortest refresh interval of the console and the lag tailer: faster polling only
/// loads the database and brokers.
pub const MIN_REFRESH_MS: u64 = 100;

fn at_least(setting: &str, value: u64, min: u64) -> std::result::Result<(), String> {
    if value < min {
        return Err(format!("{setting} is {value}; the minimum is {min}"));
    }
    Ok(())
}

impl DatabaseConfig {
    /// One source of the URL: two would leave which one wins to the reader's guess.
    fn check(&self) -> std::result::Result<(), String> {
        let given: Vec<&str> = [
            ("database.url", self.url.is_some()),
            ("database.url_env", self.url_env.is_some()),
            ("database.url_file", self.url_file.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect();
        if given.len() > 1 {
            let verb = if given.len() == 2 {
                "are both set"
            } else {
                "are all set"
            };
            return Err(format!("{} {verb}; set only one", given.join(" and ")));
        }
        Ok(())
    }
}

/// The 1-based line of the first `url = "..."` holding a password, for the error message.
fn password_line(text: &str) -> Option<usize> {
    let line = text.lines().position(|line| {
        let line = line.trim_start();
        line.starts_with("url")
            && line
                .split_once('=')
                .is_some_and(|(_, v)| url_has_password(v))
    })?;
    Some(line + 1)
}

/// Reads a one-line secret file, trimming the trailing newline.
fn read_secret_file(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("cannot read secret file {}: {e}", path.display())))?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

/// True for `scheme://user:password@host...`.
fn url_has_password(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((userinfo, _)) => userinfo.contains(':'),
        None => false,
    }
}

/// librdkafka properties that carry credentials.
fn is_secret_property(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("password")
        || key.contains("secret")
        || key.ends_with(".pem") && key.contains("key")
}

/// Hides the password of a URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_has_the_documented_defaults() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.dedup.window_days, 32);
        assert_eq!(c.kafka.refresh_interval_ms, 5_000);
        assert!(!c.read_only);
    }

    #[test]
    fn unknown_setting_is_named_with_its_line() {
        let err = Config::parse("[dedup]\nwindow_dayz = 3\n").unwrap_err();
        assert!(err.contains("window_dayz"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn password_in_database_url_is_refused() {
        let err = Config::parse("[database]\nurl = \"postgres://u:hunter2@db/v\"\n").unwrap_err();
        assert!(err.contains("url_env"), "{err}");
        assert!(err.starts_with("line 2: "), "{err}");
        assert!(!err.contains("hunter2"));
    }

    #[test]
    fn two_sources_of_the_database_url_are_refused_by_name() {
        let err =
            Config::parse("[database]\nurl = \"sqlite://a.db\"\nurl_env = \"DB\"\n").unwrap_err();
        assert_eq!(
            err,
            "database.url and database.url_env are both set; set only one"
        );
        let err =
            Config::parse("[database]\nurl_env = \"DB\"\nurl_file = \"/run/db\"\n").unwrap_err();
        assert!(
            err.contains("database.url_env and database.url_file"),
            "{err}"
        );
    }

    #[test]
    fn refresh_intervals_below_the_minimum_are_refused() {
        let err = Config::parse("[console]\nrefresh_ms = 0\n").unwrap_err();
        assert_eq!(err, "console.refresh_ms is 0; the minimum is 100");
        let err = Config::parse("[kafka]\nrefresh_interval_ms = 99\n").unwrap_err();
        assert_eq!(err, "kafka.refresh_interval_ms is 99; the minimum is 100");
        assert!(Config::parse("[kafka]\nrefresh_interval_ms = 100\n").is_ok());
    }

    #[test]
    fn secret_kafka_property_is_refused() {
        let err = Config::parse("[kafka.properties]\n\"sasl.password\" = \"x\"\n").unwrap_err();
        assert!(err.contains("secret_env"), "{err}");
    }

    #[test]
    fn redaction_hides_only_the_password() {
        assert_eq!(
            redact_url("postgres://u:pw@h:5432/db?x=1"),
            "postgres://u:***@h:5432/db?x=1"
        );
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}

#[cfg(test)]
mod example_file {
    use super::*;

    #[test]
    fn config_example_parses_and_matches_the_defaults() {
        let text = include_str!("../config.example.toml");
        let c = Config::parse(text).expect("config.example.toml parses");
        let d = Config::default();
        assert_eq!(c.dedup.window_days, d.dedup.window_days);
        assert_eq!(c.dedup.lease_seconds, d.dedup.lease_seconds);
        assert_eq!(c.kafka.refresh_interval_ms, d.kafka.refresh_interval_ms);
        assert_eq!(c.kafka.request_timeout_ms, d.kafka.request_timeout_ms);
        assert_eq!(c.kafka.list_groups, d.kafka.list_groups);
        assert_eq!(c.console.refresh_ms, d.console.refresh_ms);
        assert_eq!(c.database.max_connections, d.database.max_connections);
    }

    #[test]
    fn every_commented_example_setting_is_accepted() {
        let uncommented: String = include_str!("../config.example.toml")
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if rest.contains(" = ") && rest.contains("# example") => rest,
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        // Only one database source may be set; keep the first url and drop the others.
        let text = uncommented
            .replace("url = \"sqlite://verdict.db\"", "")
            .replace("url_env = \"VERDICT_DB_URL_PROD\"", "")
            .replace("url_file = \"/run/secrets/verdict-db-url\"", "");
        let c = Config::parse(&text).expect("uncommented example parses");
        assert_eq!(c.operator.as_deref(), Some("ana"));
        assert_eq!(
            c.kafka
                .properties
                .get("sasl.mechanisms")
                .map(String::as_str),
            Some("SCRAM-SHA-512")
        );
        assert_eq!(
            c.kafka.secret_env.get("sasl.password").map(String::as_str),
            Some("VERDICT_KAFKA_PASSWORD")
        );
    }
}
