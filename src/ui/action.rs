//! What the user means: the vocabulary between the key map and `App::update`.

/// The screens of the console, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Overview,
    Decisions,
    /// Consumer lag per group, and a group's partitions.
    Lag,
    /// Stuck, in-flight and failed sagas, and a saga's steps.
    Sagas,
}

impl View {
    /// Every view in Tab order; the number key of a view is its position plus one.
    pub const ALL: [View; 4] = [View::Overview, View::Decisions, View::Lag, View::Sagas];

    /// The tab label.
    pub fn title(self) -> &'static str {
        match self {
            Self::Overview => "Overview",
            Self::Decisions => "Decisions",
            Self::Lag => "Lag",
            Self::Sagas => "Sagas",
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
    /// Back to the first row: the live tail of the log, the worst group, the first partition.
    Top,
    /// To the end: the last line of a detail pane.
    Bottom,
    /// Open the selected row (a decision's detail pane, a group's partitions).
    Open,
    /// Open the decision behind the selected or open saga.
    OpenDecision,
    /// Close the innermost thing open: help, an input, detail, search results, a filter.
    Back,
    /// Start typing a search (idempotency key, event id or entity key).
    StartSearch,
    /// Start typing a filter on consumer group names (the Lag view).
    StartFilter,
    /// A character typed into the open input (search or filter).
    Input(char),
    /// Delete the last character of the open input.
    DeleteChar,
    /// Run the search typed so far, or keep the filter typed so far.
    Submit,
}
