//! Benchmark: CPU used by an idle console.
//!
//! Starts the release (or test) build of `verdict` in a detached tmux pane on a migrated,
//! quiet SQLite database, lets it settle, then reads the process's CPU ticks from
//! `/proc/PID/stat` over a measuring window. `cargo bench --bench idle_cpu` measures 60 s;
//! under `cargo test` a 3 s smoke run checks the bench works. Needs tmux.

use std::process::Command;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let full = std::env::args().any(|a| a == "--bench");
    let window = Duration::from_secs(if full { 60 } else { 3 });
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("idle.db").display());
    let migrated = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(["migrate", "--db", &url])
        .output()?;
    if !migrated.status.success() {
        return Err(format!(
            "migrate failed: {}",
            String::from_utf8_lossy(&migrated.stderr)
        )
        .into());
    }

    let socket = format!("verdict-idle-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket])
            .args(args)
            .output()
    };
    let log = dir.path().join("verdict.log");
    let command = format!(
        "VERDICT_LOG_FILE={} exec {} --db {url}",
        log.display(),
        env!("CARGO_BIN_EXE_verdict")
    );
    let started = tmux(&["new-session", "-d", "-x", "160", "-y", "48", &command])?;
    if !started.status.success() {
        return Err("tmux is needed for this benchmark".into());
    }
    let result = measure(&tmux, window);
    let _ = tmux(&["kill-server"]);
    let (ticks, per_core) = result?;
    println!(
        "idle console at 160x48, {}s window: {ticks} CPU ticks = {:.2}% of one core",
        window.as_secs(),
        per_core * 100.0
    );
    Ok(())
}

type Tmux<'a> = dyn Fn(&[&str]) -> std::io::Result<std::process::Output> + 'a;

/// Waits for the console to draw, then returns its CPU ticks over `window` and the share of
/// one core they make.
fn measure(tmux: &Tmux, window: Duration) -> Result<(u64, f64), Box<dyn std::error::Error>> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let screen = tmux(&["capture-pane", "-p"])?;
        if String::from_utf8_lossy(&screen.stdout).contains("Overview") {
            break;
        }
        if Instant::now() > deadline {
            return Err("the console did not draw within 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let pane = tmux(&["display-message", "-p", "#{pane_pid}"])?;
    let pid: u32 = String::from_utf8_lossy(&pane.stdout).trim().parse()?;

    // Let the first polls and draws pass before measuring.
    std::thread::sleep(Duration::from_secs(2));
    let before = cpu_ticks(pid)?;
    std::thread::sleep(window);
    let ticks = cpu_ticks(pid)? - before;
    let hz = 100.0; // USER_HZ on Linux
    Ok((ticks, ticks as f64 / hz / window.as_secs_f64()))
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64, Box<dyn std::error::Error>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after_name = stat.rsplit_once(')').ok_or("malformed /proc stat")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: u64 = fields.get(11).ok_or("no utime")?.parse()?;
    let stime: u64 = fields.get(12).ok_or("no stime")?.parse()?;
    Ok(utime + stime)
}
