//! Why a broker could not be reached. librdkafka answers a failed call with a bare
//! "broker transport failure"; the cause (connection refused, a name that does not
//! resolve) only reaches its log, as a `FAIL` line. This context keeps the last one.

use std::sync::{Arc, Mutex, PoisonError};

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::KafkaError;

/// A client context remembering the last connection failure librdkafka logged. Clones
/// share it, so the tailer's clients pool what they saw.
#[derive(Debug, Clone, Default)]
pub struct TransportErrors {
    last: Arc<Mutex<Option<String>>>,
}

impl TransportErrors {
    /// The last cause reported since the last [`TransportErrors::clear`].
    pub fn last(&self) -> Option<String> {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets the last cause (after a call that succeeded).
    pub fn clear(&self) {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

impl ClientContext for TransportErrors {
    /// Logs are called from librdkafka's threads as they happen, no polling needed.
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        if facility == "FAIL" {
            // "[thrd:HOST:PORT/bootstrap]: HOST:PORT/bootstrap: Connect to ... failed: ..."
            let cause = match message.split_once("]: ") {
                Some((thread, rest)) if thread.starts_with("[thrd:") => rest,
                _ => message,
            };
            *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(cause.to_owned());
        }
        match level {
            RDKafkaLogLevel::Debug | RDKafkaLogLevel::Info | RDKafkaLogLevel::Notice => {
                tracing::debug!(facility, message, "librdkafka")
            }
            _ => tracing::warn!(facility, message, "librdkafka"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        tracing::debug!(%error, reason, "librdkafka error");
    }
}

impl ConsumerContext for TransportErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_connection_failure_without_the_thread_name() {
        let errors = TransportErrors::default();
        errors.log(RDKafkaLogLevel::Error, "CONFWARN", "unrelated");
        assert_eq!(errors.last(), None);

        let line = "[thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect to \
                    ipv4#127.0.0.1:1 failed: Connection refused";
        errors.clone().log(RDKafkaLogLevel::Error, "FAIL", line);
        let last = errors.last().unwrap_or_default();
        assert!(
            last.starts_with("127.0.0.1:1/bootstrap: Connect to"),
            "{last}"
        );

        errors.clear();
        assert_eq!(errors.last(), None);
    }
}
