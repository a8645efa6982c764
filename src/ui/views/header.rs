//! The header: what the console is connected to, how fresh each source is, who is at it.

use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{age, clip_middle};
use crate::ui::app::App;
use crate::ui::state::{DbState, KafkaSource, KafkaState};
use crate::ui::theme::Theme;
use crate::ui_text::printable;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let info = &app.info;
    let access = if info.read_only {
        Span::styled("READ-ONLY", theme.warn)
    } else {
        Span::styled("read-write", theme.muted)
    };
    let kafka = match &info.kafka {
        KafkaSource::NoBrokers => "-".to_owned(),
        KafkaSource::Tailed { brokers } => brokers.clone(),
    };
    let who = Line::from(vec![
        Span::styled("verdict", theme.header),
        Span::styled("  operator ", theme.muted),
        Span::raw(info.operator.clone()),
        Span::raw("  "),
        access,
    ]);
    let db = Line::from(vec![
        Span::styled("database ", theme.muted),
        Span::styled(format!("{} ", info.backend), theme.accent),
        Span::raw(info.db_display.clone()),
    ]);
    let kafka = Line::from(vec![
        Span::styled("kafka    ", theme.muted),
        Span::raw(kafka),
    ]);
    let lines = [
        (who, Line::raw("")),
        (db, db_state(app, theme)),
        (kafka, kafka_state(app, theme)),
    ];
    let rows = Layout::vertical([Constraint::Length(1); 3]).split(area);
    for ((fact, state), row) in lines.into_iter().zip(rows.iter()) {
        draw_line(frame, *row, fact, state);
    }
}

/// A fact on the left and its state on the right; the state keeps its width, the fact's
/// last part (an address) is cut in the middle with `…` when both do not fit.
fn draw_line(frame: &mut Frame, area: Rect, fact: Line, state: Line) {
    let state_cols = u16::try_from(state.width() + 1)
        .unwrap_or(u16::MAX)
        .min(area.width / 2);
    let [left, right] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(state_cols)]).areas(area);
    frame.render_widget(Paragraph::new(fit(fact, left.width)), left);
    frame.render_widget(Paragraph::new(state).alignment(Alignment::Right), right);
}

/// `line` cut to `cols`: its last span loses its middle.
fn fit(mut line: Line<'_>, cols: u16) -> Line<'_> {
    let Some(last) = line.spans.pop() else {
        return line;
    };
    let before = u16::try_from(line.width()).unwrap_or(u16::MAX);
    let room = cols.saturating_sub(before);
    let text = clip_middle(&printable(&last.content), room);
    line.spans.push(Span::styled(text, last.style));
    line
}

fn db_state<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let now = app.now_us;
    match &app.db {
        DbState::Connecting => Line::styled("connecting…", theme.muted),
        DbState::Connected { last_ok_us } => Line::from(vec![
            Span::styled("ok", theme.ok),
            Span::styled(
                format!(" · polled {} ago", age(*last_ok_us, now)),
                theme.muted,
            ),
        ]),
        DbState::Reconnecting {
            last_ok_us,
            attempt,
            ..
        } => {
            let last = match last_ok_us {
                Some(at) => format!(" · last ok {} ago", age(*at, now)),
                None => " · never reached".to_owned(),
            };
            Line::from(vec![
                Span::styled(format!("RECONNECTING (try {attempt})"), theme.error),
                Span::styled(last, theme.muted),
            ])
        }
    }
}

/// The lag tailer's freshness; its error, being long, goes to the status line.
fn kafka_state<'a>(app: &App, theme: &Theme) -> Line<'a> {
    if app.info.kafka == KafkaSource::NoBrokers {
        return Line::styled("no brokers configured", theme.muted);
    }
    let now = app.now_us;
    match &app.kafka {
        KafkaState::Connecting => Line::styled("connecting…", theme.muted),
        KafkaState::Connected { last_ok_us } => Line::from(vec![
            Span::styled("ok", theme.ok),
            Span::styled(
                format!(" · lag read {} ago", age(*last_ok_us, now)),
                theme.muted,
            ),
        ]),
        KafkaState::Unreachable { last_ok_us, .. } => match last_ok_us {
            Some(at) => Line::from(vec![
                Span::styled("UNREACHABLE, lag STALE", theme.error),
                Span::styled(format!(" · last ok {} ago", age(*at, now)), theme.muted),
            ]),
            None => Line::from(vec![
                Span::styled("UNREACHABLE", theme.error),
                Span::styled(" · never reached", theme.muted),
            ]),
        },
        KafkaState::Stopped { .. } => Line::styled("lag tailer STOPPED", theme.error),
    }
}
