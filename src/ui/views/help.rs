//! The `?` screen: every binding of the key map with what it does.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::ui::keymap;
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut lines = Vec::new();
    for b in keymap::BROWSE {
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<11}", b.label), theme.accent),
            Span::raw(b.help),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(" while typing a search:", theme.muted));
    for b in keymap::SEARCH {
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<11}", b.label), theme.accent),
            Span::raw(b.help),
        ]));
    }
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(66)])
        .flex(Flex::Center)
        .areas(row);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" keys (? or Esc to close) ", theme.header));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
