//! The Decisions view: the live tail of the log (or a search's answer), newest first.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};
use ratatui::Frame;

use super::{clip_middle, freshness_span, time_of_day};
use crate::store::DecisionSummary;
use crate::ui::app::App;
use crate::ui::list::{DecisionList, ListSource};
use crate::ui::state::Freshness;
use crate::ui::theme::Theme;

const WIDTHS: [Constraint; 8] = [
    Constraint::Length(1),
    Constraint::Length(12),
    Constraint::Length(10),
    Constraint::Length(5),
    Constraint::Length(10),
    Constraint::Fill(3),
    Constraint::Fill(2),
    Constraint::Length(6),
];

const HEADER: [&str; 8] = [
    "",
    "time UTC",
    "label",
    "conf",
    "model",
    "idempotency key",
    "entity",
    "output",
];

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let list = &app.list;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title(app, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if list.rows.is_empty() {
        frame.render_widget(Paragraph::new(empty_text(app)).style(theme.muted), inner);
        return;
    }

    // One header row; the rest shows rows around the selection.
    let height = usize::from(inner.height.saturating_sub(1));
    let offset = list.offset(height);
    let key_cols = key_columns(inner);
    let rows = list
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, d)| {
            let selected = i == list.selected;
            let row = row(d, selected, key_cols, theme);
            if selected {
                row.style(theme.selected)
            } else {
                row
            }
        });
    let header = Row::new(HEADER).style(theme.header);
    frame.render_widget(Table::new(rows, WIDTHS).header(header), inner);
}

/// One decision; the selected one is marked with `>` as well as styled, so it shows without
/// colour.
fn row<'a>(d: &DecisionSummary, selected: bool, key_cols: (u16, u16), theme: &Theme) -> Row<'a> {
    let out = if d.output_is_json {
        Span::raw("")
    } else {
        Span::styled("RAW", theme.warn)
    };
    Row::new(vec![
        Line::raw(if selected { ">" } else { " " }),
        Line::raw(time_of_day(d.decided_at_us)),
        Line::raw(d.label.clone().unwrap_or_else(|| "-".into())),
        Line::raw(
            d.confidence
                .map_or_else(|| "-".into(), |c| format!("{c:.2}")),
        ),
        Line::raw(d.model_version.clone()),
        Line::raw(clip_middle(&d.idempotency_key, key_cols.0)),
        Line::raw(clip_middle(&d.entity_key, key_cols.1)),
        Line::from(out),
    ])
}

/// The widths the table gives the idempotency key and entity columns (same layout as the
/// table's: one column of spacing).
fn key_columns(area: Rect) -> (u16, u16) {
    let cols = Layout::horizontal(WIDTHS).spacing(1).split(area);
    (cols[5].width, cols[6].width)
}

fn title<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let list = &app.list;
    let freshness = Freshness::of(list.loaded_at_us, list.error.as_deref(), &app.db);
    let mut spans = match &list.source {
        ListSource::Log => vec![Span::styled(" Decisions ", theme.header)],
        ListSource::Search { needle } => vec![
            Span::styled(format!(" Search '{needle}' "), theme.header),
            Span::styled(
                format!("· {} found · Esc for the log · ", list.rows.len()),
                theme.muted,
            ),
        ],
    };
    spans.extend(paging_note(list, theme));
    spans.push(freshness_span(&freshness, app.now_us, theme));
    spans.push(Span::raw(" "));
    Line::from(spans)
}

fn paging_note<'a>(list: &DecisionList, theme: &Theme) -> Option<Span<'a>> {
    if list.source != ListSource::Log {
        return None;
    }
    if list.following {
        return Some(Span::styled("· live · ", theme.ok));
    }
    let newer = list.newer + list.dropped_newer;
    let text = match newer {
        0 => "· paused, Home for live · ".to_owned(),
        n => format!("· paused, {n}+ newer, Home for live · "),
    };
    Some(Span::styled(text, theme.warn))
}

fn empty_text(app: &App) -> String {
    let list = &app.list;
    match (&list.source, list.loaded_at_us, &list.error) {
        (_, None, Some(e)) => format!("could not load: {e} (asked again at the next poll)"),
        (_, None, None) => "loading…".into(),
        (ListSource::Log, Some(_), _) => "no decisions in the log yet".into(),
        (ListSource::Search { needle }, Some(_), _) => {
            format!(
                "no decision for '{needle}' (searched idempotency keys, event ids, \
                 redelivered event ids, entity keys and decision ids)"
            )
        }
    }
}
