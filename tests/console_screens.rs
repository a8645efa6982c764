//! Whole-screen snapshots of the console on ratatui's TestBackend, from fixed data.
//!
//! Every time on screen derives from the fixtures' fixed `T0`, so nothing needs filtering.
//! Review a changed screen with `cargo insta review` (or `INSTA_UPDATE=always`, then read
//! the `.snap` diff) before accepting it.

mod console_support;

use console_support::{context, polled_app, press, summary, SECOND, T0};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use verdict::ui::app::{App, Event};
use verdict::ui::poller::PollerMsg;
use verdict::ui::theme::Theme;
use verdict::ui::views;

fn render(app: &App, theme: &Theme) -> TestBackend {
    let (cols, rows) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("test terminal");
    terminal
        .draw(|frame| views::draw(frame, app, theme))
        .expect("draw");
    terminal.backend().clone()
}

fn screen(app: &App) -> String {
    render(app, &Theme::default()).to_string()
}

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

#[test]
fn overview() {
    for size in SIZES {
        let app = polled_app(size, 90);
        insta::assert_snapshot!(format!("overview_{}x{}", size.0, size.1), screen(&app));
    }
}

#[test]
fn decisions_live_tail() {
    for size in SIZES {
        let mut app = polled_app(size, 5);
        press(
            &mut app,
            &[
                KeyCode::Char('2'),
                KeyCode::Down,
                KeyCode::Down,
                KeyCode::Down,
            ],
        );
        insta::assert_snapshot!(format!("decisions_{}x{}", size.0, size.1), screen(&app));
    }
}

fn with_detail(size: (u16, u16), row: usize) -> App {
    let mut app = polled_app(size, 5);
    press(&mut app, &[KeyCode::Char('2')]);
    for _ in 0..row {
        press(&mut app, &[KeyCode::Down]);
    }
    press(&mut app, &[KeyCode::Enter]);
    let decision_id = summary(row).decision_id;
    let ctx = Some(Box::new(context(row)));
    app.handle(Event::Db(PollerMsg::Detail {
        decision_id,
        result: Ok(ctx),
    }));
    app
}

#[test]
fn detail_of_a_json_decision() {
    for size in SIZES {
        let app = with_detail(size, 1);
        insta::assert_snapshot!(format!("detail_json_{}x{}", size.0, size.1), screen(&app));
    }
}

#[test]
fn detail_of_a_raw_output_is_marked() {
    let app = with_detail((80, 24), 3);
    let text = screen(&app);
    assert!(text.contains("output is NOT JSON"), "{text}");
    insta::assert_snapshot!("detail_raw_80x24", text);
}

#[test]
fn reconnecting_database_in_header_and_status_line() {
    let mut app = polled_app((80, 24), 5);
    app.handle(Event::Db(PollerMsg::Unreachable {
        at_us: T0 + 40 * SECOND,
        error: "pool timed out while waiting for an open connection".into(),
        attempt: 4,
        retry_in: std::time::Duration::from_secs(8),
    }));
    let text = screen(&app);
    assert!(text.contains("RECONNECTING"), "{text}");
    assert!(text.contains("STALE"), "{text}");
    insta::assert_snapshot!("reconnecting_80x24", text);
}

#[test]
fn help_lists_the_key_map() {
    let mut app = polled_app((80, 24), 5);
    press(&mut app, &[KeyCode::Char('?')]);
    insta::assert_snapshot!("help_80x24", screen(&app));
}

#[test]
fn search_input_in_the_status_line() {
    let mut app = polled_app((80, 24), 5);
    press(&mut app, &[KeyCode::Char('/')]);
    for c in "evt-9004".chars() {
        press(&mut app, &[KeyCode::Char(c)]);
    }
    insta::assert_snapshot!("search_input_80x24", screen(&app));
}

#[test]
fn tiny_terminals_never_panic() {
    for (cols, rows) in [
        (1, 1),
        (2, 1),
        (1, 5),
        (10, 3),
        (20, 2),
        (59, 40),
        (200, 11),
        (0, 0),
    ] {
        let mut app = polled_app((cols, rows), 3);
        press(&mut app, &[KeyCode::Char('2'), KeyCode::Enter]);
        // TestBackend cannot print a zero-width buffer; drawing it is the check.
        let backend = render(&app, &Theme::default());
        if cols == 0 {
            continue;
        }
        let text = backend.to_string();
        if cols * rows >= 30 {
            assert!(text.contains("too"), "{cols}x{rows}: {text}");
        }
    }
    let app = polled_app((30, 5), 1);
    assert!(screen(&app).contains("terminal too small"));
}

#[test]
fn no_color_emits_no_colour() {
    let mut app = polled_app((80, 24), 30);
    press(&mut app, &[KeyCode::Char('2'), KeyCode::Down]);
    let theme = Theme::load("default", true).expect("theme");
    let backend = render(&app, &theme);
    let buffer = backend.buffer();
    for cell in buffer.content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
    let reversed = buffer
        .content()
        .iter()
        .filter(|c| c.modifier.contains(Modifier::REVERSED));
    assert!(
        reversed.count() >= 80,
        "the selected row is marked without colour"
    );

    // The same screen in colour does carry colour: the check above can fail.
    let coloured = render(&app, &Theme::default());
    assert!(coloured
        .buffer()
        .content()
        .iter()
        .any(|c| c.fg != Color::Reset));
}

#[test]
fn a_saga_past_its_deadline_is_marked_stuck() {
    let mut app = with_detail((100, 30), 1);
    assert!(!screen(&app).contains("STUCK"));
    app.handle(Event::Tick(T0 + 600 * SECOND));
    let text = screen(&app);
    assert!(text.contains("STUCK: deadline passed 5m01s ago"), "{text}");
}
