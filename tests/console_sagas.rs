//! The Sagas view from fixed data: its screens at two sizes, and how keys and poller answers
//! change it (paging, the steps pane, the jump to the decision and back).

mod console_support;

use console_support::sagas::{page, sagas_app, steps};
use console_support::{press, SECOND, T0};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use verdict::store::sagas_view::SagaRow;
use verdict::ui::action::View;
use verdict::ui::app::{App, Event};
use verdict::ui::poller::{PollerMsg, Request};
use verdict::ui::sagas::SAGA_PAGE;
use verdict::ui::state::Load;
use verdict::ui::theme::Theme;
use verdict::ui::views;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn screen(app: &App) -> String {
    let (cols, rows) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("test terminal");
    terminal
        .draw(|frame| views::draw(frame, app, &Theme::default()))
        .expect("draw");
    terminal.backend().to_string()
}

fn open_steps(app: &mut App) {
    press(app, &[KeyCode::Enter]);
    let saga_id = page()[0].saga.saga_id.clone();
    app.handle(Event::Db(PollerMsg::SagaSteps {
        saga_id,
        result: Ok(Some(Box::new((page()[0].saga.clone(), steps(1))))),
    }));
}

#[test]
fn the_list_puts_stuck_sagas_first() {
    for size in SIZES {
        let app = sagas_app(size);
        let text = screen(&app);
        assert!(text.contains("STUCK"), "{text}");
        insta::assert_snapshot!(format!("sagas_{}x{}", size.0, size.1), text);
    }
}

#[test]
fn the_steps_of_a_saga() {
    for size in SIZES {
        let mut app = sagas_app(size);
        open_steps(&mut app);
        let text = screen(&app);
        assert!(text.contains("503 Service Unavailable"), "{text}");
        assert!(!text.contains("Enter"), "nothing to open here: {text}");
        insta::assert_snapshot!(format!("saga_steps_{}x{}", size.0, size.1), text);
    }
}

#[test]
fn key_4_asks_for_the_first_page_and_each_poll_asks_again() {
    let mut app = sagas_app((80, 24));
    assert_eq!(app.view, View::Sagas);
    assert_eq!(
        app.requests.last(),
        Some(&Request::Sagas {
            after: None,
            limit: SAGA_PAGE
        })
    );
    app.requests.clear();
    let sample = console_support::sample(T0 + SECOND, 1, 0, 2, 2);
    app.handle(Event::Db(PollerMsg::Overview(sample.clone())));
    assert_eq!(app.requests.len(), 1, "{:?}", app.requests);

    // While a page request is on its way, a poll does not pile another one up.
    app.requests.clear();
    app.handle(Event::Db(PollerMsg::Overview(sample)));
    assert!(app.requests.is_empty(), "{:?}", app.requests);
}

#[test]
fn enter_opens_the_steps_d_the_decision_and_esc_comes_back() {
    let mut app = sagas_app((80, 24));
    app.requests.clear();
    open_steps(&mut app);
    let saga_id = page()[0].saga.saga_id.clone();
    assert_eq!(app.requests, vec![Request::SagaSteps { saga_id }]);
    assert!(matches!(
        app.sagas.open.as_ref().map(|o| &o.steps),
        Some(Load::Ready { .. })
    ));

    app.requests.clear();
    press(&mut app, &[KeyCode::Char('d')]);
    let decision_id = page()[0].saga.decision_id.clone();
    assert_eq!(app.view, View::Decisions);
    assert_eq!(app.requests, vec![Request::Detail { decision_id }]);

    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(app.view, View::Sagas);
    assert!(app.detail.is_none());
    assert!(app.sagas.open.is_some(), "the steps stay open");
    press(&mut app, &[KeyCode::Esc]);
    assert!(app.sagas.open.is_none());
}

#[test]
fn moving_past_a_full_page_asks_for_the_next_and_back() {
    let mut app = sagas_app((80, 24));
    let full: Vec<SagaRow> = (0..SAGA_PAGE as usize)
        .map(|i| page()[i % 6].clone())
        .enumerate()
        .map(|(i, mut r)| {
            r.saga.saga_id = format!("saga-{i:03}");
            r
        })
        .collect();
    app.handle(Event::Db(PollerMsg::Sagas {
        after: None,
        at_us: T0,
        result: Ok(full.clone()),
    }));
    app.requests.clear();
    for _ in 0..SAGA_PAGE {
        press(&mut app, &[KeyCode::Down]);
    }
    let after = full.last().map(SagaRow::cursor);
    assert_eq!(
        app.requests,
        vec![Request::Sagas {
            after: after.clone(),
            limit: SAGA_PAGE
        }]
    );
    assert!(
        app.sagas.rows.is_empty(),
        "the old page is not shown as the new one"
    );

    // A late answer for the first page is dropped; the asked-for one is taken.
    app.handle(Event::Db(PollerMsg::Sagas {
        after: None,
        at_us: T0,
        result: Ok(full.clone()),
    }));
    assert!(app.sagas.rows.is_empty());
    app.handle(Event::Db(PollerMsg::Sagas {
        after,
        at_us: T0,
        result: Ok(page()),
    }));
    assert_eq!(app.sagas.rows, page());

    app.requests.clear();
    press(&mut app, &[KeyCode::Up]);
    assert_eq!(
        app.requests,
        vec![Request::Sagas {
            after: None,
            limit: SAGA_PAGE
        }]
    );
}
