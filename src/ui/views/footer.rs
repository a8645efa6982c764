//! The status line (an input being typed, database or Kafka trouble, the last result) and
//! the key hints, which come from the key map itself.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{age, clip};
use crate::ui::app::App;
use crate::ui::keymap;
use crate::ui::state::{DbState, KafkaState};
use crate::ui::theme::Theme;

pub fn draw_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let width = usize::from(area.width);
    let line = if let Some(input) = &app.search_input {
        Line::from(vec![
            Span::styled("search key / event id / entity: ", theme.accent),
            Span::raw(input.clone()),
            Span::styled("█", theme.muted),
        ])
    } else if app.lag.filtering {
        Line::from(vec![
            Span::styled("filter groups: ", theme.accent),
            Span::raw(app.lag.filter.clone()),
            Span::styled("█", theme.muted),
        ])
    } else if let DbState::Reconnecting {
        error, retry_at_us, ..
    } = &app.db
    {
        let retry = age(app.now_us, *retry_at_us);
        let text = format!("database unreachable, retrying in {retry}: {error}");
        Line::styled(clip(&text, width), theme.error)
    } else if let Some(error) = kafka_error(app) {
        Line::styled(clip(&error, width), theme.error)
    } else if let Some(note) = &app.status {
        Line::styled(clip(note, width), theme.muted)
    } else {
        Line::raw("")
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// What is wrong with the lag tailer, in words for the status line.
fn kafka_error(app: &App) -> Option<String> {
    match &app.kafka {
        KafkaState::Unreachable { error, .. } => Some(format!("kafka unreachable: {error}")),
        KafkaState::Stopped { error } => Some(format!("kafka: {error}")),
        KafkaState::Connecting | KafkaState::Connected { .. } => None,
    }
}

pub fn draw_hints(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = Vec::new();
    for (keys, word) in keymap::hints(app.mode()) {
        spans.push(Span::styled(keys, theme.accent));
        spans.push(Span::styled(format!(" {word}  "), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
