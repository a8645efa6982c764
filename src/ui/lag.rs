//! The Lag view's state: the latest snapshot from the lag tailer, the selected group, the
//! group filter, the partition drill-down and a short lag history per group.
//!
//! Memory stays flat however long the console runs: each snapshot replaces the last, a group
//! keeps at most [`GROUP_HISTORY`] values, at most [`MAX_TRACKED_GROUPS`] groups have a
//! history (the worst first, as the snapshot sorts them), and a group missing from a fresh
//! snapshot loses its history. Groups beyond the tracked ones are listed without a sparkline.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::state::Ring;
use crate::kafka::lag::{GroupLag, LagSnapshot, PartitionLag, SharedSnapshot};

/// Values kept per group: ten minutes at the default five-second refresh.
pub const GROUP_HISTORY: usize = 120;
/// Groups that keep a history at once.
pub const MAX_TRACKED_GROUPS: usize = 500;
/// Longest group filter accepted.
const MAX_FILTER: usize = 128;

/// A message from the lag tailer.
#[derive(Debug, Clone)]
pub enum LagMsg {
    /// A refresh ended; when it could not read the cluster, `error` says why and the rows
    /// are the previous ones, marked stale.
    Snapshot(SharedSnapshot),
    /// The tailer could not start, or ended on its own: lag stops moving.
    Stopped { error: String },
}

impl PartialEq for LagMsg {
    /// Snapshots compare by identity: every refresh publishes a new `Arc`.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Snapshot(a), Self::Snapshot(b)) => Arc::ptr_eq(a, b),
            (Self::Stopped { error: a }, Self::Stopped { error: b }) => a == b,
            _ => false,
        }
    }
}

/// A shared snapshot compared by identity, so the console state can stay `PartialEq`.
#[derive(Debug, Clone, Default)]
pub struct Latest(pub SharedSnapshot);

impl PartialEq for Latest {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The group whose partitions are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drill {
    pub group: String,
    /// Index of the selected partition in the group's rows.
    pub selected: usize,
}

/// The Lag view's state; every change goes through `App::update` or `App::apply_lag`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LagPanel {
    /// The latest snapshot; generation 0 until the first refresh ends.
    pub latest: Latest,
    /// The selected group, by name, so a re-sorted list keeps it selected.
    pub selected: Option<String>,
    /// Groups whose name contains this (ignoring case) are listed; empty lists all.
    pub filter: String,
    /// True while the filter is being typed; the list narrows as it is typed.
    pub filtering: bool,
    pub drill: Option<Drill>,
    pub history: GroupHistories,
}

impl LagPanel {
    pub fn snapshot(&self) -> &LagSnapshot {
        &self.latest.0
    }

    /// True once a refresh has ended.
    pub fn is_loaded(&self) -> bool {
        self.snapshot().generation > 0
    }

    /// The groups the filter lets through, in the snapshot's order (worst first).
    pub fn visible(&self) -> Vec<&GroupLag> {
        let needle = self.filter.to_lowercase();
        self.snapshot()
            .groups
            .iter()
            .filter(|g| needle.is_empty() || g.name.to_lowercase().contains(&needle))
            .collect()
    }

    /// Where the selection is among the visible groups (the first when it is not there).
    pub fn selected_index(&self) -> usize {
        let visible = self.visible();
        self.selected
            .as_ref()
            .and_then(|name| visible.iter().position(|g| &g.name == name))
            .unwrap_or(0)
    }

    pub fn selected_group(&self) -> Option<&GroupLag> {
        self.visible().get(self.selected_index()).copied()
    }

    /// The drilled-into group, while it is still in the snapshot.
    pub fn drilled_group(&self) -> Option<&GroupLag> {
        let drill = self.drill.as_ref()?;
        self.snapshot().group(&drill.group)
    }

    /// The selected partition of the drilled-into group.
    pub fn selected_partition(&self) -> Option<&PartitionLag> {
        let drill = self.drill.as_ref()?;
        self.drilled_group()?.partitions.get(drill.selected)
    }

    /// Takes a new snapshot; a fresh one (the cluster answered) also extends the histories.
    pub fn apply(&mut self, snapshot: SharedSnapshot) {
        if snapshot.error.is_none() {
            self.history.record(&snapshot);
        }
        self.latest = Latest(snapshot);
        let rows = self.drilled_group().map(|g| g.partitions.len());
        if let (Some(drill), Some(rows)) = (&mut self.drill, rows) {
            drill.selected = drill.selected.min(rows.saturating_sub(1));
        }
    }

    /// Moves the selection: partitions when drilled in, groups otherwise.
    pub fn move_by(&mut self, delta: isize) {
        if let Some(rows) = self.drilled_group().map(|g| g.partitions.len()) {
            if let Some(drill) = &mut self.drill {
                let last = rows.saturating_sub(1);
                drill.selected = drill.selected.saturating_add_signed(delta).min(last);
            }
            return;
        }
        let visible = self.visible();
        let Some(last) = visible.len().checked_sub(1) else {
            return;
        };
        let i = self.selected_index().saturating_add_signed(delta).min(last);
        self.selected = Some(visible[i].name.clone());
    }

    /// The first partition or group.
    pub fn top(&mut self) {
        if let Some(drill) = &mut self.drill {
            drill.selected = 0;
        } else {
            self.selected = self.visible().first().map(|g| g.name.clone());
        }
    }

    /// Drills into the selected group's partitions.
    pub fn open(&mut self) {
        if self.drill.is_some() {
            return;
        }
        if let Some(group) = self.selected_group().map(|g| g.name.clone()) {
            self.selected = Some(group.clone());
            self.drill = Some(Drill { group, selected: 0 });
        }
    }

    /// Closes the innermost thing open: the filter input (clearing it), the drill-down, the
    /// applied filter. False when nothing was open.
    pub fn back(&mut self) -> bool {
        if self.filtering {
            self.filtering = false;
            self.filter.clear();
            return true;
        }
        if self.drill.take().is_some() {
            return true;
        }
        if self.filter.is_empty() {
            return false;
        }
        self.filter.clear();
        true
    }

    /// Opens the filter input, back on the group list.
    pub fn start_filter(&mut self) {
        self.drill = None;
        self.filtering = true;
    }

    pub fn type_char(&mut self, c: char) {
        if self.filtering && self.filter.chars().count() < MAX_FILTER && !c.is_control() {
            self.filter.push(c);
        }
    }

    pub fn delete_char(&mut self) {
        if self.filtering {
            self.filter.pop();
        }
    }

    /// Closes the input and keeps the filter.
    pub fn submit_filter(&mut self) {
        self.filtering = false;
    }
}

/// Total lag of every group in a snapshot, in records.
pub fn total_lag(snapshot: &LagSnapshot) -> u64 {
    snapshot
        .groups
        .iter()
        .fold(0u64, |sum, g| sum.saturating_add(g.total_lag))
}

/// Each tracked group's total lag over its last [`GROUP_HISTORY`] fresh snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupHistories {
    /// Invariant: at most [`MAX_TRACKED_GROUPS`] entries, all groups of the last fresh
    /// snapshot.
    rings: BTreeMap<String, Ring>,
}

impl GroupHistories {
    /// Adds each group's lag and forgets the groups the snapshot no longer has. A group whose
    /// own rows are stale keeps its history but gets no new value.
    pub fn record(&mut self, snapshot: &LagSnapshot) {
        let tracked: Vec<&GroupLag> = snapshot.groups.iter().take(MAX_TRACKED_GROUPS).collect();
        let names: HashSet<&str> = tracked.iter().map(|g| g.name.as_str()).collect();
        self.rings.retain(|name, _| names.contains(name.as_str()));
        for group in tracked.into_iter().filter(|g| !g.is_stale()) {
            self.rings
                .entry(group.name.clone())
                .or_insert_with(|| Ring::new(GROUP_HISTORY))
                .push(group.total_lag);
        }
    }

    pub fn get(&self, group: &str) -> Option<&Ring> {
        self.rings.get(group)
    }

    /// How many groups have a history.
    pub fn len(&self) -> usize {
        self.rings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rings.is_empty()
    }
}
