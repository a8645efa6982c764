//! The Lag view: consumer groups, worst first, with their lag, lag time and a sparkline of
//! their recent lag; a line under the list says why the selected group has its status.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::{clip, freshness_span};
use crate::clock::Micros;
use crate::kafka::lag::{format_lag_time, GroupLag, PartitionLag};
use crate::kafka::status::Status;
use crate::ui::app::App;
use crate::ui::state::{Freshness, KafkaSource, KafkaState};
use crate::ui::theme::Theme;

/// Inner widths from which the wide layouts apply.
pub(super) const WIDE: u16 = 120;

const HEADER: [&str; 9] = [
    "", "status", "group", "state", "lag", "lag time", "parts", "members", "history",
];

/// Header cells; the numeric columns' are right-aligned like their figures.
fn header<'a>(theme: &Theme) -> Row<'a> {
    let cells = HEADER.iter().enumerate().map(|(i, h)| match i {
        4..=7 => Line::raw(*h).right_aligned(),
        _ => Line::raw(*h),
    });
    Row::new(cells).style(theme.header)
}

fn widths(wide: bool) -> [Constraint; 9] {
    let (group, state, lag) = if wide { (1, 19, 10) } else { (2, 11, 8) };
    [
        Constraint::Length(1),
        Constraint::Length(9),
        Constraint::Fill(group),
        Constraint::Length(state),
        Constraint::Length(lag),
        Constraint::Length(8),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Fill(1),
    ]
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title(app, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let visible = app.lag.visible();
    if visible.is_empty() {
        let p = Paragraph::new(empty_text(app)).wrap(Wrap { trim: true });
        frame.render_widget(p.style(theme.muted), inner);
        return;
    }
    let [list, why] = Layout::vertical([Constraint::Fill(1), Constraint::Length(3)]).areas(inner);
    draw_table(frame, list, app, &visible, theme);
    let selected = visible.get(app.lag.selected_index()).copied();
    if let Some(group) = selected {
        let block = Block::default()
            .borders(Borders::TOP)
            .padding(Padding::horizontal(1))
            .title(Span::styled(format!(" {} ", group.name), theme.header));
        let p = Paragraph::new(group_reason(group, app.now_us, theme))
            .block(block)
            .wrap(Wrap { trim: true });
        frame.render_widget(p, why);
    }
}

fn draw_table(frame: &mut Frame, area: Rect, app: &App, visible: &[&GroupLag], theme: &Theme) {
    let widths = widths(area.width >= WIDE);
    let cols = Layout::horizontal(widths).spacing(1).split(area);
    let (name_cols, spark_cols) = (cols[2].width, cols[8].width);

    // One header row; the rest shows groups around the selection.
    let height = usize::from(area.height.saturating_sub(1));
    let selected = app.lag.selected_index();
    let offset = (selected + 1).saturating_sub(height);
    let rows = visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, group)| {
            let history = app
                .lag
                .history
                .get(&group.name)
                .map(|r| r.latest(usize::from(spark_cols)));
            let cells = GroupCells {
                selected: i == selected,
                name_cols,
                spark_cols,
                history: history.unwrap_or_default(),
            };
            let row = group_row(group, &cells, app.now_us, theme);
            if i == selected {
                row.style(theme.selected)
            } else {
                row
            }
        });
    frame.render_widget(Table::new(rows, widths).header(header(theme)), area);
}

/// What a group row needs besides the group.
struct GroupCells {
    selected: bool,
    name_cols: u16,
    spark_cols: u16,
    history: Vec<u64>,
}

fn group_row<'a>(g: &GroupLag, cells: &GroupCells, now_us: Micros, theme: &Theme) -> Row<'a> {
    let members = if g.state == "Unknown" {
        "-".to_owned()
    } else {
        g.members.len().to_string()
    };
    Row::new(vec![
        Line::raw(if cells.selected { ">" } else { " " }),
        status_cell(g, now_us, theme),
        Line::raw(clip(&g.name, usize::from(cells.name_cols))),
        Line::raw(g.state.clone()),
        Line::styled(g.total_lag.to_string(), theme.lag).right_aligned(),
        Line::raw(worst_lag_time(&g.partitions)).right_aligned(),
        Line::raw(g.partitions.len().to_string()).right_aligned(),
        Line::raw(members).right_aligned(),
        Line::styled(spark(&cells.history, cells.spark_cols), theme.lag),
    ])
}

/// The group's status, or `STALE` and how old its rows are.
fn status_cell<'a>(g: &GroupLag, now_us: Micros, theme: &Theme) -> Line<'a> {
    if g.is_stale() {
        let age = short_age(g.age_us(now_us));
        return Line::styled(format!("STALE {age}"), theme.stale);
    }
    Line::styled(g.status.as_str(), status_style(g.status, theme))
}

/// The style a status is drawn in: by what it means for the on-call engineer.
pub(super) fn status_style(status: Status, theme: &Theme) -> Style {
    match status {
        Status::Ok => theme.ok,
        Status::Warn | Status::Rewind => theme.warn,
        Status::Stall | Status::Stop | Status::Err => theme.error,
    }
}

/// An age in its largest unit only (`42s`, `5m`, `2h`, `3d`): status cells are narrow.
pub(super) fn short_age(us: Micros) -> String {
    let s = us.max(0) / 1_000_000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// The lag time of the partition furthest behind.
fn worst_lag_time(partitions: &[PartitionLag]) -> String {
    partitions
        .iter()
        .max_by_key(|p| (p.lag, p.partition))
        .map_or_else(|| "-".into(), |p| format_lag_time(&p.lag_time))
}

/// A sparkline as text, newest on the right, scaled to the largest value shown; zero is
/// blank.
pub(super) fn spark(values: &[u64], cols: u16) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let cols = usize::from(cols);
    let shown = &values[values.len().saturating_sub(cols)..];
    let max = shown.iter().copied().max().unwrap_or(0).max(1);
    let mut out = " ".repeat(cols - shown.len());
    for v in shown {
        out.push(match *v {
            0 => ' ',
            v => {
                BARS[usize::try_from((v.saturating_mul(7)) / max)
                    .unwrap_or(7)
                    .min(7)]
            }
        });
    }
    out
}

/// Why the selected group has its status: its stale rows, or its worst partition's reason.
fn group_reason<'a>(g: &GroupLag, now_us: Micros, theme: &Theme) -> Vec<Line<'a>> {
    if let Some(error) = &g.error {
        let age = super::age(g.sampled_at_us, now_us);
        let text = format!("STALE: these rows were read {age} ago; since then: {error}");
        return vec![Line::styled(text, theme.stale)];
    }
    if let Some(reason) = &g.reason {
        return vec![Line::styled(reason.clone(), theme.error)];
    }
    let Some(worst) = g.partitions.iter().max_by_key(|p| (p.status, p.lag)) else {
        return vec![Line::styled(
            "no partitions with commits or assignments".to_owned(),
            theme.muted,
        )];
    };
    vec![Line::from(vec![
        Span::styled(
            format!("worst partition {}/{}: ", worst.topic, worst.partition),
            theme.muted,
        ),
        Span::styled(worst.reason.clone(), status_style(worst.status, theme)),
    ])]
}

fn title<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let lag = &app.lag;
    let mut spans = vec![Span::styled(" Consumer lag ", theme.header)];
    if !lag.filter.is_empty() || lag.filtering {
        let shown = lag.visible().len();
        let all = lag.snapshot().groups.len();
        spans.push(Span::styled(
            format!("· filter '{}' {shown}/{all} · ", lag.filter),
            theme.accent,
        ));
    } else {
        spans.push(Span::styled("· ", theme.muted));
    }
    if app.info.kafka == KafkaSource::NoBrokers {
        spans.push(Span::styled("no brokers configured", theme.muted));
    } else {
        spans.push(freshness_span(&freshness(app), app.now_us, theme));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// How fresh the lag rows are, from the tailer's state.
pub(super) fn freshness(app: &App) -> Freshness {
    let never_read = app.kafka.last_ok_us().is_none();
    if !app.lag.is_loaded() || never_read {
        return match app.kafka.error() {
            Some(e) => Freshness::Error(e.to_owned()),
            None => Freshness::Loading,
        };
    }
    match &app.kafka {
        KafkaState::Connected { last_ok_us } => Freshness::Loaded { at_us: *last_ok_us },
        state => Freshness::Stale {
            at_us: state.last_ok_us().unwrap_or(app.lag.snapshot().taken_at_us),
        },
    }
}

fn empty_text(app: &App) -> String {
    let lag = &app.lag;
    if app.info.kafka == KafkaSource::NoBrokers {
        return "no Kafka brokers configured: pass --brokers HOST:PORT or set [kafka] \
                bootstrap_servers"
            .into();
    }
    let nothing_read = lag.snapshot().groups.is_empty();
    if let Some(error) = app.kafka.error().filter(|_| nothing_read) {
        return format!("no lag read yet: {error}");
    }
    if !lag.is_loaded() {
        return "waiting for the first lag refresh…".into();
    }
    if !lag.snapshot().groups.is_empty() {
        return format!(
            "no consumer group name contains '{}' (Esc clears)",
            lag.filter
        );
    }
    let mut text = "no consumer groups watched: name them in [kafka] groups".to_owned();
    for notice in &lag.snapshot().notices {
        text.push_str("; ");
        text.push_str(notice);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{short_age, spark};

    #[test]
    fn sparklines_scale_to_the_largest_value_and_keep_the_newest() {
        assert_eq!(spark(&[0, 1, 2, 4, 8], 5), " ▁▂▄█");
        assert_eq!(spark(&[8, 8], 4), "  ██");
        assert_eq!(spark(&[5, 0, 0], 2), "  ");
        assert_eq!(spark(&[], 3), "   ");
    }

    #[test]
    fn short_ages_keep_one_unit() {
        assert_eq!(short_age(42_000_000), "42s");
        assert_eq!(short_age(303_000_000), "5m");
        assert_eq!(short_age(-5), "0s");
    }
}
