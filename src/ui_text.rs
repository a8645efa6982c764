//! Text formatting shared by the console and the CLI.

/// Pretty-prints a JSON output; anything else is returned as received.
pub fn pretty_output(raw: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_else(|_| raw.to_owned()),
        Err(_) => raw.to_owned(),
    }
}
