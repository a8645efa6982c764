//! Building composite idempotency keys such as `customer:order:action`.

use crate::error::{Error, Result};

/// The separator between key parts.
pub const SEPARATOR: char = ':';

/// Builds an idempotency key from parts, escaping the separator so that
/// `["a:b", "c"]` and `["a", "b:c"]` never produce the same key.
#[derive(Debug, Default, Clone)]
pub struct KeyBuilder {
    parts: Vec<String>,
}

impl KeyBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one part.
    pub fn part(mut self, part: impl AsRef<str>) -> Self {
        self.parts.push(part.as_ref().to_owned());
        self
    }

    /// The finished key; an empty part or no part at all is refused.
    pub fn build(self) -> Result<String> {
        if self.parts.is_empty() {
            return Err(Error::Invalid(
                "an idempotency key needs at least one part".into(),
            ));
        }
        if let Some(i) = self.parts.iter().position(|p| p.trim().is_empty()) {
            return Err(Error::Invalid(format!(
                "idempotency key part {} is empty",
                i + 1
            )));
        }
        let escaped: Vec<String> = self.parts.iter().map(|p| escape(p)).collect();
        Ok(escaped.join(&SEPARATOR.to_string()))
    }
}

/// Escapes backslashes and separators inside one part.
fn escape(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for c in part.chars() {
        if c == '\\' || c == SEPARATOR {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Shorthand for [`KeyBuilder`] over a slice of parts.
pub fn key_of(parts: &[&str]) -> Result<String> {
    parts
        .iter()
        .fold(KeyBuilder::new(), |b, p| b.part(p))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_parts_with_the_separator() {
        assert_eq!(
            key_of(&["cust-7", "order-42", "refund"]).unwrap(),
            "cust-7:order-42:refund"
        );
    }

    #[test]
    fn separator_inside_a_part_cannot_collide() {
        let a = key_of(&["a:b", "c"]).unwrap();
        let b = key_of(&["a", "b:c"]).unwrap();
        assert_ne!(a, b);
        assert_eq!(a, "a\\:b:c");
    }

    #[test]
    fn empty_parts_are_refused() {
        assert!(key_of(&[]).is_err());
        let err = key_of(&["x", " "]).unwrap_err().to_string();
        assert!(err.contains("part 2"), "{err}");
    }
}
