//! Colours by meaning, loaded from a TOML theme (the default one is built in).
//!
//! With `NO_COLOR` set and non-empty every style carries modifiers only (bold, reversed,
//! dim), so the screen stays readable and no colour escape is ever written.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The built-in theme, the same text as `themes/default.toml`.
pub const DEFAULT_THEME: &str = include_str!("../../themes/default.toml");

/// A theme file: every key optional, missing ones fall back to the default theme.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    header: Option<String>,
    accent: Option<String>,
    muted: Option<String>,
    selected_fg: Option<String>,
    selected_bg: Option<String>,
    ok: Option<String>,
    warn: Option<String>,
    error: Option<String>,
    lag: Option<String>,
    stale: Option<String>,
    duplicate: Option<String>,
    in_flight: Option<String>,
    compensated: Option<String>,
    failed: Option<String>,
}

/// The styles the views draw with, each named for what it signals.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub header: Style,
    pub accent: Style,
    pub muted: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    pub lag: Style,
    /// Rows kept from an earlier read because the source stopped answering.
    pub stale: Style,
    pub duplicate: Style,
    pub in_flight: Style,
    pub compensated: Style,
    pub failed: Style,
}

impl Default for Theme {
    /// The built-in theme in colour.
    fn default() -> Self {
        Self::parse(DEFAULT_THEME).unwrap_or_else(|_| Self::monochrome())
    }
}

impl Theme {
    /// The theme `console.theme` names: `default` (built in), a name in `themes/`, or a path.
    /// `no_color` drops every colour.
    pub fn load(name_or_path: &str, no_color: bool) -> Result<Self> {
        if no_color {
            return Ok(Self::monochrome());
        }
        if name_or_path.is_empty() || name_or_path == "default" {
            return Self::parse(DEFAULT_THEME);
        }
        let path = theme_path(name_or_path);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::Config(format!(
                "console.theme: cannot read {}: {e}",
                path.display()
            ))
        })?;
        Self::parse(&text).map_err(|e| match e {
            Error::Config(why) => Error::Config(format!("console.theme {}: {why}", path.display())),
            other => other,
        })
    }

    /// Parses theme text over the default theme.
    pub fn parse(text: &str) -> Result<Self> {
        let defaults: ThemeFile =
            toml::from_str(DEFAULT_THEME).map_err(|e| Error::Config(e.to_string()))?;
        let file: ThemeFile = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        let pick = |own: &Option<String>, default: &Option<String>, what: &str| {
            color(own.as_ref().or(default.as_ref()), what)
        };
        let fg = |c: Color| Style::new().fg(c);
        Ok(Self {
            header: fg(pick(&file.header, &defaults.header, "header")?)
                .add_modifier(Modifier::BOLD),
            accent: fg(pick(&file.accent, &defaults.accent, "accent")?)
                .add_modifier(Modifier::BOLD),
            muted: fg(pick(&file.muted, &defaults.muted, "muted")?),
            selected: Style::new()
                .fg(pick(
                    &file.selected_fg,
                    &defaults.selected_fg,
                    "selected_fg",
                )?)
                .bg(pick(
                    &file.selected_bg,
                    &defaults.selected_bg,
                    "selected_bg",
                )?),
            ok: fg(pick(&file.ok, &defaults.ok, "ok")?),
            warn: fg(pick(&file.warn, &defaults.warn, "warn")?),
            error: fg(pick(&file.error, &defaults.error, "error")?).add_modifier(Modifier::BOLD),
            lag: fg(pick(&file.lag, &defaults.lag, "lag")?),
            stale: fg(pick(&file.stale, &defaults.stale, "stale")?).add_modifier(Modifier::ITALIC),
            duplicate: fg(pick(&file.duplicate, &defaults.duplicate, "duplicate")?),
            in_flight: fg(pick(&file.in_flight, &defaults.in_flight, "in_flight")?),
            compensated: fg(pick(
                &file.compensated,
                &defaults.compensated,
                "compensated",
            )?),
            failed: fg(pick(&file.failed, &defaults.failed, "failed")?)
                .add_modifier(Modifier::BOLD),
        })
    }

    /// Modifiers only: what `NO_COLOR` gets.
    pub fn monochrome() -> Self {
        let plain = Style::new();
        Self {
            header: plain.add_modifier(Modifier::BOLD),
            accent: plain.add_modifier(Modifier::BOLD),
            muted: plain.add_modifier(Modifier::DIM),
            selected: plain.add_modifier(Modifier::REVERSED),
            ok: plain,
            warn: plain.add_modifier(Modifier::BOLD),
            error: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            lag: plain,
            stale: plain.add_modifier(Modifier::ITALIC),
            duplicate: plain,
            in_flight: plain,
            compensated: plain,
            failed: plain.add_modifier(Modifier::BOLD),
        }
    }
}

/// True when the `NO_COLOR` convention asks for no colour: set and not empty.
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// A bare name is looked up in `themes/`; anything with a slash or extension is a path.
fn theme_path(name_or_path: &str) -> PathBuf {
    let looks_like_path = name_or_path.contains(['/', '\\']) || name_or_path.ends_with(".toml");
    if looks_like_path {
        PathBuf::from(name_or_path)
    } else {
        Path::new("themes").join(format!("{name_or_path}.toml"))
    }
}

fn color(value: Option<&String>, what: &str) -> Result<Color> {
    let value = value.ok_or_else(|| Error::Config(format!("theme: {what} is not set")))?;
    Color::from_str(value)
        .map_err(|_| Error::Config(format!("theme: {what} = \"{value}\" is not a colour")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_theme_parses_and_has_colours() {
        let theme = Theme::parse(DEFAULT_THEME).expect("test value");
        assert_eq!(theme.lag.fg, Some(Color::Magenta));
        assert_eq!(theme.selected.bg, Some(Color::Cyan));
    }

    #[test]
    fn a_partial_theme_overlays_the_default() {
        let theme = Theme::parse("lag = \"#ff8800\"\n").expect("test value");
        assert_eq!(theme.lag.fg, Some(Color::Rgb(0xff, 0x88, 0x00)));
        assert_eq!(theme.ok.fg, Some(Color::Green));
    }

    #[test]
    fn a_bad_colour_names_the_setting() {
        let err = Theme::parse("warn = \"mauve-ish\"\n")
            .expect_err("must fail")
            .to_string();
        assert!(err.contains("warn"), "{err}");
        assert!(Theme::parse("colour = \"red\"\n").is_err());
    }

    #[test]
    fn a_theme_is_found_by_path_and_a_missing_one_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("night.toml");
        std::fs::write(&path, "accent = \"lightgreen\"\n").expect("write theme");
        let theme = Theme::load(&path.display().to_string(), false).expect("theme by path");
        assert_eq!(theme.accent.fg, Some(Color::LightGreen));
        let err = Theme::load("no-such-theme", false)
            .expect_err("missing")
            .to_string();
        assert!(err.contains("themes/no-such-theme.toml"), "{err}");
    }

    #[test]
    fn no_color_has_no_colour_at_all() {
        let theme = Theme::load("default", true).expect("test value");
        for style in [
            theme.header,
            theme.selected,
            theme.error,
            theme.lag,
            theme.muted,
        ] {
            assert_eq!((style.fg, style.bg), (None, None));
        }
        assert!(theme.selected.add_modifier.contains(Modifier::REVERSED));
    }
}
