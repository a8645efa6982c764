//! The key map: the one table that turns keys into actions and writes the footer and help.
//!
//! Nothing else in the console matches on key codes, so a key changed here changes the
//! behaviour, the footer hints and the `?` screen together.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, View};

/// One binding: the keys, what they mean and how they are described.
#[derive(Debug)]
pub struct Binding {
    /// Any of these keys triggers the action.
    pub keys: &'static [KeyCode],
    /// Whether Ctrl must be held.
    pub ctrl: bool,
    /// How the keys are written in hints and help.
    pub label: &'static str,
    pub action: Action,
    /// The footer's short word for it; `None` keeps it out of the footer.
    pub hint: Option<&'static str>,
    /// The `?` screen's line for it.
    pub help: &'static str,
}

const fn bind(
    keys: &'static [KeyCode],
    label: &'static str,
    action: Action,
    hint: Option<&'static str>,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        ctrl: false,
        label,
        action,
        hint,
        help,
    }
}

/// Bindings while browsing (no text input open).
pub static BROWSE: &[Binding] = &[
    bind(
        &[KeyCode::Char('q')],
        "q",
        Action::Quit,
        Some("quit"),
        "quit",
    ),
    Binding {
        keys: &[KeyCode::Char('c')],
        ctrl: true,
        label: "Ctrl-C",
        action: Action::Quit,
        hint: None,
        help: "quit, also while typing",
    },
    bind(
        &[KeyCode::Char('?')],
        "?",
        Action::ToggleHelp,
        Some("help"),
        "show or hide this help",
    ),
    bind(
        &[KeyCode::Char('/')],
        "/",
        Action::StartSearch,
        Some("search"),
        "search by idempotency key, event id or entity key",
    ),
    bind(
        &[KeyCode::Tab],
        "Tab",
        Action::NextView,
        Some("view"),
        "next view",
    ),
    bind(
        &[KeyCode::BackTab],
        "Shift-Tab",
        Action::PrevView,
        None,
        "previous view",
    ),
    bind(
        &[KeyCode::Char('1')],
        "1",
        Action::ShowView(View::Overview),
        None,
        "Overview",
    ),
    bind(
        &[KeyCode::Char('2')],
        "2",
        Action::ShowView(View::Decisions),
        None,
        "Decisions",
    ),
    bind(
        &[KeyCode::Char('3')],
        "3",
        Action::ShowView(View::Lag),
        None,
        "Lag",
    ),
    bind(
        &[KeyCode::Char('4')],
        "4",
        Action::ShowView(View::Sagas),
        None,
        "Sagas",
    ),
    bind(
        &[KeyCode::Up, KeyCode::Char('k')],
        "↑/k",
        Action::Up,
        None,
        "move up",
    ),
    bind(
        &[KeyCode::Down, KeyCode::Char('j')],
        "↓/j",
        Action::Down,
        Some("move"),
        "move down",
    ),
    bind(&[KeyCode::PageUp], "PgUp", Action::PageUp, None, "page up"),
    bind(
        &[KeyCode::PageDown],
        "PgDn",
        Action::PageDown,
        None,
        "page down (loads older decisions)",
    ),
    bind(
        &[KeyCode::Home, KeyCode::Char('g')],
        "Home/g",
        Action::Top,
        None,
        "back to the newest decision (live tail)",
    ),
    bind(
        &[KeyCode::Enter],
        "Enter",
        Action::Open,
        Some("open"),
        "open the selected decision (output RAW: the model's text was not JSON)",
    ),
    bind(
        &[KeyCode::Esc],
        "Esc",
        Action::Back,
        Some("back"),
        "close help, detail or search results",
    ),
];

/// The Lag view's own bindings; each takes the place of the browse binding of the same key.
pub static LAG: &[Binding] = &[
    bind(
        &[KeyCode::Char('/')],
        "/",
        Action::StartFilter,
        Some("filter"),
        "filter consumer groups by name",
    ),
    bind(
        &[KeyCode::PageDown],
        "PgDn",
        Action::PageDown,
        None,
        "page down",
    ),
    bind(
        &[KeyCode::Home, KeyCode::Char('g')],
        "Home/g",
        Action::Top,
        None,
        "back to the first (worst) group or partition",
    ),
    bind(
        &[KeyCode::Enter],
        "Enter",
        Action::Open,
        Some("partitions"),
        "show the selected group's partitions",
    ),
    bind(
        &[KeyCode::Esc],
        "Esc",
        Action::Back,
        Some("back"),
        "close help or partitions, clear the filter",
    ),
];

/// The decision detail pane's own bindings (Enter opens nothing there).
pub static DETAIL: &[Binding] = &[
    bind(
        &[KeyCode::Down, KeyCode::Char('j')],
        "↓/j",
        Action::Down,
        Some("scroll"),
        "scroll down",
    ),
    bind(
        &[KeyCode::PageDown],
        "PgDn",
        Action::PageDown,
        None,
        "page down",
    ),
    bind(
        &[KeyCode::Home, KeyCode::Char('g')],
        "Home/g",
        Action::Top,
        None,
        "to the top",
    ),
    bind(
        &[KeyCode::Esc],
        "Esc",
        Action::Back,
        Some("back"),
        "close the detail",
    ),
    bind(
        &[KeyCode::End, KeyCode::Char('G')],
        "End/G",
        Action::Bottom,
        Some("end"),
        "to the end",
    ),
];

/// The Sagas view's own bindings.
pub static SAGAS: &[Binding] = &[
    bind(
        &[KeyCode::PageDown],
        "PgDn",
        Action::PageDown,
        None,
        "page down (past the last row: the next page)",
    ),
    bind(
        &[KeyCode::Home, KeyCode::Char('g')],
        "Home/g",
        Action::Top,
        None,
        "back to the first page (the most overdue saga)",
    ),
    bind(
        &[KeyCode::Enter],
        "Enter",
        Action::Open,
        Some("steps"),
        "show the selected saga's steps",
    ),
    bind(
        &[KeyCode::Esc],
        "Esc",
        Action::Back,
        Some("back"),
        "close help or the steps",
    ),
    bind(
        &[KeyCode::Char('d')],
        "d",
        Action::OpenDecision,
        Some("decision"),
        "open the decision that started the saga (Esc comes back)",
    ),
];

/// Bindings while the search input is open; other printable keys are typed into it.
pub static SEARCH: &[Binding] = &[
    bind(
        &[KeyCode::Enter],
        "Enter",
        Action::Submit,
        Some("search"),
        "run the search",
    ),
    bind(
        &[KeyCode::Esc],
        "Esc",
        Action::Back,
        Some("cancel"),
        "close the search input",
    ),
    bind(
        &[KeyCode::Backspace],
        "Backspace",
        Action::DeleteChar,
        None,
        "delete a character",
    ),
    Binding {
        keys: &[KeyCode::Char('c')],
        ctrl: true,
        label: "Ctrl-C",
        action: Action::Quit,
        hint: None,
        help: "quit",
    },
];

/// Bindings while the group filter is being typed; other printable keys are typed into it.
pub static FILTER: &[Binding] = &[
    bind(
        &[KeyCode::Enter],
        "Enter",
        Action::Submit,
        Some("keep"),
        "keep the filter and close the input",
    ),
    bind(
        &[KeyCode::Esc],
        "Esc",
        Action::Back,
        Some("clear"),
        "clear the filter",
    ),
    bind(
        &[KeyCode::Backspace],
        "Backspace",
        Action::DeleteChar,
        None,
        "delete a character",
    ),
    Binding {
        keys: &[KeyCode::Char('c')],
        ctrl: true,
        label: "Ctrl-C",
        action: Action::Quit,
        hint: None,
        help: "quit",
    },
];

/// Which table applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The Overview and Decisions views.
    Browse,
    /// A decision's detail pane.
    Detail,
    /// The Lag view's group list.
    Lag,
    /// A group's partitions.
    LagDrill,
    /// The Sagas list.
    Sagas,
    /// A saga's steps.
    SagaSteps,
    /// Typing a search.
    Search,
    /// Typing a group filter.
    Filter,
}

impl Mode {
    /// The bindings in effect, in footer and help order.
    pub fn bindings(self) -> Vec<&'static Binding> {
        match self {
            Self::Browse => BROWSE.iter().collect(),
            Self::Detail => without_open(overlay(BROWSE, DETAIL)),
            Self::Lag => overlay(BROWSE, LAG),
            Self::LagDrill => without_open(overlay(BROWSE, LAG)),
            Self::Sagas => overlay(BROWSE, SAGAS),
            Self::SagaSteps => without_open(overlay(BROWSE, SAGAS)),
            Self::Search => SEARCH.iter().collect(),
            Self::Filter => FILTER.iter().collect(),
        }
    }

    /// The input this mode can open, as the `?` screen introduces it.
    pub fn typing(self) -> Option<(&'static str, Mode)> {
        match self {
            Self::Lag | Self::LagDrill => Some(("while typing a filter:", Self::Filter)),
            Self::Browse | Self::Detail | Self::Sagas | Self::SagaSteps => {
                Some(("while typing a search:", Self::Search))
            }
            Self::Search | Self::Filter => None,
        }
    }
}

/// `base` with each binding that shares a key with one of `own` replaced by it, in place;
/// bindings of `own` that replace nothing come last.
fn overlay(base: &'static [Binding], own: &'static [Binding]) -> Vec<&'static Binding> {
    let clashes =
        |a: &Binding, b: &Binding| a.ctrl == b.ctrl && a.keys.iter().any(|k| b.keys.contains(k));
    let mut used = vec![false; own.len()];
    let mut out = Vec::new();
    for b in base {
        match own.iter().position(|o| clashes(o, b)) {
            Some(i) if used[i] => {}
            Some(i) => {
                used[i] = true;
                out.push(&own[i]);
            }
            None => out.push(b),
        }
    }
    out.extend(own.iter().zip(used).filter(|(_, u)| !u).map(|(o, _)| o));
    out
}

/// The bindings of a context with nothing to open: Enter is neither obeyed nor advertised.
fn without_open(bindings: Vec<&'static Binding>) -> Vec<&'static Binding> {
    bindings
        .into_iter()
        .filter(|b| b.action != Action::Open)
        .collect()
}

/// The action a key means in `mode`, if any.
pub fn action_for(mode: Mode, key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let found = mode
        .bindings()
        .into_iter()
        .find(|b| b.ctrl == ctrl && b.keys.contains(&key.code))
        .map(|b| b.action.clone());
    let typing = matches!(mode, Mode::Search | Mode::Filter);
    match (found, key.code) {
        (Some(action), _) => Some(action),
        (None, KeyCode::Char(c)) if typing && !ctrl => Some(Action::Input(c)),
        _ => None,
    }
}

/// The footer's hints for a mode: `(keys, word)` pairs, in table order.
pub fn hints(mode: Mode) -> Vec<(&'static str, &'static str)> {
    mode.bindings()
        .into_iter()
        .filter_map(|b| b.hint.map(|h| (b.label, h)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn ctrl_c_quits_in_every_mode() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(Mode::Browse, ctrl_c), Some(Action::Quit));
        assert_eq!(action_for(Mode::Search, ctrl_c), Some(Action::Quit));
    }

    #[test]
    fn letters_are_typed_into_the_search_not_obeyed() {
        assert_eq!(
            action_for(Mode::Search, key(KeyCode::Char('q'))),
            Some(Action::Input('q'))
        );
        assert_eq!(
            action_for(Mode::Browse, key(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
        assert_eq!(action_for(Mode::Browse, key(KeyCode::Char('z'))), None);
    }

    #[test]
    fn footer_hints_come_from_the_table() {
        let hints = hints(Mode::Browse);
        assert!(hints.contains(&("q", "quit")));
        assert!(hints.contains(&("/", "search")));
        assert!(!hints.iter().any(|(k, _)| *k == "Ctrl-C"));
    }

    #[test]
    fn the_lag_view_rebinds_its_own_keys_in_place() {
        assert_eq!(
            action_for(Mode::Lag, key(KeyCode::Char('/'))),
            Some(Action::StartFilter)
        );
        assert_eq!(
            action_for(Mode::Lag, key(KeyCode::Char('3'))),
            Some(Action::ShowView(View::Lag))
        );
        let hints = hints(Mode::Lag);
        assert_eq!(hints[2], ("/", "filter"));
        assert!(hints.contains(&("Enter", "partitions")));
        assert!(!hints.contains(&("/", "search")));
        let labels: Vec<_> = Mode::Lag.bindings().iter().map(|b| b.label).collect();
        assert_eq!(
            labels.len(),
            BROWSE.len(),
            "every lag key replaces one: {labels:?}"
        );
        assert_eq!(
            action_for(Mode::Filter, key(KeyCode::Char('q'))),
            Some(Action::Input('q'))
        );
    }
}
