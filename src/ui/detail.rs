//! The decision detail pane's text, laid out once per load and per width rather than on every
//! draw: a model's output may be megabytes, and the idle console must stay idle.
//!
//! The output is cut into rows of the pane's width here, at most [`MAX_OUTPUT_ROWS`] of
//! them; what is left is counted and named in a last line. Rows are cut by characters, so a
//! double-width character (CJK) can make a row wider than the pane; the pane then cuts it.

use ratatui::text::{Line, Span};

/// Rows of output laid out at most; the rest is counted, not shown.
pub const MAX_OUTPUT_ROWS: usize = 2_000;

/// Columns of indent before every output row.
const INDENT: &str = "  ";

/// The output of the decision shown, cut into rows for one width.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputRows {
    /// The inner width of the pane the rows were cut for.
    pub width: u16,
    pub rows: Vec<String>,
    /// Lines of the output not shown (after [`MAX_OUTPUT_ROWS`] rows).
    pub more_lines: usize,
}

impl OutputRows {
    /// Cuts `text` (already printable) into rows of `width` columns, indent included.
    pub fn layout(text: &str, width: u16) -> Self {
        let cols = usize::from(width).saturating_sub(INDENT.len()).max(1);
        let mut rows = Vec::new();
        let mut shown_lines = 0;
        for line in text.lines() {
            if rows.len() >= MAX_OUTPUT_ROWS {
                break;
            }
            let room = MAX_OUTPUT_ROWS - rows.len();
            rows.extend(
                chunks(line, cols)
                    .take(room)
                    .map(|c| format!("{INDENT}{c}")),
            );
            shown_lines += 1;
        }
        let total = text.lines().count();
        Self {
            width,
            rows,
            more_lines: total - shown_lines,
        }
    }

    /// The closing note when the output was cut, naming the command that prints it all.
    pub fn note(&self, decision_id: &str) -> Option<String> {
        (self.more_lines > 0).then(|| {
            format!(
                "… {} more lines; `verdict lookup {decision_id} --json` prints all",
                self.more_lines
            )
        })
    }
}

/// `line` in pieces of at most `cols` characters; an empty line is one empty piece.
fn chunks(line: &str, cols: usize) -> impl Iterator<Item = &str> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let text = rest?;
        let cut = text.char_indices().nth(cols).map_or(text.len(), |(i, _)| i);
        let (piece, tail) = text.split_at(cut);
        rest = (!tail.is_empty()).then_some(tail);
        Some(piece)
    })
}

/// A styled line cut into rows of `width` columns, each piece keeping its style.
pub fn wrap_line(line: Line<'_>, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width).max(1);
    let mut rows = vec![Vec::new()];
    let mut used = 0;
    for span in line.spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            if used == width {
                let full = std::mem::take(&mut piece);
                if let Some(row) = rows.last_mut() {
                    row.push(Span::styled(full, span.style));
                }
                rows.push(Vec::new());
                used = 0;
            }
            piece.push(c);
            used += 1;
        }
        if let Some(row) = rows.last_mut() {
            row.push(Span::styled(piece, span.style));
        }
    }
    rows.into_iter().map(Line::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_to_the_width() {
        let out = OutputRows::layout("abcdefgh\n\nxy", 6);
        assert_eq!(out.rows, ["  abcd", "  efgh", "  ", "  xy"]);
        assert_eq!(out.more_lines, 0);
        assert_eq!(out.note("d1"), None);
    }

    #[test]
    fn a_huge_output_is_capped_and_counted() {
        let text = "0123456789\n".repeat(5_000);
        let out = OutputRows::layout(&text, 8);
        assert_eq!(out.rows.len(), MAX_OUTPUT_ROWS);
        assert_eq!(out.more_lines, 5_000 - MAX_OUTPUT_ROWS / 2);
        let note = out.note("d1").unwrap();
        assert!(note.starts_with("… 4000 more lines"), "{note}");
    }

    #[test]
    fn styled_lines_wrap_keeping_styles() {
        let line = Line::from(vec![Span::raw("abc"), Span::raw("defg")]);
        let rows = wrap_line(line, 4);
        let text: Vec<String> = rows.iter().map(|l| l.to_string()).collect();
        assert_eq!(text, ["abcd", "efg"]);
    }
}
