//! What the user means: the vocabulary between the key map and `App::update`.

/// The screens of the console, in Tab order.
///
/// A Lag view joins this list when the Kafka lag tailer is wired in; nothing else in the
/// console assumes there are exactly two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Overview,
    Decisions,
}

impl View {
    /// Every view in Tab order; the number key of a view is its position plus one.
    pub const ALL: [View; 2] = [View::Overview, View::Decisions];

    /// The tab label.
    pub fn title(self) -> &'static str {
        match self {
            Self::Overview => "Overview",
            Self::Decisions => "Decisions",
        }
    }

    /// The view after this one, wrapping around.
    pub fn next(self) -> Self {
        let i = self.index();
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// The view before this one, wrapping around.
    pub fn prev(self) -> Self {
        let i = self.index();
        Self::ALL[(i + Self::ALL.len() - 1) % Self::ALL.len()]
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }
}

/// One thing the user asked for. Keys become actions in `keymap`; only `App::update` acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Quit,
    ToggleHelp,
    NextView,
    PrevView,
    ShowView(View),
    Up,
    Down,
    PageUp,
    PageDown,
    /// Back to the newest row: the live tail of the log.
    Top,
    /// Open the selected row (the decision detail pane).
    Open,
    /// Close the innermost thing open: help, search input, detail, search results.
    Back,
    /// Start typing a search (idempotency key, event id or entity key).
    StartSearch,
    /// A character typed into the search input.
    Input(char),
    /// Delete the last character of the search input.
    DeleteChar,
    /// Run the search typed so far.
    Submit,
}
