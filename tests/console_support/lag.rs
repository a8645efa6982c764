//! Fixed lag snapshots for the console tests: a stale group, a STOP group with a partition
//! that never had a commit, a WARN group with an open transaction, and a caught-up group.
#![allow(dead_code)]

use std::sync::Arc;

use verdict::kafka::lag::{GroupLag, LagSnapshot, Member, PartitionLag, SharedSnapshot};
use verdict::kafka::status::{LagTime, Note, Ownership, Status};
use verdict::ui::app::{App, Event};
use verdict::ui::lag::LagMsg;

use super::{polled_app, SECOND, T0};

/// Seconds between two lag refreshes in the fixtures.
pub const REFRESH_S: i64 = 5;

/// One partition row; lag follows the collector's rule (from max(committed, log start)).
pub struct Offsets {
    pub committed: Option<i64>,
    pub log_start: i64,
    pub high_watermark: i64,
    pub last_stable: i64,
}

pub fn partition(
    topic: &str,
    partition: i32,
    o: Offsets,
    status: Status,
    owner: Option<u32>,
    reason: &str,
) -> PartitionLag {
    let position = o.committed.unwrap_or(o.log_start).max(o.log_start);
    let lag = u64::try_from(o.high_watermark - position).unwrap_or(0);
    let lag_read_committed = u64::try_from(o.last_stable - position).unwrap_or(0);
    let mut notes = Vec::new();
    if o.committed.is_none() {
        notes.push(Note::NoCommit);
    }
    if o.last_stable < o.high_watermark && position >= o.last_stable {
        notes.push(Note::OpenTransaction {
            blocked: u64::try_from(o.high_watermark - position).unwrap_or(0),
        });
    }
    PartitionLag {
        topic: topic.into(),
        partition,
        committed: o.committed,
        log_start: o.log_start,
        high_watermark: o.high_watermark,
        last_stable: o.last_stable,
        lag,
        lag_read_committed,
        lag_time: match lag {
            0 => LagTime::CaughtUp,
            n if status == Status::Stop => LagTime::AtLeast(50 * SECOND + n as i64),
            n => LagTime::About((n as i64 % 90 + 3) * SECOND),
        },
        status,
        ownership: match owner {
            Some(_) => Ownership::Owned,
            None => Ownership::Unowned,
        },
        owner: owner.map(member),
        notes,
        reason: reason.into(),
        sampled_at_us: 0,
        error: None,
    }
}

pub fn member(n: u32) -> Member {
    Member {
        member_id: format!("claims-agent-{n}-6f1c"),
        client_id: format!("claims-agent-{n}"),
        host: format!("/10.0.4.{}", 10 + n),
    }
}

fn offsets(committed: Option<i64>, log_start: i64, hw: i64, lso: i64) -> Offsets {
    Offsets {
        committed,
        log_start,
        high_watermark: hw,
        last_stable: lso,
    }
}

fn group(name: &str, state: &str, members: u32, partitions: Vec<PartitionLag>) -> GroupLag {
    GroupLag {
        name: name.into(),
        state: state.into(),
        status: partitions
            .iter()
            .map(|p| p.status)
            .max()
            .unwrap_or(Status::Ok),
        reason: None,
        total_lag: partitions.iter().map(|p| p.lag).sum(),
        members: (1..=members).map(member).collect(),
        partitions,
        sampled_at_us: 0,
        error: None,
    }
}

/// The `claims-agents` group with `backlog` extra records on partition 0.
pub fn claims_agents(backlog: i64) -> GroupLag {
    let warn = "WARN: the group is committing but the lag grew at every sample of the window.";
    let ok = "OK: 12 records behind but moving.";
    let open_txn = "OK: caught up; 10 records blocked by an open transaction.";
    group(
        "claims-agents",
        "Stable",
        4,
        vec![
            partition(
                "claims",
                0,
                offsets(Some(88_140), 0, 88_420 + backlog, 88_420 + backlog),
                Status::Warn,
                Some(1),
                warn,
            ),
            partition(
                "claims",
                1,
                offsets(Some(87_990), 0, 88_002, 88_002),
                Status::Ok,
                Some(2),
                ok,
            ),
            partition(
                "claims",
                2,
                offsets(Some(90_050), 0, 90_060, 90_050),
                Status::Ok,
                Some(3),
                open_txn,
            ),
            partition(
                "claims",
                3,
                offsets(Some(89_300), 0, 89_300, 89_300),
                Status::Ok,
                Some(4),
                "OK: caught up.",
            ),
        ],
    )
}

fn payouts() -> GroupLag {
    let stopped = "STOP: the committed offset stayed at 4180 for the whole window while 1020 \
                   records behind, and no member owns the partition.";
    let never = "STOP: the committed offset stayed at - for the whole window while 500 records \
                 behind, and no member owns the partition; no commit.";
    group(
        "payouts",
        "Empty",
        0,
        vec![
            partition(
                "refunds",
                0,
                offsets(Some(4_180), 0, 5_200, 5_200),
                Status::Stop,
                None,
                stopped,
            ),
            partition(
                "refunds",
                1,
                offsets(None, 200, 700, 700),
                Status::Stop,
                None,
                never,
            ),
        ],
    )
}

fn notifications() -> GroupLag {
    group(
        "notifications",
        "Stable",
        2,
        vec![
            partition(
                "claims",
                0,
                offsets(Some(88_420), 0, 88_420, 88_420),
                Status::Ok,
                Some(1),
                "OK: caught up.",
            ),
            partition(
                "claims",
                1,
                offsets(Some(88_002), 0, 88_002, 88_002),
                Status::Ok,
                Some(2),
                "OK: caught up.",
            ),
        ],
    )
}

fn fraud_scoring(stale_since: Option<i64>) -> GroupLag {
    let mut g = group(
        "fraud-scoring",
        "Stable",
        1,
        vec![partition(
            "claims",
            0,
            offsets(Some(88_332), 0, 88_420, 88_420),
            Status::Ok,
            Some(1),
            "OK: 88 records behind but moving.",
        )],
    );
    if let Some(at) = stale_since {
        g.status = Status::Err;
        g.error = Some("OffsetFetch for fraud-scoring timed out after 3000 ms".into());
        g.sampled_at_us = at;
    }
    g
}

/// Refresh number `generation` (from 1), taken at `at_us`; `fraud-scoring` went stale at
/// `stale_since` when given. Groups sorted as the collector sorts them.
pub fn snapshot(
    generation: u64,
    at_us: i64,
    backlog: i64,
    stale_since: Option<i64>,
) -> SharedSnapshot {
    let mut groups = vec![
        fraud_scoring(stale_since),
        payouts(),
        claims_agents(backlog),
        notifications(),
    ];
    for g in &mut groups {
        if g.error.is_none() {
            g.sampled_at_us = at_us;
        }
        for p in &mut g.partitions {
            p.sampled_at_us = g.sampled_at_us;
        }
    }
    groups.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then(b.total_lag.cmp(&a.total_lag))
            .then(a.name.cmp(&b.name))
    });
    Arc::new(LagSnapshot {
        taken_at_us: at_us,
        generation,
        groups,
        error: None,
        notices: Vec::new(),
    })
}

/// The backlog on `claims` partition 0 at refresh `i`: swells, then drains.
pub fn backlog(i: i64) -> i64 {
    [0, 40, 120, 260, 410, 520, 480, 300, 150, 60][(i % 10) as usize]
}

/// A polled app that then received `refreshes` lag snapshots, the last at `T0`; from the
/// ninth-last on (T0 - 40 s), `fraud-scoring` could not be read (its rows went stale 42 s before T0).
pub fn lag_app(size: (u16, u16), refreshes: i64) -> App {
    let mut app = polled_app(size, 5);
    for i in 0..refreshes {
        let at = T0 - (refreshes - 1 - i) * REFRESH_S * SECOND;
        let stale = (i >= refreshes - 9).then_some(T0 - 42 * SECOND);
        let msg = LagMsg::Snapshot(snapshot(i as u64 + 1, at, backlog(i), stale));
        app.handle(Event::Lag(msg));
    }
    app
}
