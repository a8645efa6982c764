//! The Sagas view: which sagas are stuck (in flight past their deadline), which are in
//! flight, which failed; and one saga's steps.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::lag::WIDE;
use super::{age, clip, freshness_span, time_of_day};
use crate::clock::{format_us, Micros};
use crate::model::{Saga, SagaState, SagaStep, StepStatus};
use crate::store::sagas_view::{SagaRow, SagaSection};
use crate::ui::app::App;
use crate::ui::sagas::{OpenSaga, SagaPanel};
use crate::ui::state::{Freshness, Load};
use crate::ui::theme::Theme;

const HEADER: [&str; 8] = [
    "",
    "state",
    "saga type",
    "entity",
    "step",
    "age",
    "overdue",
    "updated",
];

fn widths(wide: bool) -> [Constraint; 8] {
    let state = if wide { 19 } else { 12 };
    [
        Constraint::Length(1),
        Constraint::Length(state),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(7),
    ]
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(open) = &app.sagas.open {
        draw_steps(frame, area, app, open, theme);
        return;
    }
    let panel = &app.sagas;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title(app, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if panel.rows.is_empty() {
        frame.render_widget(Paragraph::new(empty_text(panel)).style(theme.muted), inner);
        return;
    }
    let [list, about] = Layout::vertical([Constraint::Fill(1), Constraint::Length(2)]).areas(inner);
    draw_table(frame, list, app, theme);
    if let Some(row) = panel.selected_row() {
        let block = Block::default()
            .borders(Borders::TOP)
            .padding(Padding::horizontal(1));
        let text = format!(
            "saga {} · decision {} · deadline {}",
            row.saga.saga_id,
            row.saga.decision_id,
            format_us(row.saga.deadline_at_us)
        );
        let p = Paragraph::new(Line::styled(text, theme.muted)).block(block);
        frame.render_widget(p, about);
    }
}

fn draw_table(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let panel = &app.sagas;
    let wide = area.width >= WIDE;
    let at_us = panel.loaded_at_us.unwrap_or(app.now_us);
    let cols = Layout::horizontal(widths(wide)).spacing(1).split(area);
    let text_cols = [cols[2].width, cols[3].width, cols[4].width].map(usize::from);

    // One header row; the rest shows rows around the selection.
    let height = usize::from(area.height.saturating_sub(1));
    let offset = (panel.selected + 1).saturating_sub(height);
    let rows = panel
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, r)| {
            let selected = i == panel.selected;
            let cells = RowCells {
                selected,
                wide,
                text_cols,
            };
            let row = saga_row(r, &cells, (at_us, app.now_us), theme);
            if selected {
                row.style(theme.selected)
            } else {
                row
            }
        });
    let header = Row::new(HEADER).style(theme.header);
    frame.render_widget(Table::new(rows, widths(wide)).header(header), area);
}

/// What a saga row needs besides the saga.
struct RowCells {
    selected: bool,
    wide: bool,
    /// Widths of the saga type, entity and step columns: longer text is cut with `…`.
    text_cols: [usize; 3],
}

/// One saga; `times` is when the page was read (stuck is measured then) and now.
fn saga_row<'a>(r: &SagaRow, cells: &RowCells, times: (Micros, Micros), theme: &Theme) -> Row<'a> {
    let (at_us, now_us) = times;
    let s = &r.saga;
    let overdue = match r.section {
        SagaSection::Stuck => Span::styled(age(s.deadline_at_us, at_us), theme.warn),
        SagaSection::InFlight | SagaSection::Failed => Span::raw(""),
    };
    let [type_cols, entity_cols, step_cols] = cells.text_cols;
    let step = r.step_name.as_deref().unwrap_or("-");
    Row::new(vec![
        Line::raw(if cells.selected { ">" } else { " " }),
        Line::styled(state_word(r, cells.wide), row_style(r, theme)),
        Line::raw(clip(&s.saga_type, type_cols)),
        Line::raw(clip(&s.entity_key, entity_cols)),
        Line::raw(clip(step, step_cols)),
        Line::raw(age(s.started_at_us, now_us)).right_aligned(),
        Line::from(overdue).right_aligned(),
        Line::raw(age(s.updated_at_us, now_us)).right_aligned(),
    ])
}

/// The state as listed: a stuck saga says so first, so it shows without colour too.
fn state_word(r: &SagaRow, wide: bool) -> String {
    let state = match (r.saga.state, wide) {
        (SagaState::CompensationFailed, false) => "comp. failed",
        (state, _) => state.as_str(),
    };
    match r.section {
        SagaSection::Stuck if wide => format!("STUCK {state}"),
        SagaSection::Stuck => "STUCK".into(),
        SagaSection::InFlight | SagaSection::Failed => state.into(),
    }
}

fn row_style(r: &SagaRow, theme: &Theme) -> Style {
    match r.section {
        SagaSection::Stuck => theme.warn,
        SagaSection::InFlight | SagaSection::Failed => state_style(r.saga.state, theme),
    }
}

/// The colour of a saga state, by meaning.
pub(super) fn state_style(state: SagaState, theme: &Theme) -> Style {
    match state {
        SagaState::Running | SagaState::Compensating => theme.in_flight,
        SagaState::Compensated => theme.compensated,
        SagaState::Failed | SagaState::CompensationFailed => theme.failed,
        SagaState::Completed => theme.ok,
    }
}

fn title<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let panel = &app.sagas;
    let freshness = Freshness::of(panel.loaded_at_us, panel.error.as_deref(), &app.db);
    let stuck = panel
        .rows
        .iter()
        .filter(|r| r.section == SagaSection::Stuck)
        .count();
    let page = panel.earlier.len() + 1;
    let mut spans = vec![Span::styled(" Sagas ", theme.header)];
    let note = format!("· stuck first · page {page} · ");
    spans.push(Span::styled(note, theme.muted));
    if stuck > 0 {
        spans.push(Span::styled(
            format!("{stuck} stuck on this page · "),
            theme.warn,
        ));
    }
    spans.push(freshness_span(&freshness, app.now_us, theme));
    spans.push(Span::raw(" "));
    Line::from(spans)
}

fn empty_text(panel: &SagaPanel) -> String {
    match (panel.loaded_at_us, &panel.error) {
        (None, Some(e)) => format!("could not load: {e}"),
        (None, None) => "loading…".into(),
        (Some(_), _) => "no saga is stuck, in flight or failed".into(),
    }
}

fn draw_steps(frame: &mut Frame, area: Rect, app: &App, open: &OpenSaga, theme: &Theme) {
    let cols = StepCols::for_width(area.width);
    let (lines, freshness) = match &open.steps {
        Load::Loading => (vec![Line::raw("loading…")], Freshness::Loading),
        Load::Failed(e) => (
            vec![Line::styled(e.clone(), theme.error)],
            Freshness::Error(e.clone()),
        ),
        Load::Ready { value, at_us } => (
            saga_lines(&value.0, app.now_us, theme)
                .into_iter()
                .chain(steps_lines(&value.0, &value.1, &cols, theme))
                .collect(),
            Freshness::of(Some(*at_us), None, &app.db),
        ),
    };
    let title = Line::from(vec![
        Span::styled(format!(" Saga {} · ", open.saga_id), theme.header),
        freshness_span(&freshness, app.now_us, theme),
        Span::styled(" · Esc back ", theme.muted),
    ]);
    let block = Block::default().borders(Borders::ALL).title(title);
    let p = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false });
    frame.render_widget(p, area);
}

fn field<'a>(name: &str, value: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<12}"), theme.muted),
        Span::raw(value),
    ])
}

/// The saga's facts; a saga in flight past its deadline says STUCK and by how much.
fn saga_lines<'a>(saga: &Saga, now_us: Micros, theme: &Theme) -> Vec<Line<'a>> {
    let deadline = format_us(saga.deadline_at_us);
    let deadline = if saga.state.is_in_flight() && saga.deadline_at_us < now_us {
        let overdue = age(saga.deadline_at_us, now_us);
        Span::styled(
            format!("{deadline}  STUCK: overdue by {overdue}"),
            theme.warn,
        )
    } else {
        Span::raw(deadline)
    };
    let started = format!(
        "{}  ({} ago)",
        format_us(saga.started_at_us),
        age(saga.started_at_us, now_us)
    );
    vec![
        Line::from(vec![
            Span::styled(format!("{:<12}", "state"), theme.muted),
            Span::styled(saga.state.as_str(), state_style(saga.state, theme)),
        ]),
        field("saga type", saga.saga_type.clone(), theme),
        field("entity", saga.entity_key.clone(), theme),
        field(
            "decision",
            format!("{}   (d opens it)", saga.decision_id),
            theme,
        ),
        field("started", started, theme),
        Line::from(vec![
            Span::styled(format!("{:<12}", "deadline"), theme.muted),
            deadline,
        ]),
        field(
            "updated",
            format!("{} ago", age(saga.updated_at_us, now_us)),
            theme,
        ),
        Line::raw(""),
    ]
}

/// Column widths of the steps table; the start time only when wide.
struct StepCols {
    name: usize,
    compensation: usize,
    started: bool,
}

impl StepCols {
    fn for_width(width: u16) -> Self {
        let wide = width >= WIDE;
        Self {
            name: if wide { 24 } else { 16 },
            compensation: if wide { 24 } else { 16 },
            started: wide,
        }
    }
}

/// The steps table, the current step marked `>`, a step's last error under it.
fn steps_lines<'a>(
    saga: &Saga,
    steps: &[SagaStep],
    cols: &StepCols,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let started = if cols.started { "started      " } else { "" };
    let header = format!(
        "  # {:<name$} {:<19} {:<comp$} tries {started}updated",
        "step",
        "status",
        "compensation",
        name = cols.name,
        comp = cols.compensation,
    );
    let mut out = vec![Line::styled(header, theme.header)];
    for step in steps {
        out.push(step_line(
            step,
            step.step_index == saga.current_step,
            cols,
            theme,
        ));
        if let Some(error) = &step.last_error {
            out.push(Line::styled(
                format!("     last error: {error}"),
                theme.error,
            ));
        }
    }
    out
}

fn step_line<'a>(step: &SagaStep, current: bool, cols: &StepCols, theme: &Theme) -> Line<'a> {
    let style = match step.status {
        StepStatus::Done => theme.ok,
        StepStatus::Pending => theme.muted,
        StepStatus::Compensating => theme.in_flight,
        StepStatus::Compensated => theme.compensated,
        StepStatus::Failed | StepStatus::CompensationFailed => theme.failed,
    };
    let marker = if current { ">" } else { " " };
    let started = match (cols.started, step.started_at_us) {
        (false, _) => String::new(),
        (true, Some(at)) => format!("{} ", time_of_day(at)),
        (true, None) => format!("{:<13}", "-"),
    };
    let (name, comp) = (cols.name, cols.compensation);
    let index = step.step_index + 1;
    Line::from(vec![
        Span::raw(format!(
            "{marker}{index:>2} {:<name$} ",
            clip(&step.name, name)
        )),
        Span::styled(format!("{:<19} ", step.status.as_str()), style),
        Span::raw(format!(
            "{:<comp$} {:>5} ",
            clip(&step.compensation, comp),
            step.attempts
        )),
        Span::styled(
            format!("{started}{}", time_of_day(step.updated_at_us)),
            theme.muted,
        ),
    ])
}
