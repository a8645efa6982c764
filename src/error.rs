//! Typed errors of the verdict library; the binary adds context at the edge.

use thiserror::Error;

/// Everything the library can fail with.
#[derive(Debug, Error)]
pub enum Error {
    /// The database could not be reached or refused a statement.
    #[error("database: {0}")]
    Database(sqlx::Error),

    /// A schema migration failed.
    #[error("migration: {0}")]
    Migration(sqlx::migrate::MigrateError),

    /// The Kafka client or broker reported an error.
    #[error("kafka: {0}")]
    Kafka(rdkafka::error::KafkaError),

    /// The configuration is unusable; the message names the setting.
    #[error("config: {0}")]
    Config(String),

    /// The caller's input is wrong (an empty key part, an unknown id, ...).
    #[error("{0}")]
    Invalid(String),

    /// A row changed under us (optimistic locking) or is in a state the operation forbids.
    #[error("conflict: {0}")]
    Conflict(String),

    /// The model call wrapped by the gate failed; nothing was written but the claim.
    #[error("inference failed: {0}")]
    Inference(String),

    /// The console could not set up, draw on or restore the terminal.
    #[error("terminal: {0}")]
    Terminal(std::io::Error),
}

// The conversions are written out rather than derived with `#[from]`, which would also make
// the inner error the `source()`: each message already includes it, and error chains printed
// with `{:#}` would repeat it.
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e)
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Migration(e)
    }
}

impl From<rdkafka::error::KafkaError> for Error {
    fn from(e: rdkafka::error::KafkaError) -> Self {
        Self::Kafka(e)
    }
}

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
