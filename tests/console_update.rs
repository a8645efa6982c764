//! The console's `update`, driven headless: keys and poller messages in, state out.

mod console_support;

use std::time::Duration;

use console_support::{context, info, key, polled_app, press, rows, sample, summary, SECOND, T0};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use verdict::ui::action::View;
use verdict::ui::app::{App, Event};
use verdict::ui::list::{ListSource, PAGE_ROWS, WINDOW_ROWS};
use verdict::ui::poller::{PollerMsg, Request};
use verdict::ui::state::{DbState, Load, HISTORY};

fn decisions_app() -> App {
    let mut app = polled_app((80, 24), 5);
    press(&mut app, &[KeyCode::Char('2')]);
    app
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut app = polled_app((80, 24), 1);
    press(&mut app, &[KeyCode::Char('q')]);
    assert!(app.should_quit);

    let mut app = polled_app((80, 24), 1);
    app.handle(Event::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.should_quit);
}

#[test]
fn tab_shift_tab_and_numbers_switch_views() {
    let mut app = polled_app((80, 24), 1);
    assert_eq!(app.view, View::Overview);
    press(&mut app, &[KeyCode::Tab]);
    assert_eq!(app.view, View::Decisions);
    press(&mut app, &[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab]);
    assert_eq!(app.view, View::Overview);
    press(&mut app, &[KeyCode::BackTab]);
    assert_eq!(app.view, View::Sagas);
    press(&mut app, &[KeyCode::BackTab]);
    assert_eq!(app.view, View::Lag);
    press(&mut app, &[KeyCode::Char('1')]);
    assert_eq!(app.view, View::Overview);
}

#[test]
fn help_captures_keys_until_closed() {
    let mut app = decisions_app();
    press(
        &mut app,
        &[KeyCode::Char('?'), KeyCode::Char('j'), KeyCode::Tab],
    );
    assert!(app.show_help);
    assert_eq!(
        (app.list.selected, app.view),
        (0, View::Decisions),
        "keys under help do nothing"
    );
    press(&mut app, &[KeyCode::Esc]);
    assert!(!app.show_help);
    press(&mut app, &[KeyCode::Char('?'), KeyCode::Char('?')]);
    assert!(!app.show_help);
}

#[test]
fn moving_down_pauses_the_live_tail_and_home_resumes_it() {
    let mut app = decisions_app();
    assert!(app.list.following);
    press(&mut app, &[KeyCode::Char('j'), KeyCode::Down]);
    assert_eq!(app.list.selected, 2);
    assert!(!app.list.following);

    // Three newer decisions arrive: the paused list keeps its rows and counts them.
    let mut tail: Vec<_> = (0..3).map(newer).collect();
    tail.extend(rows(57));
    app.handle(Event::Db(PollerMsg::Tail {
        at_us: T0 + SECOND,
        rows: tail.clone(),
    }));
    assert_eq!(app.list.rows[0], summary(0));
    assert_eq!(app.list.newer, 3);

    press(&mut app, &[KeyCode::Char('g')]);
    assert!(app.list.following);
    assert_eq!(app.list.selected, 0);
    assert_eq!(app.list.rows[0], tail[0]);
}

fn newer(i: usize) -> verdict::store::DecisionSummary {
    let mut row = summary(i);
    row.decision_id = format!("newer-{i}");
    row.decided_at_us = T0 + (3 - i as i64) * SECOND;
    row
}

#[test]
fn scrolling_near_the_end_asks_for_the_older_page_once() {
    let mut app = decisions_app();
    app.requests.clear();
    press(
        &mut app,
        &[KeyCode::PageDown, KeyCode::PageDown, KeyCode::PageDown],
    );
    let last = summary(59).cursor();
    assert_eq!(
        app.requests,
        vec![Request::Page {
            after: last.clone(),
            limit: PAGE_ROWS
        }]
    );

    // A late answer for another cursor is ignored; the right one is appended.
    let stray = summary(10).cursor();
    app.handle(Event::Db(PollerMsg::Page {
        after: stray,
        result: Ok(rows(5)),
    }));
    assert_eq!(app.list.rows.len(), 60);
    let older: Vec<_> = (60..160).map(summary).collect();
    app.handle(Event::Db(PollerMsg::Page {
        after: last,
        result: Ok(older),
    }));
    assert_eq!(app.list.rows.len(), 160);
    assert_eq!(app.list.rows[159], summary(159));
    assert!(!app.list.end_reached);
}

#[test]
fn the_window_stays_bounded_however_far_one_pages() {
    let mut app = decisions_app();
    let mut next = 60;
    for _ in 0..12 {
        app.requests.clear();
        app.list.selected = app.list.rows.len() - 1;
        press(&mut app, &[KeyCode::Down]);
        let Some(Request::Page { after, limit }) = app.requests.first().cloned() else {
            panic!("no page asked for: {:?}", app.requests);
        };
        let page: Vec<_> = (next..next + limit as usize).map(summary).collect();
        next += limit as usize;
        app.handle(Event::Db(PollerMsg::Page {
            after,
            result: Ok(page),
        }));
        assert!(app.list.rows.len() <= WINDOW_ROWS);
    }
    assert_eq!(app.list.rows.len(), WINDOW_ROWS);
    assert_eq!(app.list.dropped_newer, next - WINDOW_ROWS);
    assert_eq!(app.list.rows.last(), Some(&summary(next - 1)));

    // The last page is short: the end of the log is reached and no more is asked.
    app.requests.clear();
    app.list.selected = app.list.rows.len() - 1;
    press(&mut app, &[KeyCode::Down]);
    let Some(Request::Page { after, .. }) = app.requests.first().cloned() else {
        panic!()
    };
    app.handle(Event::Db(PollerMsg::Page {
        after,
        result: Ok(vec![summary(next)]),
    }));
    assert!(app.list.end_reached);
    app.requests.clear();
    press(&mut app, &[KeyCode::Down, KeyCode::PageDown]);
    assert!(app.requests.is_empty());
}

#[test]
fn enter_opens_the_detail_and_esc_closes_it() {
    let mut app = decisions_app();
    app.requests.clear();
    press(&mut app, &[KeyCode::Down, KeyCode::Enter]);
    let id = summary(1).decision_id;
    assert_eq!(
        app.requests,
        vec![Request::Detail {
            decision_id: id.clone()
        }]
    );
    assert_eq!(
        app.detail.as_ref().map(|d| &d.context),
        Some(&Load::Loading)
    );

    // An answer for another decision is not shown; the right one is.
    let other = PollerMsg::Detail {
        decision_id: "other".into(),
        result: Ok(None),
    };
    app.handle(Event::Db(other));
    assert_eq!(
        app.detail.as_ref().map(|d| &d.context),
        Some(&Load::Loading)
    );
    let ctx = Box::new(context(1));
    app.handle(Event::Db(PollerMsg::Detail {
        decision_id: id,
        result: Ok(Some(ctx.clone())),
    }));
    // A JSON output is kept pretty-printed, formatted once per load.
    let mut shown = ctx.clone();
    shown.decision.raw_output = verdict::ui_text::pretty_output(&ctx.decision.raw_output);
    assert!(matches!(&app.detail.as_ref().expect("open").context,
        Load::Ready { value, .. } if *value == shown));

    // j scrolls the pane, not the list.
    press(&mut app, &[KeyCode::Char('j'), KeyCode::Char('j')]);
    assert_eq!(app.detail.as_ref().map(|d| d.scroll), Some(2));
    assert_eq!(app.list.selected, 1);
    press(&mut app, &[KeyCode::Esc]);
    assert!(app.detail.is_none());
}

#[test]
fn search_takes_typed_keys_and_esc_returns_to_the_log() {
    let mut app = polled_app((80, 24), 2);
    app.requests.clear();
    press(&mut app, &[KeyCode::Char('/')]);
    assert_eq!(app.view, View::Decisions);
    for c in "claim-2x".chars() {
        press(&mut app, &[KeyCode::Char(c)]);
    }
    press(&mut app, &[KeyCode::Backspace]);
    assert!(!app.should_quit);
    assert_eq!(app.search_input.as_deref(), Some("claim-2"));
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(
        app.requests,
        vec![Request::Search {
            needle: "claim-2".into()
        }]
    );
    assert_eq!(
        app.list.source,
        ListSource::Search {
            needle: "claim-2".into()
        }
    );
    assert!(app.list.rows.is_empty());

    let found: Vec<_> = rows(60)
        .into_iter()
        .filter(|r| r.entity_key == "claim-2")
        .collect();
    let msg = PollerMsg::Search {
        needle: "claim-2".into(),
        result: Ok(found.clone()),
    };
    app.handle(Event::Db(msg));
    assert_eq!(app.list.rows, found);
    assert_eq!(app.status.as_deref(), Some("12 decisions for 'claim-2'"));

    // The live tail does not overwrite search results.
    app.handle(Event::Db(PollerMsg::Tail {
        at_us: T0 + SECOND,
        rows: rows(60),
    }));
    assert_eq!(app.list.rows, found);

    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(app.list.source, ListSource::Log);
    assert_eq!(app.list.rows, rows(60));
}

#[test]
fn an_empty_search_is_not_sent() {
    let mut app = polled_app((80, 24), 1);
    app.requests.clear();
    press(
        &mut app,
        &[KeyCode::Char('/'), KeyCode::Char(' '), KeyCode::Enter],
    );
    assert!(app.requests.is_empty());
    assert!(app.search_input.is_none());
}

#[test]
fn the_database_going_away_and_coming_back_shows_in_the_state() {
    let mut app = polled_app((80, 24), 3);
    let down = PollerMsg::Unreachable {
        at_us: T0 + 3 * SECOND,
        error: "connection refused".into(),
        attempt: 2,
        retry_in: Duration::from_secs(2),
    };
    app.handle(Event::Db(down));
    assert_eq!(
        app.db,
        DbState::Reconnecting {
            last_ok_us: Some(T0),
            error: "connection refused".into(),
            attempt: 2,
            retry_at_us: T0 + 5 * SECOND,
        }
    );
    let display_url = info().db_display;
    app.handle(Event::Db(PollerMsg::Connected {
        at_us: T0 + 6 * SECOND,
        display_url,
    }));
    assert_eq!(
        app.db,
        DbState::Connected {
            last_ok_us: T0 + 6 * SECOND
        }
    );
}

#[test]
fn overview_history_is_bounded() {
    let mut app = polled_app((80, 24), 1);
    for i in 0..(HISTORY as i64 + 50) {
        app.handle(Event::Db(PollerMsg::Overview(sample(
            T0 + i * SECOND,
            i,
            0,
            1,
            0,
        ))));
    }
    assert_eq!(app.history.decisions.len(), HISTORY);
    let newest = app.history.decisions.latest(1);
    assert_eq!(
        newest,
        vec![(HISTORY as u64 + 49) * 10],
        "rate per second, times 100"
    );
}

#[test]
fn ticks_redraw_only_when_a_second_passes() {
    let mut app = polled_app((80, 24), 1);
    let now = app.now_us;
    assert!(!app.handle(Event::Tick(now + 1)), "same second");
    assert!(app.handle(Event::Tick(now + SECOND)), "ages moved");
    assert!(
        !app.handle(key(KeyCode::Char('z'))),
        "an unbound key changes nothing"
    );

    // Nothing loaded, nothing aging: an idle tick draws nothing.
    let mut idle = App::new(info(), T0, (80, 24));
    assert!(!idle.handle(Event::Tick(T0 + 5 * SECOND)));
}

#[test]
fn an_unchanged_poll_redraws_nothing_off_screen() {
    let mut app = polled_app((80, 24), 3);
    press(&mut app, &[KeyCode::Char('2')]);
    let now = app.now_us;
    let same_tail = PollerMsg::Tail {
        at_us: now,
        rows: rows(60),
    };
    assert!(
        app.handle(Event::Db(same_tail.clone())),
        "'as of 2s ago' becomes '0s ago'"
    );
    assert!(
        !app.handle(Event::Db(same_tail)),
        "the same rows again, same ages"
    );
    let figures = PollerMsg::Overview(sample(now, 1, 1, 1, 1));
    assert!(
        app.handle(Event::Db(figures.clone())),
        "'polled 2s ago' becomes '0s ago'"
    );
    assert!(
        !app.handle(Event::Db(figures)),
        "Overview figures while on Decisions"
    );
    let mut tail = rows(60);
    tail[0].label = Some("changed".into());
    assert!(app.handle(Event::Db(PollerMsg::Tail {
        at_us: now,
        rows: tail
    })));
    press(&mut app, &[KeyCode::Char('1')]);
    assert!(app.handle(Event::Db(PollerMsg::Overview(sample(now, 2, 1, 1, 1)))));
}

#[test]
fn a_search_that_failed_is_retried_at_the_next_poll() {
    let mut app = decisions_app();
    press(
        &mut app,
        &[KeyCode::Char('/'), KeyCode::Char('k'), KeyCode::Enter],
    );
    app.handle(Event::Db(PollerMsg::Search {
        needle: "k".into(),
        result: Err("connection refused".into()),
    }));
    app.requests.clear();

    // The database answers again: the next poll brings the search back, once.
    app.handle(Event::Db(PollerMsg::Overview(sample(
        T0 + 9 * SECOND,
        1,
        0,
        0,
        0,
    ))));
    let retry = Request::Search { needle: "k".into() };
    assert_eq!(app.requests, vec![retry]);
    app.requests.clear();
    app.handle(Event::Db(PollerMsg::Overview(sample(
        T0 + 10 * SECOND,
        1,
        0,
        0,
        0,
    ))));
    assert!(app.requests.is_empty(), "one retry at a time");

    app.handle(Event::Db(PollerMsg::Search {
        needle: "k".into(),
        result: Ok(vec![summary(2)]),
    }));
    assert_eq!((app.list.rows.len(), app.list.error.as_deref()), (1, None));
    app.handle(Event::Db(PollerMsg::Overview(sample(
        T0 + 11 * SECOND,
        1,
        0,
        0,
        0,
    ))));
    assert!(
        app.requests.is_empty(),
        "a search that worked is not asked again"
    );
}
