//! `verdict lag`: consumer lag per group and partition, once or `--watch`ed, text or JSON.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use verdict::clock::{format_us, SystemClock};
use verdict::kafka::collector::Collector;
use verdict::kafka::lag::{format_lag_time, GroupLag, LagSnapshot, PartitionLag};
use verdict::kafka::status::{note_text, MIN_SAMPLES};
use verdict::kafka::{tailer, LagConfig};
use verdict::settings::Settings;
use verdict::text::printable;

/// Exit code when the cluster could not be read.
const UNREACHABLE: u8 = 2;

/// Runs `verdict lag`. `groups`, when given, replaces the configured and listed groups.
pub async fn run(
    settings: &Settings,
    groups: Vec<String>,
    json: bool,
    watch: bool,
) -> anyhow::Result<ExitCode> {
    let mut config = LagConfig::from_settings(settings)?;
    if !groups.is_empty() {
        config.groups = groups;
        config.list_groups = false;
    }
    if watch {
        return watch_lag(config, json).await;
    }
    let mut collector = Collector::new(config, Arc::new(SystemClock))?;
    let snapshot = tokio::task::spawn_blocking(move || collector.refresh())
        .await
        .context("lag refresh")?;
    if let Some(error) = &snapshot.error {
        eprintln!("verdict: {}", printable(error));
        return Ok(ExitCode::from(UNREACHABLE));
    }
    print_snapshot(&snapshot, json)?;
    if !json {
        println!("(statuses need {MIN_SAMPLES} samples; `verdict lag --watch` judges over time)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints every new snapshot until Ctrl-C.
async fn watch_lag(config: LagConfig, json: bool) -> anyhow::Result<ExitCode> {
    let (handle, mut rx) = tailer::spawn(config, Arc::new(SystemClock))?;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            changed = rx.changed() => {
                if changed.is_err() {
                    break;
                }
                let snapshot = rx.borrow_and_update().clone();
                if let Some(error) = &snapshot.error {
                    eprintln!("verdict: {} (showing the last rows read)", printable(error));
                }
                print_snapshot(&snapshot, json)?;
            }
        }
    }
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

fn print_snapshot(snapshot: &LagSnapshot, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(snapshot)?);
        return Ok(());
    }
    println!("lag at {}", format_us(snapshot.taken_at_us));
    for notice in &snapshot.notices {
        println!("note: {}", printable(notice));
    }
    if snapshot.groups.is_empty() {
        println!("no consumer groups to watch (name some with --group or [kafka] groups)");
    }
    for group in &snapshot.groups {
        print_group(group, snapshot.taken_at_us);
    }
    Ok(())
}

fn print_group(group: &GroupLag, now_us: i64) {
    let stale = match &group.error {
        Some(e) => format!(
            "  STALE {} old: {}",
            verdict::kafka::lag::format_duration(group.age_us(now_us)),
            printable(e)
        ),
        None => String::new(),
    };
    println!(
        "\n{:<6} {}  state {}  lag {}  members {}{stale}",
        group.status.as_str(),
        printable(&group.name),
        printable(&group.state),
        group.total_lag,
        group.members.len()
    );
    if let Some(reason) = &group.reason {
        println!("  {}", printable(reason));
    }
    println!(
        "  {:<6} {:<24} {:>4} {:>12} {:>12} {:>12} {:>12} {:>10} {:>8}  notes",
        "status",
        "topic",
        "part",
        "committed",
        "log start",
        "high wm",
        "last stable",
        "lag",
        "time"
    );
    for p in &group.partitions {
        println!("{}", partition_line(p));
    }
}

fn partition_line(p: &PartitionLag) -> String {
    let mut notes: Vec<String> = p.notes.iter().map(note_text).collect();
    if p.ownership == verdict::kafka::status::Ownership::Unowned {
        notes.push("no member owns it".into());
    }
    if let Some(owner) = &p.owner {
        notes.push(format!(
            "owner {}@{}",
            printable(&owner.client_id),
            printable(&owner.host)
        ));
    }
    format!(
        "  {:<6} {:<24} {:>4} {:>12} {:>12} {:>12} {:>12} {:>10} {:>8}  {}",
        p.status.as_str(),
        printable(&p.topic),
        p.partition,
        p.committed_text(),
        p.log_start,
        p.high_watermark,
        p.last_stable,
        p.lag,
        format_lag_time(&p.lag_time),
        notes.join("; ")
    )
}
