//! Tracing to a file, never to the screen: `RUST_LOG`, then `VERDICT_LOG`, sets the filter.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use super::Command;

/// Keeps logging alive for the process; dropping it does nothing today.
pub struct LogGuard;

/// Where logs go: `VERDICT_LOG_FILE`, else `$XDG_STATE_HOME/verdict/verdict.log`, else
/// `~/.local/state/verdict/verdict.log`, else the temp dir.
pub fn log_path() -> PathBuf {
    if let Ok(p) = std::env::var("VERDICT_LOG_FILE") {
        return PathBuf::from(p);
    }
    state_dir().join("verdict.log")
}

/// verdict's own state directory: `$XDG_STATE_HOME/verdict`, else `~/.local/state/verdict`,
/// else `verdict` in the temp dir.
pub fn state_dir() -> PathBuf {
    let state = std::env::var("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|_| std::env::var("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|_| std::env::temp_dir());
    state.join("verdict")
}

/// Installs the file logger; a log that cannot be opened disables logging, never the command.
pub fn init(_command: Option<&Command>) -> Option<LogGuard> {
    let filter = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("VERDICT_LOG"))
        .unwrap_or_else(|_| "verdict=info,warn".into());
    let path = log_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .ok()?;
    Some(LogGuard)
}
