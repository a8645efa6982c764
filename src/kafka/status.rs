//! The lag evaluator: pure functions that turn a window of offset samples into a status and
//! one sentence saying why, in the manner of LinkedIn Burrow.
//!
//! Rules, checked in this order over the window (oldest sample first):
//! 1. **ERR**: the latest refresh of the partition failed.
//! 2. **REWIND**: the committed offset went back between two samples.
//! 3. **OK**: the lag was zero in some sample of the window, or the window holds fewer than
//!    [`MIN_SAMPLES`] samples (not enough evidence to blame anyone).
//! 4. **STALL** / **STOP**: the committed offset did not move over the whole window while
//!    behind. STALL when a live member owns the partition (it is there, committing or not,
//!    but not advancing); STOP when no member owns it or ownership is unknown (commits
//!    stopped). Unlike Burrow we poll OffsetFetch and never see commit timestamps, so a
//!    member re-committing the same offset and a member that stopped committing look alike.
//! 5. **WARN**: the committed offset moves but the lag grew at every step of the window.
//! 6. Otherwise **OK**.
//!
//! Lag is `high watermark - max(committed, log start)`, never negative. The status uses the
//! *effective* lag: zero when the only records left are transaction markers, and the lag
//! against the last stable offset when an open transaction blocks the consumer.

use std::collections::VecDeque;

use serde::Serialize;

use crate::clock::Micros;

/// Samples kept per partition: with the default 5 s refresh, 50 s of history.
pub const WINDOW: usize = 10;

/// Samples needed before anything but OK can be said.
pub const MIN_SAMPLES: usize = 3;

/// The health of a partition or group, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok,
    Warn,
    Rewind,
    Stall,
    Stop,
    Err,
}

impl Status {
    /// The label shown in the console and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Rewind => "REWIND",
            Status::Stall => "STALL",
            Status::Stop => "STOP",
            Status::Err => "ERR",
        }
    }
}

/// What one refresh read for one partition of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// When the offsets were read (the tailer's clock).
    pub at_us: Micros,
    /// The group's committed offset; `None` when the group never committed here.
    pub committed: Option<i64>,
    /// The first offset still in the log.
    pub log_start: i64,
    /// The offset the next record will get.
    pub high_watermark: i64,
    /// The first offset of the oldest open transaction (= high watermark when none is open).
    pub last_stable: i64,
}

impl Sample {
    /// Where the group's next read starts: its commit, moved up past expired records.
    fn position(&self) -> i64 {
        self.committed.unwrap_or(self.log_start).max(self.log_start)
    }

    /// Records between the group's position and the high watermark; never negative.
    pub fn lag(&self) -> u64 {
        non_negative(self.high_watermark - self.position())
    }

    /// Records a read_committed consumer could still read: up to the last stable offset.
    pub fn lag_read_committed(&self) -> u64 {
        non_negative(self.last_stable.min(self.high_watermark) - self.position())
    }
}

fn non_negative(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The last [`WINDOW`] samples of one partition: a ring buffer, so memory stays flat.
#[derive(Debug, Clone, Default)]
pub struct Window {
    samples: VecDeque<Sample>,
}

impl Window {
    /// Appends a sample, dropping the oldest once the window is full.
    pub fn push(&mut self, sample: Sample) {
        // Exactly WINDOW slots: tens of thousands of windows would otherwise round up to 16.
        if self.samples.capacity() == 0 {
            self.samples.reserve_exact(WINDOW);
        }
        if self.samples.len() == WINDOW {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
    }

    /// The most recent sample.
    pub fn latest(&self) -> Option<&Sample> {
        self.samples.back()
    }

    /// Oldest first.
    pub fn samples(&self) -> impl DoubleEndedIterator<Item = &Sample> + ExactSizeIterator {
        self.samples.iter()
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

/// Who owns a partition in the group's current assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    /// A live member has it assigned.
    Owned,
    /// The group was described and no member has it.
    Unowned,
    /// The broker did not describe the group (the mock cluster never does), or described
    /// live members without their assignments (tansu 0.6.0).
    Unknown,
}

/// Facts about the partition that are not offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context<'a> {
    pub ownership: Ownership,
    /// `Some(true)` when a read_committed probe found only control records (transaction
    /// markers) between the committed offset and the high watermark.
    pub tail_is_control: Option<bool>,
    /// Why the latest refresh of this partition failed.
    pub error: Option<&'a str>,
}

impl Default for Context<'_> {
    fn default() -> Self {
        Self {
            ownership: Ownership::Unknown,
            tail_is_control: None,
            error: None,
        }
    }
}

/// How far behind in time the group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "us", rename_all = "snake_case")]
pub enum LagTime {
    /// Nothing left to read.
    CaughtUp,
    /// Interpolated between two watermark samples that bracket the committed offset.
    About(Micros),
    /// The committed offset is older than every sample: at least this much, maybe more.
    AtLeast(Micros),
}

/// Something about a partition worth a word in the detail pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Note {
    /// The group has no committed offset here; lag counts from the log start.
    NoCommit,
    /// The committed offset fell below the log start: these records expired unconsumed.
    Expired { records: u64 },
    /// The committed offset was read above the high watermark (a commit landed between the
    /// two reads, or the log was truncated); lag shows 0.
    CommitAhead { by: u64 },
    /// Only transaction markers lie between the committed offset and the high watermark.
    TransactionMarker,
    /// An open transaction holds the last stable offset below the high watermark and the
    /// group has read everything before it.
    OpenTransaction { blocked: u64 },
}

/// The verdict on one partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub status: Status,
    /// High watermark - max(committed, log start).
    pub lag: u64,
    /// Last stable offset - max(committed, log start).
    pub lag_read_committed: u64,
    /// The lag the status was judged on (0 for a tail of markers, the read_committed lag
    /// under an open transaction).
    pub effective_lag: u64,
    pub lag_time: LagTime,
    pub notes: Vec<Note>,
}

/// Judges one partition. An empty window yields ERR.
pub fn evaluate(window: &Window, ctx: &Context<'_>, now_us: Micros) -> Evaluation {
    let Some(latest) = window.latest() else {
        return Evaluation {
            status: Status::Err,
            lag: 0,
            lag_read_committed: 0,
            effective_lag: 0,
            lag_time: LagTime::CaughtUp,
            notes: Vec::new(),
        };
    };
    let notes = notes(latest, ctx);
    let effective_lag = effective_lag(latest, &notes);
    let lag_time = if effective_lag == 0 {
        LagTime::CaughtUp
    } else {
        lag_time(window, latest.position(), now_us)
    };
    Evaluation {
        status: status(window, ctx, effective_lag),
        lag: latest.lag(),
        lag_read_committed: latest.lag_read_committed(),
        effective_lag,
        lag_time,
        notes,
    }
}

/// The notes that apply to the latest sample.
fn notes(s: &Sample, ctx: &Context<'_>) -> Vec<Note> {
    let mut notes = Vec::new();
    match s.committed {
        None => notes.push(Note::NoCommit),
        Some(c) if c < s.log_start => notes.push(Note::Expired {
            records: non_negative(s.log_start - c),
        }),
        Some(c) if c > s.high_watermark => notes.push(Note::CommitAhead {
            by: non_negative(c - s.high_watermark),
        }),
        Some(_) => {}
    }
    if s.lag() > 0 && ctx.tail_is_control == Some(true) {
        notes.push(Note::TransactionMarker);
    } else if s.last_stable < s.high_watermark && s.position() >= s.last_stable {
        notes.push(Note::OpenTransaction {
            blocked: non_negative(s.high_watermark - s.position()),
        });
    }
    notes
}

fn effective_lag(s: &Sample, notes: &[Note]) -> u64 {
    if notes.contains(&Note::TransactionMarker) {
        0
    } else if notes
        .iter()
        .any(|n| matches!(n, Note::OpenTransaction { .. }))
    {
        s.lag_read_committed()
    } else {
        s.lag()
    }
}

/// Applies the rules of the module docs.
fn status(window: &Window, ctx: &Context<'_>, effective_lag: u64) -> Status {
    if ctx.error.is_some() {
        return Status::Err;
    }
    if rewound(window) {
        return Status::Rewind;
    }
    let any_zero = window.samples().any(|s| s.lag() == 0);
    if effective_lag == 0 || any_zero || window.len() < MIN_SAMPLES {
        return Status::Ok;
    }
    if !commit_moved(window) {
        return match ctx.ownership {
            Ownership::Owned => Status::Stall,
            Ownership::Unowned | Ownership::Unknown => Status::Stop,
        };
    }
    if lag_grew_every_step(window) {
        return Status::Warn;
    }
    Status::Ok
}

fn rewound(window: &Window) -> bool {
    pairs(window).any(|(a, b)| matches!((a.committed, b.committed), (Some(x), Some(y)) if y < x))
}

fn commit_moved(window: &Window) -> bool {
    pairs(window).any(|(a, b)| a.committed != b.committed)
}

fn lag_grew_every_step(window: &Window) -> bool {
    pairs(window).all(|(a, b)| b.lag() > a.lag())
}

fn pairs(window: &Window) -> impl Iterator<Item = (&Sample, &Sample)> {
    window.samples().zip(window.samples().skip(1))
}

/// When the record at `position` was written, from the sampled high watermarks: between the
/// last sample whose watermark had not reached past it and the next one.
fn lag_time(window: &Window, position: i64, now_us: Micros) -> LagTime {
    let samples: Vec<&Sample> = window.samples().collect();
    let Some(i) = samples.iter().rposition(|s| s.high_watermark <= position) else {
        let oldest = samples.first().map_or(now_us, |s| s.at_us);
        return LagTime::AtLeast((now_us - oldest).max(0));
    };
    let Some(next) = samples.get(i + 1) else {
        // The latest watermark is at or below the position: nothing to wait for.
        return LagTime::CaughtUp;
    };
    let before = samples[i];
    let span = next.high_watermark - before.high_watermark;
    let into = position - before.high_watermark;
    let written = before.at_us + (next.at_us - before.at_us) * into / span.max(1);
    LagTime::About((now_us - written).max(0))
}

/// The worst status of a group's partitions (OK for a group without any).
pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
    statuses.into_iter().max().unwrap_or(Status::Ok)
}

/// Why a group that never committed anywhere and has no member is ERR.
pub const NEVER_COMMITTED: &str = "ERR: no committed offsets and no members: the group does \
     not exist or never committed (check the name).";

/// Judges a group: the worst of its partitions' statuses, except that a group with no
/// committed offset on any partition and no live member is ERR, with the reason. Lag
/// counted from the log start of a group nobody runs would otherwise read as OK.
///
/// Where the broker does not describe groups (the mock cluster), members are unknown and
/// count as none: a group that has members but has not committed yet shows ERR there too.
pub fn judge_group(
    statuses: impl IntoIterator<Item = Status>,
    any_commit: bool,
    members: usize,
) -> (Status, Option<String>) {
    if !any_commit && members == 0 {
        return (Status::Err, Some(NEVER_COMMITTED.to_owned()));
    }
    (worst(statuses), None)
}

/// One sentence saying why a partition has its status; the console's detail pane shows it.
pub fn explain(eval: &Evaluation, ctx: &Context<'_>, latest: Option<&Sample>) -> String {
    let Some(s) = latest else {
        return "ERR: no offsets have been read for this partition yet.".into();
    };
    let why = match eval.status {
        Status::Err => format!(
            "the last refresh failed ({})",
            ctx.error.unwrap_or("unknown")
        ),
        Status::Rewind => "the committed offset went back within the window (a reset or a \
                           replay)"
            .into(),
        Status::Stall => format!(
            "a member owns it but the committed offset stayed at {} for the whole window while \
             {} records behind",
            committed_text(s),
            eval.effective_lag
        ),
        Status::Stop => format!(
            "the committed offset stayed at {} for the whole window while {} records behind, \
             and {}",
            committed_text(s),
            eval.effective_lag,
            match ctx.ownership {
                Ownership::Unowned => "no member owns the partition",
                _ => "no member is known to own it",
            }
        ),
        Status::Warn => {
            "the group is committing but the lag grew at every sample of the window".into()
        }
        Status::Ok => ok_reason(eval),
    };
    let mut sentence = format!("{}: {why}", eval.status.as_str());
    for note in &eval.notes {
        sentence.push_str("; ");
        sentence.push_str(&note_text(note));
    }
    sentence.push('.');
    sentence
}

fn ok_reason(eval: &Evaluation) -> String {
    if eval.effective_lag == 0 {
        "caught up".into()
    } else {
        format!("{} records behind but moving", eval.effective_lag)
    }
}

fn committed_text(s: &Sample) -> String {
    s.committed.map_or_else(|| "-".into(), |c| c.to_string())
}

/// The words for a note, as the console and CLI print them.
pub fn note_text(note: &Note) -> String {
    match note {
        Note::NoCommit => "no commit".into(),
        Note::Expired { records } => format!("{records} records expired unconsumed"),
        Note::CommitAhead { by } => {
            format!("committed offset read {by} above the high watermark; lag shown as 0")
        }
        Note::TransactionMarker => "only a transaction marker is left to read".into(),
        Note::OpenTransaction { blocked } => {
            format!("{blocked} records blocked by an open transaction")
        }
    }
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
