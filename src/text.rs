//! Making stored text safe to print on a terminal.
//!
//! Model output, keys and broker names are data from outside: printed raw, an escape
//! sequence in them would move the cursor, clear the screen or retitle the window. Every
//! data string printed as text goes through [`printable`] or [`printable_multiline`].

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with every control character shown escaped (`\x1b`, `\u{9b}`), newlines included.
pub fn printable(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Like [`printable`], but keeps `'\n'` so multi-line output still reads as lines.
pub fn printable_multiline(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && !(keep_newlines && c == '\n');
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !unsafe_char(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            printable("claim-77 ok"),
            Cow::Borrowed("claim-77 ok")
        ));
        assert!(matches!(printable_multiline("a\nb"), Cow::Borrowed("a\nb")));
    }

    #[test]
    fn escape_sequences_are_shown_not_sent() {
        assert_eq!(printable("\x1b[2Jgone"), "\\x1b[2Jgone");
        assert_eq!(printable("a\tb\rc\u{7f}"), "a\\x09b\\x0dc\\x7f");
        assert_eq!(printable("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(printable("two\nlines"), "two\\x0alines");
    }

    #[test]
    fn multiline_keeps_newlines_only() {
        assert_eq!(
            printable_multiline("a\n\x1b]0;t\x07b"),
            "a\n\\x1b]0;t\\x07b"
        );
        assert_eq!(printable_multiline("ünïcode\n"), "ünïcode\n");
    }
}
