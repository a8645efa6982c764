//! Drawing: pure functions from the console state to a frame. Nothing here changes state or
//! waits on anything.

mod decisions;
mod detail;
mod footer;
mod header;
mod help;
mod lag;
mod overview;
mod partitions;
mod sagas;

pub use detail::detail_rows;

use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::action::View;
use super::app::App;
use super::state::Freshness;
use super::theme::Theme;
use crate::clock::Micros;

/// Below this many columns or rows the console shows "terminal too small" instead.
pub const MIN_COLS: u16 = 60;
pub const MIN_ROWS: u16 = 12;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_COLS || area.height < MIN_ROWS {
        too_small(frame, area, theme);
        return;
    }
    let [header, tabs, body, status, footer] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw(frame, header, app, theme);
    draw_tabs(frame, tabs, app, theme);
    match (app.view, &app.detail) {
        (View::Overview, _) => overview::draw(frame, body, app, theme),
        (View::Decisions, Some(d)) => detail::draw(frame, body, app, d, theme),
        (View::Decisions, None) => decisions::draw(frame, body, app, theme),
        (View::Lag, _) if app.lag.drill.is_some() => partitions::draw(frame, body, app, theme),
        (View::Lag, _) => lag::draw(frame, body, app, theme),
        (View::Sagas, _) => sagas::draw(frame, body, app, theme),
    }
    footer::draw_status(frame, status, app, theme);
    footer::draw_hints(frame, footer, app, theme);
    if app.show_help {
        help::draw(frame, area, app.mode(), theme);
    }
    blank_control_cells(frame);
}

/// The last line of defence behind [`crate::ui::scrub`]: a cell that still holds a control
/// character (text that reached a widget without passing the boundary) is drawn as `�`, so
/// no escape sequence can reach the terminal through the buffer.
fn blank_control_cells(frame: &mut Frame) {
    for cell in frame.buffer_mut().content.iter_mut() {
        if cell.symbol().contains(char::is_control) {
            cell.set_symbol("\u{fffd}");
        }
    }
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = format!("terminal too small: need {MIN_COLS}x{MIN_ROWS}");
    let p = Paragraph::new(text)
        .style(theme.warn)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true });
    frame.render_widget(p, area);
}

fn draw_tabs(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = Vec::new();
    for (i, view) in View::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, view.title());
        let style = if *view == app.view {
            theme.selected
        } else {
            theme.muted
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// An age for the screen: `4s`, `3m05s`, `2h10m`, `3d`.
pub fn age(from_us: Micros, now_us: Micros) -> String {
    let s = (now_us - from_us).max(0) / 1_000_000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d", s / 86_400),
    }
}

/// A panel title's freshness word, with its style.
fn freshness_span<'a>(f: &Freshness, now_us: Micros, theme: &Theme) -> Span<'a> {
    match f {
        Freshness::Loading => Span::styled("loading…", theme.muted),
        Freshness::Loaded { at_us } => {
            Span::styled(format!("as of {} ago", age(*at_us, now_us)), theme.ok)
        }
        Freshness::Stale { at_us } => Span::styled(
            format!("STALE: as of {} ago", age(*at_us, now_us)),
            theme.warn,
        ),
        Freshness::Error(e) => Span::styled(format!("error: {e}"), theme.error),
    }
}

/// The time of day of a stored time, UTC, to the millisecond.
fn time_of_day(us: Micros) -> String {
    crate::clock::to_datetime(us)
        .format("%H:%M:%S%.3f")
        .to_string()
}

/// Keys and addresses differ at both ends (`cust-7:order-4211:refund`, `host:37735`): text
/// too long for `cols` keeps its start and its end around an ellipsis, so a cut never reads
/// as another valid value.
fn clip_middle(s: &str, cols: u16) -> String {
    let cols = usize::from(cols);
    let len = s.chars().count();
    if len <= cols {
        return s.to_owned();
    }
    if cols < 5 {
        return clip(s, cols);
    }
    let tail = (cols - 1) / 2;
    let head = cols - 1 - tail;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(len - tail).collect();
    format!("{start}…{end}")
}

/// Cuts `s` to `max` characters, marking the cut with an ellipsis.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::{clip, clip_middle};

    #[test]
    fn long_keys_keep_both_ends() {
        assert_eq!(clip_middle("cust-7:order-4211:refund", 11), "cust-…efund");
        assert_eq!(clip_middle("short", 11), "short");
        assert_eq!(clip_middle("cust-7:order-4211:refund", 3), "cu…");
    }

    #[test]
    fn a_cut_address_never_reads_as_another_port() {
        let cut = clip_middle("127.0.0.1:37735", 14);
        assert_eq!(cut, "127.0.0…:37735");
        assert_eq!(clip("127.0.0.1:37735", 14), "127.0.0.1:377…");
    }
}
