//! The Lag view drilled into one consumer group: its partitions' offsets, lag and owner, and
//! a pane saying in one sentence why the selected partition has its status.
//!
//! Narrow terminals drop the log start, last stable offset, read_committed lag and notes
//! columns; the pane under the table always shows them for the selected partition.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::lag::{freshness, short_age, status_style, WIDE};
use super::{age, clip, freshness_span};
use crate::clock::Micros;
use crate::kafka::lag::{format_lag_time, GroupLag, PartitionLag};
use crate::kafka::status::{note_text, Ownership};
use crate::ui::app::App;
use crate::ui::theme::Theme;

/// Rows of the pane under the table: a rule, two lines of figures, the reason wrapped.
const PANE_ROWS: u16 = 6;

/// A column: its header, its width, whether narrow terminals show it, and whether it holds
/// numbers (right-aligned, header too).
struct Column {
    header: &'static str,
    width: Constraint,
    narrow: bool,
    numeric: bool,
}

const fn col(header: &'static str, width: Constraint, narrow: bool, numeric: bool) -> Column {
    Column {
        header,
        width,
        narrow,
        numeric,
    }
}

impl Column {
    fn header_cell<'a>(&self) -> Line<'a> {
        let line = Line::raw(self.header);
        if self.numeric {
            line.right_aligned()
        } else {
            line
        }
    }
}

const COLUMNS: [Column; 13] = [
    col("", Constraint::Length(1), true, false),
    col("status", Constraint::Length(6), true, false),
    col("topic", Constraint::Fill(2), true, false),
    col("part", Constraint::Length(4), true, true),
    col("committed", Constraint::Length(10), true, true),
    col("log start", Constraint::Length(10), false, true),
    col("high wm", Constraint::Length(10), true, true),
    col("last stable", Constraint::Length(11), false, true),
    col("lag", Constraint::Length(8), true, true),
    col("lag (rc)", Constraint::Length(8), false, true),
    col("lag time", Constraint::Length(8), true, true),
    col("owner", Constraint::Fill(3), true, false),
    col("notes", Constraint::Fill(3), false, false),
];

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(group) = app.lag.drilled_group() else {
        let name = app.lag.drill.as_ref().map_or("", |d| d.group.as_str());
        let block = Block::default().borders(Borders::ALL).title(" Partitions ");
        let text = format!("group '{name}' is no longer in the lag snapshot · Esc back");
        frame.render_widget(Paragraph::new(text).style(theme.muted).block(block), area);
        return;
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title(app, group, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [table, pane] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(PANE_ROWS)]).areas(inner);
    let selected = app.lag.drill.as_ref().map_or(0, |d| d.selected);
    draw_table(frame, table, group, selected, theme);
    if let Some(p) = group.partitions.get(selected) {
        draw_pane(frame, pane, p, app.now_us, theme);
    }
}

fn draw_table(frame: &mut Frame, area: Rect, group: &GroupLag, selected: usize, theme: &Theme) {
    if group.partitions.is_empty() {
        let text = "no partitions: the group has no commits and no assignment";
        frame.render_widget(Paragraph::new(text).style(theme.muted), area);
        return;
    }
    let wide = area.width >= WIDE;
    let columns: Vec<&Column> = COLUMNS.iter().filter(|c| wide || c.narrow).collect();
    let widths: Vec<Constraint> = columns.iter().map(|c| c.width).collect();
    let height = usize::from(area.height.saturating_sub(1));
    let offset = (selected + 1).saturating_sub(height);
    let rows = group
        .partitions
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, p)| {
            let cells = cells(p, i == selected, theme);
            let shown = COLUMNS.iter().zip(cells).filter(|(c, _)| wide || c.narrow);
            let row = Row::new(shown.map(|(_, cell)| cell));
            if i == selected {
                row.style(theme.selected)
            } else {
                row
            }
        });
    let header = Row::new(columns.iter().map(|c| c.header_cell())).style(theme.header);
    frame.render_widget(Table::new(rows, widths).header(header), area);
}

/// Every column's cell for one partition, in [`COLUMNS`] order.
fn cells<'a>(p: &PartitionLag, selected: bool, theme: &Theme) -> [Line<'a>; 13] {
    let number = |n: i64| Line::raw(n.to_string()).right_aligned();
    let lag_rc = if p.lag_read_committed == p.lag {
        String::new()
    } else {
        p.lag_read_committed.to_string()
    };
    let committed = match p.committed {
        Some(_) => Line::raw(p.committed_text()),
        None => Line::styled("-", theme.muted),
    };
    [
        Line::raw(if selected { ">" } else { " " }),
        Line::styled(p.status.as_str(), status_style(p.status, theme)),
        Line::raw(p.topic.clone()),
        number(i64::from(p.partition)),
        committed.right_aligned(),
        number(p.log_start),
        number(p.high_watermark),
        number(p.last_stable),
        Line::styled(p.lag.to_string(), theme.lag).right_aligned(),
        Line::raw(lag_rc).right_aligned(),
        Line::raw(format_lag_time(&p.lag_time)).right_aligned(),
        owner(p, theme),
        Line::styled(notes(p), theme.muted),
    ]
}

/// The member that owns the partition; "unowned" is marked, since nobody will read it.
fn owner<'a>(p: &PartitionLag, theme: &Theme) -> Line<'a> {
    match (p.ownership, &p.owner) {
        (Ownership::Unowned, _) => Line::styled("unowned", theme.warn),
        (Ownership::Owned, Some(m)) => Line::raw(format!("{}@{}", m.client_id, m.host)),
        (Ownership::Owned, None) => Line::raw("owned"),
        (Ownership::Unknown, _) => Line::styled("unknown", theme.muted),
    }
}

fn notes(p: &PartitionLag) -> String {
    let mut notes: Vec<String> = p.notes.iter().map(note_text).collect();
    if let Some(error) = &p.error {
        notes.push(error.clone());
    }
    notes.join("; ")
}

/// Every figure of the selected partition, then the sentence behind its status.
fn draw_pane(frame: &mut Frame, area: Rect, p: &PartitionLag, now_us: Micros, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::TOP)
        .padding(Padding::horizontal(1))
        .title(Span::styled(
            format!(" {}/{} ", p.topic, p.partition),
            theme.header,
        ));
    let field = |name: &str, value: String| {
        [
            Span::styled(format!("{name} "), theme.muted),
            Span::raw(format!("{value}  ")),
        ]
    };
    let offsets: Vec<Span> = [
        field("committed", p.committed_text()),
        field("log start", p.log_start.to_string()),
        field("high watermark", p.high_watermark.to_string()),
        field("last stable", p.last_stable.to_string()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut lag: Vec<Span> = [
        field("lag", p.lag.to_string()),
        field("read_committed", p.lag_read_committed.to_string()),
        field("lag time", format_lag_time(&p.lag_time)),
        field("read", format!("{} ago", age(p.sampled_at_us, now_us))),
    ]
    .into_iter()
    .flatten()
    .collect();
    lag.push(Span::styled("owner ", theme.muted));
    lag.extend(owner(p, theme).spans);
    let reason = Line::styled(p.reason.clone(), status_style(p.status, theme));
    let text = vec![Line::from(offsets), Line::from(lag), reason];
    let pane = Paragraph::new(text).block(block).wrap(Wrap { trim: true });
    frame.render_widget(pane, area);
}

fn title<'a>(app: &App, group: &GroupLag, theme: &Theme) -> Line<'a> {
    let mut spans = vec![
        Span::styled(format!(" {} ", clip(&group.name, 40)), theme.header),
        Span::styled(
            format!(
                "· {} · {} · lag {} · ",
                group.state,
                group.status.as_str(),
                group.total_lag
            ),
            theme.muted,
        ),
    ];
    if let Some(error) = &group.error {
        let stale = format!("STALE {}: {error} · ", short_age(group.age_us(app.now_us)));
        spans.push(Span::styled(stale, theme.stale));
    }
    spans.push(freshness_span(&freshness(app), app.now_us, theme));
    spans.push(Span::styled(" · Esc back ", theme.muted));
    Line::from(spans)
}
