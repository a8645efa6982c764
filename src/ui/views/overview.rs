//! The Overview: the figures an on-call engineer checks first, each with a short history.

use std::time::Duration;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};
use ratatui::Frame;

use super::{age, freshness_span};
use crate::kafka::lag::LagSnapshot;
use crate::kafka::status::Status;
use crate::ui::app::App;
use crate::ui::lag::total_lag;
use crate::ui::poller::RATE_WINDOW_US;
use crate::ui::state::{Freshness, KafkaSource, KafkaState, Ring};
use crate::ui::theme::Theme;

/// One figure: its name, its value now, a note, and its history.
struct Figure<'a> {
    name: &'static str,
    value: String,
    note: String,
    style: Style,
    history: &'a Ring,
    /// Time between two values of the history.
    every: Duration,
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let loaded_at = app.overview.as_ref().map(|s| s.at_us);
    let freshness = Freshness::of(loaded_at, None, &app.db);
    let title = Line::from(vec![
        Span::styled(" Overview · ", theme.header),
        freshness_span(&freshness, app.now_us, theme),
        Span::raw(" "),
    ]);
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let figures = figures(app, theme);
    let rows = Layout::vertical(figures.iter().map(|_| Constraint::Fill(1))).split(inner);
    for (figure, row) in figures.iter().zip(rows.iter()) {
        draw_figure(frame, *row, figure, theme);
    }
}

fn figures<'a>(app: &'a App, theme: &Theme) -> Vec<Figure<'a>> {
    let window_s = RATE_WINDOW_US / 1_000_000;
    let s = app.overview.as_ref();
    let show = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let stuck = s.map_or(0, |s| s.sagas_stuck);
    let every = app.info.poll_every;
    vec![
        Figure {
            name: "decisions/s",
            value: show(s.map(|s| format!("{:.1}", s.decisions_per_s()))),
            note: show(s.map(|s| format!("{} in {window_s}s", s.window_decisions))),
            style: theme.accent,
            history: &app.history.decisions,
            every,
        },
        Figure {
            name: "duplicate hits/s",
            value: show(s.map(|s| format!("{:.1}", s.duplicate_hits_per_s()))),
            note: show(s.map(|s| format!("{} in {window_s}s", s.window_duplicate_hits))),
            style: theme.duplicate,
            history: &app.history.duplicate_hits,
            every,
        },
        Figure {
            name: "sagas in flight",
            value: show(s.map(|s| s.sagas_in_flight.to_string())),
            note: show(s.map(|s| format!("{} failed", s.sagas_failed))),
            style: theme.in_flight,
            history: &app.history.in_flight,
            every,
        },
        Figure {
            name: "stuck sagas",
            value: show(s.map(|s| s.sagas_stuck.to_string())),
            note: "past deadline".into(),
            style: if stuck > 0 { theme.warn } else { theme.ok },
            history: &app.history.stuck,
            every,
        },
        lag_figure(app, theme),
    ]
}

/// Total consumer lag: the sum of every watched group's lag in the latest snapshot, with
/// the worst group status, or why there is no figure.
fn lag_figure<'a>(app: &'a App, theme: &Theme) -> Figure<'a> {
    let figure = |value: String, note: String, style| Figure {
        name: "consumer lag",
        value,
        note,
        style,
        history: &app.history.lag,
        every: app.info.lag_every,
    };
    if app.info.kafka == KafkaSource::NoBrokers {
        return figure("not configured".into(), String::new(), theme.muted);
    }
    if !app.lag.is_loaded() {
        return match &app.kafka {
            KafkaState::Stopped { .. } => figure("stopped".into(), String::new(), theme.error),
            _ => figure("-".into(), "first refresh…".into(), theme.lag),
        };
    }
    let snapshot = app.lag.snapshot();
    let note = match (&app.kafka, worst(snapshot)) {
        (KafkaState::Connected { .. }, None) => "no groups".to_owned(),
        (KafkaState::Connected { .. }, Some(Status::Ok)) => match snapshot.groups.len() {
            1 => "1 group ok".to_owned(),
            n => format!("{n} groups ok"),
        },
        (KafkaState::Connected { .. }, Some(status)) => format!("worst {}", status.as_str()),
        (state, _) => match state.last_ok_us() {
            Some(at) => format!("STALE {}", age(at, app.now_us)),
            None => "STALE".into(),
        },
    };
    figure(total_lag(snapshot).to_string(), note, theme.lag)
}

fn worst(snapshot: &LagSnapshot) -> Option<Status> {
    snapshot.groups.iter().map(|g| g.status).max()
}

fn draw_figure(frame: &mut Frame, area: Rect, figure: &Figure, theme: &Theme) {
    let [text, spark] =
        Layout::horizontal([Constraint::Length(40), Constraint::Fill(1)]).areas(area);
    let line = Line::from(vec![
        Span::styled(format!(" {:<17}", figure.name), theme.muted),
        Span::styled(format!("{:>6}", figure.value), figure.style),
        Span::styled(format!("  {}", figure.note), theme.muted),
    ]);
    frame.render_widget(Paragraph::new(line), text);

    // The sparklines do not move at the same pace (a poll, a lag refresh): each says what
    // span it covers.
    let [spark, span] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(10)]).areas(spark);
    let data = figure.history.latest(usize::from(spark.width));
    let label = span_label(figure.every, data.len());
    let sparkline = Sparkline::default().data(data).style(figure.style);
    frame.render_widget(sparkline, spark);
    frame.render_widget(Paragraph::new(Span::styled(label, theme.muted)), span);
}

/// ` last 4m`: the time `samples` values `every` apart cover; empty before there are two.
fn span_label(every: Duration, samples: usize) -> String {
    if samples < 2 {
        return String::new();
    }
    let secs = every.as_secs_f64() * samples as f64;
    let secs = secs.round() as u64;
    match secs {
        0..=119 => format!(" last {secs}s"),
        120..=7_199 => format!(" last {}m", secs / 60),
        _ => format!(" last {}h", secs / 3_600),
    }
}
