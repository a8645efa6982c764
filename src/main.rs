//! The `verdict` binary: the console and the scriptable commands.

mod cli;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// How long exiting waits for blocking work nobody awaits any more.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

fn main() -> ExitCode {
    let args = cli::Args::parse();
    let _log_guard = cli::logging::init(args.command.as_ref());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("verdict: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(cli::run(args));

    // Work still on the blocking pool here was abandoned on purpose (a lag refresh waiting
    // on a dead broker, say): give it a moment, never its full request timeout.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("verdict: {e:#}");
            ExitCode::FAILURE
        }
    }
}
