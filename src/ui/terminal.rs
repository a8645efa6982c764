//! Entering and leaving the terminal's raw alternate screen, exactly once whatever happens.
//!
//! [`Tui::enter`] installs a panic hook that restores the terminal before the panic message
//! is printed; dropping the [`Tui`] (normal exit, an error, SIGTERM) restores it too. The
//! `ACTIVE` flag makes the second of these a no-op, so the terminal is restored once.

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use crate::error::{Error, Result};

/// True between entering the alternate screen and restoring the terminal.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static PANIC_HOOK: Once = Once::new();

/// The terminal in console mode; restores it when dropped.
pub struct Tui {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Tui {
    /// Switches to raw mode on the alternate screen, cursor hidden.
    pub fn enter() -> Result<Self> {
        install_panic_hook();
        enable_raw_mode().map_err(Error::Terminal)?;
        ACTIVE.store(true, Ordering::SeqCst);
        execute!(io::stdout(), EnterAlternateScreen, Hide).map_err(|e| {
            let _ = restore();
            Error::Terminal(e)
        })?;
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout())).map_err(|e| {
            let _ = restore();
            Error::Terminal(e)
        })?;
        Ok(Self { terminal })
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if let Err(e) = restore() {
            tracing::warn!(error = %e, "could not restore the terminal");
        }
    }
}

/// Leaves raw mode and the alternate screen and shows the cursor; only the first call after
/// [`Tui::enter`] does anything.
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let raw = disable_raw_mode();
    let screen = execute!(io::stdout(), LeaveAlternateScreen, Show);
    raw.and(screen)
}

/// Restores the terminal first, then lets the previous hook print the panic.
fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore();
            previous(info);
        }));
    });
}
