//! The Sagas view's state: one keyset page of the list (stuck, in flight, failed), the
//! selection, and the saga whose steps are open.
//!
//! Memory is bounded by [`SAGA_PAGE`] rows and a stack of page starts (one cursor per page
//! moved past). Moving below the last row of a full page asks for the next page; moving above
//! the first row goes back one page.

use super::poller::{Request, SagaWithSteps};
use super::state::Load;
use crate::clock::Micros;
use crate::store::sagas_view::{SagaCursor, SagaRow};

/// Rows asked for per page.
pub const SAGA_PAGE: u32 = 100;

/// The saga whose steps are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenSaga {
    pub saga_id: String,
    pub steps: Load<Box<SagaWithSteps>>,
    /// A refresh of the steps is on its way (not asked again until it answers).
    pub refreshing: bool,
}

/// The Sagas view's state; every change goes through `App::update` or `App::apply`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SagaPanel {
    /// The page shown, in list order.
    pub rows: Vec<SagaRow>,
    pub selected: usize,
    /// The cursor the page starts after; `None` for the first page.
    pub page_start: Option<SagaCursor>,
    /// The starts of the pages before this one, the nearest last.
    pub earlier: Vec<Option<SagaCursor>>,
    /// When the page was read (the time "stuck" and "overdue" are measured at).
    pub loaded_at_us: Option<Micros>,
    pub error: Option<String>,
    /// A page request is on its way.
    pub pending: bool,
    pub open: Option<OpenSaga>,
}

impl SagaPanel {
    /// The request for the page shown, unless one is already on its way.
    pub fn refresh(&mut self) -> Option<Request> {
        if self.pending {
            return None;
        }
        self.pending = true;
        Some(Request::Sagas {
            after: self.page_start.clone(),
            limit: SAGA_PAGE,
        })
    }

    /// The request that refreshes the open saga's steps, unless one is on its way.
    pub fn refresh_open(&mut self) -> Option<Request> {
        let open = self.open.as_mut().filter(|o| !o.refreshing)?;
        open.refreshing = true;
        Some(Request::SagaSteps {
            saga_id: open.saga_id.clone(),
        })
    }

    /// Applies a page; an answer for another page than the one shown is dropped.
    pub fn apply_page(
        &mut self,
        after: Option<SagaCursor>,
        at_us: Micros,
        result: Result<Vec<SagaRow>, String>,
    ) {
        if after != self.page_start {
            return;
        }
        self.pending = false;
        match result {
            Ok(rows) => {
                let selected_id = self.selected_row().map(|r| r.saga.saga_id.clone());
                self.rows = rows;
                self.selected = selected_id
                    .and_then(|id| self.rows.iter().position(|r| r.saga.saga_id == id))
                    .unwrap_or_else(|| self.selected.min(self.rows.len().saturating_sub(1)));
                self.loaded_at_us = Some(at_us);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Applies a saga's steps, if that saga is still open.
    pub fn apply_steps(
        &mut self,
        saga_id: &str,
        result: Result<Option<Box<SagaWithSteps>>, String>,
        at_us: Micros,
    ) {
        let Some(open) = self.open.as_mut().filter(|o| o.saga_id == saga_id) else {
            return;
        };
        open.refreshing = false;
        open.steps = match result {
            Ok(Some(value)) => Load::Ready { value, at_us },
            Ok(None) => Load::Failed(format!("saga {saga_id} is no longer in the database")),
            // A failed refresh keeps the steps already shown; the header says the database
            // is away.
            Err(_) if matches!(open.steps, Load::Ready { .. }) => return,
            Err(e) => Load::Failed(e),
        };
    }

    pub fn selected_row(&self) -> Option<&SagaRow> {
        self.rows.get(self.selected)
    }

    /// Moves the selection; past either end of the page it asks for the next or previous
    /// page.
    pub fn move_by(&mut self, delta: isize) -> Option<Request> {
        let last = self.rows.len().checked_sub(1)?;
        let wanted = self.selected.checked_add_signed(delta);
        match wanted {
            Some(i) if i <= last => {
                self.selected = i;
                None
            }
            Some(_) if self.rows.len() >= SAGA_PAGE as usize => {
                let next = self.rows.last().map(SagaRow::cursor);
                let previous = std::mem::replace(&mut self.page_start, next);
                self.earlier.push(previous);
                self.turn_page()
            }
            Some(_) => {
                self.selected = last;
                None
            }
            None => match self.earlier.pop() {
                Some(start) => {
                    self.page_start = start;
                    self.turn_page()
                }
                None => {
                    self.selected = 0;
                    None
                }
            },
        }
    }

    /// Back to the first page, first row.
    pub fn top(&mut self) -> Option<Request> {
        self.selected = 0;
        self.page_start.as_ref()?;
        self.page_start = None;
        self.earlier.clear();
        self.turn_page()
    }

    fn turn_page(&mut self) -> Option<Request> {
        self.selected = 0;
        self.rows.clear();
        self.loaded_at_us = None;
        self.pending = false;
        self.refresh()
    }

    /// Opens the selected saga's steps.
    pub fn open(&mut self) -> Option<Request> {
        if self.open.is_some() {
            return None;
        }
        let saga_id = self.selected_row()?.saga.saga_id.clone();
        self.open = Some(OpenSaga {
            saga_id,
            steps: Load::Loading,
            refreshing: false,
        });
        self.refresh_open()
    }

    /// The decision that started the open saga, or the selected one's.
    pub fn decision_id(&self) -> Option<String> {
        if let Some(open) = &self.open {
            return match &open.steps {
                Load::Ready { value, .. } => Some(value.0.decision_id.clone()),
                _ => None,
            };
        }
        self.selected_row().map(|r| r.saga.decision_id.clone())
    }
}
