//! What a command runs against: the config file merged with flags and environment overrides.

use std::path::Path;

use crate::config::Config;
use crate::error::{Error, Result};

/// Values given on the command line or in the environment; each beats the config file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--db` / `VERDICT_DATABASE_URL`.
    pub db: Option<String>,
    /// `--brokers` / `VERDICT_KAFKA_BROKERS`.
    pub brokers: Option<String>,
    /// `--read-only`.
    pub read_only: bool,
}

/// The resolved settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    /// The database URL, secrets included: never print it, use [`Settings::display_db`].
    pub db_url: Option<String>,
    pub brokers: Option<String>,
    pub operator: String,
    pub read_only: bool,
}

impl Settings {
    /// Loads the config file (if any) and applies the overrides.
    pub fn resolve(config_path: Option<&Path>, overrides: Overrides) -> Result<Self> {
        let config = match config_path {
            Some(path) => Config::load(path)?,
            None => Config::default(),
        };
        Self::from_config(config, overrides)
    }

    /// Applies the overrides to an already loaded config.
    pub fn from_config(config: Config, overrides: Overrides) -> Result<Self> {
        let db_url = match overrides.db.filter(|s| !s.trim().is_empty()) {
            Some(url) => Some(url),
            None => config.database_url()?,
        };
        let brokers = overrides
            .brokers
            .filter(|s| !s.trim().is_empty())
            .or_else(|| config.kafka.bootstrap_servers.clone());
        Ok(Self {
            operator: config.operator_name(),
            read_only: overrides.read_only || config.read_only,
            db_url,
            brokers,
            config,
        })
    }

    /// The database URL, or the message that tells the user how to give one.
    pub fn require_db(&self) -> Result<&str> {
        self.db_url.as_deref().ok_or_else(|| {
            Error::Config(
                "no database given: pass --db URL, set VERDICT_DATABASE_URL, or set \
                 [database] in the file named by --config (try `verdict demo` for a local one)"
                    .into(),
            )
        })
    }

    /// The database URL with its password hidden.
    pub fn display_db(&self) -> String {
        self.db_url
            .as_deref()
            .map(crate::config::redact_url)
            .unwrap_or_else(|| "-".into())
    }
}
