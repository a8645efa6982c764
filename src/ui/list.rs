//! The Decisions list: a bounded window over the log, following the live tail or paged back.
//!
//! The window never holds more than [`WINDOW_ROWS`] rows. Scrolling near its end asks the
//! poller for the next older page (keyset cursor = the last row); when the window overflows,
//! the newest rows are dropped and `Home`/`g` returns to the live tail. There is no query for
//! "the page before", so scrolling back up past dropped rows is not possible: the list says so.

use crate::clock::Micros;
use crate::store::{DecisionCursor, DecisionSummary};

/// Most rows the list holds at once.
pub const WINDOW_ROWS: usize = 600;
/// Rows asked for per older page.
pub const PAGE_ROWS: u32 = 100;
/// An older page is asked for when the selection is this close to the window's end.
const PAGE_AHEAD: usize = 20;

/// Where the rows come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSource {
    /// The decision log, newest first.
    Log,
    /// The answer to a search.
    Search { needle: String },
}

/// The list's state; every change goes through `App::update`.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionList {
    pub source: ListSource,
    /// The rows shown, newest first; at most [`WINDOW_ROWS`].
    pub rows: Vec<DecisionSummary>,
    pub selected: usize,
    /// When the rows were loaded; `None` while the first load is on its way.
    pub loaded_at_us: Option<Micros>,
    /// The last request's failure, if it failed.
    pub error: Option<String>,
    /// True while the rows track the live tail (selection on the newest row, nothing paged).
    pub following: bool,
    /// Rows of the tail newer than the first row shown, while not following.
    pub newer: usize,
    /// Newer rows dropped from the window to keep it bounded.
    pub dropped_newer: usize,
    /// The cursor of the older page asked for and not answered yet.
    pub page_pending: Option<DecisionCursor>,
    /// The log has no rows older than the last one shown.
    pub end_reached: bool,
    /// A search (or its retry after a failure) is on its way.
    pub search_pending: bool,
}

impl Default for DecisionList {
    fn default() -> Self {
        Self {
            source: ListSource::Log,
            rows: Vec::new(),
            selected: 0,
            loaded_at_us: None,
            error: None,
            following: true,
            newer: 0,
            dropped_newer: 0,
            page_pending: None,
            end_reached: false,
            search_pending: false,
        }
    }
}

impl DecisionList {
    /// A list waiting for a search's answer.
    pub fn searching(needle: String) -> Self {
        Self {
            source: ListSource::Search { needle },
            following: false,
            search_pending: true,
            ..Self::default()
        }
    }

    pub fn selected_row(&self) -> Option<&DecisionSummary> {
        self.rows.get(self.selected)
    }

    /// Applies the newest page of the log.
    pub fn apply_tail(&mut self, at_us: Micros, tail: &[DecisionSummary]) {
        if self.source != ListSource::Log {
            return;
        }
        if self.following {
            self.rows = tail.iter().take(WINDOW_ROWS).cloned().collect();
            self.selected = self.selected.min(self.rows.len().saturating_sub(1));
            self.end_reached = false;
            self.newer = 0;
        } else if let Some(first) = self.rows.first() {
            let first = first.cursor();
            self.newer = tail.iter().take_while(|r| newer_than(r, &first)).count();
        }
        self.loaded_at_us = Some(at_us);
        self.error = None;
    }

    /// Moves the selection by `delta` rows; returns the cursor of an older page to ask for.
    pub fn move_by(&mut self, delta: isize) -> Option<DecisionCursor> {
        if self.rows.is_empty() {
            return None;
        }
        let last = self.rows.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        if self.source == ListSource::Log && self.selected > 0 {
            self.following = false;
        }
        self.older_page_wanted()
    }

    fn older_page_wanted(&mut self) -> Option<DecisionCursor> {
        let near_end = self.selected + PAGE_AHEAD >= self.rows.len();
        let can_page = self.source == ListSource::Log && !self.end_reached;
        if !near_end || !can_page || self.page_pending.is_some() {
            return None;
        }
        let cursor = self.rows.last()?.cursor();
        self.page_pending = Some(cursor.clone());
        Some(cursor)
    }

    /// Applies an older page; a page for another cursor (a late answer) is ignored.
    pub fn apply_page(
        &mut self,
        after: &DecisionCursor,
        result: Result<Vec<DecisionSummary>, String>,
    ) {
        if self.page_pending.as_ref() != Some(after) {
            return;
        }
        self.page_pending = None;
        let rows = match result {
            Ok(rows) => rows,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        self.end_reached = rows.len() < PAGE_ROWS as usize;
        self.following = false;
        self.rows.extend(rows);
        let excess = self.rows.len().saturating_sub(WINDOW_ROWS);
        if excess > 0 {
            self.rows.drain(..excess);
            self.selected = self.selected.saturating_sub(excess);
            self.dropped_newer += excess;
        }
    }

    /// Applies a search's answer, if it is the one asked for last.
    pub fn apply_search(
        &mut self,
        at_us: Micros,
        needle: &str,
        result: Result<Vec<DecisionSummary>, String>,
    ) {
        if !matches!(&self.source, ListSource::Search { needle: n } if n == needle) {
            return;
        }
        self.search_pending = false;
        match result {
            Ok(rows) => {
                self.rows = rows;
                self.selected = 0;
                self.loaded_at_us = Some(at_us);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Back to the live tail, newest row selected; the next tail refills the rows.
    pub fn follow(&mut self, tail: &[DecisionSummary], tail_at_us: Option<Micros>) {
        *self = Self::default();
        if let Some(at_us) = tail_at_us {
            self.apply_tail(at_us, tail);
        }
    }

    /// The first row to draw so the selection is visible in `height` rows.
    pub fn offset(&self, height: usize) -> usize {
        if height == 0 {
            return self.selected;
        }
        (self.selected + 1).saturating_sub(height)
    }
}

fn newer_than(row: &DecisionSummary, cursor: &DecisionCursor) -> bool {
    (row.decided_at_us, row.decision_id.as_str())
        > (cursor.decided_at_us, cursor.decision_id.as_str())
}
