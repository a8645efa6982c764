//! The `?` screen: every binding of the key map with what it does.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::ui::action::{Action, View};
use crate::ui::keymap::{Binding, Mode};
use crate::ui::theme::Theme;

/// The bindings of `mode` (the view's own keys in place of the general ones), then those of
/// the input it can open (Ctrl-C, listed already, only once). The view keys share
/// one line.
pub fn draw(frame: &mut Frame, area: Rect, mode: Mode, theme: &Theme) {
    let bindings = mode.bindings();
    let mut lines = Vec::new();
    let mut views_listed = false;
    for b in &bindings {
        if !matches!(b.action, Action::ShowView(_)) {
            lines.push(line(b.label, b.help, theme));
        } else if !std::mem::replace(&mut views_listed, true) {
            lines.push(views_line(theme));
        }
    }
    if let Some((intro, typing)) = mode.typing() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!(" {intro}"), theme.muted));
        let listed = |b: &Binding| b.ctrl && bindings.iter().any(|l| l.label == b.label);
        let typing = typing.bindings().into_iter().filter(|b| !listed(b));
        lines.extend(typing.map(|b| line(b.label, b.help, theme)));
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

fn line<'a>(label: &str, help: &'a str, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(" {label:<11}"), theme.accent),
        Span::raw(help),
    ])
}

/// The number keys of the views, on one line: `1-4  Overview, Decisions, Lag, Sagas`.
fn views_line<'a>(theme: &Theme) -> Line<'a> {
    let names: Vec<&str> = View::ALL.iter().map(|v| v.title()).collect();
    let label = format!("1-{}", View::ALL.len());
    Line::from(vec![
        Span::styled(format!(" {label:<11}"), theme.accent),
        Span::raw(names.join(", ")),
    ])
}
