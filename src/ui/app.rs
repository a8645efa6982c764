//! The console's state and the one place it changes: [`App::handle`] and [`App::update`].
//!
//! An [`Event`] is what happened (a key, a resize, a poller or lag tailer message, a tick);
//! an [`Action`] is what the user meant by a key. Neither touches the terminal, the database
//! or the brokers: requests for the poller are queued in `App::requests` and sent by the run
//! loop, and the lag tailer needs none.

use crossterm::event::{KeyEvent, KeyEventKind};

use super::action::{Action, View};
use super::detail::OutputRows;
use super::keymap::{self, Mode};
use super::lag::{LagMsg, LagPanel};
use super::list::{DecisionList, ListSource, PAGE_ROWS};
use super::poller::{OverviewSample, PollerMsg, Request};
use super::sagas::SagaPanel;
use super::state::{ConsoleInfo, DbState, Histories, KafkaState, Load};
use crate::clock::Micros;
use crate::store::{DecisionContext, DecisionSummary};

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Key(KeyEvent),
    /// The terminal now has this many columns and rows.
    Resize(u16, u16),
    /// A message from the database poller.
    Db(PollerMsg),
    /// A message from the lag tailer.
    Lag(LagMsg),
    /// The coarse clock tick, with the time now; ages on screen move with it.
    Tick(Micros),
}

/// Rows of the screen taken by the header, tabs, status line and footer.
pub const CHROME_ROWS: u16 = 6;

/// The decision shown in the detail pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub decision_id: String,
    pub context: Load<Box<DecisionContext>>,
    /// Lines scrolled past.
    pub scroll: u16,
    /// The view Esc returns to, when the detail was opened from another view than
    /// Decisions (the Sagas view's `d`).
    pub back_to: Option<View>,
    /// A refresh of its sagas is on its way (asked for again after each poll).
    pub refreshing: bool,
    /// The output laid out for the pane's width, once per load and per width.
    pub output: OutputRows,
}

impl Detail {
    /// Lays the loaded output out again for a pane `width` columns wide, if it changed.
    pub fn fit(&mut self, width: u16) {
        if let Load::Ready { value, .. } = &self.context {
            if self.output.width != width {
                self.output = OutputRows::layout(&value.decision.raw_output, width);
            }
        }
    }
}

/// The whole console state. `draw` reads it; only `update` and `handle` change it.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub info: ConsoleInfo,
    pub view: View,
    /// The time the screen's ages are measured from; moved by ticks and poller messages.
    pub now_us: Micros,
    /// Terminal size in columns and rows.
    pub size: (u16, u16),
    pub db: DbState,
    /// The lag tailer's freshness (meaningful only when brokers are configured).
    pub kafka: KafkaState,
    /// The Lag view: the latest lag snapshot, selection, filter, drill-down.
    pub lag: LagPanel,
    /// The Sagas view: a page of stuck, in-flight and failed sagas; a saga's steps.
    pub sagas: SagaPanel,
    /// The last Overview figures and when they were taken.
    pub overview: Option<OverviewSample>,
    pub history: Histories,
    /// The newest page of the log as last polled (bounded by the poller's page size).
    pub tail: Vec<DecisionSummary>,
    pub tail_at_us: Option<Micros>,
    pub list: DecisionList,
    pub detail: Option<Detail>,
    /// The search being typed; `Some` while the input is open.
    pub search_input: Option<String>,
    pub show_help: bool,
    /// A one-line note for the status line (the result of the last thing done).
    pub status: Option<String>,
    /// Requests for the poller, sent and cleared by the run loop.
    pub requests: Vec<Request>,
    pub should_quit: bool,
}

/// Longest search input accepted.
const MAX_INPUT: usize = 256;

impl App {
    pub fn new(info: ConsoleInfo, now_us: Micros, size: (u16, u16)) -> Self {
        Self {
            info,
            view: View::Overview,
            now_us,
            size,
            db: DbState::Connecting,
            kafka: KafkaState::Connecting,
            lag: LagPanel::default(),
            sagas: SagaPanel::default(),
            overview: None,
            history: Histories::default(),
            tail: Vec::new(),
            tail_at_us: None,
            list: DecisionList::default(),
            detail: None,
            search_input: None,
            show_help: false,
            status: None,
            requests: Vec::new(),
            should_quit: false,
        }
    }

    /// Which key table applies now.
    pub fn mode(&self) -> Mode {
        if self.search_input.is_some() {
            Mode::Search
        } else if self.lag.filtering {
            Mode::Filter
        } else {
            match self.view {
                View::Lag if self.lag.drill.is_some() => Mode::LagDrill,
                View::Lag => Mode::Lag,
                View::Sagas if self.sagas.open.is_some() => Mode::SagaSteps,
                View::Sagas => Mode::Sagas,
                View::Decisions if self.detail.is_some() => Mode::Detail,
                View::Overview | View::Decisions => Mode::Browse,
            }
        }
    }

    /// Applies an event; true when the screen must be redrawn.
    pub fn handle(&mut self, event: Event) -> bool {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                match keymap::action_for(self.mode(), key) {
                    Some(action) => {
                        self.update(action);
                        true
                    }
                    None => false,
                }
            }
            Event::Key(_) => false,
            Event::Resize(cols, rows) => {
                self.size = (cols, rows);
                let width = self.detail_width();
                if let Some(detail) = &mut self.detail {
                    detail.fit(width);
                }
                self.clamp_detail_scroll();
                true
            }
            Event::Db(msg) => {
                let quiet = self.is_quiet(&msg);
                let before = self.age_marks();
                self.apply(msg);
                !quiet || self.age_marks() != before
            }
            Event::Lag(msg) => {
                self.apply_lag(msg);
                true
            }
            Event::Tick(now_us) => {
                let before = self.age_marks();
                self.now_us = self.now_us.max(now_us);
                self.age_marks() != before
            }
        }
    }

    /// True for a poll result that changes nothing on screen but ages: the same tail again,
    /// or Overview figures while the Overview is not shown and the database was answering.
    fn is_quiet(&self, msg: &PollerMsg) -> bool {
        let connected = matches!(self.db, DbState::Connected { .. });
        match msg {
            PollerMsg::Tail { rows, .. } => self.tail_at_us.is_some() && *rows == self.tail,
            PollerMsg::Overview(_) => connected && self.view != View::Overview,
            _ => false,
        }
    }

    /// The whole seconds of every age or countdown the screen can show; a tick that leaves
    /// them all alone needs no redraw.
    fn age_marks(&self) -> [Option<Micros>; 7] {
        let secs = |at: Option<Micros>| at.map(|at| (self.now_us - at) / 1_000_000);
        let retry_at = match &self.db {
            DbState::Reconnecting { retry_at_us, .. } => Some(*retry_at_us),
            _ => None,
        };
        let detail_at = self.detail.as_ref().and_then(|d| match &d.context {
            Load::Ready { at_us, .. } => Some(*at_us),
            _ => None,
        });
        [
            secs(self.db.last_ok_us()),
            secs(retry_at),
            secs(self.overview.as_ref().map(|o| o.at_us)),
            secs(self.list.loaded_at_us),
            secs(detail_at),
            secs(Some(self.lag.snapshot().taken_at_us).filter(|at| *at > 0)),
            secs(self.sagas.loaded_at_us),
        ]
    }

    /// Does what the user asked.
    pub fn update(&mut self, action: Action) {
        if self.show_help {
            match action {
                Action::Quit => self.should_quit = true,
                Action::ToggleHelp | Action::Back => self.show_help = false,
                _ => {}
            }
            return;
        }
        match action {
            Action::Quit => self.should_quit = true,
            Action::ToggleHelp => self.show_help = true,
            Action::NextView => self.show(self.view.next()),
            Action::PrevView => self.show(self.view.prev()),
            Action::ShowView(view) => self.show(view),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-self.page_rows()),
            Action::PageDown => self.move_by(self.page_rows()),
            Action::Top => self.top(),
            Action::Bottom => self.bottom(),
            Action::Open => self.open(),
            Action::OpenDecision => self.open_saga_decision(),
            Action::Back => self.back(),
            Action::StartSearch => {
                self.search_input = Some(String::new());
                self.view = View::Decisions;
                self.detail = None;
            }
            Action::StartFilter => {
                self.view = View::Lag;
                self.lag.start_filter();
            }
            Action::Input(c) => self.type_char(c),
            Action::DeleteChar => match &mut self.search_input {
                Some(input) => {
                    input.pop();
                }
                None => self.lag.delete_char(),
            },
            Action::Submit if self.search_input.is_some() => self.submit_search(),
            Action::Submit => self.lag.submit_filter(),
        }
    }

    /// Rows a page move jumps: the list's visible height.
    fn page_rows(&self) -> isize {
        let body = self.size.1.saturating_sub(CHROME_ROWS + 3).max(1);
        isize::try_from(body).unwrap_or(1)
    }

    /// Switches views; the Sagas list is asked for at once rather than at the next poll.
    fn show(&mut self, view: View) {
        self.view = view;
        if view == View::Sagas {
            self.requests.extend(self.sagas.refresh());
        }
    }

    /// The inner width of the detail pane (the screen less its two borders).
    pub fn detail_width(&self) -> u16 {
        self.size.0.saturating_sub(2)
    }

    /// The rows the detail pane shows at once.
    fn detail_height(&self) -> u16 {
        self.size.1.saturating_sub(CHROME_ROWS + 2).max(1)
    }

    /// Keeps the detail's scroll within its content: the last row at the bottom at most.
    fn clamp_detail_scroll(&mut self) {
        let height = usize::from(self.detail_height());
        let Some(detail) = &self.detail else {
            return;
        };
        let rows = crate::ui::views::detail_rows(detail, self.now_us, self.detail_width());
        let max = u16::try_from(rows.saturating_sub(height)).unwrap_or(u16::MAX);
        if let Some(detail) = &mut self.detail {
            detail.scroll = detail.scroll.min(max);
        }
    }

    fn move_by(&mut self, delta: isize) {
        if self.view == View::Lag {
            self.lag.move_by(delta);
            return;
        }
        if self.view == View::Sagas {
            if self.sagas.open.is_none() {
                self.requests.extend(self.sagas.move_by(delta));
            }
            return;
        }
        if let Some(detail) = &mut self.detail {
            let scrolled = i32::from(detail.scroll) + i32::try_from(delta).unwrap_or(0);
            detail.scroll = u16::try_from(scrolled.max(0)).unwrap_or(u16::MAX);
            self.clamp_detail_scroll();
            return;
        }
        if self.view != View::Decisions {
            return;
        }
        if delta < 0 && self.list.selected == 0 && self.list.dropped_newer > 0 {
            self.status =
                Some("newer rows were dropped to bound memory: Home/g for the newest".into());
        }
        if let Some(after) = self.list.move_by(delta) {
            self.requests.push(Request::Page {
                after,
                limit: PAGE_ROWS,
            });
        }
    }

    fn top(&mut self) {
        if self.view == View::Lag {
            self.lag.top();
        } else if self.view == View::Sagas {
            if self.sagas.open.is_none() {
                self.requests.extend(self.sagas.top());
            }
        } else if let Some(detail) = &mut self.detail {
            detail.scroll = 0;
        } else if self.view == View::Decisions {
            self.list.follow(&self.tail, self.tail_at_us);
            self.status = None;
        }
    }

    fn open(&mut self) {
        if self.view == View::Lag {
            self.lag.open();
            return;
        }
        if self.view == View::Sagas {
            self.requests.extend(self.sagas.open());
            return;
        }
        if self.view != View::Decisions || self.detail.is_some() {
            return;
        }
        let Some(row) = self.list.selected_row() else {
            return;
        };
        let decision_id = row.decision_id.clone();
        self.open_detail(decision_id, None);
    }

    /// The Sagas view's `d`: the decision behind the open or selected saga, in the Decisions
    /// view's detail pane; Esc comes back here.
    fn open_saga_decision(&mut self) {
        if self.view != View::Sagas {
            return;
        }
        if let Some(decision_id) = self.sagas.decision_id() {
            self.search_input = None;
            self.view = View::Decisions;
            self.open_detail(decision_id, Some(View::Sagas));
        }
    }

    fn open_detail(&mut self, decision_id: String, back_to: Option<View>) {
        self.requests.push(Request::Detail {
            decision_id: decision_id.clone(),
        });
        self.detail = Some(Detail {
            decision_id,
            context: Load::Loading,
            scroll: 0,
            back_to,
            refreshing: true,
            output: OutputRows::default(),
        });
    }

    /// Closes the innermost thing open.
    fn back(&mut self) {
        if self.search_input.take().is_some() {
            return;
        }
        if self.view == View::Lag {
            self.lag.back();
            return;
        }
        if self.view == View::Sagas {
            self.sagas.open = None;
            return;
        }
        if let Some(detail) = self.detail.take() {
            if let Some(view) = detail.back_to {
                self.show(view);
            }
            return;
        }
        if matches!(self.list.source, ListSource::Search { .. }) {
            self.list.follow(&self.tail, self.tail_at_us);
            self.status = None;
        }
    }

    fn bottom(&mut self) {
        if let Some(detail) = &mut self.detail {
            detail.scroll = u16::MAX;
        }
        self.clamp_detail_scroll();
    }

    fn type_char(&mut self, c: char) {
        match &mut self.search_input {
            Some(input) if input.chars().count() < MAX_INPUT && !c.is_control() => input.push(c),
            Some(_) => {}
            None => self.lag.type_char(c),
        }
    }

    fn submit_search(&mut self) {
        let Some(input) = self.search_input.take() else {
            return;
        };
        let needle = input.trim().to_owned();
        if needle.is_empty() {
            return;
        }
        self.requests.push(Request::Search {
            needle: needle.clone(),
        });
        self.list = DecisionList::searching(needle);
        self.status = None;
    }
}
