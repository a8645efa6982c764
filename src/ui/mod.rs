//! The console: a terminal UI over the decision log, the sagas and Kafka consumer lag.
//!
//! How it fits together:
//! - [`poller`] is the only task that talks to the database; it sends typed messages.
//! - [`lag_feed`] runs the Kafka lag tailer (when brokers are configured), the only task
//!   that talks to the brokers; its snapshots arrive as [`lag::LagMsg`]s.
//! - [`app::App`] is the state; [`app::App::handle`] turns an [`app::Event`] into a change,
//!   keys going through [`keymap`] into [`action::Action`]s first.
//! - [`views::draw`] draws the state and nothing else.
//! - [`run`] owns the terminal ([`terminal`]) and the loop that selects over key presses,
//!   poller and tailer messages, a coarse tick and SIGTERM/SIGINT/SIGHUP, and redraws only
//!   when something on screen changed.

pub mod action;
pub mod app;
mod apply;
pub mod detail;
pub mod keymap;
pub mod lag;
pub mod lag_feed;
pub mod list;
pub mod poller;
pub mod sagas;
mod scrub;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use tokio::signal::unix::{signal, SignalKind};

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::settings::Settings;
use app::{App, Event};
use lag_feed::LagFeed;
use poller::{PollerConfig, PollerHandle};
use state::ConsoleInfo;
use terminal::Tui;
use theme::Theme;

/// The coarse tick: how often ages on screen may move.
const TICK: Duration = Duration::from_secs(1);

/// How long quitting waits for the lag tailer's task; a refresh blocked on a broker is not
/// waited for at all.
const TAILER_GRACE: Duration = Duration::from_millis(300);

/// Opens the console on the settings' database and runs it until the user quits (`q`,
/// Ctrl-C) or the process gets SIGTERM, SIGINT or SIGHUP. The terminal is restored in every
/// case, a panic included.
pub async fn run(settings: Settings) -> Result<()> {
    let theme = Theme::load(&settings.config.console.theme, theme::no_color_requested())?;
    let info = ConsoleInfo::from_settings(&settings)?;
    refuse_missing_sqlite_file(settings.require_db()?)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let poller = poller::spawn(PollerConfig::from_settings(&settings)?, clock.clone());
    let mut lag = LagFeed::start(&settings, clock.clone());
    tracing::info!(db = %info.db_display, "console opens");

    let mut tui = Tui::enter()?;
    let size = tui.terminal.size().map_err(Error::Terminal)?;
    let mut app = App::new(info, clock.now_us(), (size.width, size.height));
    let result = event_loop(&mut tui, &mut app, &theme, poller, &mut lag, clock).await;

    // The terminal first, so quitting looks instant; then the tailer, never waiting on a
    // broker.
    drop(tui);
    if let Some(lag) = lag {
        lag.shutdown(TAILER_GRACE).await;
    }
    tracing::info!(ok = result.is_ok(), "console closes");
    result
}

/// The sources the loop waits on.
struct Sources {
    keys: EventStream,
    tick: tokio::time::Interval,
    /// SIGTERM, SIGINT and SIGHUP: each closes the console cleanly.
    signals: [tokio::signal::unix::Signal; 3],
    clock: Arc<dyn Clock>,
}

/// What the loop does next.
enum Next {
    Event(Event),
    /// Something the console ignores (mouse, focus, paste, key release).
    Nothing,
    Stop,
}

async fn event_loop(
    tui: &mut Tui,
    app: &mut App,
    theme: &Theme,
    mut poller: PollerHandle,
    lag: &mut Option<LagFeed>,
    clock: Arc<dyn Clock>,
) -> Result<()> {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let signals = [
        signal(SignalKind::terminate()).map_err(Error::Terminal)?,
        signal(SignalKind::interrupt()).map_err(Error::Terminal)?,
        signal(SignalKind::hangup()).map_err(Error::Terminal)?,
    ];
    let mut sources = Sources {
        keys: EventStream::new(),
        tick,
        signals,
        clock,
    };
    let mut dirty = true;

    while !app.should_quit {
        if dirty {
            tui.terminal
                .draw(|frame| views::draw(frame, app, theme))
                .map_err(Error::Terminal)?;
            dirty = false;
        }
        for request in app.requests.drain(..) {
            // A full queue means the poller is busy: waiting is the right back-pressure.
            if poller.requests.send(request).await.is_err() {
                tracing::warn!("poller stopped; requests are dropped");
            }
        }
        match next(&mut sources, &mut poller, lag).await? {
            Next::Event(event) => dirty |= app.handle(event),
            Next::Nothing => {}
            Next::Stop => break,
        }
    }
    Ok(())
}

/// Waits for whatever comes first: a key or resize, a poller or tailer message, the tick, a
/// signal.
async fn next(
    sources: &mut Sources,
    poller: &mut PollerHandle,
    lag: &mut Option<LagFeed>,
) -> Result<Next> {
    let next = tokio::select! {
        term = sources.keys.next() => match term {
            Some(Ok(TermEvent::Key(key))) => Next::Event(Event::Key(key)),
            Some(Ok(TermEvent::Resize(cols, rows))) => Next::Event(Event::Resize(cols, rows)),
            Some(Ok(_)) => Next::Nothing,
            Some(Err(e)) => return Err(Error::Terminal(e)),
            None => Next::Stop,
        },
        Some(msg) = poller.messages.recv() => Next::Event(Event::Db(msg)),
        msg = lag_feed::next_of(lag) => Next::Event(Event::Lag(msg)),
        _ = sources.tick.tick() => Next::Event(Event::Tick(sources.clock.now_us())),
        _ = any_signal(&mut sources.signals) => {
            tracing::info!("signal received: closing the console");
            Next::Stop
        }
    };
    Ok(next)
}

async fn any_signal(signals: &mut [tokio::signal::unix::Signal; 3]) {
    let [term, int, hup] = signals;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
        _ = hup.recv() => {}
    }
}

/// The console only reads: a SQLite path that does not exist is a typo, not a database to
/// create (which the Store would do).
fn refuse_missing_sqlite_file(url: &str) -> Result<()> {
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return Ok(());
    };
    let path = rest.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.contains(":memory:") || std::path::Path::new(path).exists() {
        return Ok(());
    }
    Err(Error::Config(format!(
        "no SQLite database at {path}: check the path, or create it with `verdict migrate`"
    )))
}
