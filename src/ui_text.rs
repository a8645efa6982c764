//! Text formatting shared by the console and the CLI, and the filter that keeps data text
//! from reaching the terminal as control sequences.

use std::borrow::Cow;

/// Pretty-prints a JSON output; anything else is returned as received.
pub fn pretty_output(raw: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_else(|_| raw.to_owned()),
        Err(_) => raw.to_owned(),
    }
}

/// `s` safe to put on a terminal as one line: every control character (C0 including ESC,
/// CR, BEL and newline, DEL, C1) is written as its Rust escape (`\u{1b}`, `\r`, `\n`), so
/// text from the database or a broker can neither move the cursor, recolour the screen nor
/// clear it. Text without control characters is borrowed as is.
///
/// Invisible format characters (bidi overrides such as U+202E, zero-width spaces, the byte
/// order mark) are escaped too, so a key cannot look like another one.
pub fn printable(s: &str) -> Cow<'_, str> {
    escape_controls(s, false)
}

/// Like [`printable`], but keeps `\n` so multi-line text (a model's raw output) stays
/// multi-line.
pub fn printable_multiline(s: &str) -> Cow<'_, str> {
    escape_controls(s, true)
}

fn escape_controls(s: &str, keep_newline: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| (c.is_control() || is_invisible(c)) && !(keep_newline && c == '\n');
    if !s.contains(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Invisible format characters that can reorder or hide text on a terminal: bidi marks,
/// embeddings, overrides and isolates, zero-width characters and the byte order mark.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_format_characters_are_escaped() {
        assert_eq!(printable("ab\u{202e}cd"), "ab\\u{202e}cd");
        assert_eq!(printable("key\u{200b}"), "key\\u{200b}");
        assert_eq!(printable("\u{feff}x"), "\\u{feff}x");
        assert_eq!(printable("plain ü ✓"), "plain ü ✓");
    }

    #[test]
    fn control_characters_are_escaped_visibly() {
        assert_eq!(printable("\x1b[2J\x1b[31mRED"), r"\u{1b}[2J\u{1b}[31mRED");
        assert_eq!(printable("a\rb\x07c\x7fd"), r"a\rb\u{7}c\u{7f}d");
        assert_eq!(printable("csi\u{9b}31m"), r"csi\u{9b}31m");
        assert_eq!(printable("two\nlines\t"), r"two\nlines\t");
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(printable("cust-7:order-1 ✓ é"), Cow::Borrowed(_)));
        assert!(matches!(printable_multiline("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn multiline_keeps_only_newlines() {
        assert_eq!(
            printable_multiline("one\r\ntwo\x1b]0;title\x07"),
            "one\\r\ntwo\\u{1b}]0;title\\u{7}"
        );
    }
}
