//! Kafka consumer lag: the tailer task, its snapshot types and the Burrow-like evaluator.

pub mod status;
