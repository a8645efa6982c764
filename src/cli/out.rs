//! Stdout for the scriptable commands, where a reader that stops early (`verdict stats |
//! head -1`) is a normal end of the command, not a failure.
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with `BrokenPipe`; `println!`
//! turns that into a panic. Commands print through [`emit`] instead, and [`finish`] turns
//! the resulting [`ReaderGone`] into a quiet exit 0.

use std::io::{self, Write};
use std::process::ExitCode;

/// Whoever read stdout closed it: stop printing, nothing went wrong.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed by its reader")]
pub struct ReaderGone;

/// Writes `text` to stdout and flushes it.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(ReaderGone.into()),
        Err(e) => Err(anyhow::Error::new(e).context("cannot write to stdout")),
        Ok(()) => Ok(()),
    }
}

/// The exit of a command: a closed stdout ends it with success, quietly.
pub fn finish(outcome: anyhow::Result<ExitCode>) -> anyhow::Result<ExitCode> {
    match outcome {
        Err(e) if e.is::<ReaderGone>() => Ok(ExitCode::SUCCESS),
        other => other,
    }
}
