//! `verdict lag`: consumer lag per group and partition, once or `--watch`ed, text or JSON.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use verdict::clock::{format_us, SystemClock};
use verdict::kafka::collector::Collector;
use verdict::kafka::lag::{format_lag_time, GroupLag, LagSnapshot, PartitionLag};
use verdict::kafka::status::{note_text, Status, MIN_SAMPLES};
use verdict::kafka::{tailer, LagConfig};
use verdict::settings::Settings;
use verdict::ui_text::printable;

use super::out;

/// Exit code when the cluster could not be read.
const UNREACHABLE: u8 = 2;

/// Runs `verdict lag`. `groups`, when given, replaces the configured and listed groups.
pub async fn run(
    settings: &Settings,
    groups: Vec<String>,
    json: bool,
    watch: bool,
) -> anyhow::Result<ExitCode> {
    out::finish(run_inner(settings, groups, json, watch).await)
}

async fn run_inner(
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
    let mut text = snapshot_text(&snapshot, json, Samples::One)?;
    if !json {
        text.push_str(&format!(
            "(one sample: \"-\" means read without error; statuses need {MIN_SAMPLES} samples, \
             `verdict lag --watch` judges over time)\n"
        ));
    }
    out::emit(&text)?;

    // A script checking lag learns from the exit code that a watched group is in error.
    let in_error = snapshot.groups.iter().any(|g| g.status == Status::Err);
    Ok(if in_error {
        ExitCode::from(GROUP_IN_ERROR)
    } else {
        ExitCode::SUCCESS
    })
}

/// Exit code of a one-shot `verdict lag` that read the cluster and found a group in ERR.
const GROUP_IN_ERROR: u8 = 1;

/// Prints every new snapshot until Ctrl-C or until stdout's reader goes away.
async fn watch_lag(config: LagConfig, json: bool) -> anyhow::Result<ExitCode> {
    let (handle, mut rx) = tailer::spawn(config, Arc::new(SystemClock))?;
    let outcome = loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break Ok(()),
            changed = rx.changed() => {
                if changed.is_err() {
                    break Ok(());
                }
                let snapshot = rx.borrow_and_update().clone();
                if let Some(error) = &snapshot.error {
                    eprintln!("verdict: {} (showing the last rows read)", printable(error));
                }
                let text = snapshot_text(&snapshot, json, Samples::Many);
                if let Err(e) = text.and_then(|t| out::emit(&t)) {
                    break Err(e);
                }
            }
        }
    };

    // Stop the tailer whatever ended the loop; a closed stdout is then a quiet success.
    handle.shutdown().await;
    outcome.map(|()| ExitCode::SUCCESS)
}

/// How many samples the statuses were judged on. One is too few to judge anything but an
/// error, so a one-shot run shows "-" where a status would say OK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Samples {
    One,
    Many,
}

fn label(status: Status, samples: Samples) -> &'static str {
    match (status, samples) {
        (Status::Ok, Samples::One) => "-",
        _ => status.as_str(),
    }
}

/// One snapshot as text (a table per group) or as one line of JSON.
fn snapshot_text(snapshot: &LagSnapshot, json: bool, samples: Samples) -> anyhow::Result<String> {
    if json {
        return Ok(format!("{}\n", serde_json::to_string(snapshot)?));
    }
    let mut text = format!("lag at {}\n", format_us(snapshot.taken_at_us));
    for notice in &snapshot.notices {
        text.push_str(&format!("note: {}\n", printable(notice)));
    }
    if snapshot.groups.is_empty() && snapshot.error.is_some() {
        text.push_str("no rows yet: the cluster has not been read successfully\n");
    } else if snapshot.groups.is_empty() {
        text.push_str("no consumer groups to watch (name some with --group or [kafka] groups)\n");
    }
    for group in &snapshot.groups {
        group_text(&mut text, group, snapshot.taken_at_us, samples);
    }
    Ok(text)
}

fn group_text(text: &mut String, group: &GroupLag, now_us: i64, samples: Samples) {
    let stale = match &group.error {
        Some(e) => format!(
            "  STALE {} old: {}",
            verdict::kafka::lag::format_duration(group.age_us(now_us)),
            printable(e)
        ),
        None => String::new(),
    };
    text.push_str(&format!(
        "\n{:<6} {}  state {}  lag {}  members {}{stale}\n",
        label(group.status, samples),
        printable(&group.name),
        printable(&group.state),
        group.total_lag,
        group.members.len()
    ));
    if let Some(reason) = &group.reason {
        text.push_str(&format!("  {}\n", printable(reason)));
    }
    if group.partitions.is_empty() {
        return;
    }
    text.push_str(&format!(
        "  {:<6} {:<24} {:>4} {:>12} {:>12} {:>12} {:>12} {:>10} {:>8}  notes\n",
        "status",
        "topic",
        "part",
        "committed",
        "log start",
        "high wm",
        "last stable",
        "lag",
        "time"
    ));
    for p in &group.partitions {
        text.push_str(&partition_line(p, samples));
        text.push('\n');
        // OK rows need no explanation; every other status says why under its row.
        if p.status != Status::Ok {
            text.push_str(&format!("         {}\n", printable(&p.reason)));
        }
    }
}

fn partition_line(p: &PartitionLag, samples: Samples) -> String {
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
        label(p.status, samples),
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
