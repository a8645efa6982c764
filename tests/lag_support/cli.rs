//! Running the `verdict` binary from tests: its output, or a child whose stdout the test
//! reads and closes early, the way `| head` does.

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub use std::process::Output;

/// `verdict` with no database, config or brokers from the environment.
fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_verdict"));
    command
        .args(args)
        .env_remove("VERDICT_DATABASE_URL")
        .env_remove("VERDICT_CONFIG")
        .env_remove("VERDICT_KAFKA_BROKERS")
        .env(
            "VERDICT_LOG_FILE",
            std::env::temp_dir().join("verdict-cli-test.log"),
        );
    command
}

/// Runs verdict to its end.
pub fn verdict(args: &[&str]) -> Output {
    command(args).output().expect("run verdict")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Spawns verdict with stdout and stderr piped; the caller decides when the reading end of
/// stdout goes away.
pub fn spawn_piped(args: &[&str], config: Option<&Path>) -> Child {
    let mut command = command(args);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(config) = config {
        command.env("VERDICT_CONFIG", config);
    }
    command.spawn().expect("spawn verdict")
}

/// Waits for `child` with a bounded deadline; kills it and fails when it does not exit.
pub fn exit_of(mut child: Child) -> (ExitStatus, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("wait for verdict") {
            let mut err = String::new();
            let mut pipe = child.stderr.take().expect("stderr piped");
            std::io::Read::read_to_string(&mut pipe, &mut err).expect("stderr readable");
            return (status, err);
        }
        if Instant::now() > deadline {
            child.kill().expect("kill verdict");
            panic!("verdict did not exit after its stdout was closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A command that ended because its reader left: exit 0, no panic, no error.
pub fn assert_quiet_end(status: ExitStatus, err: &str) {
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
    assert_eq!(status.code(), Some(0), "{err}");
}
