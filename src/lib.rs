//! verdict: at-least-once delivery, exactly-once inference.
//!
//! The library half of verdict: the dedup [`gate`] an agent wraps around its model call, the
//! decision log and read model in [`store`], [`saga`]s with pre-coded compensations, and the
//! Kafka lag tailer in [`kafka`]. The console in [`ui`] sits on top; nothing below it imports it.

pub mod clock;
pub mod config;
pub mod demo;
pub mod error;
pub mod gate;
pub mod kafka;
pub mod key;
pub mod model;
pub mod projection;
pub mod saga;
pub mod settings;
pub mod store;
pub mod ui;
pub mod ui_text;

pub use error::{Error, Result};
