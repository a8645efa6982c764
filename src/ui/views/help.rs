//! The `?` screen: every binding of the key map with what it does.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::ui::keymap::{Binding, Mode};
use crate::ui::theme::Theme;

/// The bindings of `mode` (the view's own keys in place of the general ones), then those of
/// the input it can open.
pub fn draw(frame: &mut Frame, area: Rect, mode: Mode, theme: &Theme) {
    let mut lines: Vec<Line> = mode
        .bindings()
        .into_iter()
        .map(|b| line(b, theme))
        .collect();
    if let Some((intro, typing)) = mode.typing() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!(" {intro}"), theme.muted));
        lines.extend(typing.bindings().into_iter().map(|b| line(b, theme)));
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

fn line<'a>(b: &Binding, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(" {:<11}", b.label), theme.accent),
        Span::raw(b.help),
    ])
}
