//! The console in a real terminal (tmux): the terminal is restored on quit and on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of this test's own, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(command: &str) -> Self {
        let socket = format!("verdict-test-{}", uuid::Uuid::now_v7().simple());
        let tmux = Self { socket };
        let ok = tmux.run(&["new-session", "-d", "-x", "80", "-y", "24", command]);
        assert!(ok.status.success(), "tmux is needed for this test: {ok:?}");
        tmux
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux is needed for this test (apt-get install tmux)")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p"]).stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// Polls `check` until it holds or the deadline passes.
fn wait_for(what: &str, deadline: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts the console on a fresh database inside tmux. After it exits, the shell records its
/// exit code and the terminal settings into `after`.
async fn console_in_tmux(dir: &Path) -> (Tmux, PathBuf, String) {
    let url = format!("sqlite://{}", dir.join("verdict.db").display());
    verdict::store::Store::connect_and_migrate(&url, 1)
        .await
        .unwrap();
    let after = dir.join("after.txt");
    let command = format!(
        "VERDICT_LOG_FILE={log} {bin} --db {url}; echo \"exit=$?\" > {out}; stty -a >> {out}; sleep 60",
        log = dir.join("verdict.log").display(),
        bin = env!("CARGO_BIN_EXE_verdict"),
        out = after.display(),
    );
    let tmux = Tmux::start(&command);
    wait_for("the console to draw", Duration::from_secs(30), || {
        tmux.screen().contains("Overview")
    });
    (tmux, after, url)
}

fn assert_restored(after: &Path, tmux: &Tmux) {
    wait_for("the console to exit", Duration::from_secs(10), || {
        after.exists()
    });
    wait_for("stty output", Duration::from_secs(5), || {
        std::fs::read_to_string(after)
            .unwrap_or_default()
            .contains("icanon")
    });
    let report = std::fs::read_to_string(after).unwrap();
    assert!(report.starts_with("exit=0"), "{report}");
    let words: Vec<&str> = report.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "raw mode left on: {report}"
    );
    let screen = tmux.screen();
    assert!(
        !screen.contains("Overview"),
        "alternate screen still shown:\n{screen}"
    );
}

/// The pid of the verdict process (not the shell around it) started with this URL.
fn console_pid(url: &str) -> Option<u32> {
    let out = Command::new("pgrep").args(["-f", url]).output().ok()?;
    let binary = std::fs::canonicalize(env!("CARGO_BIN_EXE_verdict")).ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse::<u32>().ok())
        .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).ok().as_ref() == Some(&binary))
}

#[tokio::test]
async fn quitting_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let (tmux, after, _) = console_in_tmux(dir.path()).await;
    tmux.run(&["send-keys", "q"]);
    assert_restored(&after, &tmux);
}

#[tokio::test]
async fn sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let (tmux, after, url) = console_in_tmux(dir.path()).await;
    let pid = console_pid(&url).expect("the console process");
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_restored(&after, &tmux);
}
